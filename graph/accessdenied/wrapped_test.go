package accessdenied

import (
	"testing"

	"github.com/keyhound/keyhound/graph/eval"
)

const (
	rdsKey     = "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a003"
	secretsKey = "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a004"
)

// serviceCorpus is the KMS failures services report in their own words, and
// messages that name an operation but not its service. Each case says where
// its form is defined or was observed.
var serviceCorpus = []struct {
	name string
	in   string
	want Message
}{
	// RDS API Reference, Errors, and aws-sdk-go-v2 service/rds/types/errors.go:
	// KMSKeyNotAccessibleFault. The message is issue #12's.
	{
		"rds KMSKeyNotAccessibleFault (cli)", `An error occurred (KMSKeyNotAccessibleFault) when calling the RestoreDBInstanceFromDBSnapshot operation: The specified KMS key [` + rdsKey + `] does not exist, is not enabled or you do not have permissions to access it.`,
		Message{Source: "cli", Exception: "KMSKeyNotAccessibleFault", Service: "rds", Operation: "RestoreDBInstanceFromDBSnapshot", Action: "rds:RestoreDBInstanceFromDBSnapshot", Kind: KindServiceKMS, KMSKey: rdsKey, KMSCause: CauseNotAccessible, Region: "us-east-1"},
	},
	// The same fault on CopyDBClusterSnapshot, observed in
	// awslabs/aurora-snapshot-tool#29 ("The source snapshot KMS key [ARN] …").
	{
		"rds KMSKeyNotAccessibleFault source snapshot (python, logged)", `[ERROR] 2020-03-31T09:00:41.188Z An error occurred (KMSKeyNotAccessibleFault) when calling the CopyDBClusterSnapshot operation: The source snapshot KMS key [arn:aws:kms:eu-west-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000c001] does not exist, is not enabled or you do not have permissions to access it.`,
		Message{Source: "cli", Exception: "KMSKeyNotAccessibleFault", Service: "rds", Operation: "CopyDBClusterSnapshot", Action: "rds:CopyDBClusterSnapshot", Kind: KindServiceKMS, KMSKey: "arn:aws:kms:eu-west-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000c001", KMSCause: CauseNotAccessible, Region: "eu-west-1"},
	},
	// The Go SDK's envelope around the same fault (service ID "RDS").
	{
		"rds KMSKeyNotAccessibleFault (go sdk)", `operation error RDS: RestoreDBInstanceFromDBSnapshot, https response error StatusCode: 400, RequestID: 8f1e0c2a-0000-4000-8000-000000000001, api error KMSKeyNotAccessibleFault: The specified KMS key [` + rdsKey + `] does not exist, is not enabled or you do not have permissions to access it.`,
		Message{Source: "sdk-go", Exception: "KMSKeyNotAccessibleFault", Service: "rds", Operation: "RestoreDBInstanceFromDBSnapshot", Action: "rds:RestoreDBInstanceFromDBSnapshot", Kind: KindServiceKMS, KMSKey: rdsKey, KMSCause: CauseNotAccessible, Region: "us-east-1", RequestID: "8f1e0c2a-0000-4000-8000-000000000001"},
	},
	// Lambda, from the console's test invoke, with KMS's own message inside:
	// observed in cattle-ops/terraform-aws-gitlab-runner#1253 ("… KMS
	// Exception: AccessDeniedExceptionKMS Message: User: … (Service: Kms, …)").
	{
		"lambda console, KMS template inside", `Calling the invoke API action failed with this message: Lambda was unable to decrypt the environment variables because KMS access was denied. Please check the function's KMS key settings. KMS Exception: AccessDeniedExceptionKMS Message: User: arn:aws:sts::222222222222:assumed-role/Batch/fn is not authorized to perform: kms:Decrypt on resource: ` + secretsKey + ` because no identity-based policy allows the kms:Decrypt action (Service: Kms, Status Code: 400, Request ID: 5c3e2d1a-0000-4000-8000-000000000009)`,
		Message{
			Source: "console", Service: "lambda", Operation: "Invoke", Action: "lambda:InvokeFunction", Principal: "arn:aws:sts::222222222222:assumed-role/Batch/fn",
			Kind: KindServiceKMS, KMSKey: secretsKey, KMSCause: CauseDenied, KMSAction: "kms:Decrypt", Region: "us-east-1",
			KMS: &Message{Kind: KindImplicit, Principal: "arn:aws:sts::222222222222:assumed-role/Batch/fn", Action: "kms:Decrypt", Resource: secretsKey, Layer: layer(eval.LayerIdentityPolicy)},
		},
	},
	// The same with the legacy ciphertext message inside: observed in
	// serverless/examples#279 and DataBiosphere/azul#4200.
	{
		"lambda, legacy message inside", `Lambda was unable to decrypt the environment variables because KMS access was denied. Please check the function's KMS key settings. KMS Exception: AccessDeniedExceptionKMS Message: The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.`,
		Message{
			Service: "lambda", Kind: KindServiceKMS, KMSCause: CauseDenied, KMSAction: "kms:Decrypt",
			KMS: &Message{Kind: KindLegacyCiphertext, Action: "kms:Decrypt"},
		},
	},
	// AWS Knowledge Center, "lambda-kmsaccessdeniedexception-errors": a
	// recreated execution role ("UnrecognizedClientException … The security
	// token included in the request is invalid"), which is no AccessDenied
	// message keyhound parses: the KMS error is left out.
	{
		"lambda, recreated role (knowledge center)", `Calling the invoke API action failed with this message: Lambda was unable to decrypt the environment variables because KMS access was denied. Please check the function's AWS KMS key settings. KMS Exception: UnrecognizedClientExceptionKMS Message: The security token included in the request is invalid.`,
		Message{Source: "console", Service: "lambda", Operation: "Invoke", Action: "lambda:InvokeFunction", Kind: KindServiceKMS, KMSCause: CauseDenied, KMSAction: "kms:Decrypt"},
	},
	// aws-sdk-go-v2 service/lambda/types/errors.go: KMSDisabledException,
	// KMSNotFoundException, KMSInvalidStateException (Lambda's, not KMS's:
	// the operation is Lambda's Invoke).
	{
		"lambda KMSDisabledException (js)", `KMSDisabledException: Lambda was unable to decrypt the environment variables because the KMS key used is disabled. Please check the function's KMS key settings.`,
		Message{Source: "sdk-js", Exception: "KMSDisabledException", Service: "lambda", Kind: KindServiceKMS, KMSCause: CauseDisabled, KMSAction: "kms:Decrypt"},
	},
	{
		"lambda KMSNotFoundException (go sdk)", `operation error Lambda: Invoke, https response error StatusCode: 502, RequestID: 0b8d3f50-0000-4000-8000-000000000002, KMSNotFoundException: Lambda couldn't decrypt the environment variables because the KMS key was not found. Check the function's KMS key settings.`,
		Message{Source: "sdk-go", Exception: "KMSNotFoundException", Service: "lambda", Operation: "Invoke", Action: "lambda:InvokeFunction", Kind: KindServiceKMS, KMSCause: CauseNotFound, KMSAction: "kms:Decrypt", RequestID: "0b8d3f50-0000-4000-8000-000000000002"},
	},
	{
		"lambda KMSInvalidStateException (cli)", `An error occurred (KMSInvalidStateException) when calling the Invoke operation: Lambda was unable to decrypt the environment variables because the KMS key used is in an invalid state for Decrypt. Please check the function's KMS key settings.`,
		Message{Source: "cli", Exception: "KMSInvalidStateException", Service: "lambda", Operation: "Invoke", Action: "lambda:InvokeFunction", Kind: KindServiceKMS, KMSCause: CauseInvalidState, KMSAction: "kms:Decrypt"},
	},
	// aws-sdk-go-v2 service/sqs/types/errors.go (KmsAccessDenied: "The
	// caller doesn't have the required KMS access") and service/sqs/schemas
	// (the query protocol's KMS.AccessDeniedException, KMS.DisabledException).
	{
		"sqs KmsAccessDenied (go sdk)", `operation error SQS: SendMessage, https response error StatusCode: 400, RequestID: 6f5a1c2e-0000-4000-8000-000000000003, KmsAccessDenied: The caller doesn't have the required KMS access.`,
		Message{Source: "sdk-go", Exception: "KmsAccessDenied", Service: "sqs", Operation: "SendMessage", Action: "sqs:SendMessage", Kind: KindServiceKMS, KMSCause: CauseDenied, RequestID: "6f5a1c2e-0000-4000-8000-000000000003"},
	},
	{
		"sqs KMS.AccessDeniedException (query protocol, cli)", `An error occurred (KMS.AccessDeniedException) when calling the ReceiveMessage operation: User: arn:aws:sts::222222222222:assumed-role/Batch/job-7 is not authorized to perform: kms:Decrypt on resource: ` + secretsKey + ` because no resource-based policy allows the kms:Decrypt action`,
		Message{
			Source: "cli", Exception: "KMS.AccessDeniedException", Service: "sqs", Operation: "ReceiveMessage", Action: "sqs:ReceiveMessage", Principal: "arn:aws:sts::222222222222:assumed-role/Batch/job-7",
			Kind: KindServiceKMS, KMSKey: secretsKey, KMSCause: CauseDenied, KMSAction: "kms:Decrypt", Region: "us-east-1",
			KMS: &Message{Kind: KindImplicit, Principal: "arn:aws:sts::222222222222:assumed-role/Batch/job-7", Action: "kms:Decrypt", Resource: secretsKey},
		},
	},
	{
		"sqs KMS.DisabledException (query protocol, xml)", `<ErrorResponse><Error><Type>Sender</Type><Code>KMS.DisabledException</Code><Message>The request was rejected because the specified KMS key is not enabled.</Message></Error><RequestId>42d59b56-0000-4000-8000-000000000004</RequestId></ErrorResponse>`,
		Message{Source: "xml", Exception: "KMS.DisabledException", Kind: KindServiceKMS, KMSCause: CauseDisabled, RequestID: "42d59b56-0000-4000-8000-000000000004"},
	},
	// aws-sdk-go-v2 service/sns/types/errors.go: KMSAccessDeniedException,
	// whose error code is KMSAccessDenied; KMSDisabledException, KMSDisabled.
	{
		"sns KMSAccessDenied (cli)", `An error occurred (KMSAccessDenied) when calling the Publish operation: User: arn:aws:iam::222222222222:role/Batch is not authorized to perform: kms:GenerateDataKey on resource: ` + secretsKey + ` because no identity-based policy allows the kms:GenerateDataKey action`,
		Message{
			Source: "cli", Exception: "KMSAccessDenied", Service: "sns", Operation: "Publish", Action: "sns:Publish", Principal: "arn:aws:iam::222222222222:role/Batch",
			Kind: KindServiceKMS, KMSKey: secretsKey, KMSCause: CauseDenied, KMSAction: "kms:GenerateDataKey", Region: "us-east-1",
			KMS: &Message{Kind: KindImplicit, Principal: "arn:aws:iam::222222222222:role/Batch", Action: "kms:GenerateDataKey", Resource: secretsKey},
		},
	},
	{
		"sns KMSDisabled (go sdk)", `operation error SNS: Publish, https response error StatusCode: 400, RequestID: 1d2e3f4a-0000-4000-8000-000000000005, api error KMSDisabled: The request was rejected because the specified Amazon Web Services KMS key isn't enabled.`,
		Message{Source: "sdk-go", Exception: "KMSDisabled", Service: "sns", Operation: "Publish", Action: "sns:Publish", Kind: KindServiceKMS, KMSCause: CauseDisabled, RequestID: "1d2e3f4a-0000-4000-8000-000000000005"},
	},
	// Secrets Manager: "Access to KMS is not allowed" (AWS Knowledge Center,
	// "secrets-manager-cross-account-key"), from the CLI
	// (aws-samples/aws-secrets-manager-rotation-lambdas#53), the Go SDK v1
	// (andresriancho/aws-backup#5) and the Java SDK v1 (aws/aws-cdk#7677).
	{
		"secretsmanager Access to KMS is not allowed (cli)", `An error occurred (AccessDeniedException) when calling the GetSecretValue operation: Access to KMS is not allowed`,
		Message{Source: "cli", Exception: "AccessDeniedException", Service: "secretsmanager", Operation: "GetSecretValue", Action: "secretsmanager:GetSecretValue", Kind: KindServiceKMS, KMSCause: CauseDenied},
	},
	{
		"secretsmanager Access to KMS is not allowed (go sdk v1)", "Error: error reading Secrets Manager Secret Version: AccessDeniedException: Access to KMS is not allowed\n\tstatus code: 400, request id: 4ff6091e-fc13-4e0c-8805-24820cb106f6",
		Message{Source: "sdk-js", Exception: "AccessDeniedException", Service: "secretsmanager", Kind: KindServiceKMS, KMSCause: CauseDenied},
	},
	{
		"secretsmanager Access to KMS is not allowed (java v1)", `Access to KMS is not allowed (Service: AWSSecretsManager; Status Code: 400; Error Code: AccessDeniedException; Request ID: 0e1f2a3b-0000-4000-8000-000000000006)`,
		Message{Source: "sdk-java", Exception: "AccessDeniedException", Service: "secretsmanager", Kind: KindServiceKMS, KMSCause: CauseDenied, RequestID: "0e1f2a3b-0000-4000-8000-000000000006"},
	},
	// aws-sdk-go-v2 service/secretsmanager/types/errors.go: DecryptionFailure.
	{
		"secretsmanager DecryptionFailure (cli)", `An error occurred (DecryptionFailure) when calling the GetSecretValue operation: Secrets Manager can't decrypt the protected secret text using the provided KMS key.`,
		Message{Source: "cli", Exception: "DecryptionFailure", Service: "secretsmanager", Operation: "GetSecretValue", Action: "secretsmanager:GetSecretValue", Kind: KindServiceKMS, KMSCause: CauseUnusable, KMSAction: "kms:Decrypt"},
	},
	// DynamoDB: "KMS key access denied error: " and KMS's error, from the CLI
	// (aws/aws-cdk#10010) and CloudFormation with two Java envelopes, KMS's
	// inside DynamoDB's (aws/aws-cdk#18616).
	{
		"dynamodb KMS key access denied error (cli)", `An error occurred (AccessDeniedException) when calling the PutItem operation: KMS key access denied error: com.amazonaws.services.kms.model.AWSKMSException: The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access. (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException; Request ID: 0e35c348-57ef-4b0a-81e7-87e3fd0e4344; Proxy: null)`,
		Message{
			Source: "cli", Exception: "AccessDeniedException", Service: "dynamodb", Operation: "PutItem", Action: "dynamodb:PutItem", Kind: KindServiceKMS, KMSCause: CauseDenied, KMSAction: "kms:Decrypt",
			KMS: &Message{Kind: KindLegacyCiphertext, Action: "kms:Decrypt"},
		},
	},
	{
		"dynamodb KMS key access denied error (cloudformation, two java envelopes)", `KMS key access denied error: com.amazonaws.services.kms.model.AWSKMSException: The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access. (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException; Request ID: d7d7828b-5a92-40d3-b306-e3cfae47f761; Proxy: null) (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: AccessDeniedException; Request ID: fb5a9bb1-a81c-4504-a541-b172aa2797a9; Proxy: null)`,
		Message{
			Source: "sdk-java", Exception: "AccessDeniedException", Service: "dynamodb", Kind: KindServiceKMS, KMSCause: CauseDenied, KMSAction: "kms:Decrypt", RequestID: "fb5a9bb1-a81c-4504-a541-b172aa2797a9",
			KMS: &Message{Kind: KindLegacyCiphertext, Action: "kms:Decrypt"},
		},
	},
	// EC2: the state reason of an instance whose EBS volumes cannot use the
	// key (observed in EKS node groups' AsgInstanceLaunchFailures), and
	// ImportImage's InvalidParameterValue (awsdocs/vm-import-export-user-guide#9).
	{
		"ec2 Client.InvalidKMSKey.InvalidState (state reason)", `Client.InvalidKMSKey.InvalidState: The KMS key provided is in an incorrect state`,
		Message{Service: "ec2", Kind: KindServiceKMS, KMSCause: CauseNotAccessible},
	},
	{
		"ec2 The specified KMS key is not accessible (cli)", `An error occurred (InvalidParameterValue) when calling the ImportImage operation: The specified KMS key is not accessible. If this is a default EBS CMK, please retry your request without specifying the key explicitly`,
		Message{Source: "cli", Exception: "InvalidParameterValue", Service: "ec2", Operation: "ImportImage", Action: "ec2:ImportImage", Kind: KindServiceKMS, KMSCause: CauseNotAccessible},
	},
	// S3's KMS.* codes (RDS UG, "Failure messages for Amazon S3 export
	// tasks": AmazonS3Exception KMS.DisabledException,
	// KMS.KMSInvalidStateException), carrying KMS's own sentence.
	{
		"s3 KMS.DisabledException (cli)", `An error occurred (KMS.DisabledException) when calling the GetObject operation: ` + rdsKey + ` is disabled.`,
		Message{
			Source: "cli", Exception: "KMS.DisabledException", Service: "s3", Operation: "GetObject", Action: "s3:GetObject", Kind: KindServiceKMS, KMSKey: rdsKey, KMSCause: CauseDisabled, KeyState: "Disabled", Region: "us-east-1",
			KMS: &Message{Kind: KindKeyState, Resource: rdsKey},
		},
	},
	{
		"s3 KMS.KMSInvalidStateException (java v1)", `com.amazonaws.services.s3.model.AmazonS3Exception: ` + rdsKey + ` is pending deletion. (Service: Amazon S3; Status Code: 400; Error Code: KMS.KMSInvalidStateException; Request ID: 7QK0A3M2; Proxy: null)`,
		Message{
			Source: "sdk-java", Exception: "KMS.KMSInvalidStateException", Service: "s3", Kind: KindServiceKMS, KMSKey: rdsKey, KMSCause: CauseInvalidState, KeyState: "PendingDeletion", Region: "us-east-1", RequestID: "7QK0A3M2",
			KMS: &Message{Kind: KindKeyState, Resource: rdsKey},
		},
	},
	// KMS's own KMSInvalidStateException stays a key-state error.
	{
		"kms KMSInvalidStateException is not Lambda's", `An error occurred (KMSInvalidStateException) when calling the Decrypt operation: ` + rdsKey + ` is pending deletion.`,
		Message{Source: "cli", Exception: "KMSInvalidStateException", Operation: "Decrypt", Action: "kms:Decrypt", Resource: rdsKey, Kind: KindKeyState, KeyState: "PendingDeletion", Region: "us-east-1"},
	},
	// An operation without a service: the table of operations says which
	// (botocore, HEAD requests: "An error occurred (403) … Forbidden").
	{
		"s3 HeadObject 403 (cli)", `An error occurred (403) when calling the HeadObject operation: Forbidden`,
		Message{Source: "cli", Exception: "403", Operation: "HeadObject", Action: "s3:GetObject", Kind: KindGeneric},
	},
	{
		"s3 GetBucketEncryption (cli)", `An error occurred (AccessDenied) when calling the GetBucketEncryption operation: Access Denied`,
		Message{Source: "cli", Exception: "AccessDenied", Operation: "GetBucketEncryption", Action: "s3:GetEncryptionConfiguration", Kind: KindGeneric},
	},
	{
		"secretsmanager GetSecretValue, generic (cli)", `An error occurred (AccessDeniedException) when calling the GetSecretValue operation: Access denied`,
		Message{Source: "cli", Exception: "AccessDeniedException", Operation: "GetSecretValue", Action: "secretsmanager:GetSecretValue", Kind: KindGeneric},
	},
	// An operation several services have: not guessed.
	{
		"ambiguous ListTagsForResource (cli)", `An error occurred (AccessDenied) when calling the ListTagsForResource operation: Access Denied`,
		Message{Source: "cli", Exception: "AccessDenied", Operation: "ListTagsForResource", Kind: KindGeneric, Services: []string{"logs", "rds", "sns"}},
	},
	// … unless the rest of the message tells: a KMS key in a key-state error.
	{
		"ambiguous TagResource settled by the key (cli)", `An error occurred (KMSInvalidStateException) when calling the TagResource operation: ` + rdsKey + ` is pending deletion.`,
		Message{Source: "cli", Exception: "KMSInvalidStateException", Service: "kms", Operation: "TagResource", Action: "kms:TagResource", Resource: rdsKey, Kind: KindKeyState, KeyState: "PendingDeletion", Region: "us-east-1"},
	},
}

func TestParseServiceCorpus(t *testing.T) {
	for _, tc := range serviceCorpus {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			checkMessage(t, got, tc.want)
		})
	}
}

// A code another service also uses does not name the service by itself.
func TestServiceKMSCodesNeedTheirService(t *testing.T) {
	for _, in := range []string{
		// KMS's own, through the JS SDK: no envelope names the service.
		`KMSInvalidStateException: ` + rdsKey + ` is pending deletion.`,
		// A Lambda code returned by KMS itself would be KMS's.
		`operation error KMS: Decrypt, https response error StatusCode: 400, RequestID: 1, KMSInvalidStateException: ` + rdsKey + ` is pending deletion.`,
	} {
		m, err := Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if m.Kind != KindKeyState || m.KMSCause != "" {
			t.Errorf("%q: kind %s cause %q, want a key-state error", in, m.Kind, m.KMSCause)
		}
	}
}
