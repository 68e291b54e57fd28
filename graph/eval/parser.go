package eval

import (
	"encoding/json"
	"errors"
	"sync"
)

// Parser parses request documents as ParseRequest does, for many requests
// that share policies (keyhound eval --jsonl): each distinct policy text,
// and each distinct list of grants, is parsed once and its parsed form
// shared by every request that holds the same text. Evaluation only reads
// them; callers must not modify the requests' policies or grants. A Parser
// is safe for concurrent use.
type Parser struct {
	policies *textCache[policyValue]
	grants   *textCache[[]Grant]
}

// NewParser returns a parser whose caches hold texts (policy values, grant
// lists) of at most cacheBytes bytes in all, evicting the least recently
// used. The parsed forms take about ten times their texts' size.
func NewParser(cacheBytes int) *Parser {
	return &Parser{
		policies: newTextCache(cacheBytes-cacheBytes/8, parsePolicyValue),
		grants:   newTextCache(cacheBytes/8, parseGrants),
	}
}

// Parse parses a request document exactly as ParseRequest does: the same
// request, or the same error.
//
// Most documents are decoded without reflection (decodeInput); any other,
// and any document with an error, goes through ParseRequest's own path, so
// that errors are always ParseRequest's.
func (p *Parser) Parse(data []byte) (*Request, error) {
	sc := scratchPool.Get().(*decodeScratch)
	if sc.parser != p {
		sc.reset(p)
	}
	var in input
	var r *Request
	err := errNotDecoded
	if decodeInput(data, &in, p.grants.get, sc) {
		r, err = buildRequest(&in, sc.policy)
	}
	clear(sc.resolved) // they point into data
	sc.resolved = sc.resolved[:0]
	scratchPool.Put(sc)
	if err == nil {
		return r, nil
	}
	return parseRequest(data, p.policies.get)
}

var (
	// scratchPool holds decodeScratch values. sync.Pool keeps them per
	// processor, so each worker mostly meets its own.
	scratchPool   = sync.Pool{New: func() any { return new(decodeScratch) }}
	errNotDecoded = errors.New("not decoded")
)

// Bounds of a scratch's own table of policy values (decodeScratch.policy).
const (
	localPolicies    = 512
	localPolicyBytes = 1 << 20
)

// prefixLen is the length of the prefixes decodeScratch.known looks texts
// up by: long enough to tell most policies apart, short enough that most
// are indexed.
const prefixLen = 96

// localPolicy is a policy value in a scratch's table, with its text.
type localPolicy struct {
	key string
	v   policyValue
}

// resolvedPolicy is a policy value decodeInput found whole in the document
// being parsed: text is where, in the document.
type resolvedPolicy struct {
	text []byte
	v    policyValue
}

// policy returns the policy value parsed from raw: the one decodeInput
// found there, or from the scratch's own table, without locking, or from
// the parser's cache, shared by every goroutine (whose lock and LRU list,
// written on every lookup, bounced between cores: a tenth of a batch's
// time on two). The table holds the cache's own key strings and values,
// and is cleared when full.
func (sc *decodeScratch) policy(raw []byte) (policyValue, error) {
	for _, r := range sc.resolved {
		if len(r.text) == len(raw) && len(raw) > 0 && &r.text[0] == &raw[0] {
			return r.v, nil
		}
	}
	if v, ok := sc.policies[string(raw)]; ok {
		return v, nil
	}
	key, v, err := sc.parser.policies.entry(raw)
	if err != nil || key == "" {
		return v, err
	}
	if len(sc.policies) >= localPolicies || sc.policyBytes+len(key) > localPolicyBytes {
		clear(sc.policies)
		clear(sc.byPrefix)
		sc.policyBytes = 0
	}
	sc.policies[key] = v
	if len(key) >= prefixLen {
		sc.byPrefix[key[:prefixLen]] = localPolicy{key: key, v: v}
	}
	sc.policyBytes += len(key)
	return v, nil
}

// known returns the length of a policy text in the scratch's table that b
// starts with, or 0, and records its value for policy. It spares scanning
// b for the value's end: every text in the table parsed, so it is a whole
// JSON object or string, and a value that starts with such a text is that
// text, since an object or a string ends where its own bytes say.
func (sc *decodeScratch) known(b []byte) int {
	if len(b) < prefixLen || len(sc.byPrefix) == 0 {
		return 0
	}
	e, ok := sc.byPrefix[string(b[:prefixLen])]
	if !ok || len(b) < len(e.key) || string(b[:len(e.key)]) != e.key {
		return 0
	}
	sc.resolved = append(sc.resolved, resolvedPolicy{text: b[:len(e.key)], v: e.v})
	return len(e.key)
}

