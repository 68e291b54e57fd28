package escalation_test

import (
	"testing"

	"github.com/keyhound/keyhound/graph/escalation"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// kindWorld builds, for a row of the table, an organization where alice
// (who cannot decrypt) can use that kind of step, and only it, to reach
// the key.
func kindWorld(k escalation.Kind) *world {
	w := newWorld()
	boundary := "arn:aws:iam::111111111111:policy/s3iam"
	w.managed(acctA, "s3iam", doc(allow("s3:*", "*"), allow("iam:*", "*")))
	app := role(acctA, "app")
	grants := []stmt{}
	for _, a := range k.Actions {
		grants = append(grants, allow(a, "*"))
	}
	switch {
	case k.Target == escalation.TargetKey:
		w.user(acctA, "alice", doc(grants...))
	case k.Effect == escalation.EffectAssume:
		w.user(acctA, "alice", doc(grants...)).role(acctA, "keyadmin", trusts(alice), doc(allow("kms:PutKeyPolicy", "*")))
	case k.Effect == escalation.EffectTrust:
		w.user(acctA, "alice", doc(grants...)).role(acctA, "dec", trusts("lambda.amazonaws.com"), doc(decA))
	case k.Effect == escalation.EffectCredentials:
		w.user(acctA, "alice", doc(grants...)).user(acctA, "dee", doc(decA))
	case k.Effect == escalation.EffectCompute:
		w.user(acctA, "alice", doc(grants...)).role(acctA, "worker", trusts(k.Service), doc(decA))
		w.editRole(role(acctA, "worker"), func(r *snapshot.RoleDetail) {
			r.InstanceProfileList = []snapshot.InstanceProfile{{InstanceProfileName: "worker", Arn: "arn:aws:iam::111111111111:instance-profile/worker"}}
		})
	case k.Effect == escalation.EffectStack:
		// The stack, as the role, puts an inline policy on alice.
		w.user(acctA, "alice", doc(grants...)).role(acctA, "deployer", trusts(k.Service), doc(allow("iam:PutUserPolicy", alice)))
	case k.Effect == escalation.EffectFunction:
		w.user(acctA, "alice", doc(grants...)).role(acctA, "worker", trusts("lambda.amazonaws.com"), doc(decA)).function(acctA, "nightly", role(acctA, "worker"))
	case k.Effect == escalation.EffectGroup:
		w.user(acctA, "alice", doc(grants...)).group(acctA, "keyusers", doc(decA))
	case k.Target == escalation.TargetGroup:
		w.user(acctA, "alice", doc(grants...)).group(acctA, "devs", doc(allow("s3:ListBucket", "*")), alice)
	case k.Effect == escalation.EffectVersion:
		w.managed(acctA, "mine", doc(allow("s3:ListBucket", "*"))).version(acctA, "mine", "v2", doc(decA)).user(acctA, "alice", doc(grants...))
		w.editUser(alice, func(u *snapshot.UserDetail) {
			u.AttachedManagedPolicies = []snapshot.AttachedPolicy{{PolicyName: "mine", PolicyArn: "arn:aws:iam::111111111111:policy/mine"}}
		})
	case k.Target == escalation.TargetPolicy:
		w.managed(acctA, "mine", doc(allow("s3:ListBucket", "*"))).user(acctA, "alice", doc(grants...))
		w.editUser(alice, func(u *snapshot.UserDetail) {
			u.AttachedManagedPolicies = []snapshot.AttachedPolicy{{PolicyName: "mine", PolicyArn: "arn:aws:iam::111111111111:policy/mine"}}
		})
	case k.Target == escalation.TargetUser && k.Effect == escalation.EffectNoBoundary:
		w.user(acctA, "alice", doc(append(grants, decA)...))
		w.editUser(alice, func(u *snapshot.UserDetail) {
			u.PermissionsBoundary = &snapshot.AttachedPermissionsBoundary{PermissionsBoundaryArn: boundary}
		})
	case k.Target == escalation.TargetUser:
		w.user(acctA, "alice", doc(grants...))
	case k.Target == escalation.TargetRole && k.Effect == escalation.EffectNoBoundary:
		w.user(acctA, "alice", doc(grants...)).role(acctA, "app", trusts(alice), doc(decA))
		w.editRole(app, func(r *snapshot.RoleDetail) {
			r.PermissionsBoundary = &snapshot.AttachedPermissionsBoundary{PermissionsBoundaryArn: boundary}
		})
	case k.Target == escalation.TargetRole:
		w.user(acctA, "alice", doc(grants...)).role(acctA, "app", trusts(alice))
	}
	return w
}

// Every row of the table, generically: a world where it leads to the key
// (the path uses it), and the same world with an SCP denying its first
// action, where nothing does.
func TestEveryKindLeadsAndAnSCPStopsIt(t *testing.T) {
	for _, k := range escalation.Kinds() {
		t.Run(k.Name, func(t *testing.T) {
			for _, denied := range []bool{false, true} {
				w := kindWorld(k)
				if denied {
					w.scp(doc(deny(k.Actions[0], "*")))
				}
				paths, err := escalation.Paths(w.graph(t), keyARN, escalation.Options{})
				if err != nil {
					t.Fatal(err)
				}
				p := find(paths, alice)
				if denied {
					if p != nil {
						t.Errorf("an SCP denies %s, yet %s", k.Actions[0], describe(*p))
					}
					continue
				}
				if p == nil {
					t.Fatalf("no path for alice")
				}
				uses := false
				for _, s := range p.Steps {
					uses = uses || s.Kind == k.Name
				}
				if !uses || p.Decision != eval.Allow {
					t.Errorf("got %s (%s), want a path through %s", describe(*p), p.Decision, k.Name)
				}
			}
		})
	}
}

// Every compute step, beyond an SCP: each of what it needs, taken away,
// stops it — iam:PassRole allowed only to another service, a role that
// trusts another service, a permissions boundary without the create call,
// and the call that makes the code run.
func TestEveryComputeKindIsStopped(t *testing.T) {
	worker := role(acctA, "worker")
	other := "states.amazonaws.com"
	for _, k := range escalation.Kinds() {
		if k.Effect != escalation.EffectCompute {
			continue
		}
		t.Run(k.Name, func(t *testing.T) {
			grants := func(skip string) []stmt {
				var out []stmt
				for _, a := range k.Actions {
					if a != skip && a != "iam:PassRole" {
						out = append(out, allow(a, "*"))
					}
				}
				return out
			}
			passTo := func(service string) stmt {
				s := allow("iam:PassRole", worker)
				s["Condition"] = map[string]any{"StringEquals": map[string]any{"iam:PassedToService": service}}
				return s
			}
			build := func(policy, trust string) *world {
				w := newWorld().user(acctA, "alice", policy).role(acctA, "worker", trust, doc(decA))
				w.editRole(worker, func(r *snapshot.RoleDetail) {
					r.InstanceProfileList = []snapshot.InstanceProfile{{InstanceProfileName: "worker", Arn: "arn:aws:iam::111111111111:instance-profile/worker"}}
				})
				return w
			}
			cases := []struct {
				name  string
				w     *world
				leads bool
			}{
				{"PassRole to the service", build(doc(append(grants(""), passTo(k.Service))...), trusts(k.Service)), true},
				{"PassRole to another service", build(doc(append(grants(""), passTo(other))...), trusts(k.Service)), false},
				{"role trusts another service", build(doc(append(grants(""), passTo(k.Service))...), trusts(other)), false},
				{"boundary without the create call", build(doc(append(grants(""), passTo(k.Service))...), trusts(k.Service)).
					managed(acctA, "nocreate", doc(allow("iam:*", "*"), allow("sts:*", "*"))).
					editUser(alice, func(u *snapshot.UserDetail) {
						u.PermissionsBoundary = &snapshot.AttachedPermissionsBoundary{PermissionsBoundaryArn: "arn:aws:iam::111111111111:policy/nocreate"}
					}), false},
			}
			if len(k.Actions) > 2 {
				run := k.Actions[len(k.Actions)-1]
				cases = append(cases, struct {
					name  string
					w     *world
					leads bool
				}{"without " + run, build(doc(append(grants(run), passTo(k.Service))...), trusts(k.Service)), false})
			}
			for _, c := range cases {
				paths, err := escalation.Paths(c.w.graph(t), keyARN, escalation.Options{})
				if err != nil {
					t.Fatal(err)
				}
				p := find(paths, alice)
				switch {
				case c.leads && (p == nil || p.Steps[0].Kind != k.Name || p.Decision != eval.Allow):
					t.Errorf("%s: want a path through %s, got %v", c.name, k.Name, p)
				case !c.leads && p != nil:
					t.Errorf("%s: want no path, got %s", c.name, describe(*p))
				}
			}
		})
	}
}

// SetDefaultPolicyVersion makes an existing version the default, as it is:
// the path names the version that allows the action (through a group, on
// a role the writer then assumes), and no path is made when no version
// does (unlike CreatePolicyVersion, the caller writes no policy), when the
// writer may set the default of another policy only, or when the widened
// principal's boundary stops the action.
func TestSetDefaultPolicyVersion(t *testing.T) {
	mine := "arn:aws:iam::111111111111:policy/mine"
	attach := func(w *world, p string) *world {
		return w.editUser(p, func(u *snapshot.UserDetail) {
			u.AttachedManagedPolicies = append(u.AttachedManagedPolicies, snapshot.AttachedPolicy{PolicyName: "mine", PolicyArn: mine})
		})
	}
	versions := func(w *world, v3 string) *world {
		return w.managed(acctA, "mine", doc(allow("s3:ListBucket", "*"))).
			version(acctA, "mine", "v2", doc(allow("s3:*", "*"))).version(acctA, "mine", "v3", v3)
	}
	setDefault := allow("iam:SetDefaultPolicyVersion", mine)
	app := role(acctA, "app")
	cases := []struct {
		name   string
		w      *world
		want   string // the path's description; "" for none
		widens string
	}{
		{
			"on its own policy", attach(versions(newWorld(), doc(decA)).user(acctA, "alice", doc(setDefault)), alice),
			"SetDefaultPolicyVersion v3 on " + mine + ", then Decrypt", alice,
		},
		{
			"on a role's policy, then AssumeRole",
			versions(newWorld(), doc(decA)).user(acctA, "alice", doc(setDefault, allow("sts:AssumeRole", "*"))).role(acctA, "app", trusts(alice)).
				editRole(app, func(r *snapshot.RoleDetail) {
					r.AttachedManagedPolicies = []snapshot.AttachedPolicy{{PolicyName: "mine", PolicyArn: mine}}
				}),
			"SetDefaultPolicyVersion v3 on " + mine + ", then AssumeRole on " + app + ", then Decrypt", app,
		},
		{
			"through a group", func() *world {
				w := versions(newWorld(), doc(decA)).user(acctA, "alice", doc(setDefault)).group(acctA, "devs", doc(allow("s3:ListBucket", "*")), alice)
				g := &w.s.Accounts[acctA].IAM.GroupDetailList[0]
				g.AttachedManagedPolicies = []snapshot.AttachedPolicy{{PolicyName: "mine", PolicyArn: mine}}
				return w
			}(),
			"SetDefaultPolicyVersion v3 on " + mine + ", then Decrypt", alice,
		},
		{"no version allows it", attach(versions(newWorld(), doc(allow("sqs:*", "*"))).user(acctA, "alice", doc(setDefault)), alice), "", ""},
		{
			"allowed on another policy only",
			attach(versions(newWorld(), doc(decA)).user(acctA, "alice", doc(allow("iam:SetDefaultPolicyVersion", "arn:aws:iam::111111111111:policy/other"))), alice), "", "",
		},
		{
			"a boundary without kms",
			attach(versions(newWorld(), doc(decA)).managed(acctA, "iamonly", doc(allow("iam:*", "*"))).user(acctA, "alice", doc(setDefault)), alice).
				editUser(alice, func(u *snapshot.UserDetail) {
					u.PermissionsBoundary = &snapshot.AttachedPermissionsBoundary{PermissionsBoundaryArn: "arn:aws:iam::111111111111:policy/iamonly"}
				}), "", "",
		},
		{
			"a condition on the call",
			attach(versions(newWorld(), doc(decA)).user(acctA, "alice", doc(stmt{
				"Effect": "Allow", "Action": "iam:SetDefaultPolicyVersion", "Resource": mine,
				"Condition": map[string]any{"Bool": map[string]any{"aws:PrincipalIsAWSService": "true"}},
			})), alice), "", "",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			paths, err := escalation.Paths(c.w.graph(t), keyARN, escalation.Options{})
			if err != nil {
				t.Fatal(err)
			}
			p := find(paths, alice)
			if c.want == "" {
				if p != nil {
					t.Fatalf("want no path, got %s", escalation.Describe(*p))
				}
				return
			}
			if p == nil {
				t.Fatal("no path for alice")
			}
			if got := escalation.Describe(*p); got != c.want || p.Decision != eval.Allow {
				t.Errorf("got %s (%s), want %s (ALLOW)", got, p.Decision, c.want)
			}
			if s := p.Steps[0]; s.Version != "v3" || s.Widens != c.widens {
				t.Errorf("first step sets %q widening %s, want v3 widening %s", s.Version, s.Widens, c.widens)
			}
		})
	}
}

