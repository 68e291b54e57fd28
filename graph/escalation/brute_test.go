package escalation_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/escalation"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// The brute-force checks build the graph again after each change a path
// makes and ask plain who-can, as if the calls had been made.

// mixedWorld has one principal for most kinds of step, and some that are
// stopped.
func mixedWorld() *world {
	w := newWorld()
	s3iam := doc(allow("s3:*", "*"), allow("iam:*", "*"))
	w.managed(acctA, "bound", s3iam).managed(acctA, "shared", doc(allow("s3:ListBucket", "*")))
	w.user(acctA, "keyadmin", doc(allow("kms:PutKeyPolicy", keyARN)))
	w.user(acctA, "granter", doc(allow("kms:CreateGrant", "*")))
	w.user(acctA, "selfish", doc(allow("iam:PutUserPolicy", user(acctA, "selfish"))))
	w.user(acctA, "bounded", doc(decA, allow("iam:DeleteUserPermissionsBoundary", user(acctA, "bounded"))))
	w.editUser(user(acctA, "bounded"), func(u *snapshot.UserDetail) {
		u.PermissionsBoundary = &snapshot.AttachedPermissionsBoundary{PermissionsBoundaryArn: "arn:aws:iam::111111111111:policy/bound"}
	})
	w.user(acctA, "versioner", doc(allow("iam:CreatePolicyVersion", "arn:aws:iam::111111111111:policy/*")))
	w.editUser(user(acctA, "versioner"), func(u *snapshot.UserDetail) {
		u.AttachedManagedPolicies = []snapshot.AttachedPolicy{{PolicyName: "shared", PolicyArn: "arn:aws:iam::111111111111:policy/shared"}}
	})
	w.managed(acctA, "layered", doc(allow("s3:ListBucket", "*"))).version(acctA, "layered", "v2", doc(decA))
	w.user(acctA, "defaulter", doc(allow("iam:SetDefaultPolicyVersion", "arn:aws:iam::111111111111:policy/layered")))
	w.editUser(user(acctA, "defaulter"), func(u *snapshot.UserDetail) {
		u.AttachedManagedPolicies = []snapshot.AttachedPolicy{{PolicyName: "layered", PolicyArn: "arn:aws:iam::111111111111:policy/layered"}}
	})
	w.user(acctA, "member", doc(allow("iam:PutGroupPolicy", "*"))).group(acctA, "devs", doc(allow("s3:ListBucket", "*")), user(acctA, "member"))
	w.user(acctA, "dee", doc(decA))
	w.user(acctA, "joiner", doc(allow("iam:AddUserToGroup", "*"))).group(acctA, "keyusers", doc(decA))
	w.user(acctA, "keymaker", doc(allow("iam:CreateAccessKey", "*")))
	w.user(acctA, "trustee", doc(allow("iam:UpdateAssumeRolePolicy", "*")))
	w.role(acctA, "dec", trusts("lambda.amazonaws.com"), doc(decA))
	w.user(acctA, "deployer", doc(allow("lambda:*", "*"), allow("iam:PassRole", "*")))
	w.role(acctA, "taskdec", trusts("ecs-tasks.amazonaws.com"), doc(decA))
	w.user(acctA, "runner", doc(allow("ecs:*", "*"), allow("iam:PassRole", role(acctA, "taskdec"))))
	w.role(acctA, "fndec", trusts("lambda.amazonaws.com"), doc(decA)).function(acctA, "nightly", role(acctA, "fndec"))
	w.user(acctA, "coder", doc(allow("lambda:UpdateFunctionCode", fn(acctA, "nightly")), allow("lambda:InvokeFunction", "*")))
	w.role(acctA, "cfnrole", trusts("cloudformation.amazonaws.com"), doc(allow("iam:PutUserPolicy", user(acctA, "stacker"))))
	w.user(acctA, "stacker", doc(allow("cloudformation:CreateStack", "*"), allow("iam:PassRole", role(acctA, "cfnrole"))))
	w.role(acctA, "builddec", trusts("codebuild.amazonaws.com"), doc(decA))
	w.user(acctA, "builder", doc(allow("codebuild:CreateProject", "*"), allow("iam:PassRole", role(acctA, "builddec"))))
	w.user(acctA, "ops", doc(allow("sts:AssumeRole", "*")))
	w.role(acctA, "opsrole", trusts(user(acctA, "ops")), doc(allow("iam:PutRolePolicy", "*"), allow("sts:AssumeRole", "*")))
	w.role(acctA, "app", trusts(role(acctA, "opsrole")))
	w.user(acctB, "outsider", doc(allow("iam:PutUserPolicy", "*"), allow("kms:PutKeyPolicy", "*")))
	return w
}

