package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/internal/mototest"
	"github.com/keyhound/keyhound/scanner"
	"github.com/keyhound/keyhound/scanner/fakeaws"
)

// keyhound scan --check against fakeaws: one member without the audit
// role, one whose SNS refuses ListTopics. The table names the role used in
// each account, DENIED where AWS refused, and the action to allow; exit 4.
func TestScanCheckCommand(t *testing.T) {
	noRole, noSNS := fakeMembers[1], fakeMembers[2]
	roles := map[string][]string{}
	for _, a := range append([]string{"100000000000"}, fakeMembers...) {
		if a != noRole {
			roles[a] = []string{"KeyhoundAudit"}
		}
	}
	s := fakeaws.Start(t, &fakeaws.Server{Members: fakeMembers, Keys: 1, Roles: 1, RoleNames: roles, Fault: func(c fakeaws.Call) *fakeaws.Fault {
		if c.Account == noSNS && c.Op == "ListTopics" {
			return &fakeaws.Fault{Status: 403, Code: "AuthorizationError", Message: "User: arn:aws:sts::" + noSNS + ":assumed-role/KeyhoundAudit/keyhound is not authorized to perform: SNS:ListTopics"}
		}
		return nil
	}})
	mototest.UseEnv(t)
	t.Setenv("AWS_MAX_ATTEMPTS", "2")
	code, out, errOut := runCLI(t, "", "scan", "--org", "--check", "--region", "us-east-1", "--endpoint-url", s.URL)
	if code != exitScanPartial {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitScanPartial, out, errOut)
	}
	lines := strings.Split(out, "\n")
	row := func(acct string) []string {
		for _, l := range lines {
			if f := strings.Fields(l); len(f) > 0 && f[0] == acct {
				return f
			}
		}
		t.Fatalf("no row for %s:\n%s", acct, out)
		return nil
	}
	if !strings.HasPrefix(out, "keyhound: preflight as arn:aws:iam::100000000000:user/scanner (account 100000000000, home Region us-east-1): 4 of 4 accounts tried, management account 100000000000\norganization: OK\n") {
		t.Errorf("head:\n%s", out)
	}
	header := strings.Fields(lines[2])
	if !slices.Equal(header, append([]string{"ACCOUNT", "ROLE"}, scanner.CheckServices()...)) {
		t.Errorf("header %v", header)
	}
	sns := slices.Index(header, "sns")
	if r := row(noSNS); r[1] != "arn:aws:iam::"+noSNS+":role/KeyhoundAudit" || r[sns] != "DENIED" || strings.Count(strings.Join(r, " "), "OK") != len(header)-3 {
		t.Errorf("row of %s: %v", noSNS, r)
	}
	if r := row(noRole); strings.Join(r[1:4], " ") != "none (1 tried)" || strings.Count(strings.Join(r, " "), "-") != len(header)-2 {
		t.Errorf("row of %s: %v", noRole, r)
	}
	if r := row(fakeMembers[0]); r[len(r)-1] != "OK" || slices.Contains(r, "DENIED") {
		t.Errorf("row of %s: %v", fakeMembers[0], r)
	}
	for _, want := range []string{
		noSNS + "  DENIED  allow sns:ListTopics  AuthorizationError: User: arn:aws:sts::" + noSNS,
		noRole + "  DENIED  allow sts:AssumeRole on arn:aws:iam::" + noRole + ":role/KeyhoundAudit  AccessDenied: User: arn:aws:iam::100000000000:user/scanner is not authorized",
	} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), strings.Join(strings.Fields(want), " ")) {
			t.Errorf("no fix %q in:\n%s", want, out)
		}
	}
	// --json: the same, as data.
	code, out, _ = runCLI(t, "", "scan", "--org", "--check", "--json", "--sample", "2", "--endpoint-url", s.URL)
	var rep scanner.CheckReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != exitScanPartial {
		t.Fatalf("exit %d: %v\n%s", code, err, out)
	}
	if rep.OK || rep.AccountsKnown != 4 || len(rep.Accounts) != 2 || rep.Accounts[0].Account != "100000000000" || len(rep.Organization) == 0 {
		t.Errorf("--json --sample 2: %+v", rep)
	}
	// Everything in place: exit 0.
	ok := fakeaws.Start(t, &fakeaws.Server{Members: fakeMembers})
	if code, out, errOut := runCLI(t, "", "scan", "--org", "--check", "--endpoint-url", ok.URL); code != 0 || !strings.Contains(out, "every call worked") {
		t.Errorf("exit %d:\n%s%s", code, out, errOut)
	}
}

