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
	// Per account, computed once: its path, and its SCP and RCP levels.
	paths    map[string][]string
	orgPaths map[string]string
	levelz   map[string]levelSet
}

type levelSet struct {
	levels [][]eval.NamedPolicy
	issues []Issue
}

// OrgPolicy is an SCP or RCP. Policy is nil when it does not parse.
type OrgPolicy struct {
	ID, Name, Type string
	Policy         *eval.NamedPolicy
	Issue          *Issue
}

func (b *builder) buildOrg(o *snapshot.Organization) {
	if o == nil {
		return
	}
	org := &Org{parent: map[string]string{}, names: map[string]string{}, attached: map[string][]*OrgPolicy{}}
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
	for i, p := range o.Policies {
		typ := p.PolicySummary.Type
		if typ != snapshot.PolicyTypeSCP && typ != snapshot.PolicyTypeRCP {
			continue
		}
		if !typesKnown {
			// Policy types not collected: a policy of a type means the type is in use.
			org.scpEnabled = org.scpEnabled || typ == snapshot.PolicyTypeSCP
			org.rcpEnabled = org.rcpEnabled || typ == snapshot.PolicyTypeRCP
		}
		op := &OrgPolicy{ID: p.PolicySummary.ID, Name: p.PolicySummary.Name, Type: typ}
		if op.Name == "" {
			op.Name = op.ID
		}
		op.Policy, op.Issue = b.parsePolicy(p.Content, op.Name, p.PolicySummary.Arn, "", "", op.Name,
			"organization.Policies["+strconv.Itoa(i)+"].Content")
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

func (o *Org) computeLevels(account, typ string) (levels [][]eval.NamedPolicy, issues []Issue) {
	if (typ == snapshot.PolicyTypeSCP && !o.scpEnabled) || (typ == snapshot.PolicyTypeRCP && !o.rcpEnabled) {
		return nil, nil
	}
	for _, id := range o.Path(account) {
		var level []eval.NamedPolicy
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
	return levels, issues
}

// Name returns the name of a root, OU or account, or its ID.
func (o *Org) Name(id string) string {
	if o != nil && o.names[id] != "" {
		return o.names[id]
	}
	return id
}