// sprinkled is a small generated organization in which some roles and
// users are given escalation permissions, drawn at random (seeded).
func sprinkled(t testing.TB, seed uint64) *snapshot.Snapshot {
	t.Helper()
	s := gen.Organization(gen.Options{Accounts: 3, Regions: 1, RolesPerAccount: 6, KeysPerRegion: 2, Seed: seed})
	sprinkle(s, seed, 3)
	return s
}

// sprinkle gives one role in oneIn (and two new users per account)
// escalation permissions, drawn at random (seeded).
func sprinkle(s *snapshot.Snapshot, seed uint64, oneIn int) {
	rng := rand.New(rand.NewPCG(seed, 15)) //nolint:gosec // G404: repeatable test data
	actions := []string{
		"kms:PutKeyPolicy", "kms:CreateGrant", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutUserPolicy",
		"iam:CreateAccessKey", "iam:UpdateAssumeRolePolicy", "iam:DeleteRolePermissionsBoundary", "iam:PassRole", "lambda:*", "iam:AddUserToGroup",
	}
	for _, id := range slices.Sorted(maps.Keys(s.Accounts)) {
		a := s.Accounts[id]
		if a.IAM == nil {
			continue
		}
		a.IAM.UserDetailList = append(a.IAM.UserDetailList, snapshot.UserDetail{UserName: "u1", Arn: user(id, "u1")}, snapshot.UserDetail{UserName: "u2", Arn: user(id, "u2")})
		a.IAM.GroupDetailList = append(a.IAM.GroupDetailList, snapshot.GroupDetail{
			GroupName: "readers", Arn: "arn:aws:iam::" + id + ":group/readers",
			GroupPolicyList: []snapshot.PolicyDetail{{PolicyName: "read", PolicyDocument: doc(allow("kms:Decrypt", "*"))}},
		})
		for i := range a.IAM.RoleDetailList {
			if rng.IntN(oneIn) != 0 {
				continue
			}
			var stmts []stmt
			for range 1 + rng.IntN(2) {
				res := "*"
				if rng.IntN(2) == 0 {
					res = a.IAM.RoleDetailList[rng.IntN(len(a.IAM.RoleDetailList))].Arn
				}
				stmts = append(stmts, allow(actions[rng.IntN(len(actions))], res))
			}
			a.IAM.RoleDetailList[i].RolePolicyList = append(a.IAM.RoleDetailList[i].RolePolicyList, snapshot.PolicyDetail{PolicyName: "esc", PolicyDocument: doc(stmts...)})
		}
		for i := range a.IAM.UserDetailList {
			act := actions[rng.IntN(len(actions))]
			a.IAM.UserDetailList[i].UserPolicyList = append(a.IAM.UserDetailList[i].UserPolicyList, snapshot.PolicyDetail{PolicyName: "esc", PolicyDocument: doc(allow(act, "*"), allow("sts:AssumeRole", "*"))})
		}
	}
}

func build(t testing.TB, s *snapshot.Snapshot) *graph.Graph {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	c, errs, err := snapshot.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return graph.Build(c, errs)
}

