package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/eval"
)

// Opening what the breadcrumb already shows returns to it instead of
// stacking it twice: enter on a finding in a key's Findings tab once gave
// Findings › alias/open › alias/open.
func TestBreadcrumbNeverRepeats(t *testing.T) {
	d := newDriver(t, 100, 30)
	d.keys("1 / t:open enter enter")
	if got := d.crumbs(); got != "Keys › alias/open" {
		t.Fatalf("open the key: %q", got)
	}
	ks := d.m.top().(*keyScreen)
	d.send(pushMsg{newKeyScreen(d.m.c, ks.key)})
	if got := d.crumbs(); got != "Keys › alias/open" {
		t.Errorf("pushing the key on top of itself: %q", got)
	}
	if d.m.top() != ks {
		t.Error("the key's screen was replaced, losing its state")
	}
	d.keys("esc")
	if got := d.crumbs(); got != "Keys" {
		t.Errorf("esc: %q, want one step back", got)
	}
}

// footer is the rendered short help, the screen's last line.
func (d *driver) footer() string {
	s := strings.TrimRight(d.screen(), "\n")
	return s[strings.LastIndex(s, "\n")+1:]
}

// enter on a finding opens it: title, severity, what it is on, the
// statement marked in the key policy, what to change; enter there goes to
// the key, esc back one step.
func TestFindingDetail(t *testing.T) {
	d := newDriver(t, 100, 60)
	d.keys("4 enter")
	if got := d.crumbs(); got != "Findings › key-policy-open" {
		t.Fatalf("enter on a finding: %q", got)
	}
	if _, ok := d.m.top().(*findingScreen); !ok {
		t.Fatalf("top is %T", d.m.top())
	}
	screen := d.screen()
	for _, want := range []string{"Key policy open to everyone", "CRITICAL", "key alias/open", `key policy statement 0 "EveryoneMayDecrypt"`, "What to change", "aws:PrincipalOrgID", "statement 0 marked", `▌       "Sid": "EveryoneMayDecrypt",`, "enter go to key alias/open"} {
		if !strings.Contains(screen, want) {
			t.Errorf("finding detail lacks %q:\n%s", want, screen)
		}
	}
	if strings.Contains(screen, `▌       "Sid": "Enable IAM User Permissions"`) {
		t.Errorf("the statement that is not the evidence is marked:\n%s", screen)
	}
	d.keys("enter")
	if got := d.crumbs(); got != "Findings › key-policy-open › alias/open" {
		t.Fatalf("enter in the finding: %q", got)
	}
	d.keys("esc")
	if got := d.crumbs(); got != "Findings › key-policy-open" {
		t.Fatalf("esc: %q", got)
	}
	d.keys("esc")
	if got := d.crumbs(); got != "Findings" {
		t.Fatalf("esc again: %q", got)
	}
}

// The evidence of a resource's finding names it, never by snapshot path;
// enter goes to the resource.
func TestFindingDetailNamesResources(t *testing.T) {
	d := newDriver(t, 80, 40)
	d.keys("4 / t:legacy-exports enter enter")
	screen := d.screen()
	if !strings.Contains(screen, "s3:bucket kh-demo-legacy-exports") || strings.Contains(screen, "accounts[") {
		t.Errorf("evidence should name the bucket, not its snapshot path:\n%s", screen)
	}
	d.keys("enter")
	if got := d.crumbs(); got != "Findings › shared-with-aws-managed-key › kh-demo-legacy-exports" {
		t.Fatalf("enter: %q", got)
	}
}

// An identity policy's finding shows that policy, its statement marked;
// enter goes to the principal.
func TestFindingDetailIdentityPolicy(t *testing.T) {
	d := newDriver(t, 100, 60)
	d.keys("4 / t:DataEngineer enter enter")
	screen := d.screen()
	for _, want := range []string{"Identity policy chain-and-secrets of role/DataEngineer, statement 1 marked", "▌"} {
		if !strings.Contains(screen, want) {
			t.Errorf("lacks %q:\n%s", want, screen)
		}
	}
	d.keys("enter")
	if got := d.crumbs(); got != "Findings › identity-decrypt-any-key › DataEngineer" {
		t.Fatalf("enter: %q", got)
	}
}

// A finding's pane scrolls: G to the end, g back, j one line.
func TestFindingDetailScrolls(t *testing.T) {
	d := newDriver(t, 80, 24)
	d.keys("4 enter")
	fs := d.m.top().(*findingScreen)
	if !fs.scrolls() || !strings.Contains(d.footer(), "scroll") {
		t.Fatalf("the finding should scroll at 80×24; footer %q", d.footer())
	}
	d.keys("j")
	if fs.offset != 1 {
		t.Errorf("j: offset %d", fs.offset)
	}
	d.keys("G")
	if fs.offset != len(fs.lines)-fs.height {
		t.Errorf("G: offset %d of %d lines, height %d", fs.offset, len(fs.lines), fs.height)
	}
	if !strings.Contains(d.screen(), `"Resource": "*"`) {
		t.Errorf("G does not show the policy's end:\n%s", d.screen())
	}
	d.keys("g")
	if fs.offset != 0 {
		t.Errorf("g: offset %d", fs.offset)
	}
	// At 160 columns it all fits: no scroll key in the footer.
	d.send(tea.WindowSizeMsg{Width: 160, Height: 80})
	if strings.Contains(d.footer(), "scroll") {
		t.Errorf("footer offers scrolling with nothing to scroll: %q", d.footer())
	}
}

