package evalbatch

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/eval"
)

// compactLine returns a request document on one line.
func compactLine(t *testing.T, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, data); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// wantAnswer is what `keyhound eval --json` prints for a request, compact:
// the decision as json.Marshal gives it.
func wantAnswer(t *testing.T, data []byte) string {
	t.Helper()
	r, err := eval.ParseRequest(data)
	if err != nil {
		t.Fatal(err)
	}
	d, err := eval.Evaluate(r)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func run(t *testing.T, in []byte, o Options) (Summary, []string) {
	t.Helper()
	var out bytes.Buffer
	sum, err := Run(context.Background(), bytes.NewReader(in), &out, o)
	if err != nil {
		t.Fatal(err)
	}
	text := out.String()
	if text != "" && !strings.HasSuffix(text, "\n") {
		t.Fatalf("output does not end with a newline: %q", text)
	}
	return sum, strings.Split(strings.TrimSuffix(text, "\n"), "\n")
}

// TestRunAnswersAsEval checks that every line's answer is exactly the
// decision `keyhound eval --json` gives for that request, for every example
// and scenario fixture, in order, with workers sharing parsed policies.
func TestRunAnswersAsEval(t *testing.T) {
	var in bytes.Buffer
	var want []string
	for _, data := range fixtureRequests(t) {
		in.Write(compactLine(t, data))
		in.WriteByte('\n')
		want = append(want, wantAnswer(t, data))
	}
	for _, workers := range []int{1, 4} {
		sum, got := run(t, in.Bytes(), Options{Workers: workers})
		if sum.Answered != len(want) || sum.Errors != 0 || sum.Lines != len(want) {
			t.Fatalf("%d workers: %+v, want %d answers", workers, sum, len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%d workers, line %d:\n got %s\nwant %s", workers, i+1, got[i], want[i])
			}
		}
	}
}

// TestRunKeepsOrderUnderLoad answers hundreds of mixed requests with more
// workers than cores, small chunks included (a reader that returns a few
// bytes at a time), and checks each answer against evaluating its request
// alone. Run with -race, it also checks that workers share parsed policies
// without writing to them.
func TestRunKeepsOrderUnderLoad(t *testing.T) {
	in := mixedRequests(400, 3)
	lines := bytes.Split(bytes.TrimSuffix(in, []byte("\n")), []byte("\n"))
	want := make([]string, len(lines))
	for i, l := range lines {
		want[i] = wantAnswer(t, l)
	}
	for _, tc := range []struct {
		name string
		r    io.Reader
	}{
		{"whole", bytes.NewReader(in)},
		{"trickle", &trickle{data: in, n: 4093}},
	} {
		var out bytes.Buffer
		sum, err := Run(context.Background(), tc.r, &out, Options{Workers: 6})
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if sum.Answered != len(lines) || len(got) != len(lines) {
			t.Fatalf("%s: %+v, %d output lines, want %d answers", tc.name, sum, len(got), len(lines))
		}
		for i := range lines {
			if got[i] != want[i] {
				t.Fatalf("%s, line %d:\n got %s\nwant %s", tc.name, i+1, got[i], want[i])
			}
		}
	}
}

// trickle returns at most n bytes per Read, so that reading on often waits.
type trickle struct {
	data []byte
	n    int
}

func (r *trickle) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), r.n)], r.data)
	r.data = r.data[n:]
	return n, nil
}

// TestRunBadLines checks that a bad line gets an error object on its own
// output line, naming the line and the JSON path, and that the stream goes
// on; that blank lines give blank lines; that a line over the limit is an
// error, not a crash; and that CRLF line ends and a last line without a
// newline are read.
func TestRunBadLines(t *testing.T) {
	good := `{"principal":"arn:aws:iam::111111111111:user/alice","action":"kms:Decrypt","resource":"arn:aws:kms:us-east-1:111111111111:key/k","resource_policy":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/alice"},"Action":"kms:Decrypt","Resource":"*"}]}}`
	badPolicy := `{"principal":"arn:aws:iam::111111111111:user/alice","action":"kms:Decrypt","resource":"*","identity_policies":[{"Statement":[]},{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"},{"Effect":"Maybe","Action":"kms:Decrypt","Resource":"*"}]}]}`
	long := `{"principal":"arn:aws:iam::111111111111:user/alice","action":"kms:Decrypt","resource":"*","context":{"x":"` + strings.Repeat("y", 600) + `"}}`
	in := strings.Join([]string{
		good,                 // 1
		`{"principal": oops`, // 2
		badPolicy,            // 3
		"",                   // 4
		"  \t",               // 5
		long,                 // 6
		good + "\r",          // 7
		`{"principal":"arn:aws:iam::111111111111:user/alice","action":"kms:Decrypt","resource":"*","extra":1}`, // 8
		good, // 9, no newline
	}, "\n")
	sum, got := run(t, []byte(in), Options{MaxLine: 512})
	if want := (Summary{Lines: 9, Answered: 3, Errors: 4, Blank: 2}); sum != want {
		t.Errorf("summary %+v, want %+v", sum, want)
	}
	if len(got) != 9 {
		t.Fatalf("%d output lines, want 9:\n%s", len(got), strings.Join(got, "\n"))
	}
	answer := wantAnswer(t, []byte(good))
	for _, i := range []int{0, 6, 8} {
		if got[i] != answer {
			t.Errorf("line %d: %s, want %s", i+1, got[i], answer)
		}
	}
	for _, i := range []int{3, 4} {
		if got[i] != "" {
			t.Errorf("blank line %d answered %q", i+1, got[i])
		}
	}
	for _, tc := range []struct {
		line      int
		path, msg string
	}{
		{2, "", "invalid request JSON"},
		{3, "identity_policies[1].Statement[1].Effect", `must be "Allow" or "Deny"`},
		{6, "", "line longer than 512 bytes"},
		{8, "extra", "unknown field"},
	} {
		var e struct {
			Line  int    `json:"line"`
			Error string `json:"error"`
			Path  string `json:"path"`
		}
		dec := json.NewDecoder(strings.NewReader(got[tc.line-1]))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			t.Fatalf("line %d: %q is not an error object: %v", tc.line, got[tc.line-1], err)
		}
		if e.Line != tc.line || e.Path != tc.path || !strings.Contains(e.Error, tc.msg) {
			t.Errorf("line %d: %+v, want line %d, path %q, error containing %q", tc.line, e, tc.line, tc.path, tc.msg)
		}
	}
	if strings.Contains(got[1], `"path"`) {
		t.Errorf("an error without a path has one: %s", got[1])
	}
}

