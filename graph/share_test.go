package graph

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// shareOrg is a generated organization with what sharing must not blur:
// look-alike roles that a key policy names one by one, a role exempted by
// name from an SCP (aws:PrincipalArn), a key-policy condition on
// aws:PrincipalArn, users whose policies use ${aws:username}, tag-based
// access, and a role whose policies are not all known.
func shareOrg(t *testing.T) *snapshot.Snapshot {
	t.Helper()
	s := gen.Organization(gen.Options{Accounts: 10, Regions: 1, RolesPerAccount: 12, KeysPerRegion: 4, ResourcesPerKey: 3, Seed: 7})
	for id, a := range s.Accounts {
		iam := a.IAM
		if len(iam.RoleDetailList) == 0 {
			continue
		}
		// role-0's twins: one exempt from OU 9's SCP by its name.
		for _, name := range []string{"break-glass", "twin-a", "twin-b"} {
			r := iam.RoleDetailList[0]
			r.RoleName, r.Arn, r.RoleID = name, "arn:aws:iam::"+id+":role/"+name, "AROA"+name
			iam.RoleDetailList = append(iam.RoleDetailList, r)
		}
		// A role with a managed policy that was not collected.
		r := iam.RoleDetailList[0]
		r.RoleName, r.Arn = "gappy", "arn:aws:iam::"+id+":role/gappy"
		r.AttachedManagedPolicies = append(r.AttachedManagedPolicies, snapshot.AttachedPolicy{PolicyName: "Gone", PolicyArn: "arn:aws:iam::" + id + ":policy/Gone"})
		iam.RoleDetailList = append(iam.RoleDetailList, r)
		// Users whose access depends on their names: through a policy
		// variable (alice, bob) or a condition on aws:PrincipalArn (all).
		ops := snapshot.PolicyDetail{PolicyName: "ops", PolicyDocument: `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":["kms:Decrypt","s3:GetObject","sqs:ReceiveMessage","secretsmanager:GetSecretValue"],"Resource":"*","Condition":{"StringLike":{"aws:PrincipalArn":"*:user/ops-*"}}}]}`}
		own := snapshot.PolicyDetail{PolicyName: "own-keys", PolicyDocument: `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"${aws:username}"}}}]}`}
		for _, name := range []string{"alice", "bob", "ops-admin", "ops-x", "carol"} {
			u := snapshot.UserDetail{UserName: name, Arn: "arn:aws:iam::" + id + ":user/" + name, UserID: "AIDA" + name, Path: "/", UserPolicyList: []snapshot.PolicyDetail{ops}}
			if name == "alice" || name == "bob" {
				u.UserPolicyList = append(u.UserPolicyList, own)
			}
			iam.UserDetailList = append(iam.UserDetailList, u)
		}
		// A role whose only KMS statement never applies (another account's
		// condition): allowed in a key's own account by an open key policy,
		// denied elsewhere.
		r = iam.RoleDetailList[0]
		r.RoleName, r.Arn = "cond-acct", "arn:aws:iam::"+id+":role/cond-acct"
		r.RolePolicyList = []snapshot.PolicyDetail{{PolicyName: "elsewhere", PolicyDocument: `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"999999999999"}}}]}`}}
		r.AttachedManagedPolicies = nil
		iam.RoleDetailList = append(iam.RoleDetailList, r)
		for _, reg := range a.Regions {
			for i := range reg.KMS.Keys {
				k := &reg.KMS.Keys[i]
				if k.KeyMetadata.KeyManager != "CUSTOMER" {
					continue
				}
				// One twin named, the other not; and a condition on the caller's ARN.
				pol := `{"Version":"2012-10-17","Statement":[
					{"Sid":"Root","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + id + `:root"},"Action":"kms:*","Resource":"*"},
					{"Sid":"NotTeam5","Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"team-5"}}},
					{"Sid":"Twin","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + id + `:role/twin-a"},"Action":"kms:Decrypt","Resource":"*"},
					{"Sid":"Admins","Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-gen0000001"},"StringLike":{"aws:PrincipalArn":"*admin*"}}}]}`
				switch i { // after two AWS managed keys
				case 3:
					// Open to the organization, naming no account.
					pol = `{"Version":"2012-10-17","Statement":[
					{"Sid":"Org","Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-gen0000001"}}}]}`
				case 4:
					// The same, closed to all but one OU by aws:PrincipalOrgPaths.
					pol = `{"Version":"2012-10-17","Statement":[
					{"Sid":"Org","Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-gen0000001"}}},
					{"Sid":"OU1Only","Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"ForAllValues:StringNotLike":{"aws:PrincipalOrgPaths":"o-gen0000001/r-gen1/ou-gen1-00000001/*"}}}]}`
				}
				k.Policy = &pol
				k.Tags = append(k.Tags, snapshot.KMSTag{TagKey: "team", TagValue: "alice"})
			}
		}
	}
	return s
}

// Sharing an answer among principals alike must change no answer: who-can
// with sharing gives, for every key and resource, exactly what it gives with
// every principal evaluated on its own — verdicts, conditions, gaps,
// reasons and paths.
func TestWhoCanSharingChangesNoAnswer(t *testing.T) {
	demoSnap, errs, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	graphs := map[string]func() *Graph{
		"demo":      func() *Graph { return Build(demoSnap, errs) },
		"share-org": func() *Graph { return Build(shareOrg(t), nil) },
		"generated-30": func() *Graph {
			return Build(gen.Organization(gen.Options{Accounts: 30, Regions: 1, RolesPerAccount: 6, KeysPerRegion: 4, ResourcesPerKey: 3, Seed: 5}), nil)
		},
		"generated": func() *Graph {
			return Build(gen.Organization(gen.Options{Accounts: 12, Regions: 2, RolesPerAccount: 15, KeysPerRegion: 4, ResourcesPerKey: 3, Seed: 11}), nil)
		},
	}
	for name, build := range graphs {
		t.Run(name, func(t *testing.T) {
			shared, alone := build(), build()
			alone.noShare = true
			if name != "demo" && shared.numClasses >= len(shared.Principals()) {
				t.Fatalf("%d classes for %d principals: nothing to share", shared.numClasses, len(shared.Principals()))
			}
			compare := func(action, target string, depth int) {
				t.Helper()
				a, errA := shared.WhoCan(action, target, "", depth)
				b, errB := alone.WhoCan(action, target, "", depth)
				if fmt.Sprint(errA) != fmt.Sprint(errB) {
					t.Fatalf("%s %s: errors differ: %v / %v", action, target, errA, errB)
				}
				if !reflect.DeepEqual(a, b) {
					for i := range min(len(a), len(b)) {
						if !reflect.DeepEqual(a[i], b[i]) {
							t.Fatalf("%s %s: entry %d differs:\nshared %+v\nalone  %+v", action, target, i, a[i], b[i])
						}
					}
					t.Fatalf("%s %s: %d entries shared, %d alone", action, target, len(a), len(b))
				}
			}
			for _, k := range shared.Keys() {
				for _, action := range []string{"kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant"} {
					compare(action, k.ARN, 0)
				}
				compare("kms:Decrypt", k.ARN, DefaultChainDepth)
			}
			for _, r := range shared.Resources() {
				if _, ok := servicePaths[r.Type]; ok {
					compare("read", r.ARN, DefaultChainDepth)
				}
			}
		})
	}
}

// The share key keeps apart exactly what an evaluation could tell apart.
func TestShareKeySeparatesWhatEvaluationReads(t *testing.T) {
	g := Build(shareOrg(t), nil)
	acct := "100000000009" // in OU 9: its SCP exempts role/break-glass by ARN
	var key *Key
	for _, k := range g.Keys() {
		if k.Account == acct && k.Manager() == "CUSTOMER" {
			key = k
			break
		}
	}
	if key == nil {
		t.Fatal("no customer managed key in " + acct)
	}
	sh := g.newSharer([]*eval.NamedPolicy{key.Policy()}, []string{key.Account}, key.Grants)
	keyOf := func(name string) (shareKey, bool) {
		t.Helper()
		p := g.Principal("arn:aws:iam::" + acct + ":" + name)
		if p == nil {
			t.Fatalf("no %s", name)
		}
		return sh.key(g, p)
	}
	twinB, ok := keyOf("role/twin-b")
	if !ok {
		t.Fatal("twin-b, named by nothing, should share")
	}
	if _, ok := keyOf("role/twin-a"); ok {
		t.Error("twin-a is named by the key policy: it must be evaluated alone")
	}
	if k, ok := keyOf("role/break-glass"); !ok || k == twinB {
		t.Errorf("break-glass: %v %v; the SCP's aws:PrincipalArn condition sets it apart from twin-b %v", k, ok, twinB)
	}
	if _, ok := keyOf("role/gappy"); ok {
		t.Error("a role with policies not collected must be evaluated alone")
	}
	if _, ok := keyOf("user/alice"); ok {
		t.Error("alice's policy uses ${aws:username}: she must be evaluated alone")
	}
	// ops-admin and ops-x match the ops policy's aws:PrincipalArn pattern,
	// carol does not.
	admin, okA := keyOf("user/ops-admin")
	opsX, okX := keyOf("user/ops-x")
	carol, okC := keyOf("user/carol")
	if !okA || !okX || !okC || admin.class != carol.class {
		t.Fatalf("ops-admin %v, ops-x %v, carol %v: one class, all shared", admin, opsX, carol)
	}
	if admin == carol || opsX == carol {
		t.Errorf("carol %v shares a key with ops-admin %v or ops-x %v: aws:PrincipalArn sets her apart", carol, admin, opsX)
	}
	// role-0 and role-5 have the same policies but different tags, which
	// the key policy reads.
	r0, ok0 := keyOf("role/role-0")
	r5, ok5 := keyOf("role/role-5")
	if !ok0 || !ok5 || r0.class != r5.class || r0 == r5 {
		t.Errorf("role-0 %v and role-5 %v should be one class, told apart by their tags", r0, r5)
	}
	// Without a policy that reads tags, tags do not count.
	plain := g.newSharer(nil, nil, nil)
	k0, _ := plain.key(g, g.Principal("arn:aws:iam::"+acct+":role/role-0"))
	k5, _ := plain.key(g, g.Principal("arn:aws:iam::"+acct+":role/role-5"))
	if k0 != k5 {
		t.Errorf("role-0 %v and role-5 %v differ where nothing reads their tags", k0, k5)
	}
}

// sortedAnswers orders by decision, then principal, whether or not the
// direct answers come sorted (and whether or not that is known), against a
// plain sort.
func TestSortedAnswers(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 500 {
		n := rng.IntN(40)
		whos := make([]Who, n)
		for i := range whos {
			whos[i] = Who{Principal: fmt.Sprintf("p%03d", rng.IntN(1000)*1000+i), Decision: eval.Verdict(rng.IntN(3))}
		}
		direct := 0
		if n > 0 {
			direct = rng.IntN(n + 1)
		}
		// The usual case: the direct ones in principal order, which the
		// caller may know (ordered) or not.
		ordered := round%4 == 0
		if round%2 == 0 {
			slices.SortFunc(whos[:direct], func(a, b Who) int { return strings.Compare(a.Principal, b.Principal) })
		}
		want := slices.Clone(whos)
		slices.SortFunc(want, func(a, b Who) int {
			if a.Decision != b.Decision {
				return verdictRank(a.Decision) - verdictRank(b.Decision)
			}
			return strings.Compare(a.Principal, b.Principal)
		})
		var got []Who
		for _, k := range sortedAnswers(whos, direct, ordered) {
			got = append(got, whos[k])
		}
		if !reflect.DeepEqual(got, want) && (len(got) > 0 || len(want) > 0) {
			t.Fatalf("round %d (direct %d of %d):\n got %v\nwant %v", round, direct, n, got, want)
		}
	}
}
