package graph

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// The demo's key behind alias/reports, and where the snapshot lists it.
const (
	reportsKey   = "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001"
	reportsID    = "1d6a2f4e-0000-4000-8000-00000000a001"
	reportsAlias = "arn:aws:kms:us-east-1:111111111111:alias/reports"
	reportsMeta  = `accounts["111111111111"].regions["us-east-1"].kms.Keys[0].KeyMetadata`
)

// demoWith builds the demo organization with the reports key's metadata edited.
func demoWith(t *testing.T, edit func(m *snapshot.KeyMetadata)) *Graph {
	t.Helper()
	s, errs, err := snapshot.Decode(demo.Snapshot())
	if err != nil || len(errs) > 0 {
		t.Fatalf("demo: %v %v", err, errs)
	}
	m := &s.Accounts["111111111111"].Regions["us-east-1"].KMS.Keys[0].KeyMetadata
	if m.Arn != reportsKey {
		t.Fatalf("the demo's first key is %s, not the reports key", m.Arn)
	}
	if edit != nil {
		edit(m)
	}
	return Build(s, errs)
}

// verdicts answers who-can for action on ref, and can for every principal
// of the snapshot: the two must agree principal by principal (a principal
// who-can does not list is DENY).
func verdicts(t *testing.T, g *Graph, ref string) map[string]eval.Verdict {
	t.Helper()
	who, err := g.WhoCan("kms:Decrypt", ref, "", DefaultChainDepth)
	if err != nil {
		t.Fatalf("who-can %s: %v", ref, err)
	}
	listed := map[string]eval.Verdict{}
	for _, w := range who {
		listed[w.Principal] = w.Decision
	}
	out := map[string]eval.Verdict{}
	for _, p := range g.Principals() {
		a, err := g.Can(Query{Principal: p.ARN, Action: "kms:Decrypt", Resource: ref})
		if err != nil {
			t.Fatalf("can %s on %s: %v", p.ARN, ref, err)
		}
		want, ok := listed[p.ARN]
		if !ok {
			want = eval.Deny
		}
		if a.Decision != want {
			t.Errorf("%s on %s: can says %s, who-can %s", p.ARN, ref, a.Decision, want)
		}
		out[p.ARN] = a.Decision
	}
	return out
}

// newIssue returns the one issue g has that base lacks.
func newIssue(t *testing.T, base, g *Graph) Issue {
	t.Helper()
	var added []Issue
	for _, iss := range g.Issues {
		if !slices.Contains(base.Issues, iss) {
			added = append(added, iss)
		}
	}
	if len(added) != 1 || len(g.Issues) != len(base.Issues)+1 {
		t.Errorf("want one new issue, have %d: %v", len(added), added)
		return Issue{}
	}
	return added[0]
}

// A key ARN is arn:PARTITION:kms:REGION:ACCOUNT:key/KEY-ID (KMS DG, "Key
// identifiers (KeyId)"). When KeyMetadata.Arn is not a key ARN but states
// nothing against the KeyId and where the key is listed, that ARN is the only
// one the facts allow: the key is kept under it, the issue says so, and
// every answer is the one the intact snapshot gives.
func TestKeyARNNotAKeyARNIsRebuilt_KMSKeyIdentifiers(t *testing.T) {
	base := demoWith(t, nil)
	want := verdicts(t, base, reportsAlias)
	for _, tc := range []struct {
		bad     string
		noKeyID bool // KeyId empty too: the key ID the ARN states is used
	}{
		{bad: "not-an-arn"},
		{bad: "arn:aws:kms:us-east-1:111111111111:key"},
		{bad: "arn:aws:kms:us-east-1:111111111111:key/"},
		{bad: "arn:aws:kms:us-east-1:111111111111:alias/reports"},
		{bad: "arn:aws:kms:::key"},
		{bad: "arn:aws:kms::111111111111:key/" + reportsID},
		{bad: "arn:aws:kms:us-east-1::key/" + reportsID, noKeyID: true},
	} {
		bad := tc.bad
		t.Run(bad, func(t *testing.T) {
			g := demoWith(t, func(m *snapshot.KeyMetadata) {
				m.Arn = bad
				if tc.noKeyID {
					m.KeyID = ""
				}
			})
			if got := verdicts(t, g, reportsAlias); !maps.Equal(got, want) {
				t.Errorf("answers differ from the intact snapshot's:\n got %v\nwant %v", got, want)
			}
			iss := newIssue(t, base, g)
			if iss.Path != reportsMeta+".Arn" || iss.Account != "111111111111" || iss.Region != "us-east-1" || iss.Item != reportsKey ||
				!strings.Contains(iss.Message, fmt.Sprintf("%q is not a key ARN", bad)) || !strings.Contains(iss.Message, "built from the key ID") {
				t.Errorf("issue: %+v", iss)
			}
			if k := g.Key(reportsKey); k == nil || k.ID != reportsID || !slices.Contains(k.Aliases, "alias/reports") {
				t.Fatalf("the key is not kept under its rebuilt ARN: %+v", k)
			}
			for _, k := range g.Keys() {
				if k.ARN == bad {
					t.Errorf("a key keeps the ARN %q", bad)
				}
			}
			if got := verdicts(t, g, reportsKey); !maps.Equal(got, want) {
				t.Errorf("%s: answers differ from the intact snapshot's:\n got %v\nwant %v", reportsKey, got, want)
			}
			// what-can lists the key for exactly the principals can allows.
			for _, p := range g.Principals() {
				what, err := g.WhatCan(p.ARN, "kms:Decrypt", DefaultChainDepth)
				if err != nil {
					t.Fatal(err)
				}
				listed := slices.ContainsFunc(what, func(w What) bool { return w.Key == reportsKey })
				if listed != (want[p.ARN] != eval.Deny) {
					t.Errorf("what-can %s lists the key: %v; can says %s", p.ARN, listed, want[p.ARN])
				}
			}
		})
	}
}

