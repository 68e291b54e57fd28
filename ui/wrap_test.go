package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/ui/styles"
)

// squeeze drops every space and gutter glyph, so that text wrapped over
// several lines compares equal to the text it came from.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\n', '│':
			return -1
		}
		return r
	}, ansi.Strip(s))
}

func TestWrapLineKeepsEveryCharacterAtAnyWidth(t *testing.T) {
	lines := []textLine{
		plain("! an AWS managed key cannot be used from another account, and its policy cannot be changed"),
		{head: "│  ├─ ✓ scp ", cont: "│  │     ", body: "StringNotEqualsIfExists aws:PrincipalOrgID [o-kh0demo01]  request: [222222222222]"},
		hanging("    $ ", "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001"),
		plain("宽字符 wide runes 宽字符"),
		plain(""),
	}
	for _, l := range lines {
		for w := 1; w <= 100; w++ {
			got := wrapLine(l, w)
			if len(got) == 0 {
				t.Fatalf("width %d: no line for %q", w, l.body)
			}
			for _, g := range got {
				if ansi.StringWidth(g) > w {
					t.Errorf("width %d: %q is %d cells wide", w, g, ansi.StringWidth(g))
				}
			}
			// A wide rune cannot be shown at width 1; everything else is kept.
			if w > 1 && !strings.Contains(squeeze(strings.Join(got, "\n")), squeeze(l.body)) {
				t.Errorf("width %d: %q lost text: %q", w, l.body, got)
				break
			}
		}
	}
}

func TestWrapLineKeepsTheGutter(t *testing.T) {
	got := wrapLine(textLine{head: "├─ ✓ ", cont: "│    ", body: "one two three four five six seven"}, 20)
	if len(got) < 2 {
		t.Fatalf("not wrapped: %q", got)
	}
	if !strings.HasPrefix(got[0], "├─ ✓ one") {
		t.Errorf("first line %q", got[0])
	}
	for _, g := range got[1:] {
		if !strings.HasPrefix(g, "│    ") || strings.HasPrefix(g, "│     ") {
			t.Errorf("continuation %q does not keep the gutter", g)
		}
	}
}

// allPages is everything a scrolling pane shows, page by page.
func (d *driver) allPages() string {
	d.t.Helper()
	var b strings.Builder
	for range 20 {
		b.WriteString(d.screen())
		d.keys("pgdown")
	}
	return b.String()
}

// The answers issue #14 found cut off are shown in full, wrapped, at 80×24
// and 160×48: the remedy for dilip reading the bucket encrypted with
// aws/s3, the condition value "finance", the caller's account.
func TestWhyShowsFullText(t *testing.T) {
	g := demoGraph(t)
	a, err := g.Can(graph.Query{Principal: "arn:aws:iam::222222222222:user/dilip", Action: "s3:GetObject", Resource: "arn:aws:s3:::kh-demo-legacy-exports/*"})
	if err != nil {
		t.Fatal(err)
	}
	var remedy string
	for _, f := range g.Fixes(a) {
		if f.NoPolicyFix {
			remedy = f.Summary
		}
	}
	if !strings.Contains(remedy, "AWS managed key") || len(remedy) < 160 {
		t.Fatalf("the demo's remedy changed: %q", remedy)
	}
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		d := newDriver(t, size[0], size[1])
		d.keys("3 / t:s3:::kh-demo-legacy enter enter / t:user/dilip enter enter")
		if got := d.screen(); !strings.Contains(squeeze(got), squeeze(remedy)) {
			t.Errorf("%dx%d: the remedy is not shown in full:\n%s", size[0], size[1], got)
		}
		if all := d.allPages(); !strings.Contains(squeeze(all), squeeze("request: [222222222222]")) {
			t.Errorf("%dx%d: the caller's account is not shown in full:\n%s", size[0], size[1], all)
		}

		d = newDriver(t, size[0], size[1])
		d.keys("/ t:reports enter enter / t:Batch enter enter")
		got := d.screen()
		if !strings.Contains(squeeze(got), squeeze("kms:EncryptionContext:department EncryptionContextSubset finance")) {
			t.Errorf("%dx%d: the condition is not shown in full:\n%s", size[0], size[1], got)
		}
		if !strings.Contains(got, "finance") {
			t.Errorf("%dx%d: %q is cut:\n%s", size[0], size[1], "finance", got)
		}
	}
}