// reset gives the scratch to parser p, with an empty table of policies.
func (sc *decodeScratch) reset(p *Parser) {
	sc.parser = p
	sc.policies = make(map[string]policyValue)
	sc.byPrefix = make(map[string]localPolicy)
	sc.policyBytes = 0
}

// parseGrants decodes a grants array as json.Unmarshal does into the
// request's grants field.
func parseGrants(raw []byte) ([]Grant, error) {
	var gs []Grant
	err := json.Unmarshal(raw, &gs)
	return gs, err
}

// textCache is a least-recently-used cache of values parsed from texts,
// keyed by the text, bounded by the total length of the texts (entryCost). Errors are
// cached too: a value's error depends on its text alone.
type textCache[V any] struct {
	parse func([]byte) (V, error)

	mu      sync.Mutex
	entries map[string]*cacheEntry[V]
	head    cacheEntry[V] // sentinel: head.next is the most recently used
	size    int
	max     int
}

type cacheEntry[V any] struct {
	key        string
	once       sync.Once // parses the text, once, outside the lock
	v          V
	err        error
	prev, next *cacheEntry[V]
}

func newTextCache[V any](maxBytes int, parse func([]byte) (V, error)) *textCache[V] {
	c := &textCache[V]{parse: parse, entries: map[string]*cacheEntry[V]{}, max: maxBytes}
	c.head.prev, c.head.next = &c.head, &c.head
	return c
}

// get returns the value parsed from raw, from the cache or parsed now.
// Goroutines asking for a text being parsed wait for that parse. A text
// longer than the whole cache is parsed and not kept.
func (c *textCache[V]) get(raw []byte) (V, error) {
	_, v, err := c.entry(raw)
	return v, err
}

// entry is get, with the cache's copy of the text as key ("" for a text
// not kept).
func (c *textCache[V]) entry(raw []byte) (key string, v V, err error) {
	if len(raw) > c.max {
		v, err = c.parse(raw)
		return "", v, err
	}
	c.mu.Lock()
	e, ok := c.entries[string(raw)]
	if ok {
		c.unlink(e)
	} else {
		e = &cacheEntry[V]{key: string(raw)}
		c.entries[e.key] = e
		c.size += entryCost(e.key)
	}
	c.pushFront(e)
	for c.size > c.max {
		old := c.head.prev
		c.unlink(old)
		delete(c.entries, old.key)
		c.size -= entryCost(old.key)
	}
	c.mu.Unlock()
	e.once.Do(func() { e.v, e.err = c.parse(raw) })
	return e.key, e.v, e.err
}

// entryCost is what an entry counts against the bound: its text's length,
// but at least minEntryCost, so that a flood of tiny distinct texts (whose
// parsed forms and entries weigh more than their text) is bounded too.
func entryCost(key string) int { return max(len(key), minEntryCost) }

const minEntryCost = 64

func (c *textCache[V]) unlink(e *cacheEntry[V]) {
	e.prev.next, e.next.prev = e.next, e.prev
}

func (c *textCache[V]) pushFront(e *cacheEntry[V]) {
	e.prev, e.next = &c.head, c.head.next
	e.next.prev = e
	c.head.next = e
}

// decodeScratch keeps the slices of raw values decodeInput fills, to reuse
// them for the next document: they only live until buildRequest has read
// them. (What they still point to is dropped with the scratch by sync.Pool.)
// It also keeps, for Parser.Parse, a table of the policy values it met.
type decodeScratch struct {
	ids        []json.RawMessage
	scps, rcps [][]json.RawMessage
	pairs      []contextPair

	// parser, policies, byPrefix, policyBytes and resolved: see
	// decodeScratch.policy and decodeScratch.known.
	parser      *Parser
	policies    map[string]policyValue
	byPrefix    map[string]localPolicy
	policyBytes int
	resolved    []resolvedPolicy
}

// keep takes back the slices decodeInput gave in, with their storage.
func (sc *decodeScratch) keep(in *input) {
	if cap(in.IdentityPolicies) > cap(sc.ids) {
		sc.ids = in.IdentityPolicies
	}
	if cap(in.SCPs) > cap(sc.scps) {
		sc.scps = in.SCPs
	}
	if cap(in.RCPs) > cap(sc.rcps) {
		sc.rcps = in.RCPs
	}
	if cap(in.contextPairs) > cap(sc.pairs) {
		sc.pairs = in.contextPairs
	}
}
