package graph

import (
	"slices"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

func loadSmall(t *testing.T) *Graph {
	t.Helper()
	return smallWith(t, func(*snapshot.Snapshot) {})
}

const (
	kApp = "arn:aws:kms:us-east-1:111111111111:key/k-app"
)

func TestResolveKey(t *testing.T) {
	g := loadSmall(t)
	// A key ID or alias name with no account or Region: unique in the snapshot.
	for _, ref := range []string{kApp, "arn:aws:kms:us-east-1:111111111111:alias/app", "k-app", "alias/app"} {
		k, err := g.ResolveKey(ref, "", "")
		if err != nil || k.ARN != kApp {
			t.Errorf("ResolveKey(%s) = %v, %v", ref, k, err)
		}
	}
	if k, err := g.ResolveKey("alias/app", "111111111111", "us-east-1"); err != nil || k.ARN != kApp {
		t.Errorf("alias name in its account: %v %v", k, err)
	}
	// An alias name resolves in the caller's account, as AWS does.
	if _, err := g.ResolveKey("alias/app", "222222222222", "us-east-1"); err == nil {
		t.Error("alias/app resolved in another account")
	}
	for _, ref := range []string{"arn:aws:kms:us-east-1:111111111111:key/nope", "nope", "arn:aws:s3:::bucket"} {
		if _, err := g.ResolveKey(ref, "111111111111", "us-east-1"); err == nil {
			t.Errorf("ResolveKey(%s) succeeded", ref)
		}
	}
}

func TestOrgStructure(t *testing.T) {
	g := loadSmall(t)
	if got := g.Org.Path("222222222222"); !slices.Equal(got, []string{"r-ab12", "ou-ab12-dev", "222222222222"}) {
		t.Errorf("Path = %v", got)
	}
	if got := g.Org.OrgPaths("222222222222"); got != "o-a1b2c3d4e5/r-ab12/ou-ab12-dev/" {
		t.Errorf("OrgPaths = %s", got)
	}
	if g.Org.Member("333333333333") || !g.Org.Member("999999999999") {
		t.Error("Member")
	}
	levels, issues := g.Org.levels("222222222222", snapshot.PolicyTypeSCP)
	if len(issues) != 0 || len(levels) != 3 || len(levels[1]) != 2 {
		t.Errorf("SCP levels = %v %v", levels, issues)
	}
}

// Unparseable and uncollected policies become issues naming account, item
// and JSON path (inside the snapshot, then inside the policy).
func TestIssues(t *testing.T) {
	g := loadSmall(t)
	want := []string{
		`accounts["111111111111"].iam.RoleDetailList[1].RolePolicyList[0].PolicyDocument → Statement[0].Effect`,
		`accounts["111111111111"].regions["us-east-1"].kms.Keys[1].Policy`,
		`accounts["111111111111"].regions["us-east-1"].kms.Keys[2].Policy → Statement[0].Effect`,
	}
	var got []string
	for _, iss := range g.Issues {
		got = append(got, iss.Path)
		if iss.Account != "111111111111" || iss.Item == "" {
			t.Errorf("issue lacks account or item: %+v", iss)
		}
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("issues %v lack %s", got, w)
		}
	}
}

func TestCan(t *testing.T) {
	g := loadSmall(t)
	cases := []struct {
		name, principal, resource string
		ctx                       map[string][]string
		want                      eval.Verdict
		deniedBy                  string
		unknown                   string // a substring of an Unknowns message
	}{
		{name: "managed policy default version, tag condition from the role's tags", principal: "arn:aws:sts::111111111111:assumed-role/App/i-1", resource: kApp, want: eval.Allow},
		{name: "user through a group's URL-encoded inline policy", principal: "arn:aws:iam::111111111111:user/alice", resource: "alias/app", want: eval.Allow},
		{name: "cross-account: key policy trusts the account, IAM allows", principal: "arn:aws:sts::222222222222:assumed-role/Reader/r", resource: kApp, want: eval.Allow},
		{name: "SCP in the dev OU denies all but Reader", principal: "arn:aws:sts::222222222222:assumed-role/Writer/w", resource: kApp, want: eval.Deny, deniedBy: "scp"},
		{name: "account outside the snapshot: identity policies unknown", principal: "arn:aws:sts::333333333333:assumed-role/Auditor/a", resource: kApp, want: eval.Conditional, unknown: "not in the snapshot"},
		{name: "unreadable key policy: not DENY", principal: "arn:aws:sts::111111111111:assumed-role/App/i-1", resource: "k-unreadable", want: eval.Conditional, unknown: "key policy not collected"},
		{name: "unparseable key policy: not DENY", principal: "arn:aws:sts::111111111111:assumed-role/App/i-1", resource: "k-bad", want: eval.Conditional, unknown: "unparseable policy"},
		{name: "grants not collected: a grant could allow", principal: "arn:aws:sts::222222222222:assumed-role/Reader/r", resource: "arn:aws:kms:us-east-1:111111111111:key/k-nogrants", want: eval.Conditional, unknown: "grants not collected"},
		{name: "role with an unparseable and an uncollected policy", principal: "arn:aws:sts::111111111111:assumed-role/Broken/b", resource: kApp, want: eval.Conditional, unknown: "NotCollected"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := g.Can(Query{Principal: tc.principal, Action: "kms:Decrypt", Resource: tc.resource, Region: "us-east-1", Context: tc.ctx, ChainDepth: -1})
			if err != nil {
				t.Fatal(err)
			}
			if a.Decision != tc.want {
				var b strings.Builder
				_ = eval.WriteText(&b, a.Request, &eval.Decision{Verdict: a.Decision, DeniedBy: a.DeniedBy, Reasons: a.Reasons})
				t.Fatalf("%s, want %s; unknowns %v\n%s", a.Decision, tc.want, a.Unknowns, b.String())
			}
			if tc.deniedBy != "" {
				l, _ := eval.ParseLayer(tc.deniedBy)
				d := eval.Decision{DeniedBy: a.DeniedBy}
				if !d.DeniedByLayer(l) {
					t.Errorf("denied_by %v lacks %s", a.DeniedBy, tc.deniedBy)
				}
			}
			if tc.unknown != "" && !slices.ContainsFunc(a.Unknowns, func(i Issue) bool { return strings.Contains(i.Message, tc.unknown) }) {
				t.Errorf("unknowns %v lack %q", a.Unknowns, tc.unknown)
			}
			if tc.unknown == "" && len(a.Unknowns) > 0 {
				t.Errorf("unexpected unknowns %v", a.Unknowns)
			}
		})
	}
	if _, err := g.Can(Query{Principal: "arn:aws:iam::111111111111:role/Ghost", Action: "kms:Decrypt", Resource: kApp}); err == nil {
		t.Error("a role missing from a collected account must be an error")
	}
}

