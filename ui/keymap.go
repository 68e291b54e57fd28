package ui

import "charm.land/bubbles/v2/key"

// KeyMap holds every key binding; screens show the ones they use.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Enter, Back, NextTab, PrevTab           key.Binding
	Filter, ClearFilter, Sort               key.Binding
	Jump, Copy, Export, Help, Quit          key.Binding
	Keys, Principals, Resources, Findings   key.Binding
	Scan, Denied, Diff                      key.Binding
	NextStatement, PrevStatement            key.Binding
	NextStep, PrevStep                      key.Binding
	Cancel                                  key.Binding
}

// DefaultKeyMap returns keyhound's key bindings.
func DefaultKeyMap() KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Up:            b("↑/k", "up", "up", "k"),
		Down:          b("↓/j", "down", "down", "j"),
		PageUp:        b("pgup", "page up", "pgup", "ctrl+b"),
		PageDown:      b("pgdn", "page down", "pgdown", "ctrl+f", "space"),
		Top:           b("g", "top", "g", "home"),
		Bottom:        b("G", "bottom", "G", "end"),
		Enter:         b("enter", "open", "enter"),
		Back:          b("esc", "back", "esc"),
		NextTab:       b("tab", "next tab", "tab"),
		PrevTab:       b("shift+tab", "previous tab", "shift+tab"),
		Filter:        b("/", "filter", "/"),
		ClearFilter:   b("esc", "clear filter", "esc"),
		Sort:          b("s", "sort/reverse", "s"),
		Jump:          b(":", "jump to any name", ":"),
		Copy:          b("y", "copy ARN", "y"),
		Export:        b("e", "export", "e"),
		Help:          b("?", "help", "?"),
		Quit:          b("q", "quit", "q", "ctrl+c"),
		Keys:          b("1", "keys", "1"),
		Principals:    b("2", "principals", "2"),
		Resources:     b("3", "resources", "3"),
		Findings:      b("4", "findings", "4"),
		Denied:        b("5", "access denied: paste an error", "5"),
		Scan:          b("6", "scan", "6"),
		Diff:          b("7", "diff", "7"),
		NextStatement: b("]", "next statement", "]", "n"),
		PrevStatement: b("[", "previous statement", "[", "p"),
		Cancel:        b("ctrl+x", "cancel scan", "ctrl+x"),
		NextStep:      b("]", "next step", "]", "n"),
		PrevStep:      b("[", "previous step", "[", "p"),
	}
}
