// Package report renders an effective-access diff and its gate's verdict
// for CI: SARIF 2.1.0 for code-scanning dashboards (WriteSARIF) and
// Markdown for a pull-request comment (WriteMarkdown). Presentation only:
// it takes a diff.Report and the baseline.Outcome judged on it, computes
// nothing about access, and writes to the io.Writer it is given. Text and
// JSON stay in cmd/keyhound with the other commands' outputs.
package report

import (
	"github.com/keyhound/keyhound/baseline"
)

// Locator says where in a change source (a Terraform plan, a change file)
// an item comes from. ok is false when it cannot tell; the item is then
// located at the snapshot file.
type Locator interface {
	Locate(it baseline.Item) (src Source, ok bool)
}

// LocatorFunc is a function as a Locator.
type LocatorFunc func(it baseline.Item) (Source, bool)

// Locate calls f.
func (f LocatorFunc) Locate(it baseline.Item) (Source, bool) { return f(it) }

// Source is where a change comes from: a file, its 1-based line (0 when
// the source does not tell, as in a Terraform plan) and the address of
// what it changes there (a plan's resource address, "aws_kms_key.reports").
type Source struct {
	File    string
	Line    int
	Address string
}

// acceptance says, for people, which entry accepts (or accepted) an item.
func acceptance(d *baseline.Decision, file string) string {
	if d == nil || d.Entry == nil {
		return ""
	}
	e := d.Entry
	where := e.String()
	if file != "" {
		where = file + " " + where
	}
	until := e.Expires.UTC().Format(baseline.DateLayout)
	if d.Status == baseline.Expired {
		return "accepted by " + where + " until " + until + ": expired (owner " + e.Owner + ")"
	}
	return "accepted by " + where + " until " + until + " (owner " + e.Owner + "): " + e.Reason
}
