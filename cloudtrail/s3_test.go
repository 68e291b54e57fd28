package cloudtrail

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/keyhound/keyhound/graph/usage"
)

// fakeS3 serves objects from memory, two keys a page, and counts the
// GetObject calls; refused keys answer AccessDenied.
type fakeS3 struct {
	objects map[string][]byte
	refused map[string]bool
	gets    atomic.Int64
	mu      sync.Mutex
	got     []string
	calls   []string // "list" and "get", in order
}

func (f *fakeS3) ListObjectsV2(_ context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	var keys []string
	for k := range f.objects {
		if strings.HasPrefix(k, aws.ToString(in.Prefix)) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	f.mu.Lock()
	f.calls = append(f.calls, "list")
	f.mu.Unlock()
	start, _ := strconv.Atoi(aws.ToString(in.ContinuationToken))
	end := min(start+2, len(keys))
	out := &s3.ListObjectsV2Output{IsTruncated: aws.Bool(end < len(keys))}
	for _, k := range keys[start:end] {
		out.Contents = append(out.Contents, s3types.Object{Key: aws.String(k), Size: aws.Int64(int64(len(f.objects[k])))})
	}
	if end < len(keys) {
		out.NextContinuationToken = aws.String(strconv.Itoa(end))
	}
	return out, nil
}

func (f *fakeS3) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	f.gets.Add(1)
	key := aws.ToString(in.Key)
	f.mu.Lock()
	f.got = append(f.got, key)
	f.calls = append(f.calls, "get")
	f.mu.Unlock()
	if f.refused[key] {
		return nil, &smithy.GenericAPIError{Code: "AccessDenied", Message: "Access Denied"}
	}
	b, ok := f.objects[key]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "NoSuchKey", Message: "The specified key does not exist."}
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(bytes.NewReader(b))}, nil
}

