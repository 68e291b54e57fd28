package graph

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"slices"
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
		r.Type, r.ARN, r.Account+"/"+r.Region, r.Key, r.KeyRef, r.KeyUnresolved, r.BucketKey, r.KeyGap, r.Path(), r.SharedWith(), r.PolicyGap(), r.Policy() != nil)
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
		"cut short":          good[:len(good)-1],
		"another version":    append([]byte{resourceIndexVersion + 1}, good[1:]...),
		"a Region too far":   badRegion(t, good, len(whole.sortedKeys), len(regionsOf(whole))),
		"a byte too many":    append(slices.Clone(good), 0),
	} {
		g := BuildWith(fx.s, fx.errs, BuildOptions{KnownIssues: true, Issues: whole.Issues, LazyResources: true, ResourceIndex: index})
		// The first key first: a bad index is not read for any.
		for _, k := range whole.Keys() {
			if got, want := describeResources(g.ResourcesOf(k.ARN)), describeResources(whole.ResourcesOf(k.ARN)); !reflect.DeepEqual(got, want) {
				t.Errorf("%s index: ResourcesOf(%s) = %v, want %v", name, k.ARN, got, want)
			}
			if !g.ResourcesBuilt() {
				t.Fatalf("%s index: read for %s", name, k.ARN)
			}
		}
		if g.resources == nil {
			t.Errorf("%s index: the resources were not built whole", name)
		}
	}
}

// badRegion is index with the last Region of its first key that has any
// one past the last Region.
func badRegion(t *testing.T, index []byte, keys, regions int) []byte {
	t.Helper()
	starts, ids, ok := decodeIndex(index, keys, regions)
	if !ok {
		t.Fatal("the good index does not decode")
	}
	out := []byte{resourceIndexVersion}
	out = binary.AppendUvarint(out, uint64(keys))
	out = binary.AppendUvarint(out, uint64(regions))
	bumped := false
	for k := range keys {
		rs := slices.Clone(ids[starts[k]:starts[k+1]])
		if len(rs) > 0 && !bumped {
			rs[len(rs)-1], bumped = int32(regions), true
		}
		out = binary.AppendUvarint(out, uint64(len(rs)))
		prev := int32(0)
		for _, r := range rs {
			out = binary.AppendUvarint(out, uint64(r-prev))
			prev = r
		}
	}
	if !bumped {
		t.Fatal("no key has Regions")
	}
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

// decodeIndex reads any bytes without panicking, and what it accepts
// gives each key a list of Regions in range, ascending, and reads every
// byte. The seeds hold a Region one past the end, a repeated one and a
// trailing byte, which it refuses.
func FuzzDecodeIndex(f *testing.F) {
	g := Build(gen.Organization(gen.Options{Accounts: 3, Regions: 2, RolesPerAccount: 1, KeysPerRegion: 2, ResourcesPerKey: 2, Seed: 3}), nil)
	f.Add(g.ResourceIndex(), len(g.sortedKeys), len(regionsOf(g)))
	f.Add([]byte{1, 2, 3, 1, 0, 2, 0, 1}, 2, 3) // key 0: Region 0; key 1: Regions 0 and 1
	f.Add([]byte{1, 2, 3, 1, 3, 0}, 2, 3)       // Region 3 of 3
	f.Add([]byte{1, 2, 3, 2, 1, 0, 0}, 2, 3)    // Region 1 twice
	f.Add([]byte{1, 2, 3, 1, 2, 1, 0, 0}, 2, 3) // a byte after the last key
	f.Add([]byte{1, 1, 3, 2, 2, 1}, 1, 3)       // Regions 2 then 3 of 3
	f.Fuzz(func(t *testing.T, index []byte, keys, regions int) {
		if keys > 1<<16 || regions > 1<<16 {
			return
		}
		starts, ids, ok := decodeIndex(index, keys, regions)
		if !ok {
			return
		}
		if len(starts) != keys+1 || starts[0] != 0 || int(starts[keys]) != len(ids) {
			t.Fatalf("starts %v for %d keys and %d Regions", starts, keys, len(ids))
		}
		for k := range keys {
			rs := ids[starts[k]:starts[k+1]]
			for i, r := range rs {
				if r < 0 || int(r) >= regions || (i > 0 && r <= rs[i-1]) {
					t.Fatalf("key %d: Regions %v out of range or order (of %d)", k, rs, regions)
				}
			}
		}
	})
}
