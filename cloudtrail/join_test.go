package cloudtrail

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/graph/usage"
)

func demoGraph(t testing.TB) *graph.Graph {
	t.Helper()
	s, lerrs, err := snapshot.Load(bytes.NewReader(demo.Snapshot()))
	if err != nil {
		t.Fatal(err)
	}
	return graph.Build(s, lerrs)
}

// joinPath reads path and joins its events to the demo graph.
func joinPath(t testing.TB, g *graph.Graph, path string, o Options) *usage.Report {
	t.Helper()
	j := usage.New(g)
	if _, err := ReadPath(context.Background(), path, o, func(e *usage.Event) error {
		j.Add(e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	r, err := j.Report(usage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

const (
	reportsKey = "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001"
	legacyKey  = "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a006"
	secretsKey = "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a004"
	ebsKey     = "arn:aws:kms:us-east-1:111111111111:key/aaeb5aaa-0000-4000-8000-00000000a0eb"
)

// TestDemoUsage joins the demo fixture to the demo organization: the uses
// (an S3 forward-access Decrypt, a cross-account call counted once though
// both copies are read, EBS through an alias name, a service's CreateGrant),
// the unused access and grants, the one unexplained event, and the denials
// grouped by root cause.
func TestDemoUsage(t *testing.T) {
	g := demoGraph(t)
	r := joinPath(t, g, "testdata/AWSLogs", Options{})
	type use struct {
		principal, key, action string
		count, direct          int
		via                    string
	}
	var got []use
	for _, u := range r.Uses {
		via := ""
		for _, v := range u.Via {
			via += v.Service + "=" + strconv.Itoa(v.Count)
		}
		got = append(got, use{u.Principal, u.Key[len(u.Key)-4:], u.Action, u.Count, u.Direct, via})
	}
	want := []use{
		{"arn:aws:iam::111111111111:role/ReportsReader", "a001", "kms:Decrypt", 1, 1, ""},
		{"arn:aws:iam::222222222222:role/Batch", "a001", "kms:Decrypt", 1, 1, ""},
		{"arn:aws:iam::222222222222:role/DataEngineer", "a001", "kms:Decrypt", 1, 1, ""},
		{"arn:aws:iam::222222222222:user/dilip", "a001", "kms:Decrypt", 2, 0, "s3.amazonaws.com=2"},
		{"arn:aws:iam::222222222222:user/dilip-no-policy", "a001", "kms:Decrypt", 1, 1, ""},
		{"arn:aws:iam::222222222222:role/SnapshotCopier", "a002", "kms:CreateGrant", 1, 0, "ec2.amazonaws.com=1"},
		{"service:rds.amazonaws.com", "a003", "kms:CreateGrant", 1, 1, ""},
		{"arn:aws:iam::111111111111:role/KeyAdmin", "a0eb", "kms:GenerateDataKeyWithoutPlaintext", 1, 0, "ec2.amazonaws.com=1"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("uses:\n got %v\nwant %v", got, want)
	}
	if s := r.Stats; s.Events != 19 || s.KMS != 18 || s.Failed != 8 || s.Denied != 8 || s.Other != 1 || s.KeyUnknown != 0 {
		t.Errorf("stats %+v", s)
	}

	// The one unexplained event: the snapshot gives dilip-no-policy no way.
	if len(r.Unexplained) != 1 {
		t.Fatalf("unexplained: %+v", r.Unexplained)
	}
	if u := r.Unexplained[0]; u.Principal != "arn:aws:iam::222222222222:user/dilip-no-policy" || u.Uses != 1 || len(u.Examples) != 1 || u.Examples[0].Key != reportsKey ||
		u.Calls != 1 || u.ViaService != "" || u.Answer == nil || u.Answer.Decision != eval.Deny {
		t.Errorf("unexplained: %+v", u)
	}

	// Unused access, with the statements that give it.
	unused := map[string]usage.UnusedEdge{}
	for _, e := range r.Unused {
		unused[e.Principal+" "+e.Key] = e
	}
	if e, ok := unused["arn:aws:iam::222222222222:role/SnapshotCopier "+reportsKey]; !ok || !slices.Contains(e.Actions, "kms:Decrypt") || !slices.Contains(e.Because, `key-policy statement 2 "AnalyticsAccountUse"`) {
		t.Errorf("SnapshotCopier's unused Decrypt on alias/reports: %+v", e)
	}
	if e, ok := unused["arn:aws:iam::222222222222:user/dilip "+reportsKey]; ok && slices.Contains(e.Actions, "kms:Decrypt") {
		t.Errorf("dilip decrypted under alias/reports, yet: %+v", e)
	}
	if e, ok := unused["arn:aws:iam::222222222222:role/Batch "+reportsKey]; ok && slices.Contains(e.Actions, "kms:Decrypt") {
		t.Errorf("Batch decrypted in October, yet: %+v", e)
	}
	for _, e := range r.Unused {
		if e.Key == ebsKey {
			t.Errorf("an AWS managed key is listed: %+v", e)
		}
	}
	// One grant never used: the auditor's (Batch used its own in October).
	if len(r.UnusedGrants) != 1 || r.UnusedGrants[0].Name != "auditor-export" {
		t.Errorf("unused grants: %+v", r.UnusedGrants)
	}
	var keys []string
	for _, k := range r.UnusedKeys {
		keys = append(keys, k.Aliases[0])
	}
	if want := []string{"alias/secrets", "alias/open", "alias/legacy", "alias/analytics-copies"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("unused keys %v, want %v", keys, want)
	}

	// Denials by root cause, most frequent first; the two sessions of
	// Tinkerer are one group.
	type group struct {
		count                              int
		principal, key, layer, fixContains string
	}
	wantGroups := []group{
		{3, "arn:aws:iam::222222222222:user/dilip-no-policy", reportsKey, "identity-policy", "identity policies"},
		{2, "arn:aws:iam::444444444444:role/Tinkerer", reportsKey, "scp", "NoDecryptInSandbox"},
		{1, "arn:aws:iam::111111111111:role/KeyAdmin", legacyKey, "key-state", "pending deletion"},
		{1, "arn:aws:iam::222222222222:user/dilip", secretsKey, "key-policy", "key policy"},
		{1, "arn:aws:iam::555555555555:role/Exporter", reportsKey, "rcp", "DataPerimeter"},
	}
	if len(r.Denials) != len(wantGroups) {
		t.Fatalf("%d denial groups, want %d: %+v", len(r.Denials), len(wantGroups), r.Denials)
	}
	for i, w := range wantGroups {
		d := r.Denials[i]
		if d.Count != w.count || d.Principal != w.principal || d.Key != w.key || d.Layer != w.layer || !strings.Contains(d.Fix, w.fixContains) || d.Action != "kms:Decrypt" || d.Report == nil || len(d.Events) != w.count {
			t.Errorf("group %d: %+v\nwant %+v", i, d, w)
		}
	}
}

// TestDemoWindow: with the window at November, Batch's October use is out
// and its grant joins the unused ones.
func TestDemoWindow(t *testing.T) {
	r := joinPath(t, demoGraph(t), "testdata/demo-trail.json", Options{Since: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)})
	var names []string
	for _, g := range r.UnusedGrants {
		names = append(names, g.Name)
	}
	slices.Sort(names)
	if !reflect.DeepEqual(names, []string{"auditor-export", "batch-reports"}) {
		t.Errorf("unused grants in November: %v", names)
	}
	for _, u := range r.Uses {
		if strings.HasSuffix(u.Principal, "role/Batch") {
			t.Errorf("Batch's October use is in: %+v", u)
		}
	}
}

// TestConcurrent: files read on several workers, each with its own joiner,
// merged, give the report one reader gives.
func TestConcurrent(t *testing.T) {
	g := demoGraph(t)
	want := joinPath(t, g, "testdata/AWSLogs", Options{})
	for _, workers := range []int{1, 3, 8} {
		js := make([]*usage.Joiner, workers)
		for i := range js {
			js[i] = usage.New(g)
		}
		st, err := ReadConcurrent(context.Background(), "testdata/AWSLogs", Options{}, workers, func(w int, e *usage.Event) error {
			js[w].Add(e)
			return nil
		})
		if err != nil || st.Events != 19 || st.Files != 18 {
			t.Fatalf("%d workers: %+v %v", workers, st, err)
		}
		for _, j := range js[1:] {
			js[0].Merge(j)
		}
		got, err := js[0].Report(usage.Options{})
		if err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(want)
		b, _ := json.Marshal(got)
		if string(a) != string(b) {
			t.Errorf("%d workers: the report differs\n got %s\nwant %s", workers, b, a)
		}
	}
}

func TestConcurrentError(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"a.json": `{"Records": []}`, "b.json": `{"Records": [1]}`, "c.json": `nope`, "d.json": `{"Records": []}`} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for range 5 {
		_, err := ReadConcurrent(context.Background(), dir, Options{}, 4, func(int, *usage.Event) error { return nil })
		if err == nil || !strings.Contains(err.Error(), "b.json: byte 13, $.Records[0]") {
			t.Fatalf("error %v, want b.json's", err)
		}
	}
}
