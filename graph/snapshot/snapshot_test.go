package snapshot

import (
	"bytes"
	"compress/gzip"
	"errors"
	"strings"
	"testing"
)

const good = `{
  "format": "keyhound.snapshot/v1",
  "collected_at": "2026-11-22T12:00:00Z",
  "partition": "aws",
  "organization": {
    "Organization": {"Id": "o-a1b2c3d4e5", "MasterAccountId": "999999999999"},
    "Roots": [{"Id": "r-root", "Name": "Root"}],
    "OrganizationalUnits": [{"Id": "ou-prod", "Name": "prod", "ParentId": "r-root"}],
    "Accounts": [{"Id": "111111111111", "Name": "account-a", "Status": "ACTIVE", "ParentId": "ou-prod"}],
    "Policies": [{"PolicySummary": {"Id": "p-FullAWSAccess", "Name": "FullAWSAccess", "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": true},
                  "Content": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}",
                  "Targets": [{"TargetId": "r-root", "Type": "ROOT"}]}]
  },
  "accounts": {
    "111111111111": {
      "errors": [{"service": "kms", "region": "eu-west-1", "operation": "ListGrants", "code": "AccessDeniedException", "message": "no"}],
      "iam": {"UserDetailList": [], "RoleDetailList": [{"RoleName": "App", "Arn": "arn:aws:iam::111111111111:role/App", "Path": "/",
               "AssumeRolePolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D"}]},
      "regions": {
        "us-east-1": {
          "kms": {"Keys": [{"KeyMetadata": {"KeyId": "k1", "Arn": "arn:aws:kms:us-east-1:111111111111:key/k1", "KeyState": "Enabled", "KeyManager": "CUSTOMER", "Enabled": true},
                            "Policy": "{}", "Grants": [], "Aliases": [{"AliasName": "alias/app", "TargetKeyId": "k1"}], "KeyRotationEnabled": true}]},
          "s3": {"Buckets": [{"Name": "b", "ServerSideEncryptionConfiguration": {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/app"}, "BucketKeyEnabled": true}]}}]}
        }
      }
    }
  }
}`

func TestLoadGood(t *testing.T) {
	s, errs, err := Decode([]byte(good))
	if err != nil || len(errs) != 0 {
		t.Fatalf("Decode: %v %v", err, errs)
	}
	if s.Organization.Organization.ID != "o-a1b2c3d4e5" || len(s.Organization.Policies) != 1 || s.Organization.Accounts[0].ParentID != "ou-prod" {
		t.Errorf("organization = %+v", s.Organization)
	}
	a := s.Accounts["111111111111"]
	if a == nil || a.IAM == nil || len(a.IAM.RoleDetailList) != 1 || len(a.Errors) != 1 {
		t.Fatalf("account = %+v", a)
	}
	// "Not collected" (nil) is distinct from "collected, empty" ([]).
	if a.IAM.UserDetailList == nil || len(a.IAM.UserDetailList) != 0 {
		t.Error("an empty UserDetailList must load as empty, not as not collected")
	}
	if a.IAM.GroupDetailList != nil {
		t.Error("an absent GroupDetailList must load as not collected")
	}
	r := a.Regions["us-east-1"]
	if r.KMS == nil || r.S3 == nil || r.EC2 != nil {
		t.Fatalf("region = %+v", r)
	}
	k := r.KMS.Keys[0]
	if k.Grants == nil || len(k.Grants) != 0 || k.Tags != nil || k.KeyRotationEnabled == nil || !*k.KeyRotationEnabled || k.Policy == nil {
		t.Errorf("key = %+v", k)
	}
}

