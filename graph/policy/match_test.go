package policy

import (
	"strings"
	"testing"
)

func stmtOf(t *testing.T, doc string) *Statement {
	t.Helper()
	p, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return &p.Statements[0]
}

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
// and KMS DG key-policy-default.html (kms:GenerateDataKey*, kms:ReEncrypt*).
func TestActionMatching_IAMActionElement(t *testing.T) {
	cases := []struct {
		pattern string
		action  string
		want    bool
	}{
		{"kms:Decrypt", "kms:Decrypt", true},
		{"KMS:decrypt", "kms:Decrypt", true},
		{"kms:*", "kms:Decrypt", true},
		{"*", "s3:GetObject", true},
		{"kms:GenerateDataKey*", "kms:GenerateDataKey", true},
		{"kms:GenerateDataKey*", "kms:GenerateDataKeyWithoutPlaintext", true},
		{"kms:GenerateDataKey*", "kms:GenerateDataKeyPair", true},
		{"kms:GenerateDataKey*", "kms:GenerateDataKeyPairWithoutPlaintext", true},
		{"kms:ReEncrypt*", "kms:ReEncryptFrom", true},
		{"kms:ReEncrypt*", "kms:ReEncryptTo", true},
		{"kms:Describe*", "kms:DescribeKey", true},
		{"kms:Describe*", "kms:Decrypt", false},
		{"kms:*crypt", "kms:Decrypt", true},
		{"kms:?ncrypt", "kms:Encrypt", true},
		{"kms:Decrypt", "kms:DecryptX", false},
		{"s3:Get*", "kms:GetKeyPolicy", false},
		{"kms:*Key*", "kms:ScheduleKeyDeletion", true},
	}
	for _, tc := range cases {
		st := stmtOf(t, `{"Statement":{"Effect":"Allow","Action":"`+tc.pattern+`"}}`)
		if got := st.MatchesAction(strings.ToLower(tc.action)); got != tc.want {
			t.Errorf("Action %s vs %s = %v, want %v", tc.pattern, tc.action, got, tc.want)
		}
		not := stmtOf(t, `{"Statement":{"Effect":"Allow","NotAction":"`+tc.pattern+`"}}`)
		if got := not.MatchesAction(strings.ToLower(tc.action)); got == tc.want {
			t.Errorf("NotAction %s vs %s = %v, want %v", tc.pattern, tc.action, got, !tc.want)
		}
	}
}

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
func TestResourceMatching_IAMResourceElement(t *testing.T) {
	key := "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	cases := []struct {
		pattern, resource string
		ctx               map[string]any
		want              Tri
	}{
		{"*", key, nil, True},
		{key, key, nil, True},
		{"arn:aws:kms:*:111111111111:key/*", key, nil, True},
		{"arn:aws:kms:us-east-1:111111111111:key/*", "arn:aws:kms:us-east-1:222222222222:key/x", nil, False},
		{"arn:aws:kms:us-east-1:111111111111:alias/app", key, nil, False},
		{"arn:aws:kms:us-east-1:111111111111:KEY/*", key, nil, False},
		{"arn:aws:kms:*", key, nil, True},
		{"arn:aws:kms:*:*:*", key, nil, True},
		{"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b:c", nil, True},
		{"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", nil, False},
		// "If the * wildcard is the last character of a resource ARN segment,
		// it can expand to match beyond the colon boundaries": the region's
		// * takes ":" (empty region and account), or the region and account.
		{"arn:aws:s3:*:bucket", "arn:aws:s3:::bucket", nil, True},
		{"arn:aws:kms:*:key/*", key, nil, True},
		{"arn:aws:kms:us-*:key/*", key, nil, True},
		{"arn:aws:kms:*:key/*", "arn:aws:kms:us-east-1:111111111111:alias/app", nil, False},
		// A * inside a segment stays in it.
		{"arn:aws:kms:us-*-1:key/*", key, nil, False},
		{"arn:aws:kms:us-east-1:1111*1111:key/*", key, nil, True},
		{"arn:aws:kms:us-east-1:1*1:*", key, nil, True},
		{"arn:aws:kms:us-east-1:2*:key/*", key, nil, False},
		// Expansion with an unknown variable later on: Unknown, not False.
		{"arn:aws:s3:*:${aws:username}", "arn:aws:s3:::alice", nil, Unknown},
		{"arn:aws:kms:us-east-?:111111111111:key/*", key, nil, True},
		{"arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::home/alice/x", map[string]any{"aws:username": "alice"}, True},
		{"arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::home/bob/x", map[string]any{"aws:username": "alice"}, False},
		{"arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::home/alice/x", nil, Unknown},
		{"arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::home/alice/x", map[string]any{"aws:username": nil}, False},
		{"arn:aws:iam::${aws:PrincipalAccount}:role/*", "arn:aws:iam::111111111111:role/x", map[string]any{"aws:PrincipalAccount": "111111111111"}, True},
	}
	for _, tc := range cases {
		st := stmtOf(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"`+tc.pattern+`"}}`)
		if got := st.MatchesResource(tc.resource, ctxOf(tc.ctx)); got != tc.want {
			t.Errorf("Resource %s vs %s = %s, want %s", tc.pattern, tc.resource, got, tc.want)
		}
		not := stmtOf(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","NotResource":"`+tc.pattern+`"}}`)
		if got := not.MatchesResource(tc.resource, ctxOf(tc.ctx)); got != tc.want.Not() {
			t.Errorf("NotResource %s vs %s = %s, want %s", tc.pattern, tc.resource, got, tc.want.Not())
		}
	}
	// The Arn condition operators do not expand: segment by segment.
	arnLike := stmtOf(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:kms:*:key/*"}}}}`)
	if got := arnLike.EvalConditions(ctxOf(map[string]any{"aws:SourceArn": key}), nil); got != False {
		t.Errorf("ArnLike arn:aws:kms:*:key/* vs %s = %s, want false", key, got)
	}
	noResource := stmtOf(t, `{"Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Principal":"*"}}`)
	if noResource.MatchesResource(key, nil) != True {
		t.Error("a statement without Resource applies to the resource its policy is attached to")
	}
}

func TestPatternMatchAllocations(t *testing.T) {
	ctx := ctxOf(map[string]any{"aws:username": "alice", "aws:PrincipalTag/team": "pay"})
	p, err := CompilePattern("home/${aws:username}/${aws:PrincipalTag/team}/*.csv", true)
	if err != nil {
		t.Fatal(err)
	}
	if p.Match("home/alice/pay/x/y.csv", ctx, true, false) != True {
		t.Fatal("no match")
	}
	if n := testing.AllocsPerRun(100, func() { p.Match("home/alice/pay/x/y.csv", ctx, true, false) }); n != 0 {
		t.Errorf("Pattern.Match allocates %.0f times", n)
	}
	st := stmtOf(t, `{"Statement":{"Effect":"Allow","Action":"*","Condition":{"StringLike":{"kms:ViaService":"s3.*.amazonaws.com"},"ForAnyValue:StringEquals":{"k":["a","b"]}}}}`)
	c2 := ctxOf(map[string]any{"kms:ViaService": "s3.us-east-1.amazonaws.com", "k": []string{"x", "b"}})
	if n := testing.AllocsPerRun(100, func() { st.EvalConditions(c2, nil) }); n != 0 {
		t.Errorf("EvalConditions allocates %.0f times", n)
	}
}

func BenchmarkPatternMatch(b *testing.B) {
	ctx := ctxOf(map[string]any{"aws:username": "alice"})
	p, _ := CompilePattern("arn:aws:s3:::home/${aws:username}/*/reports/*.csv", true)
	b.ReportAllocs()
	for b.Loop() {
		p.Match("arn:aws:s3:::home/alice/2026/reports/q3.csv", ctx, true, false)
	}
}
