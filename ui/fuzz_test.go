package ui

import (
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// fuzzKeys are the named keys the fuzzer presses: moving, paging, tabs,
// the global keys, and the text inputs' editing keys with their ctrl and
// alt combinations (alt+d and ctrl+delete among them). q and ctrl+c are
// left out (the model then only quits), and so is e: it exports the
// snapshot to a file, disk I/O on every other sequence.
var fuzzKeys = func() []struct {
	name string
	msg  tea.KeyPressMsg
} {
	type k = tea.KeyPressMsg
	keys := []struct {
		name string
		msg  tea.KeyPressMsg
	}{
		{"enter", k{Code: tea.KeyEnter}},
		{"esc", k{Code: tea.KeyEscape}},
		{"tab", k{Code: tea.KeyTab}},
		{"shift+tab", k{Code: tea.KeyTab, Mod: tea.ModShift}},
		{"up", k{Code: tea.KeyUp}},
		{"down", k{Code: tea.KeyDown}},
		{"left", k{Code: tea.KeyLeft}},
		{"right", k{Code: tea.KeyRight}},
		{"home", k{Code: tea.KeyHome}},
		{"end", k{Code: tea.KeyEnd}},
		{"pgup", k{Code: tea.KeyPgUp}},
		{"pgdown", k{Code: tea.KeyPgDown}},
		{"backspace", k{Code: tea.KeyBackspace}},
		{"delete", k{Code: tea.KeyDelete}},
		{"space", k{Code: tea.KeySpace, Text: " "}},
		{"ctrl+delete", k{Code: tea.KeyDelete, Mod: tea.ModCtrl}},
		{"alt+delete", k{Code: tea.KeyDelete, Mod: tea.ModAlt}},
		{"ctrl+backspace", k{Code: tea.KeyBackspace, Mod: tea.ModCtrl}},
		{"alt+backspace", k{Code: tea.KeyBackspace, Mod: tea.ModAlt}},
		{"ctrl+left", k{Code: tea.KeyLeft, Mod: tea.ModCtrl}},
		{"ctrl+right", k{Code: tea.KeyRight, Mod: tea.ModCtrl}},
		{"alt+left", k{Code: tea.KeyLeft, Mod: tea.ModAlt}},
		{"alt+right", k{Code: tea.KeyRight, Mod: tea.ModAlt}},
	}
	for _, r := range "abdfhkuwx" {
		keys = append(keys, struct {
			name string
			msg  tea.KeyPressMsg
		}{"ctrl+" + string(r), k{Code: r, Mod: tea.ModCtrl}})
	}
	for _, r := range "bdf" {
		keys = append(keys, struct {
			name string
			msg  tea.KeyPressMsg
		}{"alt+" + string(r), k{Code: r, Mod: tea.ModAlt}})
	}
	return keys
}()

// fuzzText are the printable keys the fuzzer types: the section numbers,
// the global and list keys, letters for filters (neither e nor q, see
// fuzzKeys) and the characters of ARNs.
const fuzzText = "0123456789/:?[]gGjknpsiyabcdlrtuvx ABCDRS*-_.@"

// fuzzPastes are pasted whole, as an on-call engineer would: a key ARN, an
// alias, a principal, an AccessDenied message, and text that is none.
var fuzzPastes = []string{
	"arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001",
	"alias/reports",
	"arn:aws:iam::222222222222:user/dilip",
	"arn:aws:s3:::kh-demo-legacy-exports",
	"User: arn:aws:iam::444444444444:role/Tinkerer is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001 with an explicit deny in a service control policy",
	"User: *** is not authorized to perform: kms:Decrypt on the resource associated with this ciphertext because no identity-based policy allows the kms:Decrypt action",
	"line one\nline\ttwo 日本語 \x1b[31m",
}

// maxFuzzMsgs bounds a sequence, so that a long input stays quick.
const maxFuzzMsgs = 300

// fuzzMsgs decodes bytes into messages: each message is an opcode byte and
// its operands (a missing operand reads as 0).
func fuzzMsgs(data []byte) []tea.Msg {
	i := 0
	next := func() int {
		if i >= len(data) {
			return 0
		}
		i++
		return int(data[i-1])
	}
	var out []tea.Msg
	for i < len(data) && len(out) < maxFuzzMsgs {
		switch op := next(); op % 16 {
		case 0, 1, 2, 3, 4, 5:
			out = append(out, fuzzKeys[next()%len(fuzzKeys)].msg)
		case 6, 7, 8, 9:
			r := rune(fuzzText[next()%len(fuzzText)])
			out = append(out, tea.KeyPressMsg{Code: r, Text: string(r)})
		case 10:
			m := tea.Mouse{X: next(), Y: next(), Button: tea.MouseButton(next() % 12)}
			if op&0x10 != 0 {
				out = append(out, tea.MouseReleaseMsg(m))
			} else {
				out = append(out, tea.MouseClickMsg(m))
			}
		case 11:
			m := tea.Mouse{X: next(), Y: next(), Button: tea.MouseWheelUp}
			if op&0x10 != 0 {
				m.Button = tea.MouseWheelDown
			}
			out = append(out, tea.MouseWheelMsg(m))
		case 12:
			if n := next(); n < len(fuzzPastes) {
				out = append(out, tea.PasteMsg{Content: fuzzPastes[n]})
			} else {
				n = min(n%64, len(data)-i)
				out = append(out, tea.PasteMsg{Content: string(data[i : i+n])})
				i += n
			}
		case 13:
			out = append(out, tea.WindowSizeMsg{Width: next() % 16, Height: next() % 12})
		case 14:
			out = append(out, tea.WindowSizeMsg{Width: next() + 1, Height: next()%80 + 1})
		case 15:
			// Enter and back out: the fuzzer reaches the screens under
			// the lists more often.
			out = append(out, tea.KeyPressMsg{Code: tea.KeyEnter})
		}
	}
	return out
}

// fuzzSeq encodes a readable sequence for the seed corpus: named keys
// ("alt+d"), "t:" text typed, "p:N" the Nth of fuzzPastes, "r:WxH" a
// resize.
func fuzzSeq(items ...string) []byte {
	var b []byte
	for _, it := range items {
		switch {
		case strings.HasPrefix(it, "t:"):
			for _, r := range it[2:] {
				j := strings.IndexRune(fuzzText, r)
				if j < 0 {
					panic("fuzzSeq: cannot type " + string(r))
				}
				b = append(b, 6, byte(j))
			}
		case strings.HasPrefix(it, "p:"):
			n, _ := strconv.Atoi(it[2:])
			b = append(b, 12, byte(n))
		case strings.HasPrefix(it, "r:"):
			var w, h int
			if _, err := fmt.Sscanf(it[2:], "%dx%d", &w, &h); err != nil || w > 15 || h > 11 {
				panic("fuzzSeq: bad small size " + it)
			}
			b = append(b, 13, byte(w), byte(h))
		default:
			j := -1
			for n, k := range fuzzKeys {
				if k.name == it {
					j = n
				}
			}
			if j < 0 {
				panic("fuzzSeq: no key " + it)
			}
			b = append(b, 0, byte(j))
		}
	}
	return b
}

// fuzzSeeds are sequences that once panicked, and walks through each view.
var fuzzSeeds = [][]byte{
	// alt+d with the cursor on the last character of the filter.
	fuzzSeq("t:/ab", "left", "alt+d", "ctrl+delete"),
	// : on a terminal 3 columns wide.
	fuzzSeq("r:3x1", "t::", "r:1x1", "esc"),
	// Jump to a key, through its tabs, into a trace.
	fuzzSeq("t::", "p:0", "enter", "tab", "tab", "tab", "t:]]", "tab", "shift+tab", "shift+tab", "shift+tab", "shift+tab", "enter", "r:5x3", "esc"),
	// The AccessDenied view: a message, the questions it asks, tiny sizes.
	fuzzSeq("t:5", "p:5", "enter", "p:2", "enter", "p:3", "enter", "r:1x1", "esc", "down", "pgdown", "r:12x4", "t:/", "alt+d"),
	// A finding's detail, to its key, the key's grants, a grant's detail,
	// to the grantee, over small sizes.
	fuzzSeq("t:4", "enter", "r:6x4", "t:G", "enter", "tab", "tab", "enter", "t:jG", "enter", "esc", "esc", "r:1x1", "esc"),
	// The diff, the principals and resources, the help, over small sizes.
	append(fuzzSeq("t:7", "enter", "esc", "t:2", "enter", "tab", "t:3", "enter", "t:?", "r:4x2", "t:?", "t:4s"),
		11, 3, 4, 0x1b, 9, 9, 14, 199, 60, 10, 2, 3, 0),
}

// runFuzzSeq applies the messages to a fresh model over the demo, settling
// the commands each returns and rendering after each, and fails with the
// sequence when one panics.
func runFuzzSeq(t *testing.T, data []byte) {
	t.Helper()
	msgs := fuzzMsgs(data)
	step := -1
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("panic at message %d of %d: %v\nmessages: %#v\ninput: %q\n%s", step, len(msgs), r, msgs[:step+1], data, debug.Stack())
		}
	}()
	budget := 10000
	settle := func(m *Model, msg tea.Msg) {
		queue := []tea.Msg{msg}
		for len(queue) > 0 {
			if budget--; budget < 0 {
				t.Fatalf("commands do not settle; input %q", data)
			}
			msg := queue[0]
			queue = queue[1:]
			switch msg := msg.(type) {
			case nil:
				continue
			case tea.BatchMsg:
				for _, c := range msg {
					if c != nil {
						queue = append(queue, c())
					}
				}
				continue
			}
			_, cmd := m.Update(msg)
			if cmd != nil {
				queue = append(queue, cmd())
			}
		}
	}
	m := newFullModel(40, 10, false, settle)
	for i, msg := range msgs {
		step = i
		settle(m, msg)
		m.View()
	}
}

// FuzzUpdate drives the whole Update loop with any sequence of key
// presses, mouse clicks and wheel, pastes and resizes: no panic. The seed
// corpus runs with go test (make test); make fuzz explores.
func FuzzUpdate(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(runFuzzSeq)
}

// The fuzzer's generator over pseudo-random sequences with fixed seeds,
// so that every go test explores beyond the seed corpus: no panic.
func TestUpdateRandomSequences(t *testing.T) {
	n := 2000
	if testing.Short() || raceEnabled {
		n = 200
	}
	r := rand.New(rand.NewPCG(14, 2026))
	buf := make([]byte, 112)
	for range n {
		b := buf[:r.IntN(len(buf))]
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		runFuzzSeq(t, b)
	}
}
