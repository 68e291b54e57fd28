package eval

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/policy"
)

// InputError is a malformed request document. Path is the JSON path of the
// offending field, such as `identity_policies[1].Statement[0].Effect`.
type InputError struct {
	Path string
	Err  error
}

func (e *InputError) Error() string {
	if e.Path == "" {
		return e.Err.Error()
	}
	return e.Path + ": " + e.Err.Error()
}

func (e *InputError) Unwrap() error { return e.Err }

// input is the JSON shape of a request; see docs/eval.md.
type input struct {
	Principal               string                     `json:"principal"`
	Action                  string                     `json:"action"`
	Resource                string                     `json:"resource"`
	ResourceAccount         string                     `json:"resource_account"`
	Context                 map[string]json.RawMessage `json:"context"`
	ContextComplete         bool                       `json:"context_complete"`
	EncryptionContext       map[string]string          `json:"encryption_context"`
	IdentityPolicies        []json.RawMessage          `json:"identity_policies"`
	ResourcePolicy          json.RawMessage            `json:"resource_policy"`
	PermissionsBoundary     json.RawMessage            `json:"permissions_boundary"`
	SessionPolicy           json.RawMessage            `json:"session_policy"`
	VPCEndpointPolicy       json.RawMessage            `json:"vpc_endpoint_policy"`
	SCPs                    [][]json.RawMessage        `json:"scps"`
	RCPs                    [][]json.RawMessage        `json:"rcps"`
	ManagementAccount       string                     `json:"management_account"`
	Grants                  []Grant                    `json:"grants"`
	GrantID                 string                     `json:"grant_id"`
	KeyState                string                     `json:"key_state"`
	KeyManager              string                     `json:"key_manager"`
	PrincipalEnabledRegions []string                   `json:"principal_enabled_regions"`

	// contextPairs, set by decodeInput instead of Context, holds the
	// context in document order.
	contextPairs []contextPair
}

// contextPair is one key of the request's context with its JSON value.
type contextPair struct {
	key string
	raw []byte
}

var knownFields = func() map[string]bool {
	m := map[string]bool{}
	t := reflect.TypeFor[input]()
	for i := range t.NumField() {
		if !t.Field(i).IsExported() {
			continue
		}
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		m[name] = true
	}
	return m
}()

// ParseRequest reads a request document (docs/eval.md) and prepares it.
// Errors are *InputError values naming the JSON path.
func ParseRequest(data []byte) (*Request, error) {
	return parseRequest(data, parsePolicyValue)
}

// parseRequest is ParseRequest with the policy parser given: Parser passes
// its cache. It is the reference every other way of parsing requests must
// agree with (see Parser.Parse).
func parseRequest(data []byte, parsePolicy func([]byte) (policyValue, error)) (*Request, error) {
	var in input
	dec := json.NewDecoder(bytes.NewReader(data))
	var top map[string]json.RawMessage
	if err := dec.Decode(&top); err != nil {
		return nil, &InputError{Err: fmt.Errorf("invalid request JSON: %w", err)}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &InputError{Err: errors.New("invalid request JSON: data after the request object")}
	}
	// Unknown top-level fields are mistakes (a typo silently drops a
	// policy); inside grants, AWS's extra fields (CreationDate, …) are fine.
	for k := range top {
		if !knownFields[k] {
			return nil, &InputError{Path: k, Err: errors.New("unknown field (see docs/eval.md)")}
		}
	}
	if err := json.Unmarshal(data, &in); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, &InputError{Path: te.Field, Err: fmt.Errorf("want %s, not a JSON %s", te.Type, te.Value)}
		}
		return nil, &InputError{Err: fmt.Errorf("invalid request JSON: %w", err)}
	}
	return buildRequest(&in, parsePolicy)
}

