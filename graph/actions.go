package graph

import (
	"slices"
	"sync"

	"github.com/keyhound/keyhound/graph/actions"
)

// Shorthands who-can (and can, on an encrypted resource) accept for every
// way to read the plaintext: kms:Decrypt on a key, the reading action of the
// resource's service on a resource.
const (
	ActionDecrypt = "decrypt"
	ActionRead    = "read"
)

// KnownActions is the catalog of the actions keyhound answers: every KMS
// action (on keys), sts:AssumeRole and its variants (on roles), the actions
// of encrypted resources whose KMS calls servicePaths knows, and the
// shorthands decrypt and read.
var KnownActions = sync.OnceValue(func() *actions.Catalog {
	var resource []string
	for _, sp := range servicePaths {
		resource = append(resource, sp.read)
		for a := range sp.calls {
			resource = append(resource, a)
		}
	}
	slices.Sort(resource)
	return actions.New(
		"KMS actions on keys such as kms:Decrypt, sts:AssumeRole on roles, the actions of encrypted resources "+
			"such as s3:GetObject, and the shorthands decrypt and read; docs/cli.md lists them",
		actions.KMS, actions.AssumeRole, resource, []string{ActionDecrypt, ActionRead})
})
