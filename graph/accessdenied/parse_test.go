package accessdenied

import (
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/eval"
)

func layer(l eval.Layer) *eval.Layer { return &l }

// corpus is real-shaped AccessDenied errors: the IAM User Guide's
// templates ("Troubleshoot access denied error messages"), the S3 User
// Guide's 403 messages, the KMS forms that hide the key, and the envelopes
// the CLI, the SDKs, JSON and XML bodies and CloudTrail put them in.
var corpus = []struct {
	name string
	in   string
	want Message
}{
	// IAM UG, "Troubleshoot access denied error messages": every policy type.
	{
		"iam-ug implicit scp", `User: arn:aws:iam::777788889999:user/JohnDoe is not authorized to perform: codecommit:ListRepositories because no service control policy allows the codecommit:ListRespositories action`,
		Message{Principal: "arn:aws:iam::777788889999:user/JohnDoe", Action: "codecommit:ListRepositories", Kind: KindImplicit, PolicyType: "service control policy", Layer: layer(eval.LayerSCP)},
	},
	{
		"iam-ug explicit scp", `User: arn:aws:iam::777788889999:user/JohnDoe is not authorized to perform: codecommit:ListRepositories with an explicit deny in a service control policy`,
		Message{Principal: "arn:aws:iam::777788889999:user/JohnDoe", Action: "codecommit:ListRepositories", Kind: KindExplicit, PolicyType: "service control policy", Layer: layer(eval.LayerSCP)},
	},
	{
		"iam-ug explicit rcp", `User: arn:aws:iam::777788889999:user/JohnDoe is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:123456789012:secret:* with an explicit deny in a resource control policy`,
		Message{Principal: "arn:aws:iam::777788889999:user/JohnDoe", Action: "secretsmanager:GetSecretValue", Resource: "arn:aws:secretsmanager:us-east-1:123456789012:secret:*", Kind: KindExplicit, PolicyType: "resource control policy", Layer: layer(eval.LayerRCP), Region: "us-east-1"},
	},
	{
		"iam-ug implicit vpce", `User: arn:aws:iam::123456789012:user/MaryMajor is not authorized to perform: codecommit:ListRepositories because no VPC endpoint policy allows the codecommit:ListRepositories action`,
		Message{Principal: "arn:aws:iam::123456789012:user/MaryMajor", Action: "codecommit:ListRepositories", Kind: KindImplicit, PolicyType: "vpc endpoint policy", Layer: layer(eval.LayerVPCEndpointPolicy)},
	},
	{
		"iam-ug transitive", `User: arn:aws:iam::123456789012:user/MaryMajor is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab with an explicit deny in a VPC endpoint policy transitively through a service control policy`,
		Message{Principal: "arn:aws:iam::123456789012:user/MaryMajor", Action: "kms:Decrypt", Resource: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", Kind: KindExplicit, PolicyType: "vpc endpoint policy", Layer: layer(eval.LayerVPCEndpointPolicy), Transitive: "service control policy", Region: "us-east-1"},
	},
	{
		"iam-ug implicit boundary", `User: arn:aws:iam::123456789012:user/MaryMajor is not authorized to perform: codedeploy:ListDeployments on resource: arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:* because no permissions boundary allows the codedeploy:ListDeployments action`,
		Message{Principal: "arn:aws:iam::123456789012:user/MaryMajor", Action: "codedeploy:ListDeployments", Resource: "arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:*", Kind: KindImplicit, PolicyType: "permissions boundary", Layer: layer(eval.LayerPermissionsBoundary), Region: "us-east-1"},
	},
	{
		"iam-ug explicit sessions policy (sic)", `User: arn:aws:sts::123456789012:assumed-role/R/s is not authorized to perform: codecommit:ListRepositories on resource: arn:aws:codecommit:us-east-1:123456789012:repo with an explicit deny in a sessions policy`,
		Message{Principal: "arn:aws:sts::123456789012:assumed-role/R/s", Action: "codecommit:ListRepositories", Resource: "arn:aws:codecommit:us-east-1:123456789012:repo", Kind: KindExplicit, PolicyType: "sessions policy", Layer: layer(eval.LayerSessionPolicy), Region: "us-east-1"},
	},
	{
		"iam-ug implicit resource-based on a key", `User: arn:aws:iam::222222222222:user/dilip is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001 because no resource-based policy allows the kms:Decrypt action`,
		Message{Principal: "arn:aws:iam::222222222222:user/dilip", Action: "kms:Decrypt", Resource: "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001", Kind: KindImplicit, PolicyType: "resource-based policy", Layer: layer(eval.LayerKeyPolicy), Region: "us-east-1"},
	},
	{
		"iam-ug implicit trust", `User: arn:aws:iam::123456789012:user/JaneDoe is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role/Admin because no role trust policy allows the sts:AssumeRole action`,
		Message{Principal: "arn:aws:iam::123456789012:user/JaneDoe", Action: "sts:AssumeRole", Resource: "arn:aws:iam::111122223333:role/Admin", Kind: KindImplicit, PolicyType: "role trust policy", Layer: layer(eval.LayerTrustPolicy)},
	},
	{
		"iam-ug explicit the role trust policy", `User: arn:aws:iam::123456789012:user/JaneDoe is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role/Admin with an explicit deny in the role trust policy`,
		Message{Principal: "arn:aws:iam::123456789012:user/JaneDoe", Action: "sts:AssumeRole", Resource: "arn:aws:iam::111122223333:role/Admin", Kind: KindExplicit, PolicyType: "role trust policy", Layer: layer(eval.LayerTrustPolicy)},
	},
	{
		"iam-ug implicit identity", `User: arn:aws:iam::123456789012:role/HR is not authorized to perform: codecommit:ListRepositories because no identity-based policy allows the codecommit:ListRepositories action`,
		Message{Principal: "arn:aws:iam::123456789012:role/HR", Action: "codecommit:ListRepositories", Kind: KindImplicit, PolicyType: "identity-based policy", Layer: layer(eval.LayerIdentityPolicy)},
	},
	// S3 UG 403: the resource quoted; the bare message to callers outside the organization.
	{
		"s3 quoted resource", `User: arn:aws:iam::222222222222:user/dilip is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::kh-demo-legacy-exports/report.csv" because no identity-based policy allows the s3:GetObject action`,
		Message{Principal: "arn:aws:iam::222222222222:user/dilip", Action: "s3:GetObject", Resource: "arn:aws:s3:::kh-demo-legacy-exports/report.csv", Kind: KindImplicit, PolicyType: "identity-based policy", Layer: layer(eval.LayerIdentityPolicy)},
	},
	{
		"s3 xml generic", `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>4442587FB7D0A2F9</RequestId><HostId>abc=</HostId></Error>`,
		Message{Source: "xml", Exception: "AccessDenied", Kind: KindGeneric, RequestID: "4442587FB7D0A2F9"},
	},
	// KMS hides the key.
	{
		"kms hidden (Backup DG)", `User: arn:aws:sts::111122223333:assumed-role/AWSBackupDefaultServiceRole/AWSBackup-AWSBackupDefaultServiceRole is not authorized to perform: kms:CreateGrant on this resource because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access`,
		Message{Principal: "arn:aws:sts::111122223333:assumed-role/AWSBackupDefaultServiceRole/AWSBackup-AWSBackupDefaultServiceRole", Action: "kms:CreateGrant", ResourceHidden: true, Kind: KindKMSHidden},
	},
	{
		"kms via s3 ciphertext", `User: *** is not authorized to perform: kms:Decrypt on the resource associated with this ciphertext because no identity-based policy allows the kms:Decrypt action`,
		Message{Principal: "***", Action: "kms:Decrypt", ResourceHidden: true, Kind: KindImplicit, PolicyType: "identity-based policy", Layer: layer(eval.LayerIdentityPolicy)},
	},
	{
		"kms legacy", `The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.`,
		Message{Action: "kms:Decrypt", ResourceHidden: true, Kind: KindLegacyCiphertext},
	},
	{
		"kms pending deletion", `An error occurred (KMSInvalidStateException) when calling the Decrypt operation: arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a006 is pending deletion.`,
		Message{Source: "cli", Exception: "KMSInvalidStateException", Operation: "Decrypt", Action: "kms:Decrypt", Resource: "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a006", Kind: KindKeyState, KeyState: "PendingDeletion", Region: "us-east-1"},
	},
	{
		"kms disabled (Go SDK)", `operation error KMS: Decrypt, https response error StatusCode: 400, RequestID: 7a1b2c3d-0000-4000-8000-000000000001, DisabledException: arn:aws:kms:eu-west-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a002 is disabled.`,
		Message{Source: "sdk-go", Exception: "DisabledException", Service: "kms", Operation: "Decrypt", Action: "kms:Decrypt", Resource: "arn:aws:kms:eu-west-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a002", Kind: KindKeyState, KeyState: "Disabled", Region: "eu-west-1", RequestID: "7a1b2c3d-0000-4000-8000-000000000001"},
	},
	{
		"kms not found", `An error occurred (NotFoundException) when calling the DescribeKey operation: Key 'arn:aws:kms:us-east-1:111111111111:key/nope' does not exist`,
		Message{Source: "cli", Exception: "NotFoundException", Operation: "DescribeKey", Resource: "arn:aws:kms:us-east-1:111111111111:key/nope", Kind: KindNotFound, Action: "kms:DescribeKey", Region: "us-east-1"},
	},
	// Envelopes.
	{
		"cli", `An error occurred (AccessDeniedException) when calling the GetSecretValue operation: User: arn:aws:sts::222222222222:assumed-role/DataEngineer/alice is not authorized to perform: secretsmanager:GetSecretValue on resource: prod/db-password because no identity-based policy allows the secretsmanager:GetSecretValue action`,
		Message{Source: "cli", Exception: "AccessDeniedException", Operation: "GetSecretValue", Principal: "arn:aws:sts::222222222222:assumed-role/DataEngineer/alice", Action: "secretsmanager:GetSecretValue", Resource: "prod/db-password", Kind: KindImplicit, PolicyType: "identity-based policy", Layer: layer(eval.LayerIdentityPolicy)},
	},
	{
		"python", `botocore.exceptions.ClientError: An error occurred (AccessDeniedException) when calling the Decrypt operation: User: arn:aws:iam::444444444444:role/Tinkerer is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001 with an explicit deny in a service control policy`,
		Message{Source: "sdk-python", Exception: "AccessDeniedException", Operation: "Decrypt", Principal: "arn:aws:iam::444444444444:role/Tinkerer", Action: "kms:Decrypt", Resource: "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001", Kind: KindExplicit, PolicyType: "service control policy", Layer: layer(eval.LayerSCP), Region: "us-east-1"},
	},
	{
		"go sdk", `operation error KMS: Decrypt, https response error StatusCode: 400, RequestID: 0f5e1f0a-1111-4222-8333-444455556666, api error AccessDeniedException: User: arn:aws:iam::555555555555:root is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001 with an explicit deny in a resource control policy`,
		Message{Source: "sdk-go", Exception: "AccessDeniedException", Service: "kms", Operation: "Decrypt", Principal: "arn:aws:iam::555555555555:root", Action: "kms:Decrypt", Resource: "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001", Kind: KindExplicit, PolicyType: "resource control policy", Layer: layer(eval.LayerRCP), Region: "us-east-1", RequestID: "0f5e1f0a-1111-4222-8333-444455556666"},
	},
	{
		"java v2", `software.amazon.awssdk.services.kms.model.KmsException: User: arn:aws:iam::222222222222:user/dilip-no-policy is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001 because no identity-based policy allows the kms:Decrypt action (Service: Kms, Status Code: 400, Request ID: 5c3e2d1a-0000-4000-8000-000000000002)`,
		Message{Source: "sdk-java", Service: "kms", Principal: "arn:aws:iam::222222222222:user/dilip-no-policy", Action: "kms:Decrypt", Resource: "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001", Kind: KindImplicit, PolicyType: "identity-based policy", Layer: layer(eval.LayerIdentityPolicy), Exception: "AccessDeniedException", Region: "us-east-1", RequestID: "5c3e2d1a-0000-4000-8000-000000000002"},
	},
	{
		"java v1", `com.amazonaws.services.kms.model.AWSKMSException: User: arn:aws:iam::222222222222:user/dilip-no-policy is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001 because no identity-based policy allows the kms:Decrypt action (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException; Request ID: 5c3e2d1a-0000-4000-8000-000000000003; Proxy: null)`,
		Message{Source: "sdk-java", Service: "kms", Exception: "AccessDeniedException", Principal: "arn:aws:iam::222222222222:user/dilip-no-policy", Action: "kms:Decrypt", Resource: "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001", Kind: KindImplicit, PolicyType: "identity-based policy", Layer: layer(eval.LayerIdentityPolicy), Region: "us-east-1", RequestID: "5c3e2d1a-0000-4000-8000-000000000003"},
	},
	{
		"js v3", `AccessDeniedException: User: arn:aws:sts::222222222222:assumed-role/Batch/job-7 is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a004 because no resource-based policy allows the kms:Decrypt action`,
		Message{Source: "sdk-js", Exception: "AccessDeniedException", Principal: "arn:aws:sts::222222222222:assumed-role/Batch/job-7", Action: "kms:Decrypt", Resource: "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a004", Kind: KindImplicit, PolicyType: "resource-based policy", Layer: layer(eval.LayerKeyPolicy), Region: "us-east-1"},
	},
	{
		"json body", `{"__type":"AccessDeniedException","message":"User: arn:aws:iam::222222222222:user/dilip is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a005 because no identity-based policy allows the kms:Decrypt action"}`,
		Message{Source: "json", Exception: "AccessDeniedException", Principal: "arn:aws:iam::222222222222:user/dilip", Action: "kms:Decrypt", Resource: "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a005", Kind: KindImplicit, PolicyType: "identity-based policy", Layer: layer(eval.LayerIdentityPolicy), Region: "us-east-1"},
	},
	{
		"cloudtrail", `{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::222222222222:assumed-role/DataEngineer/alice","accountId":"222222222222"},"eventSource":"kms.amazonaws.com","eventName":"Decrypt","awsRegion":"us-east-1","errorCode":"AccessDenied","errorMessage":"User: arn:aws:sts::222222222222:assumed-role/DataEngineer/alice is not authorized to perform: kms:Decrypt on this resource because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access","requestParameters":{"keyId":"arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a004","encryptionAlgorithm":"SYMMETRIC_DEFAULT"},"requestID":"abc-123"}`,
		Message{Source: "cloudtrail", Exception: "AccessDenied", Service: "kms", Operation: "Decrypt", Principal: "arn:aws:sts::222222222222:assumed-role/DataEngineer/alice", Action: "kms:Decrypt", Resource: "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a004", Kind: KindKMSHidden, Region: "us-east-1", RequestID: "abc-123"},
	},
	// Log noise.
	{
		"logged, quoted, escaped and wrapped", "2026-11-24T03:12:09Z ERROR worker: \"An error occurred (AccessDeniedException) when calling the Decrypt operation: User: arn:aws:iam::222222222222:user/dilip-no-policy is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111111111111:key/\n  1d6a2f4e-0000-4000-8000-00000000a001 because no identity-based policy allows the kms:Decrypt action\"",
		Message{Source: "cli", Exception: "AccessDeniedException", Operation: "Decrypt", Principal: "arn:aws:iam::222222222222:user/dilip-no-policy", Action: "kms:Decrypt", Resource: "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001", Kind: KindImplicit, PolicyType: "identity-based policy", Layer: layer(eval.LayerIdentityPolicy), Region: "us-east-1"},
	},
	{
		"json-escaped in a log line", `{"level":"error","msg":"decrypt failed","error":"AccessDeniedException: User: arn:aws:iam::222222222222:user/dilip is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a005 because no identity-based policy allows the kms:Decrypt action"}`,
		Message{Source: "sdk-js", Exception: "AccessDeniedException", Principal: "arn:aws:iam::222222222222:user/dilip", Action: "kms:Decrypt", Resource: "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a005", Kind: KindImplicit, PolicyType: "identity-based policy", Layer: layer(eval.LayerIdentityPolicy), Region: "us-east-1"},
	},
	// Other services of the issue: EBS/EC2, RDS, SQS.
	{
		"ec2 encoded", `An error occurred (UnauthorizedOperation) when calling the CreateVolume operation: You are not authorized to perform this operation. User: arn:aws:iam::222222222222:role/SnapshotCopier is not authorized to perform: ec2:CreateVolume on resource: arn:aws:ec2:us-east-1:222222222222:volume/* because no identity-based policy allows the ec2:CreateVolume action`,
		Message{Source: "cli", Exception: "UnauthorizedOperation", Operation: "CreateVolume", Principal: "arn:aws:iam::222222222222:role/SnapshotCopier", Action: "ec2:CreateVolume", Resource: "arn:aws:ec2:us-east-1:222222222222:volume/*", Kind: KindImplicit, PolicyType: "identity-based policy", Layer: layer(eval.LayerIdentityPolicy), Region: "us-east-1"},
	},
	{
		"rds", `An error occurred (AccessDenied) when calling the RestoreDBInstanceFromDBSnapshot operation: User: arn:aws:iam::222222222222:role/SnapshotCopier is not authorized to perform: rds:RestoreDBInstanceFromDBSnapshot on resource: arn:aws:rds:us-east-1:111111111111:snapshot:kh-demo-db-snap because no resource-based policy allows the rds:RestoreDBInstanceFromDBSnapshot action`,
		Message{Source: "cli", Exception: "AccessDenied", Operation: "RestoreDBInstanceFromDBSnapshot", Principal: "arn:aws:iam::222222222222:role/SnapshotCopier", Action: "rds:RestoreDBInstanceFromDBSnapshot", Resource: "arn:aws:rds:us-east-1:111111111111:snapshot:kh-demo-db-snap", Kind: KindImplicit, PolicyType: "resource-based policy", Layer: layer(eval.LayerResourcePolicy), Region: "us-east-1"},
	},
	{
		"sqs", `An error occurred (AccessDenied) when calling the ReceiveMessage operation: User: arn:aws:iam::222222222222:role/Batch is not authorized to perform: sqs:receivemessage on resource: arn:aws:sqs:us-east-1:111111111111:jobs because no identity-based policy allows the sqs:receivemessage action`,
		Message{Source: "cli", Exception: "AccessDenied", Operation: "ReceiveMessage", Principal: "arn:aws:iam::222222222222:role/Batch", Action: "sqs:receivemessage", Resource: "arn:aws:sqs:us-east-1:111111111111:jobs", Kind: KindImplicit, PolicyType: "identity-based policy", Layer: layer(eval.LayerIdentityPolicy), Region: "us-east-1"},
	},
	{
		"sts", `An error occurred (AccessDenied) when calling the AssumeRole operation: User: arn:aws:iam::222222222222:user/dilip is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111111111111:role/ReportsReader`,
		Message{Source: "cli", Exception: "AccessDenied", Operation: "AssumeRole", Principal: "arn:aws:iam::222222222222:user/dilip", Action: "sts:AssumeRole", Resource: "arn:aws:iam::111111111111:role/ReportsReader", Kind: KindGeneric},
	},
}

func TestParseCorpus(t *testing.T) {
	for _, tc := range corpus {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			checkMessage(t, got, tc.want)
		})
	}
}

