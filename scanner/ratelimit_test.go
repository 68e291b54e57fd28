package scanner

import "testing"

// The scanner keeps about half of AWS's published quotas (KMS DG, request quotas).
func TestQuotas(t *testing.T) {
	cases := []struct {
		service, op string
		want        float64
	}{
		{"KMS", "ListGrants", 50},
		{"KMS", "DescribeKey", 1000},
		{"KMS", "GetKeyPolicy", 500},
		{"KMS", "ListAliases", 25},
		{"Secrets Manager", "GetResourcePolicy", 25},
		{"Organizations", "ListAccountsForParent", 2},
		{"Lambda", "ListFunctions", defaultQuota.perSecond},
		{"STS", "AssumeRole", 300},
		{"EC2", "DescribeSnapshots", 10},
		{"RDS", "DescribeDBClusterSnapshots", 6},
	}
	for _, tc := range cases {
		if got := quotaFor(tc.service, tc.op).perSecond; got != tc.want {
			t.Errorf("%s %s: %v rps, want %v", tc.service, tc.op, got, tc.want)
		}
	}
}

// Buckets are per account, Region and API: one account's throttling never
// slows another's.
func TestLimiterBucketsAreSeparate(t *testing.T) {
	l := newLimiter()
	a := l.bucket("111111111111", "us-east-1", "KMS", "ListGrants")
	if l.bucket("111111111111", "us-east-1", "KMS", "ListGrants") != a {
		t.Error("the same API shares one bucket")
	}
	for _, other := range [][4]string{
		{"222222222222", "us-east-1", "KMS", "ListGrants"},
		{"111111111111", "eu-west-1", "KMS", "ListGrants"},
		{"111111111111", "us-east-1", "KMS", "DescribeKey"},
	} {
		if l.bucket(other[0], other[1], other[2], other[3]) == a {
			t.Errorf("%v shares a bucket with 111111111111/us-east-1/ListGrants", other)
		}
	}
	if l.Calls() != 5 {
		t.Errorf("calls = %d", l.Calls())
	}
}
