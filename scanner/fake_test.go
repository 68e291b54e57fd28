package scanner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// Fakes of the narrow client interfaces.

type fakeClients struct {
	self       string
	unassuming map[string]bool // accounts whose role cannot be assumed
	accounts   map[string]*fakeAccount
}

func (f *fakeClients) Caller() stsAPI        { return fakeSTS{f.self} }
func (f *fakeClients) Organizations() orgAPI { return nil }
func (f *fakeClients) Account(_ context.Context, a string) (AccountClients, error) {
	if f.unassuming[a] {
		return nil, &smithy.GenericAPIError{Code: "AccessDenied", Message: "not authorized to perform sts:AssumeRole"}
	}
	return f.accounts[a], nil
}

type fakeSTS struct{ account string }

func (s fakeSTS) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	return &sts.GetCallerIdentityOutput{Account: aws.String(s.account)}, nil
}

type fakeAccount struct {
	iam    *fakeIAM
	kms    *fakeKMS
	iamAPI iamAPI // when set, instead of iam
}

func (a *fakeAccount) IAM() iamAPI {
	if a.iamAPI != nil {
		return a.iamAPI
	}
	return a.iam
}
func (a *fakeAccount) KMS(string) kmsAPI { return a.kms }

// fakeIAM returns roles over several pages.
type fakeIAM struct{ pages [][]string }

func (f *fakeIAM) GetAccountAuthorizationDetails(_ context.Context, in *iam.GetAccountAuthorizationDetailsInput, _ ...func(*iam.Options)) (*iam.GetAccountAuthorizationDetailsOutput, error) {
	i := 0
	if in.Marker != nil {
		if _, err := fmt.Sscan(*in.Marker, &i); err != nil {
			return nil, err
		}
	}
	out := &iam.GetAccountAuthorizationDetailsOutput{}
	for _, name := range f.pages[i] {
		out.RoleDetailList = append(out.RoleDetailList, iamtypes.RoleDetail{RoleName: aws.String(name), Arn: aws.String("arn:aws:iam::111111111111:role/" + name)})
	}
	if i+1 < len(f.pages) {
		out.IsTruncated, out.Marker = true, aws.String(fmt.Sprint(i+1))
	}
	return out, nil
}

// fakeKMS has keys; some calls can be made to fail.
type fakeKMS struct {
	keys         []string
	deniedPolicy map[string]bool
}

func (f *fakeKMS) ListKeys(context.Context, *kms.ListKeysInput, ...func(*kms.Options)) (*kms.ListKeysOutput, error) {
	out := &kms.ListKeysOutput{}
	for _, k := range f.keys {
		out.Keys = append(out.Keys, kmstypes.KeyListEntry{KeyId: aws.String(k), KeyArn: aws.String("arn:aws:kms:us-east-1:111111111111:key/" + k)})
	}
	return out, nil
}

func (f *fakeKMS) DescribeKey(_ context.Context, in *kms.DescribeKeyInput, _ ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	return &kms.DescribeKeyOutput{KeyMetadata: &kmstypes.KeyMetadata{
		KeyId: in.KeyId, Arn: aws.String("arn:aws:kms:us-east-1:111111111111:key/" + *in.KeyId),
		KeyState: kmstypes.KeyStateEnabled, KeyManager: kmstypes.KeyManagerTypeCustomer, Enabled: true,
	}}, nil
}

func (f *fakeKMS) GetKeyPolicy(_ context.Context, in *kms.GetKeyPolicyInput, _ ...func(*kms.Options)) (*kms.GetKeyPolicyOutput, error) {
	if f.deniedPolicy[*in.KeyId] {
		return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized to perform kms:GetKeyPolicy"}
	}
	return &kms.GetKeyPolicyOutput{Policy: aws.String(`{"Version":"2012-10-17","Statement":[]}`)}, nil
}

