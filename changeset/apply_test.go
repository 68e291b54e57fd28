package changeset

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

func demoSnapshot(t *testing.T) *snapshot.Snapshot {
	t.Helper()
	s, errs, err := snapshot.Decode(demo.Snapshot())
	if err != nil || len(errs) > 0 {
		t.Fatal(err, errs)
	}
	return s
}

func apply(t *testing.T, s *snapshot.Snapshot, file string, opts ...Option) (*snapshot.Snapshot, *Applied) {
	t.Helper()
	changes, err := readFile(t, file)
	if err != nil {
		t.Fatal(err)
	}
	out, applied, err := Apply(s, changes, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return out, applied
}

// decision is the principal's own answer (role chains aside: the demo's
// management account may assume KeyAdmin).
func decision(t *testing.T, s *snapshot.Snapshot, principal, action, resource string) eval.Verdict {
	t.Helper()
	a, err := graph.Build(s, nil).Can(graph.Query{Principal: principal, Action: action, Resource: resource})
	if err != nil {
		t.Fatal(err)
	}
	return a.DirectDecision
}

const partnerRoot = "arn:aws:iam::999999999999:root"

// Opening alias/reports to another account's root in a change file makes
// can ALLOW for it (JSON), or CONDITIONAL on aws:SecureTransport (YAML,
// whose document has that condition), where the base said DENY.
func TestApplyOpensReports(t *testing.T) {
	base := demoSnapshot(t)
	if d := decision(t, base, partnerRoot, "kms:Decrypt", demo.ReportsKey); d != eval.Deny {
		t.Fatalf("base: %s, want DENY", d)
	}
	for file, want := range map[string]eval.Verdict{"changes.json": eval.Allow, "changes.yaml": eval.Conditional} {
		out, _ := apply(t, base, file)
		if d := decision(t, out, partnerRoot, "kms:Decrypt", demo.ReportsKey); d != want {
			t.Errorf("%s: %s, want %s", file, d, want)
		}
	}
	if d := decision(t, base, partnerRoot, "kms:Decrypt", demo.ReportsKey); d != eval.Deny {
		t.Errorf("base after Apply: %s, want DENY (the base must not change)", d)
	}
}

// The demo's sample plan opens alias/reports to an account outside the
// organization (key policy and RCP exception): the tour relies on it.
func TestApplyDemoPlan(t *testing.T) {
	base := demoSnapshot(t)
	changes, err := Read(bytes.NewReader(demo.Plan()), "demo-plan.json")
	if err != nil {
		t.Fatal(err)
	}
	out, applied, err := Apply(base, changes)
	if err != nil {
		t.Fatal(err)
	}
	for s, want := range map[*snapshot.Snapshot]eval.Verdict{base: eval.Deny, out: eval.Allow} {
		if d := decision(t, s, demo.PartnerRoot, "kms:Decrypt", demo.ReportsKey); d != want {
			t.Errorf("partner decrypts: %s, want %s", d, want)
		}
	}
	if strings.Join(applied.Keys, " ") != demo.ReportsKeyID || strings.Join(applied.OrgPolicies, " ") != "p-dataperimeter" {
		t.Errorf("demo plan touched keys %v, org policies %v", applied.Keys, applied.OrgPolicies)
	}
	if len(applied.Unknowns) != 0 || len(applied.Unplaced()) != 0 {
		t.Errorf("demo plan: unknowns %v, unplaced %v", applied.Unknowns, applied.Unplaced())
	}
}

// Apply leaves the base snapshot as it was and shares what it did not
// change: untouched accounts, Regions and lists are the base's own.
func TestApplyCopyOnWrite(t *testing.T) {
	base := demoSnapshot(t)
	before, _ := json.Marshal(base)
	out, applied := apply(t, base, "plan-all.json", WithAccount("222222222222"))
	after, _ := json.Marshal(base)
	if !bytes.Equal(before, after) {
		t.Fatal("Apply changed the base snapshot")
	}
	if out.Accounts["444444444444"] != base.Accounts["444444444444"] || out.Accounts["999999999999"] != base.Accounts["999999999999"] {
		t.Error("untouched accounts were copied")
	}
	if out.Accounts["111111111111"] == base.Accounts["111111111111"] {
		t.Error("a changed account is the base's")
	}
	if got := strings.Join(applied.Accounts, " "); got != "111111111111 222222222222" {
		t.Errorf("accounts touched: %s", got)
	}
	// Sections no change touches are shared.
	o, b := out.Accounts["111111111111"].Regions["us-east-1"], base.Accounts["111111111111"].Regions["us-east-1"]
	if o == b || o.RDS != b.RDS || o.EC2.Volumes == nil || &o.EC2.Volumes[0] != &b.EC2.Volumes[0] {
		t.Error("an untouched section was copied, or a touched Region shared")
	}
	// The new key whose account the plan does not tell is in WithAccount's.
	if keys := out.Accounts["222222222222"].Regions["us-east-1"].KMS.Keys; len(keys) == 0 || keys[len(keys)-1].KeyMetadata.KeyID != "aws_kms_key.fresh" {
		t.Error("new key not placed in the WithAccount account")
	}
}

// Applying every resource type of plan-all.json gives the changes its
// golden file lists, and the snapshot says so.
func TestApplyPlanAll(t *testing.T) {
	base := demoSnapshot(t)
	out, applied := apply(t, base, "plan-all.json", WithAccount("222222222222"))
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(applied); err != nil {
		t.Fatal(err)
	}
	golden(t, "plan-all.applied.golden", b.String())

	r := out.Accounts["111111111111"].Regions["us-east-1"]
	key := func(suffix string) *snapshot.Key {
		for i := range r.KMS.Keys {
			if strings.HasSuffix(r.KMS.Keys[i].KeyMetadata.KeyID, suffix) {
				return &r.KMS.Keys[i]
			}
		}
		t.Fatalf("no key %s", suffix)
		return nil
	}
	if k := key("a006"); k.Policy != nil {
		t.Errorf("legacy key policy unknown until apply, got %q", *k.Policy)
	}
	if k := key("a003"); k.KeyMetadata.KeyState != "PendingDeletion" {
		t.Errorf("deleted key state %s", k.KeyMetadata.KeyState)
	}
	grants := map[string]bool{}
	for _, g := range key("a001").Grants {
		grants[g.Name] = true
	}
	if !grants["partner"] || grants["auditor-export"] || !grants["batch-reports"] {
		t.Errorf("reports key grants %v", grants)
	}
	if s := r.SecretsManager.Secrets[0]; !strings.HasSuffix(s.KmsKeyID, "a005") || s.ResourcePolicy == nil {
		t.Errorf("secret: key %s policy %v", s.KmsKeyID, s.ResourcePolicy)
	}
	for _, p := range out.Organization.Policies {
		if p.PolicySummary.ID == "p-sandboxnodecrypt" && len(p.Targets) != 0 {
			t.Errorf("sandbox SCP still attached: %v", p.Targets)
		}
	}
	// Values unknown until apply that refer to resources the plan creates
	// name them: the alias is on the new key, dilip has the new policy.
	fresh := out.Accounts["222222222222"].Regions["us-east-1"].KMS.Keys
	if k := fresh[len(fresh)-1]; len(k.Aliases) != 1 || k.Aliases[0].AliasName != "alias/fresh" {
		t.Errorf("new key's aliases %+v", k.Aliases)
	}
	for _, u := range out.Accounts["222222222222"].IAM.UserDetailList {
		if u.UserName == "dilip" && (len(u.AttachedManagedPolicies) != 1 || u.AttachedManagedPolicies[0].PolicyArn != "arn:aws:iam::222222222222:policy/ops") {
			t.Errorf("dilip's managed policies %+v", u.AttachedManagedPolicies)
		}
	}
	// The changed snapshot builds.
	g := graph.Build(out, nil)
	if g.Key(demo.ReportsKeyID) == nil {
		t.Fatal("reports key lost")
	}
	// Tinkerer in sandbox: the detached SCP no longer denies kms:Decrypt
	// on alias/open (a key policy open to "*").
	open := "arn:aws:kms:us-east-1:111111111111:alias/open"
	tinkerer := "arn:aws:iam::444444444444:role/Tinkerer"
	if b, o := decision(t, base, tinkerer, "kms:Decrypt", open), decision(t, out, tinkerer, "kms:Decrypt", open); b == eval.Allow || o != eval.Allow {
		t.Errorf("Tinkerer decrypts with alias/open: %s before, %s after; want not ALLOW, then ALLOW", b, o)
	}
}

// A key policy unknown until apply makes the answers that depend on it
// not ALLOW nor DENY as collected: CONDITIONAL, never a guess.
func TestApplyUnknownPolicy(t *testing.T) {
	base := demoSnapshot(t)
	plan := `{"format_version":"1.2","resource_changes":[{"address":"aws_kms_key_policy.r","mode":"managed","type":"aws_kms_key_policy","name":"r",
	 "change":{"actions":["update"],"before":{"key_id":"1d6a2f4e-0000-4000-8000-00000000a001","policy":"{}"},"after":{"key_id":"1d6a2f4e-0000-4000-8000-00000000a001"},"after_unknown":{"policy":true}}}]}`
	changes, err := Read(strings.NewReader(plan), "p.json")
	if err != nil {
		t.Fatal(err)
	}
	out, applied, err := Apply(base, changes)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied.Unknowns) != 1 || applied.Unknowns[0].Field != "document" || applied.Unknowns[0].Target != demo.ReportsKeyID {
		t.Errorf("unknowns %+v", applied.Unknowns)
	}
	if d := decision(t, base, demo.Dilip, "kms:Decrypt", demo.ReportsKeyID); d != eval.Allow {
		t.Fatalf("base: dilip %s", d)
	}
	if d := decision(t, out, demo.Dilip, "kms:Decrypt", demo.ReportsKeyID); d != eval.Conditional {
		t.Errorf("unknown key policy: dilip %s, want CONDITIONAL", d)
	}
}