func TestRoundTripKeepsNotCollected(t *testing.T) {
	s, _, err := Decode([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	for _, compress := range []bool{false, true} {
		var buf bytes.Buffer
		if err := Write(&buf, s, compress); err != nil {
			t.Fatal(err)
		}
		if compress && !bytes.HasPrefix(buf.Bytes(), gzipMagic) {
			t.Fatal("not gzip")
		}
		if !compress && (strings.Contains(buf.String(), `"GroupDetailList"`) || !strings.Contains(buf.String(), `"UserDetailList": []`) || !strings.Contains(buf.String(), `"Grants": []`)) {
			t.Errorf("written snapshot loses the not-collected/empty distinction:\n%s", buf.String())
		}
		s2, errs, err := Load(&buf)
		if err != nil || len(errs) != 0 {
			t.Fatalf("reload (gzip=%v): %v %v", compress, err, errs)
		}
		if s2.Accounts["111111111111"].IAM.GroupDetailList != nil || s2.Accounts["111111111111"].IAM.UserDetailList == nil {
			t.Error("round trip changed not-collected/empty")
		}
	}
}

// Gzip is told by its magic bytes, whatever the name; a truncated gzip stream is an error, not a panic.
func TestLoadGzipByMagic(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte(good))
	_ = zw.Close()
	if _, _, err := Load(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Load(bytes.NewReader(buf.Bytes()[:20])); err == nil {
		t.Fatal("truncated gzip accepted")
	}
}

func TestLoadRejectsWhatIsNotASnapshot(t *testing.T) {
	for _, in := range []string{``, `[]`, `{}`, `{"format": "keyhound.snapshot/v9", "accounts": {}}`, `not json`} {
		_, _, err := Decode([]byte(in))
		if !errors.Is(err, ErrNotSnapshot) {
			t.Errorf("%q: err = %v, want ErrNotSnapshot", in, err)
		}
	}
}

// One bad item is left out with an error naming account, region, item and
// JSON path; everything else loads.
func TestLoadPartialNamesThePath(t *testing.T) {
	bad := strings.Replace(good, `"Keys": [{"KeyMetadata"`, `"Keys": [{"KeyMetadata": {"KeyId": 5, "Arn": "arn:aws:kms:us-east-1:111111111111:key/broken"}}, {"KeyMetadata"`, 1)
	bad = strings.Replace(bad, `"s3": {"Buckets": [`, `"ec2": "oops", "s3": {"Buckets": [`, 1)
	bad = strings.Replace(bad, `"RoleDetailList": [{`, `"RoleDetailList": [7, {`, 1)
	s, errs, err := Decode([]byte(bad))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]LoadError{
		`accounts["111111111111"].regions["us-east-1"].kms.Keys[0].KeyMetadata.KeyId`: {Account: "111111111111", Region: "us-east-1", Item: "arn:aws:kms:us-east-1:111111111111:key/broken"},
		`accounts["111111111111"].regions["us-east-1"].ec2`:                           {Account: "111111111111", Region: "us-east-1"},
		`accounts["111111111111"].iam.RoleDetailList[0]`:                              {Account: "111111111111"},
	}
	if len(errs) != len(want) {
		t.Fatalf("errors = %v", errs)
	}
	for _, e := range errs {
		w, ok := want[e.Path]
		if !ok {
			t.Errorf("unexpected error %v", &e)
			continue
		}
		if e.Account != w.Account || e.Region != w.Region || e.Item != w.Item || e.Message == "" {
			t.Errorf("%s: got %+v", e.Path, e)
		}
	}
	r := s.Accounts["111111111111"].Regions["us-east-1"]
	if len(r.KMS.Keys) != 1 || r.KMS.Keys[0].KeyMetadata.KeyID != "k1" || r.S3 == nil || r.EC2 != nil {
		t.Errorf("the good parts did not load: %+v", r)
	}
	if len(s.Accounts["111111111111"].IAM.RoleDetailList) != 1 {
		t.Error("good role lost")
	}
}

func TestManagedPolicyDefaultDocument(t *testing.T) {
	p := ManagedPolicyDetail{DefaultVersionID: "v2", PolicyVersionList: []PolicyVersion{{Document: "a", VersionID: "v1"}, {Document: "b", VersionID: "v2"}}}
	if doc, ok := p.DefaultDocument(); !ok || doc != "b" {
		t.Errorf("DefaultDocument = %q %v", doc, ok)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte(`{"format":"keyhound.snapshot/v1","accounts":{"1":{"regions":{"r":{"kms":{"Keys":[1,{}]}}}}}}`))
	f.Add([]byte(`{"format":"keyhound.snapshot/v1","organization":{"Policies":[{"Targets":"x"}]},"accounts":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, errs, err := Decode(data)
		if err != nil {
			if !errors.Is(err, ErrNotSnapshot) {
				t.Fatalf("error %v is not ErrNotSnapshot", err)
			}
			return
		}
		for _, e := range errs {
			if e.Path == "" || e.Message == "" {
				t.Fatalf("load error without path or message: %+v", e)
			}
		}
		var buf bytes.Buffer
		if err := Write(&buf, s, false); err != nil {
			t.Fatal(err)
		}
		// What loaded writes back and loads again; only checks that are
		// not about decoding (account IDs) may repeat.
		if _, errs2, err := Decode(buf.Bytes()); err != nil || len(errs2) > len(errs) {
			t.Fatalf("re-decoding what we wrote: %v %v (first pass %v)", err, errs2, errs)
		}
	})
}

// TestLoadReportingCountsEveryAccount: the progress a UI shows while a
// large snapshot opens ends at the number of accounts, one call per
// account, and the snapshot is the one Load gives.
func TestLoadReportingCountsEveryAccount(t *testing.T) {
	two := strings.Replace(good, `"accounts": {`, `"accounts": {"222222222222": {},`, 1)
	var calls [][2]int
	s, errs, err := LoadReporting(strings.NewReader(two), func(done, total int) { calls = append(calls, [2]int{done, total}) })
	if err != nil || len(errs) != 0 {
		t.Fatalf("LoadReporting: %v %v", err, errs)
	}
	if want := [][2]int{{1, 2}, {2, 2}}; len(calls) != 2 || calls[0] != want[0] || calls[1] != want[1] {
		t.Errorf("progress calls = %v, want %v", calls, want)
	}
	if len(s.Accounts) != 2 || s.Accounts["111111111111"].IAM == nil {
		t.Errorf("accounts = %v", s.Accounts)
	}
}
