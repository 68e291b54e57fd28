package policy

import (
	"errors"
	"strings"
	"testing"
)

// Real policies as seeds: a default key policy, an AWS managed key policy,
// an S3 bucket policy, an SCP with NotAction, a trust policy, an RCP.
var policySeeds = []string{
	`{"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"kms:*","Resource":"*"}]}`,
	`{"Version":"2012-10-17","Id":"auto-s3-2","Statement":[{"Sid":"Allow access through S3 for all principals in the account that are authorized to use S3","Effect":"Allow","Principal":{"AWS":"*"},"Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"111111111111","kms:ViaService":"s3.us-east-1.amazonaws.com"}}},{"Sid":"Allow direct access to key metadata to the account","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":["kms:Describe*","kms:Get*","kms:List*"],"Resource":"*"}]}`,
	`{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecure","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::bucket","arn:aws:s3:::bucket/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}},{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::222222222222:role/Reader"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/${aws:username}/*"}]}`,
	`{"Version":"2012-10-17","Statement":[{"Sid":"DenyOutsideRegions","Effect":"Deny","NotAction":["iam:*","sts:*","organizations:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]},"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/OrgAdmin"}}}]}`,
	`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com","AWS":"arn:aws:iam::111111111111:root"},"Action":["sts:AssumeRole","sts:TagSession"],"Condition":{"StringEquals":{"sts:ExternalId":"x"},"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32"]}}}}`,
	`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"},"Bool":{"aws:PrincipalIsAWSService":"false"}}}]}`,
	`{"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":["arn:aws:sts::1:assumed-role/R/s"]},"Action":"*","NotResource":"arn:aws:s3:::x","Condition":{"ForAllValues:StringLike":{"aws:TagKeys":["a*","b?"]},"Null":{"aws:ResourceTag/x":"true"},"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"},"NumericLessThanEquals":{"s3:max-keys":"10"},"BinaryEquals":{"b":"QQ=="}}}]}`,
	`{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":{"CanonicalUser":"abc","Federated":"cognito-identity.amazonaws.com"},"Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}"}]}`,
}

// FuzzParse: any input either parses or fails with a *ParseError; a parsed
// policy can be matched and evaluated against known, absent and unknown
// context without panicking.
func FuzzParse(f *testing.F) {
	for _, s := range policySeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *ParseError: %v", err, err)
			}
			return
		}
		ctxs := []*Context{NewContext(false), NewContext(true), ctxOf(map[string]any{
			"aws:username": "alice", "aws:SourceIp": "203.0.113.5", "aws:CurrentTime": "2026-01-01T00:00:00Z",
			"aws:TagKeys": []string{"a1", "b2"}, "kms:ViaService": nil, "k": "a",
		})}
		for i := range p.Statements {
			st := &p.Statements[i]
			for _, c := range ctxs {
				st.MatchesAction("kms:decrypt")
				st.MatchesResource("arn:aws:s3:::b/alice", c)
				results := make([]Tri, len(st.Conditions))
				got := st.EvalConditions(c, results)
				want := True
				for _, r := range results {
					want = want.And(r)
				}
				if got != want {
					t.Fatalf("EvalConditions = %s, AND of results = %s", got, want)
				}
			}
		}
	})
}

// FuzzPatternMatch checks the glob matcher's invariants.
func FuzzPatternMatch(f *testing.F) {
	for _, s := range [][2]string{
		{"kms:GenerateDataKey*", "kms:GenerateDataKeyPair"},
		{"a?c", "abc"},
		{"*", ""},
		{"**a", "ba"},
		{"s3.*.amazonaws.com", "s3.us-east-1.amazonaws.com"},
		{"home/${aws:username}/*", "home/alice/x"},
		{"${*}${?}${$}", "*?$"},
		{"a*b*c", "aXbYbZc"},
	} {
		f.Add(s[0], s[1])
	}
	ctx := ctxOf(map[string]any{"aws:username": "alice"})
	f.Fuzz(func(t *testing.T, pattern, subject string) {
		p, err := CompilePattern(pattern, true)
		if err != nil {
			return
		}
		got := p.Match(subject, ctx, true, false)
		if !strings.ContainsAny(pattern, "*?$") && got != TriOf(pattern == subject) {
			t.Fatalf("literal pattern %q vs %q = %s", pattern, subject, got)
		}
		if !strings.ContainsAny(pattern, "*?$") {
			if p.Match(subject, ctx, false, true) != TriOf(strings.EqualFold(pattern, subject)) && isASCII(pattern+subject) {
				t.Fatalf("fold %q vs %q", pattern, subject)
			}
		}
		star, _ := CompilePattern("*", true)
		if star.Match(subject, ctx, true, false) != True {
			t.Fatalf("* does not match %q", subject)
		}
		// A pattern matches itself when it has no wildcards or variables.
		if !strings.ContainsAny(pattern, "*?$") && p.Match(pattern, ctx, true, false) != True {
			t.Fatalf("%q does not match itself", pattern)
		}
		// pattern+"*" matches whatever pattern matches, extended.
		if got == True && !strings.Contains(pattern, "$") {
			ext, err := CompilePattern(pattern+"*", true)
			if err == nil && ext.Match(subject+"tail", ctx, true, false) != True {
				t.Fatalf("%q* does not match %q+tail", pattern, subject)
			}
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// FuzzResourceMatch: ARN-segment matching never panics, "*" matches all, and
// an ARN without wildcards or variables matches exactly itself.
func FuzzResourceMatch(f *testing.F) {
	f.Add("arn:aws:kms:*:111111111111:key/*", "arn:aws:kms:us-east-1:111111111111:key/k")
	f.Add("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a:b/c")
	f.Add("arn:aws:iam::${aws:PrincipalAccount}:role/x", "arn:aws:iam::1:role/x")
	f.Add("arn:aws:kms", "arn:aws:kms:us-east-1:1:key/k")
	f.Add("bucket", "bucket")
	ctx := ctxOf(map[string]any{"aws:PrincipalAccount": "1"})
	f.Fuzz(func(t *testing.T, pattern, resource string) {
		r, err := compileResource(pattern, true)
		if err != nil {
			return
		}
		got := r.Matches(resource, ctx)
		if !strings.ContainsAny(pattern, "*?$") && got == True && pattern != resource {
			t.Fatalf("literal %q matched %q", pattern, resource)
		}
		if !strings.ContainsAny(pattern, "*?$") && strings.Count(pattern, ":") >= 5 && r.Matches(pattern, ctx) != True {
			t.Fatalf("%q does not match itself", pattern)
		}
	})
}
