package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/scanner"
)

// longDenial is an error message longer than any terminal line.
const longDenial = "AccessDeniedException: User: arn:aws:sts::222222222222:assumed-role/KeyhoundScanner/keyhound is not authorized to perform: kms:ListKeys because no identity-based policy allows the kms:ListKeys action, and no service control policy mentions it either"

// scanDriver is a model showing a scan of two accounts: 111111111111 done,
// 222222222222 running with two failed calls.
func scanDriver(t *testing.T, w, h int) *driver {
	events := make(chan scanner.Event)
	close(events)
	src := &ScanSource{Events: events, Done: make(chan ScanDone, 1), Cancel: func() {}, Output: "o.json"}
	g := demoGraph(t)
	d := &driver{t: t, m: New(g, g.Snapshot, "scan", WithScan(src))}
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	d.send(scanEventMsg{Account: "111111111111", Phase: "account", AccountsTotal: 2})
	d.send(scanEventMsg{Account: "222222222222", Phase: "account", AccountsTotal: 2})
	d.send(scanEventMsg{Account: "111111111111", Phase: "done", Message: "1 Region", AccountsDone: 1, AccountsTotal: 2})
	d.send(scanEventMsg{Account: "222222222222", Phase: "error", Region: "us-east-1", Message: "iam GetAccountAuthorizationDetails", Err: "AccessDenied: not authorized", AccountsDone: 1, AccountsTotal: 2, Errors: 1})
	d.send(scanEventMsg{Account: "222222222222", Phase: "error", Region: "eu-west-1", Message: "kms ListKeys", Err: longDenial, AccountsDone: 1, AccountsTotal: 2, Errors: 2})
	return d
}

// enter on a scan row opens the account's scan detail with every error,
// not only the newest; long messages wrap; esc goes back.
func TestScanDetail(t *testing.T) {
	d := scanDriver(t, 80, 30)
	d.keys("down enter")
	if got := d.crumbs(); got != "Scan › analytics" {
		t.Fatalf("enter on a scan row: %q", got)
	}
	screen := d.screen()
	for _, want := range []string{"Account analytics (222222222222)", "Errors (2)", "1. us-east-1 · iam GetAccountAuthorizationDetails", "AccessDenied: not authorized", "2. eu-west-1 · kms ListKeys", "Regions skipped: known when the scan ends"} {
		if !strings.Contains(screen, want) {
			t.Errorf("scan detail lacks %q:\n%s", want, screen)
		}
	}
	// The long message is all there, wrapped (at spaces, or after a /).
	squeeze := func(s string) string { return strings.Join(strings.Fields(s), "") }
	if !strings.Contains(squeeze(screen), squeeze(longDenial)) {
		t.Errorf("the long error is cut:\n%s", screen)
	}
	// The scan ends: the snapshot's record of the account is shown, with
	// every error and the Regions skipped.
	snap, _, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	a := snap.Accounts["222222222222"]
	a.Errors = []snapshot.CollectionError{
		{Service: "iam", Operation: "GetAccountAuthorizationDetails", Region: "us-east-1", Code: "AccessDenied", Message: "not authorized"},
		{Service: "kms", Operation: "ListKeys", Region: "eu-west-1", Message: longDenial},
		{Service: "kms", Operation: "ListGrants", Region: "us-east-1", Resource: "key/k1", Code: "Throttling"},
	}
	a.RegionsSkipped = []snapshot.RegionSkip{{Region: "ap-south-1", Reason: "scp", Policies: []string{"p-regions"}, Message: "denied by p-regions"}}
	d.send(scanEventMsg{Account: "222222222222", Phase: "done", AccountErrors: 3, Errors: 3, Message: "3 errors, first AccessDenied on iam GetAccountAuthorizationDetails; 1 Region, 1 skipped (denied by SCP)", AccountsDone: 2, AccountsTotal: 2})
	d.send(scanDoneMsg{Snapshot: snap, Result: scanner.Result{Complete: false, Errors: 3, Accounts: 2}, Written: "o.json"})
	if got := d.crumbs(); got != "Scan › analytics" {
		t.Fatalf("the scan's end left the detail: %q", got)
	}
	screen = d.screen()
	for _, want := range []string{"✗ partial", "Errors (3)", "3. us-east-1 · kms ListGrants key/k1", "Throttling", "Regions skipped (1)", "ap-south-1 (scp: p-regions)", "1 Region skipped"} {
		if !strings.Contains(screen, want) {
			t.Errorf("scan detail after the end lacks %q:\n%s", want, screen)
		}
	}
	if strings.Contains(d.footer(), "enter") {
		t.Errorf("footer offers enter, which does nothing here: %q", d.footer())
	}
	d.keys("enter")
	if got := d.crumbs(); got != "Scan › analytics" {
		t.Errorf("enter in the scan detail went to %q", got)
	}
	d.keys("esc")
	if got := d.crumbs(); got != "Scan" {
		t.Fatalf("esc: %q", got)
	}
}

func TestScanDetailGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		d := scanDriver(t, size[0], size[1])
		d.keys("down enter")
		golden(t, "scan-detail-"+itoa(size[0])+"x"+itoa(size[1]), d.screen())
	}
}
