package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/keyhound/keyhound/baseline"
	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/diff"
	"github.com/keyhound/keyhound/internal/plural"
)

// MarkdownOptions says what a Markdown summary is about.
type MarkdownOptions struct {
	// FailOn is the gate's condition ("" when no gate was asked).
	FailOn string
	// Baseline names the baseline file ("" when none was given).
	Baseline string
	// MaxRows caps each table (0: 50); the rest is counted ("… and 12 more").
	MaxRows int
	// Label names a key, resource or principal for people (nil: its ARN).
	Label func(id string) string
	// Locator, when set, says which change makes each wider access or new
	// finding: a change file's line or a plan's resource address, shown
	// after its causes.
	Locator Locator
}

// WriteMarkdown writes a summary of r fit for a pull-request comment: the
// gate's verdict, the headline counts, tables of access that widened,
// changed, or went, keys, findings, and the baseline's expired and
// unmatched entries. Every mark pairs a symbol with a word.
func WriteMarkdown(w io.Writer, r *diff.Report, o *baseline.Outcome, opts MarkdownOptions) error {
	if opts.MaxRows <= 0 {
		opts.MaxRows = 50
	}
	if opts.Label == nil {
		opts.Label = func(id string) string { return id }
	}
	m := &markdown{opts: opts, o: o}
	b := &m.b
	b.WriteString("### keyhound: effective-access diff\n\n")
	m.gate()
	s := r.Summary
	fmt.Fprintf(b, "**%d new access** (%d wider) · **%d removed** · %s changed · **%d new external** · %d public · %s changed · findings +%d −%d\n",
		s.NewAccess, s.Wider, s.RemovedAccess, plural.Count(s.DecisionChanged, "decision"), s.NewExternal, s.NewPublic, plural.Count(s.KeysChanged, "key"), s.NewFindings, len(r.ResolvedFindings))
	if r.Empty() {
		b.WriteString("\nNo change in effective access.\n")
	}
	var wider, changed, removed []*diff.Change
	for i := range r.Changes {
		c := &r.Changes[i]
		switch {
		case c.Wider():
			wider = append(wider, c)
		case c.Change == diff.RemovedAccess:
			removed = append(removed, c)
		default:
			changed = append(changed, c)
		}
	}
	m.changes("Wider access", wider)
	m.changes("Decisions changed", changed)
	m.changes("Removed access", removed)
	if len(r.Keys) > 0 {
		fmt.Fprintf(b, "\n#### Keys (%d)\n\n| Change | Key | State |\n|---|---|---|\n", len(r.Keys))
		m.rows(len(r.Keys), func(i int) string {
			k := r.Keys[i]
			state := ""
			if k.Old != "" || k.New != "" {
				state = or(k.Old, "none") + " → " + or(k.New, "none")
			}
			return row(k.Change, code(opts.Label(k.Key)), state)
		})
	}
	m.escalations(r.Escalations)
	m.findings("New findings", r.NewFindings)
	m.findings("Resolved findings", r.ResolvedFindings)
	m.baseline()
	_, err := io.WriteString(w, b.String())
	return err
}

type markdown struct {
	b    strings.Builder
	opts MarkdownOptions
	o    *baseline.Outcome
}

// gate writes the verdict line.
func (m *markdown) gate() {
	if m.opts.FailOn == "" || m.o == nil {
		return
	}
	open, expired := m.o.With(baseline.Open, true), m.o.With(baseline.Expired, true)
	accepted := m.o.With(baseline.Accepted, true)
	cond := "`--fail-on " + m.opts.FailOn + "`"
	var parts []string
	if len(open) > 0 {
		parts = append(parts, plural.Count(len(open), "change")+" not accepted")
	}
	if len(expired) > 0 {
		parts = append(parts, plural.Count(len(expired), "accepted risk")+" expired")
	}
	if len(accepted) > 0 {
		parts = append(parts, plural.Count(len(accepted), "change")+" accepted"+m.byBaseline())
	}
	if m.o.Failed() {
		fmt.Fprintf(&m.b, "❌ **Gate failed** (%s): %s.\n\n", cond, strings.Join(parts, ", "))
		return
	}
	if len(parts) == 0 {
		parts = []string{"no such change"}
	}
	fmt.Fprintf(&m.b, "✅ **Gate passed** (%s): %s.\n\n", cond, strings.Join(parts, ", "))
}

func (m *markdown) byBaseline() string {
	if m.opts.Baseline == "" {
		return ""
	}
	return " by " + code(m.opts.Baseline)
}

// status is a table cell saying what the baseline says of an item.
func (m *markdown) status(d *baseline.Decision) string {
	if d == nil {
		return ""
	}
	switch d.Status {
	case baseline.Accepted:
		return "✅ accepted: " + d.Entry.String()
	case baseline.Expired:
		return "⏰ expired " + d.Entry.Expires.UTC().Format(baseline.DateLayout) + ": " + d.Entry.String()
	}
	if d.Gated {
		return "❌ fails gate"
	}
	return ""
}

func (m *markdown) withStatus() bool { return m.opts.Baseline != "" || m.opts.FailOn != "" }

