package diff

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/export"
	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
)

func load(t *testing.T) *snapshot.Snapshot {
	t.Helper()
	s, errs, err := snapshot.Decode(demo.Snapshot())
	if err != nil || len(errs) > 0 {
		t.Fatal(err, errs)
	}
	return s
}

const secretsKey = "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a004"

// addKeyStatement adds one statement to a demo key's policy.
func addKeyStatement(t *testing.T, s *snapshot.Snapshot, key, stmt string) {
	t.Helper()
	keys := s.Accounts["111111111111"].Regions["us-east-1"].KMS.Keys
	for i := range keys {
		if keys[i].KeyMetadata.Arn != key {
			continue
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(*keys[i].Policy), &doc); err != nil {
			t.Fatal(err)
		}
		var st any
		if err := json.Unmarshal([]byte(stmt), &st); err != nil {
			t.Fatal(err)
		}
		doc["Statement"] = append(doc["Statement"].([]any), st)
		b, _ := json.Marshal(doc)
		p := string(b)
		keys[i].Policy = &p
		return
	}
	t.Fatalf("no key %s", key)
}

// The test: the demo against a copy with one key-policy statement
// added reports exactly that new access, and the statement as its cause.
func TestOneStatementAdded(t *testing.T) {
	old := graph.Build(load(t), nil)
	s := load(t)
	const stmt = `{"Sid":"CopierDecrypts","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:role/SnapshotCopier"},"Action":"kms:Decrypt","Resource":"*"}`
	addKeyStatement(t, s, secretsKey, stmt)
	r, err := Compare(context.Background(), old, graph.Build(s, nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Changes) != 1 {
		data, _ := json.MarshalIndent(r.Changes, "", "  ")
		t.Fatalf("%d changes, want 1:\n%s", len(r.Changes), data)
	}
	c := r.Changes[0]
	if c.Change != NewAccess || c.Principal != "arn:aws:iam::222222222222:role/SnapshotCopier" || c.Target != secretsKey || c.Action != "kms:Decrypt" || c.New != "ALLOW" || c.TargetAccount != "111111111111" {
		t.Fatalf("change %+v", c)
	}
	if len(c.Causes) != 1 || c.Causes[0].Change != "statement added" || !strings.Contains(c.Causes[0].Statement, `"Sid":"CopierDecrypts"`) || !strings.Contains(c.Causes[0].Where, secretsKey) {
		t.Fatalf("causes %+v", c.Causes)
	}
	if r.Summary.NewAccess != 1 || r.Summary.Wider != 1 || r.Summary.NewExternal != 0 || len(r.Keys) != 0 {
		t.Fatalf("summary %+v, keys %v", r.Summary, r.Keys)
	}
	// The other way round: the access is removed.
	back, err := Compare(context.Background(), graph.Build(s, nil), old, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Changes) != 1 || back.Changes[0].Change != RemovedAccess || back.Changes[0].Causes[0].Change != "statement removed" || back.Summary.Wider != 0 {
		t.Fatalf("reverse: %+v", back.Changes)
	}
}

func TestSameSnapshotNoChange(t *testing.T) {
	g := graph.Build(load(t), nil)
	r, err := Compare(context.Background(), g, graph.Build(load(t), nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Empty() {
		t.Fatalf("changes between equal snapshots: %+v", r)
	}
}

// New external access (once the RCP data perimeter is gone), a key state
// change and a new finding are reported.
func TestExternalAccessAndKeyState(t *testing.T) {
	base := load(t)
	dropRCPs(base)
	old := graph.Build(base, nil)
	s := load(t)
	dropRCPs(s)
	addKeyStatement(t, s, secretsKey, `{"Sid":"Partner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::777777777777:root"},"Action":"kms:Decrypt","Resource":"*"}`)
	keys := s.Accounts["111111111111"].Regions["us-east-1"].KMS.Keys
	for i := range keys {
		if strings.HasSuffix(keys[i].KeyMetadata.Arn, "a003") {
			keys[i].KeyMetadata.KeyState, keys[i].KeyMetadata.Enabled = "Disabled", false
		}
	}
	r, err := Compare(context.Background(), old, graph.Build(s, nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	external := false
	for _, c := range r.Changes {
		external = external || (c.Principal == "arn:aws:iam::777777777777:root" && c.External && c.Change == NewAccess && c.Wider())
	}
	if !external || r.Summary.NewExternal == 0 {
		t.Errorf("no new external access: %+v", r.Summary)
	}
	if len(r.Keys) != 1 || r.Keys[0].Change != "state" || r.Keys[0].New != "Disabled" {
		t.Errorf("keys %+v", r.Keys)
	}
	found := false
	for _, f := range r.NewFindings {
		found = found || f.Rule == "external-access"
	}
	if !found {
		t.Errorf("no new external-access finding: %+v", r.NewFindings)
	}
}

func dropRCPs(s *snapshot.Snapshot) {
	var keep []snapshot.OrgPolicy
	for _, p := range s.Organization.Policies {
		if p.PolicySummary.Type != snapshot.PolicyTypeRCP || p.PolicySummary.Name == "RCPFullAWSAccess" {
			keep = append(keep, p)
		}
	}
	s.Organization.Policies = keep
}

// allEdges is the reference: both exports held whole, keyed by edge.
func allEdges(t *testing.T, g *graph.Graph) map[string]export.Edge {
	t.Helper()
	c := &collect{edges: map[string]export.Edge{}}
	if err := export.Walk(context.Background(), g, export.Options{}, c); err != nil {
		t.Fatal(err)
	}
	return c.edges
}

type collect struct{ edges map[string]export.Edge }

func (c *collect) Node(export.Node) error { return nil }
func (c *collect) Edge(e export.Edge) error {
	if _, ok := phases[e.Kind]; ok {
		c.edges[e.Kind+" "+e.From+" → "+e.To+" "+e.Action] = e
	}
	return nil
}

// Comparing target by target, as the exports stream, finds exactly the
// changes that comparing both exports held whole finds: on generated
// organizations whose keys, roles, grants and resources were changed,
// added and removed.
func TestStreamedCompareMatchesWholeExports(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		opts := gen.Options{Accounts: 8, Regions: 2, RolesPerAccount: 10, KeysPerRegion: 4, ResourcesPerKey: 2, Seed: seed}
		a := gen.Organization(opts)
		b := gen.Organization(opts)
		for id, acct := range b.Accounts {
			if acct.IAM == nil || len(acct.IAM.RoleDetailList) < 3 {
				continue
			}
			switch id[len(id)-1] % 3 {
			case 0: // a role removed, another's policies gone
				acct.IAM.RoleDetailList = acct.IAM.RoleDetailList[1:]
				acct.IAM.RoleDetailList[0].RolePolicyList = nil
			case 1: // keys removed and grants dropped
				for _, reg := range acct.Regions {
					reg.KMS.Keys = reg.KMS.Keys[:len(reg.KMS.Keys)-1]
					for i := range reg.KMS.Keys {
						reg.KMS.Keys[i].Grants = []snapshot.Grant{}
					}
				}
			default: // a key opened to everyone, resources removed
				for _, reg := range acct.Regions {
					open := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}`
					reg.KMS.Keys[len(reg.KMS.Keys)-1].Policy = &open
					reg.S3.Buckets = nil
				}
			}
		}
		old, cur := graph.Build(a, nil), graph.Build(b, nil)
		r, err := Compare(context.Background(), old, cur, Options{})
		if err != nil {
			t.Fatal(err)
		}
		ea, eb := allEdges(t, old), allEdges(t, cur)
		var want []string
		for k, e := range eb {
			if x, ok := ea[k]; !ok {
				want = append(want, NewAccess+" "+k)
			} else if x.Decision != e.Decision {
				want = append(want, DecisionChanged+" "+k+" "+x.Decision.String()+"→"+e.Decision.String())
			}
		}
		for k := range ea {
			if _, ok := eb[k]; !ok {
				want = append(want, RemovedAccess+" "+k)
			}
		}
		var got []string
		for _, c := range r.Changes {
			k := c.Edge + " " + c.Principal + " → " + c.Target + " " + c.Action
			switch c.Change {
			case DecisionChanged:
				got = append(got, c.Change+" "+k+" "+c.Old+"→"+c.New)
			default:
				got = append(got, c.Change+" "+k)
			}
		}
		slices.Sort(want)
		slices.Sort(got)
		if len(want) < 10 || !slices.Equal(got, want) {
			t.Fatalf("seed %d: %d changes streamed, %d from whole exports", seed, len(got), len(want))
		}
	}
}
