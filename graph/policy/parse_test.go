package policy

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
func TestParseAcceptsAWSForms(t *testing.T) {
	p, err := Parse([]byte(`{
	  "Version": "2012-10-17", "Id": "key-default-1",
	  "Statement": [
	    {"Sid": "A", "Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"},
	    {"Effect": "Deny", "Principal": {"AWS": ["arn:aws:iam::111111111111:root", "222222222222"], "Service": "s3.amazonaws.com",
	      "Federated": "cognito-identity.amazonaws.com", "CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},
	     "NotAction": ["kms:Encrypt", "kms:Decrypt"], "NotResource": "arn:aws:kms:*:*:key/x"},
	    {"Effect": "Allow", "NotPrincipal": {"AWS": "*"}, "Action": "s3:GetObject",
	      "Condition": {"StringEquals": {"k": ["a", "b"]}, "Bool": {"b": true}, "NumericLessThan": {"n": 5}}}
	  ]}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Version != Version2012 || p.ID != "key-default-1" || len(p.Statements) != 3 {
		t.Fatalf("policy = %+v", p)
	}
	s0, s1, s2 := p.Statements[0], p.Statements[1], p.Statements[2]
	if !s0.Principal.Any || s0.Sid != "A" || s0.Effect != Allow || s0.Index != 0 {
		t.Errorf("statement 0 = %+v", s0)
	}
	if s1.Effect != Deny || !s1.NotAction || !s1.NotResource || len(s1.Principal.AWS) != 2 || len(s1.Principal.Service) != 1 ||
		len(s1.Principal.Federated) != 1 || len(s1.Principal.CanonicalUser) != 1 || s1.Index != 1 {
		t.Errorf("statement 1 = %+v %+v", s1, s1.Principal)
	}
	if !s2.NotPrincipal || !s2.Principal.Any || s2.HasResource || len(s2.Conditions) != 3 {
		t.Errorf("statement 2 = %+v", s2)
	}
	// A lone statement object.
	one, err := Parse([]byte(`{"Statement": {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}}}`))
	if err != nil || len(one.Statements) != 1 || one.Statements[0].HasResource {
		t.Fatalf("lone statement: %v %+v", err, one)
	}
}

func TestParseStringURLEncoded(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}`
	for _, s := range []string{doc, url.QueryEscape(doc), "  " + doc} {
		p, err := ParseString(s)
		if err != nil || len(p.Statements) != 1 {
			t.Errorf("ParseString(%.30q): %v", s, err)
		}
	}
	if _, err := ParseString("%zz"); err == nil {
		t.Error("bad URL encoding accepted")
	}
}

// Malformed input names the JSON path of the offending element.
func TestParseErrorsNameTheJSONPath(t *testing.T) {
	cases := []struct {
		doc, path, msg string
	}{
		{`[]`, "", "must be a JSON object"},
		{`{"Statement": [}`, "", "invalid JSON"},
		{`{"Statement": []} x`, "", "data after"},
		{`{"Version": "2012-10-17"}`, "Statement", "missing"},
		{`{"Version": "2020-01-01", "Statement": []}`, "Version", "unknown policy version"},
		{`{"Statement": [], "Extra": 1}`, "Extra", "unknown policy element"},
		{`{"Statement": "x"}`, "Statement", "must be an object or an array"},
		{`{"Statement": [1]}`, "Statement[0]", "statement must be an object"},
		{`{"Statement": [{"Effect": "Allow", "Action": "*"}, {"Action": "*"}]}`, "Statement[1].Effect", "missing"},
		{`{"Statement": [{"Effect": "allow", "Action": "*"}]}`, "Statement[0].Effect", `"Allow" or "Deny"`},
		{`{"Statement": [{"Effect": "Allow"}]}`, "Statement[0].Action", "missing"},
		{`{"Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "*"}]}`, "Statement[0].NotAction", "both Action and NotAction"},
		{`{"Statement": [{"Effect": "Allow", "Action": ["kms:Decrypt", 5]}]}`, "Statement[0].Action[1]", "must be a string"},
		{`{"Statement": [{"Effect": "Allow", "Action": ["kms:Decrypt", "Decrypt"]}]}`, "Statement[0].Action[1]", "service:Action"},
		{`{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": []}]}`, "Statement[0].Resource", "must not be empty"},
		{`{"Statement": [{"Effect": "Allow", "Action": "*", "Principal": "arn:aws:iam::1:root"}]}`, "Statement[0].Principal", `must be "*" or an object`},
		{`{"Statement": [{"Effect": "Allow", "Action": "*", "Principal": {"IAM": "x"}}]}`, "Statement[0].Principal.IAM", "unknown principal type"},
		{`{"Statement": [{"Effect": "Allow", "Action": "*", "Principal": "*", "NotPrincipal": "*"}]}`, "Statement[0].Principal", "both Principal and NotPrincipal"},
		{`{"Statement": [{"Effect": "Allow", "Action": "*", "Bogus": 1}]}`, "Statement[0].Bogus", "unknown statement element"},
		{`{"Statement": [{"Effect": "Allow", "Action": "*"}, {"Effect": "Allow", "Action": "*"}, {"Effect": "Allow", "Action": "*", "Condition": {"StringLikeX": {"a": "b"}}}]}`, "Statement[2].Condition.StringLikeX", "unknown condition operator"},
		{`{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"StringLike": "x"}}]}`, "Statement[0].Condition.StringLike", "must be an object of condition keys"},
		{`{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"NullIfExists": {"a": "true"}}}]}`, "Statement[0].Condition.NullIfExists", "no IfExists"},
		{`{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"NumericLessThan": {"n": "ten"}}}]}`, "Statement[0].Condition.NumericLessThan.n", "needs a number"},
		{`{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"DateLessThan": {"aws:CurrentTime": ["2026-01-01", "soon"]}}}]}`, `Statement[0].Condition.DateLessThan["aws:CurrentTime"][1]`, "needs a date"},
		{`{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/33"}}}]}`, `Statement[0].Condition.IpAddress["aws:SourceIp"]`, "IP address or CIDR"},
		{`{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"BinaryEquals": {"b": "!!"}}}]}`, "Statement[0].Condition.BinaryEquals.b", "base64"},
		{`{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"Bool": {"b": "yes"}}}]}`, "Statement[0].Condition.Bool.b", `"true" or "false"`},
		{`{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"StringEquals": {"k": {"a": 1}}}}]}`, "Statement[0].Condition.StringEquals.k", "string, number or boolean"},
		{`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/${aws:username"}]}`, "Statement[0].Resource", "unterminated policy variable"},
		{`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"StringEquals": {"k": "${aws:username, none}"}}}]}`, "Statement[0].Condition.StringEquals.k", "single quotes"},
	}
	for _, tc := range cases {
		_, err := Parse([]byte(tc.doc))
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%s: err = %v, want a *ParseError", tc.doc, err)
			continue
		}
		if pe.Path != tc.path {
			t.Errorf("%s: path %q, want %q (%v)", tc.doc, pe.Path, tc.path, err)
		}
		if !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: message %q lacks %q", tc.doc, err.Error(), tc.msg)
		}
	}
}
