package graph

import (
	"strconv"
	"strings"

	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// Key is a KMS key with what the snapshot knows about it.
type Key struct {
	ARN     string
	ID      string
	Account string
	Region  string
	// Meta is the key's metadata (DescribeKey) as the snapshot holds it:
	// the snapshot's own, read-only (a copy in each key was 400 bytes of
	// its 600); nil reads as empty (meta).
	Meta *snapshot.KeyMetadata
	// pol is the key policy document, parsed when first asked
	// (keypolicy.go: Policy, PolicyIssue); nil when not collected
	// (collIssue says why).
	pol       *lazyDoc
	collIssue *Issue
	// PolicyText is the key policy document as collected ("" when not).
	PolicyText string
	// Grants are the key's grants; GrantsKnown is false when they were not collected.
	Grants      []eval.Grant
	GrantsKnown bool
	Aliases     []string
	Rotation    *bool
	// LastUsage is GetKeyLastUsage's answer ({}: not used since tracking
	// began); nil when not collected.
	LastUsage *snapshot.KeyLastUsageData
	// Tags are the key's tags; nil when not collected.
	Tags map[string]string
	// StateIssue, when not nil, says the key's metadata (DescribeKey: its
	// state, manager, spec) was not collected: its state is unknown.
	StateIssue *Issue
	// GrantsIssue says why the grants are not known (GrantsKnown false).
	GrantsIssue *Issue
	grantsWhy   string // the cause GrantsIssue names
}

// noMetadata is a key's metadata when it has none: read-only.
var noMetadata snapshot.KeyMetadata

// meta returns k's metadata, empty when it has none.
func (k *Key) meta() *snapshot.KeyMetadata {
	if k.Meta != nil {
		return k.Meta
	}
	return &noMetadata
}

// Manager returns "AWS" or "CUSTOMER". When the snapshot does not say, a
// key with an alias under alias/aws/ is an AWS managed key: that prefix is
// reserved for them (KMS DG, "Create aliases"), and each has one.
func (k *Key) Manager() string {
	if m := k.meta(); m.KeyManager != "" {
		return m.KeyManager
	}
	for _, a := range k.Aliases {
		if strings.HasPrefix(a, "alias/aws/") {
			return eval.KeyManagerAWS
		}
	}
	return eval.KeyManagerCustomer
}

// StateUnknown is what State returns for a key whose metadata was not
// collected.
const StateUnknown = "unknown"

// State returns the key state ("Enabled" when the snapshot does not say;
// StateUnknown when DescribeKey failed).
func (k *Key) State() string {
	m := k.meta()
	if m.KeyState != "" {
		return m.KeyState
	}
	if k.StateIssue != nil {
		return StateUnknown
	}
	if !m.Enabled {
		return "Disabled"
	}
	return "Enabled"
}

func (b *builder) buildKeys(account, region string, kms *snapshot.KMS, base string) {
	if kms == nil {
		return
	}
	var failed failures
	if a := b.g.Snapshot.Accounts[account]; a != nil {
		failed = indexFailures(a.Errors)
	}
	for i := range kms.Keys {
		sk := &kms.Keys[i]
		kp := base + ".Keys[" + strconv.Itoa(i) + "]"
		m := &sk.KeyMetadata
		who := b.identify(account, region, *m, kp) // a copy: identify fills in what the ARN says
		if who.issue != nil {
			b.issue(*who.issue)
		}
		if who.left {
			for _, a := range sk.Aliases {
				who.refs = append(who.refs, account+"/"+region+"/"+a.AliasName)
			}
			b.leftOut = append(b.leftOut, leftOutKey{refs: who.refs, issue: *who.issue})
			continue
		}
		k := &Key{ARN: who.arn, ID: who.id, Account: account, Region: region, Meta: m, Rotation: sk.KeyRotationEnabled, LastUsage: sk.KeyLastUsage}
		names := []string{m.Arn, who.arn, m.KeyID}
		// why names the recorded failure of the call that reads a part,
		// when the scan recorded one.
		why := func(operation, otherwise string) string {
			if e := failed.of(operation, names...); e != nil {
				return describeFailure(e)
			}
			return otherwise
		}
		if sk.Policy != nil {
			k.PolicyText = *sk.Policy
			k.pol = &lazyDoc{doc: *sk.Policy, path: kp, suffix: ".Policy", table: b.g.docs}
		} else {
			iss := Issue{
				Account: account, Region: region, Item: k.ARN, Path: kp + ".Policy",
				Message: "key policy not collected (" + why("GetKeyPolicy", "unreadable by the scanning role?") + "): who can use this key is unknown",
			}
			b.issue(iss)
			k.collIssue = &iss
		}
		if e := failed.of("DescribeKey", names...); e != nil && m.KeyState == "" {
			iss := Issue{
				Account: account, Region: region, Item: k.ARN, Path: kp + ".KeyMetadata",
				Message: "key metadata not collected (" + describeFailure(e) + "): the key's state is unknown, so an operation some state refuses cannot be ALLOW",
			}
			b.issue(iss)
			k.StateIssue = &iss
		}
		if sk.Grants == nil {
			k.grantsWhy = why("ListGrants", "not in the snapshot")
			k.GrantsIssue = &Issue{
				Account: account, Region: region, Item: k.ARN, Path: kp + ".Grants",
				Message: "grants not collected (" + k.grantsWhy + "): a grant could allow more",
			}
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
		k.Tags = b.keyTags(sk.Tags)
		for _, a := range sk.Aliases {
			k.Aliases = append(k.Aliases, a.AliasName)
		}
		b.keyOrder = append(b.keyOrder, k)
	}
}

// addKeys puts the keys, VPC endpoints and left-out keys b built in the
// graph's maps and list, in the order it built them: a later key of an
// ARN, key ID or alias replaces an earlier one. The key IDs and aliases
// go in on a goroutine of their own, beside the ARNs (120,000 keys at
// 5,000 accounts: 0.15 s on one).
func (b *builder) addKeys() {
	g := b.g
	runBoth(func() {
		for _, k := range b.keyOrder {
			in := k.Account + "/" + k.Region + "/"
			for _, a := range k.Aliases {
				g.aliases[in+a] = k
			}
			g.keyIDs[in+k.ID] = k
		}
	}, func() {
		for _, k := range b.keyOrder {
			g.keys[k.ARN] = k
		}
		for _, ep := range b.endpoints {
			g.endpoints[ep.ID] = ep
		}
		g.leftOut = append(g.leftOut, b.leftOut...)
	})
}
