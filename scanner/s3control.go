package scanner

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	smithyendpoints "github.com/aws/smithy-go/endpoints"

	"github.com/keyhound/keyhound/graph/snapshot"
)

var _ s3ControlAPI = (*s3control.Client)(nil)

// collectS3Control reads the account's own S3 Block Public Access
// configuration (S3 Control GetPublicAccessBlock with the account's ID;
// NoSuchPublicAccessBlockConfiguration means the account has none). It
// applies to every bucket of the account together with the bucket's own (S3
// UG, "Blocking public access to your Amazon S3 storage"). On any other
// failure it records the error and returns nil: not collected, which
// keyhound reads as unknown.
func collectS3Control(ctx context.Context, c s3ControlAPI, account, region string, rec *recorder) *snapshot.S3Control {
	out := &snapshot.S3Control{}
	r, err := c.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: &account})
	switch {
	case err == nil:
		cfg, err := convert[snapshot.PublicAccessBlockConfiguration](r.PublicAccessBlockConfiguration)
		if err != nil {
			rec.add("s3control", region, "GetPublicAccessBlock", account, err)
			return nil
		}
		out.PublicAccessBlockConfiguration = &cfg
	case notFound(err, "NoSuchPublicAccessBlockConfiguration"):
	default:
		rec.add("s3control", region, "GetPublicAccessBlock", account, err)
		return nil
	}
	return out
}

// collectBucketOwnership reads a bucket's Object Ownership setting
// (GetBucketOwnershipControls; OwnershipControlsNotFoundError means none).
// Any other failure is recorded under the bucket's ARN.
func collectBucketOwnership(ctx context.Context, c s3API, b *snapshot.Bucket, region string, rec *recorder) {
	oc, err := c.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: &b.Name})
	switch {
	case err == nil:
		if cfg, err := convert[snapshot.OwnershipControls](oc.OwnershipControls); err != nil {
			rec.add("s3", region, "GetBucketOwnershipControls", "arn:aws:s3:::"+b.Name, err)
		} else if oc.OwnershipControls != nil {
			b.OwnershipControls = &cfg
		}
	case !notFound(err, "OwnershipControlsNotFoundError"):
		rec.add("s3", region, "GetBucketOwnershipControls", "arn:aws:s3:::"+b.Name, err)
	}
}

func (a *awsAccount) S3Control(region string) s3ControlAPI {
	return s3control.NewFromConfig(a.cfg, func(o *s3control.Options) {
		o.Region = region
		if a.cfg.BaseEndpoint != nil {
			// An emulator at one endpoint: AWS's endpoint rules put the
			// account ID in front of the host name, which a loopback
			// address cannot have; it is sent in x-amz-account-id too.
			o.EndpointResolverV2 = emulatorEndpoint{s3control.NewDefaultEndpointResolverV2()}
		}
	})
}

// emulatorEndpoint resolves S3 Control endpoints as AWS does, without the
// account ID's host label.
type emulatorEndpoint struct{ s3control.EndpointResolverV2 }

func (e emulatorEndpoint) ResolveEndpoint(ctx context.Context, p s3control.EndpointParameters) (smithyendpoints.Endpoint, error) {
	ep, err := e.EndpointResolverV2.ResolveEndpoint(ctx, p)
	if err != nil || p.AccountId == nil {
		return ep, err
	}
	if host, ok := strings.CutPrefix(ep.URI.Host, *p.AccountId+"."); ok {
		ep.URI.Host = host
	}
	return ep, nil
}
