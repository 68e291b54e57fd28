package snapshot

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// extras holds every field issue #13 added, in AWS's shapes.
const extras = `{
  "format": "keyhound.snapshot/v1",
  "accounts": {
    "111111111111": {
      "s3control": {"PublicAccessBlockConfiguration": {"BlockPublicAcls": false, "IgnorePublicAcls": false, "BlockPublicPolicy": true, "RestrictPublicBuckets": true}},
      "iam": {"RoleDetailList": [
        {"RoleName": "web", "Arn": "arn:aws:iam::111111111111:role/web",
         "InstanceProfileList": [{"Path": "/", "InstanceProfileName": "web-profile", "InstanceProfileId": "AIPAWEB", "Arn": "arn:aws:iam::111111111111:instance-profile/web-profile",
                                  "CreateDate": "2026-01-02T03:04:05Z", "Roles": [{"Path": "/", "RoleName": "web", "RoleId": "AROAWEB", "Arn": "arn:aws:iam::111111111111:role/web"}]}],
         "RoleLastUsed": {"LastUsedDate": "2026-11-01T09:30:00Z", "Region": "eu-west-1"}},
        {"RoleName": "idle", "Arn": "arn:aws:iam::111111111111:role/idle", "RoleLastUsed": {}}]},
      "regions": {
        "us-east-1": {
          "kms": {"Keys": [{"KeyMetadata": {"KeyId": "k1", "Arn": "arn:aws:kms:us-east-1:111111111111:key/k1", "Enabled": true, "KeyManager": "CUSTOMER",
                                            "Origin": "EXTERNAL", "ValidTo": "2027-01-01T00:00:00Z", "ExpirationModel": "KEY_MATERIAL_EXPIRES",
                                            "CustomKeyStoreId": "cks-1", "CloudHsmClusterId": "cluster-1", "XksKeyConfiguration": {"Id": "xks-1"},
                                            "CurrentKeyMaterialId": "km-1", "PendingDeletionWindowInDays": 7,
                                            "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"], "SigningAlgorithms": [], "KeySpec": "SYMMETRIC_DEFAULT",
                                            "MultiRegion": true, "MultiRegionConfiguration": {"MultiRegionKeyType": "PRIMARY", "PrimaryKey": {"Arn": "arn:aws:kms:us-east-1:111111111111:key/k1", "Region": "us-east-1"}}},
                            "KeyLastUsage": {"Operation": "Decrypt", "Timestamp": "2026-11-20T08:15:00Z", "CloudTrailEventId": "ct-1", "KmsRequestId": "req-1"},
                            "TrackingStartDate": "2026-01-01T00:00:00Z"},
                           {"KeyMetadata": {"KeyId": "k2", "Arn": "arn:aws:kms:us-east-1:111111111111:key/k2", "Enabled": true}, "KeyLastUsage": {}, "TrackingStartDate": "2026-01-01T00:00:00Z"}]},
          "s3": {"Buckets": [{"Name": "b", "CreationDate": "2026-01-01T00:00:00Z", "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}}]},
          "ec2": {"VpcEndpoints": [{"VpcEndpointId": "vpce-1", "VpcEndpointType": "Interface", "ServiceName": "com.amazonaws.us-east-1.kms", "VpcId": "vpc-1",
                                    "State": "available", "OwnerId": "111111111111", "PrivateDnsEnabled": true, "CreationTimestamp": "2026-01-01T00:00:00Z",
                                    "SubnetIds": ["subnet-1"], "PolicyDocument": "{\"Statement\":[]}", "Tags": [{"Key": "team", "Value": "net"}]}]},
          "secretsmanager": {"Secrets": [{"ARN": "arn:aws:secretsmanager:us-east-1:111111111111:secret:db-AbCdEf", "PrimaryRegion": "us-east-1",
                                          "ReplicationStatus": [{"Region": "eu-west-1", "KmsKeyId": "alias/aws/secretsmanager", "Status": "InSync", "StatusMessage": "Replication succeeded"}]}]}
        }
      }
    },
    "222222222222": {"s3control": {}, "regions": {"us-east-1": {"ec2": {"VpcEndpoints": []}}}}
  }
}`

