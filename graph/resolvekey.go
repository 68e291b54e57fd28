package graph

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
)

// leftOutKey is a key of the snapshot left out of the graph because its
// metadata contradicts where it is listed (keyarn.go): asking about it by
// any of its names gets its issue rather than "not in the snapshot".
type leftOutKey struct {
	// refs are the key's ARNs (as stated and as built) and its
	// "account/Region/key ID" and "account/Region/alias/NAME" names.
	refs  []string
	issue Issue
}

// ResolveKey finds the key a reference names: a key ARN, an alias ARN, or —
// relative to account and region, the caller's, as AWS resolves them — a key
// ID or an alias name ("alias/app"). An empty account or region widens the
// search to every account or Region of the snapshot, where the name must
// then be unique.
//
// AWS resolves a key ID or an alias name in the caller's account and Region:
// a key of another account is named by its key ARN or alias ARN (KMS DG,
// "Aliases in AWS KMS" / "Using aliases"; KMS API Reference, the KeyId
// parameter: "To specify a KMS key in a different AWS account, you must use
// the key ARN or alias ARN"). The error for a name that is not in the
// caller's account says so and names the ARNs the snapshot has for it.
func (g *Graph) ResolveKey(ref, account, region string) (*Key, error) {
	ref = strings.TrimSpace(ref)
	if a, err := parseIfARN(ref); err == nil {
		if a.Service != "kms" {
			return nil, fmt.Errorf("%s is not a KMS key or alias ARN", ref)
		}
		switch {
		case strings.HasPrefix(a.Resource, "key/"):
			if k := g.keys[ref]; k != nil {
				return k, nil
			}
		case strings.HasPrefix(a.Resource, "alias/"):
			if k := g.aliases[a.AccountID+"/"+a.Region+"/"+a.Resource]; k != nil {
				return k, nil
			}
			if lo := g.leftOutNamed(a.Resource, a.AccountID, a.Region); lo != nil {
				return nil, lo.err(ref)
			}
		}
		if lo := g.leftOutNamed(ref, "", ""); lo != nil {
			return nil, lo.err(ref)
		}
		if k := g.regionSkipped(a.AccountID, a.Region); k != nil {
			return nil, fmt.Errorf("key %s is not in the snapshot: its account's keys in %s were not collected (%s)", ref, a.Region, describeSkip(k))
		}
		return nil, fmt.Errorf("key %s is not in the snapshot", ref)
	}
	n := keyName{ref: ref, kind: "key ID", table: g.keyIDs}
	if strings.HasPrefix(ref, "alias/") {
		n.kind, n.table = "alias", g.aliases
	}
	if k := n.table[account+"/"+region+"/"+ref]; k != nil {
		return k, nil
	}
	var found []*Key
	if account == "" || region == "" {
		for _, k := range g.sortedKeys {
			if (account == "" || k.Account == account) && (region == "" || k.Region == region) && n.names(k) {
				found = append(found, k)
			}
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) > 1:
		return nil, fmt.Errorf("%s %s names %d keys, %s: pass one of those ARNs", n.kind, ref, len(found), andARNs(n.arns(found)))
	}
	if lo := g.leftOutNamed(ref, account, region); lo != nil {
		return nil, lo.err(ref)
	}
	return nil, g.notFound(n, account, region)
}

// keyName is a key ID or an alias name to resolve.
type keyName struct {
	ref, kind string
	table     map[string]*Key // by "account/region/name"
}

func (n keyName) names(k *Key) bool {
	if n.kind == "alias" {
		return slices.Contains(k.Aliases, n.ref)
	}
	return k.ID == n.ref
}

// arns are the ARNs that name the keys by n: alias ARNs for an alias.
func (n keyName) arns(keys []*Key) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if n.kind == "alias" {
			out = append(out, strings.TrimSuffix(k.ARN, "key/"+k.ID)+n.ref)
		} else {
			out = append(out, k.ARN)
		}
	}
	return out
}

// notFound is the error for a key ID or alias name not in account and
// region: where the snapshot has it instead, when it does.
func (g *Graph) notFound(n keyName, account, region string) error {
	var scope string
	switch {
	case account != "" && region != "":
		scope = "account " + account + ", Region " + region
	case account != "":
		scope = "account " + account
	case region != "":
		scope = "Region " + region
	default:
		return fmt.Errorf("%s %s is not in the snapshot", n.kind, n.ref)
	}
	msg := fmt.Sprintf("%s %s is not in %s", n.kind, n.ref, scope)
	if account != "" {
		msg += fmt.Sprintf(" (%s %s is resolved in the caller's account and Region)", article(n.kind), nameOf(n.kind))
	}
	var elsewhere []*Key
	for _, k := range g.sortedKeys {
		if n.names(k) {
			elsewhere = append(elsewhere, k)
		}
	}
	switch {
	case len(elsewhere) == 1:
		return fmt.Errorf("%s; the snapshot has %s — pass that ARN", msg, n.arns(elsewhere)[0])
	case len(elsewhere) > 1:
		return fmt.Errorf("%s; the snapshot has %s — pass one of those ARNs", msg, andARNs(n.arns(elsewhere)))
	}
	if lo := g.leftOutNamed(n.ref, "", ""); lo != nil {
		return fmt.Errorf("%s; the snapshot's key of that name is left out: %s", msg, lo.issue)
	}
	return fmt.Errorf("%s, nor anywhere else in the snapshot", msg)
}

func nameOf(kind string) string {
	if kind == "alias" {
		return "alias name"
	}
	return kind
}

func article(kind string) string {
	if kind == "alias" {
		return "an"
	}
	return "a"
}

// andARNs joins ARNs as "a", "a and b", "a, b and c".
func andARNs(arns []string) string {
	if len(arns) == 1 {
		return arns[0]
	}
	return strings.Join(arns[:len(arns)-1], ", ") + " and " + arns[len(arns)-1]
}

// leftOutNamed returns the key left out of the graph that ref names: an ARN
// as such, a key ID or alias name in account and region (any, when empty).
// Of several, the first in snapshot order.
func (g *Graph) leftOutNamed(ref, account, region string) *leftOutKey {
	var best *leftOutKey
	for i := range g.leftOut {
		lo := &g.leftOut[i]
		if best != nil && best.issue.Path <= lo.issue.Path {
			continue
		}
		for _, r := range lo.refs {
			if r == ref || (!arn.IsARN(r) && scopedName(r, ref, account, region)) {
				best = lo
				break
			}
		}
	}
	return best
}

// scopedName reports whether r, an "account/region/name", is name in
// account and region (any, when empty).
func scopedName(r, name, account, region string) bool {
	a, rest, ok := strings.Cut(r, "/")
	if !ok {
		return false
	}
	reg, nm, ok := strings.Cut(rest, "/")
	return ok && nm == name && (account == "" || a == account) && (region == "" || reg == region)
}

// err is the error for asking about a key left out, by ref.
func (lo *leftOutKey) err(ref string) error {
	return fmt.Errorf("%s is not answered: %s", ref, lo.issue)
}

// errNotARNPrefix is parseIfARN's error for what does not start as an ARN.
var errNotARNPrefix = errors.New("not an ARN")

// parseIfARN is arn.Parse for what starts as an ARN: a key ID or alias
// name, which the build resolves for every resource, gets a shared error
// instead of one formatted and dropped (6% of a build's allocations).
func parseIfARN(s string) (arn.ARN, error) {
	if !strings.HasPrefix(s, "arn:") {
		return arn.ARN{}, errNotARNPrefix
	}
	return arn.Parse(s)
}
