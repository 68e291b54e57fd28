package graph

import (
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// crossRefFixture adds to the generated fixture resources of other
// accounts and Regions that name a key by its ARN and by an alias ARN:
// the index must send ResourcesOf that key to their Regions too.
func crossRefFixture(t *testing.T) knownIssuesFixture {
	t.Helper()
	s := shareOrg(t)
	a4 := s.Accounts["100000000004"].Regions["us-east-1"].KMS
	k := a4.Keys[0]
	if len(k.Aliases) == 0 {
		t.Fatal("the fixture's key has no alias")
	}
	aliasARN := "arn:aws:kms:us-east-1:100000000004:" + k.Aliases[0].AliasName
	r2 := s.Accounts["100000000002"].Regions["us-east-1"]
	r2.SQS.Queues[0].Attributes["KmsMasterKeyId"] = k.KeyMetadata.Arn
	r3 := s.Accounts["100000000003"].Regions["us-east-1"]
	r3.SecretsManager.Secrets[0].KmsKeyID = aliasARN
	// A key ID of another account resolves in the resource's own: to none.
	r3.SecretsManager.Secrets[1].KmsKeyID = k.KeyMetadata.KeyID
	return knownIssuesFixture{s, nil}
}

// describeResource is what an answer reads of a resource.
func describeResource(r *Resource) string {
	return fmt.Sprintf("%s %s %s key=%s ref=%s unresolved=%v bucketKey=%v gap=%v path=%s shared=%v policyGap=%v policy=%v",
		r.Type, r.ARN, r.Account+"/"+r.Region, r.Key, r.KeyRef, r.KeyUnresolved, r.BucketKey, r.KeyGap, r.Path, r.SharedWith(), r.PolicyGap(), r.Policy() != nil)
}

func describeResources(rs []*Resource) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = describeResource(r)
	}
	return out
}

// A LazyResources graph with the resource index of its snapshot answers
// ResourcesOf and WhoCanReadData on every key as a graph built whole,
// building only the Regions of each key's resources; once it builds them
// all, they are the ones it gave before (one resource, one *Resource).
func TestResourceIndexAnswersAsBuilt(t *testing.T) {
	fixtures := knownIssuesFixtures(t)
	fixtures["cross-references"] = crossRefFixture(t)
	for name, fx := range fixtures {
		whole := Build(fx.s, fx.errs)
		index := whole.ResourceIndex()
		if index == nil {
			t.Fatalf("%s: no resource index", name)
		}
		g := BuildWith(fx.s, fx.errs, BuildOptions{KnownIssues: true, Issues: whole.Issues, LazyResources: true, ResourceIndex: index})
		given := map[string]*Resource{}
		some := 0
		for _, k := range whole.Keys() {
			want := whole.ResourcesOf(k.ARN)
			got := g.ResourcesOf(k.ARN)
			if !reflect.DeepEqual(describeResources(got), describeResources(want)) {
				t.Errorf("%s: ResourcesOf(%s) through the index:\n%v\nwant\n%v", name, k.ARN, describeResources(got), describeResources(want))
			}
			some += len(got)
			for _, r := range got {
				given[r.ARN] = r
			}
			wantData, err := whole.WhoCanReadData("kms:Decrypt", k.ARN, DefaultChainDepth)
			if err != nil {
				t.Fatal(err)
			}
			gotData, err := g.WhoCanReadData("kms:Decrypt", k.ARN, DefaultChainDepth)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(gotData, wantData) {
				t.Errorf("%s: WhoCanReadData(%s) through the index:\n%+v\nwant\n%+v", name, k.ARN, gotData, wantData)
			}
		}
		if some == 0 && name != "small.json" {
			t.Fatalf("%s: no key has resources", name)
		}
		if g.resources != nil {
			t.Errorf("%s: the questions about keys built every resource", name)
		}
		if !reflect.DeepEqual(describeResources(g.Resources()), describeResources(whole.Resources())) {
			t.Errorf("%s: the resources built after the keys' differ from a whole build's", name)
		}
		for arn, r := range given {
			if g.Resource(arn) != r {
				t.Errorf("%s: %s: the whole build did not adopt the resource built for its key", name, arn)
			}
		}
	}
}

// The cross-references reach their key through the index: the key's
// resources are in three accounts.
func TestResourceIndexFollowsCrossAccountReferences(t *testing.T) {
	fx := crossRefFixture(t)
	whole := Build(fx.s, fx.errs)
	key := fx.s.Accounts["100000000004"].Regions["us-east-1"].KMS.Keys[0].KeyMetadata.Arn
	g := BuildWith(fx.s, fx.errs, BuildOptions{KnownIssues: true, Issues: whole.Issues, LazyResources: true, ResourceIndex: whole.ResourceIndex()})
	accounts := map[string]bool{}
	for _, r := range g.ResourcesOf(key) {
		accounts[r.Account] = true
	}
	if !accounts["100000000002"] || !accounts["100000000003"] {
		t.Errorf("the key's resources are in %v, want 100000000002's queue and 100000000003's secret among them", accounts)
	}
}

