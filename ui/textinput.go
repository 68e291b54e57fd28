package ui

import (
	"unicode"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// updateInput passes a message to a text input: every input of the TUI
// goes through it.
//
// It deletes the word after the cursor itself (alt+d, ctrl+delete,
// alt+delete: the input's KeyMap.DeleteWordForward): bubbles v2.2.1's
// textinput (deleteWordForward) moves the cursor one rune right, then reads
// value[pos], out of range when the cursor was on the last rune, and panics.
// Only bubbles v2.2.1 is approved, so the key never reaches it.
func updateInput(in *textinput.Model, msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok && in.Focused() && key.Matches(k, in.KeyMap.DeleteWordForward) {
		deleteWordForward(in)
		return nil
	}
	var cmd tea.Cmd
	*in, cmd = in.Update(msg)
	return cmd
}

// deleteWordForward deletes from the cursor to the end of the next word:
// the spaces after the cursor, then the non-spaces after them, as bubbles'
// textinput means to. A masked input loses everything after the cursor, so
// as not to reveal where its words break (bubbles does the same).
func deleteWordForward(in *textinput.Model) {
	v := []rune(in.Value())
	pos := in.Position()
	if pos >= len(v) {
		return
	}
	end := len(v)
	if in.EchoMode == textinput.EchoNormal {
		end = pos
		for end < len(v) && unicode.IsSpace(v[end]) {
			end++
		}
		for end < len(v) && !unicode.IsSpace(v[end]) {
			end++
		}
	}
	in.SetValue(string(v[:pos]) + string(v[end:]))
	in.SetCursor(pos)
}
