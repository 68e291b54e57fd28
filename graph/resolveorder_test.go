package graph

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// checkKeysResolved checks every resource's key against what ResolveKey
// on the finished graph says of its reference in the resource's account
// and Region (a key ID or alias name naming only a key of its own
// account): the build resolves them before it is finished, and must not
// answer otherwise. It returns how many references resolved.
func checkKeysResolved(t *testing.T, g *Graph) (resolved int) {
	t.Helper()
	for _, r := range g.Resources() {
		if g.Resource(r.ARN) != r {
			t.Errorf("%s: Resource by its ARN is not the listed one", r.ARN)
		}
		var want string
		if r.KeyRef != "" {
			k, err := g.ResolveKey(r.KeyRef, r.Account, r.Region)
			if err == nil && (strings.HasPrefix(strings.TrimSpace(r.KeyRef), "arn:") || k.Account == r.Account) {
				want = k.ARN
			}
		}
		if r.Key != want || r.KeyUnresolved != (r.KeyRef != "" && want == "") {
			t.Errorf("%s (account %q, Region %q): key reference %q built as key %q, unresolved %v; ResolveKey on the graph says %q",
				r.ARN, r.Account, r.Region, r.KeyRef, r.Key, r.KeyUnresolved, want)
		}
		if want != "" {
			resolved++
		}
	}
	return resolved
}

func TestResourceKeysAsResolveKey(t *testing.T) {
	t.Run("demo", func(t *testing.T) {
		s, errs, err := snapshot.Decode(demo.Snapshot())
		if err != nil {
			t.Fatal(err)
		}
		g := Build(s, errs)
		if n := checkKeysResolved(t, g); n == 0 {
			t.Error("no key reference of the demo resolved")
		}
	})
	for _, name := range []string{"small.json", "gaps.json"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			s, errs, err := snapshot.Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			checkKeysResolved(t, Build(s, errs))
		})
	}
	for _, o := range []gen.Options{
		{Accounts: 3, Regions: 2, RolesPerAccount: 4, KeysPerRegion: 3, ResourcesPerKey: 2, Seed: 1},
		{Accounts: 6, Regions: 6, RolesPerAccount: 2, KeysPerRegion: 2, ResourcesPerKey: 3, Seed: 7, EscalationShare: 0.2},
		{Accounts: 1, Regions: 1, RolesPerAccount: 1, KeysPerRegion: 1, ResourcesPerKey: 1, Seed: 42},
	} {
		for name, s := range map[string]*snapshot.Snapshot{"organization": gen.Organization(o), "chained": gen.Chained(o)} {
			g := Build(s, nil)
			if n := checkKeysResolved(t, g); n == 0 && len(g.Resources()) > 0 {
				t.Errorf("%s %+v: no key reference resolved", name, o)
			}
		}
	}
	t.Run("edge cases", func(t *testing.T) {
		g := Build(edgeKeyRefs(), nil)
		if n := checkKeysResolved(t, g); n < 6 {
			t.Errorf("%d key references resolved, want the edge cases' 6 at least", n)
		}
	})
	// The loader keeps a Region of empty name (and an account, with a load
	// error): a snapshot file can hold the edge cases.
	t.Run("edge cases loaded", func(t *testing.T) {
		var buf bytes.Buffer
		if err := snapshot.Write(&buf, edgeKeyRefs(), false); err != nil {
			t.Fatal(err)
		}
		s, errs, err := snapshot.Decode(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if s.Accounts[edgeAccount].Regions[""] == nil {
			t.Fatal("the loader dropped the empty Region")
		}
		checkKeysResolved(t, Build(s, errs))
	})
}

// Rebuild resolves the rebuilt Regions' references, and again those of
// the Regions it keeps: as ResolveKey on the graph it gives says, and as
// Build does — an empty Region's key ID or alias name too, whose search
// scans the keys (sorted, in Build, only after resources resolved, once).
func TestRebuiltResourceKeysAsResolveKey(t *testing.T) {
	s := edgeKeyRefs()
	old := Build(s, nil)
	for _, region := range []string{"", edgeRegion, "eu-west-1"} {
		changed := *s
		changed.Accounts = maps.Clone(s.Accounts)
		a := *s.Accounts[edgeAccount]
		a.Regions = maps.Clone(a.Regions)
		r := *a.Regions[region]
		a.Regions[region] = &r
		changed.Accounts[edgeAccount] = &a
		got, want := Rebuild(old, &changed, nil), Build(&changed, nil)
		if got.ix != old.ix {
			t.Fatalf("Region %q changed: Rebuild built the graph anew", region)
		}
		checkKeysResolved(t, got)
		for _, r := range want.Resources() {
			switch g := got.Resource(r.ARN); {
			case g == nil:
				t.Errorf("Region %q rebuilt: %s is missing", region, r.ARN)
			case g.Key != r.Key || g.KeyUnresolved != r.KeyUnresolved:
				t.Errorf("Region %q rebuilt: %s's key is %q (unresolved %v), Build's %q (%v)", region, r.ARN, g.Key, g.KeyUnresolved, r.Key, r.KeyUnresolved)
			}
		}
	}
}

