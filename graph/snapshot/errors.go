package snapshot

import (
	"cmp"
	"slices"
	"strings"
)

// AccountError is one collection error with where it was recorded: an
// account's errors, or the organization's.
type AccountError struct {
	// Account is the account whose errors hold it; "" for the organization's.
	Account      string `json:"account,omitempty"`
	Organization bool   `json:"organization,omitempty"`
	CollectionError
}

// CollectionErrors returns every call the scanner could not complete: the
// organization's errors first, then each account's, accounts in ID order.
func (s *Snapshot) CollectionErrors() []AccountError {
	var out []AccountError
	if s.Organization != nil {
		for _, e := range s.Organization.Errors {
			out = append(out, AccountError{Organization: true, CollectionError: e})
		}
	}
	for _, id := range sortedKeys(s.Accounts) {
		if a := s.Accounts[id]; a != nil {
			for _, e := range a.Errors {
				out = append(out, AccountError{Account: id, CollectionError: e})
			}
		}
	}
	return out
}

// ErrorGroup counts the collection errors of one account (or the
// organization), service and error code.
type ErrorGroup struct {
	Account      string `json:"account,omitempty"`
	Organization bool   `json:"organization,omitempty"`
	Service      string `json:"service"`
	Code         string `json:"code"`
	Count        int    `json:"count"`
	// Operations are the operations that failed, each once, sorted.
	Operations []string `json:"operations"`
}

// GroupErrors groups errors by account (the organization first), service
// and code, in that order.
func GroupErrors(errs []AccountError) []ErrorGroup {
	var out []ErrorGroup
	index := map[[4]string]int{}
	for _, e := range errs {
		org := ""
		if e.Organization {
			org = "org"
		}
		k := [4]string{org, e.Account, e.Service, e.Code}
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, ErrorGroup{Account: e.Account, Organization: e.Organization, Service: e.Service, Code: e.Code})
		}
		g := &out[i]
		g.Count++
		if !slices.Contains(g.Operations, e.Operation) {
			g.Operations = append(g.Operations, e.Operation)
		}
	}
	for i := range out {
		slices.Sort(out[i].Operations)
	}
	slices.SortStableFunc(out, func(a, b ErrorGroup) int {
		if a.Organization != b.Organization {
			if a.Organization {
				return -1
			}
			return 1
		}
		return cmp.Or(strings.Compare(a.Account, b.Account), strings.Compare(a.Service, b.Service), strings.Compare(a.Code, b.Code))
	})
	return out
}
