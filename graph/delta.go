package graph

import (
	"reflect"
	"slices"

	"github.com/keyhound/keyhound/graph/eval"
)

// Delta says what differs between old and cur when cur is old rebuilt
// with only some Regions built again (Rebuild): the keys (ARNs) whose
// policy, grants, aliases, state or existence differ, and the resources
// whose policy, sharing, key or existence do. Everything else — principals,
// the organization, VPC endpoints, the other keys and resources, the
// issues about them — is the same in both, so every other key's and
// resource's answers, and every finding about something else, are too.
//
// ok is false when that cannot be said: cur shares no principals with old
// (two snapshots, or a change to IAM or the organization), or an endpoint,
// a key left out or an issue about something else differs. Then anything
// may differ.
func Delta(old, cur *Graph) (keys, resources []string, ok bool) {
	old.needResources()
	cur.needResources()
	if old.ix != cur.ix || old.Org != cur.Org || old.partition != cur.partition {
		return nil, nil, false
	}
	sameEndpoint := func(x, y *endpoint) bool {
		a, b := *x, *y
		a.Policy, b.Policy = nil, nil
		return samePolicy(x.Policy, y.Policy) && reflect.DeepEqual(a, b)
	}
	if len(changedEntries(old.endpoints, cur.endpoints, sameEndpoint)) > 0 || !reflect.DeepEqual(old.leftOut, cur.leftOut) {
		return nil, nil, false
	}
	keys = changedEntries(old.keys, cur.keys, func(x, y *Key) bool {
		if !samePolicy(x.Policy(), y.Policy()) || !reflect.DeepEqual(x.PolicyIssue(), y.PolicyIssue()) {
			return false
		}
		a, b := *x, *y
		a.pol, b.pol = nil, nil // compared above, parsed
		return reflect.DeepEqual(a, b)
	})
	resources = changedEntries(old.resourceARNs, cur.resourceARNs, sameResource)
	about := map[string]bool{}
	for _, id := range slices.Concat(keys, resources) {
		about[id] = true
	}
	// Issues are about keys, resources and endpoints; one about anything
	// else that differs says more changed than Delta can name.
	for _, iss := range issuesDiffering(old.Issues, cur.Issues) {
		if !about[iss.Item] {
			return nil, nil, false
		}
	}
	return keys, resources, true
}

// issuesDiffering are the issues one list holds more often than the other.
func issuesDiffering(a, b []Issue) []Issue {
	count := map[Issue]int{}
	for _, iss := range a {
		count[iss]++
	}
	for _, iss := range b {
		count[iss]--
	}
	var out []Issue
	for iss, n := range count {
		if n != 0 {
			out = append(out, iss)
		}
	}
	return out
}

// changedEntries lists, sorted, the names whose values differ between a
// and b, or that only one has. Shared pointers are the same value; others
// are compared with same.
func changedEntries[V comparable](a, b map[string]V, same func(x, y V) bool) []string {
	var out []string
	for id, x := range a {
		if y, ok := b[id]; !ok || (x != y && !same(x, y)) {
			out = append(out, id)
		}
	}
	for id := range b {
		if _, ok := a[id]; !ok {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// sameResource says whether two resources are the same, policies parsed
// (compared by their text) and Block Public Access worked out.
func sameResource(x, y *Resource) bool {
	if !samePolicy(x.Policy(), y.Policy()) || !reflect.DeepEqual(x.PolicyGap(), y.PolicyGap()) || !slices.Equal(x.SharedWith(), y.SharedWith()) {
		return false
	}
	a, b := *x, *y
	a.side, b.side = nil, nil
	a.block, b.block = x.blockOf(), y.blockOf()
	return reflect.DeepEqual(a, b)
}

// samePolicy reports whether two parsed policies are the same document
// under the same name: parsing is a function of the text, and a parsed
// policy may hold what queries cached in it.
func samePolicy(a, b *eval.NamedPolicy) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Name != b.Name || a.ARN != b.ARN || (a.Policy == nil) != (b.Policy == nil) {
		return false
	}
	return a.Policy == b.Policy || a.Policy.Text == b.Policy.Text
}
