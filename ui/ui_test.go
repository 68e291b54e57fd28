package ui

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/snapshot"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func demoGraph(t testing.TB) *graph.Graph {
	t.Helper()
	s, errs, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	return graph.Build(s, errs)
}

// driver runs a Model as a program would, but synchronously: every command's
// message is fed back to Update until none is left.
type driver struct {
	t *testing.T
	m *Model
}

func newDriver(t *testing.T, w, h int, opts ...Option) *driver {
	g := demoGraph(t)
	d := &driver{t: t, m: New(g, g.Snapshot, "demo", opts...)}
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	d.run(d.m.Init())
	return d
}

func (d *driver) run(cmd tea.Cmd) {
	d.t.Helper()
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0; n++ {
		if n > 10000 {
			d.t.Fatal("commands do not settle")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		if b, ok := msg.(tea.BatchMsg); ok {
			queue = append(queue, b...)
			continue
		}
		if msg == nil {
			continue
		}
		if _, ok := msg.(spinner.TickMsg); ok {
			// The spinner would tick (a timer) as long as something is
			// pending: the driver leaves it on its first frame, so views
			// are the same on every run.
			continue
		}
		_, next := d.m.Update(msg)
		queue = append(queue, next)
	}
}

func (d *driver) send(msg tea.Msg) {
	d.t.Helper()
	_, cmd := d.m.Update(msg)
	d.run(cmd)
}

// keys presses each key of a space-separated list: named keys ("enter",
// "esc", "tab", "down") or text typed one rune at a time ("t:dilip").
func (d *driver) keys(list string) {
	d.t.Helper()
	for _, k := range strings.Fields(list) {
		if text, ok := strings.CutPrefix(k, "t:"); ok {
			for _, r := range text {
				d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
			}
			continue
		}
		d.send(keyPress(k))
	}
}

func keyPress(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "ctrl+x":
		return tea.KeyPressMsg{Code: 'x', Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// screen is the rendered screen without ANSI sequences, trailing spaces
// trimmed.
func (d *driver) screen() string {
	lines := strings.Split(ansi.Strip(d.m.Render()), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n") + "\n"
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./ui/ -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from %s (go test ./ui/ -update rewrites it):\n%s", name, path, got)
	}
}

// Every view, rendered over the demo organization at 80×24 and 120×40,
// and the widest at 160×48.
func TestViewsGolden(t *testing.T) {
	cases := []struct{ name, keys string }{
		{"keys", ""},
		{"keys-filtered", "/ t:reports enter"},
		{"key-who", "/ t:reports enter enter"},
		{"key-resources", "/ t:reports enter enter tab"},
		{"key-grants", "/ t:reports enter enter tab tab"},
		{"key-policy", "/ t:reports enter enter tab tab tab ]"},
		{"why", "/ t:reports enter enter / t:dilip enter enter"},
		{"why-chain", "/ t:reports enter enter / t:OrgAdmin enter enter"},
		// CONDITIONAL: its own heading and glyph, the grant named (no
		// placeholder statement), and through a service with the identity
		// statement that must also allow.
		{"why-conditional-grant", "/ t:reports enter enter / t:Batch enter enter"},
		{"why-conditional-via-service", "/ t:secrets enter enter / t:DataEngineer enter enter"},
		{"principals", "2"},
		{"principal", "2 / t:DataEngineer enter enter"},
		{"principal-assume", "2 / t:OrgAdmin enter enter tab"},
		{"resources", "3"},
		{"resource", "3 / t:kh-demo-reports enter enter"},
		{"findings", "4"},
		{"finding", "4 enter"},
		{"finding-identity", "4 / t:DataEngineer enter enter"},
		{"grant", "/ t:reports enter enter tab tab enter"},
		// The newcomer's question: why can Dilip not read the bucket
		// encrypted with aws/s3, and what would fix it.
		{"resource-aws-managed-key", "3 / t:s3:::kh-demo-legacy enter enter"},
		{"why-denied-with-fix", "3 / t:s3:::kh-demo-legacy enter enter / t:user/dilip enter enter"},
		{"resource-volume", "3 / t:volume enter enter"},
		{"why-denied-identity-fix", "3 / t:kh-demo-reports enter enter G enter"},
		{"help", "?"},
		{"denied-empty", "5"},
	}
	// 160×48 for the views whose text was cut at 80 and 120 columns.
	wide := map[string]bool{
		"keys": true, "key-who": true, "resources": true, "findings": true, "resource-aws-managed-key": true,
		"why": true, "why-chain": true, "why-conditional-grant": true, "why-conditional-via-service": true,
		"why-denied-with-fix": true, "why-denied-identity-fix": true,
	}
	for _, size := range [][2]int{{80, 24}, {120, 40}, {160, 48}} {
		for _, tc := range cases {
			if size[0] == 160 && !wide[tc.name] {
				continue
			}
			name := tc.name + "-" + itoa(size[0]) + "x" + itoa(size[1])
			t.Run(name, func(t *testing.T) {
				d := newDriver(t, size[0], size[1])
				d.keys(tc.keys)
				got := d.screen()
				if n := strings.Count(got, "\n"); n != size[1] {
					t.Errorf("%d lines, want %d", n, size[1])
				}
				for i, l := range strings.Split(got, "\n") {
					if w := ansi.StringWidth(l); w > size[0] {
						t.Errorf("line %d is %d cells wide, more than %d: %q", i, w, size[0], l)
					}
				}
				golden(t, name, got)
			})
		}
	}
}
