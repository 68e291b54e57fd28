package export

// The filters of an export (--account, --key, --principal): what they
// keep, and that no edge is left dangling.

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/keyhound/keyhound/graph/demo"
)

func decodeGraph(t *testing.T, data []byte) graphDoc {
	t.Helper()
	var doc graphDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// noDangling checks that every edge's two ends are nodes of the export.
func noDangling(t *testing.T, doc graphDoc) {
	t.Helper()
	ids := map[string]bool{}
	for _, n := range doc.Nodes {
		ids[n.ID] = true
	}
	for _, e := range doc.Edges {
		if !ids[e.From] || !ids[e.To] {
			t.Errorf("%s edge %s → %s: an end is not a node of the export", e.Kind, e.From, e.To)
		}
	}
}

// An account's export has the access edges of the whole organization's
// export that touch the account — to its keys and resources, from its
// principals, to and from its roles — exactly; every node of the account;
// and the other ends of those edges, so that no edge dangles.
func TestAccountFilter(t *testing.T) {
	for name, g := range graphs(t) {
		full := decodeGraph(t, export(t, g, Options{}, NewJSON))
		account := map[string]bool{}
		for _, n := range full.Nodes {
			if n.Account != "" {
				account[n.ID] = true
			}
		}
		for _, acct := range []string{g.Keys()[0].Account, g.Principals()[len(g.Principals())-1].Account} {
			t.Run(name+"/"+acct, func(t *testing.T) {
				doc := decodeGraph(t, export(t, g, Options{Accounts: []string{acct}}, NewJSON))
				noDangling(t, doc)
				accountOf := map[string]string{}
				for _, n := range full.Nodes {
					accountOf[n.ID] = n.Account
				}
				access := func(e Edge) bool {
					return e.Kind == EdgeCanUseKey || e.Kind == EdgeCanRead || e.Kind == EdgeCanAssume
				}
				var want, got []string
				for _, e := range full.Edges {
					if access(e) && (accountOf[e.From] == acct || accountOf[e.To] == acct) {
						want = append(want, e.Kind+" "+e.From+" → "+e.To+" "+e.Action+" "+e.Decision.String())
					}
				}
				for _, e := range doc.Edges {
					if access(e) {
						got = append(got, e.Kind+" "+e.From+" → "+e.To+" "+e.Action+" "+e.Decision.String())
					}
				}
				slices.Sort(want)
				slices.Sort(got)
				if len(want) == 0 || !slices.Equal(got, want) {
					t.Errorf("access edges touching %s: %d, want the full export's %d", acct, len(got), len(want))
				}
				nodes := map[string]bool{}
				for _, n := range doc.Nodes {
					nodes[n.ID] = true
				}
				for _, n := range full.Nodes {
					if (n.Kind == KindUser || n.Kind == KindRole || n.Kind == KindKey) && n.Account == acct && !nodes[n.ID] {
						t.Errorf("the account's %s %s is missing", n.Kind, n.ID)
					}
				}
			})
		}
	}
}

func TestFilters(t *testing.T) {
	g := graphs(t)["demo"]
	var doc graphDoc
	data := export(t, g, Options{Principals: []string{demo.Dilip}}, NewJSON)
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, e := range doc.Edges {
		if (e.Kind == EdgeCanUseKey || e.Kind == EdgeCanAssume) && e.From != demo.Dilip {
			t.Errorf("edge from another principal: %+v", e)
		}
	}
	noDangling(t, doc)
	// Focused exports never name a node they do not have.
	for name, g := range graphs(t) {
		k, p := g.Keys()[len(g.Keys())/2], g.Principals()[0]
		for _, o := range []Options{{Keys: []string{k.ARN}}, {Principals: []string{p.ARN}}, {Keys: []string{k.ARN}, Accounts: []string{p.Account}}} {
			doc := decodeGraph(t, export(t, g, o, NewJSON))
			if len(doc.Nodes) == 0 {
				t.Errorf("%s %+v: no node", name, o)
			}
			noDangling(t, doc)
		}
	}
}

// plainWriter hides a writer's EdgeEncoder: Walk then gives it edges one by one.
type plainWriter struct{ Writer }
