package accessdenied

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The table of operations: the IAM action of each operation the Service
// Authorization Reference (and, for S3, each operation's "Permissions" in the
// S3 API Reference) names, where it differs from the operation's name.
func TestOperationAction(t *testing.T) {
	for _, tc := range []struct {
		service, operation, action, name string
		ok                               bool
	}{
		{"secretsmanager", "GetSecretValue", "secretsmanager:GetSecretValue", "GetSecretValue", true},
		{"rds", "restoredbinstancefromdbsnapshot", "rds:RestoreDBInstanceFromDBSnapshot", "RestoreDBInstanceFromDBSnapshot", true},
		{"lambda", "invoke", "lambda:InvokeFunction", "Invoke", true},
		{"lambda", "InvokeWithResponseStream", "lambda:InvokeFunction", "InvokeWithResponseStream", true},
		{"s3", "HeadObject", "s3:GetObject", "HeadObject", true},
		{"s3", "ListObjectsV2", "s3:ListBucket", "ListObjectsV2", true},
		{"s3", "GetBucketEncryption", "s3:GetEncryptionConfiguration", "GetBucketEncryption", true},
		{"s3", "CompleteMultipartUpload", "s3:PutObject", "CompleteMultipartUpload", true},
		{"kms", "ReEncrypt", "kms:ReEncryptFrom", "ReEncrypt", true},
		{"sqs", "SendMessageBatch", "sqs:SendMessage", "SendMessageBatch", true},
		{"sns", "PublishBatch", "sns:Publish", "PublishBatch", true},
		{"logs", "GetLogEvents", "logs:GetLogEvents", "GetLogEvents", true},
		{"ec2", "CreateVolume", "ec2:CreateVolume", "CreateVolume", true},
		{"dynamodb", "TransactGetItems", "dynamodb:GetItem", "TransactGetItems", true},
		{"sts", "AssumeRole", "sts:AssumeRole", "AssumeRole", true},
		// PartiQL's action depends on the statement: not guessed.
		{"dynamodb", "ExecuteStatement", "", "ExecuteStatement", false},
		// Not an operation of that service.
		{"kms", "GetSecretValue", "", "", false},
	} {
		action, name, ok := OperationAction(tc.service, tc.operation)
		if action != tc.action || name != tc.name || ok != tc.ok {
			t.Errorf("OperationAction(%s, %s) = %q, %q, %v; want %q, %q, %v", tc.service, tc.operation, action, name, ok, tc.action, tc.name, tc.ok)
		}
	}
}

func TestOperationServices(t *testing.T) {
	for op, want := range map[string]string{
		"GetSecretValue":                  "secretsmanager",
		"Decrypt":                         "kms",
		"RestoreDBInstanceFromDBSnapshot": "rds",
		"Invoke":                          "lambda",
		"GetItem":                         "dynamodb",
		"ListTagsForResource":             "logs,rds,sns",
		"TagResource":                     "dynamodb,kms,lambda,logs,secretsmanager,sns",
		"PutResourcePolicy":               "dynamodb,lambda,logs,secretsmanager",
		"AddPermission":                   "lambda,sns,sqs",
		"NoSuchOperation":                 "",
	} {
		if got := strings.Join(OperationServices(op), ","); got != want {
			t.Errorf("OperationServices(%s) = %s, want %s", op, got, want)
		}
	}
}

// The table covers every service keyhound models, each at the SDK version
// go.mod requires: a new SDK version means the table is made again.
func TestOperationsTableMatchesGoMod(t *testing.T) {
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	header := regexp.MustCompile(`(?m)^\[(\S+)\] aws-sdk-go-v2/service/(\S+) (v\S+)$`)
	seen := map[string]bool{}
	for _, g := range header.FindAllStringSubmatch(operationsFile, -1) {
		seen[g[1]] = true
		if req := "github.com/aws/aws-sdk-go-v2/service/" + g[2] + " " + g[3]; !strings.Contains(string(mod), req) {
			t.Errorf("[%s]: go.mod does not require %s: make the table again from the SDK go.mod requires", g[1], req)
		}
	}
	for _, svc := range []string{"kms", "s3", "ec2", "rds", "secretsmanager", "sqs", "sns", "dynamodb", "lambda", "logs", "sts"} {
		if !seen[svc] {
			t.Errorf("no [%s] section", svc)
		}
	}
}

func TestLoadOperationsRejects(t *testing.T) {
	for _, text := range []string{
		"Decrypt",                        // no [prefix]
		"[kms]\nDecrypt\nDecrypt",        // twice
		"[kms]\nReEncrypt ReEncryptFrom", // action without prefix
		"[kms]\nA b c",                   // too many fields
		"[]\nDecrypt",                    // empty prefix
	} {
		if _, err := loadOperations(text); err == nil {
			t.Errorf("loadOperations(%q) accepted it", text)
		}
	}
}
