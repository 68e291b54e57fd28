package ui

import (
	"context"
	"runtime/debug"
	"strings"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/diff"
	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/scanner"
)

// sizeViews are the views of the TUI over the demo, as keys pressed from
// the start (see TestViewsGolden), and the breadcrumb they reach.
var sizeViews = []struct{ name, keys, crumbs string }{
	{"keys", "", "Keys"},
	{"key-who", "enter", "Keys › alias/reports"},
	{"key-resources", "enter tab", "Keys › alias/reports"},
	{"key-grants", "enter tab tab", "Keys › alias/reports"},
	{"key-policy", "enter tab tab tab ]", "Keys › alias/reports"},
	{"key-findings", "enter tab tab tab tab", "Keys › alias/reports"},
	{"why", "/ t:reports enter enter / t:dilip enter enter", "Keys › alias/reports › why dilip"},
	{"why-denied", "3 / t:s3:::kh-demo-legacy enter enter / t:user/dilip enter enter", "Resources › kh-demo-legacy-exports › why dilip"},
	{"principals", "2", "Principals"},
	{"principal", "2 / t:DataEngineer enter enter", "Principals › DataEngineer"},
	{"principal-assume", "2 / t:OrgAdmin enter enter tab", "Principals › OrgAdmin"},
	{"resources", "3", "Resources"},
	{"resource", "3 / t:kh-demo-reports enter enter", "Resources › kh-demo-reports"},
	{"findings", "4", "Findings"},
	{"finding", "4 enter", "Findings › key-policy-open"},
	{"grant", "enter tab tab enter", "Keys › alias/reports › grant batch-reports"},
	{"escalation-path", "enter / t:Deployer enter enter", "Keys › alias/reports › escalation Deployer"},
	{"scan-detail", "6 down enter", "Scan › analytics"},
	{"denied-empty", "5", "Access denied"},
	{"denied-report", "5 t:User:_arn:aws:iam::222222222222:user/dilip_is_not_authorized_to_perform:_kms:Decrypt enter", "Access denied"},
	{"diff", "7", "Diff"},
	{"diff-change", "7 enter", "Diff › alias/secrets"},
	{"scan", "6", "Scan"},
}

// overlays are what can be open over a view: nothing, the jump input or a
// filter (empty, showing its placeholder, or typed in), the full help;
// and the keys that close it.
var overlays = []struct{ name, open, close string }{
	{"none", "", ""},
	{"jump", ":", "esc"},
	{"jump-typed", ": t:alias/rep", "esc"},
	{"filter", "/", "esc"},
	{"filter-typed", "/ t:a", "esc"},
	{"help", "?", "?"},
}

// sizesToTry are every width 1..12 against every height 1..8, and a sample
// of larger sizes up to 200 columns.
func sizesToTry() [][2]int {
	var out [][2]int
	for w := 1; w <= 12; w++ {
		for h := 1; h <= 8; h++ {
			out = append(out, [2]int{w, h})
		}
	}
	for _, w := range []int{1, 2, 3, 17, 40, 80, 133, 200} {
		for _, h := range []int{1, 3, 24, 60} {
			out = append(out, [2]int{w, h})
		}
	}
	return out
}

// fullDemo is the demo's graph changed so that one role gains access, and
// the diff from the demo to it: decoded once, shared by the models of the
// tests that build many (the graph is safe to share: its memo is a
// sync.Map, and the TUI never changes it).
var fullDemo = sync.OnceValues(func() (*graph.Graph, *diff.Report) {
	decode := func() *snapshot.Snapshot {
		s, _, err := snapshot.Decode(demo.Snapshot())
		if err != nil {
			panic(err)
		}
		return s
	}
	old := graph.Build(decode(), nil)
	s := decode()
	keys := s.Accounts["111111111111"].Regions["us-east-1"].KMS.Keys
	for i := range keys {
		if strings.HasSuffix(keys[i].KeyMetadata.Arn, "a004") {
			p := `{"Version":"2012-10-17","Statement":[{"Sid":"CopierDecrypts","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:role/SnapshotCopier"},"Action":"kms:Decrypt","Resource":"*"}]}`
			keys[i].Policy = &p
		}
	}
	cur := graph.Build(s, nil)
	r, err := diff.Compare(context.Background(), old, cur, diff.Options{})
	if err != nil {
		panic(err)
	}
	return cur, r
})

