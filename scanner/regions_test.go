package scanner

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/internal/mototest"
	"github.com/keyhound/keyhound/scanner/fakeaws"
)

// Region-deny SCPs in the shape of the Organizations User Guide's example
// "Deny access to AWS based on the requested AWS Region": a Deny of every
// action but global services' outside the allowed Regions, with or without
// an exemption for administrators' roles by ARN.
const (
	regionDenySCP = `{"Version":"2012-10-17","Statement":[{"Sid":"DenyOutsideAllowedRegions","Effect":"Deny",
		"NotAction":["iam:*","organizations:*","sts:*","support:*","s3:ListAllMyBuckets","s3:GetBucketLocation"],"Resource":"*",
		"Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}}}]}`
	regionDenyExemptSCP = `{"Version":"2012-10-17","Statement":[{"Sid":"DenyOutsideAllowedRegions","Effect":"Deny",
		"NotAction":["iam:*","organizations:*","sts:*","support:*","s3:ListAllMyBuckets","s3:GetBucketLocation"],"Resource":"*",
		"Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]},
			"ArnNotLike":{"aws:PrincipalARN":["arn:aws:iam::*:role/BreakGlass"]}}}]}`
)

// The allowed Regions first: bucket i is in Regions[i%4], so buckets 0
// and 1 are in allowed Regions, 2 and 3 in denied ones.
var (
	fourRegions   = []string{"eu-west-1", "us-east-1", "ap-south-1", "sa-east-1"}
	deniedRegions = []string{"ap-south-1", "sa-east-1"}
)

// regionCalls counts the calls each account makes in the denied Regions.
type regionCalls struct {
	mu sync.Mutex
	n  map[string]int
}

func (r *regionCalls) observe(c fakeaws.Call) *fakeaws.Fault {
	if slices.Contains(deniedRegions, c.Region) {
		r.mu.Lock()
		if r.n == nil {
			r.n = map[string]int{}
		}
		r.n[c.Account]++
		r.mu.Unlock()
	}
	return nil
}

func (r *regionCalls) of(account string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n[account]
}

// principalClients are clients that tell whom they act as in each account
// (the audit role), as AccountClients may through Principal().
type principalClients struct {
	*awsClients
	role string
}

type principalAccount struct {
	AccountClients
	arn string
}

func (p principalAccount) Principal() string { return p.arn }

func (p principalClients) Account(ctx context.Context, account string) (AccountClients, error) {
	ac, err := p.awsClients.Account(ctx, account)
	if err != nil {
		return nil, err
	}
	return principalAccount{ac, "arn:aws:iam::" + account + ":role/" + p.role}, nil
}