// Every new field loads as written, writes back, and loads again the same;
// the schema accepts it. "None" (an empty s3control, an empty list of
// endpoints, a key not used: {}) stays distinct from "not collected"
// (missing).
func TestExtrasRoundTrip(t *testing.T) {
	s, errs, err := Decode([]byte(extras))
	if err != nil || len(errs) != 0 {
		t.Fatalf("Decode: %v %v", err, errs)
	}
	a := s.Accounts["111111111111"]
	if a.S3Control == nil || *a.S3Control.PublicAccessBlockConfiguration != (PublicAccessBlockConfiguration{BlockPublicPolicy: true, RestrictPublicBuckets: true}) {
		t.Errorf("s3control %+v", a.S3Control)
	}
	web, idle := a.IAM.RoleDetailList[0], a.IAM.RoleDetailList[1]
	if len(web.InstanceProfileList) != 1 || web.InstanceProfileList[0].Roles[0].RoleID != "AROAWEB" || *web.RoleLastUsed != (RoleLastUsed{LastUsedDate: "2026-11-01T09:30:00Z", Region: "eu-west-1"}) {
		t.Errorf("role web %+v", web)
	}
	if idle.RoleLastUsed == nil || *idle.RoleLastUsed != (RoleLastUsed{}) {
		t.Errorf("a role never used must keep {}: %+v", idle.RoleLastUsed)
	}
	r := a.Regions["us-east-1"]
	k1, k2 := r.KMS.Keys[0], r.KMS.Keys[1]
	md := k1.KeyMetadata
	if md.Origin != "EXTERNAL" || md.ValidTo != "2027-01-01T00:00:00Z" || md.ExpirationModel != "KEY_MATERIAL_EXPIRES" || md.CustomKeyStoreID != "cks-1" ||
		md.CloudHsmClusterID != "cluster-1" || md.XksKeyConfiguration == nil || md.XksKeyConfiguration.ID != "xks-1" || md.CurrentKeyMaterialID != "km-1" ||
		md.PendingDeletionWindowInDays != 7 || len(md.EncryptionAlgorithms) != 1 || md.SigningAlgorithms == nil || md.MultiRegionConfiguration.PrimaryKey.Region != "us-east-1" {
		t.Errorf("key metadata %+v", md)
	}
	if *k1.KeyLastUsage != (KeyLastUsageData{Operation: "Decrypt", Timestamp: "2026-11-20T08:15:00Z", CloudTrailEventID: "ct-1", KmsRequestID: "req-1"}) || k1.TrackingStartDate == "" {
		t.Errorf("key last usage %+v", k1.KeyLastUsage)
	}
	if k2.KeyLastUsage == nil || *k2.KeyLastUsage != (KeyLastUsageData{}) {
		t.Errorf("a key not used must keep {}: %+v", k2.KeyLastUsage)
	}
	if b := r.S3.Buckets[0]; b.CreationDate == "" || b.OwnershipControls.Rules[0].ObjectOwnership != "BucketOwnerEnforced" {
		t.Errorf("bucket %+v", b)
	}
	if ep := r.EC2.VpcEndpoints[0]; ep.VpcID != "vpc-1" || ep.State != "available" || ep.OwnerID != "111111111111" || !ep.PrivateDNSEnabled || ep.Tags[0].Value != "net" || ep.PolicyDocument == "" {
		t.Errorf("endpoint %+v", ep)
	}
	if sec := r.SecretsManager.Secrets[0]; sec.PrimaryRegion != "us-east-1" || len(sec.ReplicationStatus) != 1 || sec.ReplicationStatus[0].KmsKeyID != "alias/aws/secretsmanager" {
		t.Errorf("secret %+v", sec)
	}
	b := s.Accounts["222222222222"]
	if b.S3Control == nil || b.S3Control.PublicAccessBlockConfiguration != nil || b.Regions["us-east-1"].EC2.VpcEndpoints == nil {
		t.Errorf("collected, none: %+v %+v", b.S3Control, b.Regions["us-east-1"].EC2)
	}

	var buf bytes.Buffer
	if err := Write(&buf, s, false); err != nil {
		t.Fatal(err)
	}
	for _, kept := range []string{`"s3control": {}`, `"VpcEndpoints": []`, `"KeyLastUsage": {}`, `"RoleLastUsed": {}`} {
		if !strings.Contains(buf.String(), kept) {
			t.Errorf("written snapshot loses %s", kept)
		}
	}
	schema := compileSchema(t)
	for name, doc := range map[string][]byte{"test": []byte(extras), "written": buf.Bytes()} {
		if err := validate(t, schema, doc); err != nil {
			t.Errorf("schema rejects the %s snapshot: %v", name, err)
		}
	}
	s2, errs, err := Decode(buf.Bytes())
	if err != nil || len(errs) != 0 {
		t.Fatalf("reload: %v %v", err, errs)
	}
	if !reflect.DeepEqual(s2, s) {
		t.Error("round trip changed the snapshot")
	}
	// Not collected stays missing.
	bare, _, _ := Decode([]byte(good))
	if acct := bare.Accounts["111111111111"]; acct.S3Control != nil || acct.Regions["us-east-1"].KMS.Keys[0].KeyLastUsage != nil {
		t.Error("a snapshot without them must load them as not collected")
	}
}

