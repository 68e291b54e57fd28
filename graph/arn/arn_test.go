package arn

import (
	"strings"
	"testing"
)

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
func TestParse(t *testing.T) {
	a, err := Parse("arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab")
	if err != nil || a.Partition != "aws" || a.Service != "kms" || a.Region != "us-east-1" || a.AccountID != "111111111111" || a.Resource != "key/1234abcd-12ab" || a.ResourceType() != "key" {
		t.Fatalf("Parse = %+v, %v", a, err)
	}
	if a.String() != "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab" {
		t.Errorf("String = %s", a)
	}
	s3, err := Parse("arn:aws:s3:::bucket/a:b/c")
	if err != nil || s3.AccountID != "" || s3.Resource != "bucket/a:b/c" {
		t.Errorf("s3 = %+v %v", s3, err)
	}
	sns, _ := Parse("arn:aws-us-gov:sns:us-gov-west-1:111111111111:topic")
	if sns.Partition != "aws-us-gov" || sns.ResourceType() != "" {
		t.Errorf("sns = %+v", sns)
	}
	for _, bad := range []string{"", "arn", "arn:aws:kms", "kms:us-east-1:1:key/x", "arn::kms:r:a:x", "arn:aws::r:a:x"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
func TestParsePrincipal(t *testing.T) {
	cases := []struct {
		in                      string
		kind                    PrincipalKind
		account, name, path, ss string
		typ, role               string
		slr                     bool
	}{
		{"arn:aws:iam::111111111111:user/alice", KindUser, "111111111111", "alice", "/", "", "User", "", false},
		{"arn:aws:iam::111111111111:user/eng/ops/alice", KindUser, "111111111111", "alice", "/eng/ops/", "", "User", "", false},
		{"arn:aws:iam::111111111111:role/App", KindRole, "111111111111", "App", "/", "", "AssumedRole", "arn:aws:iam::111111111111:role/App", false},
		{"arn:aws:iam::111111111111:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling", KindRole, "111111111111", "AWSServiceRoleForAutoScaling", "/aws-service-role/autoscaling.amazonaws.com/", "", "AssumedRole", "arn:aws:iam::111111111111:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling", true},
		{"arn:aws:sts::111111111111:assumed-role/App/i-0abc", KindAssumedRole, "111111111111", "App", "/", "i-0abc", "AssumedRole", "arn:aws:iam::111111111111:role/App", false},
		{"arn:aws:sts::111111111111:assumed-role/AWSServiceRoleForECS/ecs", KindAssumedRole, "111111111111", "AWSServiceRoleForECS", "/", "ecs", "AssumedRole", "arn:aws:iam::111111111111:role/AWSServiceRoleForECS", true},
		{"arn:aws:sts::111111111111:federated-user/bob", KindFederatedUser, "111111111111", "bob", "/", "", "FederatedUser", "", false},
		{"arn:aws:iam::111111111111:root", KindAccount, "111111111111", "", "/", "", "Account", "", false},
		{"111111111111", KindAccount, "111111111111", "", "/", "", "Account", "", false},
		{"cloudtrail.amazonaws.com", KindService, "", "cloudtrail.amazonaws.com", "", "", "", "", false},
		{"*", KindAnonymous, "", "", "", "", "", "", false},
	}
	for _, tc := range cases {
		p, err := ParsePrincipal(tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if p.Kind != tc.kind || p.AccountID != tc.account || p.Name != tc.name || p.Path != tc.path || p.Session != tc.ss || p.Type() != tc.typ || p.RoleARN() != tc.role || p.IsServiceLinkedRole() != tc.slr {
			t.Errorf("%s: %+v type=%s role=%s slr=%v", tc.in, p, p.Type(), p.RoleARN(), p.IsServiceLinkedRole())
		}
	}
	for _, bad := range []string{"", "alice", "arn:aws:iam::12:user/a", "arn:aws:iam::111111111111:group/g", "arn:aws:sts::111111111111:assumed-role/App", "arn:aws:iam::111111111111:user/", "arn:aws:s3:::bucket"} {
		if _, err := ParsePrincipal(bad); err == nil {
			t.Errorf("ParsePrincipal(%q) accepted", bad)
		}
	}
	if got := (Principal{Kind: KindUser, Partition: "aws", AccountID: "111111111111"}).AccountARN(); got != "arn:aws:iam::111111111111:root" {
		t.Errorf("AccountARN = %s", got)
	}
}

func FuzzParsePrincipal(f *testing.F) {
	for _, s := range []string{"arn:aws:iam::111111111111:user/a/b", "arn:aws:sts::111111111111:assumed-role/R/s", "111111111111", "s3.amazonaws.com", "*", "arn:aws-cn:iam::111111111111:root"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePrincipal(s)
		if err != nil {
			return
		}
		if p.Kind == KindUnknown {
			t.Fatalf("%q parsed with unknown kind", s)
		}
		if p.Kind == KindAssumedRole && !strings.HasPrefix(p.RoleARN(), "arn:") {
			t.Fatalf("%q: role ARN %q", s, p.RoleARN())
		}
		_ = p.Type()
		_ = p.IsServiceLinkedRole()
	})
}

func FuzzParseARN(f *testing.F) {
	for _, s := range []string{"arn:aws:kms:us-east-1:111111111111:key/k", "arn:aws:s3:::b/k", "arn:::::", "arn:a:b:c:d:e:f:g"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			return
		}
		if a.String() != s {
			t.Fatalf("round trip %q → %q", s, a.String())
		}
	})
}