// When the snapshot contradicts itself about a key — its ARN names another
// account, Region, partition, service or key ID than where it is listed and
// its KeyId, or AWSAccountId another account — which is right is unknown.
// The key is left out of every answer: who-can, can (for every principal),
// what-can and the findings agree, and asking about it by any of its names
// gives the issue, the same message whichever command asks.
func TestKeyARNContradictionLeavesTheKeyOut(t *testing.T) {
	base := demoWith(t, nil)
	cases := []struct {
		name, field string
		edit        func(m *snapshot.KeyMetadata)
		says        string
	}{
		{"another account", "Arn", func(m *snapshot.KeyMetadata) {
			m.Arn = "arn:aws:kms:us-east-1:333333333333:key/" + reportsID
		}, "account 333333333333, not 111111111111"},
		{"another Region", "Arn", func(m *snapshot.KeyMetadata) {
			m.Arn = "arn:aws:kms:us-west-2:111111111111:key/" + reportsID
		}, "Region us-west-2, not us-east-1"},
		{"another key ID", "Arn", func(m *snapshot.KeyMetadata) {
			m.Arn = "arn:aws:kms:us-east-1:111111111111:key/other-id"
		}, "key ID other-id, not the KeyId " + reportsID},
		{"another partition", "Arn", func(m *snapshot.KeyMetadata) {
			m.Arn = "arn:aws-cn:kms:us-east-1:111111111111:key/" + reportsID
		}, "partition aws-cn"},
		{"another service", "Arn", func(m *snapshot.KeyMetadata) { m.Arn = "arn:aws:s3:::reports" }, "service s3"},
		{"AWSAccountId of another account", "AWSAccountId", func(m *snapshot.KeyMetadata) { m.AWSAccountID = "333333333333" }, "AWSAccountId 333333333333"},
		{"no Arn, no KeyId", "KeyId", func(m *snapshot.KeyMetadata) { m.Arn, m.KeyID = "", "" }, "no Arn"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stated string
			g := demoWith(t, func(m *snapshot.KeyMetadata) { tc.edit(m); stated = m.Arn })
			iss := newIssue(t, base, g)
			if iss.Path != reportsMeta+"."+tc.field || iss.Account != "111111111111" || iss.Region != "us-east-1" ||
				!strings.Contains(iss.Message, tc.says) || !strings.Contains(iss.Message, "left out of every answer") {
				t.Errorf("issue: %+v", iss)
			}
			for _, k := range g.Keys() {
				if k.ID == reportsID || k.ARN == stated || slices.Contains(k.Aliases, "alias/reports") {
					t.Fatalf("the key is still in the graph: %s", k.ARN)
				}
			}
			refs := []string{reportsAlias, "alias/reports"}
			if tc.field != "KeyId" {
				refs = append(refs, reportsKey, reportsID)
			}
			if strings.Contains(stated, ":key/") {
				refs = append(refs, stated)
			}
			for _, ref := range refs {
				_, werr := g.WhoCan("kms:Decrypt", ref, "us-east-1", DefaultChainDepth)
				if werr == nil || !strings.Contains(werr.Error(), iss.Path) {
					t.Fatalf("who-can %s: %v, want the issue", ref, werr)
				}
				for _, p := range g.PrincipalsOf("111111111111") {
					_, cerr := g.Can(Query{Principal: p.ARN, Action: "kms:Decrypt", Resource: ref, Region: "us-east-1"})
					if cerr == nil || cerr.Error() != werr.Error() {
						t.Errorf("can %s on %s: %v; who-can: %v", p.ARN, ref, cerr, werr)
					}
				}
			}
			// By ARN, every principal, of any account, gets the same refusal.
			_, werr := g.WhoCan("kms:Decrypt", reportsAlias, "", DefaultChainDepth)
			for _, p := range g.Principals() {
				if _, cerr := g.Can(Query{Principal: p.ARN, Action: "kms:Decrypt", Resource: reportsAlias}); cerr == nil || cerr.Error() != werr.Error() {
					t.Errorf("can %s on %s: %v; who-can: %v", p.ARN, reportsAlias, cerr, werr)
				}
				what, err := g.WhatCan(p.ARN, "kms:Decrypt", DefaultChainDepth)
				if err != nil {
					t.Fatal(err)
				}
				for _, w := range what {
					if w.Key == reportsKey || w.Key == stated {
						t.Errorf("what-can %s lists %s", p.ARN, w.Key)
					}
				}
			}
			for _, f := range g.Findings() {
				if f.Resource == reportsKey || (stated != "" && f.Resource == stated) {
					t.Errorf("a finding is about the key left out: %+v", f)
				}
			}
		})
	}
}

