package eval

import (
	"encoding/json"
	"fmt"
	"testing"
)

// realisticRequest is the benchmark request of issue #2: 10 identity
// policies, a 20-statement key policy, 3 SCP levels, and conditions.
func realisticRequest(tb testing.TB) *Request {
	tb.Helper()
	var keyStmts []obj
	keyStmts = append(keyStmts, rootStatement(acctA))
	for i := 0; i < 18; i++ {
		keyStmts = append(keyStmts, stmt("Allow", obj{
			"Sid":       fmt.Sprintf("Team%d", i),
			"Principal": obj{"AWS": []any{fmt.Sprintf("arn:aws:iam::111111111111:role/team%d/Worker%d", i, i), fmt.Sprintf("arn:aws:iam::3333333333%02d:root", i)}},
			"Action":    []any{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"},
			"Resource":  "*",
			"Condition": obj{"StringEquals": obj{"kms:CallerAccount": []any{acctA, fmt.Sprintf("3333333333%02d", i)}}, "Bool": obj{"aws:ViaAWSService": "false"}},
		}))
	}
	keyStmts = append(keyStmts, stmt("Deny", obj{
		"Sid": "DenyOutsideOrg", "Principal": "*", "Action": "kms:*", "Resource": "*",
		"Condition": obj{"StringNotEqualsIfExists": obj{"aws:PrincipalOrgID": "o-a1b2c3d4e5"}, "Bool": obj{"aws:PrincipalIsAWSService": "false"}},
	}))
	var ids []any
	for i := 0; i < 9; i++ {
		ids = append(ids, obj{"name": fmt.Sprintf("policy-%d", i), "document": doc(
			stmt("Allow", obj{"Action": []any{"s3:GetObject", "s3:PutObject"}, "Resource": fmt.Sprintf("arn:aws:s3:::bucket-%d/*", i)}),
			stmt("Allow", obj{"Action": "dynamodb:*", "Resource": fmt.Sprintf("arn:aws:dynamodb:*:111111111111:table/t%d", i)}),
			stmt("Allow", obj{
				"Action": "kms:Decrypt", "Resource": fmt.Sprintf("arn:aws:kms:*:111111111111:key/other-%d", i),
				"Condition": obj{"StringLike": obj{"kms:ViaService": "s3.*.amazonaws.com"}},
			}),
		)})
	}
	ids = append(ids, obj{"name": "kms-use", "document": doc(stmt("Allow", obj{
		"Action": []any{"kms:Decrypt", "kms:GenerateDataKey*"}, "Resource": "arn:aws:kms:us-east-1:111111111111:key/*",
		"Condition": obj{"StringEquals": obj{"aws:PrincipalTag/team": "${aws:PrincipalTag/team}", "aws:RequestedRegion": "us-east-1"}},
	}))})
	full := obj{"name": "FullAWSAccess", "document": doc(stmt("Allow", obj{"Action": "*", "Resource": "*"}))}
	guard := obj{"name": "Guardrails", "document": doc(
		stmt("Deny", obj{
			"Action": []any{"kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy"}, "Resource": "*",
			"Condition": obj{"ArnNotLike": obj{"aws:PrincipalArn": "arn:aws:iam::*:role/KeyAdmin"}},
		}),
		stmt("Deny", obj{
			"NotAction": []any{"iam:*", "sts:*", "organizations:*"}, "Resource": "*",
			"Condition": obj{"StringNotEquals": obj{"aws:RequestedRegion": []any{"us-east-1", "eu-west-1"}}},
		}),
	)}
	in := obj{
		"principal": "arn:aws:sts::111111111111:assumed-role/Worker3/i-0abc", "action": "kms:Decrypt", "resource": keyA,
		"context": obj{
			"kms:ViaService": nil, "aws:ViaAWSService": false, "aws:PrincipalOrgID": "o-a1b2c3d4e5",
			"aws:PrincipalTag/team": "payments", "aws:RequestedRegion": "us-east-1",
		},
		"resource_policy":   doc(keyStmts...),
		"identity_policies": ids,
		"scps":              []any{[]any{full, guard}, []any{full}, []any{full}},
	}
	data, err := json.Marshal(in)
	if err != nil {
		tb.Fatal(err)
	}
	r, err := ParseRequest(data)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func TestRealisticRequestAllows(t *testing.T) {
	r := realisticRequest(t)
	d, err := Evaluate(r)
	if err != nil {
		t.Fatal(err)
	}
	if d.Verdict != Allow {
		t.Fatalf("verdict %s, want ALLOW: %+v", d.Verdict, d.DeniedBy)
	}
}

// TestEvaluateDoesNotAllocate checks the hot path's documented property: a
// reused Evaluator and Decision evaluate a prepared request without allocating.
func TestEvaluateDoesNotAllocate(t *testing.T) {
	r := realisticRequest(t)
	var e Evaluator
	var d Decision
	e.Evaluate(r, &d) // warm the scratch space
	if n := testing.AllocsPerRun(100, func() { e.Evaluate(r, &d) }); n != 0 {
		t.Fatalf("Evaluate allocates %.1f times per call, want 0", n)
	}
}

func BenchmarkEvaluateRealistic(b *testing.B) {
	r := realisticRequest(b)
	var e Evaluator
	var d Decision
	b.ReportAllocs()
	for b.Loop() {
		e.Evaluate(r, &d)
	}
}
