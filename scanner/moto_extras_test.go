package scanner

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	s3ctypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/internal/mototest"
)

// motoDefault is the account moto acts in for the "testing" credentials.
const motoDefault = "123456789012"

// Issue #13's shapes as moto 5.2.1 returns them, seeded in one account and
// scanned with a second that has none: VPC endpoints (moto gives an
// endpoint created without a policy AWS's full-access default), Object
// Ownership, the account's Block Public Access through S3 Control, the
// key's metadata, a replica secret's primary Region, a role's instance
// profile and last use — each in its account and nowhere else. moto lacks
// GetKeyLastUsage (a known gap, recorded) and leaves PrimaryRegion out of
// ListSecrets on a primary secret, so its ReplicationStatus is checked
// against the fake AWS (TestFakeAWSCollectsExtras).
func TestScanExtrasAgainstMoto(t *testing.T) {
	endpoint := mototest.Start(t)
	ctx := context.Background()
	cfg := mototest.StaticConfig(endpoint, credentials.NewStaticCredentialsProvider("testing", "testing", ""))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ec := ec2.NewFromConfig(cfg)
	vpc, err := ec.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	must(err)
	rts, err := ec.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{aws.ToString(vpc.Vpc.VpcId)}}}})
	must(err)
	gwPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}`
	gw, err := ec.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{
		VpcId: vpc.Vpc.VpcId, ServiceName: aws.String("com.amazonaws.us-east-1.s3"), VpcEndpointType: ec2types.VpcEndpointTypeGateway,
		RouteTableIds: []string{aws.ToString(rts.RouteTables[0].RouteTableId)}, PolicyDocument: aws.String(gwPolicy),
	})
	must(err)
	sub, err := ec.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.0.1.0/24")})
	must(err)
	ifc, err := ec.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{
		VpcId: vpc.Vpc.VpcId, ServiceName: aws.String("com.amazonaws.us-east-1.kms"), VpcEndpointType: ec2types.VpcEndpointTypeInterface,
		SubnetIds: []string{aws.ToString(sub.Subnet.SubnetId)},
	})
	must(err)

	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	for _, b := range []string{"extras-owned", "extras-plain"} {
		_, err = s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)})
		must(err)
	}
	_, err = s3c.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: aws.String("extras-owned"), OwnershipControls: &s3types.OwnershipControls{
		Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnershipBucketOwnerEnforced}},
	}})
	must(err)
	ctl := s3control.NewFromConfig(cfg, func(o *s3control.Options) {
		o.EndpointResolverV2 = emulatorEndpoint{s3control.NewDefaultEndpointResolverV2()}
	})
	_, err = ctl.PutPublicAccessBlock(ctx, &s3control.PutPublicAccessBlockInput{AccountId: aws.String(motoDefault), PublicAccessBlockConfiguration: &s3ctypes.PublicAccessBlockConfiguration{
		BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true),
	}})
	must(err)

	key, err := kms.NewFromConfig(cfg).CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("extras")})
	must(err)
	sm := secretsmanager.NewFromConfig(cfg)
	sec, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("replicated"), SecretString: aws.String("never-read-by-keyhound"), AddReplicaRegions: []smtypes.ReplicaRegionType{{Region: aws.String("eu-west-1")}}})
	must(err)

	ic := iam.NewFromConfig(cfg)
	_, err = ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("web"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	must(err)
	_, err = ic.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("web-profile")})
	must(err)
	_, err = ic.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web-profile"), RoleName: aws.String("web")})
	must(err)

	mototest.UseEnv(t)
	clients, err := NewAWSClients(ctx, AWSOptions{Region: "us-east-1", EndpointURL: endpoint, MaxAttempts: 2})
	must(err)
	const other = "210987654321" // assumed into, seeded with nothing
	snap, _, err := Scan(ctx, clients, Options{Accounts: []string{motoDefault, other}, Regions: []string{"eu-west-1", "us-east-1"}}, nil)
	must(err)
	// moto refuses GetResourcePolicy on a replica secret (MOTO.md): the
	// scanner records it, and the replica's policy is unknown.
	replicaARN := strings.Replace(aws.ToString(sec.ARN), "us-east-1", "eu-west-1", 1)
	for _, e := range mototest.UnexpectedIn(snap) {
		if e.Operation != "GetResourcePolicy" || e.Resource != replicaARN || e.Code != "InvalidParameterException" {
			t.Errorf("error: %+v", e)
		}
	}
	usage := 0
	for _, e := range snap.Accounts[motoDefault].Errors {
		if e.Operation == "GetKeyLastUsage" && e.Resource == aws.ToString(key.KeyMetadata.Arn) {
			usage++
		}
	}
	if usage != 1 {
		t.Errorf("moto's missing GetKeyLastUsage must be recorded against the key: %+v", snap.Accounts[motoDefault].Errors)
	}
	loaded, _ := writeAndLoad(t, snap)
	a, b := loaded.Accounts[motoDefault], loaded.Accounts[other]

	us := a.Regions["us-east-1"]
	byID := map[string]snapshot.VpcEndpoint{}
	for _, ep := range us.EC2.VpcEndpoints {
		byID[ep.VpcEndpointID] = ep
	}
	g, i := byID[aws.ToString(gw.VpcEndpoint.VpcEndpointId)], byID[aws.ToString(ifc.VpcEndpoint.VpcEndpointId)]
	if len(byID) != 2 || g.PolicyDocument != gwPolicy || g.VpcID != aws.ToString(vpc.Vpc.VpcId) || g.VpcEndpointType != "Gateway" || g.State != "available" || g.OwnerID != motoDefault ||
		i.ServiceName != "com.amazonaws.us-east-1.kms" || !strings.Contains(i.PolicyDocument, `"Action": "*"`) || len(i.SubnetIDs) != 1 {
		t.Errorf("VPC endpoints: %+v", us.EC2.VpcEndpoints)
	}
	if eps := a.Regions["eu-west-1"].EC2.VpcEndpoints; eps == nil || len(eps) != 0 {
		t.Errorf("eu-west-1 endpoints: %+v, want collected, none", eps)
	}
	for _, bk := range us.S3.Buckets {
		owned := bk.OwnershipControls != nil && len(bk.OwnershipControls.Rules) == 1 && bk.OwnershipControls.Rules[0].ObjectOwnership == "BucketOwnerEnforced"
		if owned != (bk.Name == "extras-owned") || bk.CreationDate == "" {
			t.Errorf("bucket %s: ownership %+v created %q", bk.Name, bk.OwnershipControls, bk.CreationDate)
		}
	}
	if a.S3Control == nil || a.S3Control.PublicAccessBlockConfiguration == nil || *a.S3Control.PublicAccessBlockConfiguration != (snapshot.PublicAccessBlockConfiguration{BlockPublicPolicy: true, RestrictPublicBuckets: true}) {
		t.Errorf("account Block Public Access: %+v", a.S3Control)
	}
	k := us.KMS.Keys[slices.IndexFunc(us.KMS.Keys, func(k snapshot.Key) bool { return k.KeyMetadata.Arn == aws.ToString(key.KeyMetadata.Arn) })]
	if md := k.KeyMetadata; md.Origin != "AWS_KMS" || md.KeySpec != "SYMMETRIC_DEFAULT" || !slices.Equal(md.EncryptionAlgorithms, []string{"SYMMETRIC_DEFAULT"}) || k.KeyLastUsage != nil {
		t.Errorf("key metadata %+v, last usage %+v", md, k.KeyLastUsage)
	}
	replica := a.Regions["eu-west-1"].SecretsManager.Secrets
	if len(replica) != 1 || replica[0].ARN != replicaARN || replica[0].PrimaryRegion != "us-east-1" || replica[0].ReplicationStatus != nil {
		t.Errorf("replica secret: %+v", replica)
	}
	web := a.IAM.RoleDetailList[slices.IndexFunc(a.IAM.RoleDetailList, func(r snapshot.RoleDetail) bool { return r.RoleName == "web" })]
	if len(web.InstanceProfileList) != 1 || web.InstanceProfileList[0].InstanceProfileName != "web-profile" || !strings.HasSuffix(web.InstanceProfileList[0].Arn, ":instance-profile/web-profile") ||
		len(web.InstanceProfileList[0].Roles) != 1 || web.InstanceProfileList[0].Roles[0].RoleName != "web" || web.RoleLastUsed == nil {
		t.Errorf("role web: profiles %+v last used %+v", web.InstanceProfileList, web.RoleLastUsed)
	}

	// Nowhere else: the other account has none of them.
	if b.S3Control == nil || b.S3Control.PublicAccessBlockConfiguration != nil {
		t.Errorf("%s: account Block Public Access %+v, want collected, none", other, b.S3Control)
	}
	for region, r := range b.Regions {
		if r.EC2 == nil || r.EC2.VpcEndpoints == nil || len(r.EC2.VpcEndpoints) != 0 || len(r.S3.Buckets) != 0 || len(r.SecretsManager.Secrets) != 0 {
			t.Errorf("%s %s: %+v %+v %+v", other, region, r.EC2, r.S3, r.SecretsManager)
		}
	}
	if slices.ContainsFunc(b.IAM.RoleDetailList, func(r snapshot.RoleDetail) bool { return len(r.InstanceProfileList) > 0 }) {
		t.Errorf("%s: instance profiles of another account", other)
	}
}