// Changes whose target is unknown, or nowhere in the snapshot, are
// unplaced entries, not errors.
func TestApplyUnplaced(t *testing.T) {
	base := demoSnapshot(t)
	changes := []Change{
		{Kind: KindGrant, Op: OpAdd, Target: "aws_kms_key.x", Unknown: []Unknown{{Field: "target"}}, Grant: &snapshot.Grant{GranteePrincipal: "x", Operations: []string{"Decrypt"}}},
		{Kind: KindBucketPolicy, Op: OpRemove, Target: "no-such-bucket"},
		{Kind: KindTrustPolicy, Op: OpReplace, Target: "role/Nobody", Document: "{}"},
		{Kind: KindIdentityPolicy, Op: OpAdd, Target: "role/Deployer", Name: "x", Document: "{}"},
	}
	_, applied, err := Apply(base, changes)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range applied.Entries {
		got = append(got, e.Target+": "+e.Note)
	}
	want := []string{
		"aws_kms_key.x: its target is unknown until apply",
		"no-such-bucket: no such bucket in the snapshot",
		"role/Nobody: role Nobody: in no account of the snapshot, or in several (give its ARN, or WithAccount)",
		"arn:aws:iam::222222222222:role/Deployer: ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(applied.Unplaced()) != 3 {
		t.Errorf("unplaced %d, want 3", len(applied.Unplaced()))
	}
}
