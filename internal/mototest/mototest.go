// Package mototest runs moto_server for end-to-end tests and seeds it with a
// small organization, for the scanner's and the CLI's tests. It is test
// support: no production code imports it.
package mototest

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Start starts moto_server on a free loopback port for this test and
// returns its endpoint. It skips when moto_server is not installed (.ci/run
// fails instead on CI, where every machine has it).
func Start(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto_server is not on PATH: the scanner's end-to-end tests need moto 5.2.1 (see ../shared/MOTO.md)")
	}
	// Test packages run in parallel, each with its own moto: a port the
	// kernel just handed out (and freed) may go to two of them. A random
	// high port, free when checked, and a moto that must stay up while it
	// answers, make sure each test talks to its own server.
	for attempt := 0; attempt < 5; attempt++ {
		if endpoint, ok := startOn(t, bin, freePort()); ok {
			return endpoint
		}
	}
	t.Fatal("moto_server did not start on a free port after 5 attempts")
	return ""
}

// freePort returns a random loopback port in 20000–59999 that is free now.
func freePort() int {
	for {
		port := 20000 + rand.IntN(40000) //nolint:gosec // G404: a test port, not a secret
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			_ = l.Close()
			return port
		}
	}
}

// startOn starts moto_server on port; ok is false when it exits (the port
// was taken meanwhile).
func startOn(t testing.TB, bin string, port int) (string, bool) {
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port)) //nolint:gosec // G204: moto_server from PATH, on loopback, in tests
	cmd.Env = append(os.Environ(), "MOTO_EC2_LOAD_DEFAULT_AMIS=false")
	cmd.Stdout, cmd.Stderr = nil, nil
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-exited:
			return "", false
		default:
		}
		resp, err := http.Get(endpoint + "/moto-api/")
		if err == nil {
			_ = resp.Body.Close()
			// The server answering must be the process we started, not
			// another test's moto on the same port.
			if owns, known := listensOn(cmd.Process.Pid, port); owns || !known {
				return endpoint, true
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not start on %s: %v", endpoint, err)
		}
		<-time.After(100 * time.Millisecond) // waiting for a process to listen
	}
}

// StaticConfig is an AWS configuration for moto at endpoint with the given credentials.
func StaticConfig(endpoint string, creds aws.CredentialsProvider) aws.Config {
	return aws.Config{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(endpoint), RetryMaxAttempts: 3}
}

// Seeded is what Seed put into moto, to check a scan against.
type Seeded struct {
	Management string
	Members    []string          // member account IDs
	Keys       map[string]string // account → key ARN
	// Buckets, Secrets, Queues, Snapshots (EBS), DBSnapshots and
	// ClusterSnapshots (RDS ARNs): account → the resource encrypted with its
	// key. Snapshots are shared with the next member.
	Buckets, Secrets, Queues, Snapshots, DBSnapshots, ClusterSnapshots map[string]string
	// Tables: account → a DynamoDB table encrypted with its key, with a
	// resource policy allowing the next member's Reader.
	Tables map[string]string
	DevOU  string
}