// --role-name tries the roles in order; --roles FILE names an account's
// own; --source-identity and --external-id go with each AssumeRole; each
// account records the role that read it.
func TestScanRoleFlags(t *testing.T) {
	var mu sync.Mutex
	var assumed []fakeaws.Call
	s := fakeaws.Start(t, &fakeaws.Server{
		Members: fakeMembers, Keys: 1, Roles: 1,
		RoleNames: map[string][]string{fakeMembers[0]: {"OrganizationAccountAccessRole"}, fakeMembers[1]: {"KeyhoundAudit"}, fakeMembers[2]: {"TheirAudit"}},
		Fault: func(c fakeaws.Call) *fakeaws.Fault {
			if c.Op == "AssumeRole" {
				mu.Lock()
				assumed = append(assumed, c)
				mu.Unlock()
			}
			return nil
		},
	})
	mototest.UseEnv(t)
	dir := t.TempDir()
	roles := filepath.Join(dir, "roles.json")
	if err := os.WriteFile(roles, []byte(`{"`+fakeMembers[2]+`": "arn:aws:iam::`+fakeMembers[2]+`:role/TheirAudit"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "org.json")
	code, _, errOut := runCLI(t, "", "scan", "--org", "--regions", "us-east-1", "--endpoint-url", s.URL, "-o", path, "--quiet",
		"--role-name", "KeyhoundAudit,OrganizationAccountAccessRole", "--roles", roles, "--source-identity", "alice", "--external-id", "x-1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	snap := loadSnapshot(t, path)
	for acct, want := range map[string]string{
		"100000000000": "arn:aws:iam::100000000000:user/scanner",
		fakeMembers[0]: "arn:aws:iam::" + fakeMembers[0] + ":role/OrganizationAccountAccessRole",
		fakeMembers[1]: "arn:aws:iam::" + fakeMembers[1] + ":role/KeyhoundAudit",
		fakeMembers[2]: "arn:aws:iam::" + fakeMembers[2] + ":role/TheirAudit",
	} {
		if got := snap.Accounts[acct].ScannedAs; got != want {
			t.Errorf("%s scanned as %q, want %q", acct, got, want)
		}
	}
	if len(assumed) != 4 { // member 0: two roles; 1 and 2: one each
		t.Errorf("%d AssumeRole calls", len(assumed))
	}
	for _, c := range assumed {
		if c.Params.Get("SourceIdentity") != "alice" || c.Params.Get("ExternalId") != "x-1" || c.Params.Get("RoleSessionName") != "keyhound" {
			t.Errorf("AssumeRole %s: %v", c.Resource, c.Params)
		}
	}
	// The default is the read-only audit role alone.
	assumed = nil
	code, _, _ = runCLI(t, "", "scan", "--accounts", fakeMembers[0], "--regions", "us-east-1", "--endpoint-url", s.URL, "-o", path, "--quiet")
	if code != exitScanPartial || len(assumed) != 1 || !strings.HasSuffix(assumed[0].Resource, ":role/KeyhoundAudit") {
		t.Errorf("default role: exit %d, %d calls", code, len(assumed))
	}
	// A bad roles file: exit 3, naming the file and the JSON path.
	if err := os.WriteFile(roles, []byte(`{"`+fakeMembers[2]+`": "arn:aws:iam::`+fakeMembers[1]+`:role/TheirAudit"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runCLI(t, "", "scan", "--org", "--endpoint-url", s.URL, "-o", path, "--roles", roles)
	if code != exitBadInput || !strings.Contains(errOut, roles+`: ["`+fakeMembers[2]+`"]: "arn:aws:iam::`+fakeMembers[1]+`:role/TheirAudit" is a role of account `+fakeMembers[1]) {
		t.Errorf("bad roles file: exit %d, %q", code, errOut)
	}
}

// No credentials anywhere: exit 3 and one line, not the SDK's chain of errors.
func TestScanNoCredentials(t *testing.T) {
	for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"} {
		t.Setenv(v, "")
	}
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, args := range [][]string{{"scan", "--org", "-o", filepath.Join(t.TempDir(), "x.json")}, {"scan", "--check"}} {
		code, out, errOut := runCLI(t, "", append(args, "--region", "us-east-1", "--endpoint-url", "http://127.0.0.1:9")...)
		if code != exitBadInput || out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "keyhound: no AWS credentials found (tried: environment variables, ") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}

// --call-timeout: a call that never answers costs a timeout per attempt,
// is recorded (code Timeout), and the rest is collected; exit 4.
func TestScanCallTimeoutFlag(t *testing.T) {
	member := fakeMembers[0]
	s := fakeaws.Start(t, &fakeaws.Server{Members: fakeMembers, Keys: 2, Roles: 1, Fault: func(c fakeaws.Call) *fakeaws.Fault {
		if c.Account == member && c.Op == "GetAccountAuthorizationDetails" {
			return &fakeaws.Fault{Hang: true}
		}
		return nil
	}})
	mototest.UseEnv(t)
	t.Setenv("AWS_MAX_ATTEMPTS", "2")
	path := filepath.Join(t.TempDir(), "org.json")
	code, _, errOut := runCLI(t, "", "scan", "--org", "--regions", "us-east-1", "--endpoint-url", s.URL, "-o", path, "--call-timeout", "1s")
	if code != exitScanPartial || !strings.Contains(errOut, member+"  iam  Timeout  1  GetAccountAuthorizationDetails") {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	if n := s.Calls(member, "iam:GetAccountAuthorizationDetails"); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
	a := loadSnapshot(t, path).Accounts[member]
	if a.IAM != nil || len(a.Errors) != 1 || a.Errors[0].Code != "Timeout" || len(a.Regions["us-east-1"].KMS.Keys) != 2 {
		t.Errorf("account %+v", a)
	}
}

// --quota-share is a share of AWS's quotas: 0, more than 1 or not a
// number is refused, exit 3, before any AWS call.
func TestScanQuotaShareFlag(t *testing.T) {
	s := fakeaws.Start(t, &fakeaws.Server{Members: fakeMembers, Keys: 1, Roles: 1})
	mototest.UseEnv(t)
	for _, bad := range []string{"0", "1.5", "-1", "half"} {
		path := filepath.Join(t.TempDir(), "org.json")
		code, _, errOut := runCLI(t, "", "scan", "--org", "--regions", "us-east-1", "--endpoint-url", s.URL, "-o", path, "--quota-share", bad)
		if code != exitBadInput || !strings.Contains(errOut, "quota-share") {
			t.Errorf("--quota-share %s: exit %d\n%s", bad, code, errOut)
		}
	}
	if n := s.Total(); n != 0 {
		t.Errorf("%d AWS calls made", n)
	}
	path := filepath.Join(t.TempDir(), "org.json")
	if code, _, errOut := runCLI(t, "", "scan", "--org", "--regions", "us-east-1", "--endpoint-url", s.URL, "-o", path, "--quota-share", "1"); code != 0 {
		t.Errorf("--quota-share 1: exit %d\n%s", code, errOut)
	}
}

// A GovCloud organization, scanned in us-gov-west-1: the snapshot's
// partition is aws-us-gov and so are its ARNs; can, who-can and denied take
// aws-us-gov ARNs, and a role chain crosses accounts within the partition.
// AWS: https://docs.aws.amazon.com/govcloud-us/latest/UserGuide/using-govcloud-arns.html
func TestGovCloudSnapshotQueries(t *testing.T) {
	mgmt, member := "100000000000", fakeMembers[0]
	s := fakeaws.Start(t, &fakeaws.Server{Members: fakeMembers, Regions: []string{"us-gov-west-1"}, Keys: 1, Roles: 2})
	mototest.UseEnv(t)
	path := filepath.Join(t.TempDir(), "gov.json")
	code, _, errOut := runCLI(t, "", "scan", "--org", "--region", "us-gov-west-1", "--endpoint-url", s.URL, "-o", path, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	snap := loadSnapshot(t, path)
	key := s.KeyARN(member, "us-gov-west-1", 0)
	if snap.Partition != "aws-us-gov" || !strings.HasPrefix(key, "arn:aws-us-gov:kms:us-gov-west-1:") || snap.Accounts[member].ScannedAs != "arn:aws-us-gov:iam::"+member+":role/KeyhoundAudit" ||
		snap.Accounts[member].Regions["us-gov-west-1"].KMS.Keys[0].KeyMetadata.Arn != key {
		t.Fatalf("partition %q, %s scanned as %q", snap.Partition, member, snap.Accounts[member].ScannedAs)
	}
	// Give the member's r0 a policy to decrypt, and the management account's
	// r1 one to assume it (its trust policy names the management account).
	reader, hopper := "arn:aws-us-gov:iam::"+member+":role/r0", "arn:aws-us-gov:iam::"+mgmt+":role/r1"
	grant := func(acct, role, doc string) {
		for i, r := range snap.Accounts[acct].IAM.RoleDetailList {
			if r.Arn == role {
				snap.Accounts[acct].IAM.RoleDetailList[i].RolePolicyList = []snapshot.PolicyDetail{{PolicyName: "p", PolicyDocument: doc}}
				return
			}
		}
		t.Fatalf("no role %s", role)
	}
	grant(member, reader, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws-us-gov:kms:*:`+member+`:key/*"}]}`)
	grant(mgmt, hopper, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"`+reader+`"}]}`)
	if err := scanner.WriteFile(path, snap); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "can", "--snapshot", path, reader, "kms:Decrypt", key)
	if code != exitAllow {
		t.Errorf("can %s decrypt: exit %d\n%s%s", reader, code, out, errOut)
	}
	// Through the chain r1 → r0: r0's session is in the partition too.
	code, out, errOut = runCLI(t, "", "can", "--snapshot", path, hopper, "kms:Decrypt", key)
	if code != exitAllow || !strings.Contains(out, reader) {
		t.Errorf("can %s decrypt: exit %d\n%s%s", hopper, code, out, errOut)
	}
	code, out, errOut = runCLI(t, "", "can", "--snapshot", path, "arn:aws-us-gov:iam::"+member+":role/r1", "kms:Decrypt", key)
	if code != exitDeny {
		t.Errorf("can r1 decrypt: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "", "who-can", "--snapshot", path, "--json", "decrypt", key)
	if code != 0 {
		t.Fatalf("who-can: exit %d: %s", code, errOut)
	}
	var got struct {
		Principals []struct {
			Principal string `json:"principal"`
			Decision  string `json:"decision"`
		} `json:"principals"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	for _, p := range got.Principals {
		found[p.Principal] = p.Decision
	}
	if found[reader] != "ALLOW" || found[hopper] != "ALLOW" {
		t.Errorf("who-can decrypt %s: want %s directly and %s through it:\n%s", key, reader, hopper, out)
	}
	code, out, errOut = runCLI(t, "", "denied", "--snapshot", path, "User: arn:aws-us-gov:sts::"+member+":assumed-role/r1/app is not authorized to perform: kms:Decrypt on resource: "+key+" because no identity-based policy allows the kms:Decrypt action")
	if code != exitDeny || !strings.Contains(out, "arn:aws-us-gov:") {
		t.Errorf("denied: exit %d\n%s%s", code, out, errOut)
	}
}

// Without --region, the home Region (and so the partition) is the
// credentials': AWS_REGION here, as for the AWS CLI.
func TestScanPartitionFromEnvironmentRegion(t *testing.T) {
	s := fakeaws.Start(t, &fakeaws.Server{Members: fakeMembers[:1], Regions: []string{"cn-north-1"}, Keys: 1, Roles: 1})
	mototest.UseEnv(t)
	t.Setenv("AWS_REGION", "cn-north-1")
	path := filepath.Join(t.TempDir(), "cn.json")
	if code, _, errOut := runCLI(t, "", "scan", "--org", "--endpoint-url", s.URL, "-o", path, "--quiet"); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	snap := loadSnapshot(t, path)
	a := snap.Accounts[fakeMembers[0]]
	if snap.Partition != "aws-cn" || a.ScannedAs != "arn:aws-cn:iam::"+fakeMembers[0]+":role/KeyhoundAudit" || a.Regions["cn-north-1"] == nil {
		t.Errorf("partition %q, scanned as %q, Regions %v", snap.Partition, a.ScannedAs, a.EnabledRegions)
	}
}
