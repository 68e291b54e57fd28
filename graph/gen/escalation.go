package gen

import (
	"fmt"
	"math/rand/v2"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// Escalation permissions (issue #15). A share of each member account's
// roles (Options.EscalationShare) is given the kind of permission that
// lets a principal make itself able to decrypt: role writers (IAM admins
// of their account), deployers (iam:PassRole with Lambda, and updating
// existing functions' code), key administrators (kms:PutKeyPolicy,
// kms:CreateGrant on their account's keys), broad assumers
// (sts:AssumeRole on every role), data and ML engineers (Glue jobs and
// development endpoints, SageMaker notebooks and training jobs, with
// iam:PassRole to their service), CI builders (CodeBuild projects and ECS
// tasks), stack deployers (CloudFormation with a service role) and policy
// managers (iam:SetDefaultPolicyVersion on their account's policies).
// They are drawn from their own random stream, after everything else, so
// that a share of zero gives the snapshot byte for byte as without it, and
// a share above zero changes nothing but the roles it picks, the trust of
// the service roles (serviceTrusted), the accounts' Lambda functions (one
// per Region for each role Lambda may run as) and a second, non-default
// version of KmsReadOnly that also allows kms:Decrypt on the account's
// keys (a draft never made the default).

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
	{"data-engineer", func(id string) []m {
		return []m{
			stmt("Allow", m{"Action": []string{"glue:CreateJob", "glue:StartJobRun", "glue:CreateDevEndpoint", "glue:Get*"}, "Resource": "*"}),
			passRole(id, "glue.amazonaws.com"),
		}
	}},
	{"ml-engineer", func(id string) []m {
		return []m{
			stmt("Allow", m{"Action": []string{"sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl", "sagemaker:CreateTrainingJob", "sagemaker:Describe*"}, "Resource": "*"}),
			passRole(id, "sagemaker.amazonaws.com"),
		}
	}},
	{"ci-builder", func(id string) []m {
		return []m{
			stmt("Allow", m{"Action": []string{"codebuild:CreateProject", "codebuild:StartBuild", "ecs:RegisterTaskDefinition", "ecs:RunTask", "ecs:Describe*"}, "Resource": "*"}),
			passRole(id, "codebuild.amazonaws.com", "ecs-tasks.amazonaws.com"),
		}
	}},
	{"stack-deployer", func(id string) []m {
		return []m{
			stmt("Allow", m{"Action": []string{"cloudformation:CreateStack", "cloudformation:Describe*"}, "Resource": "arn:aws:cloudformation:*:" + id + ":stack/*"}),
			passRole(id, "cloudformation.amazonaws.com"),
		}
	}},
	{"policy-manager", func(id string) []m {
		return []m{stmt("Allow", m{"Action": []string{"iam:SetDefaultPolicyVersion", "iam:GetPolicy*", "iam:ListPolicyVersions"}, "Resource": "arn:aws:iam::" + id + ":policy/*"})}
	}},
}

// passRole allows iam:PassRole on the account's roles to the services.
func passRole(id string, services ...string) m {
	var to any = services
	if len(services) == 1 {
		to = services[0]
	}
	return stmt("Allow", m{"Action": "iam:PassRole", "Resource": "arn:aws:iam::" + id + ":role/*", "Condition": m{"StringEquals": m{"iam:PassedToService": to}}})
}

// serviceRoles are the services that may assume a role of an account with
// escalation permissions, by role (serviceTrusted).
var serviceRoles = []string{"glue.amazonaws.com", "sagemaker.amazonaws.com", "codebuild.amazonaws.com", "ecs-tasks.amazonaws.com", "cloudformation.amazonaws.com"}

// serviceTrusted is the service, other than Lambda, that may assume role
// r of an account with escalation permissions ("" for none): one role in
// ten, each service in turn.
func serviceTrusted(r int) string {
	if r%10 != 7 {
		return ""
	}
	return serviceRoles[(r/10)%len(serviceRoles)]
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
	addDraftVersion(id, a)
	for r := range o.RolesPerAccount {
		rd := &a.IAM.RoleDetailList[r]
		service := serviceTrusted(r)
		if lambdaTrusted(r) {
			service = "lambda.amazonaws.com"
			addFunctions(id, r, rd.Arn, a)
		}
		if service != "" {
			rd.AssumeRolePolicyDocument = policy(
				stmt("Allow", m{"Principal": m{"AWS": "arn:aws:iam::" + id + ":root"}, "Action": "sts:AssumeRole"}),
				stmt("Allow", m{"Principal": m{"Service": service}, "Action": "sts:AssumeRole"}))
		}
		if rng.Float64() >= o.EscalationShare {
			continue
		}
		p := escalationProfiles[rng.IntN(len(escalationProfiles))]
		rd.RolePolicyList = append(rd.RolePolicyList, snapshot.PolicyDetail{PolicyName: p.name, PolicyDocument: policy(p.stmts(id)...)})
	}
}

// addDraftVersion gives the account's KmsReadOnly policy a second,
// non-default version that also allows kms:Decrypt on the account's own
// keys: what iam:SetDefaultPolicyVersion may make its default.
func addDraftVersion(id string, a *snapshot.Account) {
	for i := range a.IAM.Policies {
		mp := &a.IAM.Policies[i]
		if mp.PolicyName != "KmsReadOnly" {
			continue
		}
		mp.PolicyVersionList = append(mp.PolicyVersionList, snapshot.PolicyVersion{
			VersionID: "v2", Document: policy(
				stmt("Allow", m{"Action": []string{"kms:Describe*", "kms:List*"}, "Resource": "*"}),
				stmt("Allow", m{"Action": "kms:Decrypt", "Resource": "arn:aws:kms:*:" + id + ":key/*"})),
		})
	}
}

// addFunctions gives the account, in each of its Regions, a Lambda
// function running as role r (whose ARN is roleARN).
func addFunctions(id string, r int, roleARN string, a *snapshot.Account) {
	for _, region := range regionNames {
		reg := a.Regions[region]
		if reg == nil {
			continue
		}
		if reg.Lambda == nil {
			reg.Lambda = &snapshot.Lambda{Functions: []snapshot.Function{}}
		}
		name := fmt.Sprintf("fn-%d", r)
		reg.Lambda.Functions = append(reg.Lambda.Functions, snapshot.Function{
			FunctionName: name, FunctionArn: "arn:aws:lambda:" + region + ":" + id + ":function:" + name, Role: roleARN,
		})
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
