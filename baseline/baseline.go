// Package baseline holds accepted risks: a file of entries, each accepting
// the diff items (new access, new external access, new escalation paths,
// findings…) that its patterns match, with a reason, an owner and an expiry
// date. A CI gate (keyhound diff --fail-on) does not fail on an item an
// entry accepts; an entry past its expiry no longer accepts and says so; an
// entry that matches nothing is reported, as a warning.
//
// The package parses and writes the file (YAML; JSON is YAML too), turns a
// diff report into items (Items) and judges items against a file with an
// injected clock (Judge). It reads a file only in Load; rendering belongs
// to the callers (cmd/keyhound, report).
package baseline

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"time"

	"go.yaml.in/yaml/v3"
)

// DateLayout is how expiry dates are written.
const DateLayout = "2006-01-02"

// File is a baseline: the accepted risks, in the file's order.
type File struct {
	// Name is the file's path, for messages.
	Name    string
	Entries []Entry
}

// Entry is one accepted risk.
type Entry struct {
	Match  Match  `json:"match"`
	Reason string `json:"reason"`
	Owner  string `json:"owner"`
	// Expires is the date (UTC) from which the entry no longer accepts:
	// an entry expiring 2027-03-01 accepts through 2027-02-28.
	Expires time.Time `json:"expires"`
	// Index is the entry's position in the file (from 1) and Line its line
	// (0 when it does not come from a file).
	Index int `json:"index"`
	Line  int `json:"line,omitempty"`
}

// Match holds an entry's patterns, one per field of an Item. An empty
// pattern matches anything; "*" matches any run of characters (slashes
// and colons too, as in IAM), "?" one character and "\" makes the next
// character literal. Everything else matches itself, case-sensitively.
type Match struct {
	// Change matches the item's kind (NewAccess, NewExternal…).
	Change    string `json:"change,omitempty" yaml:"change,omitempty"`
	Principal string `json:"principal,omitempty" yaml:"principal,omitempty"`
	Key       string `json:"key,omitempty" yaml:"key,omitempty"`
	Resource  string `json:"resource,omitempty" yaml:"resource,omitempty"`
	// Finding matches a finding's rule ID.
	Finding string `json:"finding,omitempty" yaml:"finding,omitempty"`
}

// Matches reports whether every pattern of m matches it.
func (m Match) Matches(it Item) bool {
	for _, p := range [...][2]string{
		{m.Principal, it.Principal},
		{m.Key, it.Key},
		{m.Resource, it.Resource},
		{m.Finding, it.Rule},
		{m.Change, it.Kind},
	} {
		if p[0] != "" && !Glob(p[0], p[1]) {
			return false
		}
	}
	return true
}

// Expired reports whether the entry no longer accepts at now.
func (e Entry) Expired(now time.Time) bool { return !now.Before(e.Expires) }

// String names the entry for messages: "entry 3 (line 14)".
func (e Entry) String() string {
	if e.Line > 0 {
		return fmt.Sprintf("entry %d (line %d)", e.Index, e.Line)
	}
	return fmt.Sprintf("entry %d", e.Index)
}

// Load reads and parses the baseline at path.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	return Parse(path, data)
}

// fileDoc and entryDoc are the file's shape when written.
type fileDoc struct {
	Version  int        `yaml:"version"`
	Accepted []entryDoc `yaml:"accepted"`
}

type entryDoc struct {
	Match   Match  `yaml:"match"`
	Reason  string `yaml:"reason"`
	Owner   string `yaml:"owner"`
	Expires string `yaml:"expires"`
}

// header opens every file Encode writes.
const header = `keyhound accepted risks: keyhound diff --baseline FILE accepts the items
these entries match (patterns: * any run of characters, ? one, \ makes the
next one literal; an absent field matches anything). An entry expires at the
start of its date (UTC).`

// Encode writes f as YAML, each entry under a comment (comments[i], if
// given, says what entry i was written for).
func (f *File) Encode(w io.Writer, comments []string) error {
	doc := fileDoc{Version: 1, Accepted: []entryDoc{}}
	for _, e := range f.Entries {
		doc.Accepted = append(doc.Accepted, entryDoc{Match: e.Match, Reason: e.Reason, Owner: e.Owner, Expires: e.Expires.UTC().Format(DateLayout)})
	}
	var root yaml.Node
	if err := root.Encode(doc); err != nil {
		return fmt.Errorf("encode baseline: %w", err)
	}
	root.HeadComment = header
	if seq := mapValue(&root, "accepted"); seq != nil {
		for i, item := range seq.Content {
			if i < len(comments) && comments[i] != "" {
				item.HeadComment = comments[i]
			}
		}
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		return fmt.Errorf("encode baseline: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("encode baseline: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// mapValue is the value of key in a mapping node (or nil).
func mapValue(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
