package escalation

import (
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/eval"
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
