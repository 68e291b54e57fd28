package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/keyhound/keyhound/cloudtrail"
	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/diff"
	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/scanner"
	"github.com/keyhound/keyhound/ui"
)

func newTUICmd() *cobra.Command {
	var (
		snap     string
		trail    string
		showDiff bool
		escalate bool
		scan     bool
		sf       scanFlags
		// trailOpts gives --since/--until (trailWindow).
		trailOpts func() (cloudtrail.Options, error)
	)
	cmd := &cobra.Command{
		Use:   "tui [--snapshot FILE]",
		Short: "Browse who can decrypt what, and why, in the terminal",
		Long: `Open the terminal UI on a snapshot (default: the built-in demo organization).
Keys 1–5 switch between the tabs Keys, Principals, Resources, Findings and
Access denied (paste an AccessDenied error); 6 Scan and 7 Diff appear with
--scan and --diff. enter drills in, esc goes back, / filters, s sorts (again:
reverse), : jumps to any name (completing as you type), y copies the ARN under
the cursor, e exports what you look at (DOT, Mermaid, JSON or the snapshot),
? shows every key. A large snapshot opens on a loading frame.
--cloudtrail PATH reads CloudTrail events there too: who-can lists gain USES
and LAST USED, and Access denied lists the denial groups (enter: the events
and the explanation; i: paste an error).`,
		Example: `  keyhound tui                      # the demo organization
  keyhound tui --snapshot org.json.gz
  keyhound tui --snapshot org.json.gz --cloudtrail AWSLogs/   # who did, next to who can
  keyhound tui --diff yesterday.json.gz today.json.gz   # what changed, browsing today's
  keyhound tui --scan --org --regions us-east-1 -o org.json.gz`,
		Args: func(cmd *cobra.Command, args []string) error {
			if showDiff {
				return cobra.ExactArgs(2)(cmd, args)
			}
			return cobra.NoArgs(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if showDiff {
				return runDiffTUI(cmd, args[0], args[1])
			}
			if scan {
				return runScanTUI(cmd, &sf)
			}
			if snap == "" {
				snap = demoName
			}
			o, err := trailOpts()
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			// s3:// trails are read with the credentials flags scan takes.
			aws := &trailAWS{ao: scanner.AWSOptions{Profile: sf.ao.Profile, Region: sf.ao.Region, EndpointURL: sf.ao.EndpointURL}, workers: cloudtrail.DefaultS3Workers}
			return runTUI(cmd, snap, trail, o, aws)
		},
	}
	cmd.Flags().StringVar(&snap, "snapshot", "", "snapshot file to browse (@demo: the built-in demo organization)")
	cmd.Flags().BoolVar(&showDiff, "diff", false, "OLD NEW: open on the effective-access diff between two snapshots, browsing NEW")
	cmd.Flags().BoolVar(&escalate, "escalation", false, "add who can make themselves able to use a key: the escalation findings in Findings, ⇡ entries in a key's Who can decrypt tab (enter: the path step by step); a search per key, minutes on a large organization")
	trailOpts = trailWindow(cmd.Flags())
	cmd.Flags().StringVar(&trail, "cloudtrail", "", "CloudTrail events (as keyhound usage reads them, or @demo): who-can lists show USES and LAST USED, Access denied the denial groups")
	cmd.Flags().BoolVar(&scan, "scan", false, "start a scan (with keyhound scan's flags) and watch it; the views fill in when it ends")
	sf.register(cmd.Flags())
	return cmd
}

// runTUI loads a snapshot and runs the TUI on it until the user quits.
// With trail, the CloudTrail events are read and joined behind the loading
// frame too.
func runTUI(cmd *cobra.Command, path, trail string, window cloudtrail.Options, aws *trailAWS) error {
	if !isTerminal(cmd.OutOrStdout()) {
		return &exitError{code: exitBadInput, err: fmt.Errorf("the TUI needs a terminal; for scripts use who-can, can, what-can, findings with --json")}
	}
	// It lives on, on its graph: browsing but while it loads.
	setGCBase(browsing)
	// A file that cannot be opened fails before the screen changes; the
	// rest of the load runs behind the TUI's loading frame.
	if path != demoName {
		if _, err := os.Stat(path); err != nil {
			return &exitError{code: exitBadInput, err: fmt.Errorf("open snapshot: %w", err)}
		}
	}
	if trail != "" && trail != cloudtrail.Demo && !strings.HasPrefix(trail, "s3://") {
		if _, err := os.Stat(trail); err != nil {
			return &exitError{code: exitBadInput, err: fmt.Errorf("open CloudTrail events: %w", err)}
		}
	}
	load := func(ctx context.Context, progress func(ui.LoadProgress)) (*graph.Graph, []ui.Option, error) {
		g, _, res, err := loadCached(ctx, path, progress, buildListing)
		if err != nil {
			return nil, nil, err
		}
		var opts []ui.Option
		if res.Warning != nil {
			opts = append(opts, ui.WithNotice(cacheNotice(res.Warning)))
		}
		if trail == "" {
			return g, opts, nil
		}
		r, err := loadUsage(ctx, g, trail, window, aws, progress)
		if err != nil {
			return nil, nil, err
		}
		return g, append(opts, ui.WithUsage(r)), nil
	}
	return runProgram(cmd, emptyGraph(), sourceName(path), ui.WithLoader(load))
}

// emptyGraph is what the TUI shows before a load or a scan gives it one.
func emptyGraph() *graph.Graph {
	return graph.Build(&snapshot.Snapshot{Format: snapshot.Format, Accounts: map[string]*snapshot.Account{}}, nil)
}

// runScanTUI starts a scan and opens the TUI on it: the Scan view shows its
// progress, and the other views are built from its snapshot when it ends.
func runScanTUI(cmd *cobra.Command, sf *scanFlags) error {
	if !isTerminal(cmd.OutOrStdout()) {
		return &exitError{code: exitBadInput, err: fmt.Errorf("the TUI needs a terminal; for scripts use keyhound scan --json-progress")}
	}
	sf.log = cmd.ErrOrStderr()
	events, done, cancel, err := sf.start(cmd.Context())
	if err != nil {
		return &exitError{code: exitBadInput, err: err}
	}
	defer cancel()
	uiDone := make(chan ui.ScanDone, 1)
	go func() {
		d := <-done
		uiDone <- ui.ScanDone{Snapshot: d.snap, Result: d.res, Err: d.err, Written: d.written}
	}()
	src := &ui.ScanSource{Events: events, Done: uiDone, Cancel: cancel, Output: sf.out}
	return runProgram(cmd, emptyGraph(), "scan", ui.WithScan(src))
}

// runDiffTUI compares two snapshots and browses the newer one, opening on
// the diff. Both load behind the loading frame, then the comparison.
func runDiffTUI(cmd *cobra.Command, oldPath, newPath string) error {
	if !isTerminal(cmd.OutOrStdout()) {
		return &exitError{code: exitBadInput, err: fmt.Errorf("the TUI needs a terminal; for scripts use keyhound diff --json")}
	}
	for _, p := range []string{oldPath, newPath} {
		if p == demoName {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			return &exitError{code: exitBadInput, err: fmt.Errorf("open snapshot: %w", err)}
		}
	}
	load := func(ctx context.Context, progress func(ui.LoadProgress)) (*graph.Graph, []ui.Option, error) {
		return loadDiff(ctx, oldPath, newPath, progress)
	}
	return runProgram(cmd, emptyGraph(), sourceName(newPath), ui.WithLoader(load))
}

// loadDiff loads both snapshots, each stage named for its side, and
// compares them: the diff view is opened on the newer graph.
func loadDiff(ctx context.Context, oldPath, newPath string, progress func(ui.LoadProgress)) (*graph.Graph, []ui.Option, error) {
	side := func(name string) func(ui.LoadProgress) {
		return func(p ui.LoadProgress) {
			p.Stage = name + ": " + p.Stage
			progress(p)
		}
	}
	var opts []ui.Option
	read := func(path, name string) (*graph.Graph, error) {
		g, _, res, err := loadCached(ctx, path, side(name), buildWhole)
		if err == nil && res.Warning != nil {
			opts = append(opts, ui.WithNotice(name+": "+cacheNotice(res.Warning)))
		}
		return g, err
	}
	old, err := read(oldPath, "old")
	if err != nil {
		return nil, nil, err
	}
	cur, err := read(newPath, "new")
	if err != nil {
		return nil, nil, err
	}
	progress(ui.LoadProgress{Stage: "comparing effective access"})
	r, err := diff.Compare(ctx, old, cur, diff.Options{})
	if err != nil {
		return nil, nil, err
	}
	return cur, append(opts, ui.WithDiff(r, sourceName(oldPath))), nil
}

func runProgram(cmd *cobra.Command, g *graph.Graph, source string, opts ...ui.Option) error {
	if esc, err := cmd.Flags().GetBool("escalation"); err == nil && esc {
		opts = append(opts, ui.WithEscalation())
	}
	m := ui.New(g, g.Snapshot, source, opts...)
	p := tea.NewProgram(m, tea.WithContext(cmd.Context()), tea.WithOutput(cmd.OutOrStdout()))
	if _, err := p.Run(); err != nil {
		return fmt.Errorf("tui: %w", err)
	}
	if err := m.LoadErr(); err != nil {
		return &exitError{code: exitBadInput, err: err}
	}
	return nil
}

func sourceName(path string) string {
	if path == demoName {
		return "demo"
	}
	return path
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}
