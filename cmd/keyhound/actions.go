package main

import (
	"fmt"
	"strings"

	"github.com/keyhound/keyhound/graph"
)

// The commands check the action they are asked about before they answer,
// against graph.KnownActions: a name keyhound does not know would otherwise
// be answered (kms:Decrpyt matches statements that allow kms:*, and nothing
// else), and so would a wildcard. Names are case-insensitive, as in IAM; the
// canonical spelling is what the answer shows.

// canAction checks can's ACTION: any action keyhound answers.
func canAction(name string) (string, error) {
	return graph.KnownActions().Resolve(name)
}

// whoCanAction checks who-can's ACTION: an action on a key or on an
// encrypted resource, or a shorthand.
func whoCanAction(name string) (string, error) {
	a, err := graph.KnownActions().Resolve(name)
	if err != nil {
		return "", err
	}
	if isAssumeRole(a) {
		return "", fmt.Errorf("who-can answers actions on keys and encrypted resources, not %s: ask can PRINCIPAL %s ROLE_ARN", a, a)
	}
	return a, nil
}

// keyAction checks the action of a command that lists keys (what-can,
// export's --action): a KMS action, or decrypt for kms:Decrypt.
func keyAction(command, name string) (string, error) {
	a, err := graph.KnownActions().Resolve(name)
	if err != nil {
		return "", fmt.Errorf("--action: %w", err)
	}
	if a == graph.ActionDecrypt {
		return "kms:Decrypt", nil
	}
	if !strings.HasPrefix(a, "kms:") {
		return "", fmt.Errorf("--action %s: %s answers about keys, so the action is a KMS action (kms:Decrypt, kms:Encrypt, …) or decrypt", a, command)
	}
	return a, nil
}

func isAssumeRole(action string) bool {
	return strings.HasPrefix(strings.ToLower(action), "sts:assumerole")
}
