package mototest

import "github.com/keyhound/keyhound/graph/snapshot"

// knownGaps are the operations moto 5.2.1 does not implement
// (../shared/MOTO.md): the scanner records their failure, as it must against
// AWS, and tests against moto set those aside.
var knownGaps = map[string]bool{
	"GetEbsDefaultKmsKeyId": true, // HTTP 500 with a non-XML body
	"GetKeyLastUsage":       true, // HTTP 500 with a non-JSON body
}

// Unexpected returns the collection errors that are not moto's known gaps.
func Unexpected(errs []snapshot.CollectionError) []snapshot.CollectionError {
	var out []snapshot.CollectionError
	for _, e := range errs {
		if !knownGaps[e.Operation] {
			out = append(out, e)
		}
	}
	return out
}

// UnexpectedIn returns every account's unexpected collection errors.
func UnexpectedIn(s *snapshot.Snapshot) []snapshot.CollectionError {
	var out []snapshot.CollectionError
	for _, a := range s.Accounts {
		out = append(out, Unexpected(a.Errors)...)
	}
	return out
}
