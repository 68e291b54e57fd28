package scanner

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// collectVpcEndpoints reads the Region's VPC endpoints with their policies
// (EC2 DescribeVpcEndpoints, every page): a request through an endpoint must
// also be allowed by its policy, and conditions on aws:SourceVpce and
// aws:SourceVpc name endpoints and VPCs (VPC UG, "Control access to VPC
// endpoints using endpoint policies"). On a failure it records the error and
// returns nil (not collected), never a partial list.
func collectVpcEndpoints(ctx context.Context, c ec2API, region string, rec *recorder) []snapshot.VpcEndpoint {
	out := []snapshot.VpcEndpoint{}
	p := ec2.NewDescribeVpcEndpointsPaginator(c, &ec2.DescribeVpcEndpointsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			rec.add("ec2", region, "DescribeVpcEndpoints", "", err)
			return nil
		}
		for _, e := range page.VpcEndpoints {
			ve, err := convert[snapshot.VpcEndpoint](e)
			if err != nil {
				rec.add("ec2", region, "DescribeVpcEndpoints", deref(e.VpcEndpointId), err)
				return nil
			}
			out = append(out, ve)
		}
	}
	return out
}
