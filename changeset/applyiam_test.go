package changeset

import (
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// iamSnapshot: account 111111111111 with a key open to its account, the
// group readers (member: carol) with the managed policy team, which
// allows nothing on KMS yet.
func iamSnapshot() *snapshot.Snapshot {
	keyPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"kms:*","Resource":"*"}]}`
	return &snapshot.Snapshot{Format: snapshot.Format, Accounts: map[string]*snapshot.Account{"111111111111": {
		IAM: &snapshot.IAM{
			UserDetailList:  []snapshot.UserDetail{{UserName: "carol", Arn: "arn:aws:iam::111111111111:user/carol", GroupList: []string{"readers"}}},
			GroupDetailList: []snapshot.GroupDetail{{GroupName: "readers", Arn: "arn:aws:iam::111111111111:group/readers", AttachedManagedPolicies: []snapshot.AttachedPolicy{{PolicyName: "team", PolicyArn: "arn:aws:iam::111111111111:policy/team"}}}},
			Policies: []snapshot.ManagedPolicyDetail{{
				PolicyName: "team", Arn: "arn:aws:iam::111111111111:policy/team", DefaultVersionID: "v1",
				PolicyVersionList: []snapshot.PolicyVersion{{VersionID: "v1", IsDefaultVersion: true, Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`}},
			}},
		},
		Regions: map[string]*snapshot.Region{"us-east-1": {KMS: &snapshot.KMS{Keys: []snapshot.Key{{
			KeyMetadata: snapshot.KeyMetadata{KeyID: "k1", Arn: "arn:aws:kms:us-east-1:111111111111:key/k1", Enabled: true, KeyState: "Enabled"},
			Policy:      &keyPolicy, Grants: []snapshot.Grant{},
		}}}}},
	}}}
}

const (
	carol = "arn:aws:iam::111111111111:user/carol"
	k1    = "arn:aws:kms:us-east-1:111111111111:key/k1"
)

// A managed policy's new default version reaches the group it is attached
// to and the group's members; the old version stays, not default.
func TestApplyManagedPolicyVersion(t *testing.T) {
	base := iamSnapshot()
	changes, err := Read(strings.NewReader(`changes:
  - kind: identity-policy
    target: arn:aws:iam::111111111111:policy/team
    document: {Version: 2012-10-17, Statement: [{Effect: Allow, Action: "kms:Decrypt", Resource: "*"}]}
`), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out, applied, err := Apply(base, changes)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(applied.Principals, " "); got != "arn:aws:iam::111111111111:group/readers "+carol {
		t.Errorf("principals %s", got)
	}
	if d := decision(t, base, carol, "kms:Decrypt", k1); d != eval.Deny {
		t.Errorf("base: %s", d)
	}
	if d := decision(t, out, carol, "kms:Decrypt", k1); d != eval.Allow {
		t.Errorf("after: %s", d)
	}
	vs := out.Accounts["111111111111"].IAM.Policies[0].PolicyVersionList
	if len(vs) != 2 || vs[0].IsDefaultVersion || !vs[1].IsDefaultVersion || !base.Accounts["111111111111"].IAM.Policies[0].PolicyVersionList[0].IsDefaultVersion {
		t.Errorf("versions %+v", vs)
	}
}

// An inline group policy, a detached managed policy and a user's inline
// policy put by a change file; the single account places names.
func TestApplyInlineAndDetach(t *testing.T) {
	base := iamSnapshot()
	changes, err := Read(strings.NewReader(`{"changes": [
  {"kind": "identity-policy", "target": "group/readers", "op": "remove", "policy_arn": "arn:aws:iam::111111111111:policy/team"},
  {"kind": "identity-policy", "target": "group/readers", "op": "add", "name": "kms", "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}},
  {"kind": "identity-policy", "target": "user/carol", "op": "add", "name": "deny", "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "kms:Encrypt", "Resource": "*"}]}},
  {"kind": "key-policy", "target": "arn:aws:kms:us-east-1:111111111111:key/k2", "op": "add"}
]}`), "c.json")
	if err != nil {
		t.Fatal(err)
	}
	out, applied, err := Apply(base, changes)
	if err != nil {
		t.Fatal(err)
	}
	g := out.Accounts["111111111111"].IAM.GroupDetailList[0]
	if len(g.AttachedManagedPolicies) != 0 || len(g.GroupPolicyList) != 1 {
		t.Errorf("group %+v", g)
	}
	if len(base.Accounts["111111111111"].IAM.GroupDetailList[0].AttachedManagedPolicies) != 1 {
		t.Error("base group changed")
	}
	for action, want := range map[string]eval.Verdict{"kms:Decrypt": eval.Allow, "kms:Encrypt": eval.Deny} {
		if d := decision(t, out, carol, action, k1); d != want {
			t.Errorf("%s: %s, want %s", action, d, want)
		}
	}
	// The new key gets the default key policy: the account's principals
	// with kms:* in IAM can use it.
	if d := decision(t, out, carol, "kms:Decrypt", "arn:aws:kms:us-east-1:111111111111:key/k2"); d != eval.Allow {
		t.Errorf("new key k2: %s", d)
	}
	if !applied.Entries[3].Added || applied.Keys[len(applied.Keys)-1] != "arn:aws:kms:us-east-1:111111111111:key/k2" {
		t.Errorf("entries %+v keys %v", applied.Entries, applied.Keys)
	}
}
