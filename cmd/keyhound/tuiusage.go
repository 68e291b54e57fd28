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

// loadUsage reads the events under path and joins them to g, as
// `keyhound usage` does, telling progress how many events it has read.
func loadUsage(ctx context.Context, g *graph.Graph, path string, o cloudtrail.Options, progress func(ui.LoadProgress)) (*usage.Report, error) {
	progress(ui.LoadProgress{Stage: trailStage, Unit: "events"})
	js := make([]*usage.Joiner, runtime.GOMAXPROCS(0))
	counts := make([]int, len(js))
	for i := range js {
		js[i] = usage.New(g)
	}
	var read atomic.Int64
	readEvents := cloudtrail.ReadConcurrent
	if cloudtrail.IsS3(path) {
		// The default credentials; no progress line on stderr, which the
		// TUI owns: the loading frame counts the events.
		readEvents = defaultTrailAWS().readS3
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

// defaultTrailAWS reads s3:// trails with the default credentials chain
// (AWS_PROFILE and the rest) and no progress line.
func defaultTrailAWS() *trailAWS { return &trailAWS{workers: cloudtrail.DefaultS3Workers} }

// trailWindow registers --since and --until for a command that reads
// CloudTrail events besides its main work (tui, export), as keyhound usage
// reads them; get gives the window.
func trailWindow(f *pflag.FlagSet) (get func() (cloudtrail.Options, error)) {
	var since, until string
	f.StringVar(&since, "since", "", "with --cloudtrail: keep events at or after this date, time or age (30d)")
	f.StringVar(&until, "until", "", "with --cloudtrail: keep events before this date, time or age")
	return func() (cloudtrail.Options, error) { return window(since, until, "", time.Now()) }
}

// edgeUsage reads the events under path and joins them to g, as keyhound
// usage does, by access edge for export --cloudtrail: per principal, key
// and action, and per principal and key (any action).
func edgeUsage(ctx context.Context, g *graph.Graph, path string, o cloudtrail.Options) (map[export.UseKey]export.EdgeUse, error) {
	j, err := joinTrail(ctx, g, path, o, defaultTrailAWS())
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