// buildRequest checks a decoded request document and builds the request.
// Policy values and context values are parsed here, from their raw text.
func buildRequest(in *input, parsePolicy func([]byte) (policyValue, error)) (*Request, error) {
	r := &Request{
		Action: in.Action, Resource: in.Resource, ResourceAccount: in.ResourceAccount,
		ManagementAccount: in.ManagementAccount, Grants: in.Grants, GrantID: in.GrantID,
		KeyState: in.KeyState, KeyManager: strings.ToUpper(in.KeyManager),
		PrincipalEnabledRegions: in.PrincipalEnabledRegions,
	}
	if in.Principal == "" {
		return nil, &InputError{Path: "principal", Err: errors.New("missing")}
	}
	p, err := arn.ParsePrincipal(in.Principal)
	if err != nil {
		return nil, &InputError{Path: "principal", Err: err}
	}
	r.Principal = p
	if in.Action == "" {
		return nil, &InputError{Path: "action", Err: errors.New("missing")}
	}
	if in.Resource == "" {
		return nil, &InputError{Path: "resource", Err: errors.New("missing")}
	}
	switch r.KeyManager {
	case "", KeyManagerCustomer, KeyManagerAWS:
	default:
		return nil, &InputError{Path: "key_manager", Err: fmt.Errorf("want CUSTOMER or AWS, not %q", in.KeyManager)}
	}
	ctx, ec, err := buildContext(in)
	if err != nil {
		return nil, err
	}
	r.Context, r.EncryptionContext = ctx, ec

	// one parses a policy value; null is none. Errors get their path from
	// the caller, built only then.
	one := func(raw json.RawMessage, name string) (NamedPolicy, bool, error) {
		if len(raw) == 0 || string(raw) == "null" {
			return NamedPolicy{}, false, nil
		}
		v, err := parsePolicy(bytes.TrimSpace(raw))
		if err != nil {
			return NamedPolicy{}, false, err
		}
		return v.named(name), true, nil
	}
	ptr := func(raw json.RawMessage, name, path string) (*NamedPolicy, error) {
		np, ok, err := one(raw, name)
		if err != nil {
			return nil, prefixPath(path, err)
		}
		if !ok {
			return nil, nil
		}
		return &np, nil
	}
	if len(in.IdentityPolicies) > 0 {
		ids := make([]NamedPolicy, 0, len(in.IdentityPolicies))
		for i, raw := range in.IdentityPolicies {
			np, ok, err := one(raw, identityPolicyName(i))
			if err != nil {
				return nil, prefixPath("identity_policies["+strconv.Itoa(i)+"]", err)
			}
			if ok {
				ids = append(ids, np)
			}
		}
		if len(ids) > 0 {
			r.IdentityPolicies = ids
		}
	}
	if r.ResourcePolicy, err = ptr(in.ResourcePolicy, resourcePolicyName(in.Action), "resource_policy"); err != nil {
		return nil, err
	}
	if r.PermissionsBoundary, err = ptr(in.PermissionsBoundary, "permissions boundary", "permissions_boundary"); err != nil {
		return nil, err
	}
	if r.SessionPolicy, err = ptr(in.SessionPolicy, "session policy", "session_policy"); err != nil {
		return nil, err
	}
	if r.VPCEndpointPolicy, err = ptr(in.VPCEndpointPolicy, "VPC endpoint policy", "vpc_endpoint_policy"); err != nil {
		return nil, err
	}
	// levels parses SCP or RCP levels into one backing array. An empty
	// level stays nil, and no levels at all is nil.
	levels := func(in [][]json.RawMessage, name string) ([][]NamedPolicy, error) {
		if len(in) == 0 {
			return nil, nil
		}
		n := 0
		for _, lvl := range in {
			n += len(lvl)
		}
		all := make([]NamedPolicy, 0, n)
		out := make([][]NamedPolicy, len(in))
		for i, lvl := range in {
			start := len(all)
			for j, raw := range lvl {
				np, ok, err := one(raw, levelPolicyName(name, i, j))
				if err != nil {
					return nil, prefixPath(name+"["+strconv.Itoa(i)+"]["+strconv.Itoa(j)+"]", err)
				}
				if ok {
					all = append(all, np)
				}
			}
			if len(all) > start {
				out[i] = all[start:len(all):len(all)]
			}
		}
		return out, nil
	}
	if r.SCPs, err = levels(in.SCPs, "scps"); err != nil {
		return nil, err
	}
	if r.RCPs, err = levels(in.RCPs, "rcps"); err != nil {
		return nil, err
	}
	if err := checkGrants(r.Grants); err != nil {
		return nil, err
	}
	if err := r.Prepare(); err != nil {
		return nil, &InputError{Err: err}
	}
	return r, nil
}

// checkGrants rejects grants that name nobody.
func checkGrants(grants []Grant) error {
	for i, g := range grants {
		if g.GranteePrincipal == "" && g.RetiringPrincipal == "" {
			return &InputError{Path: "grants[" + strconv.Itoa(i) + "]", Err: errors.New("grant has no GranteePrincipal")}
		}
	}
	return nil
}

// identityPolicyName names the i-th identity policy given without a name.
func identityPolicyName(i int) string {
	if i < len(identityPolicyNames) {
		return identityPolicyNames[i]
	}
	return "identity policy " + strconv.Itoa(i+1)
}

