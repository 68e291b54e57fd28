package changeset

import (
	"fmt"
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// keyLoc is where a key is in the new snapshot.
type keyLoc struct {
	account, region string
	index           int
}

// findKey finds a key by key ARN, alias ARN, key ID or alias name (an
// alias name in the change's account and Region when given, else the one
// key that has it).
func (a *applier) findKey(ref, account, region string) (keyLoc, bool) {
	if svc, r, acct, res, ok := arnParts(ref); ok && svc == "kms" {
		account, region, ref = acct, r, res
	}
	keyID := strings.TrimPrefix(ref, "key/")
	var found []keyLoc
	for _, id := range a.accountIDs() {
		if account != "" && id != account {
			continue
		}
		acc := a.out.Accounts[id]
		for _, rid := range regionIDs(acc) {
			if region != "" && rid != region {
				continue
			}
			r := acc.Regions[rid]
			if r == nil || r.KMS == nil {
				continue
			}
			for i, k := range r.KMS.Keys {
				if k.KeyMetadata.KeyID == keyID || k.KeyMetadata.Arn == ref ||
					slices.ContainsFunc(k.Aliases, func(al snapshot.Alias) bool { return al.AliasName == ref }) {
					found = append(found, keyLoc{id, rid, i})
				}
			}
		}
	}
	if len(found) != 1 {
		return keyLoc{}, false
	}
	return found[0], true
}

// key returns the copy of the key at l.
func (a *applier) key(l keyLoc) *snapshot.Key {
	k := &a.kms(l.account, l.region).Keys[l.index]
	a.keys.add(k.KeyMetadata.Arn)
	return k
}

// defaultKeyPolicy is the key policy KMS gives a key created without one.
func (a *applier) defaultKeyPolicy(account string) string {
	return `{"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:` +
		a.partition + `:iam::` + account + `:root"},"Action":"kms:*","Resource":"*"}]}`
}

// setPolicy sets a key's policy from c: its document, the default key
// policy when it has none, or nil (unknown) when it is unknown until apply.
func (a *applier) setPolicy(c *Change, k *snapshot.Key, account string) {
	var doc string
	switch {
	case c.IsUnknown("document"):
		k.Policy = nil
		a.unknown(c, "document", k.KeyMetadata.Arn, "key policy unknown until apply: left not collected")
		return
	case c.Document == "":
		doc = a.defaultKeyPolicy(account)
	default:
		doc = c.Document
	}
	k.Policy = &doc
}

func (a *applier) keyPolicy(c *Change) error {
	l, ok := a.findKey(c.Target, c.Account, c.Region)
	if ok {
		k := a.key(l)
		if c.Op == OpRemove {
			k.KeyMetadata.Enabled, k.KeyMetadata.KeyState = false, "PendingDeletion"
			a.entry(c, k.KeyMetadata.Arn, false)
			return nil
		}
		a.setPolicy(c, k, l.account)
		a.entry(c, k.KeyMetadata.Arn, false)
		return nil
	}
	if c.Op == OpRemove {
		a.unplaced(c, "no such key in the snapshot")
		return nil
	}
	_, arnRegion, arnAccount, res, _ := arnParts(c.Target)
	if strings.HasPrefix(res, "alias/") || strings.HasPrefix(c.Target, "alias/") {
		a.unplaced(c, "no key with this alias in the snapshot")
		return nil
	}
	account, region := a.place(c, arnAccount, arnRegion)
	if account == "" || region == "" {
		a.unplaced(c, "a new key, in an account or Region not known (give them, or WithAccount/WithRegion)")
		return nil
	}
	id := strings.TrimPrefix(res, "key/")
	if id == "" {
		id = c.Target // a plan's address, while the key ID is unknown
	}
	keyARN := "arn:" + a.partition + ":kms:" + region + ":" + account + ":key/" + id
	k := snapshot.Key{
		KeyMetadata: snapshot.KeyMetadata{
			AWSAccountID: account, KeyID: id, Arn: keyARN, Enabled: true, KeyState: "Enabled",
			KeyUsage: "ENCRYPT_DECRYPT", KeyManager: "CUSTOMER", Origin: "AWS_KMS", KeySpec: "SYMMETRIC_DEFAULT",
		},
		Grants: []snapshot.Grant{},
	}
	a.setPolicy(c, &k, account)
	a.unknown(c, "target", keyARN, "a new key whose ID is unknown until apply: named by its address")
	kms := a.kms(account, region)
	kms.Keys = append(kms.Keys, k)
	a.keys.add(keyARN)
	a.entry(c, keyARN, true)
	return nil
}

func (a *applier) grant(c *Change) error {
	l, ok := a.findKey(c.Target, c.Account, c.Region)
	if !ok {
		a.unplaced(c, "no such key in the snapshot")
		return nil
	}
	k := a.key(l)
	if c.Op == OpRemove {
		var id, name string
		if c.Grant != nil {
			id, name = c.Grant.GrantID, c.Grant.Name
		}
		if name == "" {
			name = c.Name
		}
		i := slices.IndexFunc(k.Grants, func(g snapshot.Grant) bool {
			return (id != "" && g.GrantID == id) || (id == "" && name != "" && g.Name == name)
		})
		if i < 0 {
			a.entries = append(a.entries, Entry{Source: c.Source, Kind: c.Kind, Op: c.Op, Target: k.KeyMetadata.Arn, Detail: detail(c), Note: "no such grant on the key"})
			return nil
		}
		k.Grants = slices.Delete(slices.Clone(k.Grants), i, i+1)
		a.entry(c, k.KeyMetadata.Arn, false)
		return nil
	}
	if c.Grant == nil {
		return fmt.Errorf("grant change on %s without a grant", c.Target)
	}
	if c.IsUnknown("grantee") || c.IsUnknown("grant") {
		k.Grants = nil
		a.unknown(c, "grantee", k.KeyMetadata.Arn, "a grant unknown until apply: the key's grants are left not collected")
		a.unknown(c, "grant", k.KeyMetadata.Arn, "a grant unknown until apply: the key's grants are left not collected")
		a.entry(c, k.KeyMetadata.Arn, false)
		return nil
	}
	g := *c.Grant
	if g.GrantID == "" {
		a.grantSeq++
		g.GrantID = fmt.Sprintf("keyhound-proposed-%d", a.grantSeq)
	}
	g.KeyID = k.KeyMetadata.Arn
	if g.IssuingAccount == "" {
		g.IssuingAccount = "arn:" + a.partition + ":iam::" + l.account + ":root"
	}
	k.Grants = append(slices.Clone(k.Grants), g)
	a.entry(c, k.KeyMetadata.Arn, false)
	return nil
}

// alias moves or creates an alias (Target) to point at c.Key, or deletes it.
func (a *applier) alias(c *Change) error {
	name, account, region := c.Target, c.Account, c.Region
	if _, r, acct, res, ok := arnParts(c.Target); ok {
		name, account, region = res, acct, r
	}
	if !strings.HasPrefix(name, "alias/") {
		name = "alias/" + name
	}
	// The alias's current key, if any, loses it.
	old, hadOld := a.findKey(name, account, region)
	var target keyLoc
	if c.Op != OpRemove {
		if c.IsUnknown("key") {
			a.unplaced(c, "the key it points to is unknown until apply")
			return nil
		}
		t, ok := a.findKey(c.Key, account, region)
		if !ok && hadOld {
			t, ok = a.findKey(c.Key, old.account, old.region)
		}
		if !ok {
			a.unplaced(c, "its key %s is not in the snapshot", c.Key)
			return nil
		}
		target = t
	}
	if hadOld {
		k := a.key(old)
		k.Aliases = slices.DeleteFunc(slices.Clone(k.Aliases), func(al snapshot.Alias) bool { return al.AliasName == name })
	} else if c.Op == OpRemove {
		a.unplaced(c, "no such alias in the snapshot")
		return nil
	}
	if c.Op == OpRemove {
		a.entry(c, "arn:"+a.partition+":kms:"+old.region+":"+old.account+":"+name, false)
		return nil
	}
	k := a.key(target)
	aliasARN := "arn:" + a.partition + ":kms:" + target.region + ":" + target.account + ":" + name
	k.Aliases = append(slices.Clone(k.Aliases), snapshot.Alias{AliasName: name, AliasArn: aliasARN, TargetKeyID: k.KeyMetadata.KeyID})
	a.entry(c, aliasARN, !hadOld)
	return nil
}
