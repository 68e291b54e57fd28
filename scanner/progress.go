package scanner

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sourcegraph/conc/panics"

	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/internal/plural"
)

// Event reports progress, for a terminal or the TUI; it is plain data (no
// UI imports) sent on the channel given to Scan. Phases:
//
//   - "organization": the organization is being read;
//   - "account": an account starts;
//   - "error": a call failed and was recorded on Account; Region, Message
//     (service, operation and resource) and Err (AWS's error code and
//     message) say which;
//   - "done": an account ends; Message sums it up, AccountErrors counts its
//     recorded errors;
//   - "progress": a periodic update, every ProgressEvery.
//
// Every event carries the scan's totals so far.
type Event struct {
	Account string `json:"account,omitempty"`
	Phase   string `json:"phase"`
	Region  string `json:"region,omitempty"`
	Message string `json:"message,omitempty"`
	// Err is the failure an "error" event reports ("AccessDeniedException:
	// User: … is not authorized …"); never credentials.
	Err string `json:"error,omitempty"`
	// AccountsDone of AccountsTotal (0 until the accounts are known).
	AccountsDone  int `json:"accounts_done"`
	AccountsTotal int `json:"accounts_total"`
	// Errors are the calls recorded as failed so far, in every account;
	// AccountErrors those of the account a "done" event is about.
	Errors        int `json:"errors"`
	AccountErrors int `json:"account_errors,omitempty"`
	// Counts are the API calls so far: calls, throttled attempts (retried
	// by the SDK), other failed attempts.
	Counts
	// Elapsed since the scan started.
	Elapsed time.Duration `json:"elapsed_ns"`
}

// ProgressEvery is how often Scan sends a "progress" event while it runs.
var ProgressEvery = 500 * time.Millisecond

// run is one scan's progress: its counters and its events.
type run struct {
	ctx               context.Context
	events            chan<- Event
	start             time.Time
	stats             *Stats
	done, total, errs atomic.Int64
	// gate holds accounts' Regions until the SCPs are read (with Org).
	gate *scpGate
}

// emit sends e with the totals so far; it drops it once the scan is cancelled.
func (r *run) emit(e Event) {
	if r.events == nil {
		return
	}
	e.AccountsDone, e.AccountsTotal, e.Errors = int(r.done.Load()), int(r.total.Load()), int(r.errs.Load())
	e.Counts, e.Elapsed = r.stats.Counts(), time.Since(r.start)
	select {
	case r.events <- e:
	case <-r.ctx.Done():
	}
}

// tick sends a "progress" event every ProgressEvery until the returned
// function is called.
func (r *run) tick() (stop func()) {
	t := time.NewTicker(ProgressEvery)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer t.Stop()
		for {
			select {
			case <-t.C:
				r.emit(Event{Phase: "progress"})
			case <-quit:
				return
			case <-r.ctx.Done():
				return
			}
		}
	}()
	return func() { close(quit); wg.Wait() }
}

// account scans one account, announcing it, its errors as they are
// recorded, and its end.
func (r *run) account(c Clients, acct string, opts Options) (a *snapshot.Account) {
	rec := r.newRecorder(acct)
	// A bug in one collector must not lose the other accounts: the account
	// keeps the errors recorded so far and gets one more, the scan goes on.
	defer func() {
		if p := recover(); p != nil {
			// conc's pools re-panic with the first panic wrapped, stack and all:
			// the snapshot keeps the value only.
			for {
				rp, ok := p.(*panics.Recovered)
				if !ok {
					break
				}
				p = rp.Value
			}
			rec.record(snapshot.CollectionError{Operation: "scan", Resource: acct, Code: "InternalError", Message: fmt.Sprint("keyhound: ", p)})
			a = &snapshot.Account{Errors: rec.sorted()}
		}
		r.done.Add(1)
		msg := plural.Count(len(a.Regions), "Region")
		if n := len(a.RegionsSkipped); n > 0 {
			msg += fmt.Sprintf(", %d skipped (denied by SCP)", n)
		}
		if n := len(a.Errors); n > 0 {
			first := a.Errors[0]
			what := first.Code
			if what == "" {
				what = first.Message
			}
			msg = fmt.Sprintf("%s, first %s on %s %s; %s", plural.Count(n, "error"), what, first.Service, first.Operation, msg)
		}
		r.emit(Event{Account: acct, Phase: "done", AccountErrors: len(a.Errors), Message: msg})
	}()
	r.emit(Event{Account: acct, Phase: "account"})
	return scanAccount(r.ctx, c, acct, opts.Regions, opts.HomeRegion, rec, r.gate)
}

// newRecorder records the failed calls of an account (or, for the
// organization, of the caller's account), counting and announcing each.
func (r *run) newRecorder(acct string) *recorder {
	return &recorder{onAdd: func(e snapshot.CollectionError) {
		r.errs.Add(1)
		r.emit(Event{Account: acct, Phase: "error", Region: e.Region, Message: describeCall(e), Err: errText(e)})
	}}
}

// notScanned gives every account of the organization that is not ACTIVE
// (suspended, closing…) an entry with the reason it was not scanned, so
// that answers about it name the gap rather than find nothing; it returns
// how many.
func (r *run) notScanned(org *snapshot.Organization, snap *snapshot.Snapshot) int {
	n := 0
	for _, a := range org.Accounts {
		if active(a) || snap.Accounts[a.ID] != nil {
			continue
		}
		state := cmp.Or(a.State, a.Status, "unknown")
		rec := r.newRecorder(a.ID)
		rec.record(snapshot.CollectionError{
			Service: "organizations", Operation: "scan", Resource: a.ID, Code: CodeAccountNotActive,
			Message: "the account's state is " + state + ": keyhound scans ACTIVE accounts only, so its IAM, keys and resources are unknown",
		})
		snap.Accounts[a.ID] = &snapshot.Account{Errors: rec.sorted()}
		n++
	}
	return n
}

// CodeAccountNotActive is the error code of an organization account that
// was not scanned because it is not ACTIVE.
const CodeAccountNotActive = "AccountNotActive"

// describeCall names a failed call: service, operation and resource.
func describeCall(e snapshot.CollectionError) string {
	s := strings.TrimSpace(e.Service + " " + e.Operation)
	if e.Resource != "" {
		s += " " + e.Resource
	}
	return s
}

// errText is a recorded failure as "Code: message".
func errText(e snapshot.CollectionError) string {
	switch {
	case e.Code == "":
		return e.Message
	case e.Message == "":
		return e.Code
	}
	return e.Code + ": " + e.Message
}
