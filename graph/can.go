package graph

import (
	"fmt"
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// Query asks whether a principal can perform an action on a key.
type Query struct {
	Principal string
	Action    string
	// Resource is a key ARN, an alias ARN, or a key ID or alias name in the
	// principal's account and the Region of Region (or unique in the snapshot).
	Resource string
	Region   string
	// Context holds request-context keys the caller knows; a nil value list
	// means the key is known to be absent.
	Context           map[string][]string
	EncryptionContext map[string]string
	// ContextComplete says the context is the whole request: keys not given are absent.
	ContextComplete bool
}

// Answer is the access graph's answer to a Query.
type Answer struct {
	Principal string `json:"principal"`
	Action    string `json:"action"`
	Resource  string `json:"resource"`
	// Decision is the effective answer; DirectDecision is the principal acting
	// as itself (they differ once role chains are followed).
	Decision       eval.Verdict    `json:"decision"`
	DirectDecision eval.Verdict    `json:"direct_decision"`
	DeniedBy       []eval.Denial   `json:"denied_by"`
	Reasons        []eval.Reason   `json:"reasons"`
	Conditions     []eval.Residual `json:"conditions,omitempty"`
	Paths          []Path          `json:"paths"`
	// Unknowns are the snapshot's gaps the answer depends on: uncollected or
	// unparseable policies, accounts outside the snapshot.
	Unknowns []Issue       `json:"unknowns,omitempty"`
	Request  *eval.Request `json:"-"`
}

// Path is one way a principal reaches the access: itself, or a chain of roles.
type Path struct {
	Via      []string     `json:"via"`
	Decision eval.Verdict `json:"decision"`
}

// Can answers a query about a KMS key.
func (g *Graph) Can(q Query) (*Answer, error) {
	r, unknowns, err := g.Request(q)
	if err != nil {
		return nil, err
	}
	d, err := eval.Evaluate(r)
	if err != nil {
		return nil, err
	}
	return &Answer{
		Principal: q.Principal, Action: r.Action, Resource: r.Resource,
		Decision: d.Verdict, DirectDecision: d.Verdict,
		DeniedBy: d.DeniedBy, Reasons: d.Reasons, Conditions: d.Conditions,
		Paths:    []Path{{Via: []string{q.Principal}, Decision: d.Verdict}},
		Unknowns: unknowns, Request: r,
	}, nil
}

// Request builds the evaluation request of a query from the snapshot: the
// caller's policies, the key's policy and grants, the organization's SCPs and
// RCPs, and the context the snapshot tells (principal's account, ARN, type,
// tags, organization ID and path; the resource's account and organization).
// A direct call to KMS is assumed unless the query's context says otherwise:
// kms:ViaService and kms:GrantIsForAWSResource absent, aws:ViaAWSService and
// aws:PrincipalIsAWSService false. Everything else only a live request
// carries stays unknown.
func (g *Graph) Request(q Query) (*eval.Request, []Issue, error) {
	if !strings.HasPrefix(strings.ToLower(q.Action), "kms:") {
		return nil, nil, fmt.Errorf("action %s: only KMS actions on keys are answered so far", q.Action)
	}
	p, err := arn.ParsePrincipal(q.Principal)
	if err != nil {
		return nil, nil, err
	}
	region := q.Region
	if region == "" {
		if a, err := arn.Parse(q.Resource); err == nil {
			region = a.Region
		}
	}
	key, err := g.ResolveKey(q.Resource, p.AccountID, region)
	if err != nil {
		return nil, nil, err
	}
	r := &eval.Request{
		Principal: p, Action: q.Action, Resource: key.ARN, ResourceAccount: key.Account,
		KeyState: key.State(), KeyManager: key.Manager(), Grants: key.Grants,
		EncryptionContext: q.EncryptionContext,
	}
	var unknowns []Issue
	ctx := policy.NewContext(q.ContextComplete)

	// The key side.
	if key.Policy != nil {
		r.ResourcePolicy = key.Policy
	} else {
		r.MarkUnknown(eval.LayerKeyPolicy)
		unknowns = append(unknowns, *key.PolicyIssue)
	}
	if !key.GrantsKnown {
		r.MarkUnknown(eval.LayerGrant)
		unknowns = append(unknowns, Issue{Account: key.Account, Region: key.Region, Item: key.ARN, Path: "Grants", Message: "grants not collected: a grant could allow more"})
	}

	// The caller's side.
	switch p.Kind {
	case arn.KindUser, arn.KindRole, arn.KindAssumedRole:
		var ent *Principal
		if p.Kind == arn.KindAssumedRole {
			ent = g.Role(p.AccountID, p.Name)
		} else {
			ent = g.Principal(p.ARN)
		}
		switch {
		case ent != nil:
			r.IdentityPolicies, r.PermissionsBoundary = ent.Policies, ent.Boundary
			unknowns = append(unknowns, ent.Issues...)
			for _, iss := range ent.Issues {
				if ent.Boundary != nil && iss.Item == ent.Boundary.ARN {
					r.MarkUnknown(eval.LayerPermissionsBoundary)
				} else {
					r.MarkUnknown(eval.LayerIdentityPolicy)
				}
			}
			for k, v := range ent.Tags {
				ctx.Set("aws:PrincipalTag/"+k, v)
			}
			if ent.Tags == nil && g.InSnapshot(p.AccountID) {
				ctx.SetPrefixKnown("aws:PrincipalTag/")
			}
			if p.Kind == arn.KindAssumedRole {
				// aws:PrincipalArn of a session is its role's ARN, path included.
				ctx.Set("aws:PrincipalArn", ent.ARN)
			}
			// A session's ARN carries no path: take the role's, so that a
			// service-linked role's sessions are recognized as such.
			r.Principal.Path = ent.Path
		case g.InSnapshot(p.AccountID):
			return nil, nil, fmt.Errorf("principal %s is not in the snapshot (account %s's IAM was collected)", q.Principal, p.AccountID)
		default:
			r.MarkUnknown(eval.LayerIdentityPolicy)
			unknowns = append(unknowns, Issue{Account: p.AccountID, Item: q.Principal, Path: "accounts",
				Message: "account " + p.AccountID + " is not in the snapshot: the caller's identity policies are unknown"})
		}
	}

	// The organization.
	if g.Org != nil {
		if g.Org.ManagementAccount != "" {
			r.ManagementAccount = g.Org.ManagementAccount
		}
		if p.AccountID != "" {
			levels, issues := g.Org.levels(p.AccountID, snapshot.PolicyTypeSCP)
			r.SCPs = levels
			if len(issues) > 0 {
				r.MarkUnknown(eval.LayerSCP)
				unknowns = append(unknowns, issues...)
			}
		}
		levels, issues := g.Org.levels(key.Account, snapshot.PolicyTypeRCP)
		r.RCPs = levels
		if len(issues) > 0 {
			r.MarkUnknown(eval.LayerRCP)
			unknowns = append(unknowns, issues...)
		}
		if g.Org.Member(p.AccountID) {
			ctx.Set("aws:PrincipalOrgID", g.Org.ID)
			ctx.Set("aws:PrincipalOrgPaths", g.Org.OrgPaths(p.AccountID))
		} else if p.AccountID != "" && g.Org.ID != "" {
			// Outside this organization: in another one, or in none.
			ctx.SetNotIn("aws:PrincipalOrgID", g.Org.ID)
		}
		if g.Org.Member(key.Account) {
			ctx.Set("aws:ResourceOrgID", g.Org.ID)
		}
	}
	if a := g.Snapshot.Accounts[p.AccountID]; a != nil && a.EnabledRegions != nil {
		r.PrincipalEnabledRegions = a.EnabledRegions
	}

	// What a direct call carries, unless the query says otherwise.
	for k, v := range map[string][]string{"aws:ViaAWSService": {"false"}, "aws:PrincipalIsAWSService": {"false"}, "kms:ViaService": nil, "kms:GrantIsForAWSResource": nil, "aws:CalledVia": nil} {
		if p.Kind == arn.KindService && k == "aws:PrincipalIsAWSService" {
			continue
		}
		if v == nil {
			ctx.SetAbsent(k)
		} else {
			ctx.Set(k, v...)
		}
	}
	for _, k := range sortedKeys(q.Context) {
		if v := q.Context[k]; v == nil {
			ctx.SetAbsent(k)
		} else {
			ctx.Set(k, v...)
		}
	}
	if q.EncryptionContext != nil {
		keys := make([]string, 0, len(q.EncryptionContext))
		for k, v := range q.EncryptionContext {
			ctx.Set("kms:EncryptionContext:"+k, v)
			keys = append(keys, k)
		}
		slices.Sort(keys)
		ctx.Set("kms:EncryptionContextKeys", keys...)
		ctx.SetPrefixKnown("kms:EncryptionContext:")
	}
	// A request through a VPC endpoint must also be allowed by its policy.
	if vpce := q.Context["aws:SourceVpce"]; len(vpce) == 1 {
		switch ep := g.endpoints[vpce[0]]; {
		case ep == nil:
			r.MarkUnknown(eval.LayerVPCEndpointPolicy)
			unknowns = append(unknowns, Issue{Item: vpce[0], Path: "ec2.VpcEndpoints", Message: "VPC endpoint " + vpce[0] + " is not in the snapshot: its policy is unknown"})
		case ep.Issue != nil:
			r.MarkUnknown(eval.LayerVPCEndpointPolicy)
			unknowns = append(unknowns, *ep.Issue)
		default:
			r.VPCEndpointPolicy = ep.Policy
		}
	}
	r.Context = ctx
	if err := r.Prepare(); err != nil {
		return nil, nil, err
	}
	return r, unknowns, nil
}
