package scanner

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/internal/plural"
)

// Resuming a scan (Options.Resume): each account the scan is asked for is
// looked up in the earlier snapshot and
//
//   - kept as it is, with no call, when it is complete: no errors, IAM
//     collected, and every Region asked for present (--regions, or else the
//     Regions the account had enabled);
//   - read again whole when it is missing, or when any of its errors is
//     account-wide: a call of no Region (sts AssumeRole, IAM, S3 ListBuckets
//     and GetBucketLocation, a scan that panicked) or Region discovery
//     itself (ec2 DescribeRegions failing);
//   - otherwise read again in the failing Regions only — those an error
//     names and those asked for but missing — and merged: the rest of the
//     account (IAM, the other Regions) is kept as it was.
//
// Accounts of the earlier snapshot that this scan is not asked for (no
// longer in the organization, not in --accounts) are left out.

// resumer decides, account by account, what Options.Resume spares a scan,
// and hands each account the scan reads to Options.OnAccount.
type resumer struct {
	old       *snapshot.Snapshot
	onAccount func(string, *snapshot.Account)
	mu        sync.Mutex // one OnAccount call at a time
	nkept     atomic.Int64
}

func newResumer(opts Options) (*resumer, error) {
	if err := CheckResume(opts); err != nil {
		return nil, err
	}
	return &resumer{old: opts.Resume, onAccount: opts.OnAccount}, nil
}

