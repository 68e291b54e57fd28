package graph

import (
	"slices"
	"strconv"

	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// Org is the organization's structure and its SCPs and RCPs.
type Org struct {
	ID                string
	ManagementAccount string
	// parent maps an OU or account ID to its parent's ID.
	parent map[string]string
	names  map[string]string
	// attached maps a root, OU or account ID to its policies, by type.
	attached map[string][]*OrgPolicy
	// enabled says whether SCPs / RCPs are enabled in the organization.
	scpEnabled, rcpEnabled bool
	// typeGaps, by policy type, are what leaves the type's policies unknown
	// in every account: a listing that failed, a policy whose targets were
	// not collected (it may be attached anywhere).
	typeGaps map[string][]Issue
	// structureGaps are the failed calls of the organization's listing
	// (roots, OUs, accounts): an account not listed may then be a member,
	// with SCPs and RCPs unknown (structure.go).
	structureGaps []Issue
	structureWhy  []string // the failure of each, described
	// policyIDs maps a policy's name and ARN (as answers name it) to its ID.
	policyIDs map[string]string
	// Per account, computed once: its path, and its SCP and RCP levels.
	paths    map[string][]string
	orgPaths map[string]string
	levelz   map[string]levelSet
}

type levelSet struct {
	levels [][]eval.NamedPolicy
	issues []Issue
}

// OrgPolicy is an SCP or RCP. Policy is nil when it does not parse or was
// not collected; Issue says which.
type OrgPolicy struct {
	ID, Name, Type string
	Policy         *eval.NamedPolicy
	Issue          *Issue
}

func (b *builder) buildOrg(o *snapshot.Organization) {
	if o == nil {
		return
	}
	org := &Org{parent: map[string]string{}, names: map[string]string{}, attached: map[string][]*OrgPolicy{}, typeGaps: map[string][]Issue{}, policyIDs: map[string]string{}}
	failed := indexFailures(o.Errors)
	org.structureGaps, org.structureWhy = structureGaps(o.Errors)
	b.g.Issues = append(b.g.Issues, org.structureGaps...)
	if o.Organization != nil {
		org.ID, org.ManagementAccount = o.Organization.ID, o.Organization.MasterAccountID
	}
	for _, ou := range o.OrganizationalUnits {
		org.parent[ou.ID], org.names[ou.ID] = ou.ParentID, ou.Name
	}
	for _, a := range o.Accounts {
		org.parent[a.ID], org.names[a.ID] = a.ParentID, a.Name
	}
	typesKnown := false
	for _, r := range o.Roots {
		org.names[r.ID] = r.Name
		if r.PolicyTypes != nil {
			typesKnown = true
		}
		for _, pt := range r.PolicyTypes {
			if pt.Status == "ENABLED" {
				org.scpEnabled = org.scpEnabled || pt.Type == snapshot.PolicyTypeSCP
				org.rcpEnabled = org.rcpEnabled || pt.Type == snapshot.PolicyTypeRCP
			}
		}
	}
	for _, typ := range []string{snapshot.PolicyTypeSCP, snapshot.PolicyTypeRCP} {
		e := failed.listing(typ)
		if e == nil {
			continue
		}
		if !typesKnown {
			// Policy types not collected: a type that could not be listed may be in use.
			org.enable(typ)
		}
		iss := Issue{
			Item: typ, Path: "organization.errors",
			Message: "the organization's " + typeName(typ) + "s could not be listed (" + describeFailure(e) + "): every member account's " + typeName(typ) + "s are unknown",
		}
		b.g.Issues = append(b.g.Issues, iss)
		org.typeGaps[typ] = append(org.typeGaps[typ], iss)
	}
	for i, p := range o.Policies {
		typ := p.PolicySummary.Type
		if typ != snapshot.PolicyTypeSCP && typ != snapshot.PolicyTypeRCP {
			continue
		}
		if !typesKnown {
			// Policy types not collected: a policy of a type means the type is in use.
			org.enable(typ)
		}
		op := &OrgPolicy{ID: p.PolicySummary.ID, Name: p.PolicySummary.Name, Type: typ}
		if op.Name == "" {
			op.Name = op.ID
		}
		path := "organization.Policies[" + strconv.Itoa(i) + "]"
		if p.Content == "" {
			// Not collected: DescribePolicy failed (or a hand-built snapshot left it out).
			why := "not collected"
			if e := failed.of("DescribePolicy", op.ID); e != nil {
				why = "not collected (" + describeFailure(e) + ")"
			}
			iss := Issue{Item: op.Name, Path: path + ".Content", Message: typeName(typ) + " " + op.ID + "'s content was " + why + ": the accounts it applies to have unknown " + typeName(typ) + "s"}
			b.g.Issues = append(b.g.Issues, iss)
			op.Issue = &iss
		} else {
			op.Policy, op.Issue = b.parsePolicy(p.Content, op.Name, p.PolicySummary.Arn, "", "", op.Name, path+".Content")
			org.policyIDs[op.Name+"\x00"+p.PolicySummary.Arn] = op.ID
		}
		if p.Targets == nil {
			// Where it is attached is not known: anywhere.
			why := "not collected"
			if e := failed.of("ListTargetsForPolicy", op.ID); e != nil {
				why = "not collected (" + describeFailure(e) + ")"
			}
			iss := Issue{Item: op.Name, Path: path + ".Targets", Message: "the targets of " + typeName(typ) + " " + op.ID + " were " + why + ": it may apply to any account, whose " + typeName(typ) + "s are unknown"}
			b.g.Issues = append(b.g.Issues, iss)
			org.typeGaps[typ] = append(org.typeGaps[typ], iss)
		}
		for _, t := range p.Targets {
			org.attached[t.TargetID] = append(org.attached[t.TargetID], op)
		}
	}
	// Precompute what every request needs, once per account.
	org.paths, org.levelz = map[string][]string{}, map[string]levelSet{}
	for _, a := range o.Accounts {
		org.paths[a.ID] = org.walk(a.ID)
	}
	org.orgPaths = map[string]string{}
	for _, a := range o.Accounts {
		org.orgPaths[a.ID] = org.OrgPaths(a.ID)
	}
	for _, a := range o.Accounts {
		for _, typ := range []string{snapshot.PolicyTypeSCP, snapshot.PolicyTypeRCP} {
			l, iss := org.computeLevels(a.ID, typ)
			org.levelz[typ+"/"+a.ID] = levelSet{l, iss}
		}
	}
	b.g.Org = org
}

// Path returns the IDs from the root down to the account: root, OUs, account.
// It returns nil for an account that is not in the organization.
func (o *Org) Path(account string) []string {
	if o == nil {
		return nil
	}
	if p, ok := o.paths[account]; ok {
		return p
	}
	return o.walk(account)
}

func (o *Org) walk(account string) []string {
	if _, ok := o.parent[account]; !ok {
		return nil
	}
	path := []string{account}
	for id, seen := account, 0; seen < 64; seen++ {
		p, ok := o.parent[id]
		if !ok || p == "" {
			break
		}
		path = append(path, p)
		id = p
	}
	slices.Reverse(path)
	return path
}

// Member reports whether account is in the organization.
func (o *Org) Member(account string) bool { return o != nil && o.Path(account) != nil }

// OrgPaths returns aws:PrincipalOrgPaths for an account: "o-…/r-…/ou-…/".
func (o *Org) OrgPaths(account string) string {
	if p, ok := o.orgPaths[account]; ok {
		return p
	}
	path := o.Path(account)
	if path == nil {
		return ""
	}
	s := o.ID + "/"
	for _, id := range path[:len(path)-1] {
		s += id + "/"
	}
	return s
}

// levels returns the policies of one type along the account's path, root
// first. ok is false when a policy on the path does not parse.
func (o *Org) levels(account, typ string) ([][]eval.NamedPolicy, []Issue) {
	if o == nil {
		return nil, nil
	}
	if ls, ok := o.levelz[typ+"/"+account]; ok {
		return ls.levels, ls.issues
	}
	return o.computeLevels(account, typ)
}

// An unknown policy (one that does not parse, or was not collected, or may
// be attached without the snapshot saying where) is left out of its level,
// and its issues mark the layer unknown in every request (can.go): the
// evaluator then reads every level's allow and denies as uncertain, a layer
// with no policy known at any level included.
func (o *Org) computeLevels(account, typ string) (levels [][]eval.NamedPolicy, issues []Issue) {
	return o.levelsOnPath(account, o.Path(account), typ)
}

// levelsOnPath is computeLevels for an account whose path (root, OUs,
// account) is given. An account with no path in an organization whose
// listing did not finish may be a member: its layer is unknown.
func (o *Org) levelsOnPath(account string, path []string, typ string) (levels [][]eval.NamedPolicy, issues []Issue) {
	if (typ == snapshot.PolicyTypeSCP && !o.scpEnabled) || (typ == snapshot.PolicyTypeRCP && !o.rcpEnabled) {
		return nil, nil
	}
	if path == nil && account != "" && account != o.ManagementAccount && len(o.structureGaps) > 0 {
		return nil, o.unlisted(account, typ)
	}
	for i, id := range path {
		var level []eval.NamedPolicy
		if gaps := o.typeGaps[typ]; i == 0 && len(gaps) > 0 {
			// Anywhere on the path: once.
			issues = append(issues, gaps...)
		}
		for _, p := range o.attached[id] {
			if p.Type != typ {
				continue
			}
			if p.Policy == nil {
				issues = append(issues, *p.Issue)
				continue
			}
			level = append(level, *p.Policy)
		}
		levels = append(levels, level)
	}
	if account == o.ManagementAccount {
		// Neither SCPs nor RCPs apply to it: what is unknown of them is no gap.
		issues = nil
	}
	return levels, issues
}

func (o *Org) enable(typ string) {
	o.scpEnabled = o.scpEnabled || typ == snapshot.PolicyTypeSCP
	o.rcpEnabled = o.rcpEnabled || typ == snapshot.PolicyTypeRCP
}

// typeName is "SCP" or "RCP".
func typeName(typ string) string {
	if typ == snapshot.PolicyTypeRCP {
		return "RCP"
	}
	return "SCP"
}

// Name returns the name of a root, OU or account, or its ID.
func (o *Org) Name(id string) string {
	if o != nil && o.names[id] != "" {
		return o.names[id]
	}
	return id
}
