package graph

import (
	"fmt"
	"slices"
	"strings"
)

// Where says where evidence is, by name: "key policy statement 0
// "EveryoneMayDecrypt"", "grant 5a7e…", "s3:bucket kh-demo-legacy-exports";
// "" when it names no place. A snapshot path in Ref gives way to Name.
func (e Evidence) Where() string {
	var at []string
	if e.Policy != "" {
		at = append(at, e.Policy)
	}
	if e.Statement >= 0 {
		at = append(at, fmt.Sprintf("statement %d", e.Statement))
	}
	if e.Sid != "" {
		at = append(at, fmt.Sprintf("%q", e.Sid))
	}
	if e.Grant != "" {
		at = append(at, "grant "+e.Grant)
	}
	switch {
	case e.Name != "":
		at = append(at, e.Name)
	case e.Ref != "":
		at = append(at, e.Ref)
	}
	return strings.Join(at, " ")
}

// Text is the evidence for people: where it is, then what it says
// ("key policy statement 0: …"); with no place, only what it says.
func (e Evidence) Text() string {
	where := e.Where()
	switch {
	case where == "":
		return e.Detail
	case e.Detail == "":
		return where
	}
	return where + ": " + e.Detail
}

// resourceName is a resource as evidence names it: its type and the last
// part of its ARN ("s3:bucket kh-demo-legacy-exports").
func resourceName(r *Resource) string {
	name := r.ARN
	if i := strings.LastIndexAny(name, "/:"); i >= 0 && i < len(name)-1 {
		name = name[i+1:]
	}
	return r.Type + " " + name
}

// keyLabel is a key as evidence names it: "key alias/reports", or "key
// 1d6a…" without an alias.
func keyLabel(k *Key) string {
	if len(k.Aliases) > 0 {
		return "key " + k.Aliases[0]
	}
	return "key " + k.ID
}

// remedies say what to change, per rule; remedy adds the finding's own
// names where a command needs them.
var remedies = map[string]string{
	"key-policy-open":             "Name the accounts or principals the statement is for in its Principal, or add a condition on who the caller is (aws:PrincipalOrgID, aws:PrincipalAccount or kms:CallerAccount).",
	"external-access":             "Remove the outside account from the statement; if it is meant to have access, narrow the statement's actions and add conditions (kms:ViaService, kms:EncryptionContext) to what it needs.",
	"external-grant":              "Revoke the grant unless the outside principal is meant to hold it",
	"shared-with-aws-managed-key": "Copy the resource encrypted with a customer managed key whose key policy lets the other accounts use it, and share the copy: another account can never use an AWS managed key.",
	"s3-key-not-arn":              "Set the bucket's default encryption key (KMSMasterKeyID) to the key's full ARN.",
	"key-pending-deletion-in-use": "Cancel the key's deletion (aws kms cancel-key-deletion) and enable it again, or re-encrypt the resource with another key before the deletion date.",
	"key-disabled-in-use":         "Enable the key (aws kms enable-key), or re-encrypt the resource with another key.",
	"rotation-off":                "Turn automatic rotation on",
	"identity-decrypt-any-key":    "Name the keys' ARNs in the statement's Resource, or condition it on kms:ViaService or aws:ResourceAccount.",
	"deleted-principal":           "Remove the unique ID from the statement; if the principal was recreated and should have access, name it by its ARN.",
	"forallvalues-single-valued":  "Use the operator without ForAllValues, and a Null condition on the key to require it.",
	"unparseable-policy":          "Fix the policy so that it parses: until then, answers that depend on it are CONDITIONAL.",
	"scp-denied-regions":          "Disable the Regions the account does not use, or allow them in the SCPs if it should.",
}

// remedy is what to change for f.
func remedy(f *Finding) string {
	r := remedies[f.Rule]
	switch f.Rule {
	case "external-grant":
		for _, e := range f.Evidence {
			if e.Grant != "" {
				return r + ": aws kms revoke-grant --key-id " + f.Resource + " --grant-id " + e.Grant
			}
		}
		return r + "."
	case "rotation-off":
		return r + ": aws kms enable-key-rotation --key-id " + f.Resource
	}
	return r
}

// itemName names what an issue is about: a key by alias, a principal or a
// policy by the ARN's resource part ("role/App", "policy/kms-use"), a
// resource by type and name; "" for none.
func (g *Graph) itemName(item string) string {
	if item == "" {
		return ""
	}
	if k := g.Key(item); k != nil {
		return keyLabel(k)
	}
	if r := g.resourceByARN(item); r != nil {
		return resourceName(r)
	}
	if parts := strings.SplitN(item, ":", 6); len(parts) == 6 && parts[0] == "arn" {
		return parts[5]
	}
	return item
}

// resourceByARN is the resource with ARN arn, or nil.
func (g *Graph) resourceByARN(arn string) *Resource {
	g.needResources()
	i, ok := slices.BinarySearchFunc(g.resources, arn, func(r *Resource, a string) int { return strings.Compare(r.ARN, a) })
	if !ok {
		return nil
	}
	return g.resources[i]
}
