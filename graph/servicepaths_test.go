package graph

import (
	"encoding/json"
	"testing"

	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// CloudWatch Logs decrypts with its own service principal: the key policy must
// allow logs.REGION.amazonaws.com; the reader needs only logs:GetLogEvents.
func TestLogGroupThroughTheServicePrincipal(t *testing.T) {
	keyARN := "arn:aws:kms:us-east-1:111111111111:key/logs-key"
	build := func(keyPolicy string) *Graph {
		snap := map[string]any{"format": snapshot.Format, "accounts": map[string]any{"111111111111": map[string]any{
			"iam": map[string]any{"RoleDetailList": []any{map[string]any{
				"RoleName": "Reader", "Arn": "arn:aws:iam::111111111111:role/Reader",
				"RolePolicyList": []any{map[string]any{"PolicyName": "logs", "PolicyDocument": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:GetLogEvents","Resource":"*"}]}`}},
			}}},
			"regions": map[string]any{"us-east-1": map[string]any{
				"kms":  map[string]any{"Keys": []any{map[string]any{"KeyMetadata": map[string]any{"KeyId": "logs-key", "Arn": keyARN, "KeyState": "Enabled", "Enabled": true}, "Policy": keyPolicy, "Grants": []any{}}}},
				"logs": map[string]any{"LogGroups": []any{map[string]any{"logGroupName": "/app/payments", "arn": "arn:aws:logs:us-east-1:111111111111:log-group:/app/payments:*", "kmsKeyId": keyARN}}},
			}},
		}}}
		data, _ := json.Marshal(snap)
		s, errs, err := snapshot.Decode(data)
		if err != nil || len(errs) > 0 {
			t.Fatal(err, errs)
		}
		return Build(s, errs)
	}
	const root = `{"Sid":"root","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"kms:*","Resource":"*"}`
	withLogs := `{"Version":"2012-10-17","Statement":[` + root + `,{"Effect":"Allow","Principal":{"Service":"logs.us-east-1.amazonaws.com"},"Action":["kms:Decrypt","kms:GenerateDataKey*"],"Resource":"*",
	  "Condition":{"ArnLike":{"kms:EncryptionContext:aws:logs:arn":"arn:aws:logs:us-east-1:111111111111:log-group:*"}}}]}`
	withoutLogs := `{"Version":"2012-10-17","Statement":[` + root + `]}`
	for _, tc := range []struct {
		policy string
		want   eval.Verdict
	}{{withLogs, eval.Allow}, {withoutLogs, eval.Deny}} {
		g := build(tc.policy)
		a, err := g.Can(Query{Principal: "arn:aws:iam::111111111111:role/Reader", Action: "decrypt", Resource: "arn:aws:logs:us-east-1:111111111111:log-group:/app/payments", ChainDepth: -1})
		if err != nil {
			t.Fatal(err)
		}
		if a.Decision != tc.want || len(a.Steps) != 2 || a.Steps[1].Principal != "logs.us-east-1.amazonaws.com" {
			t.Errorf("decision %s (want %s), steps %+v", a.Decision, tc.want, a.Steps)
		}
	}
}
