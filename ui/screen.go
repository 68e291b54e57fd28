package ui

import (
	"strconv"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// screen is one view of the TUI: a list of keys, a key's detail, a trace…
// The root model keeps a stack of them (the breadcrumb) and sends key
// presses to the top one.
type screen interface {
	// Init starts the screen's background work (evaluations).
	Init() tea.Cmd
	Update(msg tea.Msg) (screen, tea.Cmd)
	View() string
	SetSize(w, h int)
	// Crumb is the screen's name in the breadcrumb.
	Crumb() string
	// ShortHelp and FullHelp are the screen's own key bindings.
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
	// Capturing reports whether a text input has the keyboard: global keys
	// then go to it.
	Capturing() bool
	// Selected is the ARN (or other ID) under the cursor, for y.
	Selected() string
}

// pushMsg asks the root to open a screen on top of the current one.
type pushMsg struct{ s screen }

func push(s screen) tea.Cmd { return func() tea.Msg { return pushMsg{s} } }

// statusMsg shows a message in the status line.
type statusMsg struct {
	text string
	err  bool
}

func status(text string, err bool) tea.Cmd {
	return func() tea.Msg { return statusMsg{text, err} }
}

// listView is the part of a screen that browses a list: moving, paging,
// filtering as you type, sorting, the mouse wheel.
type listView struct {
	c         *Common
	l         *list
	input     textinput.Model
	filtering bool
}

func newListView(c *Common, cols []column, empty string) listView {
	in := textinput.New()
	in.Prompt = "/"
	in.Placeholder = "filter: alias, ARN, account, tag…"
	steadyCursor(&in)
	return listView{c: c, l: newList(c, cols, empty), input: in}
}

// update handles list keys; handled is false for keys the screen handles.
func (v *listView) update(msg tea.Msg) (cmd tea.Cmd, handled bool) {
	k := v.c.Keys
	switch msg := msg.(type) {
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			v.l.Move(-3)
		case tea.MouseWheelDown:
			v.l.Move(3)
		}
		return nil, true
	case tea.PasteMsg:
		if v.filtering {
			cmd := updateInput(&v.input, msg)
			v.l.SetFilter(v.input.Value())
			return cmd, true
		}
	case tea.KeyPressMsg:
		if v.filtering {
			switch msg.String() {
			case "enter", "tab", "shift+tab":
				v.filtering = false
				v.input.Blur()
			case "esc":
				v.filtering = false
				v.input.Blur()
				v.input.SetValue("")
				v.l.SetFilter("")
			case "up", "down":
				v.filtering = false
				v.input.Blur()
				return v.update(msg)
			default:
				cmd := updateInput(&v.input, msg)
				v.l.SetFilter(v.input.Value())
				return cmd, true
			}
			return nil, true
		}
		switch {
		case key.Matches(msg, k.Up):
			v.l.Move(-1)
		case key.Matches(msg, k.Down):
			v.l.Move(1)
		case key.Matches(msg, k.PageUp):
			v.l.Move(-v.l.Page())
		case key.Matches(msg, k.PageDown):
			v.l.Move(v.l.Page())
		case key.Matches(msg, k.Top):
			v.l.Top()
		case key.Matches(msg, k.Bottom):
			v.l.Bottom()
		case key.Matches(msg, k.Filter):
			v.filtering = true
			return v.input.Focus(), true
		case key.Matches(msg, k.Sort):
			v.l.CycleSort()
		case v.input.Value() != "" && key.Matches(msg, k.ClearFilter):
			v.input.SetValue("")
			v.l.SetFilter("")
		default:
			return nil, false
		}
		return nil, true
	}
	return nil, false
}

// filterLine is the filter input, or the count of rows shown.
func (v *listView) filterLine() string {
	s := v.c.Styles
	shown, all := v.l.Len()
	count := s.Muted.Render(strconv.Itoa(shown) + " of " + strconv.Itoa(all))
	if v.filtering || v.input.Value() != "" {
		return v.input.View() + "  " + count
	}
	return count + s.Muted.Render("  (/ to filter)")
}

func (v *listView) helpBindings() []key.Binding {
	k := v.c.Keys
	if v.filtering {
		return []key.Binding{
			key.NewBinding(key.WithKeys("enter", "tab", "shift+tab"), key.WithHelp("enter/tab", "keep filter")),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear")),
		}
	}
	return []key.Binding{k.Up, k.Down, k.Enter, k.Filter, k.Sort}
}

// steadyCursor turns the input's cursor blink off: nothing redraws on a
// timer, and the screen is the same between key presses.
func steadyCursor(in *textinput.Model) {
	in.SetVirtualCursor(true)
	st := in.Styles()
	st.Cursor.Blink = false
	in.SetStyles(st)
}
