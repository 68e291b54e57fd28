package escalation_test

import (
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/escalation"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// rules is findings as "rule severity resource" lines.
func rules(t *testing.T, g *graph.Graph) []string {
	t.Helper()
	fs, err := escalation.Findings(g, escalation.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range fs {
		if len(f.Evidence) == 0 || f.Title == "" || f.Remedy == "" {
			t.Errorf("finding without evidence, title or remedy: %+v", f)
		}
		out = append(out, f.Rule+" "+f.Severity.String()+" "+short(f.Resource))
	}
	return out
}

func TestFindings(t *testing.T) {
	admins := doc(
		stmt{"Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::111111111111:root"}, "Action": "kms:*", "Resource": "*"},
		stmt{"Effect": "Allow", "Principal": map[string]any{"AWS": role(acctA, "KeyAdmin")}, "Action": []string{"kms:Put*", "kms:Describe*"}, "Resource": "*"},
	)
	grantCond := func(k, v string) stmt {
		return stmt{"Effect": "Allow", "Action": "kms:CreateGrant", "Resource": keyARN, "Condition": map[string]any{"ForAllValues:StringEquals": map[string]any{k: v}}}
	}
	for _, tc := range []struct {
		name  string
		build func(w *world)
		want  []string
	}{
		{"an IAM principal allowed PutKeyPolicy through the root delegation", func(w *world) {
			w.keyPolicy(admins).user(acctA, "alice", doc(allow("kms:PutKeyPolicy", keyARN)))
		}, []string{"escalation-key-policy-rewrite medium k1"}},
		{"the key's named administrator is not reported", func(w *world) {
			w.keyPolicy(admins).role(acctA, "KeyAdmin", trusts("arn:aws:iam::111111111111:root"), doc(allow("kms:PutKeyPolicy", keyARN)))
		}, nil},
		{"CreateGrant with no condition", func(w *world) {
			w.user(acctA, "alice", doc(allow("kms:CreateGrant", keyARN)))
		}, []string{"escalation-unconstrained-grant medium k1"}},
		{"CreateGrant limited to Decrypt still leads to decrypt but is constrained", func(w *world) {
			w.user(acctA, "alice", doc(grantCond("kms:GrantOperations", "Decrypt")))
		}, nil},
		{"CreateGrant limited to grants to itself is constrained", func(w *world) {
			w.user(acctA, "alice", doc(stmt{"Effect": "Allow", "Action": "kms:CreateGrant", "Resource": keyARN, "Condition": map[string]any{"StringEquals": map[string]any{"kms:GranteePrincipal": user(acctA, "alice")}}}))
		}, nil},
		{"CreateGrant behind MFA is unconstrained all the same", func(w *world) {
			w.user(acctA, "alice", doc(stmt{"Effect": "Allow", "Action": "kms:CreateGrant", "Resource": keyARN, "Condition": map[string]any{"Bool": map[string]any{"aws:MultiFactorAuthPresent": "true"}}}))
		}, []string{"escalation-unconstrained-grant medium k1"}},
		{"a role that can decrypt, writable by a user that cannot", func(w *world) {
			w.role(acctA, "Reader", trusts("arn:aws:iam::111111111111:root"), doc(allow("kms:Decrypt", keyARN))).
				user(acctA, "alice", doc(allow("iam:PutRolePolicy", role(acctA, "Reader"))))
		}, []string{"escalation-writable-decrypter medium Reader"}},
		{"a role that can decrypt, writable by a user through its group", func(w *world) {
			w.role(acctA, "Reader", trusts("arn:aws:iam::111111111111:root"), doc(allow("kms:Decrypt", keyARN))).
				user(acctA, "alice").group(acctA, "admins", doc(allow("iam:PutRolePolicy", role(acctA, "Reader"))), user(acctA, "alice"))
		}, []string{"escalation-writable-decrypter medium Reader"}},
		{"a role that can decrypt, writable by a user through a managed policy", func(w *world) {
			w.role(acctA, "Reader", trusts("arn:aws:iam::111111111111:root"), doc(allow("kms:Decrypt", keyARN))).
				managed(acctA, "writer", doc(allow("iam:AttachRolePolicy", role(acctA, "Reader")))).user(acctA, "alice")
			w.editUser(user(acctA, "alice"), func(u *snapshot.UserDetail) {
				u.AttachedManagedPolicies = []snapshot.AttachedPolicy{{PolicyName: "writer", PolicyArn: "arn:aws:iam::111111111111:policy/writer"}}
			})
		}, []string{"escalation-writable-decrypter medium Reader"}},
		{"a writer that can decrypt itself is not reported", func(w *world) {
			w.role(acctA, "Reader", trusts("arn:aws:iam::111111111111:root"), doc(allow("kms:Decrypt", keyARN))).
				user(acctA, "alice", doc(allow("iam:PutRolePolicy", role(acctA, "Reader")), allow("kms:Decrypt", keyARN)))
		}, nil},
		{"a writer in another account cannot write the role", func(w *world) {
			w.role(acctA, "Reader", trusts("arn:aws:iam::111111111111:root"), doc(allow("kms:Decrypt", keyARN))).
				user(acctB, "bob", doc(allow("iam:PutRolePolicy", role(acctA, "Reader"))))
		}, nil},
		{"an SCP denying the write stops the finding", func(w *world) {
			w.role(acctA, "Reader", trusts("arn:aws:iam::111111111111:root"), doc(allow("kms:Decrypt", keyARN))).
				user(acctA, "alice", doc(allow("iam:PutRolePolicy", role(acctA, "Reader")))).scp(doc(deny("iam:PutRolePolicy", "*")))
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld()
			tc.build(w)
			got := rules(t, w.graph(t))
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestReachSeverity(t *testing.T) {
	for _, tc := range []struct {
		r    escalation.Reach
		want graph.Severity
	}{
		{escalation.Reach{Resources: 0, Accounts: 1}, graph.Medium},
		{escalation.Reach{Resources: 1, Accounts: 1}, graph.High},
		{escalation.Reach{Resources: 0, Accounts: 2}, graph.High},
		{escalation.Reach{Resources: 9, Accounts: 2}, graph.High},
		{escalation.Reach{Resources: 10, Accounts: 1}, graph.Critical},
		{escalation.Reach{Resources: 0, Accounts: 3}, graph.Critical},
	} {
		if got := tc.r.Severity(); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.r, got, tc.want)
		}
	}
}

// The demo's escalation path: analytics' Deployer may put policies on every
// role of its account, itself included, and on the roles that decrypt.
func TestFindingsOnDemo(t *testing.T) {
	s, errs, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	g := graph.Build(s, errs)
	got := rules(t, g)
	want := []string{
		"escalation-writable-decrypter critical Batch",
		"escalation-writable-decrypter critical DataEngineer",
		"escalation-writable-decrypter critical SnapshotCopier",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	paths, err := escalation.Paths(g, g.Key(demo.ReportsKeyID).ARN, escalation.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 1 || escalation.Describe(paths[0]) != "PutRolePolicy on "+demo.Deployer+", then Decrypt" {
		t.Errorf("paths to alias/reports: %+v", paths)
	}
}

func TestDescribe(t *testing.T) {
	p := escalation.Path{Steps: []escalation.Step{
		{Kind: "AssumeRole", Action: "sts:AssumeRole", Target: role(acctA, "Admin")},
		{Kind: "PutKeyPolicy", Action: "kms:PutKeyPolicy", Target: keyARN},
		{Action: "kms:Decrypt", Target: keyARN},
	}}
	if got, want := escalation.Describe(p), "AssumeRole on "+role(acctA, "Admin")+", then PutKeyPolicy on the key, then Decrypt"; got != want {
		t.Errorf("Describe: %q, want %q", got, want)
	}
}
