package scanner

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// The in-process fakes (fake_test.go, bench_test.go) answer the calls
// issue #13 added as AWS does for an account without them: a key never
// used, no VPC endpoints, no ownership controls; they have no S3 Control.

func (f *fakeKMS) GetKeyLastUsage(context.Context, *kms.GetKeyLastUsageInput, ...func(*kms.Options)) (*kms.GetKeyLastUsageOutput, error) {
	return &kms.GetKeyLastUsageOutput{}, nil
}

func (fakeEC2) DescribeVpcEndpoints(context.Context, *ec2.DescribeVpcEndpointsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointsOutput, error) {
	return &ec2.DescribeVpcEndpointsOutput{}, nil
}

func (a *fakeAccount) S3Control(string) s3ControlAPI     { return nil }
func (a *blockingAccount) S3Control(string) s3ControlAPI { return nil }
func (a *quotaAccount) S3Control(string) s3ControlAPI    { return nil }

func (q quotaKMS) GetKeyLastUsage(ctx context.Context, _ *kms.GetKeyLastUsageInput, _ ...func(*kms.Options)) (*kms.GetKeyLastUsageOutput, error) {
	return &kms.GetKeyLastUsageOutput{}, q.a.call(ctx, q.region, "KMS", "GetKeyLastUsage")
}

func (q quotaS3) GetBucketOwnershipControls(ctx context.Context, _ *s3.GetBucketOwnershipControlsInput, _ ...func(*s3.Options)) (*s3.GetBucketOwnershipControlsOutput, error) {
	return &s3.GetBucketOwnershipControlsOutput{}, q.a.call(ctx, q.region, "S3", "GetBucketOwnershipControls")
}