// A policy's long lines wrap under their own indentation, the mark covers
// their continuation lines, and ] scrolls to a statement below the wrap.
func TestPolicyViewWraps(t *testing.T) {
	c := &Common{Styles: styles.DefaultStyles(true), Keys: DefaultKeyMap()}
	long := "arn:aws:iam::111111111111:role/a-role-with-a-very-long-name-that-does-not-fit"
	doc := `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"First","Effect":"Allow","Principal":{"AWS":"` + long + `"},"Action":"kms:Decrypt","Resource":"*"},` +
		`{"Sid":"Second","Effect":"Allow","Principal":{"AWS":"` + long + `"},"Action":"kms:*","Resource":"*"}]}`
	v := newPolicyView(c, doc)
	v.setSize(40, 12)
	var all []string
	for i := 0; i < 10; i++ {
		all = append(all, strings.Split(ansi.Strip(v.view()), "\n")[1:]...)
		v.update(keyPress("pgdown"))
	}
	text := strings.Join(all, "\n")
	if strings.Contains(text, "…") || !strings.Contains(squeeze(text), squeeze(`"AWS": "`+long+`"`)) {
		t.Errorf("the principal is not shown in full:\n%s", text)
	}
	for _, l := range all {
		if ansi.StringWidth(l) > 40 {
			t.Errorf("%q is wider than 40", l)
		}
	}
	v.update(keyPress("g"))
	v.update(keyPress("]"))
	got := ansi.Strip(v.view())
	if !strings.Contains(got, `▌       "Sid": "Second"`) {
		t.Errorf("] should show the second statement, marked:\n%s", got)
	}
	for _, l := range strings.Split(got, "\n")[1:] {
		if strings.Contains(l, "role/") || strings.Contains(l, "does-not-fit") {
			if !strings.HasPrefix(l, "▌ ") {
				t.Errorf("a continuation line of the marked statement is not marked: %q", l)
			}
		}
	}
}

// Detail headers wrap instead of cutting, at 80×24, and the list below
// them gets the lines that remain: the screen still fits.
func TestDetailHeadersWrap(t *testing.T) {
	cases := []struct{ keys, want string }{
		{"3 / t:s3:::kh-demo-legacy enter enter", "s3:bucket · account prod-data (111111111111) · us-east-1 · key alias/aws/s3 · shared with analytics"},
		{"3 / t:s3:::kh-demo-legacy enter enter", "✗ shared, but 6 principals of the accounts it is shared with cannot read it (enter on one: why, and the fix)"},
		{"/ t:reports enter enter", "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001"},
		{"/ t:reports enter enter", "customer managed · Enabled · rotation on"},
		{"/ t:reports enter enter", "(7 ✓ ALLOW, 1 ? CONDITIONAL) · 1 resource"},
	}
	for _, tc := range cases {
		d := newDriver(t, 80, 24)
		d.keys(tc.keys)
		got := d.screen()
		if !strings.Contains(squeeze(got), squeeze(tc.want)) {
			t.Errorf("%q is not shown in full:\n%s", tc.want, got)
		}
		if n := strings.Count(got, "\n"); n != 24 {
			t.Errorf("%d lines, want 24:\n%s", n, got)
		}
	}
}

// The Access denied report wraps at 80×24 and scrolls over the wrapped
// lines: the remedy for the aws/s3 bucket is there in full, and G shows
// the report's last line.
func TestDeniedReportWraps(t *testing.T) {
	d := newDriver(t, 80, 24)
	d.keys("5")
	d.send(tea.PasteMsg{Content: "User: arn:aws:iam::222222222222:user/dilip is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111111111111:key/aa5300aa-0000-4000-8000-00000000a0s3 because no resource-based policy allows the kms:Decrypt action"})
	d.keys("enter")
	ds := d.m.top().(*deniedScreen)
	if ds.report == nil || len(ds.report.Fixes) == 0 {
		t.Fatalf("no report or no fix: %v", ds.err)
	}
	all := d.allPages()
	for _, f := range ds.report.Fixes {
		if !strings.Contains(squeeze(all), squeeze(f.Summary)) {
			t.Errorf("the fix %q is not shown in full:\n%s", f.Summary, all)
		}
	}
	d.keys("g")
	if ds.offset != 0 {
		t.Errorf("g: offset %d", ds.offset)
	}
	d.keys("G")
	lines := strings.Split(strings.TrimRight(d.screen(), "\n"), "\n")
	if last := ansi.Strip(ds.lines[len(ds.lines)-1]); !strings.Contains(strings.Join(lines, "\n"), strings.TrimRight(last, " ")) {
		t.Errorf("G does not show the last line %q:\n%s", last, d.screen())
	}
}

// TestWrapKeepsARNsWhole: an ARN that fits on a line is not split at one of
// its hyphens because it does not fit on the current one; it moves to the
// next line whole.
func TestWrapKeepsARNsWhole(t *testing.T) {
	arnText := "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a005"
	lines := wrapLine(plain("ARN of the key "+arnText+" in prod-data"), 80)
	found := false
	for _, l := range lines {
		if strings.Contains(l, arnText) {
			found = true
		}
	}
	if !found {
		t.Errorf("the ARN is split:\n%s", strings.Join(lines, "\n"))
	}
	// Longer than the width, it is cut where it must be, nothing lost.
	narrow := strings.Join(wrapLine(plain(arnText), 20), "")
	if strings.ReplaceAll(narrow, " ", "") != arnText {
		t.Errorf("at width 20: %q", narrow)
	}
}
