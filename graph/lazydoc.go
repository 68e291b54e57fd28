package graph

import (
	"errors"
	"sync"

	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
)

// A key's or a resource's policy document is parsed when an answer first
// asks for it, not by Build: a question about a key reads its own policy
// and its own resources', not the others' (at 5,000 generated accounts,
// 40,000 distinct key policies and 200,000 bucket policies: 1.5 s and
// 0.5 GB of a who-can). Build parses them all when it must list their
// issues itself; with BuildOptions.KnownIssues the graph's issues are
// those an earlier build of the same snapshot found (the graph cache keeps
// them), and each document parses, once, on first use, from any goroutine
// (keypolicy.go, resourcepolicy.go).

// lazyDoc is a policy document parsed on first use, through the graph's
// table of texts.
type lazyDoc struct {
	once sync.Once
	doc  string
	// path+suffix, or res's path+suffix, is the document's JSON path, made
	// only for an issue: the joined copies were 16 MB of 5,000 generated
	// accounts' graph.
	path, suffix string
	res          *Resource
	table        *docTable
	// Set once: the parsed policy (nil when it does not parse), the issue
	// when it does not, and that it was parsed.
	np   *eval.NamedPolicy
	gap  *Issue
	done bool
}

// resolve parses the document through parse, once, as the policy name of
// item (its issue's); then runs under the once with the result. did says
// whether this call parsed it (and so made its issue, if any).
func (d *lazyDoc) resolve(parse func(string) parsed, name, account, region, item string, then func()) (did bool) {
	d.once.Do(func() {
		did, d.done = true, true
		if c := parse(d.doc); c.err != nil {
			d.gap = policyIssue(c.err, account, region, item, d.where())
		} else {
			d.np = &eval.NamedPolicy{Name: name, Policy: c.p}
		}
		if then != nil {
			then()
		}
	})
	return did
}

// where is the document's JSON path.
func (d *lazyDoc) where() string {
	if d.res != nil {
		return d.res.Path() + d.suffix
	}
	return d.path + d.suffix
}

// docTable parses each distinct text once, from any goroutine: keys share
// policies (120,000 keys, 40,000 texts at 5,000 generated accounts), and
// so may resources.
type docTable struct {
	m sync.Map // text → *docEntry
}

type docEntry struct {
	once sync.Once
	c    parsed
}

// parse is doc parsed, once for every caller.
func (t *docTable) parse(doc string) parsed {
	v, ok := t.m.Load(doc)
	if !ok {
		v, _ = t.m.LoadOrStore(doc, &docEntry{})
	}
	e := v.(*docEntry)
	e.once.Do(func() { e.c.p, e.c.err = policy.ParseString(doc) })
	return e.c
}

// policyIssue is the issue of a policy document that does not parse (err),
// at path in the snapshot.
func policyIssue(err error, account, region, item, path string) *Issue {
	iss := Issue{Account: account, Region: region, Item: item, Path: path, Message: "unparseable policy: " + err.Error()}
	var pe *policy.ParseError
	if errors.As(err, &pe) && pe.Path != "" {
		iss.Path = path + " → " + pe.Path
		iss.Message = "unparseable policy: " + pe.Msg
	}
	return &iss
}