// UpdateFunctionCode runs the caller's code as an existing function's
// role: it needs the function to be the snapshot's, the call allowed on
// that function, lambda:InvokeFunction on it, a role Lambda may still
// assume, and a caller of the function's account.
func TestUpdateFunctionCode(t *testing.T) {
	nightly := fn(acctA, "nightly")
	worker := role(acctA, "worker")
	build := func(alicePolicy, trust string) *world {
		return newWorld().user(acctA, "alice", alicePolicy).role(acctA, "worker", trust, doc(decA)).function(acctA, "nightly", worker)
	}
	both := doc(allow("lambda:UpdateFunctionCode", nightly), allow("lambda:InvokeFunction", nightly))
	cases := []struct {
		name   string
		w      *world
		caller string
		want   string // "" for none
	}{
		{"leads", build(both, trusts("lambda.amazonaws.com")), alice, "UpdateFunctionCode on " + nightly + ", then Decrypt"},
		{"without InvokeFunction", build(doc(allow("lambda:UpdateFunctionCode", nightly)), trusts("lambda.amazonaws.com")), alice, ""},
		{"on another function only", build(doc(allow("lambda:*", fn(acctA, "other"))), trusts("lambda.amazonaws.com")), alice, ""},
		{"a role Lambda may not assume", build(both, trusts("ecs-tasks.amazonaws.com")), alice, ""},
		{"no function runs as it", newWorld().user(acctA, "alice", both).role(acctA, "worker", trusts("lambda.amazonaws.com"), doc(decA)), alice, ""},
		{
			"a condition on the call",
			build(doc(stmt{
				"Effect": "Allow", "Action": []string{"lambda:UpdateFunctionCode", "lambda:InvokeFunction"}, "Resource": nightly,
				"Condition": map[string]any{"StringEquals": map[string]any{"aws:PrincipalAccount": acctB}},
			}), trusts("lambda.amazonaws.com")), alice, "",
		},
		{"a caller of another account", build(doc(allow("s3:ListBucket", "*")), trusts("lambda.amazonaws.com")).user(acctB, "bob", doc(allow("lambda:*", "*"))), user(acctB, "bob"), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			paths, err := escalation.Paths(c.w.graph(t), keyARN, escalation.Options{})
			if err != nil {
				t.Fatal(err)
			}
			p := find(paths, c.caller)
			switch {
			case c.want == "" && p != nil:
				t.Errorf("want no path, got %s", escalation.Describe(*p))
			case c.want != "" && p == nil:
				t.Error("no path")
			case c.want != "" && (escalation.Describe(*p) != c.want || p.Decision != eval.Allow):
				t.Errorf("got %s (%s), want %s (ALLOW)", escalation.Describe(*p), p.Decision, c.want)
			}
		})
	}
}

