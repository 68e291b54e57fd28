package graph

import (
	"fmt"
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
)

// Step is one authorization a resource access needs: the resource's own
// permission, or a KMS call the service makes for the caller.
type Step struct {
	Action    string `json:"action"`
	Resource  string `json:"resource"`
	Principal string `json:"principal"`
	// ViaService is kms:ViaService for KMS calls a service makes with the
	// caller's permissions (forward access sessions).
	ViaService string          `json:"via_service,omitempty"`
	Decision   eval.Verdict    `json:"decision"`
	DeniedBy   []eval.Denial   `json:"denied_by"`
	Reasons    []eval.Reason   `json:"reasons"`
	Conditions []eval.Residual `json:"conditions,omitempty"`
	Note       string          `json:"note,omitempty"`
	request    *eval.Request
}

// servicePath says, for a resource type, which service calls KMS, the
// caller's action that reads the data, and the KMS calls each action makes.
type servicePath struct {
	service string // the service's name in kms:ViaService
	read    string // the action that reads the plaintext ("decrypt" means this)
	calls   map[string][]string
	// asService: the service calls KMS as its own service principal
	// (SERVICE.REGION.amazonaws.com), not with the caller's permissions.
	asService bool
}

// servicePaths: S3 UG UsingKMSEncryption; EBS snapshot sharing; RDS sharing
// a DB snapshot; Secrets Manager cross-account example; SQS key management;
// DynamoDB encryption at rest; Lambda environment variables (see SEMANTICS §3).
var servicePaths = map[string]servicePath{
	"s3:bucket": {service: "s3", read: "s3:GetObject", calls: map[string][]string{
		"s3:GetObject": {"kms:Decrypt"}, "s3:PutObject": {"kms:GenerateDataKey"},
		"s3:CompleteMultipartUpload": {"kms:GenerateDataKey", "kms:Decrypt"},
	}},
	"ec2:snapshot": {service: "ec2", read: "ec2:CreateVolume", calls: map[string][]string{
		"ec2:CreateVolume": {"kms:DescribeKey", "kms:CreateGrant", "kms:Decrypt"},
		"ec2:CopySnapshot": {"kms:DescribeKey", "kms:CreateGrant", "kms:ReEncryptFrom", "kms:Decrypt"},
	}},
	// A volume's data is read by attaching it to an instance: EBS creates a
	// grant for the instance and decrypts the volume's data key (EBS UG, "How
	// EBS encryption works"). Volumes have no resource policy and are never
	// shared: only their own account's identity policies and the key decide.
	"ec2:volume": {service: "ec2", read: "ec2:AttachVolume", calls: map[string][]string{
		"ec2:AttachVolume": {"kms:DescribeKey", "kms:CreateGrant", "kms:Decrypt"},
	}},
	"rds:snapshot": {service: "rds", read: "rds:RestoreDBInstanceFromDBSnapshot", calls: map[string][]string{
		"rds:RestoreDBInstanceFromDBSnapshot": {"kms:DescribeKey", "kms:CreateGrant", "kms:Decrypt"},
		"rds:CopyDBSnapshot":                  {"kms:DescribeKey", "kms:CreateGrant", "kms:Decrypt"},
	}},
	"rds:cluster-snapshot": {service: "rds", read: "rds:RestoreDBClusterFromSnapshot", calls: map[string][]string{
		"rds:RestoreDBClusterFromSnapshot": {"kms:DescribeKey", "kms:CreateGrant", "kms:Decrypt"},
	}},
	"secretsmanager:secret": {service: "secretsmanager", read: "secretsmanager:GetSecretValue", calls: map[string][]string{
		"secretsmanager:GetSecretValue": {"kms:Decrypt"}, "secretsmanager:PutSecretValue": {"kms:GenerateDataKey"},
	}},
	"sqs:queue": {service: "sqs", read: "sqs:ReceiveMessage", calls: map[string][]string{
		"sqs:ReceiveMessage": {"kms:Decrypt"}, "sqs:SendMessage": {"kms:GenerateDataKey", "kms:Decrypt"},
	}},
	"sns:topic": {service: "sns", read: "sns:Publish", calls: map[string][]string{
		"sns:Publish": {"kms:GenerateDataKey", "kms:Decrypt"},
	}},
	"dynamodb:table": {service: "dynamodb", read: "dynamodb:GetItem", calls: map[string][]string{
		"dynamodb:GetItem": {"kms:Decrypt"}, "dynamodb:Query": {"kms:Decrypt"}, "dynamodb:Scan": {"kms:Decrypt"}, "dynamodb:PutItem": {"kms:Decrypt"},
	}},
	"lambda:function": {service: "lambda", read: "lambda:GetFunctionConfiguration", calls: map[string][]string{
		"lambda:GetFunctionConfiguration": {"kms:Decrypt"},
	}},
	// CloudWatch Logs UG, "Encrypt log data using AWS KMS": the key policy
	// must allow the service principal logs.REGION.amazonaws.com, with the
	// encryption context aws:logs:arn naming the log group.
	"logs:log-group": {service: "logs", read: "logs:GetLogEvents", asService: true, calls: map[string][]string{
		"logs:GetLogEvents": {"kms:Decrypt"}, "logs:FilterLogEvents": {"kms:Decrypt"}, "logs:StartQuery": {"kms:Decrypt"},
	}},
}

