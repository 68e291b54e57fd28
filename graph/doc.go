// Package graph builds keyhound's access graph from a snapshot: the
// organization, its accounts, principals, keys (with aliases and grants) and
// encrypted resources, and answers who can use which key, and why, by
// building eval.Requests from the snapshot's facts.
//
// It is pure and deterministic: no I/O; every listing is sorted. Facts the
// snapshot lacks stay unknown (a principal in an account outside the
// snapshot has unknown identity policies; a key whose grants were not
// collected has unknown grants), and answers that depend on them say so.
package graph