// treeObjects is the local AWSLogs fixture as S3 keys under prefix.
func treeObjects(t *testing.T, prefix string) map[string][]byte {
	t.Helper()
	objects := map[string][]byte{}
	err := filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasPrefix(p, filepath.Join("testdata", "AWSLogs")) {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel("testdata", p)
		objects[prefix+filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return objects
}

// readS3All reads uri's events through client, sorted by event ID.
func readS3All(t *testing.T, client s3API, uri string, o Options, so S3Options) ([]usage.Event, Stats, error) {
	t.Helper()
	var mu sync.Mutex
	var out []usage.Event
	st, err := ReadS3(context.Background(), client, uri, o, so, func(_ int, e *usage.Event) error {
		mu.Lock()
		defer mu.Unlock()
		out = append(out, *e)
		return nil
	})
	slices.SortFunc(out, func(a, b usage.Event) int { return strings.Compare(a.EventID, b.EventID) })
	return out, st, err
}

// TestReadS3AgreesWithTree: the AWSLogs tree read from S3 gives the
// events the local tree gives, digest files are not downloaded, and the
// progress counts every object.
func TestReadS3AgreesWithTree(t *testing.T) {
	for _, o := range []Options{{}, {Since: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}} {
		want, wantSt := readAll(t, "testdata/AWSLogs", o)
		fake := &fakeS3{objects: treeObjects(t, "trails/")}
		var last S3Progress
		calls := 0
		got, st, err := readS3All(t, fake, "s3://logs/trails/", o, S3Options{Workers: 3, Progress: func(p S3Progress) { last = p; calls++ }})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("window %v: S3 gave %d events, the tree %d", o, len(got), len(want))
		}
		// Files outside the window are not read: their events are not
		// counted as skipped.
		if st.Events != wantSt.Events || o.Since.IsZero() && !reflect.DeepEqual(st, wantSt) {
			t.Errorf("window %v: stats %+v, want %+v", o, st, wantSt)
		}
		for _, k := range fake.got {
			if strings.Contains(k, "Digest") {
				t.Errorf("downloaded the digest file %s", k)
			}
		}
		if last.Listed != len(fake.objects) || last.Read != int(fake.gets.Load()) || last.Listed != last.Read+last.Skipped || last.Listing || last.Bytes == 0 || calls < last.Read {
			t.Errorf("window %v: last progress %+v after %d calls; %d objects, %d GetObject", o, last, calls, len(fake.objects), fake.gets.Load())
		}
	}
}

// TestReadS3Window: a window skips the day folders outside it without
// downloading them, and loses no event in it.
func TestReadS3Window(t *testing.T) {
	o := Options{Since: time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 11, 19, 0, 0, 0, 0, time.UTC)}
	fake := &fakeS3{objects: treeObjects(t, "")}
	got, _, err := readS3All(t, fake, "s3://logs", o, S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := readAll(t, "testdata/AWSLogs", o)
	if !reflect.DeepEqual(got, want) || len(want) == 0 {
		t.Errorf("window: %d events from S3, %d from the tree", len(got), len(want))
	}
	// Days 15 to 19 (a file of the 19th may hold events of the 18th): 5
	// of the 18 log files.
	if n := fake.gets.Load(); n != 5 {
		slices.Sort(fake.got)
		t.Errorf("%d GetObject calls, want 5: %v", n, fake.got)
	}
}

// TestReadS3Streams: objects are read while the listing goes on (one
// worker: the second object of a page waits for the first to be read), so
// memory does not hold the listing and reading starts at once.
func TestReadS3Streams(t *testing.T) {
	fake := &fakeS3{objects: treeObjects(t, "")}
	if _, _, err := readS3All(t, fake, "s3://logs/AWSLogs/", Options{}, S3Options{Workers: 1}); err != nil {
		t.Fatal(err)
	}
	lastList := -1
	for i, c := range fake.calls {
		if c == "list" {
			lastList = i
		}
	}
	if firstGet := slices.Index(fake.calls, "get"); firstGet < 0 || firstGet > lastList || fake.calls[0] != "list" {
		t.Errorf("calls %v: no object read before the listing ended", fake.calls)
	}
}

func TestWanted(t *testing.T) {
	o := Options{Since: time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 11, 19, 12, 0, 0, 0, time.UTC)}
	cases := []struct {
		key  string
		want bool
	}{
		{"AWSLogs/111111111111/CloudTrail/us-east-1/2026/11/14/f.json.gz", false},
		{"AWSLogs/111111111111/CloudTrail/us-east-1/2026/11/15/f.json.gz", true},
		// A file of the 20th may hold events of the 19th.
		{"AWSLogs/o-abc123/111111111111/CloudTrail/eu-west-1/2026/11/20/f.json.gz", true},
		{"AWSLogs/o-abc123/111111111111/CloudTrail/eu-west-1/2026/11/21/f.json.gz", false},
		{"AWSLogs/111111111111/CloudTrail-Digest/us-east-1/2026/11/16/d.json.gz", false},
		{"x/111111111111_CloudTrail-Digest_us-east-1_t_us-east-1_20261116T130000Z.json.gz", false},
		// No day folder: read.
		{"exports/events.jsonl", true},
		{"AWSLogs/111111111111/CloudTrail/us-east-1/2026/11/16/", false},
		{"AWSLogs/.hidden", false},
	}
	for _, c := range cases {
		if got := o.wanted(c.key); got != c.want {
			t.Errorf("wanted(%s) = %v, want %v", c.key, got, c.want)
		}
	}
	if !(Options{}).wanted("AWSLogs/1/CloudTrail/us-east-1/2001/01/01/f.json.gz") {
		t.Error("no window: every log file is read")
	}
}

// TestReadS3Refused: a refused GetObject fails the read with the object's
// URI and S3's error code.
func TestReadS3Refused(t *testing.T) {
	fake := &fakeS3{objects: treeObjects(t, "p/")}
	key := "p/AWSLogs/444444444444/CloudTrail/us-east-1/2026/11/16/444444444444_CloudTrail_us-east-1_20261116T1205Z_kh0demo2.json.gz"
	fake.refused = map[string]bool{key: true}
	_, _, err := readS3All(t, fake, "s3://logs/p/", Options{}, S3Options{Workers: 2})
	if err == nil || !strings.Contains(err.Error(), "s3://logs/"+key) || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("err = %v, want one naming s3://logs/%s and AccessDenied", err, key)
	}
	fake.objects["p/bad.json"] = []byte(`{"Records": [1]}`)
	fake.refused = nil
	_, _, err = readS3All(t, fake, "s3://logs/p/", Options{}, S3Options{})
	if err == nil || !strings.Contains(err.Error(), "s3://logs/p/bad.json") {
		t.Errorf("a bad object: err = %v, want one naming s3://logs/p/bad.json", err)
	}
}

func TestParseS3URI(t *testing.T) {
	b, p, err := ParseS3URI("s3://logs/AWSLogs/1/")
	if b != "logs" || p != "AWSLogs/1/" || err != nil {
		t.Errorf("got %q %q %v", b, p, err)
	}
	for _, bad := range []string{"s3://", "s3:///x", "logs/x"} {
		if _, _, err := ParseS3URI(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
