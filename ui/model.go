// Package ui is keyhound's terminal UI (Bubble Tea v2): browse keys,
// principals, resources and findings, see who can decrypt and why, watch a
// scan. It reads the access graph (package graph) and scan events (package
// scanner); neither knows about it.
//
// The root Model keeps one screen per section (Keys, Principals, Resources,
// Findings, Scan) and a stack of screens opened from it: the breadcrumb.
// Key presses go to the top screen unless they are global; evaluations run
// in tea.Cmds and come back as messages, so Update never blocks.
package ui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/ui/styles"
)

// section is a top-level view.
type section int

const (
	secKeys section = iota
	secPrincipals
	secResources
	secFindings
	secDenied
	secScan
	secDiff
	numSections
)

var sectionNames = [numSections]string{"Keys", "Principals", "Resources", "Findings", "Access denied", "Scan", "Diff"}

// SectionNames are the tab bar's sections in order (keys 1–7), for help
// texts that must agree with it.
func SectionNames() []string { return sectionNames[:] }

// Model is the root model of the TUI.
type Model struct {
	c        *Common
	sections [numSections]screen
	sec      section
	stack    []screen // stack[0] is sections[sec]
	width    int
	height   int
	help     help.Model
	showHelp bool
	jumping  bool
	jump     textinput.Model
	jumpm    jumpMatcher // the completions of jump (jump.go)
	picker   *exportPicker
	status   string
	notices  []string // the load's warnings, for the status line it opens with
	opened   openedStatus
	isErr    bool
	findings *findingsMsg
	scan     *scanScreen
	diff     *diffScreen
	quitting bool
	// load is the load in progress (WithLoader); loadErr the error that
	// ended one.
	load    *loadState
	loadErr error
	// spin turns while something on screen is being computed; spinning
	// says a tick is on its way.
	spin     spinner.Model
	spinning bool
}

// Option configures a Model.
type Option func(*Model)

// WithEscalation adds the escalation findings (graph/escalation) to the
// Findings: who can make themselves able to use a key. They take a search
// per key, minutes of CPU on a large organization.
func WithEscalation() Option {
	return func(m *Model) { m.c.escalation = true }
}

// WithScan shows a live scan in the Scan section; the other views are
// rebuilt from its snapshot when it ends.
func WithScan(sc *ScanSource) Option {
	return func(m *Model) { m.scan = newScanScreen(m.c, sc) }
}

// New returns the TUI over a graph built from snap; source names where it
// came from ("demo", a file name).
func New(g *graph.Graph, snap *snapshot.Snapshot, source string, opts ...Option) *Model {
	c := &Common{Graph: g, Snapshot: snap, Styles: styles.DefaultStyles(true), Keys: DefaultKeyMap(), Source: source}
	jump := textinput.New()
	jump.Prompt = ": "
	jump.Placeholder = "any name: key, alias, principal, role, bucket, account, ARN…"
	steadyCursor(&jump)
	m := &Model{c: c, help: help.New(), jump: jump, spin: spinner.New(spinner.WithSpinner(spinner.MiniDot))}
	c.spinFrame = m.spin.View()
	for _, o := range opts {
		o(m)
	}
	m.buildSections()
	if m.scan != nil {
		m.sec = secScan
		m.stack = []screen{m.sections[secScan]}
	}
	if m.diff != nil {
		m.sec = secDiff
		m.stack = []screen{m.sections[secDiff]}
	}
	return m
}

func (m *Model) buildSections() {
	var byRes map[string]int
	if m.findings != nil {
		byRes = m.findings.byResource
	}
	// Principals and Resources are built when first shown: a large
	// organization has far more of them than keys.
	m.sections[secKeys] = newKeysScreen(m.c, byRes)
	m.sections[secPrincipals], m.sections[secResources], m.sections[secDenied] = nil, nil, nil
	m.sections[secFindings] = newFindingsScreen(m.c)
	if m.findings != nil {
		m.sections[secFindings].Update(*m.findings)
	}
	if m.scan != nil {
		m.sections[secScan] = m.scan
	}
	if m.diff != nil {
		m.sections[secDiff] = m.diff
	}
	if m.sections[m.sec] == nil {
		m.sections[m.sec] = m.lazySection(m.sec)
	}
	if m.sections[m.sec] == nil {
		m.sec = secKeys
	}
	m.stack = []screen{m.sections[m.sec]}
}

// lazySection builds the sections built on first use; nil for the others.
func (m *Model) lazySection(s section) screen {
	switch s {
	case secPrincipals:
		return newPrincipalsScreen(m.c)
	case secResources:
		return newResourcesScreen(m.c)
	case secDenied:
		if m.c.usage != nil {
			return newDenialsScreen(m.c) // the CloudTrail denial groups
		}
		return newDeniedScreen(m.c)
	}
	return nil
}

// Init requests the background colour and starts the background work: who
// can decrypt each key, the findings, a scan.
func (m *Model) Init() tea.Cmd {
	if m.load != nil {
		// The sections are empty until the graph is built; their work
		// starts then (graphMsg).
		m.spinning = true
		return tea.Batch(tea.RequestBackgroundColor, m.load.start(), m.spin.Tick)
	}
	cmds := []tea.Cmd{tea.RequestBackgroundColor, findingsCmd(m.c.Graph, m.c.escalation)}
	for _, s := range m.sections {
		if s != nil {
			cmds = append(cmds, s.Init())
		}
	}
	return tea.Batch(cmds...)
}

func (m *Model) top() screen { return m.stack[len(m.stack)-1] }
