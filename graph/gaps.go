package graph

import (
	"strings"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// What a scan could not collect is unknown, never "none" (docs/snapshot.md,
// "Not collected is not empty"). The snapshot says so in two ways, and the
// graph reads both the same way everywhere:
//
//   - a field or section the format defines as "missing: not collected" is
//     missing (a key's Policy or Grants, an account's iam, a policy's
//     Targets, a snapshot's sharing attribute, a queue's Attributes…);
//   - where missing means "none" (a bucket's Policy, a secret's
//     ResourcePolicy, a function's Policy) or one list holds several kinds
//     (the organization's Policies), the recorded error of the call that
//     reads it (organization.errors, an account's errors) names the item.
//
// The scanner does both for every failed call. The recorded error also
// names the cause in the issue the answer shows.

// failures indexes collection errors by operation and resource.
type failures map[string]*snapshot.CollectionError

func indexFailures(errs []snapshot.CollectionError) failures {
	if len(errs) == 0 {
		return nil
	}
	f := make(failures, len(errs))
	for i := range errs {
		e := &errs[i]
		f[e.Operation+"\x00"+e.Resource] = e
	}
	return f
}

// of returns the error of operation on any of the resource's names, or nil.
func (f failures) of(operation string, names ...string) *snapshot.CollectionError {
	if len(f) == 0 {
		return nil // most Regions: no key to build
	}
	for _, n := range names {
		if e := f[operation+"\x00"+n]; e != nil && n != "" {
			return e
		}
	}
	return nil
}

// listing returns the error of the organization's ListPolicies of the
// policy type (or of every type), or nil.
func (f failures) listing(typ string) *snapshot.CollectionError {
	if e := f["ListPolicies\x00"+typ]; e != nil {
		return e
	}
	return f["ListPolicies\x00"]
}

// describeFailure says which call failed and how ("organizations
// ListPolicies failed: AccessDeniedException: …"), or why an account was
// not scanned.
func describeFailure(e *snapshot.CollectionError) string {
	s := strings.TrimSpace(e.Service + " " + e.Operation)
	what := e.Code
	switch {
	case what == "":
		what = e.Message
	case e.Message != "":
		what += ": " + e.Message
	}
	switch {
	case e.Operation == "scan":
		// Not a call: the scanner's own reason (an account not ACTIVE, a bug).
		return what
	case what == "":
		return s + " failed"
	}
	return s + " failed: " + what
}

// accountGap says why an account's principals are not in the snapshot:
// its scan failed (the recorded error), it was not scanned (not ACTIVE), or
// it is not in the snapshot at all. item is what the answer is about.
func (g *Graph) accountGap(account, item string) Issue {
	iss := Issue{Account: account, Item: item, Path: "accounts"}
	a := g.Snapshot.Accounts[account]
	var cause *snapshot.CollectionError
	if a != nil {
		iss.Path = `accounts["` + account + `"]`
		for i := range a.Errors {
			e := &a.Errors[i]
			// The error that lost the account's IAM: the role, the account
			// not scanned, or IAM itself.
			if e.Operation == "AssumeRole" || e.Operation == "scan" || e.Service == "iam" {
				cause = e
				break
			}
		}
	}
	switch {
	case cause != nil:
		iss.Message = "account " + account + " could not be scanned (" + describeFailure(cause) + "): its principals' identity policies are unknown"
	case a != nil:
		iss.Message = "account " + account + "'s IAM was not collected: its principals' identity policies are unknown"
	case g.Org.Member(account):
		iss.Message = "account " + account + " of the organization was not scanned: its principals' identity policies are unknown"
	default:
		iss.Message = "account " + account + " is not in the snapshot: the caller's identity policies are unknown"
	}
	return iss
}

// describeSkip says why a Region, or a call in it, was not read: the
// organization's SCPs deny the scanner there (regions_skipped). What it
// would have read is unknown, as for a failed call.
func describeSkip(k *snapshot.RegionSkip) string {
	what := "Region " + k.Region
	if k.Service != "" {
		what = strings.TrimSpace(k.Service+" "+k.Operation) + " in " + k.Region
	}
	s := what + " skipped: denied by SCP"
	if len(k.Policies) > 0 {
		s += " " + strings.Join(k.Policies, ", ")
	}
	if k.Message != "" {
		s += " (" + k.Message + ")"
	}
	return s
}

// regionSkipped returns the skip of account's region that leaves its keys
// unknown, or nil.
func (g *Graph) regionSkipped(account, region string) *snapshot.RegionSkip {
	return g.Snapshot.Accounts[account].Skipped(region, "kms", "ListKeys")
}
