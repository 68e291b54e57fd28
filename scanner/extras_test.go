package scanner

import (
	"context"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/scanner/fakeaws"
)

// Issue #13's collection through the SDK against the fake AWS (moto lacks
// GetKeyLastUsage and answers S3 Control only on its own host names, see
// ../shared/MOTO.md): VPC endpoints over two pages, buckets' Object
// Ownership and creation date, the account's Block Public Access, keys'
// last use, and a multi-Region secret's replicas, each in its own account
// and Region, and back from the written file as collected.
func TestFakeAWSCollectsExtras(t *testing.T) {
	regions := []string{"eu-west-1", "us-east-1"}
	s, c := startFake(t, &fakeaws.Server{Members: fakeMembers[:1], Regions: regions, Keys: 2, Roles: 1, Buckets: 2, Extras: true}, 2)
	snap, res, _ := collect(context.Background(), t, c, Options{Org: true})
	if !res.Complete {
		for id, a := range snap.Accounts {
			t.Logf("%s: %+v", id, a.Errors)
		}
		t.Fatalf("result %+v", res)
	}
	loaded, _ := writeAndLoad(t, snap)
	if !reflect.DeepEqual(loaded.Accounts, snap.Accounts) {
		t.Error("the written snapshot does not load back as collected")
	}
	for _, acct := range s.Accounts() {
		a := loaded.Accounts[acct]
		want := &snapshot.PublicAccessBlockConfiguration{BlockPublicPolicy: true, RestrictPublicBuckets: true}
		if a.S3Control == nil || !reflect.DeepEqual(a.S3Control.PublicAccessBlockConfiguration, want) {
			t.Errorf("%s: account Block Public Access %+v", acct, a.S3Control)
		}
		// DescribeSecret is asked of the primary alone.
		if n := s.Calls(acct, "secretsmanager:DescribeSecret"); n != 1 {
			t.Errorf("%s: DescribeSecret called %d times, want once (the primary)", acct, n)
		}
		for _, region := range regions {
			r := a.Regions[region]
			eps := r.EC2.VpcEndpoints
			if len(eps) != 2 {
				t.Fatalf("%s %s: VPC endpoints over two pages: %+v", acct, region, eps)
			}
			kmsEP := snapshot.VpcEndpoint{
				VpcEndpointID: s.EndpointID(acct, region, 0), VpcEndpointType: "Interface", ServiceName: "com.amazonaws." + region + ".kms",
				VpcID: "vpc-" + acct, State: "available", OwnerID: acct, PrivateDNSEnabled: true, CreationTimestamp: "2026-01-01T00:00:00Z",
				SubnetIDs:      []string{"subnet-1"},
				PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}`,
			}
			if got := eps[0]; !reflect.DeepEqual(got, kmsEP) {
				t.Errorf("%s %s: KMS endpoint\n got %+v\nwant %+v", acct, region, got, kmsEP)
			}
			if got := eps[1]; got.VpcEndpointID != s.EndpointID(acct, region, 1) || got.VpcEndpointType != "Gateway" || got.PolicyDocument != "" || !slices.Equal(got.RouteTableIDs, []string{"rtb-1"}) {
				t.Errorf("%s %s: S3 endpoint %+v", acct, region, got)
			}
			if len(r.S3.Buckets) != 1 {
				t.Fatalf("%s %s: buckets %+v", acct, region, r.S3.Buckets)
			}
			if b := r.S3.Buckets[0]; b.CreationDate != "2026-01-01T00:00:00Z" || b.OwnershipControls == nil ||
				!reflect.DeepEqual(b.OwnershipControls.Rules, []snapshot.OwnershipControlsRule{{ObjectOwnership: "BucketOwnerEnforced"}}) {
				t.Errorf("%s %s: bucket %+v", acct, region, b)
			}
			keys := r.KMS.Keys
			used := snapshot.KeyLastUsageData{Operation: "Decrypt", Timestamp: fakeaws.KeyUsed, CloudTrailEventID: "ct-" + acct, KmsRequestID: "req-" + acct}
			if keys[0].KeyLastUsage == nil || *keys[0].KeyLastUsage != used || keys[0].TrackingStartDate != fakeaws.TrackingStart {
				t.Errorf("%s %s: key 0 last usage %+v since %s", acct, region, keys[0].KeyLastUsage, keys[0].TrackingStartDate)
			}
			if keys[1].KeyLastUsage == nil || *keys[1].KeyLastUsage != (snapshot.KeyLastUsageData{}) || keys[1].TrackingStartDate != fakeaws.TrackingStart {
				t.Errorf("%s %s: an unused key must say so ({}), not look uncollected: %+v", acct, region, keys[1].KeyLastUsage)
			}
			secrets := r.SecretsManager.Secrets
			if len(secrets) != 2 || secrets[0].PrimaryRegion != regions[0] || secrets[1].PrimaryRegion != "" || secrets[1].ReplicationStatus != nil {
				t.Fatalf("%s %s: secrets %+v", acct, region, secrets)
			}
			var replicas []snapshot.ReplicationStatusType
			if region == regions[0] {
				replicas = []snapshot.ReplicationStatusType{{Region: "us-east-1", KmsKeyID: s.KeyARN(acct, "us-east-1", 0), Status: "InSync", StatusMessage: "Replication succeeded"}}
			}
			if !reflect.DeepEqual(secrets[0].ReplicationStatus, replicas) {
				t.Errorf("%s %s: replication %+v, want %+v", acct, region, secrets[0].ReplicationStatus, replicas)
			}
		}
	}
}

// An account that has none of them: an empty list of endpoints, no
// ownership controls, an account without Block Public Access — each
// collected as "none", never confused with "not collected".
func TestFakeAWSExtrasNone(t *testing.T) {
	_, c := startFake(t, &fakeaws.Server{Keys: 1, Roles: 1, Buckets: 1}, 2)
	snap, res, _ := collect(context.Background(), t, c, Options{Regions: []string{"us-east-1"}})
	if !res.Complete {
		t.Fatalf("result %+v %+v", res, snap)
	}
	loaded, _ := writeAndLoad(t, snap)
	for _, a := range loaded.Accounts {
		r := a.Regions["us-east-1"]
		if a.S3Control == nil || a.S3Control.PublicAccessBlockConfiguration != nil {
			t.Errorf("account Block Public Access: %+v, want collected, none", a.S3Control)
		}
		if r.EC2.VpcEndpoints == nil || len(r.EC2.VpcEndpoints) != 0 {
			t.Errorf("VPC endpoints %+v, want collected, none", r.EC2.VpcEndpoints)
		}
		if b := r.S3.Buckets[0]; b.OwnershipControls != nil {
			t.Errorf("ownership controls %+v, want none", b.OwnershipControls)
		}
		if k := r.KMS.Keys[0]; k.KeyLastUsage == nil || k.TrackingStartDate == "" {
			t.Errorf("key last usage %+v since %q", k.KeyLastUsage, k.TrackingStartDate)
		}
	}
}

// Every new call that fails is recorded with its service, Region,
// operation and resource, and leaves what it reads missing (not collected);
// the rest of the account is collected. DescribeVpcEndpoints failing on its
// second page leaves no partial list.
func TestFakeAWSExtrasFailuresRecorded(t *testing.T) {
	member := fakeMembers[0]
	denied := func(code string) *fakeaws.Fault {
		return &fakeaws.Fault{Status: http.StatusForbidden, Code: code, Message: "not authorized"}
	}
	s := &fakeaws.Server{Members: fakeMembers[:1], Regions: []string{"eu-west-1", "us-east-1"}, Keys: 2, Roles: 1, Buckets: 2, Extras: true}
	s.Fault = func(c fakeaws.Call) *fakeaws.Fault {
		if c.Account != member {
			return nil
		}
		switch c.Service + ":" + c.Op {
		case "ec2:DescribeVpcEndpoints":
			if c.Token != "" && c.Region == "us-east-1" {
				return denied("UnauthorizedOperation")
			}
		case "s3:GetBucketOwnershipControls", "s3control:GetPublicAccessBlock":
			return denied("AccessDenied")
		case "kms:GetKeyLastUsage":
			if strings.HasSuffix(s.KeyARN(member, c.Region, 0), "/"+c.Resource) { // key 0, by ID
				return denied("AccessDeniedException")
			}
		case "secretsmanager:DescribeSecret":
			return denied("AccessDeniedException")
		}
		return nil
	}
	_, c := startFake(t, s, 2)
	snap, res, _ := collect(context.Background(), t, c, Options{Org: true})
	if res.Complete {
		t.Fatal("a scan with refused calls must say it is incomplete")
	}
	loaded, _ := writeAndLoad(t, snap)
	a := loaded.Accounts[member]
	got := map[string]snapshot.CollectionError{}
	for _, e := range a.Errors {
		got[e.Service+" "+e.Operation+" "+e.Region+" "+e.Resource] = e
	}
	b0, _ := s.Bucket(member, 0)
	b1, _ := s.Bucket(member, 1)
	want := []string{
		"ec2 DescribeVpcEndpoints us-east-1 ",
		"s3 GetBucketOwnershipControls eu-west-1 arn:aws:s3:::" + b0,
		"s3 GetBucketOwnershipControls us-east-1 arn:aws:s3:::" + b1,
		"s3control GetPublicAccessBlock us-east-1 " + member,
		"kms GetKeyLastUsage eu-west-1 " + s.KeyARN(member, "eu-west-1", 0),
		"kms GetKeyLastUsage us-east-1 " + s.KeyARN(member, "us-east-1", 0),
		"secretsmanager DescribeSecret eu-west-1 " + s.SecretARN(member, "eu-west-1", "db"),
	}
	for _, w := range want {
		if e, ok := got[w]; !ok || e.Code == "" {
			t.Errorf("not recorded: %s (errors %+v)", w, a.Errors)
		}
	}
	if len(a.Errors) != len(want) {
		t.Errorf("%d errors, want %d: %+v", len(a.Errors), len(want), a.Errors)
	}
	// What the calls would have read is missing; the rest is there.
	if a.S3Control != nil {
		t.Errorf("account Block Public Access not collected must be missing: %+v", a.S3Control)
	}
	eu, us := a.Regions["eu-west-1"], a.Regions["us-east-1"]
	if us.EC2.VpcEndpoints != nil || len(eu.EC2.VpcEndpoints) != 2 {
		t.Errorf("endpoints: us-east-1 %+v (want not collected), eu-west-1 %d", us.EC2.VpcEndpoints, len(eu.EC2.VpcEndpoints))
	}
	for _, r := range []*snapshot.Region{eu, us} {
		b := r.S3.Buckets[0]
		if b.OwnershipControls != nil || b.Policy == nil || b.ServerSideEncryptionConfiguration == nil || b.CreationDate == "" {
			t.Errorf("bucket %s: %+v", b.Name, b)
		}
		k0, k1 := r.KMS.Keys[0], r.KMS.Keys[1]
		if k0.KeyLastUsage != nil || k0.TrackingStartDate != "" || k0.Policy == nil || k0.Grants == nil {
			t.Errorf("key 0: usage %+v policy %v grants %v", k0.KeyLastUsage, k0.Policy != nil, k0.Grants != nil)
		}
		if k1.KeyLastUsage == nil {
			t.Error("key 1's usage lost with key 0's")
		}
		if len(r.SecretsManager.Secrets) != 2 || r.SecretsManager.Secrets[0].ReplicationStatus != nil || r.SecretsManager.Secrets[0].PrimaryRegion != "eu-west-1" {
			t.Errorf("secrets %+v", r.SecretsManager.Secrets)
		}
	}
	// The other account is untouched.
	if m := loaded.Accounts[s.Management]; len(m.Errors) != 0 || m.S3Control == nil || m.S3Control.PublicAccessBlockConfiguration == nil {
		t.Errorf("management account: %+v %+v", m.Errors, m.S3Control)
	}
}

// GetAccountAuthorizationDetails' instance profiles and last use of each
// role are kept as IAM returns them (moto returns RoleLastUsed empty: its
// date is checked here).
func TestIAMKeepsInstanceProfilesAndLastUse(t *testing.T) {
	used := time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC)
	role := iamtypes.Role{RoleName: aws.String("web"), Arn: aws.String("arn:aws:iam::111111111111:role/web"), RoleId: aws.String("AROAWEB"), Path: aws.String("/")}
	c := detailsIAM{roles: []iamtypes.RoleDetail{
		{
			RoleName: role.RoleName, Arn: role.Arn,
			InstanceProfileList: []iamtypes.InstanceProfile{{
				InstanceProfileName: aws.String("web-profile"), InstanceProfileId: aws.String("AIPAWEB"), Path: aws.String("/"),
				Arn: aws.String("arn:aws:iam::111111111111:instance-profile/web-profile"), CreateDate: aws.Time(used), Roles: []iamtypes.Role{role},
			}},
			RoleLastUsed: &iamtypes.RoleLastUsed{LastUsedDate: aws.Time(used), Region: aws.String("eu-west-1")},
		},
		{RoleName: aws.String("idle"), Arn: aws.String("arn:aws:iam::111111111111:role/idle"), RoleLastUsed: &iamtypes.RoleLastUsed{}},
	}}
	got := collectIAM(context.Background(), c, &recorder{})
	web, idle := got.RoleDetailList[0], got.RoleDetailList[1]
	wantProfiles := []snapshot.InstanceProfile{{
		Path: "/", InstanceProfileName: "web-profile", InstanceProfileID: "AIPAWEB", Arn: "arn:aws:iam::111111111111:instance-profile/web-profile",
		CreateDate: "2026-11-01T09:30:00Z", Roles: []snapshot.InstanceProfileRole{{Path: "/", RoleName: "web", RoleID: "AROAWEB", Arn: "arn:aws:iam::111111111111:role/web"}},
	}}
	if !reflect.DeepEqual(web.InstanceProfileList, wantProfiles) {
		t.Errorf("instance profiles\n got %+v\nwant %+v", web.InstanceProfileList, wantProfiles)
	}
	if web.RoleLastUsed == nil || *web.RoleLastUsed != (snapshot.RoleLastUsed{LastUsedDate: "2026-11-01T09:30:00Z", Region: "eu-west-1"}) {
		t.Errorf("last used %+v", web.RoleLastUsed)
	}
	if idle.RoleLastUsed == nil || *idle.RoleLastUsed != (snapshot.RoleLastUsed{}) || idle.InstanceProfileList != nil {
		t.Errorf("a role never used: %+v, profiles %+v", idle.RoleLastUsed, idle.InstanceProfileList)
	}
}

// detailsIAM answers one page of roles.
type detailsIAM struct{ roles []iamtypes.RoleDetail }

func (d detailsIAM) GetAccountAuthorizationDetails(context.Context, *iam.GetAccountAuthorizationDetailsInput, ...func(*iam.Options)) (*iam.GetAccountAuthorizationDetailsOutput, error) {
	return &iam.GetAccountAuthorizationDetailsOutput{RoleDetailList: d.roles}, nil
}