// Two resources of one ARN: a lookup finds one, which only the whole build
// says; the graph gives no index, and an index that does not fit the
// graph (another snapshot's, cut short, of another version) is not read:
// the answers are the whole build's.
func TestResourceIndexRefused(t *testing.T) {
	fx := knownIssuesFixtures(t)["generated"]
	dup := crossRefFixture(t).s
	b := dup.Accounts["100000000002"].Regions["us-east-1"].S3.Buckets[0]
	other := dup.Accounts["100000000003"].Regions["us-east-1"]
	other.S3.Buckets = append(other.S3.Buckets, b)
	if Build(dup, nil).ResourceIndex() != nil {
		t.Error("an index for resources that share an ARN")
	}
	object := crossRefFixture(t).s
	object.Accounts["100000000002"].Regions["us-east-1"].RDS = &snapshot.RDS{DBInstances: []snapshot.DBInstance{
		{DBInstanceIdentifier: "db", DBInstanceArn: "arn:aws:s3:::" + b.Name + "/object", StorageEncrypted: true},
	}}
	if Build(object, nil).ResourceIndex() != nil {
		t.Error("an index for a resource whose ARN is an S3 object's")
	}
	whole := Build(fx.s, fx.errs)
	good := whole.ResourceIndex()
	for name, index := range map[string][]byte{
		"another snapshot's": Build(dup, nil).ResourceIndex(),
		"cut short":          good[:len(good)/2],
		"another version":    append([]byte{resourceIndexVersion + 1}, good[1:]...),
		"a Region too far":   badRegion(good),
	} {
		g := BuildWith(fx.s, fx.errs, BuildOptions{KnownIssues: true, Issues: whole.Issues, LazyResources: true, ResourceIndex: index})
		for _, k := range whole.Keys() {
			if got, want := describeResources(g.ResourcesOf(k.ARN)), describeResources(whole.ResourcesOf(k.ARN)); !reflect.DeepEqual(got, want) {
				t.Errorf("%s index: ResourcesOf(%s) = %v, want %v", name, k.ARN, got, want)
			}
		}
		if g.resources == nil {
			t.Errorf("%s index: the resources were not built whole", name)
		}
	}
}

// badRegion is index with its last key's last Region one past the end.
func badRegion(index []byte) []byte {
	out := append([]byte{}, index...)
	// The last key of the generated fixture has Regions: bump its last
	// difference to reach past every Region.
	out[len(out)-1] = 0x7f
	return out
}

// ResourcesOf through the index, and the whole build, at once: whichever
// comes first, each resource has one *Resource (run with -race).
func TestResourceIndexConcurrent(t *testing.T) {
	fx := crossRefFixture(t)
	whole := Build(fx.s, fx.errs)
	for range 4 {
		g := BuildWith(fx.s, fx.errs, BuildOptions{KnownIssues: true, Issues: whole.Issues, LazyResources: true, ResourceIndex: whole.ResourceIndex()})
		var wg sync.WaitGroup
		var mu sync.Mutex
		given := map[string]*Resource{}
		for _, k := range whole.Keys() {
			wg.Go(func() {
				for _, r := range g.ResourcesOf(k.ARN) {
					mu.Lock()
					given[r.ARN] = r
					mu.Unlock()
				}
			})
		}
		wg.Go(func() { g.Resources() })
		wg.Wait()
		for arn, r := range given {
			if g.Resource(arn) != r {
				t.Fatalf("%s: two *Resource for one resource", arn)
			}
		}
	}
}

// indexedRegions reads any bytes without panicking, and what it accepts
// is a list of Regions in range, ascending.
func FuzzIndexedRegions(f *testing.F) {
	g := Build(gen.Organization(gen.Options{Accounts: 3, Regions: 2, RolesPerAccount: 1, KeysPerRegion: 2, ResourcesPerKey: 2, Seed: 3}), nil)
	f.Add(g.ResourceIndex(), len(g.sortedKeys), len(regionsOf(g)), 3)
	f.Add([]byte{1, 2, 3, 1, 0, 2, 0, 1}, 2, 3, 1)
	f.Fuzz(func(t *testing.T, index []byte, keys, regions, at int) {
		if keys < 0 || regions < 0 || at < 0 || at >= keys || keys > 1<<20 {
			return
		}
		out, ok := indexedRegions(index, keys, regions, at)
		if !ok {
			return
		}
		for i, r := range out {
			if r < 0 || r >= regions || (i > 0 && r <= out[i-1]) {
				t.Fatalf("Regions %v out of range or order (of %d)", out, regions)
			}
		}
	})
}