// CreateStack has the stack's role put an inline policy on a principal the
// caller then acts as, and nothing more: a role that can decrypt itself is
// no way in, nor is one whose write is not an inline policy, or is stopped
// by its boundary; iam:PassRole must name CloudFormation, and the role
// trust it.
func TestCreateStack(t *testing.T) {
	cfn := "cloudformation.amazonaws.com"
	deployer := role(acctA, "deployer")
	pass := func(service string) stmt {
		s := allow("iam:PassRole", deployer)
		s["Condition"] = map[string]any{"StringEquals": map[string]any{"iam:PassedToService": service}}
		return s
	}
	caller := doc(allow("cloudformation:CreateStack", "*"), pass(cfn), allow("sts:AssumeRole", "*"))
	build := func(callerPolicy, trust string, rolePolicy stmt) *world {
		return newWorld().user(acctA, "alice", callerPolicy).role(acctA, "deployer", trust, doc(rolePolicy))
	}
	cases := []struct {
		name string
		w    *world
		want string // "" for none
	}{
		{"on the caller", build(caller, trusts(cfn), allow("iam:PutUserPolicy", alice)), "CreateStack on " + deployer + ", then PutUserPolicy on " + alice + ", then Decrypt"},
		{
			"on a role the caller assumes", build(caller, trusts(cfn), allow("iam:PutRolePolicy", role(acctA, "app"))).role(acctA, "app", trusts(alice)),
			"CreateStack on " + deployer + ", then PutRolePolicy on " + role(acctA, "app") + ", then AssumeRole on " + role(acctA, "app") + ", then Decrypt",
		},
		{"a role that can decrypt", build(caller, trusts(cfn), decA), ""},
		{"a write that is not an inline policy", build(caller, trusts(cfn), allow("iam:AttachUserPolicy", alice)), ""},
		{"on another user only", build(caller, trusts(cfn), allow("iam:PutUserPolicy", user(acctA, "bob"))), ""},
		{"PassRole to another service", build(doc(allow("cloudformation:CreateStack", "*"), pass("lambda.amazonaws.com")), trusts(cfn), allow("iam:PutUserPolicy", alice)), ""},
		{"a role CloudFormation may not assume", build(caller, trusts("lambda.amazonaws.com"), allow("iam:PutUserPolicy", alice)), ""},
		{
			"the role's boundary", build(caller, trusts(cfn), allow("iam:PutUserPolicy", alice)).managed(acctA, "s3only", doc(allow("s3:*", "*"))).
				editRole(deployer, func(r *snapshot.RoleDetail) {
					r.PermissionsBoundary = &snapshot.AttachedPermissionsBoundary{PermissionsBoundaryArn: "arn:aws:iam::111111111111:policy/s3only"}
				}), "",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			paths, err := escalation.Paths(c.w.graph(t), keyARN, escalation.Options{})
			if err != nil {
				t.Fatal(err)
			}
			p := find(paths, alice)
			switch {
			case c.want == "" && p != nil:
				t.Errorf("want no path, got %s", escalation.Describe(*p))
			case c.want != "" && p == nil:
				t.Error("no path")
			case c.want != "" && (escalation.Describe(*p) != c.want || p.Decision != eval.Allow):
				t.Errorf("got %s (%s), want %s (ALLOW)", escalation.Describe(*p), p.Decision, c.want)
			}
		})
	}
}

