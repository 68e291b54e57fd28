package graph

import (
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// A resource index says, for each key, which Regions hold the resources
// encrypted with it. The graph cache keeps it beside a snapshot (as it
// keeps the graph's issues): a graph built from the same snapshot by the
// same keyhound with BuildOptions.LazyResources and .ResourceIndex then
// answers ResourcesOf a key (who-can on a key: the data under it) by
// building the resources of those Regions only, not the organization's
// (500,000 at 5,000 accounts, for the handful under one key).
//
// Encoding: a version byte (resourceIndexVersion), the number of keys and
// of Regions (uvarints), then for each key in ARN order the number of its
// Regions and their numbers, ascending, as differences from the previous
// (uvarints). Regions are numbered in build order (eachRegion: accounts
// sorted, then each account's Regions sorted), from 0.

const resourceIndexVersion = 1

// ResourceIndex encodes where each key's resources are, for
// BuildOptions.ResourceIndex. It is nil when a lookup by ARN among a key's
// resources could find another than among all of them (resourceFor): when
// two resources share an ARN, or one's ARN is an S3 object's (a bucket's
// has no "/"), which only a snapshot keyhound did not write has. Every
// question then builds them all.
func (g *Graph) ResourceIndex() []byte {
	g.needResources()
	s3 := "arn:" + g.partition + ":s3:::"
	for i, r := range g.resources {
		if i > 0 && r.ARN == g.resources[i-1].ARN {
			return nil
		}
		if rest, ok := strings.CutPrefix(r.ARN, s3); ok && strings.Contains(rest, "/") {
			return nil
		}
	}
	keyAt := make(map[string]int, len(g.sortedKeys))
	for i, k := range g.sortedKeys {
		keyAt[k.ARN] = i
	}
	regions := regionsOf(g)
	regionAt := make(map[regionRef]int, len(regions))
	for i, r := range regions {
		regionAt[r] = i
	}
	perKey := make([][]int, len(g.sortedKeys))
	for _, r := range g.resources {
		if r.Key == "" {
			continue
		}
		ki, ok := keyAt[r.Key]
		ri, ok2 := regionAt[regionRef{r.Account, r.Region}]
		if !ok || !ok2 {
			return nil // never: every key a resource resolves to is the graph's, in a Region of its build
		}
		perKey[ki] = append(perKey[ki], ri)
	}
	out := []byte{resourceIndexVersion}
	out = binary.AppendUvarint(out, uint64(len(g.sortedKeys)))
	out = binary.AppendUvarint(out, uint64(len(regions)))
	for _, rs := range perKey {
		slices.Sort(rs)
		rs = slices.Compact(rs)
		out = binary.AppendUvarint(out, uint64(len(rs)))
		prev := 0
		for _, r := range rs {
			out = binary.AppendUvarint(out, uint64(r-prev)) //nolint:gosec // G115: rs is sorted
			prev = r
		}
	}
	return out
}

// regionRef is an account's Region.
type regionRef struct{ account, region string }

// regionsOf lists the snapshot's Regions in build order.
func regionsOf(g *Graph) []regionRef {
	var out []regionRef
	eachRegion(g.Snapshot, sortedKeys(g.Snapshot.Accounts), func(account, region string, _ *snapshot.Region, _ string) {
		out = append(out, regionRef{account, region})
	})
	return out
}

// keyResources are the resources a LazyResources graph built one key at a
// time, through its resource index, before (or instead of) all of them.
// Once the graph builds them all (needResources), it adopts these: one
// resource, one *Resource, whichever way it was first reached.
type keyResources struct {
	index []byte // BuildOptions.ResourceIndex, read whole when first needed
	mu    sync.Mutex
	// closed is set once the whole build adopted these: ResourcesOf and
	// resourceFor then read the graph's.
	closed bool
	// read is set once the index was read; bad when it does not fit the
	// graph (never, from the cache of the same snapshot and keyhound):
	// every key then builds them all.
	read, bad bool
	regions   []regionRef
	// key i's Regions are regionIDs[starts[i]:starts[i+1]].
	starts, regionIDs []int32
	byKey             map[string][]*Resource
	byARN             map[string]*Resource
}

// of returns the resources encrypted with key k, sorted by ARN, built from
// the Regions the index gives for it; ok is false when the graph's own
// (all of them) must answer: no index, a bad one, or built already.
func (kr *keyResources) of(g *Graph, k *Key) (out []*Resource, ok bool) {
	if kr == nil || k == nil {
		return nil, false
	}
	kr.mu.Lock()
	defer kr.mu.Unlock()
	if !kr.read {
		kr.read = true
		kr.regions = regionsOf(g)
		var valid bool
		kr.starts, kr.regionIDs, valid = decodeIndex(kr.index, len(g.sortedKeys), len(kr.regions))
		kr.bad = !valid
	}
	if kr.closed || kr.bad {
		return nil, false
	}
	if rs, ok := kr.byKey[k.ARN]; ok {
		return rs, true
	}
	at, found := slices.BinarySearchFunc(g.sortedKeys, k.ARN, func(x *Key, a string) int { return strings.Compare(x.ARN, a) })
	if !found {
		return nil, false
	}
	// A builder of its own, as the whole lazy build's: the same code, so
	// the same resources, keys and paths; its issues are the cache's. The
	// Regions in build order: they are numbered so.
	br := &builder{g: g, partition: g.partition}
	for _, r := range kr.regionIDs[kr.starts[at]:kr.starts[at+1]] {
		ref := kr.regions[r]
		br.buildResources(ref.account, ref.region, g.Snapshot.Accounts[ref.account].Regions[ref.region], regionPath(ref.account, ref.region))
	}
	for _, r := range br.resources {
		if r.Key, r.KeyUnresolved = g.resolvedKey(r); r.Key == k.ARN {
			out = append(out, r)
		}
	}
	sortByARN(out, func(r *Resource) string { return r.ARN })
	if kr.byKey == nil {
		kr.byKey, kr.byARN = map[string][]*Resource{}, map[string]*Resource{}
	}
	kr.byKey[k.ARN] = out
	for _, r := range out {
		kr.byARN[r.ARN] = r
	}
	return out, true
}

// resource returns the resource ref names (resourceFor) among those built
// for a key, or nil.
func (kr *keyResources) resource(g *Graph, ref string) *Resource {
	if kr == nil {
		return nil
	}
	kr.mu.Lock()
	defer kr.mu.Unlock()
	if kr.closed {
		return nil
	}
	return lookupResource(kr.byARN, ref, g.partition)
}

// adopt puts the resources built for keys in place of the whole build's
// of the same ARN (the same resources, built by the same code), and closes
// kr: the graph's own answer from now on. The whole build calls it once
// its resources are sorted and indexed, before needResources returns.
func (kr *keyResources) adopt(g *Graph) {
	if kr == nil {
		return
	}
	kr.mu.Lock()
	defer kr.mu.Unlock()
	kr.closed = true
	if len(kr.byARN) == 0 {
		return
	}
	for i, r := range g.resources {
		if p := kr.byARN[r.ARN]; p != nil {
			g.resources[i] = p
			g.resourceARNs[r.ARN] = p
		}
	}
	kr.byKey, kr.byARN = nil, nil
}

// decodeIndex reads a resource index made for a graph of keys keys and
// regions Regions, whole: key i's Regions are regionIDs[starts[i]:
// starts[i+1]], ascending, each below regions. ok is false when the bytes
// are not such an index, to their end.
func decodeIndex(index []byte, keys, regions int) (starts, regionIDs []int32, ok bool) {
	if len(index) == 0 || index[0] != resourceIndexVersion || keys < 0 || regions < 0 || keys > math.MaxInt32 || regions > math.MaxInt32 {
		return nil, nil, false
	}
	b := index[1:]
	next := func() (int, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 || v > math.MaxInt32 {
			return 0, false
		}
		b = b[n:]
		return int(v), true //nolint:gosec // G115: bounded above
	}
	nk, ok1 := next()
	nr, ok2 := next()
	if !ok1 || !ok2 || nk != keys || nr != regions || keys > len(b) {
		return nil, nil, false // each key takes a byte at least
	}
	starts = make([]int32, 0, keys+1)
	for range keys {
		starts = append(starts, int32(len(regionIDs))) //nolint:gosec // G115: at most the index's length
		n, ok := next()
		if !ok || n > regions || n > len(b) {
			return nil, nil, false
		}
		r := 0 // the first is a number, the others differences
		for j := range n {
			d, ok := next()
			if !ok || (j > 0 && d == 0) || d >= regions-r {
				return nil, nil, false
			}
			r += d
			regionIDs = append(regionIDs, int32(r)) //nolint:gosec // G115: below regions
		}
	}
	if len(b) != 0 {
		return nil, nil, false
	}
	return append(starts, int32(len(regionIDs))), regionIDs, true //nolint:gosec // G115: as above
}
