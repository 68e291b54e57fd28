package scanner

import (
	"context"
	"errors"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	"github.com/sourcegraph/conc/pool"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// notFound reports whether err is an AWS answer that a configuration does
// not exist (no bucket policy, no encryption configuration…): an empty
// answer, not a failure.
func notFound(err error, codes ...string) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	for _, c := range codes {
		if ae.ErrorCode() == c {
			return true
		}
	}
	return false
}

// collectS3 lists the account's buckets once and returns them by Region
// (their own Region, from ListBuckets or GetBucketLocation), with policy,
// default encryption and public access block. It never reads objects.
// ListBuckets and GetBucketLocation go through the home Region's client;
// each bucket is read through a client of its own Region (S3 answers a
// request sent to another Region with a redirect, which the SDK does not
// follow), BucketWorkers buckets at a time, in ListBuckets order.
func collectS3(ctx context.Context, s3In func(region string) s3API, home string, regions map[string]bool, rec *recorder) map[string]*snapshot.S3 {
	// One client per Region.
	var mu sync.Mutex
	clients := map[string]s3API{}
	s3Of := func(region string) s3API {
		mu.Lock()
		defer mu.Unlock()
		c, ok := clients[region]
		if !ok {
			c = s3In(region)
			clients[region] = c
		}
		return c
	}
	c := s3Of(home)
	type listed struct{ name, region, created string }
	var found []listed
	p := s3.NewListBucketsPaginator(c, &s3.ListBucketsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			rec.add("s3", "", "ListBuckets", "", err)
			return nil
		}
		for _, b := range page.Buckets {
			found = append(found, listed{deref(b.Name), deref(b.BucketRegion), timeString(b.CreationDate)})
		}
	}
	read := make([]*snapshot.Bucket, len(found))
	where := make([]string, len(found))
	bp := pool.New().WithMaxGoroutines(BucketWorkers)
	for i, b := range found {
		bp.Go(func() {
			region := b.region
			if region == "" {
				loc, err := c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: &b.name})
				if err != nil {
					rec.add("s3", "", "GetBucketLocation", "arn:aws:s3:::"+b.name, err)
					return
				}
				region = bucketRegion(string(loc.LocationConstraint))
			}
			if !regions[region] {
				return
			}
			bc := s3Of(region)
			if bc == nil {
				return
			}
			sb := collectBucket(ctx, bc, b.name, region, rec)
			sb.CreationDate = b.created
			read[i], where[i] = &sb, region
		})
	}
	bp.Wait()
	out := map[string]*snapshot.S3{}
	for r := range regions {
		out[r] = &snapshot.S3{Buckets: []snapshot.Bucket{}}
	}
	for i, b := range read {
		if b != nil {
			out[where[i]].Buckets = append(out[where[i]].Buckets, *b)
		}
	}
	return out
}

// BucketWorkers is how many buckets of one account are read at once.
var BucketWorkers = 8

// bucketRegion maps a LocationConstraint to a Region ("" is us-east-1, "EU" eu-west-1).
func bucketRegion(loc string) string {
	switch loc {
	case "":
		return "us-east-1"
	case "EU":
		return "eu-west-1"
	}
	return loc
}

func collectBucket(ctx context.Context, c s3API, name, region string, rec *recorder) snapshot.Bucket {
	b := snapshot.Bucket{Name: name}
	arnOf := "arn:aws:s3:::" + name
	if p, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: &name}); err == nil {
		b.Policy = p.Policy
	} else if !notFound(err, "NoSuchBucketPolicy") {
		rec.add("s3", region, "GetBucketPolicy", arnOf, err)
	}
	if e, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: &name}); err == nil {
		if cfg, err := convert[snapshot.ServerSideEncryptionConfiguration](e.ServerSideEncryptionConfiguration); err == nil {
			b.ServerSideEncryptionConfiguration = &cfg
		}
	} else if !notFound(err, "ServerSideEncryptionConfigurationNotFoundError") {
		rec.add("s3", region, "GetBucketEncryption", arnOf, err)
	}
	if pab, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: &name}); err == nil {
		if cfg, err := convert[snapshot.PublicAccessBlockConfiguration](pab.PublicAccessBlockConfiguration); err == nil {
			b.PublicAccessBlockConfiguration = &cfg
		}
	} else if !notFound(err, "NoSuchPublicAccessBlockConfiguration") {
		rec.add("s3", region, "GetPublicAccessBlock", arnOf, err)
	}
	collectBucketOwnership(ctx, c, &b, region, rec)
	return b
}

func collectSQS(ctx context.Context, c sqsAPI, region string, rec *recorder) *snapshot.SQS {
	out := &snapshot.SQS{Queues: []snapshot.Queue{}}
	p := sqs.NewListQueuesPaginator(c, &sqs.ListQueuesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			rec.add("sqs", region, "ListQueues", "", err)
			return nil
		}
		for _, url := range page.QueueUrls {
			q := snapshot.Queue{QueueURL: url}
			a, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
			if err != nil {
				rec.add("sqs", region, "GetQueueAttributes", url, err)
			} else {
				q.Attributes = a.Attributes
			}
			out.Queues = append(out.Queues, q)
		}
	}
	return out
}

