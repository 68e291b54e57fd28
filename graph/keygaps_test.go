package graph

import (
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// A key whose DescribeKey failed has an unknown state, not "Disabled": the
// scanner leaves its KeyMetadata at KeyId and Arn (Enabled reads false) and
// records the failed call. A cryptographic operation, which some key states
// refuse (KMS DG, "Key states of AWS KMS keys"), is then CONDITIONAL with
// the gap named — it used to be DENY by key-state — and DescribeKey, which
// every state answers, stays ALLOW.
func TestKeyMetadataNotCollected(t *testing.T) {
	const alice = "arn:aws:iam::111111111111:user/alice"
	complete := smallWith(t, func(*snapshot.Snapshot) {})
	g := smallWith(t, func(s *snapshot.Snapshot) {
		a := s.Accounts["111111111111"]
		for i := range a.Regions["us-east-1"].KMS.Keys {
			k := &a.Regions["us-east-1"].KMS.Keys[i]
			if k.KeyMetadata.Arn == kApp {
				k.KeyMetadata = snapshot.KeyMetadata{KeyID: k.KeyMetadata.KeyID, Arn: kApp}
			}
		}
		a.Errors = append(a.Errors, snapshot.CollectionError{Service: "kms", Region: "us-east-1", Operation: "DescribeKey", Resource: kApp, Code: "AccessDeniedException", Message: "not authorized"})
	})
	before, err := complete.Can(Query{Principal: alice, Action: "kms:Decrypt", Resource: kApp, ChainDepth: -1})
	if err != nil {
		t.Fatal(err)
	}
	if before.Decision != eval.Allow {
		t.Fatalf("the complete snapshot: %s, want ALLOW (the test needs an allowed request)", before.Decision)
	}
	a, err := g.Can(Query{Principal: alice, Action: "kms:Decrypt", Resource: kApp, ChainDepth: -1})
	if err != nil {
		t.Fatal(err)
	}
	if a.Decision != eval.Conditional || !a.Request.Unknown[eval.LayerKeyState] {
		t.Errorf("kms:Decrypt with the key's state unknown: %s, want CONDITIONAL", a.Decision)
	}
	named := false
	for _, u := range a.Unknowns {
		named = named || strings.Contains(u.Message, "DescribeKey failed: AccessDeniedException")
	}
	if !named {
		t.Errorf("the answer does not name the failed DescribeKey: %+v", a.Unknowns)
	}
	if k := g.Key(kApp); k.State() != StateUnknown {
		t.Errorf("state %q, want %q", k.State(), StateUnknown)
	}
	d, err := g.Can(Query{Principal: alice, Action: "kms:DescribeKey", Resource: kApp, ChainDepth: -1})
	if err != nil {
		t.Fatal(err)
	}
	if want, err := complete.Can(Query{Principal: alice, Action: "kms:DescribeKey", Resource: kApp, ChainDepth: -1}); err != nil || d.Decision != want.Decision {
		t.Errorf("kms:DescribeKey: %s, the complete snapshot's %v (every key state answers DescribeKey)", d.Decision, want)
	}
	// who-can agrees with can.
	who, err := g.WhoCan("kms:Decrypt", kApp, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range who {
		if w.Principal == alice && w.Decision != eval.Conditional {
			t.Errorf("who-can: alice %s, can: CONDITIONAL", w.Decision)
		}
	}
}

// An AWS managed key is known by its alias when its metadata is missing:
// the alias/aws/ prefix is reserved for AWS managed keys (KMS DG, "Create
// aliases"), so RCPs, which do not apply to them, are not applied.
func TestKeyManagerFromReservedAlias(t *testing.T) {
	k := &Key{Aliases: []string{"alias/aws/s3"}}
	if k.Manager() != eval.KeyManagerAWS {
		t.Errorf("manager %s, want AWS", k.Manager())
	}
	k = &Key{Aliases: []string{"alias/app"}}
	if k.Manager() != eval.KeyManagerCustomer {
		t.Errorf("manager %s, want CUSTOMER", k.Manager())
	}
	k = &Key{Aliases: []string{"alias/aws/s3"}, Meta: &snapshot.KeyMetadata{KeyManager: "CUSTOMER"}}
	if k.Manager() != eval.KeyManagerCustomer {
		t.Errorf("the snapshot's KeyManager wins: %s", k.Manager())
	}
}

// who-can names the gap of an account whose IAM was not collected: the
// account stands for its principals, and which of them its IAM allows is
// unknown — the row used to carry no note.
func TestWhoCanAccountNotScanned(t *testing.T) {
	const partner = "222222222222"
	g := smallWith(t, func(s *snapshot.Snapshot) {
		a := s.Accounts[partner]
		a.IAM = nil
		a.Errors = append(a.Errors, snapshot.CollectionError{Service: "sts", Operation: "AssumeRole", Resource: "arn:aws:iam::" + partner + ":role/KeyhoundAudit", Code: "AccessDenied", Message: "not authorized"})
	})
	who, err := g.WhoCan("kms:DescribeKey", kApp, "", DefaultChainDepth)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range who {
		if w.Account != partner {
			continue
		}
		for _, u := range w.Unknowns {
			if strings.Contains(u.Message, "could not be scanned (sts AssumeRole failed: AccessDenied") {
				return
			}
		}
		t.Fatalf("%s: unknowns %+v do not name the account's failed scan", w.Principal, w.Unknowns)
	}
	t.Fatalf("who-can on %s lists nothing for account %s: %+v", kApp, partner, who)
}

// A key's metadata is the snapshot's, not a copy: a copy was 400 of the
// 600 bytes of each of a 5,000-account organization's 120,000 keys.
func TestKeyMetadataIsTheSnapshots(t *testing.T) {
	s, errs, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	g := Build(s, errs)
	sk := &s.Accounts["111111111111"].Regions["us-east-1"].KMS.Keys[0]
	k := g.Key(sk.KeyMetadata.Arn)
	if k == nil || k.Meta != &sk.KeyMetadata {
		t.Fatalf("key %s: Meta is not the snapshot's KeyMetadata", sk.KeyMetadata.Arn)
	}
	if k.State() != sk.KeyMetadata.KeyState || (&Key{}).State() == "" {
		t.Errorf("State from the snapshot's metadata: %q, want %q", k.State(), sk.KeyMetadata.KeyState)
	}
}
