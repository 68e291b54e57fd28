package policy

import (
	"encoding/json"
	"fmt"
	"testing"
)

// ctxOf builds an incomplete context: values are strings or []string; nil
// marks a key known to be absent.
func ctxOf(kv map[string]any) *Context {
	c := NewContext(false)
	for k, v := range kv {
		switch t := v.(type) {
		case nil:
			c.SetAbsent(k)
		case string:
			c.Set(k, t)
		case []string:
			c.Set(k, t...)
		default:
			panic(fmt.Sprintf("bad context value %T", v))
		}
	}
	return c
}

// condStatement parses a one-statement policy with the given Condition block.
func condStatement(t *testing.T, version string, cond string) *Statement {
	t.Helper()
	doc := fmt.Sprintf(`{"Version":%q,"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":%s}}`, version, cond)
	p, err := Parse([]byte(doc))
	if err != nil {
		t.Fatalf("parse %s: %v", cond, err)
	}
	return &p.Statements[0]
}

type condCase struct {
	name string
	cond string
	ctx  map[string]any
	want Tri
}

func runCondCases(t *testing.T, cases []condCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := condStatement(t, Version2012, tc.cond)
			if got := st.EvalConditions(ctxOf(tc.ctx), nil); got != tc.want {
				t.Fatalf("%s with %v = %s, want %s", tc.cond, tc.ctx, got, tc.want)
			}
		})
	}
}

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String
func TestStringOperators_IAMConditionOperators(t *testing.T) {
	runCondCases(t, []condCase{
		{"StringEquals match", `{"StringEquals":{"aws:PrincipalTag/team":"payments"}}`, map[string]any{"aws:PrincipalTag/team": "payments"}, True},
		{"StringEquals is case-sensitive", `{"StringEquals":{"aws:PrincipalTag/team":"payments"}}`, map[string]any{"aws:PrincipalTag/team": "Payments"}, False},
		{"StringEquals star is literal", `{"StringEquals":{"k":"a*"}}`, map[string]any{"k": "abc"}, False},
		{"condition key names are case-insensitive", `{"StringEquals":{"AWS:PRINCIPALTAG/TEAM":"x"}}`, map[string]any{"aws:principaltag/team": "x"}, True},
		{"several policy values are ORed", `{"StringEquals":{"k":["a","b"]}}`, map[string]any{"k": "b"}, True},
		{"StringNotEquals none match", `{"StringNotEquals":{"k":["a","b"]}}`, map[string]any{"k": "c"}, True},
		{"StringNotEquals one matches", `{"StringNotEquals":{"k":["a","b"]}}`, map[string]any{"k": "a"}, False},
		{"StringEqualsIgnoreCase", `{"StringEqualsIgnoreCase":{"k":"PayMents"}}`, map[string]any{"k": "payments"}, True},
		{"StringNotEqualsIgnoreCase", `{"StringNotEqualsIgnoreCase":{"k":"PayMents"}}`, map[string]any{"k": "payments"}, False},
		{"StringLike star", `{"StringLike":{"kms:ViaService":"s3.*.amazonaws.com"}}`, map[string]any{"kms:ViaService": "s3.eu-west-1.amazonaws.com"}, True},
		{"StringLike question mark", `{"StringLike":{"k":"a?c"}}`, map[string]any{"k": "abc"}, True},
		{"StringLike question mark needs one char", `{"StringLike":{"k":"a?c"}}`, map[string]any{"k": "ac"}, False},
		{"StringNotLike", `{"StringNotLike":{"k":"vpce-*"}}`, map[string]any{"k": "vpce-1"}, False},
		{"missing key: positive operator false", `{"StringEquals":{"k":"a"}}`, map[string]any{"k": nil}, False},
		{"missing key: negated operator true", `{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}`, map[string]any{"aws:SourceVpce": nil}, True},
		{"missing key: StringNotLike true", `{"StringNotLike":{"k":"a*"}}`, map[string]any{"k": nil}, True},
		{"missing key: IfExists true", `{"StringEqualsIfExists":{"k":"a"}}`, map[string]any{"k": nil}, True},
		{"present key: IfExists compares", `{"StringEqualsIfExists":{"k":"a"}}`, map[string]any{"k": "b"}, False},
		{"unknown key: Unknown", `{"StringEquals":{"k":"a"}}`, nil, Unknown},
		{"unknown key with IfExists: Unknown", `{"StringNotEqualsIfExists":{"k":"a"}}`, nil, Unknown},
		{"several keys are ANDed", `{"StringEquals":{"a":"1","b":"2"}}`, map[string]any{"a": "1", "b": "3"}, False},
		{"several operators are ANDed", `{"StringEquals":{"a":"1"},"StringLike":{"b":"2*"}}`, map[string]any{"a": "1", "b": "23"}, True},
		{"AND with an unknown", `{"StringEquals":{"a":"1","b":"2"}}`, map[string]any{"a": "1"}, Unknown},
		{"AND with a false and an unknown", `{"StringEquals":{"a":"1","b":"2"}}`, map[string]any{"a": "0"}, False},
		{"numbers in JSON compare as strings", `{"StringEquals":{"k":5}}`, map[string]any{"k": "5"}, True},
		{"booleans in JSON compare as strings", `{"StringEquals":{"k":true}}`, map[string]any{"k": "true"}, True},
	})
}

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Numeric
// and #Conditions_Date, #Conditions_Boolean, #Conditions_BinaryEquals, #Conditions_IPAddress, #Conditions_ARN, #Conditions_Null
func TestTypedOperators_IAMConditionOperators(t *testing.T) {
	runCondCases(t, []condCase{
		{"NumericEquals", `{"NumericEquals":{"n":"10"}}`, map[string]any{"n": "10.0"}, True},
		{"NumericNotEquals", `{"NumericNotEquals":{"n":"10"}}`, map[string]any{"n": "11"}, True},
		{"NumericLessThan", `{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}`, map[string]any{"aws:MultiFactorAuthAge": "60"}, True},
		{"NumericLessThanEquals boundary", `{"NumericLessThanEquals":{"n":"5"}}`, map[string]any{"n": "5"}, True},
		{"NumericGreaterThan", `{"NumericGreaterThan":{"n":"5"}}`, map[string]any{"n": "5"}, False},
		{"NumericGreaterThanEquals", `{"NumericGreaterThanEquals":{"n":"5"}}`, map[string]any{"n": "5"}, True},
		{"Numeric with a non-number request value", `{"NumericEquals":{"n":"5"}}`, map[string]any{"n": "five"}, False},
		{"DateLessThan ISO", `{"DateLessThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}`, map[string]any{"aws:CurrentTime": "2025-06-01T12:00:00Z"}, True},
		{"DateGreaterThan epoch policy value", `{"DateGreaterThan":{"aws:CurrentTime":"1700000000"}}`, map[string]any{"aws:CurrentTime": "2026-01-01T00:00:00Z"}, True},
		{"DateEquals date only", `{"DateEquals":{"d":"2026-01-01"}}`, map[string]any{"d": "2026-01-01T00:00:00Z"}, True},
		{"DateNotEquals", `{"DateNotEquals":{"d":"2026-01-01T00:00:00Z"}}`, map[string]any{"d": "2026-01-02T00:00:00Z"}, True},
		{"DateLessThanEquals", `{"DateLessThanEquals":{"d":"2026-01-01T00:00:00Z"}}`, map[string]any{"d": "2026-01-01T00:00:00Z"}, True},
		{"DateGreaterThanEquals", `{"DateGreaterThanEquals":{"d":"2026-01-01T00:00:00Z"}}`, map[string]any{"d": "2025-12-31T23:59:59Z"}, False},
		{"Bool true", `{"Bool":{"aws:SecureTransport":"true"}}`, map[string]any{"aws:SecureTransport": "true"}, True},
		{"Bool false vs true", `{"Bool":{"aws:SecureTransport":"false"}}`, map[string]any{"aws:SecureTransport": "true"}, False},
		{"Bool JSON boolean", `{"Bool":{"aws:ViaAWSService":false}}`, map[string]any{"aws:ViaAWSService": "false"}, True},
		{"Bool missing key is false", `{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`, map[string]any{"aws:MultiFactorAuthPresent": nil}, False},
		{"BoolIfExists missing key is true", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}`, map[string]any{"aws:MultiFactorAuthPresent": nil}, True},
		{"BinaryEquals", `{"BinaryEquals":{"b":"QmluYXJ5VmFsdWU="}}`, map[string]any{"b": "QmluYXJ5VmFsdWU="}, True},
		{"BinaryEquals differs", `{"BinaryEquals":{"b":"QmluYXJ5VmFsdWU="}}`, map[string]any{"b": "b3RoZXI="}, False},
		{"IpAddress CIDR", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, map[string]any{"aws:SourceIp": "203.0.113.10"}, True},
		{"IpAddress outside", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, map[string]any{"aws:SourceIp": "198.51.100.1"}, False},
		{"IpAddress single address", `{"IpAddress":{"aws:SourceIp":"203.0.113.10"}}`, map[string]any{"aws:SourceIp": "203.0.113.10"}, True},
		{"IpAddress IPv6", `{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}`, map[string]any{"aws:SourceIp": "2001:db8:1234::1"}, True},
		{"NotIpAddress", `{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}}`, map[string]any{"aws:SourceIp": "192.168.1.1"}, False},
		{"NotIpAddress missing key", `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, map[string]any{"aws:SourceIp": nil}, True},
		{"ArnLike wildcard account", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/Admin"}}`, map[string]any{"aws:PrincipalArn": "arn:aws:iam::111111111111:role/Admin"}, True},
		{"ArnLike star does not cross a colon in the region", `{"ArnLike":{"aws:SourceArn":"arn:aws:s3:*:bucket"}}`, map[string]any{"aws:SourceArn": "arn:aws:s3:::bucket"}, False},
		{"ArnLike resource part crosses slashes", `{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::bucket/*"}}`, map[string]any{"aws:SourceArn": "arn:aws:s3:::bucket/a/b/c"}, True},
		{"ArnEquals exact", `{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111111111111:topic"}}`, map[string]any{"aws:SourceArn": "arn:aws:sns:us-east-1:111111111111:topic"}, True},
		{"ArnEquals case-sensitive", `{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111111111111:Topic"}}`, map[string]any{"aws:SourceArn": "arn:aws:sns:us-east-1:111111111111:topic"}, False},
		{"ArnNotLike", `{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/KeyAdmin"}}`, map[string]any{"aws:PrincipalArn": "arn:aws:iam::111111111111:role/App"}, True},
		{"ArnNotEquals missing key", `{"ArnNotEquals":{"aws:SourceArn":"arn:aws:s3:::b"}}`, map[string]any{"aws:SourceArn": nil}, True},
		{"ArnLike with a non-ARN value", `{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::*"}}`, map[string]any{"aws:SourceArn": "bucket"}, False},
		{"Null true: key absent", `{"Null":{"aws:TokenIssueTime":"true"}}`, map[string]any{"aws:TokenIssueTime": nil}, True},
		{"Null true: key present", `{"Null":{"aws:TokenIssueTime":"true"}}`, map[string]any{"aws:TokenIssueTime": "2026-01-01T00:00:00Z"}, False},
		{"Null false: key present", `{"Null":{"aws:TokenIssueTime":"false"}}`, map[string]any{"aws:TokenIssueTime": "x"}, True},
		{"Null unknown", `{"Null":{"k":"false"}}`, nil, Unknown},
	})
}

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
func TestSetOperators_IAMMultivaluedKeys(t *testing.T) {
	runCondCases(t, []condCase{
		{"ForAllValues all in set", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}`, map[string]any{"aws:TagKeys": []string{"a", "b"}}, True},
		{"ForAllValues one outside", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}`, map[string]any{"aws:TagKeys": []string{"a", "c"}}, False},
		{"ForAllValues missing key is true", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}`, map[string]any{"aws:TagKeys": nil}, True},
		{"ForAllValues empty set is true", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}`, map[string]any{"aws:TagKeys": []string{}}, True},
		{"ForAnyValue one in set", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["a"]}}`, map[string]any{"aws:TagKeys": []string{"x", "a"}}, True},
		{"ForAnyValue none in set", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["a"]}}`, map[string]any{"aws:TagKeys": []string{"x", "y"}}, False},
		{"ForAnyValue missing key is false", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["a"]}}`, map[string]any{"aws:TagKeys": nil}, False},
		{"ForAnyValue empty set is false", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["a"]}}`, map[string]any{"aws:TagKeys": []string{}}, False},
		{"ForAllValues:StringNotEquals", `{"ForAllValues:StringNotEquals":{"k":["a","b"]}}`, map[string]any{"k": []string{"c", "d"}}, True},
		{"ForAllValues:StringNotEquals one forbidden", `{"ForAllValues:StringNotEquals":{"k":["a","b"]}}`, map[string]any{"k": []string{"c", "a"}}, False},
		{"ForAnyValue:StringNotLike", `{"ForAnyValue:StringNotLike":{"k":"a*"}}`, map[string]any{"k": []string{"ab", "x"}}, True},
		{"ForAnyValue:StringLike org paths", `{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"o-1/r-1/ou-1/*"}}`, map[string]any{"aws:PrincipalOrgPaths": []string{"o-1/r-1/ou-1/ou-2/"}}, True},
		{"unqualified operator on a multivalued key matches any value", `{"StringEquals":{"k":"a"}}`, map[string]any{"k": []string{"x", "a"}}, True},
		{"unqualified negated operator needs no value to match", `{"StringNotEquals":{"k":"a"}}`, map[string]any{"k": []string{"x", "a"}}, False},
		{"ForAllValues unknown", `{"ForAllValues:StringEquals":{"k":"a"}}`, nil, Unknown},
		{"ForAllValues with IfExists and missing key", `{"ForAllValues:StringEqualsIfExists":{"k":"a"}}`, map[string]any{"k": nil}, True},
	})
}

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
func TestPolicyVariables_IAMPolicyVariables(t *testing.T) {
	runCondCases(t, []condCase{
		{"variable substituted", `{"StringEquals":{"aws:ResourceTag/owner":"${aws:username}"}}`, map[string]any{"aws:username": "alice", "aws:ResourceTag/owner": "alice"}, True},
		{"variable differs", `{"StringEquals":{"aws:ResourceTag/owner":"${aws:username}"}}`, map[string]any{"aws:username": "bob", "aws:ResourceTag/owner": "alice"}, False},
		{"tag variable", `{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}}`, map[string]any{"aws:PrincipalTag/team": "pay", "aws:ResourceTag/team": "pay"}, True},
		{"variable in StringLike with wildcard", `{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`, map[string]any{"aws:username": "alice", "s3:prefix": "home/alice/docs"}, True},
		{"variable key absent: no match", `{"StringEquals":{"k":"${aws:username}"}}`, map[string]any{"aws:username": nil, "k": ""}, False},
		{"variable key absent with default", `{"StringEquals":{"k":"${aws:username, 'none'}"}}`, map[string]any{"aws:username": nil, "k": "none"}, True},
		{"variable key unknown", `{"StringEquals":{"k":"${aws:username}"}}`, map[string]any{"k": "alice"}, Unknown},
		{"escape ${*} is a literal star in StringLike", `{"StringLike":{"k":"a${*}b"}}`, map[string]any{"k": "axxb"}, False},
		{"escape ${*} matches a star", `{"StringLike":{"k":"a${*}b"}}`, map[string]any{"k": "a*b"}, True},
		{"escape ${?}", `{"StringLike":{"k":"a${?}"}}`, map[string]any{"k": "a?"}, True},
		{"escape ${$}", `{"StringEquals":{"k":"${$}{x}"}}`, map[string]any{"k": "${x}"}, True},
		{"variable in ArnLike segment with a colon", `{"ArnLike":{"aws:SourceArn":"arn:aws:iam::${aws:PrincipalAccount}:role/x"}}`, map[string]any{"aws:PrincipalAccount": "111111111111", "aws:SourceArn": "arn:aws:iam::111111111111:role/x"}, True},
	})
	// Version 2008-10-17 and no Version: `${…}` is literal text.
	for _, version := range []string{"2008-10-17"} {
		st := condStatement(t, version, `{"StringEquals":{"k":"${aws:username}"}}`)
		if got := st.EvalConditions(ctxOf(map[string]any{"aws:username": "alice", "k": "${aws:username}"}), nil); got != True {
			t.Errorf("version %s: variable should be literal, got %s", version, got)
		}
	}
}

