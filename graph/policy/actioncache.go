package policy

import (
	"strings"
	"sync"
	"sync/atomic"
)

// Compiled actions are shared: the same few hundred action names
// ("kms:Decrypt", "s3:GetObject", "kms:*") recur in nearly every policy of
// an organization, and each compiled again kept its own lower-case copy
// and tokens (20 MB of 5,000 generated accounts' parsed policies). An
// Action is read-only once compiled, so every statement naming one may
// hold the same. The table is bounded (maxSharedActions): past it, an
// action is compiled for its statement alone, as before.
var sharedActions struct {
	m sync.Map // raw action → Action
	n atomic.Int32
}

// maxSharedActions bounds the table: IAM has some 17,000 actions, and a
// policy may name any text.
const maxSharedActions = 1 << 16

// sharedAction returns the compiled action s, from the table when it is
// there, else compiled and kept there (unless the table is full). What
// the table keeps is compiled from its own copy of s: s may be a part of a
// policy's text, which the table must not hold.
func sharedAction(s string) (Action, error) {
	if v, ok := sharedActions.m.Load(s); ok {
		return v.(Action), nil //nolint:forcetypeassert // only Actions are stored
	}
	if sharedActions.n.Load() >= maxSharedActions {
		return compileAction(s, nil)
	}
	c := strings.Clone(s)
	a, err := compileAction(c, nil)
	if err != nil {
		return a, err
	}
	if v, loaded := sharedActions.m.LoadOrStore(c, a); loaded {
		return v.(Action), nil //nolint:forcetypeassert // only Actions are stored
	}
	sharedActions.n.Add(1)
	return a, nil
}
