package graph

import (
	"maps"
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// Rebuild builds the graph of s, a changed copy of old's snapshot that
// shares what did not change with it (changeset.Apply copies on write:
// an account, its IAM and each of its Regions are the old pointers when
// nothing in them changed). loadErrs must be those old was built with.
//
// When the organization and every account's IAM and settings are old's,
// only the Regions whose contents changed (keys, endpoints, resources) are
// built again; the principals, their classes, the organization and the
// index are old's, shared. A change to a key policy thus costs a Region's
// build, not the organization's. Otherwise Rebuild is Build. Either way the
// graph answers as Build(s, loadErrs) would: old is read, never changed.
func Rebuild(old *Graph, s *snapshot.Snapshot, loadErrs []snapshot.LoadError) *Graph {
	old.needResources()
	regions, ok := changedRegions(old.Snapshot, s)
	if !ok {
		return Build(s, loadErrs)
	}
	g := &Graph{
		Snapshot: s, Org: old.Org,
		principals: old.principals, sortedPrincipals: old.sortedPrincipals, otherRoles: old.otherRoles,
		ix: old.ix, partition: old.partition, numClasses: old.numClasses, noShare: old.noShare, docs: &docTable{},
		lite: old.lite, accountIndex: old.accountIndex, accountFacts: old.accountFacts, stmtDeps: old.stmtDeps,
	}
	in := func(account, region string) bool { return regions[account+"/"+region] }
	g.keys = maps.Clone(old.keys)
	maps.DeleteFunc(g.keys, func(_ string, k *Key) bool { return in(k.Account, k.Region) })
	g.keyIDs = maps.Clone(old.keyIDs)
	maps.DeleteFunc(g.keyIDs, func(_ string, k *Key) bool { return in(k.Account, k.Region) })
	g.aliases = maps.Clone(old.aliases)
	maps.DeleteFunc(g.aliases, func(_ string, k *Key) bool { return in(k.Account, k.Region) })
	g.endpoints = maps.Clone(old.endpoints)
	maps.DeleteFunc(g.endpoints, func(_ string, ep *endpoint) bool { return in(ep.Account, ep.Region) })
	g.leftOut = slices.DeleteFunc(slices.Clone(old.leftOut), func(lo leftOutKey) bool { return in(lo.issue.Account, lo.issue.Region) })
	g.Issues = keptIssues(old.Issues, loadErrs, regions)
	kept := make([]*Resource, 0, len(old.resources))
	for _, r := range old.resources {
		if !in(r.Account, r.Region) {
			kept = append(kept, r)
		}
	}
	b := &builder{g: g, partition: g.partition, cache: map[string]parsed{}, resources: kept}
	for _, ar := range sortedKeys(regions) {
		account, region, _ := strings.Cut(ar, "/")
		reg := s.Accounts[account].Regions[region]
		if reg == nil {
			continue // the Region went
		}
		rb := regionPath(account, region)
		b.buildKeys(account, region, reg.KMS, rb+".kms")
		b.buildEndpoints(account, region, reg.EC2, rb+".ec2")
		b.buildResources(account, region, reg, rb)
	}
	g.resources = b.resources
	b.addKeys()
	// The keys are sorted before any reference resolves: ResolveKey scans
	// them (a key ID or alias name in an empty Region), as it does later.
	g.sortKeys(nil)
	// The new Regions' resources resolve their keys and policies as Build's
	// do; the others keep theirs unless their key reference resolves
	// otherwise now (an alias ARN of a rebuilt Region): those are copied,
	// never changed, for old shares them.
	for i, r := range g.resources {
		if i >= len(kept) {
			r.Key, r.KeyUnresolved = g.resolvedKey(r)
			continue
		}
		if key, unresolved := g.resolvedKey(r); key != r.Key || unresolved != r.KeyUnresolved {
			c := *r
			c.Key, c.KeyUnresolved = key, unresolved
			g.resources[i] = &c
		}
	}
	added := slices.Clone(g.resources[len(kept):]) // before the sort mixes them in
	b.resolvePolicies(added)
	g.resourceARNs = make(map[string]*Resource, len(g.resources))
	g.sortResources()
	var rebuilt []*Key
	for _, k := range g.sortedKeys {
		if in(k.Account, k.Region) {
			rebuilt = append(rebuilt, k)
		}
	}
	b.resolveKeyPolicies(rebuilt)
	g.traits = maps.Clone(old.traits)
	for _, k := range rebuilt {
		g.addTraits(k.Policy())
	}
	for _, r := range added {
		g.addTraits(r.Policy())
	}
	g.Issues = append(g.Issues, b.issues...)
	slices.SortStableFunc(g.Issues, func(a, b Issue) int { return strings.Compare(a.Path, b.Path) })
	return g
}

// addTraits adds a resource-side policy's traits to those sharing knows.
func (g *Graph) addTraits(np *eval.NamedPolicy) {
	if np == nil || np.Policy == nil {
		return
	}
	if _, ok := g.traits[np.Policy]; !ok {
		g.traits[np.Policy] = analysePolicy(np.Policy)
	}
}

// changedRegions lists ("account/Region") the Regions of s that are not
// old's, when nothing else in s differs from old: the organization, the
// partition, the accounts' IAM and their account-level settings. ok is
// false otherwise.
func changedRegions(old, s *snapshot.Snapshot) (regions map[string]bool, ok bool) {
	if old == nil || s.Partition != old.Partition || s.Organization != old.Organization || len(s.Accounts) != len(old.Accounts) {
		return nil, false
	}
	regions = map[string]bool{}
	for id, a := range s.Accounts {
		o, found := old.Accounts[id]
		switch {
		case !found:
			return nil, false
		case a == o:
			continue
		case a == nil || o == nil || a.IAM != o.IAM || a.S3Control != o.S3Control || a.ScannedAs != o.ScannedAs ||
			!sameSlice(a.Errors, o.Errors) || !sameSlice(a.EnabledRegions, o.EnabledRegions) || !sameSlice(a.RegionsSkipped, o.RegionsSkipped):
			return nil, false
		}
		for r, reg := range a.Regions {
			if o.Regions[r] != reg {
				regions[id+"/"+r] = true
			}
		}
		for r := range o.Regions {
			if _, kept := a.Regions[r]; !kept {
				regions[id+"/"+r] = true
			}
		}
	}
	return regions, true
}

// sameSlice reports whether a and b are the same slice (not only equal).
func sameSlice[T any](a, b []T) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// keptIssues are old's issues but those the build of regions gave: the
// snapshot's load errors stay, wherever they are.
func keptIssues(old []Issue, loadErrs []snapshot.LoadError, regions map[string]bool) []Issue {
	loaded := map[Issue]int{}
	for _, e := range loadErrs {
		loaded[Issue{Account: e.Account, Region: e.Region, Item: e.Item, Path: e.Path, Message: e.Message}]++
	}
	var prefixes []string
	for ar := range regions {
		account, region, _ := strings.Cut(ar, "/")
		prefixes = append(prefixes, regionPath(account, region))
	}
	var out []Issue // nil when none, as Build's
	for _, iss := range old {
		if slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(iss.Path, p) }) {
			if loaded[iss] == 0 {
				continue
			}
			loaded[iss]--
		}
		out = append(out, iss)
	}
	return out
}
