package gen

import (
	"math/rand/v2"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// Escalation permissions (issue #15). A share of each member account's
// roles (Options.EscalationShare) is given the kind of permission that
// lets a principal make itself able to decrypt: role writers (IAM admins
// of their account), deployers (iam:PassRole with Lambda), key
// administrators (kms:PutKeyPolicy, kms:CreateGrant on their account's
// keys) and broad assumers (sts:AssumeRole on every role). They are
// drawn from their own random stream, after everything else, so that a
// share of zero gives the snapshot byte for byte as without it, and a
// share above zero changes nothing but the roles it picks (and, for
// deployers, the trust of the roles Lambda may run as).

// escalationProfiles are the permissions a picked role is given, by
// profile, and their names (the inline policy's name).
var escalationProfiles = []struct {
	name  string
	stmts func(id string) []m
}{
	{"iam-admin", func(id string) []m {
		return []m{stmt("Allow", m{"Action": []string{"iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:Get*", "iam:List*"}, "Resource": "arn:aws:iam::" + id + ":role/*"})}
	}},
	{"deployer", func(id string) []m {
		return []m{
			stmt("Allow", m{"Action": []string{"lambda:CreateFunction", "lambda:InvokeFunction", "lambda:UpdateFunctionCode"}, "Resource": "arn:aws:lambda:*:" + id + ":function:*"}),
			stmt("Allow", m{"Action": "iam:PassRole", "Resource": "arn:aws:iam::" + id + ":role/*", "Condition": m{"StringEquals": m{"iam:PassedToService": "lambda.amazonaws.com"}}}),
		}
	}},
	{"key-admin", func(id string) []m {
		return []m{stmt("Allow", m{
			"Action":   []string{"kms:PutKeyPolicy", "kms:CreateGrant", "kms:Describe*", "kms:Get*", "kms:List*", "kms:EnableKeyRotation", "kms:TagResource"},
			"Resource": "arn:aws:kms:*:" + id + ":key/*",
		})}
	}},
	{"assumer", func(string) []m {
		return []m{stmt("Allow", m{"Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*:role/*"})}
	}},
}

// lambdaTrusted reports whether the generator lets Lambda assume role r
// of an account with escalation permissions: one role in ten, the
// functions' execution roles.
func lambdaTrusted(r int) bool { return r%10 == 5 }

// addEscalation gives a share of account i's roles escalation
// permissions (see escalationProfiles).
func addEscalation(o Options, i int, a *snapshot.Account) {
	if o.EscalationShare <= 0 || a.IAM == nil {
		return
	}
	id := acct(i)
	rng := rand.New(rand.NewPCG(o.Seed, 0x657363+uint64(i))) //nolint:gosec // G404: repeatable synthetic data
	for r := range o.RolesPerAccount {
		rd := &a.IAM.RoleDetailList[r]
		if lambdaTrusted(r) {
			rd.AssumeRolePolicyDocument = policy(
				stmt("Allow", m{"Principal": m{"AWS": "arn:aws:iam::" + id + ":root"}, "Action": "sts:AssumeRole"}),
				stmt("Allow", m{"Principal": m{"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}))
		}
		if rng.Float64() >= o.EscalationShare {
			continue
		}
		p := escalationProfiles[rng.IntN(len(escalationProfiles))]
		rd.RolePolicyList = append(rd.RolePolicyList, snapshot.PolicyDetail{PolicyName: p.name, PolicyDocument: policy(p.stmts(id)...)})
	}
}

// EscalationCounts counts the roles of s given each escalation profile,
// by profile name (for tests and summaries).
func EscalationCounts(s *snapshot.Snapshot) map[string]int {
	out := map[string]int{}
	for _, a := range s.Accounts {
		if a.IAM == nil {
			continue
		}
		for _, rd := range a.IAM.RoleDetailList {
			for _, pd := range rd.RolePolicyList {
				for _, p := range escalationProfiles {
					if pd.PolicyName == p.name {
						out[p.name]++
					}
				}
			}
		}
	}
	return out
}
