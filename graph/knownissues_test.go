package graph

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// knownIssuesFixture is a snapshot with its load errors.
type knownIssuesFixture struct {
	s    *snapshot.Snapshot
	errs []snapshot.LoadError
}

// knownIssuesFixtures are snapshots with what a resource's policy decides:
// the demo, small.json, gaps.json (policies not collected, or that do not
// parse), and a generated organization with resource policies that do not
// parse, a public bucket under an unknown Block Public Access, a queue
// whose attributes failed beside its policy, and look-alike principals.
func knownIssuesFixtures(t *testing.T) map[string]knownIssuesFixture {
	t.Helper()
	out := map[string]knownIssuesFixture{}
	s, errs, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	out["demo"] = knownIssuesFixture{s, errs}
	for _, name := range []string{"small.json", "gaps.json"} {
		f, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		s, errs, err := snapshot.Decode(f)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = knownIssuesFixture{s, errs}
	}
	s = shareOrg(t)
	r := s.Accounts["100000000002"].Regions["us-east-1"]
	bad, public := "{", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}`
	r.S3.Buckets[0].Policy = &bad
	r.S3.Buckets[1].Policy = &public
	r.SecretsManager.Secrets[0].ResourcePolicy = &bad
	r.SQS.Queues[0].Attributes["Policy"] = "["
	r.SQS.Queues[1].Attributes["Policy"] = public
	s.Accounts["100000000002"].Errors = append(s.Accounts["100000000002"].Errors, snapshot.CollectionError{
		Service: "sqs", Region: "us-east-1", Operation: "GetQueueAttributes", Resource: r.SQS.Queues[1].QueueURL, Code: "Throttling",
	})
	s.Accounts["100000000003"].S3Control = nil
	// A key policy that does not parse, one not collected.
	keys := s.Accounts["100000000004"].Regions["us-east-1"].KMS.Keys
	keys[len(keys)-1].Policy = &bad
	keys[len(keys)-2].Policy = nil
	out["generated"] = knownIssuesFixture{s, nil}
	return out
}

// buildKnown builds s whole, then again with the issues the first build
// found (as from the graph cache): resource policies parsed on first use.
func buildKnown(fx knownIssuesFixture) (whole, known *Graph) {
	whole = Build(fx.s, fx.errs)
	known = BuildWith(fx.s, fx.errs, BuildOptions{KnownIssues: true, Issues: whole.Issues})
	return whole, known
}

// parsedDocs counts the keys and resources whose policy document was
// parsed.
func parsedDocs(g *Graph) int {
	n := 0
	for _, k := range g.sortedKeys {
		if k.pol != nil && k.pol.done {
			n++
		}
	}
	for _, r := range g.resources {
		if r.side != nil && r.side.done {
			n++
		}
	}
	return n
}

// A graph built with its issues known answers every question as one
// built whole: who can use each key and read each resource, each
// resource's policy, gap, sharing and Block Public Access, the findings
// and the counts.
func TestKnownIssuesAnswerAsBuild(t *testing.T) {
	for name, fx := range knownIssuesFixtures(t) {
		whole, known := buildKnown(fx)
		if !reflect.DeepEqual(known.Issues, whole.Issues) {
			t.Errorf("%s: issues differ:\n%v\nwant\n%v", name, known.Issues, whole.Issues)
		}
		if n := parsedDocs(known); n != 0 {
			t.Errorf("%s: Build parsed %d key and resource policies; none should be until asked", name, n)
		}
		// Each key's policy and issue first, on a graph of its own.
		for what, same := range map[string]func(wk, kk *Key) bool{
			"policy":       func(wk, kk *Key) bool { return samePolicy(kk.Policy(), wk.Policy()) },
			"policy issue": func(wk, kk *Key) bool { return reflect.DeepEqual(kk.PolicyIssue(), wk.PolicyIssue()) },
		} {
			_, known := buildKnown(fx)
			for i, k := range whole.Keys() {
				if !same(k, known.Keys()[i]) {
					t.Errorf("%s: %s: key %s differs", name, k.ARN, what)
				}
			}
		}
		for _, k := range whole.Keys() {
			want, werr := whole.WhoCan("kms:Decrypt", k.ARN, "", DefaultChainDepth)
			got, gerr := known.WhoCan("kms:Decrypt", k.ARN, "", DefaultChainDepth)
			if !reflect.DeepEqual(got, want) || (gerr == nil) != (werr == nil) {
				t.Errorf("%s: who-can kms:Decrypt %s differs", name, k.ARN)
			}
		}
		for _, r := range known.resources {
			if r.side != nil && r.side.done {
				t.Errorf("%s: who-can on the keys parsed the policy of %s; it reads none", name, r.ARN)
			}
		}
		for _, k := range whole.Keys() {
			want, werr := whole.WhoCanReadData("decrypt", k.ARN, DefaultChainDepth)
			got, gerr := known.WhoCanReadData("decrypt", k.ARN, DefaultChainDepth)
			if !reflect.DeepEqual(got, want) || (gerr == nil) != (werr == nil) {
				t.Errorf("%s: the readers of the data under %s differ", name, k.ARN)
			}
		}
		// Each way in first, on a graph of its own: each must parse what
		// it reads.
		for what, same := range map[string]func(w, k *Graph, wr, kr *Resource) bool{
			"policy":     func(_, _ *Graph, wr, kr *Resource) bool { return samePolicy(kr.Policy(), wr.Policy()) },
			"policy gap": func(_, _ *Graph, wr, kr *Resource) bool { return reflect.DeepEqual(kr.PolicyGap(), wr.PolicyGap()) },
			"sharing":    func(_, _ *Graph, wr, kr *Resource) bool { return slices.Equal(kr.SharedWith(), wr.SharedWith()) },
			"Block Public Access": func(_, _ *Graph, wr, kr *Resource) bool {
				return reflect.DeepEqual(kr.blockOf(), wr.blockOf())
			},
			"who-can decrypt": func(w, k *Graph, wr, kr *Resource) bool {
				want, werr := w.WhoCan("decrypt", wr.ARN, "", DefaultChainDepth)
				got, gerr := k.WhoCan("decrypt", kr.ARN, "", DefaultChainDepth)
				return reflect.DeepEqual(got, want) && (gerr == nil) == (werr == nil)
			},
		} {
			_, known := buildKnown(fx)
			for i, r := range whole.Resources() {
				if !same(whole, known, r, known.Resources()[i]) {
					t.Errorf("%s: %s: %s differs", name, r.ARN, what)
				}
			}
		}
		if _, known := buildKnown(fx); !reflect.DeepEqual(known.Findings(), whole.Findings()) {
			t.Errorf("%s: findings differ", name)
		}
		if _, known := buildKnown(fx); !reflect.DeepEqual(known.Stats(), whole.Stats()) {
			t.Errorf("%s: stats differ", name)
		}
	}
}

// Reading the data under a key parses the policies of that key and of its
// resources, none of the others'.
func TestKnownIssuesParseOnlyWhatIsAsked(t *testing.T) {
	fx := knownIssuesFixtures(t)["generated"]
	_, known := buildKnown(fx)
	var key *Key
	for _, k := range known.Keys() {
		if rs := known.ResourcesOf(k.ARN); slices.ContainsFunc(rs, func(r *Resource) bool { return r.side != nil }) && len(rs) < len(known.resources)/4 {
			key = k
			break
		}
	}
	if key == nil {
		t.Fatal("no key whose resources have policies")
	}
	if _, err := known.WhoCanReadData("decrypt", key.ARN, DefaultChainDepth); err != nil {
		t.Fatal(err)
	}
	for _, r := range known.resources {
		if r.side != nil && r.side.done != (r.Key == key.ARN) {
			t.Errorf("%s (key %s): parsed %v after reading the data under %s", r.ARN, r.Key, r.side.done, key.ARN)
		}
	}
	for _, k := range known.sortedKeys {
		if k.pol != nil && k.pol.done && k != key {
			t.Errorf("key %s: its policy parsed after reading the data under %s", k.ARN, key.ARN)
		}
	}
}

// Resources' policies parse once however many answers ask at once (run
// with -race, as make test does).
func TestKnownIssuesConcurrentFirstUse(t *testing.T) {
	fx := knownIssuesFixtures(t)["generated"]
	whole, known := buildKnown(fx)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for _, r := range known.Resources() {
				_, _ = known.WhoCan("decrypt", r.ARN, "", DefaultChainDepth)
				_ = r.SharedWith()
			}
		})
	}
	wg.Wait()
	for i, r := range whole.Resources() {
		if !slices.Equal(known.Resources()[i].SharedWith(), r.SharedWith()) {
			t.Errorf("%s: shared with %v, want %v", r.ARN, known.Resources()[i].SharedWith(), r.SharedWith())
		}
	}
}

// A walk over every key parses each distinct policy text once: keys that
// share a text share its parse (parseEach).
func TestParseKeyPoliciesOncePerText(t *testing.T) {
	fx := knownIssuesFixtures(t)["generated"]
	_, known := buildKnown(fx)
	known.ParseKeyPolicies()
	byText := map[string]*Key{}
	shared := 0
	for _, k := range known.sortedKeys {
		if k.pol == nil || k.Policy() == nil {
			continue
		}
		if other, ok := byText[k.PolicyText]; ok {
			shared++
			if other.Policy().Policy != k.Policy().Policy {
				t.Errorf("%s and %s: one policy text, parsed twice", other.ARN, k.ARN)
			}
		}
		byText[k.PolicyText] = k
	}
	if shared == 0 {
		t.Fatal("no two keys share a policy text: the test shows nothing")
	}
}
