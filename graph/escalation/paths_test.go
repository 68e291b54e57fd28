package escalation_test

import (
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/escalation"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// describe is a path as "Kind@target > … > kms:Decrypt".
func describe(p escalation.Path) string {
	var parts []string
	for _, s := range p.Steps {
		name := s.Kind
		if name == "" {
			name = s.Action
		}
		parts = append(parts, name+"@"+short(s.Target))
	}
	return strings.Join(parts, " > ")
}

// short is an ARN's last segment.
func short(arn string) string {
	if i := strings.LastIndexAny(arn, "/:"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

func find(paths []escalation.Path, principal string) *escalation.Path {
	for i := range paths {
		if paths[i].Principal == principal {
			return &paths[i]
		}
	}
	return nil
}

var (
	alice = user(acctA, "alice")
	decA  = allow("kms:Decrypt", keyARN) // an identity statement for the key
)

// Each kind of step: a scenario where it leads to the key, and one where a
// condition, an SCP, a boundary or a missing permission stops it. The
// principal asked about is alice unless said.
func TestStepKinds(t *testing.T) {
	mfa := stmt{"Effect": "Allow", "Action": "kms:PutKeyPolicy", "Resource": keyARN, "Condition": map[string]any{"Bool": map[string]any{"aws:MultiFactorAuthPresent": "true"}}}
	// A boundary that allows S3 and IAM, not KMS (it limits the IAM
	// calls too: a boundary that allowed no IAM would stop them).
	boundaryOnlyS3 := doc(allow("s3:*", "*"), allow("iam:*", "*"))
	for _, tc := range []struct {
		name      string
		build     func(w *world)
		principal string
		depth     int
		want      string // describe(path); "" for no path
		decision  eval.Verdict
	}{
		// kms:PutKeyPolicy
		{
			"PutKeyPolicy then decrypt", func(w *world) { w.user(acctA, "alice", doc(allow("kms:PutKeyPolicy", keyARN))) }, alice, 0,
			"PutKeyPolicy@k1 > kms:Decrypt@k1", eval.Allow,
		},
		{
			"PutKeyPolicy behind MFA is conditional", func(w *world) { w.user(acctA, "alice", doc(mfa)) }, alice, 0,
			"PutKeyPolicy@k1 > kms:Decrypt@k1", eval.Conditional,
		},
		{"PutKeyPolicy denied by an SCP", func(w *world) {
			w.user(acctA, "alice", doc(allow("kms:PutKeyPolicy", keyARN))).scp(doc(deny("kms:PutKeyPolicy", "*")))
		}, alice, 0, "", 0},
		{"PutKeyPolicy, but an SCP denies decrypt itself", func(w *world) {
			w.user(acctA, "alice", doc(allow("kms:PutKeyPolicy", keyARN))).scp(doc(deny("kms:Decrypt", "*")))
		}, alice, 0, "", 0},
		{"PutKeyPolicy from another account does not work (not a cross-account operation)", func(w *world) {
			w.keyPolicy(doc(stmt{"Effect": "Allow", "Principal": map[string]any{"AWS": []string{"arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:root"}}, "Action": "kms:*", "Resource": "*"}))
			w.user(acctB, "bob", doc(allow("kms:PutKeyPolicy", keyARN)))
		}, user(acctB, "bob"), 0, "", 0},

		{"PutKeyPolicy on an AWS managed key: customers cannot", func(w *world) {
			w.user(acctA, "alice", doc(allow("kms:PutKeyPolicy", keyARN)))
			w.s.Accounts[acctA].Regions[region].KMS.Keys[0].KeyMetadata.KeyManager = "AWS"
		}, alice, 0, "", 0},

		// kms:CreateGrant, with the grant conditions evaluated
		{"CreateGrant for Decrypt to itself", func(w *world) {
			w.user(acctA, "alice", doc(stmt{"Effect": "Allow", "Action": "kms:CreateGrant", "Resource": keyARN, "Condition": map[string]any{"ForAllValues:StringEquals": map[string]any{"kms:GrantOperations": []string{"Decrypt", "Encrypt"}}}}))
		}, alice, 0, "CreateGrant@k1 > kms:Decrypt@k1", eval.Allow},
		{"CreateGrant only through a service: not a call of its own", func(w *world) {
			w.user(acctA, "alice", doc(stmt{"Effect": "Allow", "Action": "kms:CreateGrant", "Resource": keyARN, "Condition": map[string]any{"StringLike": map[string]any{"kms:ViaService": "ec2.*.amazonaws.com"}}}))
		}, alice, 0, "", 0},
		{"CreateGrant only for AWS resources", func(w *world) {
			w.user(acctA, "alice", doc(stmt{"Effect": "Allow", "Action": "kms:CreateGrant", "Resource": keyARN, "Condition": map[string]any{"Bool": map[string]any{"kms:GrantIsForAWSResource": "true"}}}))
		}, alice, 0, "", 0},
		{"CreateGrant only for Encrypt", func(w *world) {
			w.user(acctA, "alice", doc(stmt{"Effect": "Allow", "Action": "kms:CreateGrant", "Resource": keyARN, "Condition": map[string]any{"ForAllValues:StringEquals": map[string]any{"kms:GrantOperations": "Encrypt"}}}))
		}, alice, 0, "", 0},
		{"CreateGrant only to another grantee", func(w *world) {
			w.user(acctA, "alice", doc(stmt{"Effect": "Allow", "Action": "kms:CreateGrant", "Resource": keyARN, "Condition": map[string]any{"StringEquals": map[string]any{"kms:GranteePrincipal": role(acctA, "app")}}}))
		}, alice, 0, "", 0},

		// IAM writes on itself
		{
			"PutUserPolicy on itself", func(w *world) { w.user(acctA, "alice", doc(allow("iam:PutUserPolicy", alice))) }, alice, 0,
			"PutUserPolicy@alice > kms:Decrypt@k1", eval.Allow,
		},
		{"AttachUserPolicy on itself, limited by iam:PolicyARN: conditional", func(w *world) {
			w.user(acctA, "alice", doc(stmt{"Effect": "Allow", "Action": "iam:AttachUserPolicy", "Resource": alice, "Condition": map[string]any{"ArnEquals": map[string]any{"iam:PolicyARN": "arn:aws:iam::aws:policy/ReadOnlyAccess"}}}))
		}, alice, 0, "AttachUserPolicy@alice > kms:Decrypt@k1", eval.Conditional},
		{"PutUserPolicy on itself, but the key policy names only an admin", func(w *world) {
			w.keyPolicy(doc(stmt{"Effect": "Allow", "Principal": map[string]any{"AWS": role(acctA, "admin")}, "Action": "kms:*", "Resource": "*"}))
			w.user(acctA, "alice", doc(allow("iam:PutUserPolicy", alice)))
		}, alice, 0, "", 0},
		{"PutUserPolicy on itself, but its boundary allows only S3 and IAM", func(w *world) {
			w.managed(acctA, "s3only", boundaryOnlyS3).user(acctA, "alice", doc(allow("iam:PutUserPolicy", alice)))
			w.editUser(alice, func(u *snapshot.UserDetail) {
				u.PermissionsBoundary = &snapshot.AttachedPermissionsBoundary{PermissionsBoundaryArn: "arn:aws:iam::111111111111:policy/s3only"}
			})
		}, alice, 0, "", 0},
		{"PutUserPolicy and DeleteUserPermissionsBoundary on itself: two steps", func(w *world) {
			w.managed(acctA, "s3only", boundaryOnlyS3).user(acctA, "alice", doc(allow("iam:PutUserPolicy", alice), allow("iam:DeleteUserPermissionsBoundary", alice)))
			w.editUser(alice, func(u *snapshot.UserDetail) {
				u.PermissionsBoundary = &snapshot.AttachedPermissionsBoundary{PermissionsBoundaryArn: "arn:aws:iam::111111111111:policy/s3only"}
			})
		}, alice, 0, "PutUserPolicy@alice > DeleteUserPermissionsBoundary@alice > kms:Decrypt@k1", eval.Allow},
		{"DeleteUserPermissionsBoundary where the boundary is what denies", func(w *world) {
			w.managed(acctA, "s3only", boundaryOnlyS3).user(acctA, "alice", doc(decA, allow("iam:DeleteUserPermissionsBoundary", alice)))
			w.editUser(alice, func(u *snapshot.UserDetail) {
				u.PermissionsBoundary = &snapshot.AttachedPermissionsBoundary{PermissionsBoundaryArn: "arn:aws:iam::111111111111:policy/s3only"}
			})
		}, alice, 0, "DeleteUserPermissionsBoundary@alice > kms:Decrypt@k1", eval.Allow},
		{"DeleteUserPermissionsBoundary denied by an SCP", func(w *world) {
			w.managed(acctA, "s3only", boundaryOnlyS3).user(acctA, "alice", doc(decA, allow("iam:DeleteUserPermissionsBoundary", alice)))
			w.editUser(alice, func(u *snapshot.UserDetail) {
				u.PermissionsBoundary = &snapshot.AttachedPermissionsBoundary{PermissionsBoundaryArn: "arn:aws:iam::111111111111:policy/s3only"}
			}).scp(doc(deny("iam:Delete*PermissionsBoundary", "*")))
		}, alice, 0, "", 0},
		{"PutGroupPolicy on its own group", func(w *world) {
			w.user(acctA, "alice", doc(allow("iam:PutGroupPolicy", "arn:aws:iam::111111111111:group/devs"))).group(acctA, "devs", doc(allow("s3:ListBucket", "*")), alice)
		}, alice, 0, "PutGroupPolicy@devs > kms:Decrypt@k1", eval.Allow},
		{"PutGroupPolicy on a group it is not in", func(w *world) {
			w.user(acctA, "alice", doc(allow("iam:PutGroupPolicy", "arn:aws:iam::111111111111:group/devs"))).group(acctA, "devs", doc(allow("s3:ListBucket", "*")))
		}, alice, 0, "", 0},
		{"AddUserToGroup: itself into a group that can decrypt", func(w *world) {
			w.user(acctA, "alice", doc(allow("iam:AddUserToGroup", "arn:aws:iam::111111111111:group/keyusers"))).group(acctA, "keyusers", doc(decA))
		}, alice, 0, "AddUserToGroup@keyusers > kms:Decrypt@k1", eval.Allow},
		{"AddUserToGroup into a group whose policy covers other keys only", func(w *world) {
			w.user(acctA, "alice", doc(allow("iam:AddUserToGroup", "*"))).group(acctA, "keyusers", doc(allow("kms:Decrypt", "arn:aws:kms:us-east-1:111111111111:key/other")))
		}, alice, 0, "", 0},
		{"AddUserToGroup denied by an SCP", func(w *world) {
			w.user(acctA, "alice", doc(allow("iam:AddUserToGroup", "*"))).group(acctA, "keyusers", doc(decA)).scp(doc(deny("iam:AddUserToGroup", "*")))
		}, alice, 0, "", 0},
		{"CreatePolicyVersion of a policy attached to it", func(w *world) {
			w.managed(acctA, "mine", doc(allow("s3:ListBucket", "*"))).user(acctA, "alice", doc(allow("iam:CreatePolicyVersion", "arn:aws:iam::111111111111:policy/mine")))
			w.editUser(alice, func(u *snapshot.UserDetail) {
				u.AttachedManagedPolicies = []snapshot.AttachedPolicy{{PolicyName: "mine", PolicyArn: "arn:aws:iam::111111111111:policy/mine"}}
			})
		}, alice, 0, "CreatePolicyVersion@mine > kms:Decrypt@k1", eval.Allow},
		{"CreatePolicyVersion of a policy attached to no one it controls", func(w *world) {
			w.managed(acctA, "mine", doc(allow("s3:ListBucket", "*"))).user(acctA, "alice", doc(allow("iam:CreatePolicyVersion", "arn:aws:iam::111111111111:policy/mine")))
		}, alice, 0, "", 0},

		// IAM writes on a role it can assume: two steps
		{"PutRolePolicy on a role it can assume, then AssumeRole", func(w *world) {
			w.user(acctA, "alice", doc(allow("iam:PutRolePolicy", role(acctA, "app")), allow("sts:AssumeRole", role(acctA, "app")))).role(acctA, "app", trusts(alice))
		}, alice, 0, "PutRolePolicy@app > AssumeRole@app > kms:Decrypt@k1", eval.Allow},
		{"PutUserPolicy on itself in an account the key trusts", func(w *world) {
			w.keyPolicy(doc(stmt{"Effect": "Allow", "Principal": map[string]any{"AWS": []string{"arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:root"}}, "Action": "kms:*", "Resource": "*"}))
			w.user(acctB, "bob", doc(allow("iam:PutUserPolicy", user(acctB, "bob"))))
		}, user(acctB, "bob"), 0, "PutUserPolicy@bob > kms:Decrypt@k1", eval.Allow},
		{"AttachRolePolicy on a role in an account the key does not trust", func(w *world) {
			w.user(acctB, "bob", doc(allow("iam:AttachRolePolicy", role(acctB, "app")), allow("sts:AssumeRole", role(acctB, "app")))).role(acctB, "app", trusts(user(acctB, "bob")))
		}, user(acctB, "bob"), 0, "", 0},
		{"PutRolePolicy on a role it cannot assume", func(w *world) {
			w.user(acctA, "alice", doc(allow("iam:PutRolePolicy", role(acctA, "app")))).role(acctA, "app", trusts("lambda.amazonaws.com"))
		}, alice, 0, "", 0},
		{"DeleteRolePermissionsBoundary of a role it can assume", func(w *world) {
			w.managed(acctA, "s3only", boundaryOnlyS3).user(acctA, "alice", doc(allow("iam:DeleteRolePermissionsBoundary", role(acctA, "app")))).role(acctA, "app", trusts(alice), doc(decA))
			w.editRole(role(acctA, "app"), func(r *snapshot.RoleDetail) {
				r.PermissionsBoundary = &snapshot.AttachedPermissionsBoundary{PermissionsBoundaryArn: "arn:aws:iam::111111111111:policy/s3only"}
			})
		}, alice, 0, "DeleteRolePermissionsBoundary@app > AssumeRole@app > kms:Decrypt@k1", eval.Allow},

		// sts:AssumeRole: plain chains are who-can's; with a step after them, ours
		{"a plain role chain is who-can's answer, not an escalation", func(w *world) {
			w.user(acctA, "alice", doc(allow("sts:AssumeRole", "*"))).role(acctA, "dec", trusts(alice), doc(decA))
		}, alice, 0, "", 0},
		{"AssumeRole, then the role rewrites the key policy", func(w *world) {
			w.user(acctA, "alice", doc(allow("sts:AssumeRole", "*"))).role(acctA, "keyadmin", trusts(alice), doc(allow("kms:PutKeyPolicy", "*")))
		}, alice, 0, "AssumeRole@keyadmin > PutKeyPolicy@k1 > kms:Decrypt@k1", eval.Allow},

		{"a conditional AssumeRole makes the whole path conditional", func(w *world) {
			w.user(acctA, "alice", doc(allow("sts:AssumeRole", "*"))).role(acctA, "keyadmin",
				doc(stmt{"Effect": "Allow", "Principal": map[string]any{"AWS": alice}, "Action": "sts:AssumeRole", "Condition": map[string]any{"IpAddress": map[string]any{"aws:SourceIp": "10.0.0.0/8"}}}),
				doc(allow("kms:PutKeyPolicy", "*")))
		}, alice, 0, "AssumeRole@keyadmin > PutKeyPolicy@k1 > kms:Decrypt@k1", eval.Conditional},

		// iam:UpdateAssumeRolePolicy
		{"UpdateAssumeRolePolicy on a role that can decrypt, then AssumeRole", func(w *world) {
			w.user(acctA, "alice", doc(allow("iam:UpdateAssumeRolePolicy", role(acctA, "dec")))).role(acctA, "dec", trusts("lambda.amazonaws.com"), doc(decA))
		}, alice, 0, "UpdateAssumeRolePolicy@dec > AssumeRole@dec > kms:Decrypt@k1", eval.Allow},
		{"UpdateAssumeRolePolicy, but an SCP denies sts:AssumeRole", func(w *world) {
			w.user(acctA, "alice", doc(allow("iam:UpdateAssumeRolePolicy", role(acctA, "dec")))).role(acctA, "dec", trusts("lambda.amazonaws.com"), doc(decA)).scp(doc(deny("sts:AssumeRole", "*")))
		}, alice, 0, "", 0},

		// credentials of a user that can decrypt
		{"CreateAccessKey for a user that can decrypt", func(w *world) {
			w.user(acctA, "alice", doc(allow("iam:CreateAccessKey", user(acctA, "*")))).user(acctA, "dee", doc(decA))
		}, alice, 0, "CreateAccessKey@dee > kms:Decrypt@k1", eval.Allow},
		{"UpdateLoginProfile for a user that can decrypt", func(w *world) {
			w.user(acctA, "alice", doc(allow("iam:UpdateLoginProfile", user(acctA, "dee")))).user(acctA, "dee", doc(decA))
		}, alice, 0, "UpdateLoginProfile@dee > kms:Decrypt@k1", eval.Allow},
		{"CreateAccessKey only for its own user", func(w *world) {
			w.user(acctA, "alice", doc(allow("iam:CreateAccessKey", "arn:aws:iam::111111111111:user/${aws:username}"))).user(acctA, "dee", doc(decA))
		}, alice, 0, "", 0},

		// iam:PassRole and a compute create call
		{"CreateFunction with a role that can decrypt", func(w *world) {
			w.user(acctA, "alice", doc(allow("lambda:CreateFunction", "*"), allow("lambda:InvokeFunction", "*"), allow("iam:PassRole", role(acctA, "fn")))).role(acctA, "fn", trusts("lambda.amazonaws.com"), doc(decA))
		}, alice, 0, "CreateFunction@fn > kms:Decrypt@k1", eval.Allow},
		{"CreateFunction but no InvokeFunction: the code never runs", func(w *world) {
			w.user(acctA, "alice", doc(allow("lambda:CreateFunction", "*"), allow("iam:PassRole", role(acctA, "fn")))).role(acctA, "fn", trusts("lambda.amazonaws.com"), doc(decA))
		}, alice, 0, "", 0},
		{"PassRole only to EC2: no function", func(w *world) {
			w.user(acctA, "alice", doc(allow("lambda:CreateFunction", "*"), allow("lambda:InvokeFunction", "*"), stmt{"Effect": "Allow", "Action": "iam:PassRole", "Resource": role(acctA, "fn"), "Condition": map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "ec2.amazonaws.com"}}})).role(acctA, "fn", trusts("lambda.amazonaws.com"), doc(decA))
		}, alice, 0, "", 0},
		{"RunInstances with an instance profile's role", func(w *world) {
			w.user(acctA, "alice", doc(allow("ec2:RunInstances", "*"), allow("iam:PassRole", "*"))).role(acctA, "web", trusts("ec2.amazonaws.com"), doc(decA))
			w.editRole(role(acctA, "web"), func(r *snapshot.RoleDetail) {
				r.InstanceProfileList = []snapshot.InstanceProfile{{InstanceProfileName: "web", Arn: "arn:aws:iam::111111111111:instance-profile/web"}}
			})
		}, alice, 0, "RunInstances@web > kms:Decrypt@k1", eval.Allow},
		{"RunInstances, but the role is in no instance profile", func(w *world) {
			w.user(acctA, "alice", doc(allow("ec2:RunInstances", "*"), allow("iam:PassRole", "*"))).role(acctA, "web", trusts("ec2.amazonaws.com"), doc(decA))
		}, alice, 0, "", 0},

		// chains and the depth limit
		{"three steps: AssumeRole, PutRolePolicy on another role, AssumeRole it", func(w *world) {
			w.user(acctA, "alice", doc(allow("sts:AssumeRole", role(acctA, "ops")))).
				role(acctA, "ops", trusts(alice), doc(allow("iam:PutRolePolicy", role(acctA, "app")), allow("sts:AssumeRole", role(acctA, "app")))).
				role(acctA, "app", trusts(role(acctA, "ops")))
		}, alice, 0, "AssumeRole@ops > PutRolePolicy@app > AssumeRole@app > kms:Decrypt@k1", eval.Allow},
		{"the same three steps with depth 2: none", func(w *world) {
			w.user(acctA, "alice", doc(allow("sts:AssumeRole", role(acctA, "ops")))).
				role(acctA, "ops", trusts(alice), doc(allow("iam:PutRolePolicy", role(acctA, "app")), allow("sts:AssumeRole", role(acctA, "app")))).
				role(acctA, "app", trusts(role(acctA, "ops")))
		}, alice, 2, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld()
			tc.build(w)
			g := w.graph(t)
			paths, err := escalation.Paths(g, keyARN, escalation.Options{Depth: tc.depth})
			if err != nil {
				t.Fatal(err)
			}
			p := find(paths, tc.principal)
			switch {
			case tc.want == "" && p != nil:
				t.Fatalf("want no path for %s, got %s (%s)", tc.principal, describe(*p), p.Decision)
			case tc.want == "":
				return
			case p == nil:
				t.Fatalf("want %s for %s, got none (paths: %v)", tc.want, tc.principal, paths)
			case describe(*p) != tc.want || p.Decision != tc.decision:
				t.Fatalf("got %s (%s), want %s (%s)", describe(*p), p.Decision, tc.want, tc.decision)
			}
			for _, s := range p.Steps {
				if s.Decision == eval.Allow && len(s.Reasons) == 0 {
					t.Errorf("step %s %s allows with no reason", s.Action, s.Target)
				}
				if s.Decision == eval.Conditional && len(s.Conditions) == 0 {
					t.Errorf("step %s %s is conditional on nothing it names", s.Action, s.Target)
				}
			}
		})
	}
}