// TestRunLongLines checks that lines of megabytes (far over the read buffer and a chunk), a request with a
// big inline policy, are read and answered under the default limit.
func TestRunLongLines(t *testing.T) {
	var stmts []string
	for i, n := 0, 0; n < 1<<20; i++ {
		stmts = append(stmts, fmt.Sprintf(`{"Sid":"S%d","Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:us-east-1:111111111111:key/k%d","Condition":{"StringEquals":{"aws:PrincipalTag/team":"team-%d"}}}`, i, i, i))
		n += len(stmts[i]) + 1
	}
	big := `{"principal":"arn:aws:iam::111111111111:user/alice","action":"kms:Decrypt","resource":"arn:aws:kms:us-east-1:111111111111:key/k7","identity_policies":[{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}]}`
	small := `{"principal":"arn:aws:iam::111111111111:user/alice","action":"kms:Decrypt","resource":"*"}`
	in := small + "\n" + big + "\n" + small + "\n"
	sum, got := run(t, []byte(in), Options{})
	if sum.Answered != 3 || len(got) != 3 {
		t.Fatalf("%+v, %d lines", sum, len(got))
	}
	if want := wantAnswer(t, []byte(big)); got[1] != want {
		t.Errorf("the long line's answer differs:\n got %.300s\nwant %.300s", got[1], want)
	}
}

// TestRunAnswersAsLinesArrive checks that an answer is written as soon as its
// request is read, without waiting for more input: a caller can write a
// request and read its answer, one at a time.
func TestRunAnswersAsLinesArrive(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := Run(context.Background(), inR, outW, Options{Workers: 2})
		outW.CloseWithError(err)
		done <- err
	}()
	answers := bufio.NewReader(outR)
	req := `{"principal":"arn:aws:iam::111111111111:user/alice","action":"kms:Decrypt","resource":"*"}`
	want := wantAnswer(t, []byte(req)) + "\n"
	for i := range 3 {
		if _, err := io.WriteString(inW, req+"\n"); err != nil {
			t.Fatal(err)
		}
		// Blocks for good (and the test times out) if the answer waits for
		// more input.
		got, err := answers.ReadString('\n')
		if err != nil || got != want {
			t.Fatalf("answer %d: %q, %v", i+1, got, err)
		}
	}
	_ = inW.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestRunStopsOnWriteError checks that a failing writer ends the run with
// its error, without reading the rest of the input.
func TestRunStopsOnWriteError(t *testing.T) {
	data := bytes.Repeat(mixedRequests(100, 4), 40)
	in := &countingReader{r: bytes.NewReader(data)}
	_, err := Run(context.Background(), in, failingWriter{}, Options{Workers: 2})
	if !errors.Is(err, errBrokenPipe) {
		t.Fatalf("error %v, want the writer's", err)
	}
	if in.n >= len(data) {
		t.Errorf("read all %d bytes after the writer failed", len(data))
	}
}

var errBrokenPipe = errors.New("broken pipe")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errBrokenPipe }

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestRunStopsWhenCancelled checks that a cancelled context ends the run.
func TestRunStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Run(ctx, bytes.NewReader(mixedRequests(10, 5)), io.Discard, Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

// TestRunLineLimitIsExact checks the line limit at its edge: a line of
// exactly MaxLine bytes (not counting its newline) is read, one byte more
// is not, whether or not the line ends with a newline.
func TestRunLineLimitIsExact(t *testing.T) {
	req := `{"principal":"arn:aws:iam::111111111111:user/alice","action":"kms:Decrypt","resource":"*"}`
	pad := func(n int) string { return req + strings.Repeat(" ", n-len(req)) }
	const limit = 200
	for _, tc := range []struct {
		in       string
		answered int
	}{
		{pad(limit) + "\n", 1},
		{pad(limit), 1},
		{pad(limit+1) + "\n", 0},
		{pad(limit + 1), 0},
	} {
		sum, got := run(t, []byte(tc.in), Options{MaxLine: limit})
		if sum.Answered != tc.answered || sum.Errors != 1-tc.answered || len(got) != 1 {
			t.Errorf("line of %d bytes: %+v, output %q", len(strings.TrimSuffix(tc.in, "\n")), sum, got)
		}
	}
}
