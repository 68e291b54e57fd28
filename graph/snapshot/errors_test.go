package snapshot

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// partial is a snapshot of a scan that could not read everything: the
// organization's SCPs could not be listed and an RCP's targets not read,
// one account's KMS denied two calls, another's role could not be assumed.
const partial = `{
  "format": "keyhound.snapshot/v1",
  "organization": {
    "Organization": {"Id": "o-a1b2c3d4e5", "MasterAccountId": "999999999999"},
    "Roots": [{"Id": "r-root", "PolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]}],
    "Accounts": [{"Id": "111111111111", "ParentId": "r-root", "Status": "ACTIVE", "State": "ACTIVE"},
                 {"Id": "222222222222", "ParentId": "r-root", "Status": "SUSPENDED", "State": "SUSPENDED"}],
    "Policies": [{"PolicySummary": {"Id": "p-rcp", "Type": "RESOURCE_CONTROL_POLICY"}, "Content": ""}],
    "errors": [
      {"service": "organizations", "operation": "ListPolicies", "resource": "SERVICE_CONTROL_POLICY", "code": "AccessDeniedException", "message": "no"},
      {"service": "organizations", "operation": "ListTargetsForPolicy", "resource": "p-rcp", "code": "AccessDeniedException", "message": "no"},
      {"service": "organizations", "operation": "DescribePolicy", "resource": "p-rcp", "code": "TooManyRequestsException", "message": "slow down"}
    ]
  },
  "accounts": {
    "222222222222": {"errors": [{"service": "organizations", "operation": "scan", "resource": "222222222222", "code": "AccountNotActive", "message": "SUSPENDED"}]},
    "111111111111": {"errors": [
      {"service": "kms", "region": "us-east-1", "operation": "GetKeyPolicy", "resource": "arn:aws:kms:us-east-1:111111111111:key/a", "code": "AccessDeniedException"},
      {"service": "kms", "region": "us-east-1", "operation": "ListGrants", "resource": "arn:aws:kms:us-east-1:111111111111:key/a", "code": "AccessDeniedException"}]}
  }
}`

// The organization's errors load (an extra in the accounts' errors shape,
// docs/snapshot.md), the schema accepts them, and every error of the
// snapshot is listed and grouped by account, service and code.
func TestCollectionErrors(t *testing.T) {
	s, loadErrs, err := Decode([]byte(partial))
	if err != nil || len(loadErrs) > 0 {
		t.Fatalf("load: %v %v", err, loadErrs)
	}
	if err := validate(t, compileSchema(t), []byte(partial)); err != nil {
		t.Errorf("schema rejects a partial snapshot: %v", err)
	}
	o := s.Organization
	if len(o.Errors) != 3 || o.Errors[0].Operation != "ListPolicies" || o.Accounts[1].State != "SUSPENDED" || o.Policies[0].Targets != nil {
		t.Fatalf("organization = %+v", o)
	}
	// Written and read back: the same.
	var buf bytes.Buffer
	if err := Write(&buf, s, false); err != nil {
		t.Fatal(err)
	}
	back, _, err := Decode(buf.Bytes())
	if err != nil || !reflect.DeepEqual(back.Organization, s.Organization) {
		t.Errorf("round trip: %v\n%+v\n%+v", err, back.Organization, s.Organization)
	}
	if strings.Contains(buf.String(), `"Targets"`) {
		t.Error("targets not collected were written as a list")
	}

	all := s.CollectionErrors()
	if len(all) != 6 || !all[0].Organization || all[3].Account != "111111111111" || all[5].Account != "222222222222" {
		t.Fatalf("collection errors = %+v", all)
	}
	got := GroupErrors(all)
	want := []ErrorGroup{
		{Organization: true, Service: "organizations", Code: "AccessDeniedException", Count: 2, Operations: []string{"ListPolicies", "ListTargetsForPolicy"}},
		{Organization: true, Service: "organizations", Code: "TooManyRequestsException", Count: 1, Operations: []string{"DescribePolicy"}},
		{Account: "111111111111", Service: "kms", Code: "AccessDeniedException", Count: 2, Operations: []string{"GetKeyPolicy", "ListGrants"}},
		{Account: "222222222222", Service: "organizations", Code: "AccountNotActive", Count: 1, Operations: []string{"scan"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("groups =\n%+v\nwant\n%+v", got, want)
	}

	// A snapshot from before organization errors existed loads without any.
	old, _, err := Decode([]byte(good))
	if err != nil || old.Organization.Errors != nil || len(old.CollectionErrors()) != 1 {
		t.Errorf("old snapshot: %v %+v", err, old.CollectionErrors())
	}
}
