package escalation_test

import (
	"encoding/json"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// A small organization built per test: account A (111111111111) holds the
// key, whose policy delegates to A's account principal unless a test says
// otherwise; account B (222222222222) is a member too. Every account's SCPs
// are FullAWSAccess plus what a test adds at the root.

const (
	acctA  = "111111111111"
	acctB  = "222222222222"
	keyARN = "arn:aws:kms:us-east-1:111111111111:key/k1"
	region = "us-east-1"
)

func user(acct, name string) string { return "arn:aws:iam::" + acct + ":user/" + name }
func role(acct, name string) string { return "arn:aws:iam::" + acct + ":role/" + name }

// stmt is one policy statement.
type stmt map[string]any

func doc(stmts ...stmt) string {
	b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": stmts})
	if err != nil {
		panic(err)
	}
	return string(b)
}

func allow(action, resource string) stmt {
	return stmt{"Effect": "Allow", "Action": action, "Resource": resource}
}

func deny(action, resource string) stmt {
	return stmt{"Effect": "Deny", "Action": action, "Resource": resource}
}

// trusts is a trust policy naming principals (ARNs, accounts) or a service.
func trusts(principal string) string {
	key := "AWS"
	if len(principal) > 14 && principal[len(principal)-14:] == ".amazonaws.com" {
		key = "Service"
	}
	return doc(stmt{"Effect": "Allow", "Principal": map[string]any{key: principal}, "Action": "sts:AssumeRole"})
}

// delegating is the default key policy: the key's account delegates to IAM.
var delegating = doc(stmt{"Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::111111111111:root"}, "Action": "kms:*", "Resource": "*"})

type world struct {
	s *snapshot.Snapshot
}

func newWorld() *world {
	s := &snapshot.Snapshot{Format: snapshot.Format, Partition: "aws", Accounts: map[string]*snapshot.Account{}}
	s.Organization = &snapshot.Organization{
		Organization: &snapshot.OrganizationInfo{ID: "o-test", MasterAccountID: "999999999999", FeatureSet: "ALL"},
		Roots:        []snapshot.Root{{ID: "r-1", PolicyTypes: []snapshot.PolicyTypeSummary{{Type: snapshot.PolicyTypeSCP, Status: "ENABLED"}}}},
		Accounts:     []snapshot.OrgAccount{{ID: acctA, ParentID: "r-1"}, {ID: acctB, ParentID: "r-1"}, {ID: "999999999999", ParentID: "r-1"}},
		Policies: []snapshot.OrgPolicy{{
			PolicySummary: snapshot.PolicySummary{ID: "p-full", Name: "FullAWSAccess", Type: snapshot.PolicyTypeSCP, AwsManaged: true},
			Content:       doc(allow("*", "*")), Targets: []snapshot.PolicyTarget{{TargetID: "r-1", Type: "ROOT"}},
		}},
	}
	for _, a := range []string{acctA, acctB} {
		s.Accounts[a] = &snapshot.Account{IAM: &snapshot.IAM{}, Regions: map[string]*snapshot.Region{region: {KMS: &snapshot.KMS{Keys: []snapshot.Key{}}}}}
	}
	w := &world{s: s}
	w.keyPolicy(delegating)
	return w
}

// keyPolicy sets the key's policy (creating the key).
func (w *world) keyPolicy(p string) *world {
	kms := w.s.Accounts[acctA].Regions[region].KMS
	kms.Keys = []snapshot.Key{{
		KeyMetadata: snapshot.KeyMetadata{KeyID: "k1", Arn: keyARN, Enabled: true, KeyState: "Enabled", KeyManager: "CUSTOMER"},
		Policy:      &p, Grants: []snapshot.Grant{},
	}}
	return w
}

// scp adds an SCP at the organization's root.
func (w *world) scp(content string) *world {
	o := w.s.Organization
	o.Policies = append(o.Policies, snapshot.OrgPolicy{
		PolicySummary: snapshot.PolicySummary{ID: "p-x" + string(rune('a'+len(o.Policies))), Name: "test", Type: snapshot.PolicyTypeSCP},
		Content:       content, Targets: []snapshot.PolicyTarget{{TargetID: "r-1", Type: "ROOT"}},
	})
	return w
}