// resourceFor finds the resource a query names: its ARN, or an S3 object ARN
// (arn:aws:s3:::bucket/key) of a bucket in the snapshot. A KMS ARN names a
// key or an alias, never a resource (whatever a resource's own fields
// claim), so that a question about a key does not build the resources.
func (g *Graph) resourceFor(ref string) *Resource {
	if a, err := parseIfARN(ref); err == nil && a.Service == "kms" {
		return nil
	}
	if r := g.kres.resource(g, ref); r != nil {
		return r // built for its key, before the others (keyresources.go)
	}
	g.needResources()
	return lookupResource(g.resourceARNs, ref, g.partition)
}

// lookupResource finds in byARN the resource ref names: by its ARN, or an
// S3 object's bucket.
func lookupResource(byARN map[string]*Resource, ref, partition string) *Resource {
	if r := byARN[ref]; r != nil {
		return r
	}
	if rest, ok := strings.CutPrefix(ref, "arn:"+partition+":s3:::"); ok {
		bucket, _, _ := strings.Cut(rest, "/")
		return byARN["arn:"+partition+":s3:::"+bucket]
	}
	return nil
}

// decideResource answers a query on an encrypted resource: the resource's own
// permission for the action, and each KMS call its service makes — with the
// caller's permissions, kms:ViaService set (IAM UG, forward access sessions)
// — on the resource's key. All must allow.
func (g *Graph) decideResource(q Query, res *Resource) (*direct, error) {
	sp, ok := servicePaths[res.Type]
	if !ok {
		return nil, fmt.Errorf("%s (%s): answers through this resource type are not supported yet", res.ARN, res.Type)
	}
	action := q.Action
	if action == "" || strings.EqualFold(action, "decrypt") || strings.EqualFold(action, "read") {
		action = sp.read
	}
	kmsCalls, ok := sp.calls[action]
	if !ok {
		for a, c := range sp.calls {
			if strings.EqualFold(a, action) {
				action, kmsCalls, ok = a, c, true
			}
		}
	}
	if !ok {
		return nil, fmt.Errorf("%s: keyhound knows no KMS path for %s on a %s", res.ARN, action, res.Type)
	}
	caller, err := arn.ParsePrincipal(q.Principal)
	if err != nil {
		return nil, err
	}
	dr := &direct{action: action, resource: res.ARN, verdict: eval.Allow}
	target := q.Resource
	switch {
	case res.Type != "s3:bucket":
		target = res.ARN
	case target == res.ARN:
		// Object actions on a bucket: ask about any object ("bucket/*"). A
		// policy limited to a prefix needs the object's ARN in the query.
		target = res.ARN + "/*"
	}

	dr.resource = target

	// The resource's own permission.
	rq := q
	rq.Action, rq.Resource = action, target
	r, unknowns, err := g.resourceRequest(rq, res)
	if err != nil {
		return nil, err
	}
	dr.unknowns = append(dr.unknowns, unknowns...)
	dr.addStep(Step{Action: action, Resource: target, Principal: q.Principal}, r)
	g.blockPublic(dr, res, caller, q.Principal, action, target)
	if strings.HasPrefix(res.Type, "rds:") && caller.Kind == arn.KindAccount && caller.AccountID != res.Account {
		// RDS UG, "Sharing a DB snapshot": to copy or restore an encrypted
		// shared snapshot, the identity "can't be a root AWS account
		// identity due to AWS KMS security restrictions".
		dr.steps = append(dr.steps, Step{
			Action: action, Resource: target, Principal: q.Principal, Decision: eval.Deny,
			DeniedBy: []eval.Denial{{Layer: eval.LayerKeyPolicy}},
			Note:     "RDS refuses an account's root user for encrypted snapshots shared from another account; use an IAM user or role",
		})
		dr.verdict = eval.Deny
	}

	// The KMS calls the service makes for the caller.
	if res.KeyGap != nil {
		// Which key, if any, is not known: it may refuse.
		dr.verdict = dr.verdict.And(eval.Conditional)
		dr.unknowns = append(dr.unknowns, *res.KeyGap)
		return dr.finish(), nil
	}
	if res.KeyRef == "" {
		return dr.finish(), nil
	}
	if res.Key == "" {
		dr.verdict = dr.verdict.And(eval.Conditional)
		dr.unknowns = append(dr.unknowns, Issue{
			Account: res.Account, Region: res.Region, Item: res.ARN, Path: res.Path(),
			Message: "the resource's key " + res.KeyRef + " is not in the snapshot: whether its service can use it for the caller is unknown",
		})
		return dr.finish(), nil
	}
	via := sp.service + "." + res.Region + ".amazonaws.com"
	if sp.asService {
		for _, call := range kmsCalls {
			kq := Query{
				Principal: via, Action: call, Resource: res.Key, ContextComplete: q.ContextComplete,
				Context: map[string][]string{"kms:EncryptionContext:aws:logs:arn": {res.ARN}, "aws:SourceAccount": {res.Account}, "aws:SourceArn": {res.ARN}},
			}
			kr, ku, err := g.Request(kq)
			if err != nil {
				return nil, err
			}
			dr.unknowns = append(dr.unknowns, ku...)
			dr.addStep(Step{Action: call, Resource: res.Key, Principal: via, Note: "the service calls KMS as its own service principal"}, kr)
		}
		return dr.finish(), nil
	}
	for _, call := range kmsCalls {
		kq := forwardKMSQuery(q, sp.service, res.Region, call, res.Key)
		if ec := serviceEncryptionContext(res, q.Resource); ec != nil && kq.EncryptionContext == nil {
			for k, v := range ec {
				kq.Context["kms:EncryptionContext:"+k] = []string{v}
			}
		}
		kr, ku, err := g.Request(kq)
		if err != nil {
			return nil, err
		}
		dr.unknowns = append(dr.unknowns, ku...)
		note := ""
		if k := g.keys[res.Key]; k != nil && k.Manager() == eval.KeyManagerAWS && caller.AccountID != k.Account {
			note = "an AWS managed key: only principals of its own account can use it, through its service; no policy change can share it (re-encrypt with a customer managed key and share that)"
		}
		dr.addStep(Step{Action: call, Resource: res.Key, Principal: q.Principal, ViaService: via, Note: note}, kr)
	}
	return dr.finish(), nil
}

