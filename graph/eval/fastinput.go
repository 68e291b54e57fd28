package eval

import (
	"bytes"
	"encoding/json"

	"github.com/keyhound/keyhound/graph/policy"
)

// decodeInput decodes a request document into in as json.Unmarshal does,
// for the documents it recognizes, without reflection: what it keeps raw
// (policy values, context values, grants) it only delimits, for
// buildRequest to parse. It reports false for anything it does not
// recognize: invalid JSON, an unknown or repeated field, a field name
// written with escapes, a value of an unexpected type (null included, but
// for policies), a context value other than a plain string, number,
// boolean, null or array of them. The caller then parses the document with
// encoding/json, which gives the answer or the error; decodeInput is never
// the one to reject a document.
//
// Every byte of an accepted document is checked by the grammar here or,
// for raw values, by the parser that reads them: policy values and grants
// with encoding/json (or the same text parsed before, for Parser's
// caches), context values by simpleContextValue.
func decodeInput(data []byte, in *input, grants func([]byte) ([]Grant, error), scratch *decodeScratch) bool {
	if scratch == nil {
		scratch = &decodeScratch{}
	}
	s := jsonScan{b: data, grants: grants, scratch: scratch}
	defer scratch.keep(in)
	if !s.eat('{') {
		return false
	}
	var seen uint32
	for {
		f, ok := s.fieldName()
		if !ok || seen&(1<<f) != 0 || !s.eat(':') {
			return false
		}
		seen |= 1 << f
		if !s.field(f, in) {
			return false
		}
		if s.eat(',') {
			continue
		}
		if !s.eat('}') {
			return false
		}
		s.ws()
		return s.i == len(s.b)
	}
}

// Top-level fields, as decodeInput numbers them.
const (
	fPrincipal = iota
	fAction
	fResource
	fResourceAccount
	fContext
	fContextComplete
	fEncryptionContext
	fIdentityPolicies
	fResourcePolicy
	fPermissionsBoundary
	fSessionPolicy
	fVPCEndpointPolicy
	fSCPs
	fRCPs
	fManagementAccount
	fGrants
	fGrantID
	fKeyState
	fKeyManager
	fPrincipalEnabledRegions
	numFields
)

// fieldName reads a top-level field's name, which must be one of input's
// written plainly (unescaped), without allocating.
func (s *jsonScan) fieldName() (int, bool) {
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return 0, false
	}
	end := bytes.IndexByte(s.b[s.i+1:], '"')
	if end < 0 {
		return 0, false
	}
	name := s.b[s.i+1 : s.i+1+end]
	s.i += end + 2
	switch string(name) {
	case "principal":
		return fPrincipal, true
	case "action":
		return fAction, true
	case "resource":
		return fResource, true
	case "resource_account":
		return fResourceAccount, true
	case "context":
		return fContext, true
	case "context_complete":
		return fContextComplete, true
	case "encryption_context":
		return fEncryptionContext, true
	case "identity_policies":
		return fIdentityPolicies, true
	case "resource_policy":
		return fResourcePolicy, true
	case "permissions_boundary":
		return fPermissionsBoundary, true
	case "session_policy":
		return fSessionPolicy, true
	case "vpc_endpoint_policy":
		return fVPCEndpointPolicy, true
	case "scps":
		return fSCPs, true
	case "rcps":
		return fRCPs, true
	case "management_account":
		return fManagementAccount, true
	case "grants":
		return fGrants, true
	case "grant_id":
		return fGrantID, true
	case "key_state":
		return fKeyState, true
	case "key_manager":
		return fKeyManager, true
	case "principal_enabled_regions":
		return fPrincipalEnabledRegions, true
	}
	return 0, false
}

// field decodes the value of top-level field f.
func (s *jsonScan) field(f int, in *input) bool {
	var ok bool
	switch f {
	case fPrincipal:
		in.Principal, ok = s.str()
	case fAction:
		in.Action, ok = s.str()
	case fResource:
		in.Resource, ok = s.str()
	case fResourceAccount:
		in.ResourceAccount, ok = s.str()
	case fManagementAccount:
		in.ManagementAccount, ok = s.str()
	case fGrantID:
		in.GrantID, ok = s.str()
	case fKeyState:
		in.KeyState, ok = s.str()
	case fKeyManager:
		in.KeyManager, ok = s.str()
	case fContextComplete:
		in.ContextComplete, ok = s.boolean()
	case fContext:
		in.contextPairs, ok = s.context(s.scratch.pairs[:0])
	case fEncryptionContext:
		in.EncryptionContext, ok = s.stringMap()
	case fPrincipalEnabledRegions:
		in.PrincipalEnabledRegions, ok = s.stringList()
	case fIdentityPolicies:
		in.IdentityPolicies, ok = s.rawList(s.scratch.ids[:0])
	case fResourcePolicy:
		in.ResourcePolicy, ok = s.policy()
	case fPermissionsBoundary:
		in.PermissionsBoundary, ok = s.policy()
	case fSessionPolicy:
		in.SessionPolicy, ok = s.policy()
	case fVPCEndpointPolicy:
		in.VPCEndpointPolicy, ok = s.policy()
	case fSCPs:
		in.SCPs, ok = s.rawLevels(s.scratch.scps[:0])
	case fRCPs:
		in.RCPs, ok = s.rawLevels(s.scratch.rcps[:0])
	case fGrants:
		var raw json.RawMessage
		if raw, ok = s.raw(); ok {
			var err error
			in.Grants, err = s.grants(raw)
			ok = err == nil
		}
	}
	return ok
}

