package baseline

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/diff"
)

// now is the clock of every test: none depends on the real one.
var now = time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)

const (
	copier  = "arn:aws:iam::222222222222:role/SnapshotCopier"
	auditor = "arn:aws:iam::999999999999:role/Auditor"
	keyA    = "arn:aws:kms:us-east-1:111111111111:key/aaaa"
	bucket  = "arn:aws:s3:::reports"
)

func sampleReport() *diff.Report {
	return &diff.Report{
		Changes: []diff.Change{
			{Change: diff.NewAccess, Edge: "can-use-key", Principal: copier, Target: keyA, Action: "kms:Decrypt", New: "ALLOW"},
			{Change: diff.NewAccess, Edge: "can-read", Principal: auditor, Target: bucket, Action: "s3:GetObject", New: "ALLOW", External: true},
			{Change: diff.DecisionChanged, Edge: "can-use-key", Principal: "*", Target: keyA, Action: "kms:Decrypt", Old: "DENY", New: "ALLOW", External: true, Public: true},
			{Change: diff.DecisionChanged, Edge: "can-use-key", Principal: copier, Target: keyA, Action: "kms:Encrypt", Old: "ALLOW", New: "CONDITIONAL"},
			{Change: diff.RemovedAccess, Edge: "can-assume", Principal: copier, Target: "arn:aws:iam::111111111111:role/Ops", Action: "sts:AssumeRole", Old: "ALLOW"},
		},
		Keys:             []diff.KeyChange{{Key: keyA, Change: "state", Old: "Enabled", New: "Disabled"}},
		NewFindings:      []graph.Finding{{Rule: "key-policy-public", Severity: graph.Critical, Title: "Key policy open to everyone", Resource: keyA}},
		ResolvedFindings: []graph.Finding{{Rule: "role-trust-external", Severity: graph.High, Title: "Role trusted outside", Resource: "arn:aws:iam::111111111111:role/Ops"}},
	}
}

func TestItems(t *testing.T) {
	items := Items(sampleReport())
	var got []string
	for _, it := range items {
		got = append(got, it.Kind+" p="+it.Principal+" k="+it.Key+" r="+it.Resource+" f="+it.Rule)
	}
	want := []string{
		"new-access p=" + copier + " k=" + keyA + " r= f=",
		"new-external p=" + auditor + " k= r=" + bucket + " f=",
		"new-external p=* k=" + keyA + " r= f=",
		"decision-changed p=" + copier + " k=" + keyA + " r= f=",
		"removed-access p=" + copier + " k= r=arn:aws:iam::111111111111:role/Ops f=",
		"key-changed p= k=" + keyA + " r= f=",
		"finding p= k=" + keyA + " r= f=key-policy-public",
		"resolved-finding p=arn:aws:iam::111111111111:role/Ops k= r= f=role-trust-external",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("items:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if items[2].Text != "* (public) can kms:Decrypt "+keyA+" (ALLOW, was DENY)" {
		t.Errorf("text %q", items[2].Text)
	}
}

func TestParse(t *testing.T) {
	data, err := os.ReadFile("testdata/accepted.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse("testdata/accepted.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Entries) != 3 {
		t.Fatalf("%d entries", len(f.Entries))
	}
	e := f.Entries[1]
	if e.Index != 2 || e.Line != 11 || e.Owner != "security@example.com" || !e.Expires.Equal(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)) || e.Match.Principal != "arn:aws:iam::999999999999:*" {
		t.Errorf("entry 2: %+v", e)
	}
	if !f.Entries[2].Expires.Equal(time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("RFC 3339 expiry: %v", f.Entries[2].Expires)
	}
	// JSON is YAML too.
	f, err = Parse("b.json", []byte(`{"version": 1, "accepted": [{"match": {"key": "k"}, "reason": "r", "owner": "o", "expires": "2027-01-01"}]}`))
	if err != nil || len(f.Entries) != 1 || f.Entries[0].Match.Key != "k" {
		t.Errorf("JSON: %v %+v", err, f)
	}
	if f, err := Parse("empty.yaml", nil); err != nil || len(f.Entries) != 0 {
		t.Errorf("empty file: %v %+v", err, f)
	}
}

func TestParseErrors(t *testing.T) {
	entry := func(s string) string { return "accepted:\n  - " + strings.ReplaceAll(s, "\n", "\n    ") + "\n" }
	ok := "match: {key: k}\nreason: r\nowner: o\nexpires: 2027-01-01"
	for _, tc := range []struct{ name, doc, want string }{
		{"syntax", "accepted: [", "baseline b.yaml: line 1: did not find expected node content"},
		{"top field", "acepted: []\n", "baseline b.yaml:1: acepted: unknown field (want accepted, version)"},
		{"version", "version: 2\n", "baseline b.yaml:1: version: want version 1"},
		{"not a list", "accepted: {}\n", "baseline b.yaml:1: accepted: want a list of entries"},
		{"match field", entry(strings.Replace(ok, "{key: k}", "{princpal: p}", 1)), "baseline b.yaml:2: accepted[0].match.princpal: unknown field (want change, finding, key, principal, resource)"},
		{"empty match", entry(strings.Replace(ok, "{key: k}", "{}", 1)), "baseline b.yaml:2: accepted[0].match: want at least one of"},
		{"change kind", entry(strings.Replace(ok, "{key: k}", "{change: new-acess}", 1)), `accepted[0].match.change: "new-acess" is not a kind of change`},
		{"reason", entry(strings.Replace(ok, "reason: r", "reason: ' '", 1)), "accepted[0].reason: missing"},
		{"owner", entry(strings.Replace(ok, "\nowner: o", "", 1)), "accepted[0].owner: missing"},
		{"expires missing", entry(strings.Replace(ok, "\nexpires: 2027-01-01", "", 1)), "accepted[0].expires: missing"},
		{"expires bad", entry(strings.Replace(ok, "2027-01-01", "2027-13-01", 1)), `baseline b.yaml:5: accepted[0].expires: "2027-13-01" is not a date (want YYYY-MM-DD)`},
		{"twice", entry(ok + "\nowner: p"), "accepted[0].owner: given twice"},
		{"list as string", entry(strings.Replace(ok, "reason: r", "reason: [a]", 1)), "accepted[0].reason: want a string"},
	} {
		_, err := Parse("b.yaml", []byte(tc.doc))
		var pe *ParseError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to hold %q", tc.name, err, tc.want)
		}
	}
	// A glob in change is a pattern, not a kind.
	if _, err := Parse("b.yaml", []byte(entry(strings.Replace(ok, "{key: k}", "{change: new-*}", 1)))); err != nil {
		t.Errorf("change glob: %v", err)
	}
}