// enter on a finding in a key's Findings tab opens the finding; enter
// there returns to the key instead of stacking it again.
func TestFindingFromKeyTab(t *testing.T) {
	d := newDriver(t, 100, 30)
	d.keys("1 / t:open enter enter tab tab tab tab enter")
	if got := d.crumbs(); got != "Keys › alias/open › key-policy-open" {
		t.Fatalf("enter in the key's findings: %q", got)
	}
	d.keys("enter")
	if got := d.crumbs(); got != "Keys › alias/open" {
		t.Fatalf("enter in the finding: %q, want back at the key, not twice", got)
	}
	if d.m.top().(*keyScreen).tab != tabFindings {
		t.Error("the key's screen lost its tab")
	}
}

// enter on a grant opens it: grantee, operations, constraints, retiring
// principal, issuer and date, and what it allows; enter goes to the
// grantee, esc back.
func TestGrantDetail(t *testing.T) {
	d := newDriver(t, 100, 40)
	d.keys("/ t:reports enter enter tab tab enter")
	if got := d.crumbs(); got != "Keys › alias/reports › grant batch-reports" {
		t.Fatalf("enter on a grant: %q", got)
	}
	screen := d.screen()
	for _, want := range []string{
		"5a7e0000000000000000000000000000000000000000000000000000000000a1", "role/Batch in account analytics (222222222222)",
		"Decrypt, DescribeKey", "encryption context includes department=finance", "retiring    role/KeyAdmin",
		"issued by   prod-data (111111111111)", "created     2026-02-01T09:00:00Z", "? role/Batch may decrypt", "CONDITIONAL",
		"enter go to role/Batch",
	} {
		if !strings.Contains(screen, want) {
			t.Errorf("grant detail lacks %q:\n%s", want, screen)
		}
	}
	d.keys("enter")
	if got := d.crumbs(); got != "Keys › alias/reports › grant batch-reports › Batch" {
		t.Fatalf("enter in the grant: %q", got)
	}
	d.keys("esc")
	if got := d.crumbs(); got != "Keys › alias/reports › grant batch-reports" {
		t.Fatalf("esc: %q", got)
	}
	d.keys("esc")
	if got := d.crumbs(); got != "Keys › alias/reports" {
		t.Fatalf("esc again: %q", got)
	}
	// A grantee outside the snapshot: no enter in the footer, and enter
	// stays.
	d.keys("down enter")
	if got := d.crumbs(); got != "Keys › alias/reports › grant auditor-export" {
		t.Fatalf("second grant: %q", got)
	}
	if strings.Contains(d.footer(), "enter") {
		t.Errorf("footer offers enter with nowhere to go: %q", d.footer())
	}
	if !strings.Contains(d.screen(), "outside the organization") {
		t.Errorf("the outside grantee is not said:\n%s", d.screen())
	}
	d.keys("enter")
	if got := d.crumbs(); got != "Keys › alias/reports › grant auditor-export" {
		t.Errorf("enter with no grantee in the snapshot went to %q", got)
	}
}

// A finding on what has no screen (an account's SCPs): no enter in the
// footer, and enter stays.
func TestFindingDetailWithNowhereToGo(t *testing.T) {
	d := newDriver(t, 100, 30)
	f := graph.Finding{
		Rule: "scp-denied-regions", Severity: graph.Info, Account: "222222222222", Resource: "arn:aws:iam::222222222222:root",
		Title: "SCPs forbid Regions", Evidence: []graph.Evidence{{Statement: -1, Detail: "denied Regions: ap-south-1"}},
	}
	d.send(pushMsg{newFindingScreen(d.m.c, f)})
	if got := d.crumbs(); got != "Keys › scp-denied-regions" {
		t.Fatalf("push: %q", got)
	}
	if !strings.Contains(d.screen(), "account analytics (222222222222)") {
		t.Errorf("the account is not named:\n%s", d.screen())
	}
	if strings.Contains(d.footer(), "enter") {
		t.Errorf("footer offers enter: %q", d.footer())
	}
	d.keys("enter")
	if got := d.crumbs(); got != "Keys › scp-denied-regions" {
		t.Errorf("enter went to %q", got)
	}
}

// What keyhound reads in a grant: decrypt or not, conditional or not,
// CreateGrant, a service grantee, a grantee missing from the snapshot.
func TestGrantReading(t *testing.T) {
	d := newDriver(t, 100, 30)
	k := d.m.c.Graph.Keys()[0]
	for _, tc := range []struct {
		g    eval.Grant
		want []string
	}{
		{eval.Grant{GranteePrincipal: "arn:aws:iam::222222222222:role/Batch", Operations: []string{"Decrypt", "CreateGrant"}}, []string{"✓ role/Batch may decrypt", "⚠ role/Batch may create further grants"}},
		{eval.Grant{GranteePrincipal: "arn:aws:iam::222222222222:role/Batch", Operations: []string{"Encrypt"}}, []string{"· role/Batch may not decrypt"}},
		{eval.Grant{GranteePrincipal: "rds.us-east-1.amazonaws.com", Operations: []string{"Decrypt"}, Constraints: &eval.GrantConstraints{EncryptionContextEquals: map[string]string{"a": "b"}}}, []string{"? rds.us-east-1.amazonaws.com may decrypt", "encryption context is exactly a=b", "the AWS service"}},
		{eval.Grant{GranteePrincipal: "arn:aws:iam::222222222222:role/Gone", Operations: []string{"Decrypt"}}, []string{"not among the account's principals"}},
	} {
		got := strings.Join(grantReading(d.m.c, k, &tc.g), "\n")
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%+v: reading lacks %q:\n%s", tc.g, w, got)
			}
		}
	}
}