// A bad value in the new sections is left out with an error naming the
// account, Region, item and JSON path; the rest loads.
func TestExtrasLoadErrors(t *testing.T) {
	bad := strings.Replace(extras, `"s3control": {"PublicAccessBlockConfiguration"`, `"s3control": {"PublicAccessBlockConfiguration": 5, "x"`, 1)
	bad = strings.Replace(bad, `"VpcEndpoints": [{"VpcEndpointId": "vpce-1", "VpcEndpointType": "Interface"`, `"VpcEndpoints": [{"VpcEndpointId": "vpce-1", "VpcEndpointType": 7`, 1)
	bad = strings.Replace(bad, `"s3control": {}`, `"s3control": "oops"`, 1)
	s, errs, err := Decode([]byte(bad))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]LoadError{
		`accounts["111111111111"].s3control.PublicAccessBlockConfiguration`:                 {Account: "111111111111"},
		`accounts["111111111111"].regions["us-east-1"].ec2.VpcEndpoints[0].VpcEndpointType`: {Account: "111111111111", Region: "us-east-1", Item: "vpce-1"},
		`accounts["222222222222"].s3control`:                                                {Account: "222222222222"},
	}
	if len(errs) != len(want) {
		t.Fatalf("errors = %+v", errs)
	}
	for _, e := range errs {
		w, ok := want[e.Path]
		if !ok || e.Account != w.Account || e.Region != w.Region || e.Item != w.Item {
			t.Errorf("unexpected %+v", e)
		}
	}
	if s.Accounts["222222222222"].S3Control != nil {
		t.Error("an s3control that is not an object must be not collected")
	}
	a := s.Accounts["111111111111"]
	if a.S3Control != nil {
		t.Errorf("an s3control with a bad value must be not collected, not \"none\": %+v", a.S3Control)
	}
	if a.Regions["us-east-1"].EC2.VpcEndpoints == nil || len(a.Regions["us-east-1"].EC2.VpcEndpoints) != 0 || len(a.Regions["us-east-1"].KMS.Keys) != 2 {
		t.Errorf("the good parts did not load: %+v", a.Regions["us-east-1"].EC2)
	}
}