func (f *fakeKMS) ListGrants(context.Context, *kms.ListGrantsInput, ...func(*kms.Options)) (*kms.ListGrantsOutput, error) {
	return &kms.ListGrantsOutput{}, nil
}

func (f *fakeKMS) ListAliases(context.Context, *kms.ListAliasesInput, ...func(*kms.Options)) (*kms.ListAliasesOutput, error) {
	return &kms.ListAliasesOutput{}, nil
}

func (f *fakeKMS) GetKeyRotationStatus(context.Context, *kms.GetKeyRotationStatusInput, ...func(*kms.Options)) (*kms.GetKeyRotationStatusOutput, error) {
	return nil, &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
}

func (f *fakeKMS) ListResourceTags(context.Context, *kms.ListResourceTagsInput, ...func(*kms.Options)) (*kms.ListResourceTagsOutput, error) {
	return &kms.ListResourceTagsOutput{}, nil
}

// Failures are data: a role that cannot be assumed, an unreadable key
// policy and throttling that outlasts retries are recorded on their account,
// and everything else is collected.
func TestScanRecordsFailuresAndGoesOn(t *testing.T) {
	good := &fakeAccount{iam: &fakeIAM{pages: [][]string{{"a", "b"}, {"c"}}}, kms: &fakeKMS{keys: []string{"k1", "k2"}, deniedPolicy: map[string]bool{"k2": true}}}
	c := &fakeClients{
		self: "111111111111", unassuming: map[string]bool{"222222222222": true},
		accounts: map[string]*fakeAccount{"111111111111": good},
	}
	events := make(chan Event, 64)
	snap, res, err := Scan(context.Background(), c, Options{Accounts: []string{"111111111111", "222222222222"}, Regions: []string{"us-east-1"}}, events)
	if err != nil {
		t.Fatal(err)
	}
	if res.Complete || res.Accounts != 2 {
		t.Errorf("result = %+v, want incomplete over 2 accounts", res)
	}
	a := snap.Accounts["111111111111"]
	if a.IAM == nil || len(a.IAM.RoleDetailList) != 3 {
		t.Fatalf("IAM pages not merged: %+v", a.IAM)
	}
	keys := a.Regions["us-east-1"].KMS.Keys
	if len(keys) != 2 || keys[0].Policy == nil || keys[1].Policy != nil || keys[0].Grants == nil {
		t.Fatalf("keys = %+v", keys)
	}
	codes := map[string]int{}
	for _, e := range a.Errors {
		codes[e.Operation+" "+e.Code]++
		if e.Region != "us-east-1" || e.Service != "kms" {
			t.Errorf("error without its service or region: %+v", e)
		}
	}
	if codes["GetKeyPolicy AccessDeniedException"] != 1 || codes["GetKeyRotationStatus ThrottlingException"] != 2 {
		t.Errorf("errors = %v", a.Errors)
	}
	b := snap.Accounts["222222222222"]
	if b == nil || b.IAM != nil || len(b.Errors) != 1 || b.Errors[0].Operation != "AssumeRole" || b.Errors[0].Code != "AccessDenied" {
		t.Errorf("unassumable account = %+v", b)
	}
	close(events)
	n := 0
	for range events {
		n++
	}
	if n == 0 {
		t.Error("no progress events")
	}
	// What was collected is written, atomically, readable only by its owner.
	path := filepath.Join(t.TempDir(), "scan.json")
	if err := WriteFile(path, snap); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("snapshot file mode %v, %v", st.Mode(), err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("leftover files: %v", entries)
	}
	f, _ := os.Open(path)
	defer func() { _ = f.Close() }()
	if _, errs, err := snapshot.Load(f); err != nil || len(errs) > 0 {
		t.Errorf("written snapshot: %v %v", err, errs)
	}
}

