package gen

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/escalation"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

var small = Options{Accounts: 12, Regions: 2, RolesPerAccount: 10, KeysPerRegion: 4, ResourcesPerKey: 3, Seed: 7}

// The generator is deterministic, writes snapshots that load without errors,
// and its organizations answer questions.
func TestGeneratedOrganization(t *testing.T) {
	var a, b bytes.Buffer
	if err := snapshot.Write(&a, Organization(small), false); err != nil {
		t.Fatal(err)
	}
	if err := snapshot.Write(&b, Organization(small), false); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("same options and seed gave different snapshots")
	}
	s, errs, err := snapshot.Load(&a)
	if err != nil || len(errs) > 0 {
		t.Fatalf("load: %v %v", err, errs)
	}
	g := graph.Build(s, errs)
	if len(g.Issues) > 0 {
		t.Fatalf("issues: %v", g.Issues[:1])
	}
	st := g.Stats()
	if st.Roles != 12*11+1 || st.Keys != 12*2*(4+2) || st.Resources["s3:bucket"] == 0 {
		t.Errorf("stats = %+v", st)
	}
	who, err := g.WhoCan("kms:Decrypt", g.Keys()[0].ARN, "", graph.DefaultChainDepth)
	if err != nil || len(who) == 0 {
		t.Fatalf("who-can: %v %v", who, err)
	}
	// role-2 decrypts by ABAC: aws:ResourceTag/team (the key's tags, from
	// the snapshot) must equal its own team tag (team-2).
	role2 := "arn:aws:iam::100000000001:role/role-2"
	for _, tc := range []struct {
		alias string
		want  eval.Verdict
	}{{"alias/app-2", eval.Allow}, {"alias/app-0", eval.Deny}} {
		a, err := g.Can(graph.Query{Principal: role2, Action: "kms:Decrypt", Resource: "arn:aws:kms:us-east-1:100000000001:" + tc.alias, ChainDepth: -1})
		if err != nil || a.Decision != tc.want {
			t.Errorf("%s on %s: %v %v, want %s", role2, tc.alias, a.Decision, err, tc.want)
		}
	}
}

func BenchmarkBuildGenerated(b *testing.B) {
	var buf bytes.Buffer
	opts := Options{Accounts: 50, Regions: 2, RolesPerAccount: 100, KeysPerRegion: 10, ResourcesPerKey: 5, Seed: 1}
	if err := snapshot.Write(&buf, Organization(opts), false); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.ReportAllocs()
	for b.Loop() {
		s, errs, err := snapshot.Decode(data)
		if err != nil {
			b.Fatal(err)
		}
		graph.Build(s, errs)
	}
}