// Seed creates an organization with three member accounts in two OUs (prod,
// dev), an SCP denying kms:Decrypt on dev, and in each member account a role
// Reader allowed kms:Decrypt, a key with a root-delegation policy, an alias,
// a tag and a grant to the next member's Reader.
func Seed(ctx context.Context, t testing.TB, endpoint string) Seeded {
	t.Helper()
	mgmtCfg := StaticConfig(endpoint, credentials.NewStaticCredentialsProvider("testing", "testing", ""))
	org := organizations.NewFromConfig(mgmtCfg)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	out, err := org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll})
	must(err)
	s := Seeded{
		Management: aws.ToString(out.Organization.MasterAccountId), Keys: map[string]string{},
		Buckets: map[string]string{}, Secrets: map[string]string{}, Queues: map[string]string{},
		Snapshots: map[string]string{}, DBSnapshots: map[string]string{}, ClusterSnapshots: map[string]string{},
		Tables: map[string]string{},
	}
	roots, err := org.ListRoots(ctx, &organizations.ListRootsInput{})
	must(err)
	root := aws.ToString(roots.Roots[0].Id)
	// As in a real organization, SCPs take effect once their type is enabled.
	_, err = org.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: aws.String(root), PolicyType: orgtypes.PolicyTypeServiceControlPolicy})
	must(err)
	var ous []string
	for _, name := range []string{"prod", "dev"} {
		ou, err := org.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{Name: aws.String(name), ParentId: aws.String(root)})
		must(err)
		ous = append(ous, aws.ToString(ou.OrganizationalUnit.Id))
	}
	s.DevOU = ous[1]
	for i := range 3 {
		ca, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String(fmt.Sprintf("member-%d", i)), Email: aws.String(fmt.Sprintf("m%d@example.com", i))})
		must(err)
		id := aws.ToString(ca.CreateAccountStatus.AccountId)
		_, err = org.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(id), SourceParentId: aws.String(root), DestinationParentId: aws.String(ous[i%2])})
		must(err)
		s.Members = append(s.Members, id)
	}
	scp, err := org.CreatePolicy(ctx, &organizations.CreatePolicyInput{
		Name: aws.String("NoDecryptInDev"), Description: aws.String("d"), Type: orgtypes.PolicyTypeServiceControlPolicy,
		Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*"}]}`),
	})
	must(err)
	_, err = org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: scp.Policy.PolicySummary.Id, TargetId: aws.String(s.DevOU)})
	must(err)
	rcp, err := org.CreatePolicy(ctx, &organizations.CreatePolicyInput{
		Name: aws.String("DataPerimeter"), Description: aws.String("d"), Type: orgtypes.PolicyTypeResourceControlPolicy,
		Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"` + aws.ToString(out.Organization.Id) + `"},"Bool":{"aws:PrincipalIsAWSService":"false"}}}]}`),
	})
	must(err)
	_, err = org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: rcp.Policy.PolicySummary.Id, TargetId: aws.String(root)})
	must(err)

	stsc := sts.NewFromConfig(mgmtCfg)
	for i, acct := range s.Members {
		ar, err := stsc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + acct + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("seed")})
		must(err)
		c := ar.Credentials
		cfg := StaticConfig(endpoint, credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)))
		ic := iam.NewFromConfig(cfg)
		_, err = ic.CreateRole(ctx, &iam.CreateRoleInput{
			RoleName:                 aws.String("Reader"),
			AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"sts:AssumeRole"}]}`),
		})
		// The account is new: a Reader there is this call's own, made by
		// an attempt whose response was lost and retried by the SDK (seen
		// once under a loaded CI run: EntityAlreadyExists on the retry).
		if _, exists := errors.AsType[*iamtypes.EntityAlreadyExistsException](err); exists {
			err = nil
		}
		must(err)
		_, err = ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
			RoleName: aws.String("Reader"), PolicyName: aws.String("decrypt"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}`),
		})
		must(err)
		kc := kms.NewFromConfig(cfg)
		policy := `{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"kms:*","Resource":"*"}]}`
		key, err := kc.CreateKey(ctx, &kms.CreateKeyInput{
			Policy: aws.String(policy), Description: aws.String("member key"),
			Tags: []kmstypes.Tag{{TagKey: aws.String("team"), TagValue: aws.String(fmt.Sprint(i))}},
		})
		must(err)
		keyID := aws.ToString(key.KeyMetadata.KeyId)
		s.Keys[acct] = aws.ToString(key.KeyMetadata.Arn)
		_, err = kc.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(fmt.Sprintf("alias/app-%d", i)), TargetKeyId: aws.String(keyID)})
		must(err)
		other := s.Members[(i+1)%len(s.Members)]
		_, err = kc.CreateGrant(ctx, &kms.CreateGrantInput{
			KeyId: aws.String(keyID), GranteePrincipal: aws.String("arn:aws:iam::" + other + ":role/Reader"),
			Operations: []kmstypes.GrantOperation{kmstypes.GrantOperationDecrypt},
		})
		must(err)

		// Resources encrypted with the key.
		keyARN := s.Keys[acct]
		bucket := fmt.Sprintf("data-%s", acct)
		s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
		_, err = s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
		must(err)
		_, err = s3c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String(bucket), ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{
			Rules: []s3types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String(keyARN)}, BucketKeyEnabled: aws.Bool(true)}},
		}})
		must(err)
		_, err = s3c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + other + `:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/*"}]}`)})
		must(err)
		s.Buckets[acct] = "arn:aws:s3:::" + bucket
		sm := secretsmanager.NewFromConfig(cfg)
		sec, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("db-password"), KmsKeyId: aws.String(keyARN), SecretString: aws.String("never-read-by-keyhound")})
		must(err)
		_, err = sm.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: sec.ARN, ResourcePolicy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + other + `:role/Reader"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`)})
		must(err)
		s.Secrets[acct] = aws.ToString(sec.ARN)
		q, err := sqs.NewFromConfig(cfg).CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("orders"), Attributes: map[string]string{"KmsMasterKeyId": keyARN}})
		must(err)
		s.Queues[acct] = aws.ToString(q.QueueUrl)
		ddb := dynamodb.NewFromConfig(cfg)
		tbl, err := ddb.CreateTable(ctx, &dynamodb.CreateTableInput{
			TableName: aws.String("ledger"), BillingMode: ddbtypes.BillingModePayPerRequest,
			AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
			KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
			SSESpecification:     &ddbtypes.SSESpecification{Enabled: aws.Bool(true), SSEType: ddbtypes.SSETypeKms, KMSMasterKeyId: aws.String(keyARN)},
		})
		must(err)
		_, err = ddb.PutResourcePolicy(ctx, &dynamodb.PutResourcePolicyInput{ResourceArn: tbl.TableDescription.TableArn, Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + other + `:role/Reader"},"Action":"dynamodb:GetItem","Resource":"` + aws.ToString(tbl.TableDescription.TableArn) + `"}]}`)})
		must(err)
		s.Tables[acct] = aws.ToString(tbl.TableDescription.TableArn)

		// An encrypted EBS snapshot and an RDS snapshot, shared with the next member.
		ec := ec2.NewFromConfig(cfg)
		vol, err := ec.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(8), Encrypted: aws.Bool(true), KmsKeyId: aws.String(keyARN)})
		must(err)
		snap, err := ec.CreateSnapshot(ctx, &ec2.CreateSnapshotInput{VolumeId: vol.VolumeId})
		must(err)
		_, err = ec.ModifySnapshotAttribute(ctx, &ec2.ModifySnapshotAttributeInput{
			SnapshotId: snap.SnapshotId, Attribute: ec2types.SnapshotAttributeNameCreateVolumePermission,
			OperationType: ec2types.OperationTypeAdd, UserIds: []string{other},
		})
		must(err)
		s.Snapshots[acct] = aws.ToString(snap.SnapshotId)
		rc := rds.NewFromConfig(cfg)
		_, err = rc.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
			DBInstanceIdentifier: aws.String("orders"), DBInstanceClass: aws.String("db.t3.micro"), Engine: aws.String("postgres"),
			MasterUsername: aws.String("admin"), MasterUserPassword: aws.String("not-a-real-password"), AllocatedStorage: aws.Int32(20), StorageEncrypted: aws.Bool(true), KmsKeyId: aws.String(keyARN),
		})
		must(err)
		dbs, err := rc.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: aws.String("orders"), DBSnapshotIdentifier: aws.String("orders-manual")})
		must(err)
		_, err = rc.ModifyDBSnapshotAttribute(ctx, &rds.ModifyDBSnapshotAttributeInput{DBSnapshotIdentifier: aws.String("orders-manual"), AttributeName: aws.String("restore"), ValuesToAdd: []string{other}})
		must(err)
		s.DBSnapshots[acct] = aws.ToString(dbs.DBSnapshot.DBSnapshotArn)
		_, err = rc.CreateDBCluster(ctx, &rds.CreateDBClusterInput{
			DBClusterIdentifier: aws.String("ledger"), Engine: aws.String("aurora-postgresql"), MasterUsername: aws.String("admin"),
			MasterUserPassword: aws.String("not-a-secret-1"), StorageEncrypted: aws.Bool(true), KmsKeyId: aws.String(s.Keys[acct]),
		})
		must(err)
		cs, err := rc.CreateDBClusterSnapshot(ctx, &rds.CreateDBClusterSnapshotInput{DBClusterIdentifier: aws.String("ledger"), DBClusterSnapshotIdentifier: aws.String("ledger-manual")})
		must(err)
		_, err = rc.ModifyDBClusterSnapshotAttribute(ctx, &rds.ModifyDBClusterSnapshotAttributeInput{DBClusterSnapshotIdentifier: aws.String("ledger-manual"), AttributeName: aws.String("restore"), ValuesToAdd: []string{other}})
		must(err)
		s.ClusterSnapshots[acct] = aws.ToString(cs.DBClusterSnapshot.DBClusterSnapshotArn)

		// A log group encrypted with the key, and a function with a resource policy.
		_, err = cloudwatchlogs.NewFromConfig(cfg).CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/app/orders"), KmsKeyId: aws.String(keyARN)})
		must(err)
		lc := lambda.NewFromConfig(cfg)
		_, err = lc.CreateFunction(ctx, &lambda.CreateFunctionInput{
			FunctionName: aws.String("orders"), Runtime: lambdatypes.RuntimePython312, Handler: aws.String("app.handler"),
			Role: aws.String("arn:aws:iam::" + acct + ":role/Reader"), Code: &lambdatypes.FunctionCode{ZipFile: handlerZip(t)}, KMSKeyArn: aws.String(keyARN),
		})
		must(err)
		_, err = lc.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("orders"), StatementId: aws.String("other"), Action: aws.String("lambda:InvokeFunction"), Principal: aws.String(other)})
		must(err)
	}
	return s
}

// handlerZip is a deployment package with one Python file.
func handlerZip(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("app.py")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("def handler(event, context):\n    return None\n")); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// UseEnv points the AWS SDK's default credential chain at static test
// credentials ("testing", which moto and scanner/fakeaws take for their
// management account), and away from any real configuration.
func UseEnv(tb testing.TB) {
	tb.Setenv("AWS_ACCESS_KEY_ID", "testing")
	tb.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	tb.Setenv("AWS_SESSION_TOKEN", "")
	tb.Setenv("AWS_PROFILE", "")
	tb.Setenv("AWS_CONFIG_FILE", os.DevNull)
	tb.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
}

// listensOn reports whether process pid holds the listening TCP socket of
// port on 127.0.0.1, from /proc (Linux); known is false where /proc cannot
// tell.
func listensOn(pid, port int) (owns, known bool) {
	data, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return false, false
	}
	want := fmt.Sprintf("0100007F:%04X", port)
	inode := ""
	for _, line := range strings.Split(string(data), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 9 && f[1] == want && f[3] == "0A" { // 0A: LISTEN
			inode = f[9]
		}
	}
	if inode == "" {
		return false, true
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return false, false
	}
	for _, fd := range fds {
		if link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); err == nil && link == "socket:["+inode+"]" {
			return true, true
		}
	}
	return false, true
}