// Without --regions and without a way to discover them, an account is
// scanned for IAM only, and nothing is invented.
func TestScanWithoutRegions(t *testing.T) {
	acct := &fakeAccount{iam: &fakeIAM{pages: [][]string{{"a"}}}, kms: &fakeKMS{}}
	snap, _, err := Scan(context.Background(), &fakeClients{self: "111111111111", accounts: map[string]*fakeAccount{"111111111111": acct}}, Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := snap.Accounts["111111111111"]
	if a.IAM == nil || len(a.Regions) != 0 {
		t.Errorf("account = %+v", a)
	}
}

// fakeEC2 knows the account's Regions; other calls are not used here.
type fakeEC2 struct{ ec2API }

func (fakeEC2) DescribeRegions(context.Context, *ec2.DescribeRegionsInput, ...func(*ec2.Options)) (*ec2.DescribeRegionsOutput, error) {
	return &ec2.DescribeRegionsOutput{Regions: []ec2types.Region{
		{RegionName: aws.String("us-east-1"), OptInStatus: aws.String("opt-in-not-required")},
		{RegionName: aws.String("af-south-1"), OptInStatus: aws.String("not-opted-in")},
		{RegionName: aws.String("eu-south-1"), OptInStatus: aws.String("opted-in")},
	}}, nil
}

func (fakeEC2) DescribeVolumes(context.Context, *ec2.DescribeVolumesInput, ...func(*ec2.Options)) (*ec2.DescribeVolumesOutput, error) {
	return &ec2.DescribeVolumesOutput{}, nil
}

func (fakeEC2) DescribeSnapshots(context.Context, *ec2.DescribeSnapshotsInput, ...func(*ec2.Options)) (*ec2.DescribeSnapshotsOutput, error) {
	return &ec2.DescribeSnapshotsOutput{}, nil
}

func (fakeEC2) GetEbsEncryptionByDefault(context.Context, *ec2.GetEbsEncryptionByDefaultInput, ...func(*ec2.Options)) (*ec2.GetEbsEncryptionByDefaultOutput, error) {
	return &ec2.GetEbsEncryptionByDefaultOutput{EbsEncryptionByDefault: aws.Bool(true)}, nil
}

func (fakeEC2) GetEbsDefaultKmsKeyId( //nolint:revive // the SDK's method name
	context.Context, *ec2.GetEbsDefaultKmsKeyIdInput, ...func(*ec2.Options),
) (*ec2.GetEbsDefaultKmsKeyIdOutput, error) {
	return &ec2.GetEbsDefaultKmsKeyIdOutput{KmsKeyId: aws.String("alias/aws/ebs")}, nil
}

type regionAccount struct{ *fakeAccount }

func (regionAccount) EC2(string) ec2API { return fakeEC2{} }

type regionClients struct {
	*fakeClients
	acct regionAccount
}

func (r *regionClients) Account(context.Context, string) (AccountClients, error) { return r.acct, nil }

// Regions come from the account: enabled ones are scanned and recorded, an
// asked-for Region the account has not enabled is skipped and said so.
func TestScanRegions(t *testing.T) {
	acct := regionAccount{&fakeAccount{iam: &fakeIAM{pages: [][]string{{"a"}}}, kms: &fakeKMS{}}}
	c := &regionClients{fakeClients: &fakeClients{self: "111111111111"}, acct: acct}
	snap, _, err := Scan(context.Background(), c, Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := snap.Accounts["111111111111"]
	if !slices.Equal(a.EnabledRegions, []string{"eu-south-1", "us-east-1"}) || len(a.Regions) != 2 || a.Regions["af-south-1"] != nil {
		t.Errorf("discovered: enabled %v, scanned %v", a.EnabledRegions, a.Regions)
	}
	// EBS encryption by default, per Region.
	if e := a.Regions["us-east-1"].EC2; e == nil || e.EbsEncryptionByDefault == nil || !*e.EbsEncryptionByDefault || e.EbsDefaultKmsKeyID == nil || *e.EbsDefaultKmsKeyID != "alias/aws/ebs" {
		t.Errorf("EBS default encryption: %+v", e)
	}
	snap, res, _ := Scan(context.Background(), c, Options{Regions: []string{"us-east-1", "af-south-1"}}, nil)
	a = snap.Accounts["111111111111"]
	if len(a.Regions) != 1 || a.Regions["us-east-1"] == nil || res.Complete || len(a.Errors) != 1 || a.Errors[0].Region != "af-south-1" {
		t.Errorf("asked for a disabled Region: scanned %v, errors %+v", a.Regions, a.Errors)
	}
}

// The fake account scans IAM and KMS only: the other services are not scanned (nil).
func (a *fakeAccount) S3(string) s3API                  { return nil }
func (a *fakeAccount) SQS(string) sqsAPI                { return nil }
func (a *fakeAccount) SecretsManager(string) secretsAPI { return nil }
func (a *fakeAccount) SNS(string) snsAPI                { return nil }
func (a *fakeAccount) DynamoDB(string) dynamoAPI        { return nil }
func (a *fakeAccount) EC2(string) ec2API                { return nil }
func (a *fakeAccount) RDS(string) rdsAPI                { return nil }
func (a *fakeAccount) Lambda(string) lambdaAPI          { return nil }
func (a *fakeAccount) Logs(string) logsAPI              { return nil }

// blockingKMS answers ListKeys, then waits on every other call until the
// scan is cancelled, as a slow account would.
type blockingKMS struct{ fakeKMS }

func (b *blockingKMS) DescribeKey(ctx context.Context, _ *kms.DescribeKeyInput, _ ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// A cancelled scan (Ctrl-C, --timeout) returns what it collected, marked
// incomplete, with the interrupted calls recorded.
func TestScanCancelledKeepsWhatItHas(t *testing.T) {
	acct := &blockingAccount{iam: &fakeIAM{pages: [][]string{{"a"}}}, kms: &blockingKMS{fakeKMS{keys: []string{"k1"}}}}
	c := &fakeClients{self: "111111111111", accounts: map[string]*fakeAccount{}}
	ctx, cancel := context.WithCancel(context.Background())
	events := make(chan Event, 8)
	done := make(chan struct{})
	var snap *snapshot.Snapshot
	var res Result
	go func() {
		defer close(done)
		snap, res, _ = Scan(ctx, &blockingClients{fakeClients: c, acct: acct}, Options{Accounts: []string{"111111111111"}, Regions: []string{"us-east-1"}}, events)
	}()
	for e := range events {
		if e.Phase == "account" {
			break // the scan is under way
		}
	}
	cancel()
	<-done
	if snap == nil || res.Complete {
		t.Fatalf("cancelled scan: %+v %+v", snap, res)
	}
	a := snap.Accounts["111111111111"]
	if a.IAM == nil || len(a.IAM.RoleDetailList) != 1 {
		t.Errorf("what was collected before the cancel is lost: %+v", a.IAM)
	}
	cancelled := 0
	for _, e := range a.Errors {
		if e.Code == "Cancelled" {
			cancelled++
		}
	}
	if cancelled == 0 {
		t.Errorf("interrupted calls not recorded: %+v", a.Errors)
	}
}

type blockingAccount struct {
	iam *fakeIAM
	kms *blockingKMS
}

func (a *blockingAccount) IAM() iamAPI                      { return a.iam }
func (a *blockingAccount) KMS(string) kmsAPI                { return a.kms }
func (a *blockingAccount) S3(string) s3API                  { return nil }
func (a *blockingAccount) SQS(string) sqsAPI                { return nil }
func (a *blockingAccount) SecretsManager(string) secretsAPI { return nil }
func (a *blockingAccount) SNS(string) snsAPI                { return nil }
func (a *blockingAccount) DynamoDB(string) dynamoAPI        { return nil }
func (a *blockingAccount) EC2(string) ec2API                { return nil }
func (a *blockingAccount) RDS(string) rdsAPI                { return nil }
func (a *blockingAccount) Lambda(string) lambdaAPI          { return nil }
func (a *blockingAccount) Logs(string) logsAPI              { return nil }

type blockingClients struct {
	*fakeClients
	acct *blockingAccount
}

func (b *blockingClients) Account(context.Context, string) (AccountClients, error) {
	return b.acct, nil
}

// panickyIAM is a collector bug.
type panickyIAM struct{}

func (panickyIAM) GetAccountAuthorizationDetails(context.Context, *iam.GetAccountAuthorizationDetailsInput, ...func(*iam.Options)) (*iam.GetAccountAuthorizationDetailsOutput, error) {
	panic("boom")
}

// A panic while reading one account becomes an error on that account; the
// other accounts are scanned, and the errors recorded before it are kept.
func TestScanRecoversFromPanic(t *testing.T) {
	good := &fakeAccount{iam: &fakeIAM{pages: [][]string{{"a"}}}, kms: &fakeKMS{keys: []string{"k1"}}}
	bad := &fakeAccount{iam: &fakeIAM{}, kms: &fakeKMS{keys: []string{"k1"}}}
	c := &fakeClients{self: "111111111111", accounts: map[string]*fakeAccount{"111111111111": good, "222222222222": bad}}
	bad.iamAPI = panickyIAM{}
	snap, res, err := Scan(context.Background(), c, Options{Accounts: []string{"111111111111", "222222222222"}, Regions: []string{"us-east-1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := snap.Accounts["222222222222"]
	if res.Complete || b == nil || !slices.ContainsFunc(b.Errors, func(e snapshot.CollectionError) bool {
		return e.Code == "InternalError" && e.Message == "keyhound: boom" && e.Resource == "222222222222"
	}) {
		t.Errorf("panicking account: %+v", b)
	}
	if a := snap.Accounts["111111111111"]; a == nil || a.IAM == nil || len(a.Regions["us-east-1"].KMS.Keys) != 1 {
		t.Errorf("the other account was lost: %+v", a)
	}
}

// The EBS defaults are optional: a snapshot written before the scanner
// collected them (or by hand) loads, with them unknown (nil), not false.
func TestSnapshotWithoutEBSDefaultsLoads(t *testing.T) {
	for _, doc := range []string{
		`{"format":"keyhound.snapshot/v1","accounts":{"111111111111":{"regions":{"us-east-1":{"ec2":{"Volumes":[]}}}}}}`,
		`{"format":"keyhound.snapshot/v1","accounts":{"111111111111":{"regions":{"us-east-1":{"ec2":{"Volumes":[],"EbsEncryptionByDefault":false,"EbsDefaultKmsKeyId":"alias/aws/ebs"}}}}}}`,
	} {
		snap, errs, err := snapshot.Load(strings.NewReader(doc))
		if err != nil || len(errs) > 0 {
			t.Fatalf("%s: %v %v", doc, err, errs)
		}
		e := snap.Accounts["111111111111"].Regions["us-east-1"].EC2
		has := strings.Contains(doc, "EbsEncryptionByDefault")
		if e == nil || (e.EbsEncryptionByDefault != nil) != has || (e.EbsDefaultKmsKeyID != nil) != has || (has && *e.EbsEncryptionByDefault) {
			t.Errorf("%s: %+v", doc, e)
		}
	}
}

// writeAndLoad writes snap as keyhound scan does (WriteFile, gzip), reads it
// back, and fails the test if it does not load cleanly.
func writeAndLoad(t *testing.T, snap *snapshot.Snapshot) (loaded *snapshot.Snapshot, path string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "snapshot.json.gz")
	if err := WriteFile(path, snap); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	loaded, loadErrs, err := snapshot.Load(f)
	if err != nil || len(loadErrs) > 0 {
		t.Fatalf("the written snapshot does not load: %v %v", err, loadErrs)
	}
	return loaded, path
}
