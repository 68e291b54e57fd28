package main

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/spf13/pflag"

	"github.com/keyhound/keyhound/cloudtrail"
	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/export"
	"github.com/keyhound/keyhound/graph/usage"
	"github.com/keyhound/keyhound/ui"
)

// trailStage is the loading frame's stage while the TUI reads CloudTrail
// events (tui --cloudtrail).
const trailStage = "reading CloudTrail events"

// progressEvery is how many events a worker reads between two progress
// reports.
const progressEvery = 1 << 14

// loadUsage reads the events under path (s3://… through aws, the default
// credentials when nil) and joins them to g, as `keyhound usage` does,
// telling progress how many events it has read.
func loadUsage(ctx context.Context, g *graph.Graph, path string, o cloudtrail.Options, aws *trailAWS, progress func(ui.LoadProgress)) (*usage.Report, error) {
	progress(ui.LoadProgress{Stage: trailStage, Unit: "events"})
	js := make([]*usage.Joiner, runtime.GOMAXPROCS(0))
	counts := make([]int, len(js))
	for i := range js {
		js[i] = usage.New(g)
	}
	var read atomic.Int64
	readEvents := cloudtrail.ReadConcurrent
	if cloudtrail.IsS3(path) {
		// No progress line on stderr, which the TUI owns: the loading
		// frame counts the events.
		quiet := trailAWS{workers: cloudtrail.DefaultS3Workers}
		if aws != nil {
			quiet = *aws
		}
		quiet.stderr = nil
		readEvents = quiet.readS3
	}
	st, err := readEvents(ctx, path, o, len(js), func(w int, e *usage.Event) error {
		js[w].Add(e)
		if counts[w]++; counts[w]%progressEvery == 0 {
			progress(ui.LoadProgress{Stage: trailStage, Done: read.Add(progressEvery), Unit: "events"})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read CloudTrail events: %w", err)
	}
	progress(ui.LoadProgress{Stage: trailStage, Done: int64(st.Events), Unit: "events"})
	for _, j := range js[1:] {
		js[0].Merge(j)
	}
	progress(ui.LoadProgress{Stage: "joining usage to the access graph"})
	return js[0].Report(usage.Options{})
}

// trailWindow registers --since, --until and --unused-for for a command
// that reads CloudTrail events besides its main work (tui, export), as
// keyhound usage reads them; get gives the window.
func trailWindow(f *pflag.FlagSet) (get func() (cloudtrail.Options, error)) {
	var since, until, unusedFor string
	f.StringVar(&since, "since", "", "with --cloudtrail: keep events at or after this date, time or age (30d)")
	f.StringVar(&until, "until", "", "with --cloudtrail: keep events before this date, time or age")
	f.StringVar(&unusedFor, "unused-for", "", "with --cloudtrail: the window is this long before --until (90d), as for keyhound usage")
	return func() (cloudtrail.Options, error) { return window(since, until, unusedFor, time.Now()) }
}

// edgeUsage reads the events under path and joins them to g, as keyhound
// usage does, by access edge for export --cloudtrail: per principal, key
// and action, and per principal and key (any action).
func edgeUsage(ctx context.Context, g *graph.Graph, path string, o cloudtrail.Options, aws *trailAWS) (map[export.UseKey]export.EdgeUse, error) {
	j, err := joinTrail(ctx, g, path, o, aws)
	if err != nil {
		return nil, err
	}
	out := map[export.UseKey]export.EdgeUse{}
	add := func(k export.UseKey, u *usage.Use) {
		e := out[k]
		e.Count += u.Count
		if u.Last.After(e.Last) {
			e.Last = u.Last
		}
		out[k] = e
	}
	for _, u := range j.Uses() {
		add(export.UseKey{Principal: u.Principal, Key: u.Key, Action: u.Action}, &u)
		add(export.UseKey{Principal: u.Principal, Key: u.Key}, &u)
	}
	return out, nil
}
