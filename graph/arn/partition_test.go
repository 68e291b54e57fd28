package arn

import "testing"

// Principals of GovCloud and China keep their partition: the role of an
// assumed-role session, the account principal.
// https://docs.aws.amazon.com/govcloud-us/latest/UserGuide/using-govcloud-arns.html
func TestPrincipalsOfOtherPartitions(t *testing.T) {
	for _, tc := range []struct{ in, partition, role, account string }{
		{"arn:aws-us-gov:sts::111111111111:assumed-role/KeyhoundAudit/keyhound", "aws-us-gov", "arn:aws-us-gov:iam::111111111111:role/KeyhoundAudit", "arn:aws-us-gov:iam::111111111111:root"},
		{"arn:aws-us-gov:iam::111111111111:role/ops/Reader", "aws-us-gov", "arn:aws-us-gov:iam::111111111111:role/ops/Reader", "arn:aws-us-gov:iam::111111111111:root"},
		{"arn:aws-cn:sts::222222222222:assumed-role/Audit/s", "aws-cn", "arn:aws-cn:iam::222222222222:role/Audit", "arn:aws-cn:iam::222222222222:root"},
		{"arn:aws-cn:iam::222222222222:user/alice", "aws-cn", "", "arn:aws-cn:iam::222222222222:root"},
	} {
		p, err := ParsePrincipal(tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if p.Partition != tc.partition || p.RoleARN() != tc.role || p.AccountARN() != tc.account {
			t.Errorf("%s: partition %q role %q account %q", tc.in, p.Partition, p.RoleARN(), p.AccountARN())
		}
	}
	if k, err := Parse("arn:aws-us-gov:kms:us-gov-west-1:111111111111:key/k"); err != nil || k.Partition != "aws-us-gov" || k.Region != "us-gov-west-1" || k.ResourceType() != "key" {
		t.Errorf("GovCloud key ARN: %+v %v", k, err)
	}
}
