// Package usage joins CloudTrail events to the access graph (issue #16):
// who did use a key next to who can, the access nobody used in a window
// (statements and grants to cut), the events the snapshot cannot explain,
// and AccessDenied events grouped by root cause. It is pure: events come in
// as values (package cloudtrail reads them), and memory grows with the
// distinct (principal, key, operation) triples and denial causes, not with
// the number of events.
package usage

import "time"

// Event is the part of a CloudTrail record usage reads. Field names follow
// the record's (AWS CloudTrail User Guide, "CloudTrail record contents for
// management, data, and network activity events",
// https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html).
type Event struct {
	Time   time.Time
	Source string // eventSource: "kms.amazonaws.com"
	Name   string // eventName: "Decrypt"
	Region string // awsRegion
	// Identity is userIdentity.
	Identity  Identity
	SourceIP  string
	UserAgent string
	// KeyID is requestParameters.keyId as written: a key ARN, alias ARN,
	// key ID or alias name (KMS DG, "Logging AWS KMS API calls with AWS
	// CloudTrail",
	// https://docs.aws.amazon.com/kms/latest/developerguide/logging-using-cloudtrail.html).
	KeyID             string
	EncryptionContext map[string]string
	// GrantID is the grant an event names: additionalEventData.grantId
	// (RetireGrant), requestParameters.grantId (RevokeGrant) or
	// responseElements.grantId (CreateGrant). KMS does not record which
	// grant authorized a cryptographic operation.
	GrantID string
	// GranteePrincipal and GrantOperations are a CreateGrant's request.
	GranteePrincipal string
	GrantOperations  []string
	Resources        []Resource
	ErrorCode        string
	ErrorMessage     string
	RecipientAccount string
	// SharedEventID links the copies of one cross-account call delivered to
	// each account.
	SharedEventID string
	EventID       string
	RequestID     string
}

// Identity is a record's userIdentity (CloudTrail UG, "CloudTrail
// userIdentity element").
type Identity struct {
	Type        string // IAMUser, AssumedRole, Root, AWSAccount, AWSService, FederatedUser
	ARN         string
	AccountID   string
	PrincipalID string
	// InvokedBy names the AWS service that made the request for the
	// principal ("s3.amazonaws.com").
	InvokedBy string
	// IssuerARN is sessionContext.sessionIssuer.arn: the role (with its
	// path) an assumed-role session belongs to.
	IssuerARN  string
	IssuerType string
}

// Resource is one of a record's resources[].
type Resource struct {
	ARN       string
	Type      string
	AccountID string
}

// Failed reports whether the event records an error.
func (e *Event) Failed() bool { return e.ErrorCode != "" }
