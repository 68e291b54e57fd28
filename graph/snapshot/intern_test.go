package snapshot

import (
	"strings"
	"testing"
	"unsafe"
)

// Equal documents of different accounts load as one string; the snapshot
// is the same (TestDecodeIsStaged).
func TestDecodeSharesRepeatedDocuments(t *testing.T) {
	two := strings.Replace(good, `"accounts": {`, `"accounts": {"222222222222": {"iam": {"RoleDetailList": [{"RoleName": "App", "Arn": "arn:aws:iam::222222222222:role/App", "Path": "/",
	           "AssumeRolePolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D"}]},
	  "regions": {"eu-west-1": {"kms": {"Keys": [{"KeyMetadata": {"KeyId": "k2", "Arn": "arn:aws:kms:eu-west-1:222222222222:key/k2"}, "Policy": "{}"}]}}}},`, 1)
	s, errs, err := Decode([]byte(two))
	if err != nil || len(errs) > 0 {
		t.Fatal(err, errs)
	}
	a, b := s.Accounts["111111111111"], s.Accounts["222222222222"]
	same := func(x, y string) bool { return x == y && unsafe.StringData(x) == unsafe.StringData(y) }
	if !same(a.IAM.RoleDetailList[0].AssumeRolePolicyDocument, b.IAM.RoleDetailList[0].AssumeRolePolicyDocument) {
		t.Error("trust policies not shared")
	}
	if !same(*a.Regions["us-east-1"].KMS.Keys[0].Policy, *b.Regions["eu-west-1"].KMS.Keys[0].Policy) {
		t.Error("key policies not shared")
	}
}
