package cloudtrail

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/keyhound/keyhound/graph/usage"
)

// ReadPath reads a file, or every file under a directory in lexical order
// (a trail's AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ tree as "aws s3
// sync" leaves it, or any tree of inputs). Hidden files and the
// CloudTrail-Digest trees are skipped; every other file must be one of the
// forms Read takes.
func ReadPath(ctx context.Context, path string, opts Options, fn func(*usage.Event) error) (Stats, error) {
	info, err := os.Stat(path)
	if err != nil {
		return Stats{}, fmt.Errorf("read CloudTrail events: %w", err)
	}
	if !info.IsDir() {
		return readFile(ctx, path, opts, fn)
	}
	var total Stats
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if p != path && strings.HasPrefix(name, ".") || d.IsDir() && name == "CloudTrail-Digest" {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		st, err := readFile(ctx, p, opts, fn)
		total.add(st)
		return err
	})
	return total, err
}

func readFile(ctx context.Context, path string, opts Options, fn func(*usage.Event) error) (Stats, error) {
	f, err := os.Open(path)
	if err != nil {
		return Stats{}, fmt.Errorf("read CloudTrail events: %w", err)
	}
	defer func() { _ = f.Close() }()
	return Read(ctx, path, f, opts, fn)
}
