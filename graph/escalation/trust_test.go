package escalation

import (
	"slices"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/policy"
)

// trustMask reads a trust policy once for every service of the table as
// trustMayName reads it for one: only Allow statements for
// sts:AssumeRole count, and a statement naming anyone names them all.
func TestTrustMask(t *testing.T) {
	for _, tc := range []struct {
		name, trust string
		want        []string
	}{
		{"one service", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"glue.amazonaws.com"},"Action":"sts:AssumeRole"}]}`, []string{"glue.amazonaws.com"}},
		{"two statements", `{"Statement":[{"Effect":"Allow","Principal":{"Service":["glue.amazonaws.com","states.amazonaws.com"]},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:*"}]}`, []string{"glue.amazonaws.com", "lambda.amazonaws.com"}},
		{"another action", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"glue.amazonaws.com"},"Action":"sts:TagSession"}]}`, nil},
		{"a deny", `{"Statement":[{"Effect":"Deny","Principal":{"Service":"glue.amazonaws.com"},"Action":"sts:AssumeRole"}]}`, nil},
		{"an account only", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`, nil},
		{"anyone", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}`, services},
		{"any service", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"*"},"Action":"sts:AssumeRole"}]}`, services},
		{"not known", "", services},
	} {
		t.Run(tc.name, func(t *testing.T) {
			y := &graph.Principal{ARN: "arn:aws:iam::111111111111:role/r"}
			if tc.trust != "" {
				p, err := policy.ParseString(tc.trust)
				if err != nil {
					t.Fatal(err)
				}
				y.Trust = &eval.NamedPolicy{Name: "trust", Policy: p}
			}
			m := trustMask(y)
			for _, sv := range append(services, "states.amazonaws.com") {
				want := false
				for _, w := range tc.want {
					want = want || w == sv
				}
				if sv == "states.amazonaws.com" {
					want = tc.trust == "" || len(tc.want) == len(services) || tc.name == "two statements"
				} else if got := m&serviceBit(sv) != 0; got != want {
					t.Errorf("trustMask names %s: %v, want %v", sv, got, want)
				}
				if got := trustMayName(y, sv); got != want {
					t.Errorf("trustMayName(%s) = %v, want %v", sv, got, want)
				}
			}
		})
	}
}

// The graph's index of service trusts (graph.ServiceTrusting) holds every
// role whose trust policy trustMayName reads as letting a service assume
// it: the compute steps start from it.
func TestServiceTrustingHoldsTrustMayName(t *testing.T) {
	s := gen.Organization(gen.Options{Accounts: 4, Regions: 1, RolesPerAccount: 30, KeysPerRegion: 2, Seed: 4, EscalationShare: 0.2})
	roles := s.Accounts["100000000001"].IAM.RoleDetailList
	for i, trust := range []string{
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}`,
		`{"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":{"Service":"*"},"Action":"sts:AssumeRole"}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":{"Service":"glue.amazonaws.com"},"Action":"sts:TagSession"},{"Effect":"Allow","Principal":{"Service":["codebuild.amazonaws.com","ecs-tasks.amazonaws.com"]},"Action":"sts:*"}]}`,
		"",
		"not a policy",
	} {
		roles[i].AssumeRolePolicyDocument = trust
	}
	g := graph.Build(s, nil)
	for _, sv := range append(services, "states.amazonaws.com") {
		named, anyService := g.ServiceTrusting(sv)
		in := map[*graph.Principal]bool{}
		for _, p := range slices.Concat(named, anyService) {
			if in[p] {
				t.Errorf("%s: %s listed twice", sv, p.ARN)
			}
			in[p] = true
		}
		n := 0
		for _, p := range g.Principals() {
			if p.Kind == arn.KindRole && trustMayName(p, sv) {
				n++
				if !in[p] {
					t.Errorf("%s may be assumed by %s, not in the index", p.ARN, sv)
				}
			}
		}
		if n == 0 {
			t.Errorf("no role trusts %s", sv)
		}
	}
}

// graph.NamedInTrust says which principals a trust policy names for
// sts:AssumeRole (mayAssumeSome's filter): not those of a Deny, nor an
// account's root.
func TestNamedInTrust(t *testing.T) {
	s := gen.Organization(gen.Options{Accounts: 2, Regions: 1, RolesPerAccount: 6, KeysPerRegion: 1, Seed: 4})
	roles := s.Accounts["100000000001"].IAM.RoleDetailList
	roles[0].AssumeRolePolicyDocument = `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::100000000001:role/role-3"},"Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::100000000001:role/role-4"},"Action":"sts:AssumeRole"}]}`
	g := graph.Build(s, nil)
	for arn, want := range map[string]bool{
		"arn:aws:iam::100000000001:role/role-3": true,
		"arn:aws:iam::100000000001:role/role-4": false,
		"arn:aws:iam::100000000001:root":        false,
		"arn:aws:iam::100000000002:role/role-0": true, // data-reader's trust names its peer's role-0
	} {
		if got := g.NamedInTrust(arn); got != want {
			t.Errorf("NamedInTrust(%s) = %v, want %v", arn, got, want)
		}
	}
}
