package diff

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"

	"github.com/keyhound/keyhound/graph"
)

// A comparison stops when its context is done (an interrupt), with the
// context's error, and leaves no goroutine behind (synctest fails the
// test if its walks are left blocked); the whole-organization path
// (--full) and the scoped one both.
func TestCompareStopsWhenCanceled(t *testing.T) {
	old := graph.Build(load(t), nil)
	s := load(t)
	addKeyStatement(t, s, secretsKey, `{"Sid":"CopierDecrypts","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:role/SnapshotCopier"},"Action":"kms:Decrypt","Resource":"*"}`)
	cur := graph.Build(s, nil)
	for _, o := range []Options{{}, {Full: true}} {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if r, err := Compare(ctx, old, cur, o); !errors.Is(err, context.Canceled) || r != nil {
				t.Errorf("full %v: canceled comparison: %v, %v", o.Full, r, err)
			}
		})
		if r, err := Compare(context.Background(), old, cur, o); err != nil || len(r.Changes) == 0 {
			t.Errorf("full %v: the same comparison, not canceled: %v, %v", o.Full, r, err)
		}
	}
}