// context decodes the context object into pairs appended to dst; only
// values simpleContextValue reads are accepted. The result is never nil.
func (s *jsonScan) context(dst []contextPair) ([]contextPair, bool) {
	if !s.eat('{') {
		return nil, false
	}
	if dst == nil {
		dst = make([]contextPair, 0, 8)
	}
	if s.eat('}') {
		return dst, true
	}
	for {
		k, ok := s.str()
		if !ok || !s.eat(':') {
			return nil, false
		}
		v, ok := s.raw()
		if !ok || !simpleContextValue(nil, k, v) {
			return nil, false
		}
		dst = append(dst, contextPair{key: k, raw: v})
		if s.eat(',') {
			continue
		}
		return dst, s.eat('}')
	}
}

// stringMap decodes an object of strings.
func (s *jsonScan) stringMap() (map[string]string, bool) {
	if !s.eat('{') {
		return nil, false
	}
	m := map[string]string{}
	if s.eat('}') {
		return m, true
	}
	for {
		k, ok := s.str()
		if !ok || !s.eat(':') {
			return nil, false
		}
		v, ok := s.str()
		if !ok {
			return nil, false
		}
		m[k] = v
		if s.eat(',') {
			continue
		}
		return m, s.eat('}')
	}
}

// stringList decodes an array of strings, or null.
func (s *jsonScan) stringList() ([]string, bool) {
	if s.null() {
		return nil, true
	}
	if !s.eat('[') {
		return nil, false
	}
	out := []string{}
	if s.eat(']') {
		return out, true
	}
	for {
		v, ok := s.str()
		if !ok {
			return nil, false
		}
		out = append(out, v)
		if s.eat(',') {
			continue
		}
		return out, s.eat(']')
	}
}

// rawList decodes an array of policy values, kept raw, or null, appending
// to dst.
func (s *jsonScan) rawList(dst []json.RawMessage) ([]json.RawMessage, bool) {
	if s.null() {
		return nil, true
	}
	if !s.eat('[') {
		return nil, false
	}
	if dst == nil {
		dst = []json.RawMessage{}
	}
	if s.eat(']') {
		return dst, true
	}
	for {
		v, ok := s.policy()
		if !ok {
			return nil, false
		}
		dst = append(dst, v)
		if s.eat(',') {
			continue
		}
		return dst, s.eat(']')
	}
}

// rawLevels decodes an array of arrays of policy values, or null, appending
// to dst and reusing the arrays dst's backing array holds.
func (s *jsonScan) rawLevels(dst [][]json.RawMessage) ([][]json.RawMessage, bool) {
	if s.null() {
		return nil, true
	}
	if !s.eat('[') {
		return nil, false
	}
	if dst == nil {
		dst = [][]json.RawMessage{}
	}
	if s.eat(']') {
		return dst, true
	}
	for {
		s.ws()
		if s.i < len(s.b) && s.b[s.i] == 'n' {
			return nil, false // a null level: rare, left to encoding/json
		}
		var reuse []json.RawMessage
		if len(dst) < cap(dst) {
			reuse = dst[: len(dst)+1 : cap(dst)][len(dst)][:0]
		}
		v, ok := s.rawList(reuse)
		if !ok {
			return nil, false
		}
		dst = append(dst, v)
		if s.eat(',') {
			continue
		}
		return dst, s.eat(']')
	}
}

// simpleContextValue reads a context value that is a string of printable
// ASCII without escapes, a number, true, false, null, or an array of such
// scalars, exactly as buildContext's general decoding would, and records it
// in ctx (if not nil). It reports false for anything else, valid or not.
func simpleContextValue(ctx *policy.Context, key string, raw []byte) bool {
	s := jsonScan{b: raw}
	if len(raw) > 0 && raw[0] == 'n' {
		if !s.null() || s.i != len(raw) {
			return false
		}
		if ctx != nil {
			ctx.SetAbsent(key)
		}
		return true
	}
	if len(raw) > 0 && raw[0] != '[' {
		v, ok := s.scalar()
		if !ok || s.i != len(raw) {
			return false
		}
		if ctx != nil {
			ctx.Set(key, string(v))
		}
		return true
	}
	s.i++ // '['
	n := 0
	if !s.eat(']') {
		for {
			if _, ok := s.scalar(); !ok {
				return false
			}
			n++
			if s.eat(',') {
				continue
			}
			if !s.eat(']') {
				return false
			}
			break
		}
	}
	if s.i != len(raw) {
		return false
	}
	if ctx == nil {
		return true
	}
	vals := make([]string, n)
	s.i = 1
	for i := range vals {
		v, _ := s.scalar()
		vals[i] = string(v)
		s.eat(',')
	}
	ctx.Set(key, vals...)
	return true
}

// policy delimits a policy value: at once if it is a text the scratch
// knows (decodeScratch.known), else with raw.
func (s *jsonScan) policy() (json.RawMessage, bool) {
	s.ws()
	if n := s.scratch.known(s.b[s.i:]); n > 0 {
		v := s.b[s.i : s.i+n]
		s.i += n
		return v, true
	}
	return s.raw()
}