// user adds a user with inline policies.
func (w *world) user(acct, name string, policies ...string) *world {
	iam := w.s.Accounts[acct].IAM
	u := snapshot.UserDetail{UserName: name, Arn: user(acct, name), UserID: "AIDA" + name}
	for i, p := range policies {
		u.UserPolicyList = append(u.UserPolicyList, snapshot.PolicyDetail{PolicyName: name + string(rune('0'+i)), PolicyDocument: p})
	}
	iam.UserDetailList = append(iam.UserDetailList, u)
	return w
}

// role adds a role with a trust policy and inline policies.
func (w *world) role(acct, name, trust string, policies ...string) *world {
	iam := w.s.Accounts[acct].IAM
	r := snapshot.RoleDetail{RoleName: name, Arn: role(acct, name), RoleID: "AROA" + name, AssumeRolePolicyDocument: trust}
	for i, p := range policies {
		r.RolePolicyList = append(r.RolePolicyList, snapshot.PolicyDetail{PolicyName: name + string(rune('0'+i)), PolicyDocument: p})
	}
	iam.RoleDetailList = append(iam.RoleDetailList, r)
	return w
}

// managed adds a customer managed policy to an account.
func (w *world) managed(acct, name, content string) *world {
	iam := w.s.Accounts[acct].IAM
	iam.Policies = append(iam.Policies, snapshot.ManagedPolicyDetail{
		PolicyName: name, Arn: "arn:aws:iam::" + acct + ":policy/" + name, DefaultVersionID: "v1",
		PolicyVersionList: []snapshot.PolicyVersion{{Document: content, VersionID: "v1", IsDefaultVersion: true}},
	})
	return w
}

// version adds a non-default version to a customer managed policy.
func (w *world) version(acct, name, id, content string) *world {
	iam := w.s.Accounts[acct].IAM
	for i := range iam.Policies {
		if mp := &iam.Policies[i]; mp.PolicyName == name {
			mp.PolicyVersionList = append(mp.PolicyVersionList, snapshot.PolicyVersion{Document: content, VersionID: id})
		}
	}
	return w
}

// function adds a Lambda function running as role, in the key's Region.
func (w *world) function(acct, name, role string) *world {
	r := w.s.Accounts[acct].Regions[region]
	if r.Lambda == nil {
		r.Lambda = &snapshot.Lambda{}
	}
	r.Lambda.Functions = append(r.Lambda.Functions, snapshot.Function{FunctionName: name, FunctionArn: fn(acct, name), Role: role})
	return w
}

func fn(acct, name string) string {
	return "arn:aws:lambda:" + region + ":" + acct + ":function:" + name
}

// edit changes the last user or role added, or any by ARN.
func (w *world) editUser(arn string, f func(*snapshot.UserDetail)) *world {
	for _, a := range w.s.Accounts {
		for i := range a.IAM.UserDetailList {
			if a.IAM.UserDetailList[i].Arn == arn {
				f(&a.IAM.UserDetailList[i])
			}
		}
	}
	return w
}

func (w *world) editRole(arn string, f func(*snapshot.RoleDetail)) *world {
	for _, a := range w.s.Accounts {
		for i := range a.IAM.RoleDetailList {
			if a.IAM.RoleDetailList[i].Arn == arn {
				f(&a.IAM.RoleDetailList[i])
			}
		}
	}
	return w
}

// group adds a group with inline policies and members.
func (w *world) group(acct, name, content string, members ...string) *world {
	iam := w.s.Accounts[acct].IAM
	iam.GroupDetailList = append(iam.GroupDetailList, snapshot.GroupDetail{
		GroupName: name, Arn: "arn:aws:iam::" + acct + ":group/" + name,
		GroupPolicyList: []snapshot.PolicyDetail{{PolicyName: name, PolicyDocument: content}},
	})
	for _, m := range members {
		w.editUser(m, func(u *snapshot.UserDetail) { u.GroupList = append(u.GroupList, name) })
	}
	return w
}

func (w *world) graph(t testing.TB) *graph.Graph {
	t.Helper()
	// Through JSON, as a snapshot file would be: the test's snapshot stays
	// the test's to change.
	b, err := json.Marshal(w.s)
	if err != nil {
		t.Fatal(err)
	}
	s, errs, err := snapshot.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	g := graph.Build(s, errs)
	if len(g.Issues) > 0 {
		t.Fatalf("test snapshot has issues: %v", g.Issues)
	}
	return g
}
