package ui

import (
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/demo"
)

func TestMatchTier(t *testing.T) {
	for _, tc := range []struct {
		name, q string
		want    int
	}{
		{"dilip", "dilip", tierExact},
		{"dilip-no-policy", "dilip", tierPrefix},
		{"user/dilip", "dilip", tierWord},
		{"kh-demo-reports", "reports", tierWord},
		{"reportsreader", "reports", tierPrefix},
		{"xreportsx", "reports", tierSubstring},
		{"role/reportsreader", "rprts", tierFuzzy},
		{"alias/secrets", "rprts", tierNone},
		{"abc", "abcd", tierNone},
		// A later occurrence at a word start counts.
		{"xdilip/dilip", "dilip", tierWord},
	} {
		if got := matchTier(tc.name, tc.q); got != tc.want {
			t.Errorf("matchTier(%q, %q) = %d, want %d", tc.name, tc.q, got, tc.want)
		}
	}
}

// completionLines are the completion lines of the screen: the ones with a
// kind in front.
func (d *driver) completionLines() []string {
	var out []string
	for _, l := range strings.Split(d.screen(), "\n") {
		f := strings.Fields(strings.TrimPrefix(l, "›"))
		if len(f) > 1 && (f[0] == "key" || f[0] == "principal" || f[0] == "resource" || f[0] == "account") {
			out = append(out, l)
		}
	}
	return out
}

func TestJumpFuzzyPrincipal(t *testing.T) {
	d := newDriver(t, 100, 30)
	d.keys(": t:dilip")
	lines := d.completionLines()
	if len(lines) < 2 {
		t.Fatalf("completions for dilip:\n%s", d.screen())
	}
	if f := strings.Fields(lines[0]); f[0] != "›" || f[1] != "principal" || f[2] != "user/dilip" {
		t.Fatalf("first completion %q, want user/dilip selected", lines[0])
	}
	if !strings.Contains(lines[1], "user/dilip-no-policy") {
		t.Fatalf("second completion %q", lines[1])
	}
	if !strings.Contains(d.screen(), "↑/↓ choose") || strings.Contains(d.screen(), "? help") {
		t.Fatalf("footer while jumping:\n%s", d.screen())
	}
	d.keys("enter")
	p, ok := d.m.top().(*principalScreen)
	if !ok || p.p.ARN != demo.Dilip {
		t.Fatalf("enter opened %q", d.crumbs())
	}
	// down moves to the next completion, which enter then opens.
	d.keys(": t:dilip down enter")
	if p, ok := d.m.top().(*principalScreen); !ok || !strings.HasSuffix(p.p.ARN, "user/dilip-no-policy") {
		t.Fatalf("down enter opened %q", d.crumbs())
	}
	// up wraps around to the last one; ctrl+p/ctrl+n move too.
	d.keys(": t:dilip up")
	if d.m.jumpm.sel != len(d.m.jumpm.hits)-1 {
		t.Fatalf("up: selected %d of %d", d.m.jumpm.sel, len(d.m.jumpm.hits))
	}
	d.keys("tab")
	if d.m.jumping {
		t.Fatal("tab did not leave the jump input")
	}
}

func TestJumpBucketKeyIDAccount(t *testing.T) {
	d := newDriver(t, 100, 30)
	d.keys(": t:kh-demo-rep enter")
	if r, ok := d.m.top().(*resourceScreen); !ok || r.res.ARN != "arn:aws:s3:::kh-demo-reports" {
		t.Fatalf("bucket: opened %q", d.crumbs())
	}
	// Part of a key ID: the key it names.
	d.keys("esc : t:00000000a004 enter")
	if k, ok := d.m.top().(*keyScreen); !ok || k.key.Aliases[0] != "alias/secrets" {
		t.Fatalf("key ID: opened %q", d.crumbs())
	}
	// An account by name: the Keys list, filtered by its ID.
	d.keys("esc : t:analytics")
	if f := strings.Fields(d.completionLines()[0]); f[1] != "account" || f[2] != "analytics" {
		t.Fatalf("account completion %q", d.completionLines()[0])
	}
	d.keys("enter")
	ks, ok := d.m.top().(*keysScreen)
	if !ok || d.m.sec != secKeys || ks.input.Value() != "222222222222" {
		t.Fatalf("account: %q, filter %q", d.crumbs(), ks.input.Value())
	}
	if shown, all := ks.l.Len(); shown == 0 || shown == all {
		t.Fatalf("account filter shows %d of %d keys", shown, all)
	}
	for _, i := range ks.l.shown {
		if ks.l.rows[i].cells[keyColAccount] != "analytics" {
			t.Errorf("key of another account shown: %v", ks.l.rows[i].cells)
		}
	}
	// The typed text, when it names something exactly, wins over the
	// first completion; nothing matching says so.
	d.keys(": t:" + demo.Dilip + " enter")
	if p, ok := d.m.top().(*principalScreen); !ok || p.p.ARN != demo.Dilip {
		t.Fatalf("ARN: opened %q", d.crumbs())
	}
	d.keys(": t:zzqqxx enter")
	if !d.m.isErr || !strings.Contains(d.m.status, "zzqqxx") {
		t.Fatalf("no match: status %q", d.m.status)
	}
}

