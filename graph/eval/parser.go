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
// used. The parsed forms take a small multiple of their texts' size.
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
	var in input
	var r *Request
	err := errNotDecoded
	if decodeInput(data, &in, p.grants.get, sc) {
		r, err = buildRequest(&in, p.policies.get)
	}
	scratchPool.Put(sc)
	if err == nil {
		return r, nil
	}
	return parseRequest(data, p.policies.get)
}

var (
	scratchPool   = sync.Pool{New: func() any { return new(decodeScratch) }}
	errNotDecoded = errors.New("not decoded")
)

// parseGrants decodes a grants array as json.Unmarshal does into the
// request's grants field.
func parseGrants(raw []byte) ([]Grant, error) {
	var gs []Grant
	err := json.Unmarshal(raw, &gs)
	return gs, err
}

// textCache is a least-recently-used cache of values parsed from texts,
// keyed by the text, bounded by the total length of the texts. Errors are
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
	if len(raw) > c.max {
		return c.parse(raw)
	}
	c.mu.Lock()
	e, ok := c.entries[string(raw)]
	if ok {
		c.unlink(e)
	} else {
		e = &cacheEntry[V]{key: string(raw)}
		c.entries[e.key] = e
		c.size += len(e.key)
	}
	c.pushFront(e)
	for c.size > c.max {
		old := c.head.prev
		c.unlink(old)
		delete(c.entries, old.key)
		c.size -= len(old.key)
	}
	c.mu.Unlock()
	e.once.Do(func() { e.v, e.err = c.parse(raw) })
	return e.v, e.err
}

func (c *textCache[V]) unlink(e *cacheEntry[V]) {
	e.prev.next, e.next.prev = e.next, e.prev
}

func (c *textCache[V]) pushFront(e *cacheEntry[V]) {
	e.prev, e.next = &c.head, c.head.next
	e.next.prev = e
	c.head.next = e
}
