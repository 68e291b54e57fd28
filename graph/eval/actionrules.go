package eval

import "strings"

// noPermissionActions are the actions AWS answers whatever the policies say
// (lower case). STS API Reference, GetCallerIdentity
// (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html):
// "No permissions are required to perform this operation. If an
// administrator attaches a policy to your identity that explicitly denies
// access to the sts:GetCallerIdentity action, you can still perform this
// operation."
var noPermissionActions = map[string]bool{
	"sts:getcalleridentity": true,
}

// aliasOperations are the KMS operations whose resource is an alias (lower
// case, no "kms:"): KMS DG, alias-access.html, "Controlling access to
// aliases".
var aliasOperations = map[string]bool{
	"createalias": true, "updatealias": true, "deletealias": true,
}

// reservedAliasPrefix starts the names of the aliases of AWS managed keys.
// KMS DG, alias-create.html, "Create aliases": "The alias name for a customer
// managed key cannot begin with alias/aws/. The alias/aws/ prefix is
// reserved for AWS managed key."
const reservedAliasPrefix = "alias/aws/"

// needsNoPermission reports whether the request is one AWS answers without
// looking at any policy. Only authenticated callers make such calls.
func (r *Request) needsNoPermission() bool {
	return noPermissionActions[r.lowerAction] && r.Principal.AccountID != ""
}

// reservedAlias reports whether the request creates, repoints or deletes an
// alias whose name is reserved for AWS managed keys: no customer can, whatever
// the policies say. The resource is the alias ARN, or the alias name.
func (r *Request) reservedAlias() bool {
	if r.service != "kms" || !aliasOperations[r.lowerAction[len("kms:"):]] {
		return false
	}
	name := r.Resource
	if r.resourceIsARN {
		name = r.resourceARN.Resource
	}
	return strings.HasPrefix(name, reservedAliasPrefix)
}