func BenchmarkWhoCanGenerated(b *testing.B) {
	opts := Options{Accounts: 50, Regions: 2, RolesPerAccount: 100, KeysPerRegion: 10, ResourcesPerKey: 5, Seed: 1}
	g := graph.Build(Organization(opts), nil)
	key := g.Keys()[len(g.Keys())/2].ARN
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.WhoCan("kms:Decrypt", key, "", graph.DefaultChainDepth); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScale1000 is issue #3's scale target: 1,000 accounts × 2 Regions ×
// 100 roles (100,000 principals), 10 keys per Region (20,000 keys) and 5
// resources per key. It reports the build (load + access graph) once as
// build-s and times who-can queries. Run: go test -run '^$' -bench Scale1000 -benchtime 20x ./graph/gen/
func BenchmarkScale1000(b *testing.B) {
	opts := Options{Accounts: 1000, Regions: 2, RolesPerAccount: 100, KeysPerRegion: 10, ResourcesPerKey: 5, Seed: 1}
	var buf bytes.Buffer
	if err := snapshot.Write(&buf, Organization(opts), false); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	s, errs, err := snapshot.Decode(buf.Bytes())
	if err != nil {
		b.Fatal(err)
	}
	g := graph.Build(s, errs)
	build := time.Since(start).Seconds()
	// Keys by policy style: trusted by their own account (root delegation or
	// named roles), by a partner account, or by the whole organization ("*"
	// with aws:PrincipalOrgID: tens of thousands of principals may use it).
	styles := map[string][]string{}
	for _, k := range g.Keys() {
		style := "account"
		for _, st := range k.Policy().Policy.Statements {
			switch st.Sid {
			case "Org":
				style = "org-wide"
			case "Partner":
				style = "partner"
			}
		}
		if k.Manager() == "AWS" {
			style = "aws-managed"
		}
		styles[style] = append(styles[style], k.ARN)
	}
	for _, style := range []string{"account", "partner", "aws-managed", "org-wide"} {
		keys := styles[style]
		// The first query of a style, before any cache is warm.
		t0 := time.Now()
		if _, err := g.WhoCan("kms:Decrypt", keys[0], "", graph.DefaultChainDepth); err != nil {
			b.Fatal(err)
		}
		first := time.Since(t0)
		b.Run(style, func(b *testing.B) {
			i := 0
			for b.Loop() {
				k := keys[(i*7919)%len(keys)]
				i++
				if _, err := g.WhoCan("kms:Decrypt", k, "", graph.DefaultChainDepth); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(build, "build-s")
			b.ReportMetric(float64(first.Microseconds())/1000, "first-ms")
		})
	}
}

// A share of escalation permissions is deterministic, picks about that
// share of the roles, draws every profile, leaves everything else as
// generated without it, and gives the escalation search paths to find.
func TestEscalationShare(t *testing.T) {
	o := Options{Accounts: 20, Regions: 1, RolesPerAccount: 50, KeysPerRegion: 4, ResourcesPerKey: 1, Seed: 3, EscalationShare: 0.05}
	var a, b bytes.Buffer
	if err := snapshot.Write(&a, Organization(o), false); err != nil {
		t.Fatal(err)
	}
	if err := snapshot.Write(&b, Organization(o), false); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("same options and seed gave different snapshots")
	}
	with := Organization(o)
	counts := EscalationCounts(with)
	total := 0
	for _, p := range escalationProfiles {
		if counts[p.name] == 0 {
			t.Errorf("no role is a %s: %v", p.name, counts)
		}
		total += counts[p.name]
	}
	if roles := o.Accounts * o.RolesPerAccount; total < roles/40 || total > roles/10 {
		t.Errorf("%d of %d roles picked at a share of %v", total, roles, o.EscalationShare)
	}
	o.EscalationShare = 0
	without := Organization(o)
	if n := EscalationCounts(without); len(n) != 0 {
		t.Errorf("share 0 gave %v", n)
	}
	// Only the picked roles' policies, the service roles' trust, the
	// Lambda functions and KmsReadOnly's draft version differ.
	for id, aw := range with.Accounts {
		ao := without.Accounts[id]
		if len(aw.IAM.RoleDetailList) != len(ao.IAM.RoleDetailList) || len(aw.IAM.UserDetailList) != len(ao.IAM.UserDetailList) {
			t.Fatalf("%s: principals differ", id)
		}
		for r := range aw.IAM.RoleDetailList {
			rw, ro := aw.IAM.RoleDetailList[r], ao.IAM.RoleDetailList[r]
			if rw.RolePolicyList[0] != ro.RolePolicyList[0] || rw.Arn != ro.Arn {
				t.Fatalf("%s: %s changed beyond its escalation policy", id, rw.Arn)
			}
			if rw.AssumeRolePolicyDocument != ro.AssumeRolePolicyDocument && !lambdaTrusted(r) && serviceTrusted(r) == "" {
				t.Errorf("%s: trust changed", rw.Arn)
			}
		}
		if id == acct(0) {
			continue // the management account has none
		}
		if len(aw.IAM.Policies[0].PolicyVersionList) != 2 || aw.IAM.Policies[0].PolicyVersionList[1].IsDefaultVersion {
			t.Errorf("%s: no draft version of %s", id, aw.IAM.Policies[0].Arn)
		}
		for name, reg := range aw.Regions {
			if reg.Lambda == nil || len(reg.Lambda.Functions) != o.RolesPerAccount/10 {
				t.Errorf("%s %s: functions %v", id, name, reg.Lambda)
			}
			reg.Lambda = nil // compared without them
		}
		var kw, ko bytes.Buffer
		if err := json.NewEncoder(&kw).Encode(aw.Regions); err != nil {
			t.Fatal(err)
		}
		if err := json.NewEncoder(&ko).Encode(ao.Regions); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(kw.Bytes(), ko.Bytes()) {
			t.Errorf("%s: keys or resources differ", id)
		}
	}
	g := graph.Build(with, nil)
	var key string
	for _, k := range g.Keys() {
		if k.Account == "100000000001" && strings.Contains(k.PolicyText, "aws:PrincipalOrgID") {
			key = k.ARN
			break
		}
	}
	paths, err := escalation.Paths(g, key, escalation.Options{})
	if err != nil || len(paths) == 0 {
		t.Fatalf("escalation paths to %s: %d, %v", key, len(paths), err)
	}
	kinds := map[string]bool{}
	for _, p := range paths {
		kinds[p.Steps[0].Kind] = true
	}
	t.Logf("%d paths, first steps %v", len(paths), kinds)
}
