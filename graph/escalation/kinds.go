package escalation

// Target is what a step acts on.
type Target uint8

// Targets of steps.
const (
	TargetKey    Target = iota // the key asked about
	TargetUser                 // an IAM user
	TargetRole                 // an IAM role
	TargetGroup                // a group the widened user is a member of
	TargetPolicy               // a customer managed policy attached to the widened principal
)

var targetNames = [...]string{"key", "user", "role", "group", "managed policy"}

func (t Target) String() string { return targetNames[t] }

// Effect is what a step changes in the access graph.
type Effect uint8

// Effects of steps.
const (
	// EffectKeyPolicy: the key policy is replaced by one that names the caller.
	EffectKeyPolicy Effect = iota
	// EffectGrant: a grant on the key for the action, to the caller.
	EffectGrant
	// EffectIdentity: the target's identity policies allow the action on
	// the key (an inline policy put, a managed policy attached or given a
	// new default version). The key policy, SCPs, RCPs and the boundary
	// still apply.
	EffectIdentity
	// EffectNoBoundary: the target's permissions boundary is removed (or
	// replaced by one that allows everything).
	EffectNoBoundary
	// EffectAssume: the caller acts as the role (sts:AssumeRole).
	EffectAssume
	// EffectTrust: the role's trust policy names the caller, who then
	// assumes it (a second step).
	EffectTrust
	// EffectCredentials: the caller gets credentials of the user (an access
	// key, or a console password).
	EffectCredentials
	// EffectGroup: the user joins a group whose policies allow the action
	// (as they are: the group is not changed).
	EffectGroup
	// EffectCompute: the caller runs code as the role, through a service it
	// passes the role to.
	EffectCompute
	// EffectVersion: an existing, non-default version of a customer managed
	// policy attached to the target becomes the policy's default: the
	// target's identity policies gain that version's document (as it is:
	// not a policy the caller writes).
	EffectVersion
	// EffectFunction: the caller runs code as the role by replacing the
	// code of an existing function that runs as it (no iam:PassRole).
	EffectFunction
	// EffectStack: the caller creates a CloudFormation stack with the role
	// as its service role: the stack makes, as the role, an inline policy
	// write on an existing principal (the kinds marked ViaStack), and
	// nothing else — no call on the key, no code run as the role
	// (stacks.go).
	EffectStack
)

var effectNames = [...]string{
	"the key policy names the caller", "a grant to the caller", "the target's identity policies allow the action",
	"the target's permissions boundary is gone", "the caller acts as the role", "the role's trust policy names the caller",
	"the caller holds the user's credentials", "the user joins a group that allows the action", "the caller runs code as the role",
	"an existing version of an attached managed policy becomes its default", "the caller runs code as an existing function's role",
	"the caller's stack makes the role's next call",
}

func (e Effect) String() string { return effectNames[e] }

// Kind is one kind of step: an API call (or, for compute, a call and the
// iam:PassRole it needs), on a target, with its effect.
type Kind struct {
	// Name is the step's name in answers: its API call.
	Name string
	// Actions must all be allowed on the target; for compute, the first is
	// the create call (on the new resource), the second iam:PassRole (on the
	// role, with iam:PassedToService set to Service), any others calls on
	// the new resource that make the code run (lambda:InvokeFunction).
	Actions []string
	Target  Target
	Effect  Effect
	// Service, for compute, is the service principal that assumes the role.
	Service string
	// Resource, for compute, is the resource part of the ARN of what the
	// create call makes ("function:keyhound-escalation"), in the service of
	// the create call, the key's Region and the role's account: its name is
	// the caller's choice, keyhound asks about one it picks.
	Resource string
	// ViaStack says a CloudFormation stack can make the call as its service
	// role on an existing principal (a resource type does it:
	// AWS::IAM::UserPolicy, RolePolicy, GroupPolicy).
	ViaStack bool
	// Doc is the AWS page the step is modelled from.
	Doc string
}

// iamAPI is the IAM API reference page of an action.
func iamAPI(name string) string {
	return "https://docs.aws.amazon.com/IAM/latest/APIReference/API_" + name + ".html"
}

