package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/ui"
)

// keyhound tui --help and docs/cli.md name the tabs the TUI's tab bar
// shows, in its order (issue #14: help agrees with the tab bar).
func TestTUIHelpNamesTheTabBar(t *testing.T) {
	_, out, _ := runCLI(t, "", "tui", "--help")
	doc, err := os.ReadFile("../../docs/cli.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `1`–`5`.*$").FindString(string(doc))
	for where, text := range map[string]string{"tui --help": strings.Join(strings.Fields(out), " "), "docs/cli.md": row} {
		at := -1
		for _, name := range ui.SectionNames() {
			i := strings.Index(text, name)
			if i < 0 || i < at {
				t.Errorf("%s: %q missing or out of the tab bar's order: %q", where, name, text)
			}
			at = i
		}
	}
}