// forwardKMSQuery is the query for a KMS call a service makes on key with the
// caller's permissions, as a forward access session (IAM UG, FAS):
// kms:ViaService SERVICE.REGION.amazonaws.com, aws:ViaAWSService true,
// aws:CalledVia the service; the original request's network keys are not
// passed on; a grant the service creates is for an AWS resource.
func forwardKMSQuery(q Query, service, region, call, key string) Query {
	kq := Query{
		Principal: q.Principal, Action: call, Resource: key, ContextComplete: q.ContextComplete, EncryptionContext: q.EncryptionContext,
		Context: map[string][]string{
			"kms:ViaService": {service + "." + region + ".amazonaws.com"}, "aws:ViaAWSService": {"true"}, "aws:CalledVia": {service + ".amazonaws.com"},
			"aws:SourceVpce": nil, "aws:SourceVpc": nil, "aws:VpcSourceIp": nil,
		},
	}
	for k, v := range q.Context {
		if _, set := kq.Context[k]; !set {
			kq.Context[k] = v
		}
	}
	if call == "kms:CreateGrant" {
		kq.Context["kms:GrantIsForAWSResource"] = []string{"true"}
	}
	return kq
}

// serviceEncryptionContext is the encryption context a service uses on the
// resource's data, when keyhound knows it.
func serviceEncryptionContext(res *Resource, target string) map[string]string {
	switch res.Type {
	case "s3:bucket":
		// S3 UG: aws:s3:arn is the object ARN, or the bucket ARN with a Bucket Key.
		if res.BucketKey || target == res.ARN {
			return map[string]string{"aws:s3:arn": res.ARN}
		}
		return map[string]string{"aws:s3:arn": target}
	case "secretsmanager:secret":
		return map[string]string{"SecretARN": res.ARN}
	case "sqs:queue":
		return map[string]string{"aws:sqs:arn": res.ARN}
	}
	return nil
}