// kinds are the steps the search models, in the order it tries them (a
// principal's step is the first kind that allows it, ALLOW before
// CONDITIONAL).
var kinds = []Kind{
	{
		Name: "PutKeyPolicy", Actions: []string{"kms:PutKeyPolicy"}, Target: TargetKey, Effect: EffectKeyPolicy,
		Doc: "https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html",
	},
	{
		Name: "CreateGrant", Actions: []string{"kms:CreateGrant"}, Target: TargetKey, Effect: EffectGrant,
		Doc: "https://docs.aws.amazon.com/kms/latest/developerguide/grant-authorization.html",
	},
	{Name: "PutUserPolicy", Actions: []string{"iam:PutUserPolicy"}, Target: TargetUser, Effect: EffectIdentity, ViaStack: true, Doc: iamAPI("PutUserPolicy")},
	{Name: "AttachUserPolicy", Actions: []string{"iam:AttachUserPolicy"}, Target: TargetUser, Effect: EffectIdentity, Doc: iamAPI("AttachUserPolicy")},
	{Name: "PutRolePolicy", Actions: []string{"iam:PutRolePolicy"}, Target: TargetRole, Effect: EffectIdentity, ViaStack: true, Doc: iamAPI("PutRolePolicy")},
	{Name: "AttachRolePolicy", Actions: []string{"iam:AttachRolePolicy"}, Target: TargetRole, Effect: EffectIdentity, Doc: iamAPI("AttachRolePolicy")},
	{Name: "PutGroupPolicy", Actions: []string{"iam:PutGroupPolicy"}, Target: TargetGroup, Effect: EffectIdentity, ViaStack: true, Doc: iamAPI("PutGroupPolicy")},
	{Name: "AttachGroupPolicy", Actions: []string{"iam:AttachGroupPolicy"}, Target: TargetGroup, Effect: EffectIdentity, Doc: iamAPI("AttachGroupPolicy")},
	{Name: "AddUserToGroup", Actions: []string{"iam:AddUserToGroup"}, Target: TargetGroup, Effect: EffectGroup, Doc: iamAPI("AddUserToGroup")},
	{Name: "CreatePolicyVersion", Actions: []string{"iam:CreatePolicyVersion"}, Target: TargetPolicy, Effect: EffectIdentity, Doc: iamAPI("CreatePolicyVersion")},
	{Name: "SetDefaultPolicyVersion", Actions: []string{"iam:SetDefaultPolicyVersion"}, Target: TargetPolicy, Effect: EffectVersion, Doc: iamAPI("SetDefaultPolicyVersion")},
	{Name: "DeleteUserPermissionsBoundary", Actions: []string{"iam:DeleteUserPermissionsBoundary"}, Target: TargetUser, Effect: EffectNoBoundary, Doc: iamAPI("DeleteUserPermissionsBoundary")},
	{Name: "PutUserPermissionsBoundary", Actions: []string{"iam:PutUserPermissionsBoundary"}, Target: TargetUser, Effect: EffectNoBoundary, Doc: iamAPI("PutUserPermissionsBoundary")},
	{Name: "DeleteRolePermissionsBoundary", Actions: []string{"iam:DeleteRolePermissionsBoundary"}, Target: TargetRole, Effect: EffectNoBoundary, Doc: iamAPI("DeleteRolePermissionsBoundary")},
	{Name: "PutRolePermissionsBoundary", Actions: []string{"iam:PutRolePermissionsBoundary"}, Target: TargetRole, Effect: EffectNoBoundary, Doc: iamAPI("PutRolePermissionsBoundary")},
	{
		Name: "AssumeRole", Actions: []string{"sts:AssumeRole"}, Target: TargetRole, Effect: EffectAssume,
		Doc: "https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html",
	},
	{Name: "UpdateAssumeRolePolicy", Actions: []string{"iam:UpdateAssumeRolePolicy"}, Target: TargetRole, Effect: EffectTrust, Doc: iamAPI("UpdateAssumeRolePolicy")},
	{Name: "CreateAccessKey", Actions: []string{"iam:CreateAccessKey"}, Target: TargetUser, Effect: EffectCredentials, Doc: iamAPI("CreateAccessKey")},
	{Name: "CreateLoginProfile", Actions: []string{"iam:CreateLoginProfile"}, Target: TargetUser, Effect: EffectCredentials, Doc: iamAPI("CreateLoginProfile")},
	{Name: "UpdateLoginProfile", Actions: []string{"iam:UpdateLoginProfile"}, Target: TargetUser, Effect: EffectCredentials, Doc: iamAPI("UpdateLoginProfile")},
	{
		Name: "CreateFunction", Actions: []string{"lambda:CreateFunction", "iam:PassRole", "lambda:InvokeFunction"}, Target: TargetRole, Effect: EffectCompute,
		Service: "lambda.amazonaws.com", Resource: "function:keyhound-escalation",
		Doc: "https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html",
	},
	{
		// Only a role in an instance profile: the instance gets the role
		// through its profile.
		Name: "RunInstances", Actions: []string{"ec2:RunInstances", "iam:PassRole"}, Target: TargetRole, Effect: EffectCompute,
		Service: "ec2.amazonaws.com", Resource: "instance/*",
		Doc: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-roles-for-amazon-ec2.html",
	},
	{
		// A task definition naming the role as its task role, then a task
		// of it (in a cluster the caller may run tasks in: the snapshot has
		// no ECS clusters, so the task definition is what is asked).
		Name: "RunTask", Actions: []string{"ecs:RegisterTaskDefinition", "iam:PassRole", "ecs:RunTask"}, Target: TargetRole, Effect: EffectCompute,
		Service: "ecs-tasks.amazonaws.com", Resource: "task-definition/keyhound-escalation:1",
		Doc: "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html",
	},
	{
		// A job whose script the caller writes, run as the role.
		Name: "CreateJob", Actions: []string{"glue:CreateJob", "iam:PassRole", "glue:StartJobRun"}, Target: TargetRole, Effect: EffectCompute,
		Service: "glue.amazonaws.com", Resource: "job/keyhound-escalation",
		Doc: "https://docs.aws.amazon.com/glue/latest/dg/create-an-iam-role.html",
	},
	{
		// A development endpoint the caller reaches over SSH with its own
		// public key, whose credentials are the role's.
		Name: "CreateDevEndpoint", Actions: []string{"glue:CreateDevEndpoint", "iam:PassRole"}, Target: TargetRole, Effect: EffectCompute,
		Service: "glue.amazonaws.com", Resource: "devEndpoint/keyhound-escalation",
		Doc: "https://docs.aws.amazon.com/glue/latest/dg/create-an-iam-role.html",
	},
	{
		// A project whose buildspec the caller writes, built as the role.
		Name: "CreateProject", Actions: []string{"codebuild:CreateProject", "iam:PassRole", "codebuild:StartBuild"}, Target: TargetRole, Effect: EffectCompute,
		Service: "codebuild.amazonaws.com", Resource: "project/keyhound-escalation",
		Doc: "https://docs.aws.amazon.com/codebuild/latest/userguide/setting-up-service-role.html",
	},
	{
		// A notebook instance as the role, opened through a presigned URL.
		Name: "CreateNotebookInstance", Actions: []string{"sagemaker:CreateNotebookInstance", "iam:PassRole", "sagemaker:CreatePresignedNotebookInstanceUrl"}, Target: TargetRole, Effect: EffectCompute,
		Service: "sagemaker.amazonaws.com", Resource: "notebook-instance/keyhound-escalation",
		Doc: "https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html",
	},
	{
		// A training job running a container image the caller chooses.
		Name: "CreateTrainingJob", Actions: []string{"sagemaker:CreateTrainingJob", "iam:PassRole"}, Target: TargetRole, Effect: EffectCompute,
		Service: "sagemaker.amazonaws.com", Resource: "training-job/keyhound-escalation",
		Doc: "https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html",
	},
	{
		// An existing function (the snapshot's Lambda functions, by their
		// role): its code replaced, then invoked. Target is the function.
		// A function with code signing refuses unsigned code; the snapshot
		// does not say which have it.
		Name: "UpdateFunctionCode", Actions: []string{"lambda:UpdateFunctionCode", "lambda:InvokeFunction"}, Target: TargetRole, Effect: EffectFunction,
		Doc: "https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionCode.html",
	},
	{
		// A stack whose template puts, as the role, an inline policy on a
		// principal the caller then acts as (a widening's write, made in
		// two steps: stacks.go).
		Name: "CreateStack", Actions: []string{"cloudformation:CreateStack", "iam:PassRole"}, Target: TargetRole, Effect: EffectStack,
		Service: "cloudformation.amazonaws.com", Resource: "stack/keyhound-escalation/*",
		Doc: "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html",
	},
}

// PassRoleDoc is the page iam:PassRole is modelled from (every compute step).
const PassRoleDoc = //nolint:gosec // G101: a documentation URL, not a credential
"https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html"

// Kinds returns the table of modelled steps. The slice is the caller's.
func Kinds() []Kind {
	out := make([]Kind, len(kinds))
	copy(out, kinds)
	return out
}

// NotModelled lists steps that can lead to a key but that the search does
// not follow yet.
var NotModelled = []string{
	"kms:CreateGrant to another principal the caller controls",
	"lambda:UpdateFunctionConfiguration (a layer or a new role — with iam:PassRole — on an existing function), and functions whose policy alone lets another account update them",
	"ec2:AssociateIamInstanceProfile / iam:AddRoleToInstanceProfile",
	"cloudformation:CreateStack into calls of the role's beyond inline policy writes (groups joined, managed policies it creates and attaches, access keys read from its outputs, functions it creates)",
	"two changes to one principal in one path beyond an identity policy and its boundary (a group joined combines with neither)",
	"calls a widened principal could make beyond the action on the key (the search widens it for that action only)",
	"iam:SetDefaultPolicyVersion where the current default version's deny is what stops the principal (the hypothetical keeps the current version's statements beside the new default's)",
}
