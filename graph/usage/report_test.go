package usage

import (
	"fmt"
	"testing"
	"time"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/gen"
)

// noPolicy is the demo's user whom no identity policy lets use a key.
const noPolicy = "arn:aws:iam::222222222222:user/dilip-no-policy"

func call(name string, n int, via string) Event {
	return Event{
		Time: time.Date(2026, 11, 1, 0, 0, n, 0, time.UTC), Source: "kms.amazonaws.com", Name: name, Region: "us-east-1",
		Identity:  Identity{Type: "IAMUser", ARN: noPolicy, AccountID: "222222222222", InvokedBy: via},
		Resources: []Resource{{ARN: reports, Type: "AWS::KMS::Key"}},
	}
}

// TestUnexplainedGrouped: the uses one principal cannot make, for one
// cause, are one group (busiest uses first, at most maxExamples, one
// answer), however many operations they are; a service path is another.
func TestUnexplainedGrouped(t *testing.T) {
	j := New(demoGraph(t))
	const ops = maxExamples + 5
	for i := range ops {
		for c := range i + 1 { // operation i: i+1 calls
			e := call(fmt.Sprintf("Op%02d", i), c, "")
			j.Add(&e)
		}
	}
	e := call("Decrypt", 0, "s3.amazonaws.com")
	j.Add(&e)
	r, err := j.Report(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Unexplained) != 2 {
		t.Fatalf("%d unexplained groups, want 2: %+v", len(r.Unexplained), r.Unexplained)
	}
	g := r.Unexplained[0]
	if g.Principal != noPolicy || g.ViaService != "" || g.Uses != ops || g.Calls != ops*(ops+1)/2 ||
		g.Layer == "" || g.Statement != "no statement allows" || g.Answer == nil || g.Answer.Decision != eval.Deny || g.Answer.Request != nil {
		t.Errorf("direct group: %+v", g)
	}
	if len(g.Examples) != maxExamples || g.Examples[0].Action != fmt.Sprintf("kms:Op%02d", ops-1) || g.Examples[0].Calls != ops {
		t.Errorf("examples: %+v", g.Examples)
	}
	if s := r.Unexplained[1]; s.ViaService != "s3.us-east-1.amazonaws.com" || s.Uses != 1 || s.Calls != 1 || s.Examples[0].Action != "kms:Decrypt" {
		t.Errorf("through S3: %+v", s)
	}
}

// BenchmarkUnusedGrants checks every grant of a generated organization
// against 50,000 uses (each grant was checked against every use before the
// uses were indexed).
func BenchmarkUnusedGrants(b *testing.B) {
	g := graph.Build(gen.Organization(gen.Options{Accounts: 50, Regions: 2, RolesPerAccount: 20, KeysPerRegion: 5, ResourcesPerKey: 1, Seed: 1}), nil)
	j := New(g)
	keys, ps := g.Keys(), g.Principals()
	for i := range 50_000 {
		p, k := ps[i%len(ps)], keys[(i/len(ps))%len(keys)]
		e := Event{
			Time: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Source: "kms.amazonaws.com", Name: "Decrypt", Region: k.Region,
			Identity:  Identity{Type: "IAMUser", ARN: p.ARN, AccountID: p.Account},
			Resources: []Resource{{ARN: k.ARN, Type: "AWS::KMS::Key"}},
		}
		j.Add(&e)
	}
	uses := j.Uses()
	grants := 0
	for _, k := range keys {
		grants += len(k.Grants)
	}
	for b.Loop() {
		x := newGrantIndex(uses)
		for _, k := range keys {
			j.unusedGrants(k, x)
		}
	}
	b.ReportMetric(float64(grants), "grants")
	b.ReportMetric(float64(len(uses)), "uses")
}

// TestUnexplainedAnswersBounded: only the maxAnswers busiest groups carry
// keyhound's answer (each is kilobytes); every group has its cause.
func TestUnexplainedAnswersBounded(t *testing.T) {
	g := graph.Build(gen.Organization(gen.Options{Accounts: 10, Regions: 1, RolesPerAccount: 20, KeysPerRegion: 1, ResourcesPerKey: 1, Seed: 1}), nil)
	j := New(g)
	var key *graph.Key
	for _, k := range g.Keys() {
		if k.Manager() != eval.KeyManagerAWS {
			key = k
			break
		}
	}
	for i, p := range g.Principals() {
		for c := range i%7 + 1 {
			e := Event{
				Time: time.Date(2026, 11, 1, 0, 0, c, 0, time.UTC), Source: "kms.amazonaws.com", Name: "Decrypt", Region: key.Region,
				Identity:  Identity{Type: "IAMUser", ARN: p.ARN, AccountID: p.Account},
				Resources: []Resource{{ARN: key.ARN, Type: "AWS::KMS::Key"}},
			}
			j.Add(&e)
		}
	}
	r, err := j.Report(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Unexplained) <= maxAnswers {
		t.Fatalf("%d groups, want more than %d", len(r.Unexplained), maxAnswers)
	}
	for i, u := range r.Unexplained {
		if (u.Answer != nil) != (i < maxAnswers) || u.Layer == "" || u.Layer == "error" || i > 0 && u.Calls > r.Unexplained[i-1].Calls {
			t.Errorf("group %d: %d calls, layer %q, answer %v", i, u.Calls, u.Layer, u.Answer != nil)
		}
	}
}
