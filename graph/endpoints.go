package graph

import (
	"strconv"

	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// endpoint is a VPC endpoint with its policy (nil: full access, AWS's default).
type endpoint struct {
	ID, Account, Region, Service string
	Policy                       *eval.NamedPolicy
	Issue                        *Issue
}

func (b *builder) buildEndpoints(account, region string, ec2 *snapshot.EC2, base string) {
	if ec2 == nil {
		return
	}
	for i, ve := range ec2.VpcEndpoints {
		ep := &endpoint{ID: ve.VpcEndpointID, Account: account, Region: region, Service: ve.ServiceName}
		if ve.PolicyDocument != "" {
			ep.Policy, ep.Issue = b.parsePolicy(ve.PolicyDocument, ve.VpcEndpointID, "", account, region, ve.VpcEndpointID,
				base+".VpcEndpoints["+strconv.Itoa(i)+"].PolicyDocument")
		}
		b.g.endpoints[ep.ID] = ep
	}
}
