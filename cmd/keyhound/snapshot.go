package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/internal/graphcache"
	"github.com/keyhound/keyhound/internal/hugeheap"
	"github.com/keyhound/keyhound/internal/plural"
	"github.com/keyhound/keyhound/ui"
)

// loadGraph loads a snapshot file and builds its access graph. Load errors
// do not stop it: they become the graph's issues, counted on stderr.
// The name @demo stands for the built-in demo organization.
func loadGraph(path string, stderr io.Writer) (*graph.Graph, error) {
	return loadGraphAs(path, buildWhole, stderr)
}

// loadGraphAs is loadGraph building the graph from a cache hit as mode
// says.
func loadGraphAs(path string, mode buildMode, stderr io.Writer) (*graph.Graph, error) {
	g, _, res, err := loadCached(context.Background(), path, nil, mode)
	if err != nil {
		return nil, err
	}
	warnCache(stderr, path, res)
	if n := len(g.Issues); n > 0 {
		_, _ = fmt.Fprintf(stderr, "keyhound: %s: %s (parts that could not be read or parsed, or that contradict each other); answers that depend on them say so\n", path, plural.Form(n, "snapshot issue", "snapshot issues"))
	}
	return g, nil
}

// warnCache says on stderr that the graph cache could not be used or
// written, once per snapshot load.
func warnCache(stderr io.Writer, path string, res graphcache.Result) {
	if res.Warning != nil {
		_, _ = fmt.Fprintf(stderr, "keyhound: %s: %s\n", path, cacheNotice(res.Warning))
	}
}

// cacheNotice says that the graph cache could not be written, and what
// that costs: on stderr, or in the TUI's status line.
func cacheNotice(err error) string {
	return fmt.Sprintf("the graph cache was not written (%v); the next command will decode the JSON again (--no-cache to skip it)", err)
}

// readGraph loads a snapshot file and builds its access graph, telling
// progress (when not nil) what it is doing: reading the file (bytes of its
// size), reading the cache or parsing the JSON, decoding its accounts,
// writing the cache, building the graph. The TUI shows it while a large
// organization opens.
func readGraph(ctx context.Context, path string, progress func(ui.LoadProgress)) (*graph.Graph, error) {
	g, _, _, err := loadCached(ctx, path, progress, buildWhole)
	return g, err
}

// buildMode is how loadCached builds a graph from a cache hit (a miss,
// --no-cache and @demo build it whole, finding its issues). The answers
// are the same; what is built before the graph comes back differs.
type buildMode int

const (
	// buildWhole builds every part before returning.
	buildWhole buildMode = iota
	// buildListing returns once the keys are built, the principals and
	// resources built in the background from the first question (the
	// TUI: graph.BuildOptions.Background).
	buildListing
	// buildForKey leaves the resources until an answer reads them: a
	// question about a principal and a key never does (can, denied;
	// graph.BuildOptions.LazyResources), and one about who reads the data
	// under a key (who-can) builds those of its Regions only, through the
	// cache's resource index (derived.go).
	buildForKey
)

// modeFor is the build mode of a question about resource ref (can,
// who-can, denied): buildForKey about a KMS key or alias.
func modeFor(ref string) buildMode {
	if aboutKey(ref) {
		return buildForKey
	}
	return buildWhole
}

// aboutKey reports whether ref, a question's resource, names a KMS key or
// alias (a key or alias ARN, an alias name, a key ID) rather than another
// service's resource: its answer reads no resource, and the graph can
// leave them unbuilt (buildForKey).
func aboutKey(ref string) bool {
	if !strings.HasPrefix(ref, "arn:") {
		return ref != ""
	}
	parts := strings.SplitN(ref, ":", 4)
	return len(parts) == 4 && parts[2] == "kms"
}

// stageBuilding is the load stage of building the graph.
const stageBuilding = "building the access graph"

