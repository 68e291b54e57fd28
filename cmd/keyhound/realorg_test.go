package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/keyhound/keyhound/internal/mototest"
	"github.com/keyhound/keyhound/scanner/fakeaws"
)

// Issue #13's "done when": keyhound scan --org of an organization as real
// ones are set up — run from a delegated administrator (not the management
// account), the management account read through its own audit role, an
// invited account with a role of its own (--roles), one with only the
// Organizations admin role (reached through the --role-name fallback), a
// Region-deny SCP on the root with a break-glass exemption (Organizations
// UG, "Example SCPs": deny access to AWS based on the requested Region), and
// other tools consuming most of KMS's quota so that AWS throttles the scan —
// completes without a single error: exit 0, every account read as the role
// expected, the denied Regions never called and recorded as skipped, and
// the throttled attempts absorbed.
func TestScanRealisticOrganization(t *testing.T) {
	const (
		mgmt      = "100000000000"
		admin     = "300000000001" // delegated administrator: keyhound runs here
		invited   = "300000000002" // invited: its own audit role, named in --roles
		adminOnly = "300000000003" // only OrganizationAccountAccessRole
		member    = "300000000004"
	)
	const scp = `{"Version":"2012-10-17","Statement":[{"Sid":"DenyOutsideAllowedRegions","Effect":"Deny",
		"NotAction":["iam:*","organizations:*","sts:*","support:*","s3:ListAllMyBuckets","s3:GetBucketLocation","s3:GetAccountPublicAccessBlock"],"Resource":"*",
		"Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]},
			"ArnNotLike":{"aws:PrincipalARN":["arn:aws:iam::*:role/BreakGlass"]}}}]}`
	regions := []string{"eu-west-1", "us-east-1", "ap-south-1", "sa-east-1"}
	// Other tools use three quarters of every KMS quota: AWS throttles the
	// scan, which runs at half the published rate.
	awsSide := &fakeaws.Quotas{Quota: func(c fakeaws.Call) fakeaws.Quota {
		q := fakeaws.Published(c)
		if c.Service == "kms" {
			q.PerSecond, q.Burst = q.PerSecond/4, max(q.Burst/4, 1)
		}
		return q
	}}
	var deniedCalls atomic.Int64
	s := fakeaws.Start(t, &fakeaws.Server{
		Management: mgmt, Members: []string{admin, invited, adminOnly, member}, Regions: regions,
		Keys: 8, Roles: 3, Buckets: 4,
		Caller: admin, DelegatedAdmins: []string{admin},
		RoleNames: map[string][]string{
			mgmt: {"KeyhoundAudit"}, admin: {"KeyhoundAudit"}, invited: {"SecurityAudit"},
			adminOnly: {"OrganizationAccountAccessRole"}, member: {"KeyhoundAudit", "OrganizationAccountAccessRole"},
		},
		SCPs: []fakeaws.SCP{{ID: "p-regions", Name: "AllowedRegions", Content: scp, Targets: []string{fakeaws.Root}}},
		Fault: func(c fakeaws.Call) *fakeaws.Fault {
			if c.Account != mgmt && (c.Region == "ap-south-1" || c.Region == "sa-east-1") {
				deniedCalls.Add(1)
			}
			return nil
		},
		Allow: awsSide.Allow,
	})
	mototest.UseEnv(t)
	dir := t.TempDir()
	roles := filepath.Join(dir, "roles.json")
	if err := os.WriteFile(roles, []byte(`{"`+invited+`": "arn:aws:iam::`+invited+`:role/SecurityAudit"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "org.json.gz")
	code, out, errOut := runCLI(t, "", "scan", "--org", "--region", "us-east-1", "--endpoint-url", s.URL,
		"--role-name", "KeyhoundAudit,OrganizationAccountAccessRole", "--roles", roles, "-o", path, "--json")
	if code != 0 {
		t.Fatalf("exit %d, want 0 (complete)\n%s", code, errOut)
	}
	var sum struct {
		Complete       bool                               `json:"complete"`
		Accounts       int                                `json:"accounts"`
		Errors         []json.RawMessage                  `json:"errors"`
		RegionsSkipped []struct{ Account, Region string } `json:"regions_skipped"`
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	if !sum.Complete || sum.Accounts != 5 || len(sum.Errors) != 0 {
		t.Fatalf("complete %v, %d accounts, errors %s", sum.Complete, sum.Accounts, out)
	}
	t.Logf("%d calls, %d throttled by AWS", s.Total(), s.Throttled())
	if s.Throttled() == 0 {
		t.Error("AWS never throttled the scan: the test does not test throttling")
	}
	if n := deniedCalls.Load(); n != 0 {
		t.Errorf("%d calls in Regions the SCP denies", n)
	}
	snap := loadSnapshot(t, path)
	want := map[string]string{
		mgmt:      "arn:aws:iam::" + mgmt + ":role/KeyhoundAudit", // SCPs do not apply: every Region read
		admin:     "arn:aws:iam::" + admin + ":user/scanner",      // the caller, in its own account
		invited:   "arn:aws:iam::" + invited + ":role/SecurityAudit",
		adminOnly: "arn:aws:iam::" + adminOnly + ":role/OrganizationAccountAccessRole",
		member:    "arn:aws:iam::" + member + ":role/KeyhoundAudit",
	}
	for acct, role := range want {
		a := snap.Accounts[acct]
		if a == nil {
			t.Errorf("%s: not in the snapshot", acct)
			continue
		}
		if a.ScannedAs != role {
			t.Errorf("%s: scanned as %q, want %q", acct, a.ScannedAs, role)
		}
		var got []string
		for r := range a.Regions {
			got = append(got, r)
		}
		slices.Sort(got)
		wantRegions := []string{"eu-west-1", "us-east-1"}
		if acct == mgmt {
			wantRegions = slices.Sorted(slices.Values(regions))
		}
		if !slices.Equal(got, wantRegions) || len(a.Errors) != 0 {
			t.Errorf("%s: Regions %v (want %v), errors %+v", acct, got, wantRegions, a.Errors)
		}
		if acct != mgmt && len(a.RegionsSkipped) != 2 {
			t.Errorf("%s: skipped %+v", acct, a.RegionsSkipped)
		}
		for _, r := range a.Regions {
			if r.KMS == nil || len(r.KMS.Keys) != 8 {
				t.Errorf("%s: keys not all read: %+v", acct, r.KMS)
			}
		}
	}
	if len(sum.RegionsSkipped) != 8 || !strings.Contains(errOut, "0 errors") {
		t.Errorf("skips %+v\n%s", sum.RegionsSkipped, errOut)
	}
}
