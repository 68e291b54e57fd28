package scanner

import (
	"sync"
)

// queue hands accounts from whoever finds them to the account pool, without
// ever blocking the finder; each account once.
type queue struct {
	mu     sync.Mutex
	items  []string
	seen   map[string]bool
	closed bool
	ready  chan struct{}
}

func newQueue() *queue { return &queue{seen: map[string]bool{}, ready: make(chan struct{}, 1)} }

func (q *queue) push(account string) {
	q.mu.Lock()
	if !q.seen[account] {
		q.seen[account] = true
		q.items = append(q.items, account)
	}
	q.mu.Unlock()
	q.signal()
}

func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.signal()
}

func (q *queue) signal() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// pop waits for the next account; ok is false once the queue is closed and empty.
func (q *queue) pop() (string, bool) {
	for {
		q.mu.Lock()
		if len(q.items) > 0 {
			a := q.items[0]
			q.items = q.items[1:]
			q.mu.Unlock()
			return a, true
		}
		if q.closed {
			q.mu.Unlock()
			return "", false
		}
		q.mu.Unlock()
		<-q.ready
	}
}

// len is how many accounts were ever pushed.
func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.seen)
}
