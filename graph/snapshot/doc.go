// Package snapshot reads and writes keyhound snapshots: the raw facts the
// scanner collected, in AWS's own JSON shapes (docs/snapshot.md,
// docs/snapshot.schema.json). It derives nothing: who can decrypt what is
// computed from a snapshot by the access graph, so a better evaluator gives
// better answers on old snapshots.
//
// Loading never stops at the first bad item. Each account, region, service
// section and item is decoded on its own; an item that does not decode is
// left out and reported as a LoadError naming the account, region, item and
// JSON path, and everything else loads. A section that is absent (or null)
// was not collected, which is different from an empty list: readers must say
// "unknown" rather than assume "none" (see the Collected methods).
package snapshot
