package cloudtrail

import (
	"errors"
)

// errSlow says the fast parser met something it does not take (a field of
// an unexpected type, an escape it leaves to encoding/json): the record is
// then decoded by encoding/json, whose answer (and error) stands.
var errSlow = errors.New("not for the fast path")

var (
	recordNames   = newFoldSet("eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress", "userAgent", "errorCode", "errorMessage", "recipientAccountId", "sharedEventID", "eventID", "requestID", "requestParameters", "responseElements", "additionalEventData", "userIdentity", "resources")
	identityNames = newFoldSet("type", "arn", "accountId", "principalId", "invokedBy", "sessionContext")
	contextNames  = newFoldSet("sessionIssuer")
	issuerNames   = newFoldSet("type", "arn")
	resourceNames = newFoldSet("ARN", "type", "accountId")
	kmsNames      = newFoldSet("keyId", "grantId", "granteePrincipal", "operations", "encryptionContext")
)

// parseRecord decodes a record's bytes into rec, the fields encoding/json
// would set. Any surprise returns errSlow.
func parseRecord(b []byte, rec *record, in *interner) error {
	n, err := parseRecordPrefix(b, rec, in)
	if err != nil {
		return err
	}
	p := &rp{b: b, i: n}
	p.ws()
	if p.i != len(p.b) {
		return errSlow
	}
	return nil
}

// parseRecordPrefix decodes the record at the start of b and returns its
// length; errSlow when b ends before it does.
func parseRecordPrefix(b []byte, rec *record, in *interner) (int, error) {
	p := &rp{b: b, in: in}
	err := p.object(func(k []byte) error {
		var err error
		switch string(k) {
		case "eventTime":
			var v []byte
			if v, err = p.strBytes(); err == nil {
				if rec.t, rec.tSet = fastTime(v); !rec.tSet {
					rec.EventTime = string(v)
				}
			}
		case "eventSource":
			rec.EventSource, err = p.istr()
		case "eventName":
			rec.EventName, err = p.istr()
		case "awsRegion":
			rec.AWSRegion, err = p.istr()
		case "sourceIPAddress":
			rec.SourceIPAddress, err = p.istr()
		case "userAgent":
			rec.UserAgent, err = p.istr()
		case "errorCode":
			rec.ErrorCode, err = p.istr()
		case "errorMessage":
			rec.ErrorMessage, err = p.str()
		case "recipientAccountId":
			rec.RecipientAccountID, err = p.istr()
		case "sharedEventID":
			rec.SharedEventID, err = p.str()
		case "eventID":
			rec.EventID, err = p.str()
		case "requestID":
			rec.RequestID, err = p.str()
		case "requestParameters":
			rec.RequestParameters, err = p.raw()
		case "responseElements":
			rec.ResponseElements, err = p.raw()
		case "additionalEventData":
			rec.AdditionalEventData, err = p.raw()
		case "userIdentity":
			err = p.identity(rec)
		case "resources":
			rec.Resources = rec.Resources[:0]
			if p.null() {
				rec.Resources = nil
				return nil
			}
			err = p.array(func() error {
				var r resource
				err := p.object(func(k []byte) error {
					var err error
					switch string(k) {
					case "ARN":
						r.ARN, err = p.istr()
					case "type":
						r.Type, err = p.istr()
					case "accountId":
						r.AccountID, err = p.istr()
					default:
						err = p.other(k, resourceNames)
					}
					return err
				})
				rec.Resources = append(rec.Resources, r)
				return err
			})
		default:
			err = p.other(k, recordNames)
		}
		return err
	})
	return p.i, err
}

func (p *rp) identity(rec *record) error {
	if p.null() {
		rec.UserIdentity = nil
		return nil
	}
	rec.idStore = identity{}
	u := &rec.idStore
	rec.UserIdentity = u
	return p.object(func(k []byte) error {
		var err error
		switch string(k) {
		case "type":
			u.Type, err = p.istr()
		case "arn":
			u.ARN, err = p.str()
		case "accountId":
			u.AccountID, err = p.istr()
		case "principalId":
			u.PrincipalID, err = p.str()
		case "invokedBy":
			u.InvokedBy, err = p.istr()
		case "sessionContext":
			if p.null() {
				return nil
			}
			rec.scStore = sessionContext{}
			u.SessionContext = &rec.scStore
			err = p.object(func(k []byte) error {
				if string(k) != "sessionIssuer" {
					return p.other(k, contextNames)
				}
				if p.null() {
					return nil
				}
				rec.siStore = sessionIssuer{}
				si := &rec.siStore
				u.SessionContext.SessionIssuer = si
				return p.object(func(k []byte) error {
					var err error
					switch string(k) {
					case "type":
						si.Type, err = p.istr()
					case "arn":
						si.ARN, err = p.istr()
					default:
						err = p.other(k, issuerNames)
					}
					return err
				})
			})
		default:
			err = p.other(k, identityNames)
		}
		return err
	})
}

// parseKMSRequest decodes a KMS event's requestParameters.
func parseKMSRequest(b []byte, r *kmsRequest, in *interner) error {
	p := &rp{b: b, in: in}
	return p.object(func(k []byte) error {
		var err error
		switch string(k) {
		case "keyId":
			r.KeyID, err = p.istr()
		case "grantId":
			r.GrantID, err = p.str()
		case "granteePrincipal":
			r.GranteePrincipal, err = p.istr()
		case "operations":
			r.Operations = nil
			if p.null() {
				return nil
			}
			r.Operations = []string{}
			err = p.array(func() error {
				v, err := p.strBytes()
				if v == nil && err == nil {
					return errSlow
				}
				r.Operations = append(r.Operations, p.in.get(v))
				return err
			})
		case "encryptionContext":
			if p.null() {
				r.EncryptionContext = nil
				return nil
			}
			if r.EncryptionContext == nil {
				r.EncryptionContext = map[string]string{}
			}
			err = p.object(func(k []byte) error {
				v, err := p.strBytes()
				if v == nil && err == nil {
					return errSlow
				}
				r.EncryptionContext[p.in.get(k)] = string(v)
				return err
			})
		default:
			err = p.other(k, kmsNames)
		}
		return err
	})
}

// grantIDOf reads grantId from a responseElements or additionalEventData.
func grantIDOf(b []byte) string {
	p := &rp{b: b}
	id := ""
	_ = p.object(func(k []byte) error {
		if string(k) == "grantId" {
			var err error
			id, err = p.str()
			return err
		}
		return p.skip()
	})
	return id
}
