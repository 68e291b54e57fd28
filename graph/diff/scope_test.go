package diff

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/changeset"
	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/export"
	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// changeCase is a change to a snapshot, and whether only keys and
// resources change (so that a rebuild shares the principals, and a diff
// compares only their targets).
type changeCase struct {
	name     string
	changes  []changeset.Change
	keysOnly bool
	// orgOnly: only SCPs change, so that a diff compares the principals
	// they may reach (graph.OrgDelta); reach says how many may: "none",
	// "some" (or "": not checked).
	orgOnly bool
	reach   string
}

func readChanges(t *testing.T, name, text string) []changeset.Change {
	t.Helper()
	cs, err := changeset.Read(strings.NewReader(text), name)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// demoCases are each change of the changeset package's test files alone,
// all of them together, and the demo's plan.
func demoCases(t *testing.T) []changeCase {
	t.Helper()
	keyLevel := map[changeset.Kind]bool{
		changeset.KindKeyPolicy: true, changeset.KindGrant: true, changeset.KindAlias: true, changeset.KindBucketPolicy: true,
		changeset.KindBucketEncryption: true, changeset.KindSnapshotSharing: true, changeset.KindSecret: true,
	}
	var out []changeCase
	for _, file := range []string{"changes.json", "changes.yaml"} {
		b, err := os.ReadFile("../../changeset/testdata/" + file)
		if err != nil {
			t.Fatal(err)
		}
		all := readChanges(t, file, string(b))
		for i, c := range all {
			out = append(out, changeCase{name: fmt.Sprintf("%s/%d-%s", file, i, c.Kind), changes: []changeset.Change{c}, keysOnly: keyLevel[c.Kind], orgOnly: c.Kind == changeset.KindSCP || c.Kind == changeset.KindRCP})
		}
		out = append(out, changeCase{name: file + "/all", changes: all})
	}
	out = append(out, changeCase{name: "demo-plan", changes: readChanges(t, "plan.json", string(demo.Plan()))})
	return append(out, demoSCPCases(t)...)
}

// genCases change a small generated organization: a key policy, a grant,
// an alias moved, a bucket policy, an identity policy, a trust policy and
// an SCP at the root.
func genCases(t *testing.T, s *snapshot.Snapshot) []changeCase {
	t.Helper()
	const account, other = "100000000001", "100000000002"
	var keys []string
	for _, k := range s.Accounts[account].Regions["us-east-1"].KMS.Keys {
		if k.KeyMetadata.KeyManager == "CUSTOMER" {
			keys = append(keys, k.KeyMetadata.Arn)
		}
	}
	buckets := s.Accounts[account].Regions["us-east-1"].S3.Buckets
	roles := s.Accounts[account].IAM.RoleDetailList
	if len(keys) < 2 || len(buckets) == 0 || len(roles) == 0 {
		t.Fatalf("generated organization lacks keys, buckets or roles: %d %d %d", len(keys), len(buckets), len(roles))
	}
	role := roles[0].Arn
	cases := []struct {
		name, text string
		keysOnly   bool
	}{
		{"key-policy", fmt.Sprintf(`changes:
  - kind: key-policy
    target: %s
    document:
      Statement:
        - {Effect: Allow, Principal: {AWS: "arn:aws:iam::%s:root"}, Action: "kms:*", Resource: "*"}
        - {Effect: Allow, Principal: {AWS: "arn:aws:iam::%s:root"}, Action: kms:Decrypt, Resource: "*"}
        - {Effect: Allow, Principal: {AWS: "arn:aws:iam::999999999999:root"}, Action: kms:Decrypt, Resource: "*"}
`, keys[0], account, other), true},
		{"grant", fmt.Sprintf(`changes:
  - {kind: grant, target: %s, op: add, document: {Name: g, GranteePrincipal: "arn:aws:iam::%s:root", Operations: [Decrypt]}}
`, keys[1], other), true},
		{"alias", fmt.Sprintf(`changes:
  - {kind: alias, target: alias/moved, account: "%s", region: us-east-1, key: %s}
`, account, keys[1]), true},
		{"bucket-policy", fmt.Sprintf(`changes:
  - kind: bucket-policy
    target: %s
    document:
      Statement:
        - {Effect: Allow, Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::%s/*"}
`, buckets[0].Name, buckets[0].Name), true},
		{"identity-policy", fmt.Sprintf(`changes:
  - kind: identity-policy
    target: %s
    name: extra
    document:
      Statement:
        - {Effect: Allow, Action: ["kms:Decrypt", "sts:AssumeRole"], Resource: "*"}
`, role), false},
		{"trust-policy", fmt.Sprintf(`changes:
  - kind: trust-policy
    target: %s
    document:
      Statement:
        - {Effect: Allow, Principal: {AWS: "arn:aws:iam::%s:root"}, Action: sts:AssumeRole}
`, role, other), false},
		{"scp", `changes:
  - kind: scp
    op: add
    target: p-denyeu
    name: DenyEU
    attach: [r-gen1]
    document:
      Statement:
        - {Effect: Deny, Action: kms:Decrypt, Resource: "*", Condition: {StringEquals: {aws:RequestedRegion: eu-west-1}}}
`, false},
	}
	var out []changeCase
	for _, c := range cases {
		out = append(out, changeCase{name: "gen/" + c.name, changes: readChanges(t, c.name+".yaml", c.text), keysOnly: c.keysOnly, orgOnly: c.name == "scp"})
	}
	return append(out, scpCases(t)...)
}

func exportJSON(t *testing.T, g *graph.Graph) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := export.Write(context.Background(), g, export.Options{}, export.NewJSON(&b)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// checkCases checks, for each change, that graph.Rebuild answers as
// graph.Build (the whole export, the issues and the findings), that it
// shares the principals exactly when only keys and resources change, and
// that the diff Compare gives equals the diff of every target.
func checkCases(t *testing.T, s *snapshot.Snapshot, cases []changeCase) {
	t.Helper()
	old := graph.Build(s, nil)
	someScoped, someChange, someOrgChange := false, false, false
	orgCases := 0
	for _, c := range cases {
		if c.orgOnly {
			orgCases++
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			changed, _, err := changeset.Apply(s, c.changes)
			if err != nil {
				t.Fatal(err)
			}
			cur := graph.Rebuild(old, changed, nil)
			want := graph.Build(changed, nil)
			if !reflect.DeepEqual(cur.Issues, want.Issues) {
				t.Errorf("issues differ:\n%v\nwant\n%v", cur.Issues, want.Issues)
			}
			if !reflect.DeepEqual(cur.Findings(), want.Findings()) {
				t.Error("findings differ")
			}
			if a, b := exportJSON(t, cur), exportJSON(t, want); !bytes.Equal(a, b) {
				t.Errorf("export of the rebuilt graph differs from the built one's (%d and %d bytes)", len(a), len(b))
			}
			p := old.Principals()[0]
			if shared := cur.Principal(p.ARN) == p; shared != c.keysOnly {
				t.Errorf("principals shared with the base graph: %v, want %v", shared, c.keysOnly)
			}
			sc := scopeOf(old, cur, Options{})
			switch {
			case (sc != nil && sc.org == nil) != c.keysOnly:
				t.Errorf("comparison scoped by keys: %v, want %v", sc != nil && sc.org == nil, c.keysOnly)
			case (sc != nil && sc.org != nil) != c.orgOnly:
				t.Errorf("comparison scoped by principals: %v, want %v", sc != nil && sc.org != nil, c.orgOnly)
			case c.orgOnly && c.reach != "" && (len(sc.org.Principals) == 0) != (c.reach == "none"):
				t.Errorf("principals whose answers may differ: %d, want %s", len(sc.org.Principals), c.reach)
			case sc != nil:
				someScoped = true
			}
			scoped, err := Compare(context.Background(), old, cur, Options{})
			if err != nil {
				t.Fatal(err)
			}
			full, err := Compare(context.Background(), old, cur, Options{Full: true})
			if err != nil {
				t.Fatal(err)
			}
			a, _ := json.MarshalIndent(scoped, "", " ")
			b, _ := json.MarshalIndent(full, "", " ")
			if !bytes.Equal(a, b) {
				t.Errorf("scoped diff differs from the full diff:\n%s\nfull:\n%s", a, b)
			}
			someChange = someChange || len(full.Changes) > 0 && sc != nil
			if sc != nil && sc.org != nil && len(full.Changes) > 0 {
				someOrgChange = true
			}
		})
	}
	if orgCases > 0 && !someOrgChange {
		t.Error("no SCP change was compared by principals with access changes: the test checks nothing of it")
	}
	if !someScoped || !someChange {
		t.Errorf("no case was compared in scope with access changes (scoped %v, changes %v): the test checks nothing", someScoped, someChange)
	}
}

func TestScopedDiffEqualsFullDemo(t *testing.T) {
	checkCases(t, load(t), demoCases(t))
}

func TestScopedDiffEqualsFullGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("a generated organization")
	}
	s := gen.Organization(gen.Options{Accounts: 20, Regions: 2, RolesPerAccount: 8, KeysPerRegion: 3, ResourcesPerKey: 2, Seed: 1, EscalationShare: 0.05})
	checkCases(t, s, genCases(t, s))
}
