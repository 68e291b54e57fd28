package ui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
)

// deleteWordForwardKeys are the keys bubbles' textinput binds to "delete the
// word after the cursor" (KeyMap.DeleteWordForward): alt+d, ctrl+delete and
// alt+delete.
var deleteWordForwardKeys = map[string]tea.KeyPressMsg{
	"alt+d":       {Code: 'd', Mod: tea.ModAlt},
	"ctrl+delete": {Code: tea.KeyDelete, Mod: tea.ModCtrl},
	"alt+delete":  {Code: tea.KeyDelete, Mod: tea.ModAlt},
}

// textInputs are every text input of the TUI: how to open it over the demo,
// and its value.
var textInputs = []struct {
	name  string
	open  string
	value func(m *Model) string
}{
	{"jump", ":", func(m *Model) string { return m.jump.Value() }},
	{"keys-filter", "/", func(m *Model) string { return m.top().(*keysScreen).input.Value() }},
	{"principals-filter", "2 /", func(m *Model) string { return m.top().(*principalsScreen).input.Value() }},
	{"key-detail-filter", "enter /", func(m *Model) string {
		s := m.top().(*keyScreen)
		return s.lists[s.tab].input.Value()
	}},
	{"access-denied", "5", func(m *Model) string { return m.top().(*deniedScreen).input.Value() }},
}

// alt+d and ctrl+delete delete the word after the cursor in every text
// input, wherever the cursor is: bubbles v2.2.1's textinput indexes past its
// value when the cursor is on the last character (deleteWordForward moves
// the cursor, then reads value[pos]), and panicked.
func TestDeleteWordForwardInEveryInput(t *testing.T) {
	cases := []struct {
		name  string
		typed string
		left  int // cursor moves left from the end
		want  string
	}{
		{"empty", "", 0, ""},
		{"at the end", "abc def", 0, "abc def"},
		{"on the last character", "abc def", 1, "abc de"},
		{"on the last word", "abc def", 3, "abc "},
		{"on the space", "abc def", 4, "abc"},
		{"at the start", "abc def", 7, " def"},
		{"spaces to the end", "abc   ", 3, "abc"},
		{"one character", "a", 1, ""},
		{"wide runes", "ab 日本", 1, "ab 日"},
	}
	for _, in := range textInputs {
		for kname, k := range deleteWordForwardKeys {
			for _, tc := range cases {
				t.Run(in.name+"/"+kname+"/"+tc.name, func(t *testing.T) {
					d := newDriver(t, 100, 30)
					d.keys(in.open)
					for _, r := range tc.typed {
						d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
					}
					for range tc.left {
						d.send(tea.KeyPressMsg{Code: tea.KeyLeft})
					}
					if got := in.value(d.m); got != tc.typed {
						t.Fatalf("typed %q, the input holds %q", tc.typed, got)
					}
					d.send(k)
					if got := in.value(d.m); got != tc.want {
						t.Errorf("%s: %q, want %q", kname, got, tc.want)
					}
					_ = d.m.Render()
				})
			}
		}
	}
}
