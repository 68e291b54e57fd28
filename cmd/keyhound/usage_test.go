package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

const trailFixtures = "../../cloudtrail/testdata/"

// TestUsageGolden: `keyhound usage` and `denied --cloudtrail` on the demo
// fixture, text and JSON.
func TestUsageGolden(t *testing.T) {
	cases := []struct {
		name string
		args []string
	}{
		{"usage-demo.txt", []string{"usage", "--snapshot", "@demo", "--cloudtrail", trailFixtures + "AWSLogs"}},
		{"usage-demo-november.txt", []string{"usage", "--snapshot", "@demo", "--cloudtrail", trailFixtures + "demo-trail.json", "--since", "2026-11-01", "--until", "2026-12-01"}},
		{"denied-cloudtrail.txt", []string{"denied", "--snapshot", "@demo", "--cloudtrail", trailFixtures + "demo-lake.json"}},
		// Every section cut to 2 entries, each saying how many it left out.
		{"usage-demo-limit.txt", []string{"usage", "--snapshot", "@demo", "--cloudtrail", trailFixtures + "AWSLogs", "--limit", "2"}},
		{"usage-demo-all.txt", []string{"usage", "--snapshot", "@demo", "--cloudtrail", trailFixtures + "AWSLogs", "--limit", "0"}},
		{"denied-cloudtrail-limit.txt", []string{"denied", "--snapshot", "@demo", "--cloudtrail", trailFixtures + "demo-lake.json", "--limit", "2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", tc.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			golden(t, tc.name, out)
		})
	}
}

func TestUsageJSON(t *testing.T) {
	code, out, errOut := runCLI(t, "", "usage", "--snapshot", "@demo", "--cloudtrail", trailFixtures+"demo-records.jsonl", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r struct {
		Stats        struct{ Events int }
		Uses         []json.RawMessage
		Unused       []json.RawMessage
		UnusedGrants []struct{ Name string } `json:"unused_grants"`
		Unexplained  []struct {
			Principal string
			Uses      int
			Answer    struct{ Decision string }
		}
		Denials []struct{ Count int }
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Stats.Events != 19 || len(r.Uses) != 8 || len(r.Unused) == 0 || len(r.UnusedGrants) != 1 || len(r.Unexplained) != 1 ||
		r.Unexplained[0].Uses != 1 || r.Unexplained[0].Answer.Decision != "DENY" || len(r.Denials) != 5 || r.Denials[0].Count != 3 {
		t.Errorf("usage --json: %+v", r)
	}
	// --json lists everything unless --limit is given.
	code, out, errOut = runCLI(t, "", "usage", "--snapshot", "@demo", "--cloudtrail", trailFixtures+"demo-records.jsonl", "--json", "--limit", "2")
	if err := json.Unmarshal([]byte(out), &r); code != 0 || err != nil || len(r.Uses) != 2 || len(r.Unused) != 2 || r.Stats.Events != 19 {
		t.Errorf("usage --json --limit 2: exit %d %s %v %+v", code, errOut, err, r)
	}
	code, out, errOut = runCLI(t, "", "denied", "--snapshot", "@demo", "--cloudtrail", trailFixtures+"demo-trail.json", "--json")
	if code != 0 || !strings.Contains(out, `"groups"`) || !strings.Contains(out, `"layer": "scp"`) {
		t.Errorf("denied --cloudtrail --json: exit %d %s %s", code, errOut, out)
	}
}

func TestUsageBadInput(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--cloudtrail", "testdata/none.json"}, "no such file"},
		{[]string{"--cloudtrail", trailFixtures + "gen.py"}, "gen.py: byte 0, $: not CloudTrail events"},
		{[]string{"--cloudtrail", trailFixtures + "AWSLogs", "--since", "yesterday"}, `--since: "yesterday" is not a date`},
		{[]string{"--cloudtrail", trailFixtures + "AWSLogs", "--since", "30d", "--unused-for", "90d"}, "not both"},
		{[]string{"--cloudtrail", trailFixtures + "AWSLogs", "--since", "2026-12-01", "--until", "2026-11-01"}, "the window is empty"},
	}
	for _, c := range cases {
		code, _, errOut := runCLI(t, "", append([]string{"usage", "--snapshot", "@demo"}, c.args...)...)
		if code != exitBadInput || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, %q; want 3 and %q", c.args, code, errOut, c.want)
		}
	}
}

func TestWindow(t *testing.T) {
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	o, err := window("", "2026-12-01", "90d", now)
	if err != nil || !o.Since.Equal(time.Date(2026, 9, 2, 0, 0, 0, 0, time.UTC)) || !o.Until.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("--until 2026-12-01 --unused-for 90d: %+v %v", o, err)
	}
	o, err = window("12h", "", "", now)
	if err != nil || !o.Since.Equal(now.Add(-12*time.Hour)) || !o.Until.IsZero() {
		t.Errorf("--since 12h: %+v %v", o, err)
	}
}

// TestUsageDemo: --cloudtrail @demo is the fixture, and the tour's promise
// holds: one grant never used, one use the snapshot cannot explain.
func TestUsageDemo(t *testing.T) {
	_, demoOut, _ := runCLI(t, "", "usage", "--snapshot", "@demo", "--cloudtrail", "@demo")
	_, treeOut, _ := runCLI(t, "", "usage", "--snapshot", "@demo", "--cloudtrail", trailFixtures+"AWSLogs")
	if demoOut != treeOut {
		t.Errorf("@demo and the fixture tree differ:\n%s\n---\n%s", demoOut, treeOut)
	}
	for _, want := range []string{"grants never used: 1 ", "used but not explained by the snapshot: 1 use in 1 group"} {
		if !strings.Contains(demoOut, want) {
			t.Errorf("the demo's usage lacks %q", want)
		}
	}
}