// BenchmarkJumpIndex builds the names `:` completes over the 1,000-account
// organization (bench_test.go): what the first `:` costs.
// Run: go test -run '^$' -bench Jump -benchtime 20x ./ui/
func BenchmarkJumpIndex(b *testing.B) {
	g := big(b)
	b.ResetTimer()
	for b.Loop() {
		_ = buildJumpIndex(g)
	}
	b.ReportMetric(float64(len(buildJumpIndex(g).owner)), "names")
}

// BenchmarkJumpTyping types "account-517" after `:`, one key at a time,
// over the 1,000-account organization: the first key scans every name,
// the others only what still matches.
func BenchmarkJumpTyping(b *testing.B) {
	g := big(b)
	ix := buildJumpIndex(g)
	const typed = "account-517"
	b.ResetTimer()
	for b.Loop() {
		m := jumpMatcher{ix: ix}
		for i := 1; i <= len(typed); i++ {
			m.match(typed[:i])
		}
		if len(m.hits) == 0 || ix.targets[m.hits[0].target].account != "100000000517" {
			b.Fatalf("account-517 not first")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(len(typed)*b.N)/1e6, "ms/keypress")
}

// BenchmarkJumpFirstKey is the worst key press: the first letter, matched
// against every name.
func BenchmarkJumpFirstKey(b *testing.B) {
	g := big(b)
	ix := buildJumpIndex(g)
	b.ResetTimer()
	for b.Loop() {
		m := jumpMatcher{ix: ix}
		m.match("r")
	}
}

// The completions render at any size, within the width.
func TestJumpCompletionsAnySize(t *testing.T) {
	for _, size := range [][2]int{{1, 1}, {3, 2}, {4, 5}, {10, 6}, {20, 8}, {40, 12}} {
		d := newDriver(t, size[0], size[1])
		d.keys(": t:a down")
		for i, l := range strings.Split(strings.TrimSuffix(d.screen(), "\n"), "\n") {
			if w := len([]rune(l)); w > size[0] {
				t.Errorf("%dx%d: line %d is %d wide: %q", size[0], size[1], i, w, l)
			}
		}
	}
}

// The index of names is built off the update loop: the input takes keys
// at once, and the completions come when it arrives.
func TestJumpIndexBuiltInBackground(t *testing.T) {
	d := newDriver(t, 100, 30)
	_, cmd := d.m.Update(keyPress(":"))
	if d.m.c.jumpIx != nil || !strings.Contains(d.screen(), "indexing the snapshot's names") {
		t.Fatalf("before the index:\n%s", d.screen())
	}
	for _, r := range "dilip" {
		d.m.Update(keyPress(string(r)))
	}
	if len(d.m.jumpm.hits) != 0 || d.m.jump.Value() != "dilip" {
		t.Fatalf("typed %q, hits %d", d.m.jump.Value(), len(d.m.jumpm.hits))
	}
	d.run(cmd)
	if lines := d.completionLines(); len(lines) == 0 || !strings.Contains(lines[0], "user/dilip") {
		t.Fatalf("after the index:\n%s", d.screen())
	}
	// Built once per graph.
	ix := d.m.c.jumpIx
	d.keys("esc :")
	if d.m.c.jumpIx != ix || d.m.jumpm.ix != ix {
		t.Fatal("the index was built again")
	}
}