// resourcePolicyName names a resource policy given without a name: the key
// policy of a KMS request, the trust policy of sts:AssumeRole*.
func resourcePolicyName(action string) string {
	if isASCII(action) { // as below, without lower-casing a copy
		svc, act, _ := strings.Cut(action, ":")
		switch {
		case strings.EqualFold(svc, "kms"):
			return "key policy"
		case strings.EqualFold(svc, "sts") && len(act) >= len("assumerole") && strings.EqualFold(act[:len("assumerole")], "assumerole"):
			return "trust policy"
		}
		return "resource policy"
	}
	switch svc, act, _ := strings.Cut(strings.ToLower(action), ":"); {
	case svc == "kms":
		return "key policy"
	case svc == "sts" && strings.HasPrefix(act, "assumerole"):
		return "trust policy"
	}
	return "resource policy"
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// levelPolicyName names the j-th policy at level i of field ("scps" or
// "rcps") given without a name: "SCP 2 at level 0".
func levelPolicyName(field string, i, j int) string {
	if i < levelNames && j < levelNames {
		if field == "scps" {
			return scpNames[i][j]
		}
		return rcpNames[i][j]
	}
	return strings.ToUpper(field[:len(field)-1]) + " " + strconv.Itoa(j+1) + " at level " + strconv.Itoa(i)
}

// The names of the first policies, made once rather than for every request.
const levelNames = 8

var (
	identityPolicyNames [32]string
	scpNames, rcpNames  [levelNames][levelNames]string
)

func init() {
	for i := range identityPolicyNames {
		identityPolicyNames[i] = "identity policy " + strconv.Itoa(i+1)
	}
	for i := range levelNames {
		for j := range levelNames {
			scpNames[i][j] = "SCP " + strconv.Itoa(j+1) + " at level " + strconv.Itoa(i)
			rcpNames[i][j] = "RCP " + strconv.Itoa(j+1) + " at level " + strconv.Itoa(i)
		}
	}
}

// ParseNamedPolicy reads a policy given as a JSON object, a JSON string
// holding the document (URL-encoded or not), or a wrapper
// {"name", "arn", "document"}. defaultName names a policy given without one.
func ParseNamedPolicy(raw json.RawMessage, defaultName string) (*NamedPolicy, error) {
	v, err := parsePolicyValue(bytes.TrimSpace(raw))
	if err != nil {
		return nil, err
	}
	np := v.named(defaultName)
	return &np, nil
}

// policyValue is a policy value of a request parsed on its own: the
// document, and the name and ARN a wrapper gives. It depends on the value's
// text alone, so requests may share it (Parser's cache does).
type policyValue struct {
	policy *policy.Policy
	name   string
	arn    string
	// hasName says whether a wrapper named the policy.
	hasName bool
}

// named returns the policy with its name, or defaultName if it has none.
func (v policyValue) named(defaultName string) NamedPolicy {
	np := NamedPolicy{Name: defaultName, ARN: v.arn, Policy: v.policy}
	if v.hasName {
		np.Name = v.name
	}
	return np
}

// parsePolicyValue parses a policy value (see ParseNamedPolicy) with no
// white space around it.
func parsePolicyValue(raw []byte) (policyValue, error) {
	var v policyValue
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return v, &InputError{Err: err}
		}
		pol, err := policy.ParseString(s)
		if err != nil {
			return v, policyError(err)
		}
		v.policy = pol
		return v, nil
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(raw, &probe); err != nil {
		return v, &InputError{Err: fmt.Errorf("policy must be a JSON object or a string: %w", err)}
	}
	if doc, ok := probe["document"]; ok && probe["Statement"] == nil {
		for k := range probe {
			if k != "name" && k != "arn" && k != "document" {
				return v, &InputError{Path: k, Err: errors.New("unknown field in a named policy (want name, arn, document)")}
			}
		}
		// A null name or ARN is no name or ARN, as json.Unmarshal leaves a
		// string alone for null.
		if n, ok := probe["name"]; ok {
			var name *string
			if err := json.Unmarshal(n, &name); err != nil {
				return v, &InputError{Path: "name", Err: errors.New("must be a string")}
			}
			if name != nil {
				v.name, v.hasName = *name, true
			}
		}
		if a, ok := probe["arn"]; ok {
			var s *string
			if err := json.Unmarshal(a, &s); err != nil {
				return v, &InputError{Path: "arn", Err: errors.New("must be a string")}
			}
			if s != nil {
				v.arn = *s
			}
		}
		inner, err := parsePolicyValue(bytes.TrimSpace(doc))
		if err != nil {
			return v, prefixPath("document", err)
		}
		v.policy = inner.policy
		return v, nil
	}
	pol, err := policy.Parse(raw)
	if err != nil {
		return v, policyError(err)
	}
	v.policy = pol
	return v, nil
}

func policyError(err error) error {
	var pe *policy.ParseError
	if errors.As(err, &pe) {
		return &InputError{Path: pe.Path, Err: errors.New(pe.Msg)}
	}
	return &InputError{Err: err}
}

func prefixPath(prefix string, err error) error {
	var ie *InputError
	if errors.As(err, &ie) {
		p := prefix
		if ie.Path != "" {
			p += "." + ie.Path
		}
		return &InputError{Path: p, Err: ie.Err}
	}
	return &InputError{Path: prefix, Err: err}
}
