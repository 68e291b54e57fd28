package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyhound/keyhound/internal/graphcache"
	"github.com/keyhound/keyhound/internal/plural"
	"github.com/keyhound/keyhound/ui"
)

// cacheReport is what `keyhound cache` and `cache clear` say: the cache
// directory and its files (those removed, for clear).
type cacheReport struct {
	Dir   string             `json:"dir"`
	Files []graphcache.Entry `json:"files"`
	Bytes int64              `json:"bytes"`
}

func newCacheCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "cache",
		Short: "Show the graph cache: where it is and its files",
		Long: `Every command that loads a snapshot file keeps a decoded copy of it in the graph
cache ($` + graphcache.EnvDir + `, else the user cache directory), so that the
next command loads it in a fraction of the time. The copies hold what the
snapshots hold; unused ones go after 14 days. "keyhound cache clear" removes
them all at once.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, entries, err := graphcache.List(graphcache.Options{})
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			return writeCacheReport(cmd.OutOrStdout(), asJSON, newCacheReport(dir, entries), "")
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the directory and files as JSON")
	clearCmd := &cobra.Command{
		Use:   "clear",
		Short: "Remove every file of the graph cache",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, removed, err := graphcache.Clear(graphcache.Options{})
			if werr := writeCacheReport(cmd.OutOrStdout(), asJSON, newCacheReport(dir, removed), "removed "); werr != nil {
				return werr
			}
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			return nil
		},
	}
	clearCmd.Flags().BoolVar(&asJSON, "json", false, "print the directory and the files removed as JSON")
	cmd.AddCommand(clearCmd)
	return cmd
}

func newCacheReport(dir string, entries []graphcache.Entry) cacheReport {
	r := cacheReport{Dir: dir, Files: entries}
	if r.Files == nil {
		r.Files = []graphcache.Entry{}
	}
	for _, e := range entries {
		r.Bytes += e.Size
	}
	return r
}

// writeCacheReport prints r: a line for the directory and its total, then
// one per file (verb says what was done to them: "removed ").
func writeCacheReport(w io.Writer, asJSON bool, r cacheReport, verb string) error {
	if asJSON {
		return writeJSON(w, r)
	}
	if _, err := fmt.Fprintf(w, "%s: %s%s, %s\n", r.Dir, verb, plural.Form(len(r.Files), "file", "files"), ui.ByteSize(r.Bytes)); err != nil {
		return err
	}
	rows := make([]string, 0, len(r.Files))
	for _, e := range r.Files {
		kind := "cache"
		if e.Temp {
			kind = "unfinished write"
		}
		rows = append(rows, strings.Join([]string{e.Name, ui.ByteSize(e.Size), "used " + e.Used.Format(time.DateTime), kind}, "\t"))
	}
	if len(rows) == 0 {
		return nil
	}
	return writeTable(w, rows)
}