// startRoleFake serves s with clients assuming role in each member account.
func startRoleFake(t *testing.T, s *fakeaws.Server, role string) *awsClients {
	t.Helper()
	fakeaws.Start(t, s)
	mototest.UseEnv(t)
	c, err := newAWSClients(context.Background(), AWSOptions{Region: "us-east-1", EndpointURL: s.URL, RoleNames: roleList(role), MaxAttempts: 2, maxBackoff: time.Millisecond}, &Stats{}, newLimiter())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// regionsOf lists the Regions scanned in an account.
func regionsOf(a *snapshot.Account) []string {
	var out []string
	for r := range a.Regions {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

// A Region-deny SCP on an OU: its accounts' denied Regions are never
// called (not a single request there), they are recorded as skipped by
// SCP with the policy, not as errors, and the scan is complete; an account
// outside the OU and the management account scan every Region.
func TestRegionDenySCPSkipsRegions(t *testing.T) {
	const ou = "ou-fake-workloads"
	restricted, free := fakeMembers[:2], fakeMembers[2]
	var calls regionCalls
	s := &fakeaws.Server{
		Members: fakeMembers, Regions: fourRegions, Keys: 1, Roles: 1, Buckets: 4,
		OUs:     []fakeaws.OU{{ID: ou, Name: "workloads"}},
		Parents: map[string]string{restricted[0]: ou, restricted[1]: ou},
		SCPs:    []fakeaws.SCP{{ID: "p-regions", Name: "AllowedRegions", Content: regionDenySCP, Targets: []string{ou}}},
		Fault:   calls.observe,
	}
	c := startRoleFake(t, s, "")
	snap, res, events := collect(context.Background(), t, c, Options{Org: true})
	if !res.Complete || res.Errors != 0 || res.Accounts != 4 || res.Skipped != 4 {
		t.Fatalf("result %+v", res)
	}
	for _, acct := range restricted {
		a := snap.Accounts[acct]
		if n := calls.of(acct); n != 0 {
			t.Errorf("%s: %d calls in the denied Regions", acct, n)
		}
		if got := regionsOf(a); !slices.Equal(got, []string{"eu-west-1", "us-east-1"}) || len(a.EnabledRegions) != 4 || len(a.Errors) != 0 {
			t.Errorf("%s: scanned %v, enabled %v, errors %+v", acct, got, a.EnabledRegions, a.Errors)
		}
		if len(a.RegionsSkipped) != 2 {
			t.Fatalf("%s: skipped %+v", acct, a.RegionsSkipped)
		}
		for i, k := range a.RegionsSkipped {
			if k.Region != deniedRegions[i] || k.Reason != snapshot.SkipReasonSCP || k.Service != "" || !slices.Equal(k.Policies, []string{"p-regions"}) ||
				!strings.Contains(k.Message, "DenyOutsideAllowedRegions") {
				t.Errorf("%s: skip %+v", acct, k)
			}
		}
		// Buckets in the allowed Regions are read; those in denied ones not.
		if b := a.Regions["eu-west-1"].S3; b == nil || len(b.Buckets) != 1 || b.Buckets[0].Policy == nil {
			t.Errorf("%s: eu-west-1 buckets %+v", acct, b)
		}
	}
	for _, acct := range []string{free, s.Management} {
		a := snap.Accounts[acct]
		if got := regionsOf(a); len(got) != 4 || len(a.RegionsSkipped) != 0 || calls.of(acct) == 0 {
			t.Errorf("%s: scanned %v, skipped %+v, %d calls in the other Regions", acct, got, a.RegionsSkipped, calls.of(acct))
		}
	}
	if ev := lastDone(t, events); ev.Errors != 0 {
		t.Errorf("last event %+v", ev)
	}
	loaded, _ := writeAndLoad(t, snap)
	// The graph reads the skipped Regions' keys as unknown, naming why.
	g := graph.Build(loaded, nil)
	gaps := g.WhatCanGaps("arn:aws:iam::" + restricted[0] + ":role/r0")
	if len(gaps) != 2 || gaps[0].Region != "ap-south-1" || !strings.Contains(gaps[0].Message, "denied by SCP p-regions") {
		t.Errorf("what-can gaps %+v", gaps)
	}
	keyThere := s.KeyARN(restricted[0], "ap-south-1", 0)
	if _, err := g.ResolveKey(keyThere, "", ""); err == nil || !strings.Contains(err.Error(), "denied by SCP p-regions") {
		t.Errorf("a key of a skipped Region: %v", err)
	}
	if st := g.Stats(); st.RegionsSkipped != 4 || st.CollectionErrors != 0 {
		t.Errorf("stats: %d skipped, %d errors", st.RegionsSkipped, st.CollectionErrors)
	}
}

// SCPs do not restrict the management account (Organizations UG, "Service
// control policies": "SCPs don't affect users or roles in the management
// account"): with the Region-deny SCP on the root, it still scans every
// Region, and only the members skip.
func TestRegionDenySCPManagementAccountNotFiltered(t *testing.T) {
	var calls regionCalls
	s := &fakeaws.Server{
		Members: fakeMembers[:1], Regions: fourRegions, Keys: 1, Roles: 1,
		SCPs:  []fakeaws.SCP{{ID: "p-regions", Name: "AllowedRegions", Content: regionDenySCP, Targets: []string{fakeaws.Root}}},
		Fault: calls.observe,
	}
	c := startRoleFake(t, s, "")
	snap, res, _ := collect(context.Background(), t, c, Options{Org: true})
	if !res.Complete || res.Skipped != 2 {
		t.Fatalf("result %+v", res)
	}
	m := snap.Accounts[s.Management]
	if got := regionsOf(m); len(got) != 4 || len(m.RegionsSkipped) != 0 || len(m.Errors) != 0 || calls.of(s.Management) == 0 {
		t.Errorf("management account: scanned %v, skipped %+v, errors %+v", got, m.RegionsSkipped, m.Errors)
	}
	if a := snap.Accounts[fakeMembers[0]]; len(regionsOf(a)) != 2 || len(a.RegionsSkipped) != 2 || calls.of(fakeMembers[0]) != 0 {
		t.Errorf("member: scanned %v, skipped %+v", regionsOf(a), a.RegionsSkipped)
	}
}

// An SCP that exempts administrators' roles by ARN (ArnNotLike
// aws:PrincipalARN): an audit role it exempts reads every Region; one it
// does not is kept out of the denied Regions without a call.
func TestRegionDenySCPExemptAuditRole(t *testing.T) {
	for _, tc := range []struct {
		role    string
		skipped int
	}{{"BreakGlass", 0}, {"OrganizationAccountAccessRole", 2}} {
		t.Run(tc.role, func(t *testing.T) {
			var calls regionCalls
			s := &fakeaws.Server{
				Members: fakeMembers[:1], Regions: fourRegions, Keys: 1, Roles: 1,
				SCPs:  []fakeaws.SCP{{ID: "p-regions", Name: "AllowedRegions", Content: regionDenyExemptSCP, Targets: []string{fakeaws.Root}}},
				Fault: calls.observe,
			}
			c := principalClients{startRoleFake(t, s, tc.role), tc.role}
			snap, res, _ := collect(context.Background(), t, c, Options{Org: true})
			a := snap.Accounts[fakeMembers[0]]
			if !res.Complete || res.Errors != 0 || len(a.RegionsSkipped) != tc.skipped || len(a.Regions) != 4-tc.skipped {
				t.Fatalf("result %+v, scanned %v, skipped %+v, errors %+v", res, regionsOf(a), a.RegionsSkipped, a.Errors)
			}
			if n := calls.of(fakeMembers[0]); (n == 0) != (tc.skipped > 0) {
				t.Errorf("%d calls in the denied Regions", n)
			}
			if tc.skipped == 0 {
				if k := a.Regions["ap-south-1"].KMS; k == nil || len(k.Keys) != 1 {
					t.Errorf("the exempt role's ap-south-1 keys %+v", k)
				}
			}
		})
	}
}

// A Region the scanner did not predict to be denied — the audit role's
// ARN unknown to the scanner (clients without Principal) against an SCP
// that exempts by ARN, or the SCP's content unreadable — is scanned; the
// calls that AWS refuses with an SCP-named AccessDenied ("… with an
// explicit deny in a service control policy", EC2's
// UnauthorizedOperation with the same words) are recorded as skipped, not
// as errors, and make the scan no more partial than it was.
func TestSCPDeniedCallsAreSkipsNotErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		content   string
		fault     func(fakeaws.Call) *fakeaws.Fault
		orgErrors int
	}{
		{name: "ARN exemption, audit role's ARN unknown", content: regionDenyExemptSCP},
		{name: "SCP content unreadable", content: regionDenySCP, fault: func(c fakeaws.Call) *fakeaws.Fault {
			if c.Op == "DescribePolicy" && c.Resource == "p-regions" {
				return &fakeaws.Fault{Code: "AccessDeniedException", Message: "You don't have permissions to access this resource."}
			}
			return nil
		}, orgErrors: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls regionCalls
			member := fakeMembers[0]
			s := &fakeaws.Server{
				Members: fakeMembers[:1], Regions: fourRegions, Keys: 1, Roles: 1, Buckets: 2,
				SCPs: []fakeaws.SCP{{ID: "p-regions", Name: "AllowedRegions", Content: tc.content, Targets: []string{fakeaws.Root}}},
				Fault: func(c fakeaws.Call) *fakeaws.Fault {
					calls.observe(c)
					if tc.fault != nil {
						return tc.fault(c)
					}
					return nil
				},
			}
			// Clients that cannot say whom they act as: the audit role's
			// ARN is unknown to the scanner.
			snap, res, _ := collect(context.Background(), t, anonymous{startRoleFake(t, s, "")}, Options{Org: true})
			a := snap.Accounts[member]
			if calls.of(member) == 0 {
				t.Fatal("the denied Regions were not called: the SCPs were predicted after all")
			}
			if len(a.Errors) != 0 || len(snap.Organization.Errors) != tc.orgErrors || res.Errors != tc.orgErrors || res.Complete != (tc.orgErrors == 0) {
				t.Fatalf("result %+v, account errors %+v, organization errors %+v", res, a.Errors, snap.Organization.Errors)
			}
			for _, region := range deniedRegions {
				for _, call := range [][2]string{{"kms", "ListKeys"}, {"ec2", "DescribeVolumes"}, {"secretsmanager", "ListSecrets"}} {
					k := a.Skipped(region, call[0], call[1])
					if k == nil || k.Operation == "" || k.Reason != snapshot.SkipReasonSCP || !strings.Contains(k.Message, "service control policy") {
						t.Errorf("%s %s: skip %+v", region, call[0], k)
					}
				}
				if r := a.Regions[region]; r == nil || r.KMS != nil {
					t.Errorf("%s: the refused keys must be not collected: %+v", region, r)
				}
			}
			if k := a.Regions["eu-west-1"].KMS; k == nil || len(k.Keys) != 1 {
				t.Errorf("eu-west-1 keys %+v", k)
			}
			g := graph.Build(snap, nil)
			gaps := g.WhatCanGaps("arn:aws:iam::" + member + ":role/r0")
			if len(gaps) != 2 || !strings.Contains(gaps[0].Message, "kms ListKeys in ap-south-1 skipped: denied by SCP") {
				t.Errorf("what-can gaps %+v", gaps)
			}
		})
	}
}

// roleList is the audit roles of a test: none given, the default.
func roleList(role string) []string {
	if role == "" {
		return nil
	}
	return []string{role}
}

// anonymous are clients whose accounts do not tell whom they act as (no
// Principal method).
type anonymous struct{ *awsClients }

func (a anonymous) Account(ctx context.Context, acct string) (AccountClients, error) {
	ac, err := a.awsClients.Account(ctx, acct)
	if err != nil {
		return nil, err
	}
	return struct{ AccountClients }{ac}, nil
}
