package eval

import "strings"

// cryptoOps are KMS's cryptographic operations (lower case, no "kms:").
var cryptoOps = map[string]bool{
	"encrypt": true, "decrypt": true, "reencryptfrom": true, "reencryptto": true,
	"generatedatakey": true, "generatedatakeywithoutplaintext": true,
	"generatedatakeypair": true, "generatedatakeypairwithoutplaintext": true,
	"sign": true, "verify": true, "generatemac": true, "verifymac": true,
	"derivesharedsecret": true, "getpublickey": true,
}

// crossAccountOps are the KMS operations that work on a key in another
// account. KMS DG, "Allowing users in other accounts to use a KMS key"
// (key-policy-modifying-external-accounts.html): cryptographic operations,
// CreateGrant, DescribeKey, GetKeyRotationStatus, GetPublicKey, ListGrants,
// RetireGrant, RevokeGrant; other operations granted cross-account "have no effect".
var crossAccountOps = map[string]bool{
	"creategrant": true, "describekey": true, "getkeyrotationstatus": true, "getpublickey": true,
	"listgrants": true, "retiregrant": true, "revokegrant": true,
}

func isCrossAccountOp(op string) bool { return cryptoOps[op] || crossAccountOps[op] }

// keyStateAllows reports whether a key in state permits operation op (lower
// case). KMS DG, "Key states of AWS KMS keys" (key-state.html): cryptographic
// operations need an Enabled key (or Updating, for multi-Region keys); a key
// pending deletion also refuses CreateGrant; a key being created answers only
// DescribeKey and the read-only calls.
func keyStateAllows(state, op string) bool {
	switch state {
	case "Enabled", "Updating", "":
		return true
	case "Disabled", "PendingImport", "Unavailable":
		return !cryptoOps[op]
	case "PendingDeletion", "PendingReplicaDeletion":
		return !cryptoOps[op] && op != "creategrant"
	case "Creating":
		return op == "describekey" || strings.HasPrefix(op, "list") || strings.HasPrefix(op, "get") && !cryptoOps[op]
	default:
		return true
	}
}

// keyStates are every state a KMS key can be in (KMS API Reference,
// KeyMetadata.KeyState).
var keyStates = [...]string{"Creating", "Enabled", "Disabled", "PendingDeletion", "PendingImport", "PendingReplicaDeletion", "Unavailable", "Updating"}

// someStateRefuses reports whether a key in some state refuses op (lower
// case): what an unknown key state leaves open.
func someStateRefuses(op string) bool {
	for _, st := range keyStates {
		if !keyStateAllows(st, op) {
			return true
		}
	}
	return false
}

// KeyStateError returns the exception KMS raises for op on a key in state, or
// "" when the state permits op.
func KeyStateError(state, action string) string {
	_, op, _ := strings.Cut(strings.ToLower(action), ":")
	if keyStateAllows(state, op) {
		return ""
	}
	if state == "Disabled" {
		return "DisabledException"
	}
	return "KMSInvalidStateException"
}

// optInRegions are the AWS Regions an account must enable before use.
// https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html
var optInRegions = map[string]bool{
	"af-south-1": true, "ap-east-1": true, "ap-east-2": true, "ap-south-2": true,
	"ap-southeast-3": true, "ap-southeast-4": true, "ap-southeast-5": true, "ap-southeast-6": true,
	"ap-southeast-7": true, "ca-west-1": true, "eu-central-2": true, "eu-south-1": true,
	"eu-south-2": true, "il-central-1": true, "me-central-1": true, "me-south-1": true,
	"mx-central-1": true,
}

// IsOptInRegion reports whether region must be enabled by an account before use.
func IsOptInRegion(region string) bool { return optInRegions[region] }