// Every row of the table again, with alice's permissions not in her own
// inline policy but in a group she is in, or in a customer managed policy
// attached to her: the search's candidates (graph.Capable, the cheap
// filters) read every identity policy of a principal, so the path is
// still found.
func TestEveryKindThroughAGroupOrAManagedPolicy(t *testing.T) {
	for _, k := range escalation.Kinds() {
		for _, via := range []string{"group", "managed"} {
			t.Run(k.Name+"/"+via, func(t *testing.T) {
				w := kindWorld(k)
				var perms string
				w.editUser(alice, func(u *snapshot.UserDetail) {
					if len(u.UserPolicyList) != 1 {
						t.Fatalf("alice has %d inline policies, want 1", len(u.UserPolicyList))
					}
					perms, u.UserPolicyList = u.UserPolicyList[0].PolicyDocument, nil
				})
				if via == "group" {
					w.group(acctA, "perms", perms, alice)
				} else {
					w.managed(acctA, "perms", perms)
					w.editUser(alice, func(u *snapshot.UserDetail) {
						u.AttachedManagedPolicies = append(u.AttachedManagedPolicies, snapshot.AttachedPolicy{PolicyName: "perms", PolicyArn: "arn:aws:iam::111111111111:policy/perms"})
					})
				}
				paths, err := escalation.Paths(w.graph(t), keyARN, escalation.Options{})
				if err != nil {
					t.Fatal(err)
				}
				p := find(paths, alice)
				if p == nil {
					t.Fatalf("no path for alice")
				}
				uses := false
				for _, s := range p.Steps {
					uses = uses || s.Kind == k.Name
				}
				if !uses || p.Decision != eval.Allow {
					t.Errorf("got %s (%s), want a path through %s", describe(*p), p.Decision, k.Name)
				}
			})
		}
	}
}