// resourceRequest builds the request for the resource's own permission: its
// resource policy (or, for shared snapshots, their sharing attribute as the
// policy it amounts to), the caller's policies and the organization's.
func (g *Graph) resourceRequest(q Query, res *Resource) (*eval.Request, []Issue, error) {
	p, err := arn.ParsePrincipal(q.Principal)
	if err != nil {
		return nil, nil, err
	}
	r := &eval.Request{Principal: p, Action: q.Action, Resource: q.Resource, ResourceAccount: res.Account}
	ctx := policy.NewContext(q.ContextComplete)
	var gaps []Issue
	switch {
	case res.Type == "ec2:snapshot" || res.Type == "rds:snapshot" || res.Type == "rds:cluster-snapshot":
		r.ResourcePolicy = sharingPolicy(res)
		// A sharing attribute only grants, and only to other accounts.
		if res.PolicyGap() != nil && p.AccountID != res.Account {
			r.MarkUnknown(eval.LayerResourcePolicy)
			gaps = append(gaps, *res.PolicyGap())
		}
	case res.PolicyGap() != nil:
		// A resource policy may allow or deny anyone, its own account's principals too.
		r.MarkUnknown(eval.LayerResourcePolicy)
		gaps = append(gaps, *res.PolicyGap())
	case res.Policy() != nil:
		r.ResourcePolicy = res.Policy()
	}
	unknowns, err := g.callerSide(r, ctx, q.Principal)
	if err != nil {
		return nil, nil, err
	}
	unknowns = append(gaps, unknowns...)
	unknowns = append(unknowns, g.orgSide(r, ctx, p.AccountID, res.Account)...)
	// The caller's own request: not made by or through a service.
	setCallDefaults(ctx, p.Kind, strings.ToLower(q.Action), q.Context, q.ContextComplete)
	for _, k := range sortedKeys(q.Context) {
		if v := q.Context[k]; v == nil {
			ctx.SetAbsent(k)
		} else {
			ctx.Set(k, v...)
		}
	}
	r.Context = ctx
	if err := r.Prepare(); err != nil {
		return nil, nil, err
	}
	return r, unknowns, nil
}

// sharingPolicy expresses a snapshot's sharing attribute (EBS
// createVolumePermission, RDS "restore") as the resource policy it amounts
// to: the accounts it names (or everyone, for "all") may use the snapshot.
func sharingPolicy(res *Resource) *eval.NamedPolicy {
	var principals []string
	for _, a := range res.SharedWith() {
		if a == "all" {
			principals = append(principals, "*")
		} else {
			principals = append(principals, a)
		}
	}
	if len(principals) == 0 {
		return nil
	}
	svc, _, _ := strings.Cut(res.Type, ":")
	doc := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Sid":"SharedSnapshot","Effect":"Allow","Principal":{"AWS":%s},"Action":"%s:*","Resource":"*"}]}`,
		jsonList(principals), svc)
	pol, err := policy.ParseString(doc)
	if err != nil {
		return nil
	}
	name := "createVolumePermission"
	if svc == "rds" {
		name = "restore attribute"
	}
	return &eval.NamedPolicy{Name: name, Policy: pol}
}

func jsonList(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = `"` + s + `"`
	}
	return "[" + strings.Join(quoted, ",") + "]"
}

// addStep evaluates r and folds it into the answer.
func (dr *direct) addStep(st Step, r *eval.Request) {
	d, err := eval.Evaluate(r)
	if err != nil {
		st.Decision = eval.Deny
		st.Note = err.Error()
	} else {
		st.Decision, st.DeniedBy, st.Reasons, st.Conditions = d.Verdict, d.DeniedBy, d.Reasons, d.Conditions
	}
	st.request = r
	if dr.request == nil {
		dr.request = r
	}
	dr.steps = append(dr.steps, st)
	dr.verdict = dr.verdict.And(st.Decision)
}

// finish gathers the steps' denials, reasons and conditions.
func (dr *direct) finish() *direct {
	dr.deniedBy, dr.reasons = []eval.Denial{}, []eval.Reason{}
	for _, st := range dr.steps {
		dr.deniedBy = append(dr.deniedBy, st.DeniedBy...)
		dr.reasons = append(dr.reasons, st.Reasons...)
		dr.conditions = append(dr.conditions, st.Conditions...)
	}
	return dr
}
