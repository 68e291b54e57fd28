package policy

import (
	"slices"
	"strings"
)

// Presence says what is known about a request-context key.
type Presence uint8

const (
	// PresenceUnknown keys may or may not be in the request, with any value.
	PresenceUnknown Presence = iota
	// PresenceAbsent keys are known not to be in the request.
	PresenceAbsent
	// PresencePresent keys are in the request with known values.
	PresencePresent
)

// Context is the request context: condition keys and their values. Key names
// are case-insensitive, as AWS documents for condition keys. A Context built
// with Complete set answers "absent" for every key it does not hold; otherwise
// such keys are unknown.
//
// The zero value is an empty, incomplete context. Context is not safe for
// concurrent mutation; lookups are safe once it is built.
type Context struct {
	entries  map[string]ctxEntry
	complete bool
	// known lists lower-case key prefixes whose keys are all known: a key
	// with such a prefix that is not set is absent (the request's whole
	// encryption context is known, say).
	known []string
}

type ctxEntry struct {
	name   string // as given, for explanations
	values []string
	absent bool
	// notIn, for an unknown key, lists values it is known not to have.
	notIn []string
}

// NewContext returns an empty context; complete says whether keys not set are absent.
func NewContext(complete bool) *Context {
	return &Context{entries: make(map[string]ctxEntry), complete: complete}
}

// Complete reports whether keys not set are known to be absent.
func (c *Context) Complete() bool { return c != nil && c.complete }

// SetComplete changes whether keys not set are known to be absent.
func (c *Context) SetComplete(complete bool) { c.complete = complete }

// Set records key with the given values (a multi-valued key may have several,
// or none: an empty set).
func (c *Context) Set(key string, values ...string) {
	if c.entries == nil {
		c.entries = make(map[string]ctxEntry)
	}
	c.entries[strings.ToLower(key)] = ctxEntry{name: key, values: values}
}

// SetAbsent records that key is known not to be in the request.
func (c *Context) SetAbsent(key string) {
	if c.entries == nil {
		c.entries = make(map[string]ctxEntry)
	}
	c.entries[strings.ToLower(key)] = ctxEntry{name: key, absent: true}
}

// SetNotIn records that key is unknown (absent, or present with any value)
// except that it is none of values: aws:PrincipalOrgID of a principal outside
// the organization, say. StringEquals and StringNotEquals on such a key can
// then be decided when the policy compares it only with those values.
func (c *Context) SetNotIn(key string, values ...string) {
	if c.entries == nil {
		c.entries = make(map[string]ctxEntry)
	}
	if values == nil {
		values = []string{}
	}
	c.entries[strings.ToLower(key)] = ctxEntry{name: key, notIn: values}
}

// NotIn returns the values an unknown key (in any case) is known not to have.
func (c *Context) NotIn(key string) []string { return c.notIn(strings.ToLower(key)) }

// notIn returns the values an unknown key is known not to have.
func (c *Context) notIn(lowerKey string) []string {
	if c == nil {
		return nil
	}
	return c.entries[lowerKey].notIn
}

// Has reports whether key was set: present, absent, or with SetNotIn.
func (c *Context) Has(key string) bool {
	if c == nil {
		return false
	}
	_, ok := c.entries[strings.ToLower(key)]
	return ok
}

// Lookup returns the values of a key given in lower case, and whether it is
// present, absent or unknown. It does not allocate.
func (c *Context) Lookup(lowerKey string) ([]string, Presence) {
	if c == nil {
		return nil, PresenceUnknown
	}
	e, ok := c.entries[lowerKey]
	switch {
	case ok && e.notIn != nil:
		return nil, PresenceUnknown
	case ok && e.absent:
		return nil, PresenceAbsent
	case ok:
		return e.values, PresencePresent
	case c.complete:
		return nil, PresenceAbsent
	}
	for _, p := range c.known {
		if strings.HasPrefix(lowerKey, p) {
			return nil, PresenceAbsent
		}
	}
	return nil, PresenceUnknown
}