// loadCached loads a snapshot file through the graph cache (unless
// --no-cache), or the demo organization, and builds its graph. The cache
// keeps the graph's issues beside the snapshot (derived.go): from a cache
// hit, Build takes them as they are and parses each resource's policy
// when an answer first asks for it, and with background builds the
// principals behind the graph's return.
func loadCached(ctx context.Context, path string, progress func(ui.LoadProgress), mode buildMode) (*graph.Graph, []snapshot.LoadError, graphcache.Result, error) {
	if path != "" && path != demoName {
		reserveLoadHeap(path) // before the load's collector policy: it collects once
	}
	// A run that lives on has huge pages for its load only
	// (internal/hugeheap, longLived): a listing's end with its background
	// build.
	settle := func() {}
	if longLived() {
		settle = hugeheap.Settle
	}
	defer func() { settle() }()
	load := oneShot
	switch mode {
	case buildForKey:
		// The answer's heap too stays under the floor: the whole run's.
		setGCBase(keyQuestion)
		load = keyQuestion
	case buildListing:
		load = listing
	}
	release := gcForLoad(load)
	defer func() {
		if release != nil {
			release()
		}
	}()
	report := func(p ui.LoadProgress) {
		if progress != nil {
			progress(p)
		}
	}
	var built *graph.Graph // on a miss, by Derive
	s, loadErrs, res, err := readSnapshotCached(ctx, path, report, func(s *snapshot.Snapshot, loadErrs []snapshot.LoadError) ([]byte, error) {
		report(ui.LoadProgress{Stage: stageBuilding})
		built = graph.Build(s, loadErrs)
		return encodeDerived(built)
	})
	if err != nil {
		return nil, nil, res, err
	}
	if built != nil {
		return built, loadErrs, res, nil
	}
	report(ui.LoadProgress{Stage: stageBuilding})
	if d, ok := decodeDerived(res.Derived); ok {
		o := graph.BuildOptions{KnownIssues: true, Issues: d.Issues, Background: mode == buildListing, LazyResources: mode == buildForKey}
		if mode == buildForKey {
			o.ResourceIndex = d.ResourceIndex
		}
		if mode == buildListing {
			// The listing's policy holds until its background build is
			// done (loadgc.go), which the TUI starts with its first frame;
			// a listing never started keeps it.
			done, settleLater := release, settle
			o.Done, release, settle = func() { done(); settleLater() }, nil, func() {}
		}
		return graph.BuildWith(s, loadErrs, o), loadErrs, res, nil
	}
	return graph.Build(s, loadErrs), loadErrs, res, nil
}

// readSnapshotCached loads a snapshot file through the graph cache (unless
// --no-cache), or the demo organization; derive is the cache's Derive.
func readSnapshotCached(ctx context.Context, path string, report func(ui.LoadProgress), derive func(*snapshot.Snapshot, []snapshot.LoadError) ([]byte, error)) (*snapshot.Snapshot, []snapshot.LoadError, graphcache.Result, error) {
	switch path {
	case "":
		return nil, nil, graphcache.Result{}, errors.New("--snapshot FILE is required (try --snapshot @demo, the built-in demo organization)")
	case demoName:
		s, loadErrs, err := snapshot.LoadReporting(bytes.NewReader(demo.Snapshot()), func(done, total int) {
			report(ui.LoadProgress{Stage: graphcache.StageDecodingAccounts, Done: int64(done), Total: int64(total), Unit: "accounts"})
		})
		if err != nil {
			return nil, nil, graphcache.Result{}, fmt.Errorf("%s: %w", path, err)
		}
		return s, loadErrs, graphcache.Result{}, nil
	}
	s, loadErrs, res, err := graphcache.Load(ctx, path, graphcache.Options{
		Disabled: noCache,
		Derive:   derive,
		Progress: func(p graphcache.Progress) {
			report(ui.LoadProgress{Stage: p.Stage, Done: p.Done, Total: p.Total, Unit: p.Unit})
		},
	})
	return s, loadErrs, res, err
}

// noCache is the root's --no-cache, bound afresh by each newRootCmd (so
// each run, the tests' included, starts from its default): load snapshots
// from their JSON, neither reading nor writing the graph cache.
var noCache bool

// demoName is the --snapshot value for the built-in demo organization.
const demoName = "@demo"
