package cloudtrail

import (
	"encoding/json"
	"fmt"
)

// recordFields decodes the rest of a record whose '{' and first key were
// read (the first value of a JSON-lines input), field by field.
func (rd *reader) recordFields(rec *record, key, path string) error {
	for {
		var dst any
		switch key {
		case "eventTime":
			dst = &rec.EventTime
		case "eventSource":
			dst = &rec.EventSource
		case "eventName":
			dst = &rec.EventName
		case "awsRegion":
			dst = &rec.AWSRegion
		case "userIdentity":
			dst = &rec.UserIdentity
		case "sourceIPAddress":
			dst = &rec.SourceIPAddress
		case "userAgent":
			dst = &rec.UserAgent
		case "requestParameters":
			dst = &rec.RequestParameters
		case "responseElements":
			dst = &rec.ResponseElements
		case "additionalEventData":
			dst = &rec.AdditionalEventData
		case "resources":
			dst = &rec.Resources
		case "errorCode":
			dst = &rec.ErrorCode
		case "errorMessage":
			dst = &rec.ErrorMessage
		case "recipientAccountId":
			dst = &rec.RecipientAccountID
		case "sharedEventID":
			dst = &rec.SharedEventID
		case "eventID":
			dst = &rec.EventID
		case "requestID":
			dst = &rec.RequestID
		default:
			dst = new(json.RawMessage)
		}
		if err := rd.dec.Decode(dst); err != nil {
			return rd.fail(path+"."+key, err)
		}
		if !rd.dec.More() {
			break
		}
		tok, err := rd.dec.Token()
		if err != nil {
			return rd.fail(path, err)
		}
		k, ok := tok.(string)
		if !ok {
			return rd.fail(path, fmt.Errorf("expected a field name, found %v", tok))
		}
		key = k
	}
	if _, err := rd.dec.Token(); err != nil { // '}'
		return rd.fail(path, err)
	}
	return nil
}
