package graph

import (
	"cmp"
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// NewOrg builds an organization's structure and SCPs and RCPs from a
// snapshot's organization alone, as Build does: for the scanner, which asks
// which Regions the SCPs deny an account before it scans them. A policy
// that was not collected, or does not parse, is unknown as in Build.
func NewOrg(o *snapshot.Organization) *Org {
	b := &builder{g: &Graph{}, cache: map[string]parsed{}}
	b.buildOrg(o)
	return b.g.Org
}

// RegionDenial is a Region in which the SCPs deny a caller every action
// asked about, whatever the request's other keys hold.
type RegionDenial struct {
	Region string
	// Policies are the IDs of the SCPs that deny: those whose Deny
	// statements apply, or, when none does, those of the level where none
	// allows. Sorted.
	Policies []string
	// Message says so in a sentence naming the caller, the first action
	// and the statement.
	Message string
}

// RegionQuery asks in which Regions an account's SCPs deny a caller.
type RegionQuery struct {
	Account string
	// Path is the account's path (root, OUs, account) when the
	// organization does not hold it yet; nil takes the organization's own.
	Path []string
	// Principal is the caller's ARN: a role or user of Account, or a
	// session of a role. "" is a role of Account whose ARN is unknown:
	// aws:PrincipalArn is then unknown, and a statement that exempts
	// principals by ARN leaves the Region undecided, not denied.
	Principal string
	// Partition of the account (default "aws").
	Partition string
	// Actions are the calls made in each Region ("kms:ListKeys"); Regions
	// those asked about.
	Actions, Regions []string
}

// DeniedRegions returns, of q.Regions, those in which the SCPs of
// q.Account deny q.Principal every action of q.Actions: a definite DENY,
// explicit or for want of an allow at some level, never one that depends
// on what the context does not tell (a tag, a source IP, an unknown ARN),
// which stays CONDITIONAL and is not denied. The request is the caller's
// own (no service calls for it), in the Region asked, on "*". An account
// that SCPs do not restrict (the management account) or whose place in
// the organization is unknown has none.
//
// Organizations UG, "Service control policies (SCPs)" and the example
// "Deny access to AWS based on the requested AWS Region"; IAM UG,
// aws:RequestedRegion, aws:PrincipalArn.
func (o *Org) DeniedRegions(q RegionQuery) []RegionDenial {
	if o == nil || q.Account == "" || q.Account == o.ManagementAccount || len(q.Actions) == 0 {
		return nil
	}
	path := q.Path
	if path == nil {
		path = o.Path(q.Account)
	}
	if len(path) == 0 || path[len(path)-1] != q.Account {
		return nil
	}
	levels, issues := o.levelsOnPath(q.Account, path, snapshot.PolicyTypeSCP)
	if len(levels) == 0 {
		return nil
	}
	principal := q.Principal
	if principal == "" {
		principal = "arn:" + cmp.Or(q.Partition, "aws") + ":iam::" + q.Account + ":role/keyhound-region-probe"
	}
	caller, err := arn.ParsePrincipal(principal)
	if err != nil || caller.AccountID != q.Account {
		return nil
	}
	orgPaths := ""
	if o.ID != "" {
		orgPaths = o.ID + "/" + strings.Join(path[:len(path)-1], "/") + "/"
	}
	var out []RegionDenial
	for _, region := range q.Regions {
		var first *eval.Decision
		denied := true
		for _, action := range q.Actions {
			d := o.evaluateSCPs(caller, q.Principal == "", q.Account, region, action, orgPaths, levels, len(issues) > 0)
			if d == nil || d.Verdict != eval.Deny || !d.DeniedByLayer(eval.LayerSCP) {
				denied = false
				break
			}
			if first == nil {
				first = d
			}
		}
		if denied {
			who := q.Principal
			if who == "" {
				who = "the account's roles"
			}
			out = append(out, o.denial(region, q.Actions[0], who, levels, first))
		}
	}
	slices.SortFunc(out, func(a, b RegionDenial) int { return strings.Compare(a.Region, b.Region) })
	return out
}

// evaluateSCPs evaluates one call of caller's, in region, against its SCP
// levels alone (every other layer allows); arnUnknown leaves
// aws:PrincipalArn unknown.
func (o *Org) evaluateSCPs(caller arn.Principal, arnUnknown bool, account, region, action, orgPaths string, levels [][]eval.NamedPolicy, unknown bool) *eval.Decision {
	ctx := policy.NewContext(false)
	ctx.Set("aws:RequestedRegion", region)
	if arnUnknown {
		ctx.SetNotIn("aws:PrincipalArn")
	}
	// The scanner calls in its own name: no service calls for it.
	setCallDefaults(ctx, caller.Kind, strings.ToLower(action), nil, true)
	if o.ID != "" {
		ctx.SetKey(keyPrincipalOrgID, o.ID)
		ctx.SetKey(keyPrincipalOrgPaths, orgPaths)
	}
	r := &eval.Request{
		Principal: caller, Action: action, Resource: "*", ResourceAccount: account,
		SCPs: levels, ManagementAccount: o.ManagementAccount, Context: ctx,
		IdentityPolicies: []eval.NamedPolicy{allowAll},
	}
	if unknown {
		r.MarkUnknown(eval.LayerSCP)
	}
	d, err := eval.Evaluate(r)
	if err != nil {
		return nil
	}
	return d
}

// denial describes a Region's denial from the decision on its first action.
func (o *Org) denial(region, action, principal string, levels [][]eval.NamedPolicy, d *eval.Decision) RegionDenial {
	out := RegionDenial{Region: region}
	var stmt string
	for _, r := range d.Reasons {
		if r.Layer != eval.LayerSCP || r.Outcome != eval.OutcomeDenies {
			continue
		}
		out.Policies = append(out.Policies, o.policyID(r.Policy, r.PolicyARN))
		if stmt == "" {
			stmt = r.Sid
		}
	}
	how := "an explicit deny in SCP "
	if len(out.Policies) == 0 {
		how = "no allow at a level of SCP "
		for _, r := range d.Reasons {
			if r.Layer == eval.LayerSCP && r.Outcome == eval.OutcomeNoAllow && r.Level < len(levels) {
				for _, p := range levels[r.Level] {
					out.Policies = append(out.Policies, o.policyID(p.Name, p.ARN))
				}
			}
		}
	}
	slices.Sort(out.Policies)
	out.Policies = slices.Compact(out.Policies)
	if stmt != "" {
		stmt = " (statement " + stmt + ")"
	}
	out.Message = action + " and every other call keyhound makes in " + region + " are denied to " + principal +
		" by " + how + strings.Join(out.Policies, ", ") + stmt
	return out
}

// policyID is the ID of an SCP or RCP named as answers name it.
func (o *Org) policyID(name, arn string) string {
	if id := o.policyIDs[name+"\x00"+arn]; id != "" {
		return id
	}
	return name
}
