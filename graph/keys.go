package graph

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// Key is a KMS key with what the snapshot knows about it.
type Key struct {
	ARN     string
	ID      string
	Account string
	Region  string
	Meta    snapshot.KeyMetadata
	// Policy is the key policy; nil when unreadable, not collected or
	// unparseable (PolicyIssue says which).
	Policy      *eval.NamedPolicy
	PolicyIssue *Issue
	// PolicyText is the key policy document as collected ("" when not).
	PolicyText string
	// Grants are the key's grants; GrantsKnown is false when they were not collected.
	Grants      []eval.Grant
	GrantsKnown bool
	Aliases     []string
	Rotation    *bool
	// Tags are the key's tags; nil when not collected.
	Tags map[string]string
}

// Manager returns "AWS" or "CUSTOMER".
func (k *Key) Manager() string {
	if k.Meta.KeyManager == "" {
		return eval.KeyManagerCustomer
	}
	return k.Meta.KeyManager
}

// State returns the key state ("Enabled" when the snapshot does not say).
func (k *Key) State() string {
	if k.Meta.KeyState != "" {
		return k.Meta.KeyState
	}
	if !k.Meta.Enabled {
		return "Disabled"
	}
	return "Enabled"
}

func (b *builder) buildKeys(account, region string, kms *snapshot.KMS, base string) {
	if kms == nil {
		return
	}
	for i := range kms.Keys {
		sk := &kms.Keys[i]
		kp := base + ".Keys[" + strconv.Itoa(i) + "]"
		m := sk.KeyMetadata
		k := &Key{ARN: m.Arn, ID: m.KeyID, Account: account, Region: region, Meta: m, Rotation: sk.KeyRotationEnabled}
		if k.ARN == "" {
			k.ARN = "arn:" + b.partition + ":kms:" + region + ":" + account + ":key/" + k.ID
		}
		if k.ID == "" {
			k.ID = lastSegment(k.ARN)
		}
		if sk.Policy != nil {
			k.PolicyText = *sk.Policy
			np, iss := b.parsePolicy(*sk.Policy, "key policy", "", account, region, k.ARN, kp+".Policy")
			k.Policy, k.PolicyIssue = np, iss
		} else {
			iss := Issue{
				Account: account, Region: region, Item: k.ARN, Path: kp + ".Policy",
				Message: "key policy not collected (unreadable by the scanning role?): who can use this key is unknown",
			}
			b.g.Issues = append(b.g.Issues, iss)
			k.PolicyIssue = &iss
		}
		if sk.Grants != nil {
			k.GrantsKnown = true
			for _, g := range sk.Grants {
				eg := eval.Grant{
					GrantID: g.GrantID, Name: g.Name, KeyID: g.KeyID, GranteePrincipal: g.GranteePrincipal,
					RetiringPrincipal: g.RetiringPrincipal, IssuingAccount: g.IssuingAccount, Operations: g.Operations,
				}
				if g.Constraints != nil {
					eg.Constraints = &eval.GrantConstraints{EncryptionContextSubset: g.Constraints.EncryptionContextSubset, EncryptionContextEquals: g.Constraints.EncryptionContextEquals}
				}
				k.Grants = append(k.Grants, eg)
			}
		}
		if sk.Tags != nil {
			k.Tags = make(map[string]string, len(sk.Tags))
			for _, t := range sk.Tags {
				k.Tags[t.TagKey] = t.TagValue
			}
		}
		for _, a := range sk.Aliases {
			k.Aliases = append(k.Aliases, a.AliasName)
			b.g.aliases[account+"/"+region+"/"+a.AliasName] = k
		}
		b.g.keys[k.ARN] = k
		b.g.keyIDs[account+"/"+region+"/"+k.ID] = k
	}
}

// ResolveKey finds the key a reference names: a key ARN, an alias ARN, or —
// relative to account and region, as AWS resolves them in the caller's
// account — a key ID or an alias name ("alias/app").
func (g *Graph) ResolveKey(ref, account, region string) (*Key, error) {
	ref = strings.TrimSpace(ref)
	if a, err := arn.Parse(ref); err == nil {
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
		}
		return nil, fmt.Errorf("key %s is not in the snapshot", ref)
	}
	if strings.HasPrefix(ref, "alias/") {
		if k := g.aliases[account+"/"+region+"/"+ref]; k != nil {
			return k, nil
		}
		if account != "" && region != "" {
			return nil, fmt.Errorf("alias %s is not in the snapshot for account %s, region %s", ref, account, region)
		}
		// Without an account or a Region: the alias must be unique among
		// those the snapshot has (in that account, or that Region, if given).
		var found []*Key
		for _, k := range g.sortedKeys {
			if (account == "" || k.Account == account) && (region == "" || k.Region == region) && slices.Contains(k.Aliases, ref) {
				found = append(found, k)
			}
		}
		switch len(found) {
		case 1:
			return found[0], nil
		case 0:
			return nil, fmt.Errorf("alias %s is not in the snapshot", ref)
		}
		return nil, fmt.Errorf("alias %s names %d keys (in %s/%s and others): give the alias ARN", ref, len(found), found[0].Account, found[0].Region)
	}
	if k := g.keyIDs[account+"/"+region+"/"+ref]; k != nil {
		return k, nil
	}
	// A bare key ID without account and region: unique across the snapshot?
	var found *Key
	for _, k := range g.keys {
		if k.ID == ref {
			if found != nil {
				return nil, fmt.Errorf("key ID %s is ambiguous: give its ARN", ref)
			}
			found = k
		}
	}
	if found != nil {
		return found, nil
	}
	return nil, fmt.Errorf("key %s is not in the snapshot", ref)
}
