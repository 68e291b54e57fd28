package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/keyhound/keyhound/cloudtrail"
	"github.com/keyhound/keyhound/internal/mototest"
	"github.com/keyhound/keyhound/scanner"
	"github.com/keyhound/keyhound/ui"
)

// seedTrailBucket puts the demo AWSLogs tree (digest files included) into
// bucket on moto, as a trail delivers it.
func seedTrailBucket(t *testing.T, endpoint, bucket string) int {
	t.Helper()
	ctx := context.Background()
	cfg := mototest.StaticConfig(endpoint, credentials.NewStaticCredentialsProvider("testing", "testing", ""))
	c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	n := 0
	err := filepath.WalkDir(trailFixtures+"AWSLogs", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(trailFixtures, p)
		n++
		_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(filepath.ToSlash(rel)), Body: bytes.NewReader(b)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestUsageFromS3 reads the demo trail from a bucket on moto: usage and
// denied --cloudtrail s3://… print what they print for the local tree, with
// and without a window; a missing bucket is an error naming the URI.
func TestUsageFromS3(t *testing.T) {
	endpoint := mototest.Start(t)
	mototest.UseEnv(t)
	if n := seedTrailBucket(t, endpoint, "kh-trail"); n != 19 {
		t.Fatalf("seeded %d objects, want the 18 log files and the digest", n)
	}
	s3args := []string{"--endpoint-url", endpoint}
	cases := [][]string{
		{"usage", "--snapshot", "@demo"},
		{"usage", "--snapshot", "@demo", "--since", "2026-11-15", "--until", "2026-11-19"},
		{"usage", "--snapshot", "@demo", "--json"},
		{"denied", "--snapshot", "@demo"},
		{"denied", "--snapshot", "@demo", "--since", "2026-11-10", "--json"},
		// export takes the S3 flags too.
		{"export", "--snapshot", "@demo", "--format", "json", "--unused-for", "30d", "--until", "2026-11-20"},
	}
	for _, args := range cases {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, want, wantErr := runCLI(t, "", append(args, "--cloudtrail", trailFixtures+"AWSLogs")...)
			if code != 0 {
				t.Fatalf("local: exit %d: %s", code, wantErr)
			}
			for _, uri := range []string{"s3://kh-trail/AWSLogs/", "s3://kh-trail"} {
				gotCode, got, errOut := runCLI(t, "", append(append(args, "--cloudtrail", uri), s3args...)...)
				// Not a terminal: no progress on stderr.
				if gotCode != code || got != want || errOut != wantErr {
					t.Errorf("%s: exit %d (want %d) stderr %q\n got %s\nwant %s", uri, gotCode, code, errOut, got, want)
				}
			}
		})
	}
	// tui --cloudtrail s3://… reads with scan's --profile, --region and
	// --endpoint-url.
	g, err := loadGraph(demoName, nil)
	if err != nil {
		t.Fatal(err)
	}
	local, err := loadUsage(context.Background(), g, trailFixtures+"AWSLogs", cloudtrail.Options{}, nil, func(ui.LoadProgress) {})
	if err != nil {
		t.Fatal(err)
	}
	fromS3, err := loadUsage(context.Background(), g, "s3://kh-trail/AWSLogs/", cloudtrail.Options{}, &trailAWS{ao: scanner.AWSOptions{EndpointURL: endpoint}, workers: 2}, func(ui.LoadProgress) {})
	if err != nil || !reflect.DeepEqual(local.Uses, fromS3.Uses) {
		t.Errorf("tui's usage from S3: %v\n got %+v\nwant %+v", err, fromS3, local)
	}
	code, _, errOut := runCLI(t, "", "usage", "--snapshot", "@demo", "--cloudtrail", "s3://no-such-bucket/AWSLogs/", "--endpoint-url", endpoint)
	if code != exitBadInput || !strings.Contains(errOut, "s3://no-such-bucket/AWSLogs/") || !strings.Contains(errOut, "NoSuchBucket") {
		t.Errorf("missing bucket: exit %d, stderr %q", code, errOut)
	}
}

// TestUsageFromS3NoCredentials: without credentials, the s3:// read fails
// in one line as scan does.
func TestUsageFromS3NoCredentials(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	code, _, errOut := runCLI(t, "", "usage", "--snapshot", "@demo", "--cloudtrail", "s3://kh-trail/AWSLogs/")
	if code != exitBadInput || !strings.Contains(errOut, "no AWS credentials found") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// TestS3ProgressLine: the line is drawn at once, then at most every second,
// and once more, complete, at the end.
func TestS3ProgressLine(t *testing.T) {
	var b bytes.Buffer
	p := &s3Progress{w: &b, uri: "s3://kh-trail/AWSLogs/"}
	p.update(cloudtrail.S3Progress{Listed: 1000, Skipped: 3, Listing: true})
	if got := b.String(); got != "\r\033[Kkeyhound: s3://kh-trail/AWSLogs/: 1000 objects listed, 3 skipped (digests, days outside the window) · 0 read · 0.0 MB" {
		t.Errorf("first line %q", got)
	}
	p.update(cloudtrail.S3Progress{Listed: 1003, Skipped: 3, Read: 2, Bytes: 3 << 20})
	if strings.Count(b.String(), "\r") != 1 {
		t.Errorf("redrawn within a second: %q", b.String())
	}
	p.end()
	if got := b.String(); !strings.HasSuffix(got, "\r\033[Kkeyhound: s3://kh-trail/AWSLogs/: 1003 objects listed, 3 skipped (digests, days outside the window) · 2/1000 read · 3.0 MB\n") {
		t.Errorf("end %q", got)
	}
	var quiet bytes.Buffer
	(&s3Progress{w: &quiet}).end()
	if quiet.Len() != 0 {
		t.Errorf("nothing drawn, yet end wrote %q", quiet.String())
	}
}
