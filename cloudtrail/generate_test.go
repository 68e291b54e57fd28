package cloudtrail

import (
	"bytes"
	"context"
	"testing"

	"github.com/keyhound/keyhound/graph/usage"
)

// genReport generates n records with o and joins them.
func genReport(t *testing.T, o GenOptions, n int) (*usage.Report, []byte) {
	t.Helper()
	g := genGraph(t)
	gn, err := NewGenerator(g, o)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := gn.WriteTrail(&buf, n); err != nil {
		t.Fatal(err)
	}
	j := usage.New(g)
	if _, err := Read(context.Background(), "gen.json", bytes.NewReader(buf.Bytes()), Options{}, func(e *usage.Event) error {
		j.Add(e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	r, err := j.Report(usage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r, buf.Bytes()
}

func unexplainedCalls(r *usage.Report) int {
	n := 0
	for _, u := range r.Unexplained {
		n += u.Calls
	}
	return n
}

// TestGeneratedMonthLooksReal: the generated calls are mostly ones the
// graph allows; the shares of unexplained calls and of denials are what
// the options ask (defaults 0.5% and 1.5% of KMS events), the denials are
// ones keyhound explains as DENY, and the same seed writes the same bytes.
func TestGeneratedMonthLooksReal(t *testing.T) {
	const n = 20000
	r, first := genReport(t, GenOptions{Seed: 3, Total: n}, n)
	kms := r.Stats.KMS
	if u := unexplainedCalls(r); u > kms*15/1000 {
		t.Errorf("%d of %d KMS calls unexplained; want about 0.5%%", u, kms)
	}
	if d := r.Stats.Denied; d < kms*8/1000 || d > kms*25/1000 {
		t.Errorf("%d of %d KMS calls denied; want about 1.5%%", d, kms)
	}
	for _, d := range r.Denials {
		if d.Layer == "allow" || d.Layer == "error" {
			t.Errorf("a generated denial keyhound does not deny: %+v", d)
			break
		}
	}

	_, again := genReport(t, GenOptions{Seed: 3, Total: n}, n)
	if !bytes.Equal(first, again) {
		t.Error("the same seed wrote different records")
	}

	r, _ = genReport(t, GenOptions{Seed: 3, Total: n, Unexplained: 0.05, Denied: -1}, n)
	if u := unexplainedCalls(r); u < r.Stats.KMS*3/100 || r.Stats.Denied != 0 {
		t.Errorf("Unexplained 0.05, Denied -1: %d of %d calls unexplained, %d denied", u, r.Stats.KMS, r.Stats.Denied)
	}
}
