package graph

import (
	"reflect"
	"slices"
	"testing"

	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// The roles of an account with the same policies share one list of them,
// and one trust policy; a role whose policies differ in anything (another
// text, another name, another order) has its own. Answers read them alike.
func TestRolesShareTheirPolicies(t *testing.T) {
	const (
		use   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}`
		other = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}]}`
		trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`
	)
	role := func(name string, inline ...snapshot.PolicyDetail) snapshot.RoleDetail {
		return snapshot.RoleDetail{
			RoleName: name, Arn: "arn:aws:iam::111111111111:role/" + name, Path: "/", AssumeRolePolicyDocument: trust,
			RolePolicyList:          inline,
			AttachedManagedPolicies: []snapshot.AttachedPolicy{{PolicyName: "KmsUse", PolicyArn: "arn:aws:iam::111111111111:policy/KmsUse"}},
		}
	}
	g := smallWith(t, func(s *snapshot.Snapshot) {
		iam := s.Accounts["111111111111"].IAM
		iam.RoleDetailList = append(iam.RoleDetailList,
			role("same1", snapshot.PolicyDetail{PolicyName: "use", PolicyDocument: use}),
			role("same2", snapshot.PolicyDetail{PolicyName: "use", PolicyDocument: use}),
			role("renamed", snapshot.PolicyDetail{PolicyName: "use2", PolicyDocument: use}),
			role("other", snapshot.PolicyDetail{PolicyName: "use", PolicyDocument: other}),
			role("two", snapshot.PolicyDetail{PolicyName: "use", PolicyDocument: use}, snapshot.PolicyDetail{PolicyName: "use2", PolicyDocument: other}),
			role("swapped", snapshot.PolicyDetail{PolicyName: "use2", PolicyDocument: other}, snapshot.PolicyDetail{PolicyName: "use", PolicyDocument: use}),
		)
	})
	get := func(name string) *Principal {
		p := g.Role("111111111111", name)
		if p == nil {
			t.Fatalf("no role %s", name)
		}
		return p
	}
	s1, s2 := get("same1"), get("same2")
	if len(s1.Policies) != 2 || &s1.Policies[0] != &s2.Policies[0] {
		t.Errorf("roles with the same policies have a list each: %v", s1.Policies)
	}
	if cap(s1.Policies) != len(s1.Policies) {
		t.Errorf("a shared list has room to append in place: len %d cap %d", len(s1.Policies), cap(s1.Policies))
	}
	if s1.Trust == nil || s1.Trust != s2.Trust || s1.Trust != get("other").Trust {
		t.Error("roles with the same trust policy have one each")
	}
	for _, name := range []string{"renamed", "other", "two", "swapped"} {
		p := get(name)
		if &p.Policies[0] == &s1.Policies[0] {
			t.Errorf("role %s shares same1's list %v: its own is %v", name, s1.Policies, p.Policies)
		}
	}
	if two, sw := get("two"), get("swapped"); reflect.DeepEqual(two.Policies, sw.Policies) || &two.Policies[0] == &sw.Policies[0] {
		t.Error("the same policies in another order are one list")
	}
	decide := func(name, action string) eval.Verdict {
		a, err := g.Can(Query{Principal: "arn:aws:iam::111111111111:role/" + name, Action: action, Resource: "arn:aws:kms:us-east-1:111111111111:key/k-nogrants", ChainDepth: -1})
		if err != nil {
			t.Fatal(err)
		}
		return a.Decision
	}
	if got := decide("other", "kms:Encrypt"); got != eval.Allow {
		t.Errorf("other: Encrypt %s, want ALLOW", got)
	}
	for _, name := range []string{"same1", "same2", "renamed"} {
		if d, e := decide(name, "kms:Decrypt"), decide(name, "kms:Encrypt"); d != eval.Allow || e == eval.Allow {
			t.Errorf("%s: Decrypt %s, Encrypt %s; want ALLOW and not ALLOW", name, d, e)
		}
	}
}

// policyShare's lists: equal lists give one, kept apart from the buffer
// they were listed in; an empty list is empty, not nil.
func TestPolicyShareLists(t *testing.T) {
	s := newPolicyShare()
	p1, p2 := &policy.Policy{}, &policy.Policy{}
	buf := []eval.NamedPolicy{{Name: "a", Policy: p1}, {Name: "b", ARN: "arn:aws:iam::111111111111:policy/b", Policy: p2}}
	l1 := s.list(buf)
	buf[0].Name = "changed" // the caller's buffer, used again
	l2 := s.list([]eval.NamedPolicy{{Name: "a", Policy: p1}, {Name: "b", ARN: "arn:aws:iam::111111111111:policy/b", Policy: p2}})
	if l1[0].Name != "a" || &l1[0] != &l2[0] {
		t.Errorf("equal lists: %v and %v", l1, l2)
	}
	for _, l := range [][]eval.NamedPolicy{
		{{Name: "a", Policy: p2}, {Name: "b", ARN: "arn:aws:iam::111111111111:policy/b", Policy: p2}}, // another policy
		{{Name: "a", Policy: p1}, {Name: "b", Policy: p2}},                                            // without the ARN
		{{Name: "a", Policy: p1}}, // shorter
	} {
		if got := s.list(l); &got[0] == &l1[0] || !slices.Equal(got, l) {
			t.Errorf("list %v: got %v", l, got)
		}
	}
	if got := s.list(nil); got == nil || len(got) != 0 {
		t.Errorf("empty list: %#v", got)
	}
	if t1, again, t2 := s.trust(p1), s.trust(p1), s.trust(p2); t1 != again || t1 == t2 || t1.Name != "trust policy" {
		t.Error("trust policies not one per policy")
	}
}

// Keys with the same tags share one map, as principals do; a key whose tags
// were collected and are none has an empty map, one not collected nil.
func TestKeyTagsShared(t *testing.T) {
	b := &builder{}
	t1 := b.keyTags([]snapshot.KMSTag{{TagKey: "team", TagValue: "a"}})
	t2 := b.keyTags([]snapshot.KMSTag{{TagKey: "team", TagValue: "a"}})
	if t1["team"] != "a" || len(t1) != 1 || reflect.ValueOf(t1).UnsafePointer() != reflect.ValueOf(t2).UnsafePointer() {
		t.Errorf("the same tags: %v and %v not one map", t1, t2)
	}
	if t3 := b.keyTags([]snapshot.KMSTag{{TagKey: "team", TagValue: "b"}}); t3["team"] != "b" {
		t.Errorf("other tags: %v", t3)
	}
	if got := b.keyTags([]snapshot.KMSTag{}); got == nil || len(got) != 0 {
		t.Errorf("no tags: %#v, want an empty map", got)
	}
	if got := b.keyTags(nil); got != nil {
		t.Errorf("tags not collected: %#v, want nil", got)
	}
}
