package scanner

import (
	"context"
	"errors"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	secretstypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

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
	// Paginated (MaxBuckets): AWS rejects unpaginated ListBuckets for
	// accounts whose bucket quota is above 10,000 (S3 API Reference,
	// ListBuckets). Each bucket's Region comes with it (BucketRegion);
	// GetBucketLocation only when it does not.
	p := s3.NewListBucketsPaginator(c, &s3.ListBucketsInput{MaxBuckets: aws.Int32(1000)})
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
	type read struct {
		bucket *snapshot.Bucket
		region string
	}
	got := readEach(found, BucketWorkers, func(b *listed) read {
		region := b.region
		if region == "" {
			loc, err := c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: &b.name})
			if err != nil {
				rec.add("s3", "", "GetBucketLocation", "arn:aws:s3:::"+b.name, err)
				return read{}
			}
			region = bucketRegion(string(loc.LocationConstraint))
		}
		if !regions[region] {
			return read{}
		}
		bc := s3Of(region)
		if bc == nil {
			return read{}
		}
		sb := collectBucket(ctx, bc, b.name, region, rec)
		sb.CreationDate = b.created
		return read{&sb, region}
	})
	out := map[string]*snapshot.S3{}
	for r := range regions {
		out[r] = &snapshot.S3{Buckets: []snapshot.Bucket{}}
	}
	for _, b := range got {
		if b.bucket != nil {
			out[b.region].Buckets = append(out[b.region].Buckets, *b.bucket)
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

// collectSQS lists the Region's queues, then reads each one's attributes,
// ResourceWorkers at a time, in ListQueues order. MaxResults is set: without
// it SQS answers at most 1,000 queues and no NextToken (SQS Developer Guide,
// "Amazon SQS list queue pagination").
func collectSQS(ctx context.Context, c sqsAPI, region string, rec *recorder) *snapshot.SQS {
	var urls []string
	p := sqs.NewListQueuesPaginator(c, &sqs.ListQueuesInput{MaxResults: aws.Int32(1000)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			rec.add("sqs", region, "ListQueues", "", err)
			return nil
		}
		urls = append(urls, page.QueueUrls...)
	}
	queues := readEach(urls, ResourceWorkers, func(url *string) snapshot.Queue {
		q := snapshot.Queue{QueueURL: *url}
		a, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: url, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
		if err != nil {
			rec.add("sqs", region, "GetQueueAttributes", *url, err)
		} else {
			q.Attributes = a.Attributes
		}
		return q
	})
	return &snapshot.SQS{Queues: queues}
}

// collectSecrets lists the Region's secrets (metadata, never values), then
// reads each one's resource policy, ResourceWorkers at a time.
func collectSecrets(ctx context.Context, c secretsAPI, region string, rec *recorder) *snapshot.SecretsManager {
	var listed []secretstypes.SecretListEntry
	p := secretsmanager.NewListSecretsPaginator(c, &secretsmanager.ListSecretsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			rec.add("secretsmanager", region, "ListSecrets", "", err)
			return nil
		}
		listed = append(listed, page.SecretList...)
	}
	secrets := readEach(listed, ResourceWorkers, func(e *secretstypes.SecretListEntry) snapshot.Secret {
		s := snapshot.Secret{ARN: deref(e.ARN), Name: deref(e.Name), KmsKeyID: deref(e.KmsKeyId)}
		collectSecretReplication(ctx, c, region, *e, &s, rec)
		rp, err := c.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: e.ARN})
		if err != nil {
			rec.add("secretsmanager", region, "GetResourcePolicy", s.ARN, err)
		} else {
			s.ResourcePolicy = rp.ResourcePolicy
		}
		return s
	})
	return &snapshot.SecretsManager{Secrets: secrets}
}

// collectSNS lists the Region's topics, then reads each one's attributes,
// ResourceWorkers at a time.
func collectSNS(ctx context.Context, c snsAPI, region string, rec *recorder) *snapshot.SNS {
	var arns []string
	p := sns.NewListTopicsPaginator(c, &sns.ListTopicsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			rec.add("sns", region, "ListTopics", "", err)
			return nil
		}
		for _, tp := range page.Topics {
			arns = append(arns, deref(tp.TopicArn))
		}
	}
	topics := readEach(arns, ResourceWorkers, func(arn *string) snapshot.Topic {
		t := snapshot.Topic{TopicArn: *arn}
		a, err := c.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: arn})
		if err != nil {
			rec.add("sns", region, "GetTopicAttributes", t.TopicArn, err)
		} else {
			t.Attributes = a.Attributes
		}
		return t
	})
	return &snapshot.SNS{Topics: topics}
}

// collectDynamoDB lists the Region's tables, then reads each one,
// ResourceWorkers at a time: DescribeTable and its resource-based policy
// (GetResourcePolicy; PolicyNotFoundException means none: DynamoDB API
// Reference, GetResourcePolicy). A table whose DescribeTable fails stays,
// with its name and ARN only, and the failure is recorded under its ARN:
// its encryption (and key) is unknown, not "AWS owned"; a policy that
// could not be read is recorded likewise, and is unknown, not "none".
func collectDynamoDB(ctx context.Context, c dynamoAPI, acct, region string, rec *recorder) *snapshot.DynamoDB {
	var names []string
	p := dynamodb.NewListTablesPaginator(c, &dynamodb.ListTablesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			rec.add("dynamodb", region, "ListTables", "", err)
			return nil
		}
		names = append(names, page.TableNames...)
	}
	tables := readEach(names, ResourceWorkers, func(name *string) snapshot.Table {
		t := snapshot.Table{TableName: *name, TableArn: "arn:" + partitionOf(region) + ":dynamodb:" + region + ":" + acct + ":table/" + *name}
		if d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: name}); err != nil {
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
		return t
	})
	return &snapshot.DynamoDB{Tables: tables}
}

// collectLambda lists the Region's functions, then reads each one's
// resource policy (none is ResourceNotFoundException), ResourceWorkers at
// a time.
func collectLambda(ctx context.Context, c lambdaAPI, region string, rec *recorder) *snapshot.Lambda {
	var listed []lambdatypes.FunctionConfiguration
	p := lambda.NewListFunctionsPaginator(c, &lambda.ListFunctionsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			rec.add("lambda", region, "ListFunctions", "", err)
			return nil
		}
		listed = append(listed, page.Functions...)
	}
	functions := readEach(listed, ResourceWorkers, func(f *lambdatypes.FunctionConfiguration) snapshot.Function {
		fn := snapshot.Function{FunctionName: deref(f.FunctionName), FunctionArn: deref(f.FunctionArn), Role: deref(f.Role), KMSKeyArn: deref(f.KMSKeyArn)}
		pol, err := c.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: f.FunctionName})
		switch {
		case err == nil:
			fn.Policy = pol.Policy
		case !notFound(err, "ResourceNotFoundException"):
			rec.add("lambda", region, "GetPolicy", fn.FunctionArn, err)
		}
		return fn
	})
	return &snapshot.Lambda{Functions: functions}
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
