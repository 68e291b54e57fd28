package graph

import (
	"github.com/keyhound/keyhound/graph/snapshot"
)

// buildKeysOnEveryCPU builds the keys and VPC endpoints of the accounts
// (in the order given) on every CPU, puts them in the graph in that order
// (addKeys), and returns the keys in the order they were built, as one
// builder going through the accounts would have: each account is built
// by a builder of its own, forked from b, and its results are added once
// every account is built, all at once. It is the background build's (the
// TUI's first frame waits for the keys, while the other CPU had nothing to
// do); the builders' issues are dropped, as a background build knows its
// issues (BuildOptions.KnownIssues). A panic on a worker is the caller's,
// once the others have stopped (forEach).
func buildKeysOnEveryCPU(b *builder, s *snapshot.Snapshot, accounts []string) []*Key {
	slots := make([]*builder, len(accounts))
	forEach(len(accounts), func(i int) {
		ab := b.fork()
		eachRegion(s, accounts[i:i+1], func(id, region string, reg *snapshot.Region, rb string) {
			ab.buildKeys(id, region, reg.KMS, rb+".kms")
			ab.buildEndpoints(id, region, reg.EC2, rb+".ec2")
		})
		slots[i] = ab
	})
	all := &builder{g: b.g}
	for _, ab := range slots {
		all.keyOrder = append(all.keyOrder, ab.keyOrder...)
		all.endpoints = append(all.endpoints, ab.endpoints...)
		all.leftOut = append(all.leftOut, ab.leftOut...)
	}
	all.addKeys()
	return all.keyOrder
}

// keysAhead builds the keys of the accounts (not their VPC endpoints,
// whose policies are preparse's documents) with bk on a goroutine of its
// own, and returns what waits for them and returns its panic (nil when
// none). A one-shot build's keys need neither the documents nor the
// organization, and parsing the documents has a part on one CPU (finding
// the 56,181 distinct ones of 5,000 generated accounts: 0.1 s).
func keysAhead(bk *builder, s *snapshot.Snapshot, accounts []string) (wait func() any) {
	done := make(chan struct{})
	var panicked any
	go func() {
		defer close(done)
		defer func() { panicked = recover() }()
		if keysHook != nil {
			keysHook()
		}
		eachRegion(s, accounts, func(id, region string, reg *snapshot.Region, rb string) {
			bk.buildKeys(id, region, reg.KMS, rb+".kms")
		})
	}()
	return func() any {
		<-done
		return panicked
	}
}

// keysHook, when not nil, runs first on keysAhead's goroutine (tests).
var keysHook func()
