package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/spf13/pflag"

	"github.com/keyhound/keyhound/cloudtrail"
	"github.com/keyhound/keyhound/graph/usage"
	"github.com/keyhound/keyhound/internal/plural"
	"github.com/keyhound/keyhound/scanner"
)

// trailAWS is how usage and denied --cloudtrail s3://… reach AWS: the
// credentials as scan takes them (scanner.LoadConfig), the bucket's Region,
// and the progress's stream.
type trailAWS struct {
	ao      scanner.AWSOptions
	workers int
	stderr  io.Writer
}

func (t *trailAWS) register(f *pflag.FlagSet) {
	f.StringVar(&t.ao.Profile, "profile", "", "AWS profile, for --cloudtrail s3://…")
	f.StringVar(&t.ao.Region, "region", "", "the bucket's Region, for --cloudtrail s3://… (default: found with s3:ListBucket)")
	f.StringVar(&t.ao.EndpointURL, "endpoint-url", "", "send the S3 calls to this endpoint (an emulator such as moto)")
	f.IntVar(&t.workers, "s3-concurrency", cloudtrail.DefaultS3Workers, "objects downloaded at once from --cloudtrail s3://…")
}

// readS3 reads the events under an s3:// URI on t.workers workers:
// fn(w, e) as cloudtrail.ReadConcurrent's.
func (t *trailAWS) readS3(ctx context.Context, uri string, o cloudtrail.Options, workers int, fn func(int, *usage.Event) error) (cloudtrail.Stats, error) {
	bucket, _, err := cloudtrail.ParseS3URI(uri)
	if err != nil {
		return cloudtrail.Stats{}, err
	}
	cfg, err := scanner.LoadConfig(ctx, t.ao)
	if err != nil {
		return cloudtrail.Stats{}, err
	}
	client := t.s3Client(cfg)
	if region := bucketRegion(ctx, client, bucket); region != "" && region != cfg.Region {
		cfg.Region = region
		client = t.s3Client(cfg)
	}
	so := cloudtrail.S3Options{Workers: workers}
	var p *s3Progress
	if t.stderr != nil && isTerminal(t.stderr) {
		p = &s3Progress{w: t.stderr, uri: uri}
		so.Progress = p.update
		defer p.end()
	}
	return cloudtrail.ReadS3(ctx, client, uri, o, so, fn)
}

func (t *trailAWS) s3Client(cfg aws.Config) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		// An emulator at one endpoint serves buckets by path, not by host name.
		o.UsePathStyle = t.ao.EndpointURL != ""
	})
}

// bucketRegion asks S3 where bucket is (HeadBucket: s3:ListBucket), from the
// answer or from the redirect of a wrong Region; "" when S3 does not say
// (the listing then reports what is wrong).
func bucketRegion(ctx context.Context, c *s3.Client, bucket string) string {
	out, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	if err == nil {
		return aws.ToString(out.BucketRegion)
	}
	if re, ok := errors.AsType[*awshttp.ResponseError](err); ok && re.Response != nil {
		return re.Response.Header.Get("X-Amz-Bucket-Region")
	}
	return ""
}

// s3Progress draws the S3 reading's progress on a terminal: one line,
// redrawn at most every second, as scan's.
type s3Progress struct {
	w     io.Writer
	uri   string
	mu    sync.Mutex
	drawn time.Time
	last  cloudtrail.S3Progress
	shown bool
}

func (p *s3Progress) update(sp cloudtrail.S3Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.last = sp
	if time.Since(p.drawn) < time.Second {
		return
	}
	p.draw()
}

func (p *s3Progress) draw() {
	p.drawn = time.Now()
	sp := p.last
	read := strconv.Itoa(sp.Read)
	if !sp.Listing {
		read += "/" + strconv.Itoa(sp.Listed-sp.Skipped)
	}
	line := fmt.Sprintf("keyhound: %s: %s listed, %d skipped (digests, days outside the window) · %s read · %.1f MB",
		p.uri, plural.Count(sp.Listed, "object"), sp.Skipped, read, float64(sp.Bytes)/(1<<20))
	_, _ = fmt.Fprintf(p.w, "\r\033[K%s", line)
	p.shown = true
}

// end draws the last state and ends the line.
func (p *s3Progress) end() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		p.draw()
		_, _ = fmt.Fprintln(p.w)
	}
}