// AWS resolves a key ID or an alias name in the caller's account and Region
// (KMS DG, "Aliases in AWS KMS"; KMS API Reference, KeyId: "To specify a KMS
// key in a different AWS account, you must use the key ARN or alias ARN").
// The refusal says so and names the ARNs the snapshot has instead.
func TestResolveKeyNameOfAnotherAccount_KMSAliases(t *testing.T) {
	g := demoWith(t, nil)
	_, err := g.ResolveKey("alias/reports", "222222222222", "")
	want := "alias alias/reports is not in account 222222222222 (an alias name is resolved in the caller's account and Region); " +
		"the snapshot has arn:aws:kms:us-east-1:111111111111:alias/reports — pass that ARN"
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	_, err = g.ResolveKey("alias/reports", "222222222222", "us-east-1")
	if err == nil || !strings.Contains(err.Error(), "not in account 222222222222, Region us-east-1") || !strings.Contains(err.Error(), reportsAlias) {
		t.Errorf("with a Region: %v", err)
	}
	_, err = g.ResolveKey(reportsID, "222222222222", "us-east-1")
	if err == nil || !strings.Contains(err.Error(), "key ID "+reportsID+" is not in account 222222222222") || !strings.Contains(err.Error(), "the snapshot has "+reportsKey) {
		t.Errorf("a key ID of another account: %v", err)
	}
	_, err = g.ResolveKey("alias/nowhere", "222222222222", "")
	if err == nil || !strings.Contains(err.Error(), "nor anywhere else in the snapshot") {
		t.Errorf("an alias nowhere: %v", err)
	}
	for _, ref := range []string{"alias/reports", reportsID} {
		if k, err := g.ResolveKey(ref, "111111111111", ""); err != nil || k.ARN != reportsKey {
			t.Errorf("%s in its own account: %v, %v", ref, k, err)
		}
	}

	// The same alias name in two accounts: without an account, the
	// refusal names both alias ARNs.
	s, _, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	other := &s.Accounts["222222222222"].Regions["us-east-1"].KMS.Keys[0]
	other.Aliases = append(other.Aliases, snapshot.Alias{AliasName: "alias/reports"})
	g2 := Build(s, nil)
	_, err = g2.ResolveKey("alias/reports", "", "")
	if err == nil || !strings.Contains(err.Error(), reportsAlias) || !strings.Contains(err.Error(), "arn:aws:kms:us-east-1:222222222222:alias/reports") {
		t.Errorf("an alias of two accounts: %v", err)
	}
	if k, err := g2.ResolveKey("alias/reports", "222222222222", ""); err != nil || k.Account != "222222222222" {
		t.Errorf("in the caller's account: %v, %v", k, err)
	}
}
