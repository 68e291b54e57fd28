package main

import (
	"context"
	"testing"

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
	r, err := loadUsage(context.Background(), g, cloudtrail.Demo, func(p ui.LoadProgress) {
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
	if _, err := loadUsage(context.Background(), g, t.TempDir()+"/missing", func(ui.LoadProgress) {}); err == nil {
		t.Error("a missing path reads")
	}
}