// clone copies a snapshot deeply.
func clone(t testing.TB, s *snapshot.Snapshot) *snapshot.Snapshot {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var c snapshot.Snapshot
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

// apply makes a step's change to s, as the call would; steps that change
// no policy (AssumeRole, credentials, compute) change nothing.
func apply(t testing.TB, s *snapshot.Snapshot, key *graph.Key, st escalation.Step, action string) {
	t.Helper()
	op := strings.TrimPrefix(action, "kms:")
	grant := doc(allow(action, key.ARN))
	for id, a := range s.Accounts {
		if a.IAM == nil {
			continue
		}
		for i := range a.IAM.UserDetailList {
			u := &a.IAM.UserDetailList[i]
			if st.Kind == "AddUserToGroup" && u.Arn == st.Widens {
				for _, g := range a.IAM.GroupDetailList {
					if g.Arn == st.Target {
						u.GroupList = append(u.GroupList, g.GroupName)
					}
				}
			}
			if u.Arn != st.Target {
				continue
			}
			switch st.Kind {
			case "PutUserPolicy", "AttachUserPolicy":
				u.UserPolicyList = append(u.UserPolicyList, snapshot.PolicyDetail{PolicyName: "escalated", PolicyDocument: grant})
			case "DeleteUserPermissionsBoundary", "PutUserPermissionsBoundary":
				u.PermissionsBoundary = nil
			}
		}
		for i := range a.IAM.RoleDetailList {
			r := &a.IAM.RoleDetailList[i]
			if r.Arn != st.Target {
				continue
			}
			switch st.Kind {
			case "PutRolePolicy", "AttachRolePolicy":
				r.RolePolicyList = append(r.RolePolicyList, snapshot.PolicyDetail{PolicyName: "escalated", PolicyDocument: grant})
			case "DeleteRolePermissionsBoundary", "PutRolePermissionsBoundary":
				r.PermissionsBoundary = nil
			case "UpdateAssumeRolePolicy":
				r.AssumeRolePolicyDocument = trusts(st.Principal)
			}
		}
		for i := range a.IAM.GroupDetailList {
			if g := &a.IAM.GroupDetailList[i]; g.Arn == st.Target && (st.Kind == "PutGroupPolicy" || st.Kind == "AttachGroupPolicy") {
				g.GroupPolicyList = append(g.GroupPolicyList, snapshot.PolicyDetail{PolicyName: "escalated", PolicyDocument: grant})
			}
		}
		for i := range a.IAM.Policies {
			if mp := &a.IAM.Policies[i]; mp.Arn == st.Target && st.Kind == "SetDefaultPolicyVersion" {
				for j := range mp.PolicyVersionList {
					v := &mp.PolicyVersionList[j]
					v.IsDefaultVersion = v.VersionID == st.Version
				}
				mp.DefaultVersionID = st.Version
			}
			if mp := &a.IAM.Policies[i]; mp.Arn == st.Target && st.Kind == "CreatePolicyVersion" {
				// The new default version keeps the old statements and adds one.
				var d struct{ Statement json.RawMessage }
				old, _ := mp.DefaultDocument()
				if err := json.Unmarshal([]byte(old), &d); err != nil {
					t.Fatal(err)
				}
				stmts := []json.RawMessage{}
				if err := json.Unmarshal(d.Statement, &stmts); err != nil {
					stmts = []json.RawMessage{d.Statement}
				}
				add, _ := json.Marshal(allow(action, key.ARN))
				b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": append(stmts, add)})
				mp.PolicyVersionList = []snapshot.PolicyVersion{{Document: string(b), VersionID: "v9", IsDefaultVersion: true}}
				mp.DefaultVersionID = "v9"
			}
		}
		if id != key.Account {
			continue
		}
		for _, r := range a.Regions {
			if r.KMS == nil {
				continue
			}
			for i := range r.KMS.Keys {
				k := &r.KMS.Keys[i]
				if k.KeyMetadata.Arn != key.ARN || st.Target != key.ARN {
					continue
				}
				switch st.Kind {
				case "PutKeyPolicy":
					p := doc(stmt{"Effect": "Allow", "Principal": map[string]any{"AWS": st.Principal}, "Action": "kms:*", "Resource": "*"})
					k.Policy = &p
				case "CreateGrant":
					k.Grants = append(k.Grants, snapshot.Grant{GrantID: "escalated", GranteePrincipal: st.Principal, Operations: []string{op}})
				}
			}
		}
	}
}

// listed returns who-can's principals for the action on the key, with
// their decisions.
func listed(t testing.TB, g *graph.Graph, key, action string) map[string]eval.Verdict {
	t.Helper()
	who, err := g.WhoCan(action, key, "", graph.DefaultChainDepth)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]eval.Verdict{}
	for _, w := range who {
		out[w.Principal] = w.Decision
	}
	return out
}

type bruteCase struct {
	name string
	s    *snapshot.Snapshot
}

func bruteCases(t *testing.T) []bruteCase {
	cases := []bruteCase{{"mixed", mixedWorld().s}}
	for seed := range uint64(6) {
		cases = append(cases, bruteCase{fmt.Sprintf("generated-%d", seed), sprinkled(t, seed+1)})
	}
	return cases
}

// Soundness: after the changes of a path's steps, plain who-can lists the
// principal that makes the last call, and, when the other steps are role
// assumptions, the path's principal itself.
func TestPathsAreSound(t *testing.T) {
	const action = "kms:Decrypt"
	effects := map[string]escalation.Effect{}
	for _, k := range escalation.Kinds() {
		effects[k.Name] = k.Effect
	}
	checked := 0
	for _, bc := range bruteCases(t) {
		t.Run(bc.name, func(t *testing.T) {
			g := build(t, bc.s)
			for _, key := range g.Keys() {
				if key.Manager() == eval.KeyManagerAWS {
					continue
				}
				paths, err := escalation.Paths(g, key.ARN, escalation.Options{})
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range paths {
					s := clone(t, bc.s)
					chain := true
					for _, st := range p.Steps[:len(p.Steps)-1] {
						apply(t, s, key, st, action)
						switch effects[st.Kind] {
						case escalation.EffectCredentials, escalation.EffectCompute, escalation.EffectFunction:
							chain = false
						}
					}
					after := listed(t, build(t, s), key.ARN, action)
					last := p.Steps[len(p.Steps)-1].Principal
					if v, ok := after[last]; !ok || v == eval.Deny {
						t.Errorf("%s: %s: after the changes, who-can does not list %s", key.ARN, describe(p), last)
					}
					if v, ok := after[p.Principal]; chain && (!ok || v == eval.Deny) {
						t.Errorf("%s: %s: after the changes, who-can does not list %s", key.ARN, describe(p), p.Principal)
					}
					checked++
				}
			}
		})
	}
	if checked < 20 {
		t.Errorf("only %d paths checked: the fixtures no longer exercise the search", checked)
	}
}