// CheckResume refuses an Options.Resume that is not of the same scan as
// opts: other Regions, or fewer services than this scan reads. Scan checks
// it before any call; a command can check it sooner.
func CheckResume(opts Options) error {
	old, regions := opts.Resume, opts.Regions
	if old == nil {
		return nil
	}
	var had, services []string
	if old.Scope != nil {
		had, services = old.Scope.Regions, old.Scope.Services
	}
	if !sameSet(had, regions) {
		return fmt.Errorf("resume: the earlier scan read %s, this one %s: give the same --regions", regionsText(had), regionsText(regions))
	}
	if services != nil {
		var missing []string
		for _, s := range scannedServices {
			if !slices.Contains(services, s) {
				missing = append(missing, s)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("resume: the earlier scan did not read %s (an older keyhound?): scan afresh", strings.Join(missing, ", "))
		}
	}
	return nil
}

func regionsText(regions []string) string {
	if len(regions) == 0 {
		return "every enabled Region"
	}
	return "--regions " + strings.Join(regions, ",")
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// kept counts the accounts kept whole.
func (rs *resumer) kept() int { return int(rs.nkept.Load()) }

// account returns account acct: kept from the earlier snapshot, read again
// in its failing Regions and merged, or read whole.
func (rs *resumer) account(r *run, c Clients, acct string, opts Options) *snapshot.Account {
	var old *snapshot.Account
	if rs.old != nil {
		old = rs.old.Accounts[acct]
	}
	keep, regions := planAccount(old, opts.Regions)
	var a *snapshot.Account
	switch {
	case keep:
		rs.nkept.Add(1)
		r.done.Add(1)
		r.emit(Event{Account: acct, Phase: "done", Message: "kept from the earlier scan; " + plural.Count(len(old.Regions), "Region")})
		return old
	case regions != nil:
		o := opts
		o.Regions = regions
		a = mergeAccount(old, r.account(withoutIAM{c}, acct, o), regions)
	default:
		a = r.account(c, acct, opts)
	}
	if rs.onAccount != nil {
		rs.mu.Lock()
		defer rs.mu.Unlock()
		rs.onAccount(acct, a)
	}
	return a
}

// planAccount says what of an earlier account a scan asked for the Regions
// asked (nil: every enabled one) must read again: nothing (keep), some
// Regions (regions not nil), or everything.
func planAccount(old *snapshot.Account, asked []string) (keep bool, regions []string) {
	if old == nil || old.IAM == nil {
		return false, nil
	}
	want := asked
	if len(want) == 0 {
		if old.EnabledRegions == nil {
			return false, nil // which Regions the account has is unknown
		}
		want = old.EnabledRegions
	}
	failing := map[string]bool{}
	for _, e := range old.Errors {
		if accountWide(e) {
			return false, nil
		}
		failing[e.Region] = true
	}
	for _, region := range want {
		// A Region the SCPs deny the scanner was skipped, not missed: a
		// resume would be skipped there again.
		if old.Regions[region] == nil && !wholeRegionSkipped(old, region) {
			failing[region] = true
		}
	}
	if len(failing) == 0 {
		return true, nil
	}
	regions = make([]string, 0, len(failing))
	for region := range failing {
		regions = append(regions, region)
	}
	slices.Sort(regions)
	return false, regions
}

// accountWide reports whether an error leaves more than one Region of its
// account unknown: a call of no Region, or the discovery of the Regions.
// An asked-for Region the account has not enabled is about that Region.
func accountWide(e snapshot.CollectionError) bool {
	if e.Region == "" {
		return true
	}
	return e.Service == "ec2" && e.Operation == "DescribeRegions" && e.Message != errRegionNotEnabled.Error()
}

// mergeAccount puts the Regions read again (fresh) into the earlier
// account: a Region the fresh read says something about (collected, or an
// error naming it) is the fresh read's, data and errors; the others, IAM
// included, stay as they were. Errors of no Region in fresh (the role
// could not be assumed this time) are added.
func mergeAccount(old, fresh *snapshot.Account, rescanned []string) *snapshot.Account {
	told := map[string]bool{}
	for region := range fresh.Regions {
		told[region] = true
	}
	for _, e := range fresh.Errors {
		if slices.Contains(rescanned, e.Region) {
			told[e.Region] = true
		}
	}
	out := &snapshot.Account{IAM: old.IAM, EnabledRegions: old.EnabledRegions, Regions: map[string]*snapshot.Region{}}
	if fresh.EnabledRegions != nil {
		out.EnabledRegions = fresh.EnabledRegions
	}
	for region, reg := range old.Regions {
		if !told[region] {
			out.Regions[region] = reg
		}
	}
	for region, reg := range fresh.Regions {
		out.Regions[region] = reg
	}
	out.ScannedAs = cmp.Or(fresh.ScannedAs, old.ScannedAs)
	out.S3Control = old.S3Control
	if fresh.S3Control != nil {
		out.S3Control = fresh.S3Control
	}
	for _, k := range fresh.RegionsSkipped {
		told[k.Region] = true
	}
	for _, k := range old.RegionsSkipped {
		if !told[k.Region] {
			out.RegionsSkipped = append(out.RegionsSkipped, k)
		}
	}
	out.RegionsSkipped = append(out.RegionsSkipped, fresh.RegionsSkipped...)
	slices.SortStableFunc(out.RegionsSkipped, func(x, y snapshot.RegionSkip) int {
		return cmp.Or(strings.Compare(x.Region, y.Region), strings.Compare(x.Service, y.Service), strings.Compare(x.Operation, y.Operation))
	})
	rec := &recorder{}
	for _, e := range old.Errors {
		if !told[e.Region] {
			rec.errs = append(rec.errs, e)
		}
	}
	rec.errs = append(rec.errs, fresh.Errors...)
	out.Errors = rec.sorted()
	return out
}

// wholeRegionSkipped reports whether the scanner skipped all of region
// (its SCPs deny the scanner every call there).
func wholeRegionSkipped(a *snapshot.Account, region string) bool {
	k := a.Skipped(region, "", "")
	return k != nil && k.Service == ""
}

// withoutIAM are an account's clients without IAM (nor the account's S3
// settings): reading some Regions again keeps them as they were.
type withoutIAM struct{ Clients }

func (w withoutIAM) Account(ctx context.Context, acct string) (AccountClients, error) {
	ac, err := w.Clients.Account(ctx, acct)
	if err != nil {
		return nil, err
	}
	return noIAM{ac}, nil
}

type noIAM struct{ AccountClients }

func (noIAM) IAM() iamAPI { return nil }

// S3Control is account-wide too: kept as it was.
func (noIAM) S3Control(string) s3ControlAPI { return nil }