// newFullModel is a model over fullDemo with its diff open and, with scan,
// a scan's Scan view, so that every section exists; its background work
// done: send delivers a message and settles the commands that follow.
func newFullModel(w, h int, scan bool, send func(*Model, tea.Msg), opts ...Option) *Model {
	cur, r := fullDemo()
	opts = append([]Option{WithDiff(r, "old.json")}, opts...)
	if scan {
		// The scan's events are sent to the model directly; nothing
		// waits on the channels (Init is not run for the scan view).
		events := make(chan scanner.Event)
		close(events)
		opts = append(opts, WithScan(&ScanSource{Events: events, Done: make(chan ScanDone), Cancel: func() {}, Output: "o.json"}))
	}
	m := New(cur, cur.Snapshot, "new.json", opts...)
	send(m, tea.WindowSizeMsg{Width: w, Height: h})
	send(m, findingsCmd(cur, false)())
	for _, s := range m.sections {
		if s != nil && s != m.scan {
			if cmd := s.Init(); cmd != nil {
				send(m, cmd())
			}
		}
	}
	if scan {
		send(m, scanEventMsg{Account: "111111111111", Phase: "account", AccountsTotal: 2})
		send(m, scanEventMsg{Account: "222222222222", Phase: "error", Region: "us-east-1", Message: "iam GetAccountAuthorizationDetails", Err: "AccessDenied: not authorized", AccountsTotal: 2, Errors: 1})
	}
	send(m, tea.KeyPressMsg{Code: '1', Text: "1"})
	return m
}

func newFullDriver(t *testing.T, w, h int) *driver {
	t.Helper()
	d := &driver{t: t}
	// With escalation (tui --escalation): the key detail lists escalation
	// entries, and their path view opens. (Not for the fuzzer's thousands
	// of models: each would build its own escalation Searcher.)
	d.m = newFullModel(w, h, true, func(m *Model, msg tea.Msg) {
		d.m = m
		if b, ok := msg.(tea.BatchMsg); ok {
			for _, c := range b {
				d.run(c)
			}
			return
		}
		if msg != nil {
			d.send(msg)
		}
	}, WithEscalation())
	return d
}

// renderAt resizes the model and renders it, turning a panic into the
// test's failure naming the case.
func renderAt(t *testing.T, m *Model, name string, w, h int) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s at %d×%d: panic: %v\n%s", name, w, h, r, debug.Stack())
		}
	}()
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m.View()
}

// Every view, with every overlay open, renders at every size down to 1×1
// without a panic: the jump input once had a negative width below 4
// columns.
func TestEveryViewRendersAtAnySize(t *testing.T) {
	sizes := sizesToTry()
	for _, v := range sizeViews {
		t.Run(v.name, func(t *testing.T) {
			open := func() *driver {
				d := newFullDriver(t, 80, 24)
				d.keys(v.keys)
				if got := d.crumbs(); got != v.crumbs {
					t.Fatalf("%q reached %q, want %q", v.keys, got, v.crumbs)
				}
				return d
			}
			d := open()
			for _, o := range overlays {
				name := v.name + "/" + o.name
				// The overlay opened at 1×1, then every size.
				renderAt(t, d.m, name, 1, 1)
				d.keys(o.open)
				renderAt(t, d.m, name+" opened", 1, 1)
				for _, s := range sizes {
					if raceEnabled && s[0]*s[1] > 500 {
						continue // the race detector's run keeps to the small sizes
					}
					renderAt(t, d.m, name, s[0], s[1])
				}
				d.keys(o.close)
				if d.crumbs() != v.crumbs || d.m.jumping || d.m.showHelp {
					d = open()
				}
			}
		})
	}
}