func TestJudge(t *testing.T) {
	f, err := Load("testdata/accepted.yaml")
	if err != nil {
		t.Fatal(err)
	}
	items := Items(sampleReport())
	wider := func(it Item) bool { return it.Kind == NewAccess || it.Kind == NewExternal }
	o := Judge(items, f, now, wider)
	var got []string
	for _, d := range o.Decisions {
		s := d.Kind + " " + d.Status
		if d.Entry != nil {
			s += " by " + d.Entry.String()
		}
		if d.Fails() {
			s += " FAILS"
		}
		got = append(got, s)
	}
	want := []string{
		"new-access accepted by entry 1 (line 4)",         // entry 1, until 2027-03-01
		"new-external expired by entry 2 (line 11) FAILS", // entry 2 expired on 2026-11-30
		"new-external open FAILS",                         // the public: nobody accepted it
		"decision-changed open",                           // not gated
		"removed-access open",
		"key-changed open",
		"finding accepted by entry 3 (line 17)",
		"resolved-finding open",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("decisions:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !o.Failed() || len(o.Unmatched) != 0 {
		t.Errorf("failed %v, unmatched %v", o.Failed(), o.Unmatched)
	}
	if d := o.OfChange(&sampleReport().Changes[0]); d != nil {
		t.Error("OfChange answers for a change of another report")
	}
	if d := o.OfFinding(items[6].Found); d == nil || d.Status != Accepted {
		t.Errorf("OfFinding: %+v", d)
	}

	// The day before entry 2 expires it still accepts; entry 3 matches nothing
	// in a report without the finding, and is a warning, not a failure.
	r := sampleReport()
	r.Changes = r.Changes[:2]
	r.NewFindings = nil
	o = Judge(Items(r), f, time.Date(2026, 11, 29, 23, 59, 0, 0, time.UTC), wider)
	if o.Failed() || len(o.Unmatched) != 1 || o.Unmatched[0].Index != 3 {
		t.Errorf("before expiry: failed %v, unmatched %+v", o.Failed(), o.Unmatched)
	}
	if n := len(o.With(Accepted, true)); n != 2 {
		t.Errorf("%d accepted", n)
	}

	// No baseline: every gated item fails; no gate: nothing fails.
	if o := Judge(items, nil, now, wider); !o.Failed() || len(o.With(Open, true)) != 3 {
		t.Errorf("no baseline: %+v", o.With(Open, true))
	}
	if Judge(items, f, now, nil).Failed() {
		t.Error("no gate failed")
	}
}

// A starter file written from a report accepts every item of it, and
// parses back to the same entries.
func TestStarterRoundTrip(t *testing.T) {
	r := sampleReport()
	items := Items(r)
	f, comments := Starter("starter.yaml", items, now)
	if len(f.Entries) != len(items) {
		t.Fatalf("%d entries for %d items", len(f.Entries), len(items))
	}
	var b bytes.Buffer
	if err := f.Encode(&b, comments); err != nil {
		t.Fatal(err)
	}
	back, err := Parse("starter.yaml", b.Bytes())
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	o := Judge(items, back, now, func(Item) bool { return true })
	if o.Failed() || len(o.Unmatched) != 0 {
		t.Errorf("starter: failed %v, unmatched %v", o.Failed(), o.Unmatched)
	}
	for _, e := range back.Entries {
		if e.Owner != PlaceholderOwner || e.Reason != PlaceholderReason || !e.Expires.Equal(time.Date(2027, 3, 6, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("entry %+v", e)
		}
	}
	// Each entry accepts its own item alone: the public principal's entry
	// does not accept everyone.
	for i, d := range o.Decisions {
		if d.Entry.Index != i+1 {
			t.Errorf("item %d accepted by %s", i, d.Entry)
		}
	}
	if !strings.Contains(b.String(), "# * (public) can kms:Decrypt") || !strings.Contains(b.String(), `principal: \*`) {
		t.Errorf("starter file:\n%s", b.String())
	}
	if n := len(back.Unfinished()); n != len(items) {
		t.Errorf("%d unfinished entries, want %d", n, len(items))
	}
	back.Entries[0].Owner, back.Entries[0].Reason = "me", "Because."
	if n := len(back.Unfinished()); n != len(items)-1 {
		t.Errorf("%d unfinished entries after one was filled in", n)
	}
	// Past the expiry, the same file fails the gate on every item.
	if o := Judge(items, back, now.Add(StarterValidity), func(Item) bool { return true }); len(o.With(Expired, true)) != len(items) {
		t.Errorf("%d expired", len(o.With(Expired, true)))
	}
}
