package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// evalRequests returns the request documents of examples/ and of the
// scenario fixtures of graph/eval.
func evalRequests(t *testing.T) [][]byte {
	t.Helper()
	var out [][]byte
	examples, _ := filepath.Glob("../../examples/*.json")
	for _, p := range examples {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, data)
	}
	scenarios, _ := filepath.Glob("../../graph/eval/testdata/scenarios/*.json")
	for _, p := range scenarios {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var s struct {
			Request json.RawMessage `json:"request"`
		}
		if err := json.Unmarshal(data, &s); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out = append(out, s.Request)
	}
	if len(examples) == 0 || len(scenarios) < 30 {
		t.Fatalf("%d examples, %d scenarios", len(examples), len(scenarios))
	}
	return out
}

func compact(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, s)
	}
	return b.String()
}

// evalJSON is what `keyhound eval --json -` prints for one request, compact.
func evalJSON(t *testing.T, req []byte) string {
	t.Helper()
	code, out, errOut := runCLI(t, string(req), "eval", "--json", "-")
	if code == exitBadInput {
		t.Fatalf("eval --json: exit %d: %s", code, errOut)
	}
	return compact(t, out)
}

// TestEvalJSONLAnswersAsEvalJSON checks that each line of `eval --jsonl` is
// exactly what `eval --json` prints for that request, on one line, for
// every example and scenario fixture, and that the run exits 0 whatever
// the verdicts.
func TestEvalJSONLAnswersAsEvalJSON(t *testing.T) {
	reqs := evalRequests(t)
	var in strings.Builder
	for _, r := range reqs {
		in.WriteString(compact(t, string(r)) + "\n")
	}
	code, out, errOut := runCLI(t, in.String(), "eval", "--jsonl", "-")
	if code != 0 {
		t.Fatalf("exit %d, want 0: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(reqs) {
		t.Fatalf("%d answers for %d requests", len(lines), len(reqs))
	}
	for i, r := range reqs {
		if want := evalJSON(t, r); lines[i] != want {
			t.Errorf("line %d:\n got %s\nwant %s", i+1, lines[i], want)
		}
	}
}

// TestEvalJSONLBadLines runs `eval --jsonl FILE` on good lines, a line that
// is not JSON, a request with an invalid policy and a blank line: every
// line gets its answer in order, the bad ones an error object naming the
// line and the JSON path, and the run exits 3.
func TestEvalJSONLBadLines(t *testing.T) {
	reqs := evalRequests(t)
	first, second := compact(t, string(reqs[0])), compact(t, string(reqs[1]))
	badPolicy := `{"principal":"arn:aws:iam::111111111111:user/alice","action":"kms:Decrypt","resource":"*",` +
		`"identity_policies":[{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"},` +
		`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringLikeX":{"a":"b"}}}]}]}`
	file := filepath.Join(t.TempDir(), "requests.jsonl")
	content := strings.Join([]string{first, `{"principal": "arn:aws:iam::111111111111:user/alice",`, badPolicy, "", second}, "\n") + "\n"
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "eval", "--jsonl", file)
	if code != exitBadInput {
		t.Fatalf("exit %d, want %d", code, exitBadInput)
	}
	if !strings.Contains(errOut, "2 of 4 requests were bad input") {
		t.Errorf("stderr %q does not count the bad lines", errOut)
	}
	lines := strings.Split(out, "\n")
	if len(lines) != 6 || lines[5] != "" {
		t.Fatalf("want 5 lines, got %q", out)
	}
	if want := evalJSON(t, reqs[0]); lines[0] != want {
		t.Errorf("line 1: %s, want %s", lines[0], want)
	}
	if want := evalJSON(t, reqs[1]); lines[4] != want {
		t.Errorf("line 5: %s, want %s", lines[4], want)
	}
	if lines[3] != "" {
		t.Errorf("blank line 4 answered %q", lines[3])
	}
	type errorObject struct {
		Line  int    `json:"line"`
		Error string `json:"error"`
		Path  string `json:"path"`
	}
	for _, tc := range []struct {
		n    int
		want errorObject
		msg  string
	}{
		{2, errorObject{Line: 2}, "invalid request JSON"},
		{3, errorObject{Line: 3, Path: "identity_policies[0].Statement[1].Condition.StringLikeX"}, "unknown condition operator"},
	} {
		var got errorObject
		dec := json.NewDecoder(strings.NewReader(lines[tc.n-1]))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("line %d: %q is not an error object: %v", tc.n, lines[tc.n-1], err)
		}
		if got.Line != tc.want.Line || got.Path != tc.want.Path || !strings.Contains(got.Error, tc.msg) {
			t.Errorf("line %d: %+v, want line %d, path %q, an error with %q", tc.n, got, tc.want.Line, tc.want.Path, tc.msg)
		}
	}
	code, _, errOut = runCLI(t, "", "eval", "--jsonl", "does-not-exist.jsonl")
	if code != exitBadInput || !strings.Contains(errOut, "does-not-exist.jsonl") {
		t.Errorf("missing file: exit %d, stderr %q", code, errOut)
	}
}
