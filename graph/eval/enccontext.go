package eval

import (
	"strings"

	"github.com/keyhound/keyhound/graph/policy"
)

// A request carries its KMS encryption context in two spellings: the
// encryption_context field (Request.EncryptionContext) or its condition keys
// in the context, kms:EncryptionContext:K for each pair and
// kms:EncryptionContextKeys for the set of keys (KMS DG, conditions-kms.html).
// Both must give the same answer: grant constraints read whichever the
// request has, and a context that tells the whole encryption context makes
// it known as the field does.
const (
	ecPrefix    = "kms:EncryptionContext:"
	ecKeysLower = "kms:encryptioncontextkeys"
)

var keyEncryptionContextKeys = policy.MakeKey("kms:EncryptionContextKeys")

// deriveEncryptionContext sets Request.EncryptionContext, when it is nil,
// from a context that tells the whole encryption context: one whose
// kms:EncryptionContextKeys lists keys whose pairs are all given (or is
// known absent: no encryption context), or one whose kms:EncryptionContext:
// keys are all known (a complete context). kms:EncryptionContextKeys is then
// set from the pairs if it was not given, and pairs not given are absent.
// A context that tells only some pairs leaves the encryption context unknown.
func (r *Request) deriveEncryptionContext() {
	ctx := r.Context
	if r.EncryptionContext != nil {
		return
	}
	switch keys, pres := ctx.Lookup(ecKeysLower); {
	case ctx.HasKey(keyEncryptionContextKeys) && pres == policy.PresencePresent:
		ec := make(map[string]string, len(keys))
		for _, k := range keys {
			v, p := ctx.Get(ecPrefix + k)
			if p != policy.PresencePresent || len(v) != 1 {
				return // a pair's value is not known: only part of it is
			}
			ec[k] = v[0]
		}
		r.EncryptionContext = ec
		ctx.SetPrefixKnown(ecPrefix)
	case ctx.HasKey(keyEncryptionContextKeys) && pres == policy.PresenceAbsent:
		pairs := false
		ctx.EachPrefixed(ecPrefix, func(string, []string) { pairs = true })
		if !pairs {
			r.EncryptionContext = map[string]string{}
			ctx.SetPrefixKnown(ecPrefix)
		}
	case !ctx.HasKey(keyEncryptionContextKeys) && ctx.PrefixKnown(ecPrefix):
		ec, ok := map[string]string{}, true
		ctx.EachPrefixed(ecPrefix, func(k string, v []string) {
			if len(v) != 1 {
				ok = false
				return
			}
			ec[k] = v[0]
		})
		if ok {
			r.EncryptionContext = ec
			SetEncryptionContext(ctx, ec)
		}
	}
}

// ecValue returns the request's values for encryption-context key k and
// whether the pair is present, absent or unknown. Keys compare
// case-insensitively, as in grant constraints (KMS API Reference,
// GrantConstraints: "in a grant constraint, the key in each key-value pair is
// not case sensitive, but the value is case sensitive") and in condition keys.
func ecValue(r *Request, k string) ([]string, policy.Presence) {
	if ec := r.EncryptionContext; ec != nil {
		if v, ok := ec[k]; ok {
			return []string{v}, policy.PresencePresent
		}
		for ek, v := range ec {
			if strings.EqualFold(ek, k) {
				return []string{v}, policy.PresencePresent
			}
		}
		return nil, policy.PresenceAbsent
	}
	return r.Context.Get(ecPrefix + k)
}

// ecOtherKeys returns the keys of the request's encryption context that are
// not in want (case-insensitively), with their values when known, and
// whether that list is the whole of them (False: there may be others).
func ecOtherKeys(r *Request, want map[string]string) (keys []string, vals map[string]string, whole bool) {
	in := func(k string) bool {
		if _, ok := want[k]; ok {
			return true
		}
		for w := range want {
			if strings.EqualFold(w, k) {
				return true
			}
		}
		return false
	}
	vals = map[string]string{}
	if ec := r.EncryptionContext; ec != nil {
		for k, v := range ec {
			if !in(k) {
				keys = append(keys, k)
				vals[k] = v
			}
		}
		return keys, vals, true
	}
	listed, pres := r.Context.Lookup(ecKeysLower)
	switch pres {
	case policy.PresencePresent:
		for _, k := range listed {
			if !in(k) {
				keys = append(keys, k)
				if v, p := r.Context.Get(ecPrefix + k); p == policy.PresencePresent && len(v) == 1 {
					vals[k] = v[0]
				}
			}
		}
		return keys, vals, true
	case policy.PresenceAbsent:
		return nil, vals, true
	}
	r.Context.EachPrefixed(ecPrefix, func(k string, v []string) {
		if !in(k) {
			keys = append(keys, k)
			if len(v) == 1 {
				vals[k] = v[0]
			}
		}
	})
	return keys, vals, false
}
