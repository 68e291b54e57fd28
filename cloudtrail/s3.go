package cloudtrail

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/keyhound/keyhound/graph/usage"
)

// s3API is the read-only part of S3 that ReadS3 calls: s3:ListBucket
// (ListObjectsV2) and s3:GetObject.
type s3API interface {
	s3.ListObjectsV2APIClient
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

var _ s3API = (*s3.Client)(nil)

// DefaultS3Workers is how many objects ReadS3 downloads at once by default.
const DefaultS3Workers = 8

// IsS3 reports whether path is an S3 URI (s3://bucket/prefix).
func IsS3(path string) bool { return strings.HasPrefix(path, "s3://") }

// ParseS3URI splits s3://bucket/prefix.
func ParseS3URI(uri string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(uri, "s3://")
	bucket, prefix, _ = strings.Cut(rest, "/")
	if !ok || bucket == "" {
		return "", "", fmt.Errorf("%q is not an S3 URI (s3://bucket/prefix)", uri)
	}
	return bucket, prefix, nil
}

// S3Progress is how far ReadS3 is.
type S3Progress struct {
	Listed  int   // objects listed under the prefix so far
	Skipped int   // of them, digest files and days outside the window
	Read    int   // objects read
	Bytes   int64 // bytes downloaded (compressed, as stored)
	Listing bool  // still listing
}

// S3Options configure ReadS3.
type S3Options struct {
	// Workers is how many objects are downloaded and read at once
	// (DefaultS3Workers when <= 0).
	Workers int
	// Progress, when set, is called (never concurrently) after each page
	// listed and each object read.
	Progress func(S3Progress)
}

// trailDay finds the day folder of a trail's key: AWSLogs/[o-ORG/]ACCOUNT/
// CloudTrail/REGION/YYYY/MM/DD/.
var trailDay = regexp.MustCompile(`(?:^|/)CloudTrail/[a-z0-9-]+/(\d{4})/(\d{2})/(\d{2})/`)

// deliverySlack is how long before its delivery day a log file's events
// may be: CloudTrail delivers within minutes, a day is generous.
const deliverySlack = 24 * time.Hour

// wanted reports whether the object at key may hold events of the window:
// digest files never do (nor hidden files and folder markers, as in a
// local tree), a file delivered on day D holds events before D+1 and not
// long before D. Keys without a day folder are read.
func (o Options) wanted(key string) bool {
	base := path.Base(key)
	if strings.HasSuffix(key, "/") || strings.HasPrefix(base, ".") ||
		strings.Contains(key, "/CloudTrail-Digest/") || strings.Contains(base, "_CloudTrail-Digest_") {
		return false
	}
	m := trailDay.FindStringSubmatch(key)
	if m == nil {
		return true
	}
	d, err := time.Parse(time.DateOnly, m[1]+"-"+m[2]+"-"+m[3])
	if err != nil {
		return true
	}
	if !o.Since.IsZero() && !d.Add(24*time.Hour).After(o.Since) {
		return false
	}
	return o.Until.IsZero() || d.Add(-deliverySlack).Before(o.Until)
}

// ReadS3 reads the CloudTrail events under s3://bucket/prefix as
// ReadConcurrent reads a local tree: it lists the objects (ListObjectsV2)
// and, as the pages come, reads the objects on so.Workers goroutines, each
// with Read (gzip or not, any form), skipping digest files and the day
// folders outside opts' window; fn(w, e) is called on worker w's
// goroutine. Memory does not grow with the number of objects. Errors name
// the object (s3://bucket/key), or the URI when the listing fails.
func ReadS3(ctx context.Context, client s3API, uri string, opts Options, so S3Options, fn func(worker int, e *usage.Event) error) (Stats, error) {
	bucket, prefix, err := ParseS3URI(uri)
	if err != nil {
		return Stats{}, err
	}
	var (
		mu    sync.Mutex
		prog  = S3Progress{Listing: true}
		bytes atomic.Int64
	)
	report := func(change func(*S3Progress)) {
		mu.Lock()
		defer mu.Unlock()
		change(&prog)
		if so.Progress != nil {
			so.Progress(prog)
		}
	}
	open := func(ctx context.Context, key, name string) (io.ReadCloser, error) {
		out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		return &s3Body{ReadCloser: out.Body, name: name, bytes: &bytes, done: func() {
			report(func(p *S3Progress) { p.Read++; p.Bytes = bytes.Load() })
		}}, nil
	}
	workers := so.Workers
	if workers <= 0 {
		workers = DefaultS3Workers
	}
	return readEach(ctx, workers, func(ctx context.Context, send func(input) bool) error {
		defer report(func(p *S3Progress) { p.Listing = false })
		pages := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				return fmt.Errorf("list %s: %w", uri, err)
			}
			var keep []string
			for _, obj := range page.Contents {
				if key := aws.ToString(obj.Key); opts.wanted(key) {
					keep = append(keep, key)
				}
			}
			report(func(p *S3Progress) { p.Listed += len(page.Contents); p.Skipped += len(page.Contents) - len(keep) })
			for _, key := range keep {
				name := "s3://" + bucket + "/" + key
				if !send(input{name: name, open: func(ctx context.Context) (io.ReadCloser, error) { return open(ctx, key, name) }}) {
					return nil
				}
			}
		}
		return nil
	}, opts, fn)
}

// s3Body counts the bytes downloaded and names the object in a failed
// download.
type s3Body struct {
	io.ReadCloser
	name  string
	bytes *atomic.Int64
	done  func()
}

func (b *s3Body) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.bytes.Add(int64(n))
	if err != nil && !errors.Is(err, io.EOF) {
		err = fmt.Errorf("download %s: %w", b.name, err)
	}
	return n, err
}

func (b *s3Body) Close() error {
	b.done()
	return b.ReadCloser.Close()
}
