package eval

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/keyhound/keyhound/graph/policy"
)

// buildContext converts the JSON context: strings, numbers, booleans, arrays
// of them, or null for a key known to be absent. The context comes as
// in.Context, or as in.contextPairs when decodeInput kept it in order.
func buildContext(in *input) (*policy.Context, map[string]string, error) {
	ctx := policy.NewContext(in.ContextComplete)
	if in.contextPairs != nil {
		for _, kv := range in.contextPairs {
			if err := setContextValue(ctx, kv.key, kv.raw); err != nil {
				return nil, nil, err
			}
		}
	} else {
		for k, raw := range in.Context {
			if err := setContextValue(ctx, k, raw); err != nil {
				return nil, nil, err
			}
		}
	}
	SetEncryptionContext(ctx, in.EncryptionContext)
	return ctx, in.EncryptionContext, nil
}

// setContextValue records one context key given as JSON.
func setContextValue(ctx *policy.Context, k string, raw []byte) error {
	if strings.TrimSpace(k) == "" {
		return &InputError{Path: "context[" + strconv.Quote(k) + "]", Err: errors.New("empty context key")}
	}
	if simpleContextValue(ctx, k, raw) {
		return nil
	}
	path := "context[" + strconv.Quote(k) + "]"
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return &InputError{Path: path, Err: err}
	}
	switch t := v.(type) {
	case nil:
		ctx.SetAbsent(k)
	case []any:
		vals := make([]string, len(t))
		for i, e := range t {
			s, ok := scalar(e)
			if !ok {
				return &InputError{Path: path + "[" + strconv.Itoa(i) + "]", Err: errors.New("must be a string, number or boolean")}
			}
			vals[i] = s
		}
		ctx.Set(k, vals...)
	default:
		s, ok := scalar(t)
		if !ok {
			return &InputError{Path: path, Err: errors.New("must be a string, number, boolean, array or null")}
		}
		ctx.Set(k, s)
	}
	return nil
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
