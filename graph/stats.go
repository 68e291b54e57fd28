package graph

import "github.com/keyhound/keyhound/graph/arn"

// Stats counts what the graph holds.
type Stats struct {
	Accounts           int            `json:"accounts"`
	OrganizationalUnit int            `json:"organizational_units"`
	Users              int            `json:"users"`
	Roles              int            `json:"roles"`
	Keys               int            `json:"keys"`
	CustomerKeys       int            `json:"customer_managed_keys"`
	AWSManagedKeys     int            `json:"aws_managed_keys"`
	KeysByState        map[string]int `json:"keys_by_state"`
	Grants             int            `json:"grants"`
	Resources          map[string]int `json:"resources"`
	UnresolvedKeyRefs  int            `json:"unresolved_key_references"`
	Issues             int            `json:"issues"`
	// CollectionErrors counts the calls the scan could not complete (the
	// organization's errors and every account's): what they would have
	// read is unknown.
	CollectionErrors int `json:"collection_errors"`
	// RegionsSkipped counts the Regions (or calls in a Region) the scan did
	// not read because the organization's SCPs deny it there: no errors,
	// but what they would have read is unknown too.
	RegionsSkipped int            `json:"regions_skipped"`
	Findings       map[string]int `json:"findings"`
}

// Stats counts the graph's accounts, principals, keys, resources, issues,
// collection errors and findings.
func (g *Graph) Stats() Stats {
	g.wait()
	s := g.Counts()
	s.Findings = map[string]int{}
	for _, f := range g.Findings() {
		s.Findings[f.Severity.String()]++
	}
	return s
}

// Counts is Stats without the findings (nil): what is cheap to count, for a
// status line drawn before the findings are computed.
func (g *Graph) Counts() Stats {
	g.wait()
	s, _ := g.CountsSoFar()
	return s
}

// CountsSoFar is Counts without waiting for a background build (Ready):
// complete is false, and the users, roles and resources not counted, while
// it runs.
func (g *Graph) CountsSoFar() (s Stats, complete bool) {
	s = Stats{
		Accounts: len(g.Snapshot.Accounts), KeysByState: map[string]int{}, Resources: map[string]int{}, Issues: len(g.Issues),
		CollectionErrors: len(g.Snapshot.CollectionErrors()), RegionsSkipped: len(g.Snapshot.SkippedRegions()),
	}
	if g.Snapshot.Organization != nil {
		s.OrganizationalUnit = len(g.Snapshot.Organization.OrganizationalUnits)
		if n := len(g.Snapshot.Organization.Accounts); n > s.Accounts {
			s.Accounts = n
		}
	}
	if complete = g.Ready(); complete {
		for _, p := range g.principals {
			if p.Kind == arn.KindUser {
				s.Users++
			} else {
				s.Roles++
			}
		}
	}
	for _, k := range g.keys {
		s.Keys++
		if k.Manager() == "AWS" {
			s.AWSManagedKeys++
		} else {
			s.CustomerKeys++
		}
		s.KeysByState[k.State()]++
		s.Grants += len(k.Grants)
	}
	if complete {
		g.needResources()
		for _, r := range g.resources {
			s.Resources[r.Type]++
			if r.KeyUnresolved {
				s.UnresolvedKeyRefs++
			}
		}
	}
	return s, complete
}
