package cloudtrail

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/keyhound/keyhound/graph/usage"
)

// record is the part of a CloudTrail record keyhound reads; the decoder
// skips every other field without allocating for it. The fields are those
// of AWS CloudTrail User Guide, "CloudTrail record contents for management,
// data, and network activity events"
// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html),
// and the userIdentity element of "CloudTrail userIdentity element".
// requestParameters, responseElements and additionalEventData differ from
// service to service (a field of one name may have another type), so they
// are kept raw and read only for KMS events, whose shapes are those of the
// KMS Developer Guide, "Logging AWS KMS API calls with AWS CloudTrail"
// (https://docs.aws.amazon.com/kms/latest/developerguide/logging-using-cloudtrail.html)
// and its examples (ct-decrypt, ct-creategrant, ct-retire-grant).
type record struct {
	EventTime           string          `json:"eventTime"`
	EventSource         string          `json:"eventSource"`
	EventName           string          `json:"eventName"`
	AWSRegion           string          `json:"awsRegion"`
	UserIdentity        *identity       `json:"userIdentity"`
	SourceIPAddress     string          `json:"sourceIPAddress"`
	UserAgent           string          `json:"userAgent"`
	RequestParameters   json.RawMessage `json:"requestParameters"`
	ResponseElements    json.RawMessage `json:"responseElements"`
	AdditionalEventData json.RawMessage `json:"additionalEventData"`
	Resources           []resource      `json:"resources"`
	ErrorCode           string          `json:"errorCode"`
	ErrorMessage        string          `json:"errorMessage"`
	RecipientAccountID  string          `json:"recipientAccountId"`
	SharedEventID       string          `json:"sharedEventID"`
	EventID             string          `json:"eventID"`
	RequestID           string          `json:"requestID"`

	// t is eventTime as the fast parser read it (zero: parse EventTime).
	t    time.Time
	tSet bool
	// The fast parser's storage for userIdentity, reused record to record.
	idStore identity
	scStore sessionContext
	siStore sessionIssuer
}

// reset empties r for the next record, keeping its storage.
func (r *record) reset() {
	res := r.Resources[:0]
	*r = record{}
	r.Resources = res
}

type identity struct {
	Type           string          `json:"type"`
	ARN            string          `json:"arn"`
	AccountID      string          `json:"accountId"`
	PrincipalID    string          `json:"principalId"`
	InvokedBy      string          `json:"invokedBy"`
	SessionContext *sessionContext `json:"sessionContext"`
}

type sessionContext struct {
	SessionIssuer *sessionIssuer `json:"sessionIssuer"`
}

type sessionIssuer struct {
	Type string `json:"type"`
	ARN  string `json:"arn"`
}

type resource struct {
	ARN       string `json:"ARN"`
	Type      string `json:"type"`
	AccountID string `json:"accountId"`
}

// kmsRequest is a KMS event's requestParameters.
type kmsRequest struct {
	KeyID             string            `json:"keyId"`
	EncryptionContext map[string]string `json:"encryptionContext"`
	GrantID           string            `json:"grantId"`
	GranteePrincipal  string            `json:"granteePrincipal"`
	Operations        []string          `json:"operations"`
}

// timeLayouts are the forms eventTime takes: RFC 3339 in trail files and
// lookup-events, "2006-01-02 15:04:05.000" in CloudTrail Lake results.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.000", "2006-01-02 15:04:05"}

func parseTime(s string) (time.Time, error) {
	var err error
	for _, l := range timeLayouts {
		var t time.Time
		if t, err = time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("eventTime %q is not a time: %w", s, err)
}

// event converts a record into e; the error
// names the field at fault.
func (r *record) event(e *usage.Event, in *interner) error {
	*e = usage.Event{
		Source: r.EventSource, Name: r.EventName, Region: r.AWSRegion,
		SourceIP: r.SourceIPAddress, UserAgent: r.UserAgent,
		ErrorCode: r.ErrorCode, ErrorMessage: r.ErrorMessage, RecipientAccount: r.RecipientAccountID,
		SharedEventID: r.SharedEventID, EventID: r.EventID, RequestID: r.RequestID,
	}
	switch {
	case r.tSet:
		e.Time = r.t
	case r.EventTime == "":
		return fmt.Errorf("eventTime: missing")
	default:
		t, err := parseTime(r.EventTime)
		if err != nil {
			return err
		}
		e.Time = t
	}
	if u := r.UserIdentity; u != nil {
		e.Identity = usage.Identity{Type: u.Type, ARN: u.ARN, AccountID: u.AccountID, PrincipalID: u.PrincipalID, InvokedBy: u.InvokedBy}
		if u.SessionContext != nil && u.SessionContext.SessionIssuer != nil {
			e.Identity.IssuerARN, e.Identity.IssuerType = u.SessionContext.SessionIssuer.ARN, u.SessionContext.SessionIssuer.Type
		}
	}
	if len(r.Resources) > 0 {
		e.Resources = make([]usage.Resource, len(r.Resources))
		for i, x := range r.Resources {
			e.Resources[i] = usage.Resource(x)
		}
	}
	if r.EventSource != "kms.amazonaws.com" {
		return nil
	}
	if isObject(r.RequestParameters) {
		var p kmsRequest
		if parseKMSRequest(r.RequestParameters, &p, in) != nil {
			p = kmsRequest{}
			if err := json.Unmarshal(r.RequestParameters, &p); err != nil {
				return fmt.Errorf("requestParameters: %w", err)
			}
		}
		e.KeyID, e.EncryptionContext, e.GrantID = p.KeyID, p.EncryptionContext, p.GrantID
		e.GranteePrincipal, e.GrantOperations = p.GranteePrincipal, p.Operations
	}
	for _, raw := range []json.RawMessage{r.AdditionalEventData, r.ResponseElements} {
		if e.GrantID == "" && isObject(raw) {
			e.GrantID = grantIDOf(raw)
		}
	}
	return nil
}

func isObject(raw json.RawMessage) bool {
	return len(raw) > 0 && strings.TrimSpace(string(raw[:1])) == "{"
}
