package snapshot

// AccountSkip is one Region skip with the account it was recorded on.
type AccountSkip struct {
	Account string `json:"account"`
	RegionSkip
}

// SkippedRegions returns every Region (or call in a Region) the scanner did
// not read because the organization denies it there, accounts in ID order:
// apart from CollectionErrors, since a skip is no failure, though what it
// would have read is unknown all the same.
func (s *Snapshot) SkippedRegions() []AccountSkip {
	var out []AccountSkip
	for _, id := range sortedKeys(s.Accounts) {
		if a := s.Accounts[id]; a != nil {
			for _, k := range a.RegionsSkipped {
				out = append(out, AccountSkip{Account: id, RegionSkip: k})
			}
		}
	}
	return out
}

// Skipped returns the account's skip of region: the whole Region's, or
// else that of service's call operation there ("" for any of service's
// calls); nil when neither was skipped.
func (a *Account) Skipped(region, service, operation string) *RegionSkip {
	if a == nil {
		return nil
	}
	var call *RegionSkip
	for i := range a.RegionsSkipped {
		k := &a.RegionsSkipped[i]
		switch {
		case k.Region != region:
		case k.Service == "":
			return k
		case k.Service == service && (operation == "" || k.Operation == operation) && call == nil:
			call = k
		}
	}
	return call
}
