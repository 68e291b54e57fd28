package scanner

import "github.com/sourcegraph/conc/iter"

// ResourceWorkers is how many resources of one service, in one account and
// Region, are read at once (their own calls: a snapshot's
// createVolumePermission, a queue's attributes, a secret's policy…).
// KeyWorkers and BucketWorkers do the same for keys and buckets.
var ResourceWorkers = 8

// readEach calls read on every item, workers at a time, and returns the
// results in the items' order, so that a snapshot never depends on timing.
// Each read records its own failures: one resource's error never stops
// the others. The token buckets and the requests-in-flight bound still
// pace the calls.
func readEach[T, R any](items []T, workers int, read func(*T) R) []R {
	return iter.Mapper[T, R]{MaxGoroutines: max(workers, 1)}.Map(items, read)
}
