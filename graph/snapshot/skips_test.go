package snapshot

import (
	"strings"
	"testing"
)

// regions_skipped: loads item by item, passes the schema, and reads back
// through SkippedRegions and Account.Skipped; a bad item is reported with
// its path and its neighbours load.
func TestRegionsSkipped(t *testing.T) {
	const doc = `{"format": "keyhound.snapshot/v1", "accounts": {
	  "222222222222": {"enabled_regions": ["ap-south-1", "sa-east-1", "us-east-1"], "regions_skipped": [
	    {"region": "ap-south-1", "reason": "scp", "policies": ["p-regions"], "message": "denied"},
	    {"region": "sa-east-1", "reason": "scp", "service": "kms", "operation": "ListAliases", "message": "User: … service control policy"},
	    {"region": "sa-east-1", "reason": "scp", "service": "kms", "operation": "ListKeys", "message": "User: … service control policy"},
	    {"region": 5}
	  ]}}}`
	s, errs, err := Decode([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != 1 || !strings.HasPrefix(errs[0].Path, `accounts["222222222222"].regions_skipped[3]`) {
		t.Errorf("load errors %+v", errs)
	}
	if got := s.SkippedRegions(); len(got) != 3 || got[0].Account != "222222222222" || got[0].Policies[0] != "p-regions" {
		t.Errorf("skipped %+v", got)
	}
	a := s.Accounts["222222222222"]
	if k := a.Skipped("ap-south-1", "kms", "ListKeys"); k == nil || k.Service != "" {
		t.Errorf("whole Region: %+v", k)
	}
	if k := a.Skipped("sa-east-1", "kms", "ListKeys"); k == nil || k.Operation != "ListKeys" {
		t.Errorf("one call: %+v", k)
	}
	if k := a.Skipped("sa-east-1", "ec2", ""); k != nil {
		t.Errorf("another service: %+v", k)
	}
	if k := a.Skipped("us-east-1", "kms", ""); k != nil {
		t.Errorf("a Region read: %+v", k)
	}
	schema := compileSchema(t)
	valid := strings.Replace(doc, `,
	    {"region": 5}`, "", 1)
	if err := validate(t, schema, []byte(valid)); err != nil {
		t.Errorf("the schema rejects regions_skipped: %v", err)
	}
	if err := validate(t, schema, []byte(strings.Replace(valid, `"reason": "scp", "policies"`, `"reason": "error", "policies"`, 1))); err == nil {
		t.Error("the schema accepts an unknown reason")
	}
}