func (m *markdown) changes(title string, cs []*diff.Change) {
	if len(cs) == 0 {
		return
	}
	b := &m.b
	fmt.Fprintf(b, "\n#### %s (%d)\n\n", title, len(cs))
	head := []string{"Who", "Action", "Target", "Decision", "Cause"}
	if m.withStatus() {
		head = append(head, "Gate")
	}
	b.WriteString(row(head...) + strings.Repeat("|---", len(head)) + "|\n")
	m.rows(len(cs), func(i int) string {
		c := cs[i]
		who := code(m.opts.Label(c.Principal))
		switch {
		case c.Public:
			who = "🌐 public " + who
		case c.External:
			who = "⚠️ external " + who
		}
		decision := c.New
		switch c.Change {
		case diff.RemovedAccess:
			decision = "was " + c.Old
		case diff.DecisionChanged:
			decision = c.Old + " → " + c.New
		}
		var causes []string
		for _, cause := range c.Causes {
			causes = append(causes, cause.Where+": "+cause.Change)
		}
		cause := capList(causes, 2)
		if src := m.source(c); src != "" {
			cause = strings.TrimPrefix(cause+" — from "+src, " — ")
		}
		cells := []string{who, code(c.Action), code(m.opts.Label(c.Target)), decision, cause}
		if m.withStatus() {
			cells = append(cells, m.status(m.o.OfChange(c)))
		}
		return row(cells...)
	})
}

// escalations writes the escalation paths that appeared, went or changed
// (diff --escalation), each with its steps in a line.
func (m *markdown) escalations(es []diff.EscalationChange) {
	if len(es) == 0 {
		return
	}
	b := &m.b
	fmt.Fprintf(b, "\n#### Escalation paths (%d)\n\n", len(es))
	head := []string{"Change", "Who", "Key", "Decision", "Path"}
	if m.withStatus() {
		head = append(head, "Gate")
	}
	b.WriteString(row(head...) + strings.Repeat("|---", len(head)) + "|\n")
	m.rows(len(es), func(i int) string {
		e := &es[i]
		who := code(m.opts.Label(e.Principal))
		if e.External {
			who = "⚠️ external " + who
		}
		decision := e.New
		if e.Old != "" && e.New != "" {
			decision = e.Old + " → " + e.New
		} else if e.New == "" {
			decision = "was " + e.Old
		}
		cells := []string{e.Change, who, code(m.opts.Label(e.Key)), decision, e.Text}
		if m.withStatus() {
			cells = append(cells, m.status(m.o.OfEscalation(e)))
		}
		return row(cells...)
	})
}

func (m *markdown) findings(title string, fs []graph.Finding) {
	if len(fs) == 0 {
		return
	}
	b := &m.b
	fmt.Fprintf(b, "\n#### %s (%d)\n\n", title, len(fs))
	head := []string{"Severity", "Rule", "Finding", "Resource"}
	if m.withStatus() {
		head = append(head, "Gate")
	}
	b.WriteString(row(head...) + strings.Repeat("|---", len(head)) + "|\n")
	m.rows(len(fs), func(i int) string {
		f := &fs[i]
		cells := []string{strings.ToUpper(f.Severity.String()), code(f.Rule), f.Title, code(m.opts.Label(f.Resource))}
		if m.withStatus() {
			cells = append(cells, m.status(m.o.OfFinding(f)))
		}
		return row(cells...)
	})
}

// source says where in a change source the change comes from: "plan.json
// (aws_kms_key.reports)", "changes.yaml:12"; "" when no locator can tell.
func (m *markdown) source(c *diff.Change) string {
	if m.opts.Locator == nil || !c.Wider() {
		return ""
	}
	src, ok := m.opts.Locator.Locate(baseline.AccessItem(c))
	switch {
	case !ok || src.File == "":
		return ""
	case src.Address != "":
		return code(src.Address) + " in " + code(src.File)
	case src.Line > 0:
		return code(fmt.Sprintf("%s:%d", src.File, src.Line))
	}
	return code(src.File)
}

// rows writes up to MaxRows rows, then says how many more there are.
func (m *markdown) rows(n int, row func(i int) string) {
	for i := 0; i < n && i < m.opts.MaxRows; i++ {
		m.b.WriteString(row(i))
	}
	if n > m.opts.MaxRows {
		fmt.Fprintf(&m.b, "\n…and %d more.\n", n-m.opts.MaxRows)
	}
}

// baseline lists expired entries (they fail the gate) and unmatched ones.
func (m *markdown) baseline() {
	if m.opts.Baseline == "" || m.o == nil {
		return
	}
	b := &m.b
	expired, unmatched := m.o.With(baseline.Expired, false), m.o.Unmatched
	accepted := m.o.With(baseline.Accepted, false)
	fmt.Fprintf(b, "\n#### Baseline %s\n\n%d accepted, %d expired, %s matching nothing.\n", code(m.opts.Baseline), len(accepted), len(expired), plural.Form(len(unmatched), "entry", "entries"))
	if len(expired) > 0 {
		b.WriteString("\n")
		m.rows(len(expired), func(i int) string {
			d := expired[i]
			e := d.Entry
			return fmt.Sprintf("- ⏰ **expired** %s on %s (owner %s, %q): %s\n", e, e.Expires.UTC().Format(baseline.DateLayout), e.Owner, e.Reason, escape(d.Text))
		})
	}
	if len(unmatched) > 0 {
		b.WriteString("\n")
		m.rows(len(unmatched), func(i int) string {
			e := unmatched[i]
			return fmt.Sprintf("- ⚠️ **unmatched** %s (owner %s) matches nothing in this diff: the risk is gone or its patterns are wrong.\n", e, e.Owner)
		})
	}
}

func row(cells ...string) string {
	for i, c := range cells {
		cells[i] = escape(c)
	}
	return "| " + strings.Join(cells, " | ") + " |\n"
}

// escape keeps a cell on one line and its pipes from splitting it.
func escape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ").Replace(s)
}

// code is s as inline code.
func code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + strings.ReplaceAll(s, "`", "'") + "`"
}

func capList(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, "; ")
	}
	return strings.Join(items[:n], "; ") + fmt.Sprintf("; +%d more", len(items)-n)
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
