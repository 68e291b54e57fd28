package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/keyhound/keyhound/cloudtrail"
	"github.com/keyhound/keyhound/ui"
)

// TestLoadUsageReportsTheEvents: tui --cloudtrail reads the events behind
// the loading frame, counting them, and joins them as keyhound usage does.
func TestLoadUsageReportsTheEvents(t *testing.T) {
	g, err := loadGraph(demoName, nil)
	if err != nil {
		t.Fatal(err)
	}
	var stages []string
	last := map[string]ui.LoadProgress{}
	r, err := loadUsage(context.Background(), g, cloudtrail.Demo, cloudtrail.Options{}, nil, func(p ui.LoadProgress) {
		if len(stages) == 0 || stages[len(stages)-1] != p.Stage {
			stages = append(stages, p.Stage)
		}
		last[p.Stage] = p
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(stages) != 2 || stages[0] != trailStage {
		t.Errorf("stages %q", stages)
	}
	if p := last[trailStage]; p.Done != int64(r.Stats.Events) || p.Unit != "events" || p.Done == 0 {
		t.Errorf("reading ended at %+v, want %d events", p, r.Stats.Events)
	}
	if len(r.Uses) == 0 || len(r.Denials) == 0 {
		t.Errorf("no uses or denials: %+v", r.Stats)
	}
	if _, err := loadUsage(context.Background(), g, t.TempDir()+"/missing", cloudtrail.Options{}, nil, func(ui.LoadProgress) {}); err == nil {
		t.Error("a missing path reads")
	}
}

// TestExportCloudTrail: export --cloudtrail puts uses and last_used on the
// access edges, from the same join as keyhound usage; a bad path exits 3.
func TestExportCloudTrail(t *testing.T) {
	code, out, errOut := runCLI(t, "", "export", "--snapshot", "@demo", "--format", "json", "--cloudtrail", "@demo")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Edges []struct {
			From, To, Kind, Action string
			Uses                   *int   `json:"uses"`
			LastUsed               string `json:"last_used"`
		} `json:"edges"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range doc.Edges {
		if (e.Kind == "can-use-key" || e.Kind == "can-read") != (e.Uses != nil) {
			t.Errorf("%s %s → %s: uses %v", e.Kind, e.From, e.To, e.Uses)
		}
		if e.Kind == "can-use-key" && e.From == "arn:aws:iam::222222222222:user/dilip" && e.To == "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001" {
			found = true
			if *e.Uses != 2 || e.LastUsed != "2026-11-20T09:30:00Z" {
				t.Errorf("dilip's Decrypt on alias/reports: uses %d, last %q", *e.Uses, e.LastUsed)
			}
		}
	}
	if !found {
		t.Error("no can-use-key edge for dilip on alias/reports")
	}
	if code, _, _ := runCLI(t, "", "export", "--snapshot", "@demo", "--cloudtrail", filepath.Join(t.TempDir(), "missing")); code != exitBadInput {
		t.Errorf("a missing --cloudtrail exits %d, want %d", code, exitBadInput)
	}
}

// TestCloudTrailWindowInTUIAndExport: tui and export read the events in
// --since/--until as keyhound usage does — dilip's November 20 call is left
// out before November 15 — and a bad window exits 3 before any reading.
func TestCloudTrailWindowInTUIAndExport(t *testing.T) {
	g, err := loadGraph(demoName, nil)
	if err != nil {
		t.Fatal(err)
	}
	all, err := loadUsage(context.Background(), g, cloudtrail.Demo, cloudtrail.Options{}, nil, func(ui.LoadProgress) {})
	if err != nil {
		t.Fatal(err)
	}
	w, err := window("", "2026-11-15", "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	early, err := loadUsage(context.Background(), g, cloudtrail.Demo, w, nil, func(ui.LoadProgress) {})
	if err != nil {
		t.Fatal(err)
	}
	if early.Stats.Events == 0 || early.Stats.Events >= all.Stats.Events {
		t.Errorf("events before 15 November: %d of %d", early.Stats.Events, all.Stats.Events)
	}
	code, out, _ := runCLI(t, "", "export", "--snapshot", "@demo", "--format", "json", "--cloudtrail", "@demo", "--until", "2026-11-15")
	if code != 0 || !strings.Contains(out, `"last_used"`) || strings.Contains(out, "2026-11-20T09:30:00Z") {
		t.Errorf("export --until 2026-11-15: exit %d, a November 20 use: %v", code, strings.Contains(out, "2026-11-20T09:30:00Z"))
	}
	if code, _, errOut := runCLI(t, "", "export", "--snapshot", "@demo", "--format", "json", "--cloudtrail", "@demo", "--since", "someday"); code != exitBadInput || !strings.Contains(errOut, "--since") {
		t.Errorf("a bad --since: exit %d: %s", code, errOut)
	}
}

// TestTrailWindowUnusedFor: tui and export take --unused-for as usage does.
func TestTrailWindowUnusedFor(t *testing.T) {
	f := pflag.NewFlagSet("x", pflag.ContinueOnError)
	get := trailWindow(f)
	if err := f.Parse([]string{"--until", "2026-12-01", "--unused-for", "90d"}); err != nil {
		t.Fatal(err)
	}
	o, err := get()
	if err != nil || !o.Since.Equal(time.Date(2026, 9, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("--until 2026-12-01 --unused-for 90d: %+v %v", o, err)
	}
	f = pflag.NewFlagSet("x", pflag.ContinueOnError)
	get = trailWindow(f)
	if err := f.Parse([]string{"--since", "30d", "--unused-for", "90d"}); err != nil {
		t.Fatal(err)
	}
	if _, err := get(); err == nil || !strings.Contains(err.Error(), "not both") {
		t.Errorf("--since with --unused-for: %v", err)
	}
}
