package scanner

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/keyhound/keyhound/scanner/fakeaws"
)

// quotaAccount simulates one account against AWS: every call first waits
// for the scanner's own token bucket of its account, Region and API (as the
// SDK middleware does, at about half of AWS's published quotas); then AWS's
// side (fakeaws.Quotas: AWS's published quotas, about twice the scanner's)
// answers ThrottlingException when its per-account-per-API quota is
// exceeded; then the call takes its latency: 100 ms
// regional, 1 s per IAM authorization-details page. The scanner's bucket
// hears of each answer (AIMD). It has IAM, KMS and S3.
type quotaAccount struct {
	l       *limiter
	aws     *fakeaws.Quotas // AWS's side: the published quotas
	id      string
	latency time.Duration
	keys    int
	roles   int
	buckets int
	regions []string
}

func (a *quotaAccount) call(ctx context.Context, region, service, op string) error {
	b := a.l.bucket(a.id, region, service, op)
	sent, err := b.wait(ctx)
	if err != nil {
		return err
	}
	if !a.aws.Allow(fakeaws.Call{Account: a.id, Region: region, Service: strings.ToLower(service), Op: op}) {
		b.throttled(sent, time.Now())
		return &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
	}
	latency := a.latency
	if service == "IAM" {
		latency = time.Second
	}
	select {
	case <-time.After(latency):
		b.succeeded(time.Now())
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (a *quotaAccount) IAM() iamAPI                      { return quotaIAM{a} }
func (a *quotaAccount) KMS(region string) kmsAPI         { return quotaKMS{a, region} }
func (a *quotaAccount) S3(region string) s3API           { return quotaS3{a, region} }
func (a *quotaAccount) SQS(string) sqsAPI                { return nil }
func (a *quotaAccount) SecretsManager(string) secretsAPI { return nil }
func (a *quotaAccount) SNS(string) snsAPI                { return nil }
func (a *quotaAccount) DynamoDB(string) dynamoAPI        { return nil }
func (a *quotaAccount) EC2(string) ec2API                { return nil }
func (a *quotaAccount) RDS(string) rdsAPI                { return nil }
func (a *quotaAccount) Lambda(string) lambdaAPI          { return nil }
func (a *quotaAccount) Logs(string) logsAPI              { return nil }

// quotaS3 has the account's buckets, spread over its Regions.
type quotaS3 struct {
	a      *quotaAccount
	region string
}

func (q quotaS3) ListBuckets(ctx context.Context, _ *s3.ListBucketsInput, _ ...func(*s3.Options)) (*s3.ListBucketsOutput, error) {
	if err := q.a.call(ctx, q.region, "S3", "ListBuckets"); err != nil {
		return nil, err
	}
	out := &s3.ListBucketsOutput{}
	for i := range q.a.buckets {
		out.Buckets = append(out.Buckets, s3types.Bucket{Name: aws.String(fmt.Sprintf("b-%s-%d", q.a.id, i)), BucketRegion: aws.String(q.a.regions[i%len(q.a.regions)])})
	}
	return out, nil
}

func (q quotaS3) GetBucketLocation(ctx context.Context, _ *s3.GetBucketLocationInput, _ ...func(*s3.Options)) (*s3.GetBucketLocationOutput, error) {
	return &s3.GetBucketLocationOutput{}, q.a.call(ctx, q.region, "S3", "GetBucketLocation")
}

func (q quotaS3) GetBucketPolicy(ctx context.Context, in *s3.GetBucketPolicyInput, _ ...func(*s3.Options)) (*s3.GetBucketPolicyOutput, error) {
	if err := q.a.call(ctx, q.region, "S3", "GetBucketPolicy"); err != nil {
		return nil, err
	}
	return &s3.GetBucketPolicyOutput{Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::` + aws.ToString(in.Bucket) + `/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`)}, nil
}

func (q quotaS3) GetBucketEncryption(ctx context.Context, _ *s3.GetBucketEncryptionInput, _ ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error) {
	if err := q.a.call(ctx, q.region, "S3", "GetBucketEncryption"); err != nil {
		return nil, err
	}
	return &s3.GetBucketEncryptionOutput{ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
		ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String(quotaKMS(q).keyARN(0))},
	}}}}, nil
}

func (q quotaS3) GetPublicAccessBlock(ctx context.Context, _ *s3.GetPublicAccessBlockInput, _ ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error) {
	if err := q.a.call(ctx, q.region, "S3", "GetPublicAccessBlock"); err != nil {
		return nil, err
	}
	return &s3.GetPublicAccessBlockOutput{PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true)}}, nil
}

type quotaIAM struct{ a *quotaAccount }

func (q quotaIAM) GetAccountAuthorizationDetails(ctx context.Context, _ *iam.GetAccountAuthorizationDetailsInput, _ ...func(*iam.Options)) (*iam.GetAccountAuthorizationDetailsOutput, error) {
	if err := q.a.call(ctx, "", "IAM", "GetAccountAuthorizationDetails"); err != nil {
		return nil, err
	}
	out := &iam.GetAccountAuthorizationDetailsOutput{}
	for i := range q.a.roles {
		out.RoleDetailList = append(out.RoleDetailList, iamtypes.RoleDetail{RoleName: aws.String("r" + strconv.Itoa(i)), Arn: aws.String("arn:aws:iam::" + q.a.id + ":role/r" + strconv.Itoa(i))})
	}
	return out, nil
}

type quotaKMS struct {
	a      *quotaAccount
	region string
}

func (q quotaKMS) keyARN(i int) string {
	return fmt.Sprintf("arn:aws:kms:%s:%s:key/%08d-0000-4000-8000-000000000000", q.region, q.a.id, i)
}

func (q quotaKMS) ListKeys(ctx context.Context, _ *kms.ListKeysInput, _ ...func(*kms.Options)) (*kms.ListKeysOutput, error) {
	if err := q.a.call(ctx, q.region, "KMS", "ListKeys"); err != nil {
		return nil, err
	}
	out := &kms.ListKeysOutput{}
	for i := range q.a.keys {
		out.Keys = append(out.Keys, kmstypes.KeyListEntry{KeyId: aws.String(fmt.Sprintf("%08d-0000-4000-8000-000000000000", i)), KeyArn: aws.String(q.keyARN(i))})
	}
	return out, nil
}

func (q quotaKMS) DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, _ ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	if err := q.a.call(ctx, q.region, "KMS", "DescribeKey"); err != nil {
		return nil, err
	}
	return &kms.DescribeKeyOutput{KeyMetadata: &kmstypes.KeyMetadata{KeyId: in.KeyId, KeyManager: kmstypes.KeyManagerTypeCustomer, KeyState: kmstypes.KeyStateEnabled}}, nil
}

func (q quotaKMS) GetKeyPolicy(ctx context.Context, _ *kms.GetKeyPolicyInput, _ ...func(*kms.Options)) (*kms.GetKeyPolicyOutput, error) {
	if err := q.a.call(ctx, q.region, "KMS", "GetKeyPolicy"); err != nil {
		return nil, err
	}
	return &kms.GetKeyPolicyOutput{Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + q.a.id + `:root"},"Action":"kms:*","Resource":"*"}]}`)}, nil
}

func (q quotaKMS) ListGrants(ctx context.Context, _ *kms.ListGrantsInput, _ ...func(*kms.Options)) (*kms.ListGrantsOutput, error) {
	return &kms.ListGrantsOutput{}, q.a.call(ctx, q.region, "KMS", "ListGrants")
}

func (q quotaKMS) ListAliases(ctx context.Context, _ *kms.ListAliasesInput, _ ...func(*kms.Options)) (*kms.ListAliasesOutput, error) {
	return &kms.ListAliasesOutput{}, q.a.call(ctx, q.region, "KMS", "ListAliases")
}

func (q quotaKMS) GetKeyRotationStatus(ctx context.Context, _ *kms.GetKeyRotationStatusInput, _ ...func(*kms.Options)) (*kms.GetKeyRotationStatusOutput, error) {
	return &kms.GetKeyRotationStatusOutput{KeyRotationEnabled: true}, q.a.call(ctx, q.region, "KMS", "GetKeyRotationStatus")
}

func (q quotaKMS) ListResourceTags(ctx context.Context, _ *kms.ListResourceTagsInput, _ ...func(*kms.Options)) (*kms.ListResourceTagsOutput, error) {
	return &kms.ListResourceTagsOutput{}, q.a.call(ctx, q.region, "KMS", "ListResourceTags")
}

type quotaClients struct {
	l       *limiter
	aws     *fakeaws.Quotas
	latency time.Duration
	keys    int
	roles   int
	buckets int
	regions []string
}

func (c *quotaClients) Caller() stsAPI        { return fakeSTS{"100000000000"} }
func (c *quotaClients) Organizations() orgAPI { return nil }
func (c *quotaClients) Account(_ context.Context, id string) (AccountClients, error) {
	return &quotaAccount{l: c.l, aws: c.aws, id: id, latency: c.latency, keys: c.keys, roles: c.roles, buckets: c.buckets, regions: c.regions}, nil
}

// BenchmarkScanQuotaBound scans 100 and 1,000 accounts × 2 Regions × 20
// keys, 50 roles (one IAM page) and 20 buckets against simulated AWS in
// process (quotaAccount: no HTTP, no SDK), to isolate the scanner's own
// scheduling: every call waits for the scanner's token bucket, AWS's side
// throttles past its published quotas (about twice that), and each call takes 100 ms (1 s per IAM page).
// It reports the wall time, calls and calls/s, the calls that failed for
// throttling (the buckets should leave none), the lower bound that latency
// and the allowed concurrency set, and their ratio. BenchmarkScanFakeAWS
// does the same through the SDK and HTTP.
//
// Run: go test -run '^$' -bench ScanQuotaBound -benchtime 1x ./scanner/
func BenchmarkScanQuotaBound(b *testing.B) {
	const (
		keys, buckets, roles, concurrency = 20, 20, 50, 16
		regional                          = 100 * time.Millisecond
	)
	regions := []string{"us-east-1", "eu-west-1"}
	for _, accounts := range []int{100, 1000} {
		b.Run(strconv.Itoa(accounts), func(b *testing.B) {
			if accounts > 100 && testing.Short() {
				b.Skip("1,000 accounts take minutes")
			}
			ids := make([]string, accounts)
			for i := range ids {
				ids[i] = fmt.Sprintf("%012d", 200000000000+i)
			}
			// The bound: an account reads IAM (one 1 s page), S3 (ListBuckets,
			// then BucketWorkers buckets at a time, three calls each) and its
			// Regions at once; a Region lists keys and aliases at once, then
			// reads KeyWorkers keys at a time, five calls each; accounts go
			// concurrency at a time.
			waves := func(n, workers int) time.Duration { return time.Duration((n + workers - 1) / workers) }
			kms := regional + waves(keys, KeyWorkers)*5*regional
			s3 := regional + waves(buckets, BucketWorkers)*3*regional
			perAccount := max(time.Second, s3, kms*waves(len(regions), RegionWorkers))
			bound := perAccount * waves(accounts, concurrency)
			var calls, throttled int
			for b.Loop() {
				c := &quotaClients{l: newLimiter(), aws: &fakeaws.Quotas{}, latency: regional, keys: keys, roles: roles, buckets: buckets, regions: regions}
				snap, res, err := Scan(context.Background(), c, Options{Accounts: ids, Regions: regions, Concurrency: concurrency}, nil)
				if err != nil || len(snap.Accounts) != accounts {
					b.Fatalf("%v %+v", err, res)
				}
				calls, throttled = c.l.Calls(), res.Errors
			}
			wall := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(float64(calls), "calls")
			b.ReportMetric(float64(calls)/wall.Seconds(), "calls/s")
			b.ReportMetric(float64(throttled), "throttled")
			b.ReportMetric(wall.Seconds(), "wall-s")
			b.ReportMetric(bound.Seconds(), "bound-s")
			b.ReportMetric(wall.Seconds()/bound.Seconds(), "x-bound")
		})
	}
}