// checkMessage compares a parsed message with the expected one; an expected
// Source "" means "text", an Exception "" on a templated message
// AccessDeniedException, a Service "" the action's prefix.
func checkMessage(t *testing.T, got *Message, want Message) {
	t.Helper()
	if want.Source == "" {
		want.Source = "text"
	}
	if want.Exception == "" && (want.Kind == KindImplicit || want.Kind == KindExplicit || want.Kind == KindKMSHidden) {
		want.Exception = "AccessDeniedException"
	}
	if want.Service == "" && want.Action != "" {
		want.Service = want.Action[:indexColon(want.Action)]
	}
	check := func(field, g, w string) {
		t.Helper()
		if g != w {
			t.Errorf("%s = %q, want %q", field, g, w)
		}
	}
	check("source", got.Source, want.Source)
	check("exception", got.Exception, want.Exception)
	check("service", got.Service, want.Service)
	check("operation", got.Operation, want.Operation)
	check("principal", got.Principal, want.Principal)
	check("action", got.Action, want.Action)
	check("resource", got.Resource, want.Resource)
	check("kind", got.Kind, want.Kind)
	check("policy type", got.PolicyType, want.PolicyType)
	check("transitive", got.Transitive, want.Transitive)
	check("key state", got.KeyState, want.KeyState)
	check("region", got.Region, want.Region)
	check("request ID", got.RequestID, want.RequestID)
	check("KMS key", got.KMSKey, want.KMSKey)
	check("KMS cause", got.KMSCause, want.KMSCause)
	check("KMS action", got.KMSAction, want.KMSAction)
	check("services", strings.Join(got.Services, ","), strings.Join(want.Services, ","))
	if got.ResourceHidden != want.ResourceHidden {
		t.Errorf("resource hidden = %v, want %v", got.ResourceHidden, want.ResourceHidden)
	}
	switch {
	case (got.Layer == nil) != (want.Layer == nil):
		t.Errorf("layer = %v, want %v", got.Layer, want.Layer)
	case got.Layer != nil && *got.Layer != *want.Layer:
		t.Errorf("layer = %s, want %s", *got.Layer, *want.Layer)
	}
	switch {
	case (got.KMS == nil) != (want.KMS == nil):
		t.Errorf("inner KMS error = %+v, want %+v", got.KMS, want.KMS)
	case got.KMS != nil:
		check("inner kind", got.KMS.Kind, want.KMS.Kind)
		check("inner principal", got.KMS.Principal, want.KMS.Principal)
		check("inner action", got.KMS.Action, want.KMS.Action)
		check("inner resource", got.KMS.Resource, want.KMS.Resource)
	}
}

func indexColon(s string) int {
	for i := range s {
		if s[i] == ':' {
			return i
		}
	}
	return len(s)
}

func TestParseRejects(t *testing.T) {
	for _, in := range []string{"", "   ", "hello world", `{"ok":true}`, "<html>nope</html>", "User: is not authorized"} {
		if m, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) = %+v, want an error", in, m)
		}
	}
}

// BenchmarkParse parses each message of the corpus once per iteration.
func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, tc := range corpus {
			if _, err := Parse(tc.in); err != nil {
				b.Fatal(err)
			}
		}
	}
}