func collectSecrets(ctx context.Context, c secretsAPI, region string, rec *recorder) *snapshot.SecretsManager {
	out := &snapshot.SecretsManager{Secrets: []snapshot.Secret{}}
	p := secretsmanager.NewListSecretsPaginator(c, &secretsmanager.ListSecretsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			rec.add("secretsmanager", region, "ListSecrets", "", err)
			return nil
		}
		for _, e := range page.SecretList {
			s := snapshot.Secret{ARN: deref(e.ARN), Name: deref(e.Name), KmsKeyID: deref(e.KmsKeyId)}
			collectSecretReplication(ctx, c, region, e, &s, rec)
			rp, err := c.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: e.ARN})
			if err != nil {
				rec.add("secretsmanager", region, "GetResourcePolicy", s.ARN, err)
			} else {
				s.ResourcePolicy = rp.ResourcePolicy
			}
			out.Secrets = append(out.Secrets, s)
		}
	}
	return out
}

func collectSNS(ctx context.Context, c snsAPI, region string, rec *recorder) *snapshot.SNS {
	out := &snapshot.SNS{Topics: []snapshot.Topic{}}
	p := sns.NewListTopicsPaginator(c, &sns.ListTopicsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			rec.add("sns", region, "ListTopics", "", err)
			return nil
		}
		for _, tp := range page.Topics {
			t := snapshot.Topic{TopicArn: deref(tp.TopicArn)}
			a, err := c.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: tp.TopicArn})
			if err != nil {
				rec.add("sns", region, "GetTopicAttributes", t.TopicArn, err)
			} else {
				t.Attributes = a.Attributes
			}
			out.Topics = append(out.Topics, t)
		}
	}
	return out
}

// collectDynamoDB reads the Region's tables and their resource-based
// policies (GetResourcePolicy; PolicyNotFoundException means none: DynamoDB
// API Reference, GetResourcePolicy). A table whose DescribeTable fails
// stays, with its name and ARN only, and the failure is recorded under its
// ARN: its encryption (and key) is unknown, not "AWS owned"; a policy that
// could not be read is recorded likewise, and is unknown, not "none".
func collectDynamoDB(ctx context.Context, c dynamoAPI, acct, region string, rec *recorder) *snapshot.DynamoDB {
	out := &snapshot.DynamoDB{Tables: []snapshot.Table{}}
	p := dynamodb.NewListTablesPaginator(c, &dynamodb.ListTablesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			rec.add("dynamodb", region, "ListTables", "", err)
			return nil
		}
		for _, name := range page.TableNames {
			t := snapshot.Table{TableName: name, TableArn: "arn:" + partitionOf(region) + ":dynamodb:" + region + ":" + acct + ":table/" + name}
			if d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &name}); err != nil {
				rec.add("dynamodb", region, "DescribeTable", t.TableArn, err)
			} else if dt, err := convert[snapshot.Table](d.Table); err == nil {
				t = dt
			}
			pol, err := c.GetResourcePolicy(ctx, &dynamodb.GetResourcePolicyInput{ResourceArn: &t.TableArn})
			switch {
			case err == nil:
				t.ResourcePolicy = pol.Policy
			case !notFound(err, "PolicyNotFoundException"):
				rec.add("dynamodb", region, "GetResourcePolicy", t.TableArn, err)
			}
			out.Tables = append(out.Tables, t)
		}
	}
	return out
}

func collectLambda(ctx context.Context, c lambdaAPI, region string, rec *recorder) *snapshot.Lambda {
	out := &snapshot.Lambda{Functions: []snapshot.Function{}}
	p := lambda.NewListFunctionsPaginator(c, &lambda.ListFunctionsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			rec.add("lambda", region, "ListFunctions", "", err)
			return nil
		}
		for _, f := range page.Functions {
			fn := snapshot.Function{FunctionName: deref(f.FunctionName), FunctionArn: deref(f.FunctionArn), Role: deref(f.Role), KMSKeyArn: deref(f.KMSKeyArn)}
			pol, err := c.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: f.FunctionName})
			switch {
			case err == nil:
				fn.Policy = pol.Policy
			case !notFound(err, "ResourceNotFoundException"):
				rec.add("lambda", region, "GetPolicy", fn.FunctionArn, err)
			}
			out.Functions = append(out.Functions, fn)
		}
	}
	return out
}

func collectLogs(ctx context.Context, c logsAPI, region string, rec *recorder) *snapshot.Logs {
	out := &snapshot.Logs{LogGroups: []snapshot.LogGroup{}}
	p := cloudwatchlogs.NewDescribeLogGroupsPaginator(c, &cloudwatchlogs.DescribeLogGroupsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			rec.add("logs", region, "DescribeLogGroups", "", err)
			return nil
		}
		for _, g := range page.LogGroups {
			out.LogGroups = append(out.LogGroups, snapshot.LogGroup{LogGroupName: deref(g.LogGroupName), Arn: deref(g.Arn), KmsKeyID: deref(g.KmsKeyId)})
		}
	}
	return out
}
