package graph

import (
	"slices"
	"testing"

	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// An organization's listing that did not finish (a ListAccountsForParent
// that failed after its retries, or was interrupted) no longer reads as
// "every account not listed is outside the organization": such an account
// may be a member, so its SCPs (and RCPs) are unknown and an answer they
// could deny is CONDITIONAL, never ALLOW (Organizations UG, "SCP
// evaluation": every SCP on the path must allow). Accounts the listing
// did give keep their known SCPs. The dev account 222222222222 is left out
// of the listing; its Writer is denied by the dev OU's SCP.
func TestIncompleteOrganizationListing(t *testing.T) {
	const (
		app    = "arn:aws:sts::111111111111:assumed-role/App/i-1"   // prod OU, listed
		writer = "arn:aws:sts::222222222222:assumed-role/Writer/w"  // dev OU, not listed
		other  = "arn:aws:sts::333333333333:assumed-role/Auditor/a" // outside the organization
	)
	unlist := func(s *snapshot.Snapshot) {
		s.Organization.Accounts = slices.DeleteFunc(s.Organization.Accounts, func(a snapshot.OrgAccount) bool { return a.ID == "222222222222" })
	}
	cases := []gapCase{
		{
			name: "complete listing: the account not listed is outside, as before",
			change: func(s *snapshot.Snapshot) {
				unlist(s)
			},
			want: map[string]eval.Verdict{app: eval.Allow, writer: eval.Allow},
		},
		{
			name: "a page of accounts failed: the account not listed may be a member",
			change: func(s *snapshot.Snapshot) {
				unlist(s)
				e := orgError("ListAccountsForParent", "ou-ab12-dev")
				e.Code, e.Message = "ServiceException", "try again"
				s.Organization.Errors = []snapshot.CollectionError{e}
			},
			want: map[string]eval.Verdict{app: eval.Allow, writer: eval.Conditional, other: eval.Conditional},
			gap:  "is not in the organization's listing, which did not finish (organizations ListAccountsForParent failed: ServiceException",
		},
		{
			name: "the listing was interrupted",
			change: func(s *snapshot.Snapshot) {
				unlist(s)
				s.Organization.Errors = []snapshot.CollectionError{{Service: "organizations", Operation: "ListOrganizationalUnitsForParent", Resource: "r-ab12", Code: "Cancelled", Message: "context canceled"}}
			},
			want: map[string]eval.Verdict{app: eval.Allow, writer: eval.Conditional},
			gap:  "whether it is a member, and so its SCPs, are unknown",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := smallWith(t, tc.change)
			tc.check(t, g)
			if g.Org.Incomplete() != (tc.gap != "") {
				t.Errorf("Incomplete() = %v", g.Org.Incomplete())
			}
		})
	}
}

// aws:PrincipalOrgID of an account an incomplete listing does not list is
// unknown, not "another organization": a key policy granting the
// organization by aws:PrincipalOrgID is CONDITIONAL for it, where a
// complete listing says DENY. (SCPs not enabled, so that only the
// condition key is in question.)
func TestIncompleteListingPrincipalOrgID(t *testing.T) {
	const writer = "arn:aws:sts::222222222222:assumed-role/Writer/w"
	orgOnly := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:Decrypt","Resource":"*",` +
		`"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}}]}`
	for _, tc := range []struct {
		incomplete bool
		want       eval.Verdict
	}{{false, eval.Deny}, {true, eval.Conditional}} {
		g := smallWith(t, func(s *snapshot.Snapshot) {
			s.Organization.Roots[0].PolicyTypes = []snapshot.PolicyTypeSummary{}
			s.Organization.Accounts = slices.DeleteFunc(s.Organization.Accounts, func(a snapshot.OrgAccount) bool { return a.ID == "222222222222" })
			keys := s.Accounts["111111111111"].Regions["us-east-1"].KMS.Keys
			for i := range keys {
				if keys[i].KeyMetadata.Arn == kApp {
					keys[i].Policy = &orgOnly
				}
			}
			if tc.incomplete {
				s.Organization.Errors = []snapshot.CollectionError{orgError("ListAccountsForParent", "ou-ab12-dev")}
			}
		})
		a, err := g.Can(Query{Principal: writer, Action: "kms:Decrypt", Resource: kApp, ChainDepth: -1})
		if err != nil {
			t.Fatal(err)
		}
		if a.Decision != tc.want {
			t.Errorf("incomplete %v: %s, want %s (unknowns %v)", tc.incomplete, a.Decision, tc.want, a.Unknowns)
		}
	}
}
