package cloudtrail

import (
	"encoding/json"
	"fmt"
	"strings"
)

// lakeRow reads one row of CloudTrail Lake results. GetQueryResults returns
// QueryResultRows as a list of rows, each a list of one-entry maps from
// column name to the value as a string (AWS CloudTrail API Reference,
// GetQueryResults,
// https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetQueryResults.html).
// Columns are read by name: the record's own fields ("eventTime",
// "userIdentity", "requestParameters", "resources" — a struct or map column
// as JSON or as Lake prints it, "{type=AssumedRole, arn=…}"), or dotted
// paths given as aliases ("userIdentity.arn", "requestParameters.keyId").
// A query for keyhound:
//
//	SELECT eventTime, eventSource, eventName, awsRegion, userIdentity,
//	       requestParameters, resources, errorCode, errorMessage,
//	       recipientAccountId, sharedEventID, eventID FROM <store> WHERE …
func (rd *reader) lakeRow(at elemPath) error {
	path := at.String()
	start := rd.lx.offset()
	v, err := rd.lx.value()
	if err != nil {
		return rd.failAt(start, path, err)
	}
	var row []map[string]string
	if err := json.Unmarshal(v, &row); err != nil {
		return rd.failAt(start, path, err)
	}
	var rec record
	for _, cell := range row {
		for col, v := range cell {
			if err := setColumn(&rec, col, v); err != nil {
				return rd.failAt(start, path+"."+col, err)
			}
		}
	}
	return rd.emit(start, &rec, at)
}

func setColumn(rec *record, col, v string) error {
	id := func() *identity {
		if rec.UserIdentity == nil {
			rec.UserIdentity = &identity{}
		}
		return rec.UserIdentity
	}
	switch col {
	case "eventTime":
		rec.EventTime = v
	case "eventSource":
		rec.EventSource = v
	case "eventName":
		rec.EventName = v
	case "awsRegion":
		rec.AWSRegion = v
	case "sourceIPAddress":
		rec.SourceIPAddress = v
	case "userAgent":
		rec.UserAgent = v
	case "errorCode":
		rec.ErrorCode = v
	case "errorMessage":
		rec.ErrorMessage = v
	case "recipientAccountId":
		rec.RecipientAccountID = v
	case "sharedEventID":
		rec.SharedEventID = v
	case "eventID":
		rec.EventID = v
	case "requestID":
		rec.RequestID = v
	case "userIdentity", "resources":
		raw, err := lakeJSON(v)
		if err != nil || raw == nil {
			return err
		}
		if col == "resources" {
			return json.Unmarshal(raw, &rec.Resources)
		}
		return json.Unmarshal(raw, &rec.UserIdentity)
	case "requestParameters", "responseElements", "additionalEventData":
		raw, err := lakeJSON(v)
		if err != nil {
			return err
		}
		switch col {
		case "requestParameters":
			rec.RequestParameters = raw
		case "responseElements":
			rec.ResponseElements = raw
		default:
			rec.AdditionalEventData = raw
		}
	case "userIdentity.type":
		id().Type = v
	case "userIdentity.arn":
		id().ARN = v
	case "userIdentity.accountId":
		id().AccountID = v
	case "userIdentity.principalId":
		id().PrincipalID = v
	case "userIdentity.invokedBy":
		id().InvokedBy = v
	case "userIdentity.sessionContext.sessionIssuer.arn":
		u := id()
		raw, _ := json.Marshal(map[string]any{"sessionIssuer": map[string]string{"arn": v, "type": "Role"}})
		return json.Unmarshal(raw, &u.SessionContext)
	case "requestParameters.keyId":
		raw, _ := json.Marshal(map[string]string{"keyId": v})
		rec.RequestParameters = raw
	}
	return nil
}

// lakeJSON turns a Lake value into JSON: JSON as is, or Lake's printing of
// a struct, map or array ("{a=b, c={d=e}}", "[{ARN=…, accountId=…}]"),
// whose values are read as strings. "" and "null" are nil.
func lakeJSON(v string) (json.RawMessage, error) {
	v = strings.TrimSpace(v)
	if v == "" || v == "null" {
		return nil, nil
	}
	if json.Valid([]byte(v)) {
		return json.RawMessage(v), nil
	}
	p := lakeParser{s: v}
	val, err := p.value()
	if err != nil {
		return nil, err
	}
	if p.i != len(p.s) {
		return nil, fmt.Errorf("unexpected %q at %d", p.s[p.i:], p.i)
	}
	return json.Marshal(val)
}

// lakeParser reads Lake's printing of nested values.
type lakeParser struct {
	s string
	i int
}

func (p *lakeParser) value() (any, error) {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
	if p.i < len(p.s) {
		switch p.s[p.i] {
		case '{':
			return p.object()
		case '[':
			return p.list()
		}
	}
	// A scalar runs to the next ',' or closing bracket.
	start := p.i
	for p.i < len(p.s) && p.s[p.i] != ',' && p.s[p.i] != '}' && p.s[p.i] != ']' {
		p.i++
	}
	s := strings.TrimSpace(p.s[start:p.i])
	if s == "null" {
		return nil, nil
	}
	return s, nil
}

func (p *lakeParser) object() (any, error) {
	p.i++ // '{'
	m := map[string]any{}
	for {
		for p.i < len(p.s) && p.s[p.i] == ' ' {
			p.i++
		}
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return m, nil
		}
		eq := strings.IndexByte(p.s[p.i:], '=')
		if eq < 0 {
			return nil, fmt.Errorf("expected key=value at %d", p.i)
		}
		key := strings.TrimSpace(p.s[p.i : p.i+eq])
		p.i += eq + 1
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		m[key] = v
		if err := p.sep('}'); err != nil {
			return nil, err
		}
		if p.s[p.i-1] == '}' {
			return m, nil
		}
	}
}

func (p *lakeParser) list() (any, error) {
	p.i++ // '['
	var out []any
	for {
		for p.i < len(p.s) && p.s[p.i] == ' ' {
			p.i++
		}
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return out, nil
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		if err := p.sep(']'); err != nil {
			return nil, err
		}
		if p.s[p.i-1] == ']' {
			return out, nil
		}
	}
}

// sep reads a ',' or the closing bracket.
func (p *lakeParser) sep(end byte) error {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
	if p.i >= len(p.s) {
		return fmt.Errorf("unterminated value: expected %q", end)
	}
	if p.s[p.i] != ',' && p.s[p.i] != end {
		return fmt.Errorf("unexpected %q at %d", p.s[p.i], p.i)
	}
	p.i++
	return nil
}