const (
	edgeAccount = "111111111111"
	edgeOther   = "222222222222"
	edgeRegion  = "us-east-1"
	edgeKeyID   = "0b5e1c2d-0000-4000-8000-000000000001"
	edgeOtherID = "0b5e1c2d-0000-4000-8000-000000000002"
	edgeLeftID  = "0b5e1c2d-0000-4000-8000-000000000003"
	edgeTwinID  = "0b5e1c2d-0000-4000-8000-000000000004"
	edgeEmptyID = "0b5e1c2d-0000-4000-8000-000000000005"
)

// edgeKeyRefs is a snapshot whose volumes name keys every way a resource
// can: key IDs, alias names, key and alias ARNs, another account's key by
// each, a key left out of the graph, a Region whose keys were skipped, and
// a Region listed under the empty name (a snapshot can say so; an empty
// Region is what widens ResolveKey's search).
func edgeKeyRefs() *snapshot.Snapshot {
	key := func(account, region, id string, aliases ...string) snapshot.Key {
		k := snapshot.Key{KeyMetadata: snapshot.KeyMetadata{
			KeyID: id, Arn: "arn:aws:kms:" + region + ":" + account + ":key/" + id, Enabled: true, KeyManager: "CUSTOMER",
		}}
		for _, a := range aliases {
			k.Aliases = append(k.Aliases, snapshot.Alias{AliasName: a, TargetKeyID: id})
		}
		return k
	}
	vols := func(refs ...string) *snapshot.EC2 {
		e := &snapshot.EC2{}
		for i, ref := range refs {
			e.Volumes = append(e.Volumes, snapshot.Volume{VolumeID: "vol-" + string(rune('a'+i)), Encrypted: true, KmsKeyID: ref})
		}
		return e
	}
	keyARN := func(account, region, id string) string { return "arn:aws:kms:" + region + ":" + account + ":key/" + id }
	aliasARN := func(account, region, name string) string { return "arn:aws:kms:" + region + ":" + account + ":" + name }
	left := key(edgeAccount, edgeRegion, edgeLeftID, "alias/left")
	left.KeyMetadata.AWSAccountID = edgeOther // contradicts where it is listed: left out
	refs := []string{
		edgeKeyID, "alias/main", keyARN(edgeAccount, edgeRegion, edgeKeyID), aliasARN(edgeAccount, edgeRegion, "alias/main"),
		edgeOtherID, "alias/other", keyARN(edgeOther, edgeRegion, edgeOtherID), aliasARN(edgeOther, edgeRegion, "alias/other"),
		edgeLeftID, "alias/left", "alias/twin", edgeEmptyID, "alias/empty", "alias/nowhere", "",
		keyARN(edgeAccount, "ap-south-1", edgeKeyID), aliasARN(edgeAccount, "ap-south-1", "alias/main"),
		"arn:aws:s3:::not-a-key", " " + edgeKeyID, " " + keyARN(edgeOther, edgeRegion, edgeOtherID),
	}
	return &snapshot.Snapshot{
		Format: snapshot.Format, Partition: "aws",
		Accounts: map[string]*snapshot.Account{
			edgeAccount: {
				RegionsSkipped: []snapshot.RegionSkip{{Region: "ap-south-1", Reason: "scp"}},
				Regions: map[string]*snapshot.Region{
					edgeRegion: {
						KMS: &snapshot.KMS{Keys: []snapshot.Key{key(edgeAccount, edgeRegion, edgeKeyID, "alias/main"), left, key(edgeAccount, edgeRegion, edgeTwinID, "alias/twin")}},
						EC2: vols(refs...),
					},
					"eu-west-1": {
						KMS: &snapshot.KMS{Keys: []snapshot.Key{key(edgeAccount, "eu-west-1", edgeTwinID, "alias/twin")}},
						EC2: vols(refs...),
					},
					// The empty Region: a key ID or alias name of a volume
					// here resolves, if at all, to a key of another Region.
					"": {EC2: vols(refs...)},
				},
			},
			edgeOther: {Regions: map[string]*snapshot.Region{
				edgeRegion: {KMS: &snapshot.KMS{Keys: []snapshot.Key{key(edgeOther, edgeRegion, edgeOtherID, "alias/other")}}, EC2: vols(refs...)},
			}},
			// The empty account, with a key: its volumes' key IDs and alias
			// names resolve to it only; in its empty Region, by a search
			// of every Region.
			"": {Regions: map[string]*snapshot.Region{
				edgeRegion: {KMS: &snapshot.KMS{Keys: []snapshot.Key{key("", edgeRegion, edgeEmptyID, "alias/empty")}}, EC2: vols(refs...)},
				"":         {EC2: vols(refs...)},
			}},
		},
	}
}
