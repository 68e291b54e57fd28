package scanner

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// collectIAM reads GetAccountAuthorizationDetails, every page merged. On a
// failure it records the error and returns nil (IAM not collected), never a
// partial list presented as complete.
func collectIAM(ctx context.Context, c iamAPI, rec *recorder) *snapshot.IAM {
	out := &snapshot.IAM{
		UserDetailList: []snapshot.UserDetail{}, GroupDetailList: []snapshot.GroupDetail{},
		RoleDetailList: []snapshot.RoleDetail{}, Policies: []snapshot.ManagedPolicyDetail{},
	}
	// Pages of 1,000 items, IAM's largest (the default is 100): an account
	// with thousands of roles takes a few calls, not dozens.
	p := iam.NewGetAccountAuthorizationDetailsPaginator(c, &iam.GetAccountAuthorizationDetailsInput{MaxItems: aws.Int32(1000)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			rec.add("iam", "", "GetAccountAuthorizationDetails", "", err)
			return nil
		}
		part, err := convert[snapshot.IAM](page)
		if err != nil {
			rec.add("iam", "", "GetAccountAuthorizationDetails", "", err)
			return nil
		}
		out.UserDetailList = append(out.UserDetailList, part.UserDetailList...)
		out.GroupDetailList = append(out.GroupDetailList, part.GroupDetailList...)
		out.RoleDetailList = append(out.RoleDetailList, part.RoleDetailList...)
		out.Policies = append(out.Policies, part.Policies...)
	}
	// moto and some SDK versions omit PolicyName on Policies: take it from the ARN.
	for i := range out.Policies {
		if out.Policies[i].PolicyName == "" {
			out.Policies[i].PolicyName = lastSegment(out.Policies[i].Arn)
		}
	}
	return out
}

func lastSegment(s string) string {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' || s[i] == ':' {
			return s[i+1:]
		}
	}
	return s
}
