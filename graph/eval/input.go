package eval

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
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
}

var knownFields = func() map[string]bool {
	m := map[string]bool{}
	t := reflect.TypeFor[input]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		m[name] = true
	}
	return m
}()

// ParseRequest reads a request document (docs/eval.md) and prepares it.
// Errors are *InputError values naming the JSON path.
func ParseRequest(data []byte) (*Request, error) {
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
	ctx, ec, err := buildContext(in.Context, in.ContextComplete, in.EncryptionContext)
	if err != nil {
		return nil, err
	}
	r.Context, r.EncryptionContext = ctx, ec

	one := func(raw json.RawMessage, path, layer string) (*NamedPolicy, error) {
		if len(raw) == 0 || string(raw) == "null" {
			return nil, nil
		}
		np, err := ParseNamedPolicy(raw, layer)
		if err != nil {
			return nil, prefixPath(path, err)
		}
		return np, nil
	}
	for i, raw := range in.IdentityPolicies {
		np, err := one(raw, "identity_policies["+strconv.Itoa(i)+"]", "identity policy "+strconv.Itoa(i+1))
		if err != nil {
			return nil, err
		}
		if np != nil {
			r.IdentityPolicies = append(r.IdentityPolicies, *np)
		}
	}
	resName := "resource policy"
	switch svc, act, _ := strings.Cut(strings.ToLower(in.Action), ":"); {
	case svc == "kms":
		resName = "key policy"
	case svc == "sts" && strings.HasPrefix(act, "assumerole"):
		resName = "trust policy"
	}
	if r.ResourcePolicy, err = one(in.ResourcePolicy, "resource_policy", resName); err != nil {
		return nil, err
	}
	if r.PermissionsBoundary, err = one(in.PermissionsBoundary, "permissions_boundary", "permissions boundary"); err != nil {
		return nil, err
	}
	if r.SessionPolicy, err = one(in.SessionPolicy, "session_policy", "session policy"); err != nil {
		return nil, err
	}
	if r.VPCEndpointPolicy, err = one(in.VPCEndpointPolicy, "vpc_endpoint_policy", "VPC endpoint policy"); err != nil {
		return nil, err
	}
	levels := func(in [][]json.RawMessage, name string) ([][]NamedPolicy, error) {
		var out [][]NamedPolicy
		for i, lvl := range in {
			var level []NamedPolicy
			for j, raw := range lvl {
				path := name + "[" + strconv.Itoa(i) + "][" + strconv.Itoa(j) + "]"
				np, err := one(raw, path, strings.ToUpper(name[:len(name)-1])+" "+strconv.Itoa(j+1)+" at level "+strconv.Itoa(i))
				if err != nil {
					return nil, err
				}
				if np != nil {
					level = append(level, *np)
				}
			}
			out = append(out, level)
		}
		return out, nil
	}
	if r.SCPs, err = levels(in.SCPs, "scps"); err != nil {
		return nil, err
	}
	if r.RCPs, err = levels(in.RCPs, "rcps"); err != nil {
		return nil, err
	}
	for i, g := range r.Grants {
		if g.GranteePrincipal == "" && g.RetiringPrincipal == "" {
			return nil, &InputError{Path: "grants[" + strconv.Itoa(i) + "]", Err: errors.New("grant has no GranteePrincipal")}
		}
	}
	if err := r.Prepare(); err != nil {
		return nil, &InputError{Err: err}
	}
	return r, nil
}

// ParseNamedPolicy reads a policy given as a JSON object, a JSON string
// holding the document (URL-encoded or not), or a wrapper
// {"name", "arn", "document"}. defaultName names a policy given without one.
func ParseNamedPolicy(raw json.RawMessage, defaultName string) (*NamedPolicy, error) {
	raw = bytes.TrimSpace(raw)
	np := &NamedPolicy{Name: defaultName}
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, &InputError{Err: err}
		}
		pol, err := policy.ParseString(s)
		if err != nil {
			return nil, policyError(err)
		}
		np.Policy = pol
		return np, nil
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, &InputError{Err: fmt.Errorf("policy must be a JSON object or a string: %w", err)}
	}
	if doc, ok := probe["document"]; ok && probe["Statement"] == nil {
		for k := range probe {
			if k != "name" && k != "arn" && k != "document" {
				return nil, &InputError{Path: k, Err: errors.New("unknown field in a named policy (want name, arn, document)")}
			}
		}
		if n, ok := probe["name"]; ok {
			if err := json.Unmarshal(n, &np.Name); err != nil {
				return nil, &InputError{Path: "name", Err: errors.New("must be a string")}
			}
		}
		if a, ok := probe["arn"]; ok {
			if err := json.Unmarshal(a, &np.ARN); err != nil {
				return nil, &InputError{Path: "arn", Err: errors.New("must be a string")}
			}
		}
		inner, err := ParseNamedPolicy(doc, np.Name)
		if err != nil {
			return nil, prefixPath("document", err)
		}
		np.Policy = inner.Policy
		return np, nil
	}
	pol, err := policy.Parse(raw)
	if err != nil {
		return nil, policyError(err)
	}
	np.Policy = pol
	return np, nil
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

// buildContext converts the JSON context: strings, numbers, booleans, arrays
// of them, or null for a key known to be absent.
func buildContext(in map[string]json.RawMessage, complete bool, ec map[string]string) (*policy.Context, map[string]string, error) {
	ctx := policy.NewContext(complete)
	for k, raw := range in {
		path := "context[" + strconv.Quote(k) + "]"
		if strings.TrimSpace(k) == "" {
			return nil, nil, &InputError{Path: path, Err: errors.New("empty context key")}
		}
		var v any
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			return nil, nil, &InputError{Path: path, Err: err}
		}
		switch t := v.(type) {
		case nil:
			ctx.SetAbsent(k)
		case []any:
			vals := make([]string, len(t))
			for i, e := range t {
				s, ok := scalar(e)
				if !ok {
					return nil, nil, &InputError{Path: path + "[" + strconv.Itoa(i) + "]", Err: errors.New("must be a string, number or boolean")}
				}
				vals[i] = s
			}
			ctx.Set(k, vals...)
		default:
			s, ok := scalar(t)
			if !ok {
				return nil, nil, &InputError{Path: path, Err: errors.New("must be a string, number, boolean, array or null")}
			}
			ctx.Set(k, s)
		}
	}
	SetEncryptionContext(ctx, ec)
	return ctx, ec, nil
}

func scalar(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case bool:
		return strconv.FormatBool(t), true
	case json.Number:
		return t.String(), true
	}
	return "", false
}

// SetEncryptionContext records a request's known encryption context in ctx:
// kms:EncryptionContext:K for each pair and kms:EncryptionContextKeys, unless
// already set, and every other kms:EncryptionContext: key as absent. A nil
// ec leaves the encryption context unknown.
func SetEncryptionContext(ctx *policy.Context, ec map[string]string) {
	if ec == nil {
		return
	}
	keys := make([]string, 0, len(ec))
	for k, v := range ec {
		if name := "kms:EncryptionContext:" + k; !ctx.Has(name) {
			ctx.Set(name, v)
		}
		keys = append(keys, k)
	}
	if !ctx.Has("kms:EncryptionContextKeys") {
		slices.Sort(keys)
		ctx.Set("kms:EncryptionContextKeys", keys...)
	}
	ctx.SetPrefixKnown("kms:EncryptionContext:")
}