func TestCompleteContext(t *testing.T) {
	st := condStatement(t, Version2012, `{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com"},"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}`)
	c := NewContext(true)
	if got := st.EvalConditions(c, nil); got != False {
		t.Errorf("complete empty context: %s, want false (ViaService absent)", got)
	}
	c.Set("kms:ViaService", "s3.us-east-1.amazonaws.com")
	if got := st.EvalConditions(c, nil); got != True {
		t.Errorf("complete context with ViaService: %s, want true (SourceVpce absent → StringNotEquals true)", got)
	}
	k := NewContext(false)
	k.SetPrefixKnown("kms:EncryptionContext:")
	k.Set("kms:EncryptionContext:app", "x")
	ec := condStatement(t, Version2012, `{"StringEquals":{"kms:EncryptionContext:team":"y"}}`)
	if got := ec.EvalConditions(k, nil); got != False {
		t.Errorf("known encryption context without the pair: %s, want false", got)
	}
}

func TestTriLogic(t *testing.T) {
	all := []Tri{False, True, Unknown}
	for _, a := range all {
		if a.Not().Not() != a {
			t.Errorf("double negation of %s", a)
		}
		for _, b := range all {
			// De Morgan holds in Kleene logic.
			if a.And(b).Not() != a.Not().Or(b.Not()) {
				t.Errorf("De Morgan fails for %s, %s", a, b)
			}
			if a.And(b) != b.And(a) || a.Or(b) != b.Or(a) {
				t.Errorf("not commutative for %s, %s", a, b)
			}
		}
	}
	if True.And(Unknown) != Unknown || False.And(Unknown) != False || True.Or(Unknown) != True || False.Or(Unknown) != Unknown {
		t.Error("Kleene truth table")
	}
	b, _ := json.Marshal(map[string]Tri{"x": Unknown})
	if string(b) != `{"x":"unknown"}` {
		t.Errorf("Tri JSON = %s", b)
	}
}

// A key known not to hold some values (aws:PrincipalOrgID of a caller outside
// the organization) decides StringEquals/StringNotEquals against those values.
func TestExcludedValues(t *testing.T) {
	c := NewContext(false)
	c.SetNotIn("aws:PrincipalOrgID", "o-mine")
	cases := []struct {
		cond string
		want Tri
	}{
		{`{"StringEquals":{"aws:PrincipalOrgID":"o-mine"}}`, False},
		{`{"StringNotEquals":{"aws:PrincipalOrgID":"o-mine"}}`, True},
		{`{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-mine"}}`, True},
		{`{"StringEqualsIfExists":{"aws:PrincipalOrgID":"o-mine"}}`, Unknown},
		{`{"StringEquals":{"aws:PrincipalOrgID":["o-mine","o-other"]}}`, Unknown},
		{`{"StringLike":{"aws:PrincipalOrgID":"o-mine"}}`, Unknown},
		{`{"Null":{"aws:PrincipalOrgID":"true"}}`, Unknown},
	}
	for _, tc := range cases {
		st := condStatement(t, Version2012, tc.cond)
		if got := st.EvalConditions(c, nil); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.cond, got, tc.want)
		}
	}
}
