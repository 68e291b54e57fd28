// Package accessdenied parses the AccessDenied errors AWS returns, in every
// form they reach an on-call engineer: the bare message, AWS CLI output, SDK
// error strings (Go, Python, Java, JavaScript), JSON and XML error bodies,
// and CloudTrail events; quoted, escaped and wrapped as logs leave them. It
// is pure: no I/O.
//
// The message formats are those of the IAM User Guide, "Troubleshoot access
// denied error messages"
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html),
// the S3 User Guide's 403 page, and the KMS forms that hide the key
// (../shared/SEMANTICS.md §6).
package accessdenied

import "github.com/keyhound/keyhound/graph/eval"

// Kinds of message.
const (
	KindImplicit         = "implicit"          // "because no <policy type> allows the <action> action"
	KindExplicit         = "explicit"          // "with an explicit deny in a <policy type>"
	KindKMSHidden        = "kms-hidden"        // "…on this resource because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access"
	KindLegacyCiphertext = "legacy-ciphertext" // "The ciphertext refers to a customer master key that does not exist…"
	KindKeyState         = "key-state"         // KMSInvalidStateException, DisabledException
	KindNotFound         = "not-found"         // NotFoundException
	KindGeneric          = "generic"           // "Access Denied" with no detail (S3 to callers outside the organization, …)
	// KindServiceKMS: a service says, in its own words, that it could not use
	// a KMS key for the caller (RDS KMSKeyNotAccessibleFault, Lambda
	// KMSAccessDeniedException, SQS KmsAccessDenied, Secrets Manager "Access
	// to KMS is not allowed", …; wrapped.go lists them with their sources).
	KindServiceKMS = "service-kms"
)

// Message is what an AccessDenied error tells.
type Message struct {
	// Raw is the input, trimmed.
	Raw string `json:"raw"`
	// Source is how it came: text, cli, sdk-go, sdk-python, sdk-java,
	// sdk-js, json, xml, cloudtrail.
	Source string `json:"source"`
	// Exception is the error code: AccessDeniedException, AccessDenied,
	// KMSInvalidStateException, DisabledException, NotFoundException, ….
	Exception string `json:"exception,omitempty"`
	// Service and Operation, when the envelope names them (CLI, SDKs,
	// CloudTrail): "kms", "Decrypt".
	Service   string `json:"service,omitempty"`
	Operation string `json:"operation,omitempty"`
	// Text is the AWS message itself, on one line.
	Text string `json:"text"`
	// Principal is the caller's ARN as written ("" or "***" when hidden).
	Principal string `json:"principal,omitempty"`
	// Action is "service:Action", from the message or, failing that, from
	// the service and operation.
	Action string `json:"action,omitempty"`
	// Resource is the resource's ARN, unquoted; "" when the message hides it.
	Resource       string `json:"resource,omitempty"`
	ResourceHidden bool   `json:"resource_hidden,omitempty"`
	// Kind says which form the message has (the Kind… constants).
	Kind string `json:"kind"`
	// PolicyType is the policy type the message names, as written, and
	// Layer the evaluation layer it is; Transitive the type of a
	// "transitively through" clause.
	PolicyType string      `json:"policy_type,omitempty"`
	Layer      *eval.Layer `json:"layer,omitempty"`
	Transitive string      `json:"transitive,omitempty"`
	// KeyState is the state a key-state error names ("PendingDeletion",
	// "Disabled").
	KeyState string `json:"key_state,omitempty"`
	// KMSKey is the KMS key a service-kms message names ("" when it names
	// none); KMSCause what the service says went wrong (the Cause…
	// constants); KMSAction the KMS call that failed, when the message says.
	KMSKey    string `json:"kms_key,omitempty"`
	KMSCause  string `json:"kms_cause,omitempty"`
	KMSAction string `json:"kms_action,omitempty"`
	// KMS is the KMS error a service passed on inside its own message
	// (Lambda's "KMS Exception: … KMS Message: …", DynamoDB's "KMS key access
	// denied error: …"), parsed.
	KMS *Message `json:"kms,omitempty"`
	// Services lists the services that have an operation of the message's
	// name when the message does not say which was called (TagResource):
	// keyhound then leaves Service and Action empty rather than guess.
	Services []string `json:"services,omitempty"`
	// Region and RequestID, when present.
	Region    string `json:"region,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}
