package escalation

import (
	"encoding/json"

	"github.com/keyhound/keyhound/graph/policy"
)

// The policies a step writes, as the attacker would: the least that does
// it. They are parsed like any collected policy.

// allowPolicy is an identity policy allowing action on resource.
func allowPolicy(action, resource string) (*policy.Policy, error) {
	return parse(map[string]any{"Effect": "Allow", "Action": action, "Resource": resource})
}

// keyPolicyNaming is a key policy letting principal do anything with the
// key (PutKeyPolicy replaces the whole policy).
func keyPolicyNaming(principal string) (*policy.Policy, error) {
	return parse(map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": principal}, "Action": "kms:*", "Resource": "*"})
}

// trustNaming is a trust policy letting principal assume the role.
func trustNaming(principal string) (*policy.Policy, error) {
	return parse(map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": principal}, "Action": "sts:AssumeRole"})
}

func parse(statement map[string]any) (*policy.Policy, error) {
	b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{statement}})
	if err != nil {
		return nil, err
	}
	return policy.ParseString(string(b))
}
