package scanner

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/scanner/fakeaws"
)

// pagedOrg is an organization of 45 members under the root (three pages
// of ListAccountsForParent, 20 a page as AWS) and an OU of two more.
func pagedOrg() (members []string, ou string, ouMembers []string) {
	for i := range 47 {
		members = append(members, fmt.Sprintf("%012d", 200000000100+i))
	}
	return members, "ou-fake-later", members[45:]
}

// orgAccountIDs lists the organization's accounts as listed.
func orgAccountIDs(o *snapshot.Organization) []string {
	var out []string
	for _, a := range o.Accounts {
		out = append(out, a.ID)
	}
	return out
}

// An Organizations page that fails after its retries no longer loses the
// scan: the accounts of the pages read are kept and scanned, the listing
// goes on under the other parents, the failure is recorded in
// organization.errors, and the scan is partial. The graph reads the
// listing as incomplete.
func TestOrganizationPageFailsMidway(t *testing.T) {
	members, ou, ouMembers := pagedOrg()
	s, c := startFake(t, &fakeaws.Server{
		Members: members, Keys: 1, Roles: 1,
		OUs: []fakeaws.OU{{ID: ou, Name: "later"}}, Parents: map[string]string{ouMembers[0]: ou, ouMembers[1]: ou},
		Fault: func(call fakeaws.Call) *fakeaws.Fault {
			if call.Op == "ListAccountsForParent" && call.Token == "20" {
				return &fakeaws.Fault{Status: 500, Code: "ServiceException", Message: "try again"}
			}
			return nil
		},
	}, 2)
	snap, res, _ := collect(context.Background(), t, c, Options{Org: true, Regions: []string{"us-east-1"}})
	o := snap.Organization
	// The root's first page (the management account and 19 members), then
	// the OU's two.
	want := append(append([]string{s.Management}, members[:19]...), ouMembers...)
	if got := orgAccountIDs(o); !slices.Equal(got, want) {
		t.Fatalf("listed %v, want %v", got, want)
	}
	if got := orgErrorOps(o); !slices.Equal(got, []string{"ListAccountsForParent " + fakeaws.Root + " ServiceException"}) {
		t.Errorf("organization errors %v", got)
	}
	if res.Complete || res.Errors != 1 || res.Accounts != len(want) || len(snap.Accounts) != len(want) {
		t.Errorf("result %+v, %d accounts", res, len(snap.Accounts))
	}
	for _, id := range want {
		if a := snap.Accounts[id]; a == nil || a.IAM == nil || len(a.Regions["us-east-1"].KMS.Keys) != 1 {
			t.Errorf("account %s not scanned: %+v", id, a)
		}
	}
	loaded, _ := writeAndLoad(t, snap)
	if g := graph.Build(loaded, nil); !g.Org.Incomplete() || !g.Org.Member(ouMembers[0]) || g.Org.Member(members[30]) {
		t.Errorf("graph: incomplete %v", g.Org.Incomplete())
	}
}

// Ctrl-C while the organization's accounts are being listed: Scan returns
// what it read — the listing's first page, each of its accounts with an
// entry — marked partial, with the interrupted ListAccountsForParent
// recorded as Cancelled; the snapshot is written and loads.
func TestCancelDuringOrganizationListing(t *testing.T) {
	members, _, _ := pagedOrg()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, c := startFake(t, &fakeaws.Server{
		Members: members, Keys: 1, Roles: 1,
		Fault: func(call fakeaws.Call) *fakeaws.Fault {
			if call.Op == "ListAccountsForParent" && call.Token == "20" {
				cancel() // Ctrl-C while the second page is being served
				return &fakeaws.Fault{Hang: true}
			}
			return nil
		},
	}, 3)
	snap, res, _ := collect(ctx, t, c, Options{Org: true, Regions: []string{"us-east-1"}})
	o := snap.Organization
	if o == nil || len(o.Accounts) != 20 || len(o.Policies) != 1 {
		t.Fatalf("organization %+v", o)
	}
	if got := orgErrorOps(o); !slices.Equal(got, []string{"ListAccountsForParent " + fakeaws.Root + " Cancelled"}) {
		t.Errorf("organization errors %v", got)
	}
	if res.Complete || res.Accounts != 20 {
		t.Errorf("result %+v", res)
	}
	for _, a := range o.Accounts {
		if snap.Accounts[a.ID] == nil {
			t.Errorf("account %s of the first page has no entry", a.ID)
		}
	}
	loaded, _ := writeAndLoad(t, snap)
	if !graph.Build(loaded, nil).Org.Incomplete() {
		t.Error("the graph reads the interrupted listing as complete")
	}
}