// A principal that can decrypt only through a role chain is reported with the
// chain; the direct decision stays the principal's own.
func TestCanThroughRoleChain(t *testing.T) {
	g := loadSmall(t)
	writer := "arn:aws:sts::222222222222:assumed-role/Writer/w"
	a, err := g.Can(Query{Principal: writer, Action: "kms:Decrypt", Resource: kApp})
	if err != nil {
		t.Fatal(err)
	}
	if a.DirectDecision != eval.Deny || a.Decision != eval.Allow {
		t.Fatalf("direct %s, effective %s; want DENY then ALLOW through the chain", a.DirectDecision, a.Decision)
	}
	want := []string{writer, "arn:aws:iam::111111111111:role/Decrypter"}
	if len(a.Paths) != 1 || !slices.Equal(a.Paths[0].Via, want) {
		t.Errorf("paths = %+v, want %v", a.Paths, want)
	}
	// Without chains the answer is the direct one.
	a, _ = g.Can(Query{Principal: writer, Action: "kms:Decrypt", Resource: kApp, ChainDepth: -1})
	if a.Decision != eval.Deny || len(a.Paths) != 0 {
		t.Errorf("ChainDepth -1: %s %v", a.Decision, a.Paths)
	}
	// Reader cannot assume Decrypter (its trust policy names Writer only).
	if v := g.canAssume("arn:aws:sts::222222222222:assumed-role/Reader/r", g.Principal("arn:aws:iam::111111111111:role/Decrypter")); v != eval.Deny {
		t.Errorf("Reader assumes Decrypter: %s", v)
	}
}

func TestWhoCan(t *testing.T) {
	g := loadSmall(t)
	who, err := g.WhoCan("kms:Decrypt", kApp, "", DefaultChainDepth)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]eval.Verdict{}
	for _, w := range who {
		got[w.Principal] = w.Decision
	}
	want := map[string]eval.Verdict{
		"arn:aws:iam::111111111111:role/App":       eval.Allow,
		"arn:aws:iam::111111111111:user/alice":     eval.Allow,
		"arn:aws:iam::111111111111:role/Decrypter": eval.Allow,
		"arn:aws:iam::222222222222:role/Reader":    eval.Allow,
		"arn:aws:iam::222222222222:role/Writer":    eval.Allow, // through Decrypter
		"arn:aws:iam::333333333333:root":           eval.Allow, // the external auditor account, through its own IAM
		"arn:aws:iam::111111111111:role/Broken":    eval.Conditional,
	}
	for p, v := range want {
		if got[p] != v {
			t.Errorf("%s: %v, want %s", p, got[p], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("who-can = %v, want %v", got, want)
	}
	for _, w := range who {
		if w.Principal == "arn:aws:iam::333333333333:root" && (!w.External || w.Kind != "account") {
			t.Errorf("auditor entry = %+v", w)
		}
	}
	if who[0].Decision != eval.Allow || who[len(who)-1].Decision != eval.Conditional {
		t.Error("ALLOW entries come first")
	}
}

func TestWhatCan(t *testing.T) {
	g := loadSmall(t)
	what, err := g.WhatCan("arn:aws:sts::222222222222:assumed-role/Writer/w", "kms:Decrypt", DefaultChainDepth)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]eval.Verdict{}
	for _, w := range what {
		got[strings.TrimPrefix(w.Key, "arn:aws:kms:us-east-1:111111111111:key/")] = w.Decision
	}
	// Through Decrypter (same account as the keys): k-app and k-nogrants by
	// IAM and root delegation; the unreadable and unparseable keys may allow.
	want := map[string]eval.Verdict{"k-app": eval.Allow, "k-nogrants": eval.Allow, "k-unreadable": eval.Conditional, "k-bad": eval.Conditional}
	if len(got) != len(want) {
		t.Fatalf("what-can = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
	if _, err := g.WhatCan("arn:aws:iam::111111111111:user/nobody", "kms:Decrypt", 0); err == nil {
		t.Error("unknown principal accepted")
	}
}
