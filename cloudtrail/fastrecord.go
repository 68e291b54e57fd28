package cloudtrail

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// errSlow says the fast parser met something it does not take (a field of
// an unexpected type, an escape it leaves to encoding/json): the record is
// then decoded by encoding/json, whose answer (and error) stands.
var errSlow = errors.New("not for the fast path")

// interner shares the strings records repeat (services, operations,
// Regions, accounts, role ARNs, key IDs), bounded.
type interner map[string]string

const maxInterned = 1 << 16

func (in interner) get(b []byte) string {
	if s, ok := in[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(in) < maxInterned {
		in[s] = s
	}
	return s
}

// rp parses one record's bytes.
type rp struct {
	b  []byte
	i  int
	in interner
}

func (p *rp) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// null reads null when it is next.
func (p *rp) null() bool {
	p.ws()
	if bytes.HasPrefix(p.b[p.i:], []byte("null")) {
		p.i += 4
		return true
	}
	return false
}

// raw returns the next value's bytes.
func (p *rp) raw() ([]byte, error) {
	p.ws()
	end, err := valueEnd(p.b, p.i)
	if err != nil {
		return nil, err
	}
	v := p.b[p.i:end]
	p.i = end
	return v, nil
}

// strBytes returns the next string's contents (no escapes), or nil for null.
func (p *rp) strBytes() ([]byte, error) {
	if p.null() {
		return nil, nil
	}
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return nil, errSlow
	}
	end := stringEnd(p.b, p.i)
	if end < 0 {
		return nil, errSlow
	}
	v := p.b[p.i+1 : end]
	// encoding/json replaces invalid UTF-8 and reads escapes: its job.
	if bytes.IndexByte(v, '\\') >= 0 || !utf8.Valid(v) {
		return nil, errSlow
	}
	p.i = end + 1
	return v, nil
}

func (p *rp) str() (string, error) {
	v, err := p.strBytes()
	return string(v), err
}

func (p *rp) istr() (string, error) {
	v, err := p.strBytes()
	if err != nil || v == nil {
		return "", err
	}
	return p.in.get(v), nil
}

// object calls fn for each key of the object next (none for null); fn
// must read the key's value.
func (p *rp) object(fn func(key []byte) error) error {
	if p.null() {
		return nil
	}
	if p.i >= len(p.b) || p.b[p.i] != '{' {
		return errSlow
	}
	p.i++
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return nil
	}
	for {
		k, err := p.strBytes()
		if err != nil || k == nil {
			return errSlow
		}
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return errSlow
		}
		p.i++
		p.ws()
		if err := fn(k); err != nil {
			return err
		}
		p.ws()
		if p.i >= len(p.b) {
			return errSlow
		}
		c := p.b[p.i]
		p.i++
		switch c {
		case ',':
			p.ws()
		case '}':
			return nil
		default:
			return errSlow
		}
	}
}

// array calls fn for each element of the array next (none for null).
func (p *rp) array(fn func() error) error {
	if p.null() {
		return nil
	}
	if p.i >= len(p.b) || p.b[p.i] != '[' {
		return errSlow
	}
	p.i++
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return nil
	}
	for {
		p.ws()
		if err := fn(); err != nil {
			return err
		}
		p.ws()
		if p.i >= len(p.b) {
			return errSlow
		}
		c := p.b[p.i]
		p.i++
		switch c {
		case ',':
		case ']':
			return nil
		default:
			return errSlow
		}
	}
}

func (p *rp) skip() error {
	_, err := p.raw()
	return err
}

// foldSet holds field names lower-cased: encoding/json matches names
// without regard to case, so a key that is one of them in another case
// is left to it.
type foldSet map[string]bool

func newFoldSet(names ...string) foldSet {
	s := foldSet{}
	for _, n := range names {
		s[strings.ToLower(n)] = true
	}
	return s
}

// other skips the value of key k, not one of s's names as spelled; a name
// of s in another case is left to encoding/json.
func (p *rp) other(k []byte, s foldSet) error {
	var buf [64]byte
	if len(k) <= len(buf) {
		for i, c := range k {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf[i] = c
		}
		if s[string(buf[:len(k)])] {
			return errSlow
		}
	} else if bytes.IndexByte(k, '\\') >= 0 || !utf8.Valid(k) {
		return errSlow
	}
	for _, c := range k {
		if c >= 0x80 { // a non-ASCII letter may fold to ASCII (the Kelvin sign)
			return errSlow
		}
	}
	return p.skip()
}

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
func parseRecord(b []byte, rec *record, in interner) error {
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
func parseRecordPrefix(b []byte, rec *record, in interner) (int, error) {
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
func parseKMSRequest(b []byte, r *kmsRequest, in interner) error {
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

// valueEnd returns the end of the value at b[i].
func valueEnd(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errSlow
	}
	switch b[i] {
	case '"':
		e := stringEnd(b, i)
		if e < 0 {
			return 0, errSlow
		}
		return e + 1, nil
	case '{', '[':
		depth := 0
		for k := i; k < len(b); k++ {
			switch b[k] {
			case '"':
				e := stringEnd(b, k)
				if e < 0 {
					return 0, errSlow
				}
				k = e
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return k + 1, nil
				}
			}
		}
		return 0, errSlow
	}
	k := i
	for k < len(b) {
		switch b[k] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			if checkScalar(b[i:k]) != nil {
				return 0, errSlow
			}
			return k, nil
		}
		k++
	}
	if checkScalar(b[i:k]) != nil {
		return 0, errSlow
	}
	return k, nil
}

// fastTime reads "2026-11-03T12:00:00Z", the form of trail files.
func fastTime(v []byte) (time.Time, bool) {
	if len(v) != 20 || v[4] != '-' || v[7] != '-' || v[10] != 'T' || v[13] != ':' || v[16] != ':' || v[19] != 'Z' {
		return time.Time{}, false
	}
	n := func(a, b int) (int, bool) {
		x := 0
		for _, c := range v[a:b] {
			if c < '0' || c > '9' {
				return 0, false
			}
			x = x*10 + int(c-'0')
		}
		return x, true
	}
	y, ok1 := n(0, 4)
	mo, ok2 := n(5, 7)
	d, ok3 := n(8, 10)
	h, ok4 := n(11, 13)
	mi, ok5 := n(14, 16)
	s, ok6 := n(17, 19)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, s, 0, time.UTC)
	if t.Day() != d { // February 30th
		return time.Time{}, false
	}
	return t, true
}

// unquote decodes a JSON string's bytes, quotes included.
func unquote(v []byte) (string, error) {
	if len(v) >= 2 && bytes.IndexByte(v, '\\') < 0 {
		return string(v[1 : len(v)-1]), nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", fmt.Errorf("a field name: %w", err)
	}
	return s, nil
}