// SetPrefixKnown records that every key starting with prefix (in any case)
// is known: such keys not set are absent.
func (c *Context) SetPrefixKnown(prefix string) {
	c.known = append(c.known, strings.ToLower(prefix))
}

// PrefixKnown reports whether every key starting with prefix (in any case)
// is known: the context is complete, or SetPrefixKnown named the prefix.
func (c *Context) PrefixKnown(prefix string) bool {
	if c == nil {
		return false
	}
	if c.complete {
		return true
	}
	for _, p := range c.known {
		if len(prefix) >= len(p) && strings.EqualFold(prefix[:len(p)], p) {
			return true
		}
	}
	return false
}

// EachPrefixed calls fn for every key set present (not absent, not merely
// excluded) whose name starts with prefix in any case, with the rest of its
// name as given and its values, in no particular order.
func (c *Context) EachPrefixed(prefix string, fn func(rest string, values []string)) {
	if c == nil {
		return
	}
	for _, e := range c.entries {
		if e.absent || e.notIn != nil || len(e.name) < len(prefix) || !strings.EqualFold(e.name[:len(prefix)], prefix) {
			continue
		}
		fn(e.name[len(prefix):], e.values)
	}
}

// Get is Lookup for a key in any case.
func (c *Context) Get(key string) ([]string, Presence) { return c.Lookup(strings.ToLower(key)) }

// Keys returns the keys set, present or absent, in the case they were given, sorted case-insensitively.
func (c *Context) Keys() []string {
	if c == nil {
		return nil
	}
	lower := make([]string, 0, len(c.entries))
	for k := range c.entries {
		lower = append(lower, k)
	}
	slices.Sort(lower)
	out := make([]string, len(lower))
	for i, k := range lower {
		out[i] = c.entries[k].name
	}
	return out
}

// Clone returns a copy that can be changed without changing c.
func (c *Context) Clone() *Context {
	n := &Context{entries: make(map[string]ctxEntry, len(c.entriesOrNil())), complete: c.Complete()}
	if c != nil {
		n.known = append([]string(nil), c.known...)
	}
	for k, v := range c.entriesOrNil() {
		n.entries[k] = v
	}
	return n
}

func (c *Context) entriesOrNil() map[string]ctxEntry {
	if c == nil {
		return nil
	}
	return c.entries
}

// Key is a condition-key name with its lower-case form, made once (MakeKey)
// by callers that set the same keys for every request.
type Key struct{ name, lower string }

// MakeKey returns the Key for a condition-key name.
func MakeKey(name string) Key { return Key{name: name, lower: strings.ToLower(name)} }

// Name returns the key as written.
func (k Key) Name() string { return k.name }

// NewContextSize returns an empty context with room for n keys.
func NewContextSize(complete bool, n int) *Context {
	return &Context{entries: make(map[string]ctxEntry, n), complete: complete}
}

// SetKey is Set for a Key.
func (c *Context) SetKey(k Key, values ...string) {
	if c.entries == nil {
		c.entries = make(map[string]ctxEntry)
	}
	c.entries[k.lower] = ctxEntry{name: k.name, values: values}
}

// SetAbsentKey is SetAbsent for a Key.
func (c *Context) SetAbsentKey(k Key) {
	if c.entries == nil {
		c.entries = make(map[string]ctxEntry)
	}
	c.entries[k.lower] = ctxEntry{name: k.name, absent: true}
}

// HasKey is Has for a Key.
func (c *Context) HasKey(k Key) bool {
	if c == nil {
		return false
	}
	_, ok := c.entries[k.lower]
	return ok
}

// DeleteKey forgets a key set with SetKey or SetAbsentKey, so that a context
// can be reused across requests that differ in a few keys.
func (c *Context) DeleteKey(k Key) {
	if c != nil {
		delete(c.entries, k.lower)
	}
}

// Reset empties the context, keeping its storage, and sets whether keys not
// set are absent: one context can serve many requests in turn.
func (c *Context) Reset(complete bool) {
	clear(c.entries)
	if c.entries == nil {
		c.entries = make(map[string]ctxEntry)
	}
	c.known = c.known[:0]
	c.complete = complete
}
