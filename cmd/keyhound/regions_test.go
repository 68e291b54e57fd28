package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/keyhound/keyhound/internal/mototest"
	"github.com/keyhound/keyhound/scanner/fakeaws"
)

// keyhound scan --org against an organization whose SCP denies two of the
// four enabled Regions (the Organizations UG's Region-deny example): the
// members' denied Regions are never called, the summary lists them apart
// from the errors, --json carries them in regions_skipped, keyhound stats
// counts them, and the scan is complete: exit 0.
func TestScanCommandRegionDenySCP(t *testing.T) {
	const scp = `{"Version":"2012-10-17","Statement":[{"Sid":"DenyOutsideAllowedRegions","Effect":"Deny",
		"NotAction":["iam:*","organizations:*","sts:*","support:*","s3:ListAllMyBuckets","s3:GetBucketLocation"],"Resource":"*",
		"Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}}}]}`
	var denied atomic.Int64 // members' calls in the denied Regions
	s := fakeaws.Start(t, &fakeaws.Server{
		Members: fakeMembers[:2], Regions: []string{"eu-west-1", "us-east-1", "ap-south-1", "sa-east-1"}, Keys: 1, Roles: 1, Buckets: 4,
		SCPs: []fakeaws.SCP{{ID: "p-regions", Name: "AllowedRegions", Content: scp, Targets: []string{fakeaws.Root}}},
		Fault: func(c fakeaws.Call) *fakeaws.Fault {
			if c.Account != "100000000000" && (c.Region == "ap-south-1" || c.Region == "sa-east-1") {
				denied.Add(1)
			}
			return nil
		},
	})
	mototest.UseEnv(t)
	path := filepath.Join(t.TempDir(), "org.json")
	code, out, errOut := runCLI(t, "", "scan", "--org", "--region", "us-east-1", "--endpoint-url", s.URL, "-o", path, "--json")
	if code != 0 {
		t.Fatalf("exit %d, want 0 (complete)\n%s", code, errOut)
	}
	if n := denied.Load(); n != 0 {
		t.Errorf("%d calls in the denied Regions", n)
	}
	var sum struct {
		Complete       bool              `json:"complete"`
		Errors         []json.RawMessage `json:"errors"`
		RegionsSkipped []struct {
			Account, Region, Reason string
			Policies                []string
		} `json:"regions_skipped"`
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	var got []string
	for _, k := range sum.RegionsSkipped {
		got = append(got, fmt.Sprintf("%s %s %s %v", k.Account, k.Region, k.Reason, k.Policies))
	}
	var want []string
	for _, m := range fakeMembers[:2] {
		want = append(want, m+" ap-south-1 scp [p-regions]", m+" sa-east-1 scp [p-regions]")
	}
	if !sum.Complete || len(sum.Errors) != 0 || !slices.Equal(got, want) {
		t.Errorf("summary: complete %v, errors %d, skipped %v, want %v", sum.Complete, len(sum.Errors), got, want)
	}
	if !strings.Contains(errOut, "wrote "+path+": 3 accounts, 0 errors") || !strings.Contains(errOut, "Regions skipped, denied by SCP") ||
		!strings.Contains(errOut, fakeMembers[0]+"  ap-south-1  every service  p-regions") {
		t.Errorf("summary on stderr:\n%s", errOut)
	}
	snap := loadSnapshot(t, path)
	if a := snap.Accounts[fakeMembers[0]]; len(a.Regions) != 2 || len(a.RegionsSkipped) != 2 {
		t.Errorf("member: %d Regions, skipped %+v", len(a.Regions), a.RegionsSkipped)
	}
	code, out, errOut = runCLI(t, "", "stats", "--snapshot", path)
	if code != 0 || !strings.Contains(out, "regions skipped    4") || !strings.Contains(out, "collection errors  0") {
		t.Errorf("stats: exit %d\n%s%s", code, out, errOut)
	}
}

// An Organizations page that fails after its retries: the accounts of the
// pages read are written, the failure is listed under "organization", and
// the scan is partial: exit 4.
func TestScanCommandOrganizationPageFails(t *testing.T) {
	var members []string
	for i := range 30 {
		members = append(members, fmt.Sprintf("%012d", 200000000100+i))
	}
	s := fakeaws.Start(t, &fakeaws.Server{Members: members, Keys: 1, Roles: 1, Fault: func(c fakeaws.Call) *fakeaws.Fault {
		if c.Op == "ListAccountsForParent" && c.Token == "20" {
			return &fakeaws.Fault{Status: 500, Code: "ServiceException", Message: "try again"}
		}
		return nil
	}})
	mototest.UseEnv(t)
	t.Setenv("AWS_MAX_ATTEMPTS", "2")
	path := filepath.Join(t.TempDir(), "org.json")
	code, _, errOut := runCLI(t, "", "scan", "--org", "--regions", "us-east-1", "--region", "us-east-1", "--endpoint-url", s.URL, "-o", path)
	if code != exitScanPartial {
		t.Fatalf("exit %d, want %d (partial)\n%s", code, exitScanPartial, errOut)
	}
	if !strings.Contains(errOut, "wrote "+path+": 20 accounts, 1 error") || !strings.Contains(errOut, "organization  organizations  ServiceException  1  ListAccountsForParent") {
		t.Errorf("summary:\n%s", errOut)
	}
	snap := loadSnapshot(t, path)
	if len(snap.Accounts) != 20 || len(snap.Organization.Accounts) != 20 || snap.Accounts[members[18]] == nil || snap.Accounts[members[18]].IAM == nil {
		t.Errorf("snapshot: %d accounts, %d listed", len(snap.Accounts), len(snap.Organization.Accounts))
	}
}
