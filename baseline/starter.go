package baseline

import (
	"strings"
	"time"
)

// Placeholders of a starter file, for people to replace.
const (
	PlaceholderOwner  = "TODO"
	PlaceholderReason = "TODO"
	// StarterValidity is how long a starter file's entries accept.
	StarterValidity = 90 * 24 * time.Hour
)

// Starter is a baseline accepting every item: one entry per item matching
// exactly its fields, with a placeholder owner and reason, expiring
// StarterValidity after now (at the start of that day, UTC). comments[i]
// says what entry i accepts, for Encode.
func Starter(name string, items []Item, now time.Time) (f *File, comments []string) {
	expires := now.UTC().Add(StarterValidity).Truncate(24 * time.Hour)
	f = &File{Name: name, Entries: []Entry{}}
	seen := map[Match]bool{}
	for _, it := range items {
		m := Match{Change: it.Kind, Principal: Quote(it.Principal), Key: Quote(it.Key), Resource: Quote(it.Resource), Finding: Quote(it.Rule)}
		if seen[m] { // the same access for another action: one entry accepts both
			continue
		}
		seen[m] = true
		f.Entries = append(f.Entries, Entry{Match: m, Reason: PlaceholderReason, Owner: PlaceholderOwner, Expires: expires, Index: len(f.Entries) + 1})
		comments = append(comments, it.Text)
	}
	return f, comments
}

// Unfinished lists the entries whose owner or reason is still a starter
// file's placeholder: they accept, but nobody has said why.
func (f *File) Unfinished() []Entry {
	var out []Entry
	if f == nil {
		return out
	}
	for _, e := range f.Entries {
		if strings.HasPrefix(e.Owner, PlaceholderOwner) || strings.HasPrefix(e.Reason, PlaceholderReason) {
			out = append(out, e)
		}
	}
	return out
}
