package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/export"
	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/internal/atomicfile"
)

// exportPicker is what e opens on a key or a principal (its screen, or the
// row selected in the Keys or Principals list): the status line and the
// footer become a choice of what to write — the neighbourhood as DOT,
// Mermaid or JSON (graph/export, as keyhound export --key/--principal), or
// the whole snapshot.
type exportPicker struct {
	target string // the key's or principal's ARN
	isKey  bool
	label  string // alias/x, user/dilip: in the prompt and the file name
	keys   exportPickerKeys
}

type exportPickerKeys struct{ DOT, Mermaid, JSON, Snapshot, Close key.Binding }

func newExportPicker(c *Common, target string, isKey bool) *exportPicker {
	b := func(k, desc string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, desc)) }
	return &exportPicker{
		target: target, isKey: isKey, label: c.label(target),
		keys: exportPickerKeys{
			DOT: b("d", "DOT"), Mermaid: b("m", "Mermaid"), JSON: b("j", "JSON"),
			Snapshot: b("s", "whole snapshot"), Close: b("esc", "cancel"),
		},
	}
}

// exportFocus is the key or principal the screen shows, or the one its
// list has selected; "" when it shows neither.
func exportFocus(s screen) (target string, isKey bool) {
	switch s := s.(type) {
	case *keyScreen:
		return s.key.ARN, true
	case *principalScreen:
		return s.p.ARN, false
	case *keysScreen:
		return s.l.SelectedID(), true
	case *principalsScreen:
		return s.l.SelectedID(), false
	}
	return "", false
}

// prompt is the status line while the picker is open.
func (p *exportPicker) prompt() string {
	what := "principal"
	if p.isKey {
		what = "key"
	}
	return "export " + what + " " + p.label + " and what touches it, or the whole snapshot:"
}

func (p *exportPicker) shortHelp() []key.Binding {
	k := p.keys
	return []key.Binding{k.DOT, k.Mermaid, k.JSON, k.Snapshot, k.Close, quitKey}
}

// update handles a key while the picker is open; done says it closes.
func (p *exportPicker) update(c *Common, msg tea.KeyPressMsg) (done bool, cmd tea.Cmd) {
	k := p.keys
	switch {
	case key.Matches(msg, k.Close):
		return true, nil
	case key.Matches(msg, k.Snapshot):
		return true, exportCmd(c.Snapshot, c.ExportDir)
	case key.Matches(msg, k.DOT):
		return true, neighbourhoodCmd(c.Graph, c.ExportDir, p, "dot")
	case key.Matches(msg, k.Mermaid):
		return true, neighbourhoodCmd(c.Graph, c.ExportDir, p, "mermaid")
	case key.Matches(msg, k.JSON):
		return true, neighbourhoodCmd(c.Graph, c.ExportDir, p, "json")
	}
	return false, nil
}

// exportExt is each neighbourhood format's file extension.
var exportExt = map[string]string{"dot": ".dot", "mermaid": ".mmd", "json": ".json"}

// neighbourhoodCmd writes the key's or principal's neighbourhood (what
// keyhound export --key / --principal writes) to a new file in dir.
func neighbourhoodCmd(g *graph.Graph, dir string, p *exportPicker, format string) tea.Cmd {
	o := export.Options{Keys: []string{p.target}}
	if !p.isKey {
		o = export.Options{Principals: []string{p.target}}
	}
	base, label := "keyhound-"+fileSafe(p.label), p.label
	return func() tea.Msg {
		name, err := writeNew(dir, base, exportExt[format], func(w io.Writer) error {
			var x export.Writer
			switch format {
			case "dot":
				x = export.NewDOT(w)
			case "mermaid":
				x = export.NewMermaid(w)
			default:
				x = export.NewJSON(w)
			}
			// One key's or principal's neighbourhood: seconds at most, and
			// the TUI waits for it behind its status line; nothing cancels it.
			return export.Write(context.Background(), g, o, x)
		})
		if err != nil {
			return statusMsg{"export " + label + ": " + err.Error(), true}
		}
		return statusMsg{"exported " + label + " (" + format + ") to " + name, false}
	}
}

// exportCmd writes the snapshot being browsed to a new file in dir.
func exportCmd(snap *snapshot.Snapshot, dir string) tea.Cmd {
	return func() tea.Msg {
		if snap == nil {
			return statusMsg{"nothing to export yet", true}
		}
		name, err := writeNew(dir, "keyhound-snapshot", ".json", func(w io.Writer) error {
			return snapshot.Write(w, snap, false)
		})
		if err != nil {
			return statusMsg{"export the snapshot: " + err.Error(), true}
		}
		return statusMsg{"exported the snapshot to " + name, false}
	}
}

// writeNew writes a file in dir ("" is the working directory) atomically
// and with mode 0600 (internal/atomicfile), under the first free name of
// base+ext, base-1+ext, base-2+ext…: it never replaces a file. It returns
// the name written.
func writeNew(dir, base, ext string, write func(io.Writer) error) (string, error) {
	if dir == "" {
		dir = "."
	}
	f, err := atomicfile.CreateIn(dir)
	if err != nil {
		return "", fmt.Errorf("create in %s: %w", dir, err)
	}
	defer f.Abort()
	if err := write(f); err != nil {
		return "", err
	}
	for i := 0; i <= 1000; i++ {
		name := base + ext
		if i > 0 {
			name = fmt.Sprintf("%s-%d%s", base, i, ext)
		}
		path := filepath.Join(dir, name)
		err := f.CommitNew(path)
		if err == nil {
			return path, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("%s%s: no free name up to %s-1000%s", base, ext, base, ext)
}

// fileSafe makes a label a file name: letters, digits, ".", "_" and "-";
// anything else becomes "-".
func fileSafe(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '-'
	}, s)
	s = strings.Trim(s, "-.")
	if s == "" {
		return "export"
	}
	return s
}
