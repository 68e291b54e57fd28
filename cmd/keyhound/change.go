package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyhound/keyhound/changeset"
	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/internal/plural"
	"github.com/keyhound/keyhound/report"
)

// demoPlanName stands for the demo organization's sample Terraform plan.
const demoPlanName = "@demo-plan"

// changeFlags are the --change flags of diff, can and who-can.
type changeFlags struct {
	files   []string
	account string
}

// add registers the flags on cmd.
func (c *changeFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringArrayVar(&c.files, "change", nil, "proposed changes applied to the snapshot first: a Terraform plan (terraform show -json), a change file or a CloudFormation template, JSON or YAML (repeat; @demo-plan: the demo's sample plan)")
	f.StringVar(&c.account, "change-account", "", "account for changes that name none the snapshot can place (a plan's new role)")
}

// loadGraphChanged is loadGraphAs with the changes applied, when there are
// any (the graph is then built whole).
func loadGraphChanged(path string, c changeFlags, mode buildMode, stderr io.Writer) (*graph.Graph, error) {
	if len(c.files) == 0 {
		return loadGraphAs(path, mode, stderr)
	}
	_, cur, _, err := loadChanged(path, c, stderr)
	return cur, err
}

// loadChanged loads the base snapshot, reads the change files and applies
// them: the base graph, the changed graph and what changed. What could not
// be applied and what is unknown until apply are said on stderr. A bad
// change file is an error naming the file and the JSON path (exit 3).
func loadChanged(base string, c changeFlags, stderr io.Writer) (old, cur *graph.Graph, applied *changeset.Applied, err error) {
	var changes []changeset.Change
	for _, name := range c.files {
		cs, err := readChanges(name)
		if err != nil {
			return nil, nil, nil, err
		}
		changes = append(changes, cs...)
	}
	old, loadErrs, err := readSnapshotGraph(base, stderr)
	if err != nil {
		return nil, nil, nil, err
	}
	s := old.Snapshot
	var opts []changeset.Option
	if c.account != "" {
		opts = append(opts, changeset.WithAccount(c.account))
	}
	changed, applied, err := changeset.Apply(s, changes, opts...)
	if err != nil {
		return nil, nil, nil, err
	}
	if n := len(old.Issues); n > 0 {
		_, _ = fmt.Fprintf(stderr, "keyhound: %s: %s (parts that could not be read or parsed, or that contradict each other); answers that depend on them say so\n", base, plural.Form(n, "snapshot issue", "snapshot issues"))
	}
	// Only what the changes touched is built again (the rest is old's).
	cur = graph.Rebuild(old, changed, loadErrs)
	writeApplied(stderr, applied)
	return old, cur, applied, nil
}

// writeApplied tells what the changes could not do.
func writeApplied(w io.Writer, a *changeset.Applied) {
	var b strings.Builder
	for _, e := range a.Unplaced() {
		what := e.Target
		if e.Detail != "" {
			what += " (" + e.Detail + ")"
		}
		fmt.Fprintf(&b, "keyhound: %s: %s %s %s not applied: %s\n", e.Source, e.Op, e.Kind, what, e.Note)
	}
	for _, u := range a.Unknowns {
		if strings.HasPrefix(u.Effect, "change not applied") {
			continue // said above
		}
		fmt.Fprintf(&b, "keyhound: %s: %s of %s unknown until apply: %s\n", u.Source, u.Field, u.Target, u.Effect)
	}
	_, _ = io.WriteString(w, b.String())
}

// readChanges reads one change file (or the demo's plan).
func readChanges(name string) ([]changeset.Change, error) {
	if name == demoPlanName {
		return changeset.Read(bytes.NewReader(demo.Plan()), name)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open change file: %w", err)
	}
	defer func() { _ = f.Close() }()
	return changeset.Read(f, name)
}

// readSnapshotGraph loads a snapshot file (or @demo) and builds its graph,
// with its load errors, which Rebuild needs.
func readSnapshotGraph(path string, stderr io.Writer) (*graph.Graph, []snapshot.LoadError, error) {
	if path == "" {
		return nil, nil, fmt.Errorf("--snapshot FILE is required with --change (try --snapshot @demo --change %s)", demoPlanName)
	}
	g, loadErrs, res, err := loadCached(context.Background(), path, nil, buildWhole)
	if err == nil {
		warnCache(stderr, path, res)
	}
	return g, loadErrs, err
}

// diffChange is diff's --snapshot BASE --change FILE: its flags, help and
// argument check are added to the command here, so that diff.go only asks
// for the two graphs.
type diffChange struct {
	base string
	changeFlags
}

// register adds the flags, the help and the argument check to diff (or
// baseline --from-diff): alt is the command as the other form starts.
func (d *diffChange) register(cmd *cobra.Command, alt string) {
	cmd.Use += " | " + alt + " --snapshot BASE --change FILE…"
	cmd.Long += `

--snapshot BASE --change FILE takes the diff of BASE with BASE as the changes would
leave it, before they are applied: a Terraform plan (terraform show -json
plan.out), a keyhound change file or a CloudFormation template (docs/cli.md); --change repeats. Values
the plan knows only after apply are said on stderr, never guessed.`
	cmd.Example += "\n  keyhound " + alt + " --snapshot @demo --change @demo-plan"
	cmd.Flags().StringVar(&d.base, "snapshot", "", "base snapshot the --change files apply to (instead of OLD NEW)")
	d.add(cmd)
	positional := cmd.Args
	cmd.Args = func(cmd *cobra.Command, args []string) error {
		if d.base == "" && len(d.files) == 0 {
			return positional(cmd, args)
		}
		if len(args) != 0 || d.base == "" || len(d.files) == 0 {
			return &exitError{code: exitBadInput, err: errors.New("--snapshot BASE and --change FILE go together, without OLD NEW")}
		}
		return nil
	}
}

// graphs is diff's two graphs: OLD and NEW, or BASE and BASE with the
// changes (applied says what they did; nil for OLD NEW).
func (d *diffChange) graphs(args []string, stderr io.Writer) (old, cur *graph.Graph, applied *changeset.Applied, err error) {
	if len(d.files) > 0 {
		return loadChanged(d.base, d.changeFlags, stderr)
	}
	if old, err = loadGraph(args[0], stderr); err != nil {
		return nil, nil, nil, err
	}
	if cur, err = loadGraph(args[1], stderr); err != nil {
		return nil, nil, nil, err
	}
	return old, cur, nil, nil
}

// locatorOf places diff items at the change that touched what they are
// about (SARIF's file and line, Markdown's source column): each target the
// changes were applied to, at its first change. Unplaced changes place
// nothing.
func locatorOf(a *changeset.Applied) report.Targets {
	t := report.Targets{}
	for _, e := range a.Entries {
		if e.Unplaced || e.Target == "" {
			continue
		}
		if _, ok := t[e.Target]; !ok {
			t[e.Target] = report.Source{File: e.Source.File, Line: e.Source.Line, Address: e.Source.Address}
		}
	}
	return t
}
