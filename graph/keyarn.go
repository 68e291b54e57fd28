package graph

import (
	"fmt"
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// keyIdentity is who a key of the snapshot is: its ARN and key ID, checked
// against where the snapshot lists it.
type keyIdentity struct {
	arn, id string
	// issue, when set, says what was wrong with the key's metadata; left
	// says whether the key is left out of the graph (else its ARN was
	// rebuilt soundly and the key is kept).
	issue *Issue
	left  bool
	// refs are the names an answer could be asked by (ARNs, and
	// "account/Region/key ID") of a key left out.
	refs []string
}

// identify works out a key's ARN from its metadata and where the snapshot
// lists it (account, Region, the snapshot's partition). A key ARN is
// arn:PARTITION:kms:REGION:ACCOUNT:key/KEY-ID (KMS DG, "Key identifiers
// (KeyId)": key ARN), a function of facts the snapshot states twice: in
// KeyMetadata.Arn, and in KeyMetadata.KeyId, KeyMetadata.AWSAccountId and
// the account and Region the key is listed under.
//
//   - When they agree, or Arn is empty (older snapshots), the key is as stated.
//   - When Arn is not a key ARN at all ("not-an-arn",
//     "arn:aws:kms:us-east-1:111111111111:key" without a key ID, an alias
//     ARN) but states nothing that contradicts the other facts, the ARN is
//     rebuilt from them: there is exactly one key ARN they allow, so the
//     repair is sound. An issue says so.
//   - When the facts contradict each other (an ARN naming another account,
//     Region, partition, service or key ID; an AWSAccountId naming another
//     account; no key ID at all), which one is right is unknown: answering
//     with either could be wrong, and answering with both would make who-can
//     and can disagree. The key is left out of every answer, and an issue
//     says why; asking about it names the issue.
func (b *builder) identify(account, region string, m snapshot.KeyMetadata, kp string) keyIdentity {
	built := func(id string) string { return "arn:" + b.partition + ":kms:" + region + ":" + account + ":key/" + id }
	issue := func(field, item, msg string) *Issue {
		return &Issue{Account: account, Region: region, Item: item, Path: kp + ".KeyMetadata." + field, Message: msg}
	}
	leave := func(field, item, why string, refs ...string) keyIdentity {
		if validKeyID(m.KeyID) {
			refs = append(refs, built(m.KeyID), account+"/"+region+"/"+m.KeyID)
		}
		return keyIdentity{left: true, refs: refs, issue: issue(field, item, why+"; which is right is unknown, so the key is left out of every answer")}
	}
	if m.AWSAccountID != "" && m.AWSAccountID != account {
		item := m.Arn
		if item == "" && validKeyID(m.KeyID) {
			item = built(m.KeyID)
		}
		return leave("AWSAccountId", item, fmt.Sprintf("AWSAccountId %s is not the account %s the key is listed under", m.AWSAccountID, account), m.Arn)
	}
	if m.Arn == "" {
		if !validKeyID(m.KeyID) {
			return keyIdentity{left: true, issue: issue("KeyId", "", fmt.Sprintf("the key has no Arn and its KeyId %q is not a key ID: the key is left out of every answer", m.KeyID))}
		}
		return keyIdentity{arn: built(m.KeyID), id: m.KeyID}
	}
	a, err := arn.Parse(m.Arn)
	if err == nil {
		// What the ARN states must agree with the other facts.
		var clash []string
		if a.Partition != b.partition {
			clash = append(clash, fmt.Sprintf("partition %s, not the snapshot's %s", a.Partition, b.partition))
		}
		if a.Service != "kms" {
			clash = append(clash, fmt.Sprintf("service %s, not kms", a.Service))
		}
		if a.Region != "" && a.Region != region {
			clash = append(clash, fmt.Sprintf("Region %s, not %s where the key is listed", a.Region, region))
		}
		if a.AccountID != "" && a.AccountID != account {
			clash = append(clash, fmt.Sprintf("account %s, not %s where the key is listed", a.AccountID, account))
		}
		stated, isKey := strings.CutPrefix(a.Resource, "key/")
		if isKey && stated != "" && m.KeyID != "" && stated != m.KeyID {
			clash = append(clash, fmt.Sprintf("key ID %s, not the KeyId %s", stated, m.KeyID))
		}
		if len(clash) > 0 {
			refs := []string{m.Arn}
			if isKey && validKeyID(stated) {
				refs = append(refs, a.AccountID+"/"+a.Region+"/"+stated)
			}
			return leave("Arn", m.Arn, "the Arn names "+strings.Join(clash, " and "), refs...)
		}
		if isKey && validKeyID(stated) {
			if a.Region != "" && a.AccountID != "" {
				return keyIdentity{arn: m.Arn, id: stated}
			}
			if m.KeyID == "" {
				m.KeyID = stated // the ARN lacks its Region or account, not its key ID
			}
		}
	}
	// Not a key ARN, but nothing in it contradicts the rest: rebuild it.
	if !validKeyID(m.KeyID) {
		return leave("Arn", m.Arn, fmt.Sprintf("the Arn %q is not a key ARN and the KeyId %q is not a key ID", m.Arn, m.KeyID), m.Arn)
	}
	fixed := built(m.KeyID)
	return keyIdentity{arn: fixed, id: m.KeyID, issue: issue("Arn", fixed, fmt.Sprintf(
		"the Arn %q is not a key ARN: keyhound uses %s, built from the key ID and the account and Region the key is listed under", m.Arn, fixed))}
}

// validKeyID reports whether id can be a key ID: a UUID, or mrk- and hex
// digits for a multi-Region key; keyhound asks only for letters, digits and
// hyphens, which is what keeps an ARN built from it well formed.
func validKeyID(id string) bool {
	if id == "" {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c != '-' && (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}
