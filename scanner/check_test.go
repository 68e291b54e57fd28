package scanner

import (
	"context"
	"slices"
	"strconv"
	"testing"

	"github.com/keyhound/keyhound/scanner/fakeaws"
)

// The preflight against fakeaws: one account has no audit role, one
// account's KMS refuses ListKeys. The report names the role that worked in
// each account, the roles that did not, and the action to allow.
func TestCheck(t *testing.T) {
	noRole, noKMS := fakeMembers[1], fakeMembers[2]
	roles := map[string][]string{}
	for _, a := range append([]string{"100000000000"}, fakeMembers...) {
		if a != noRole {
			roles[a] = []string{"KeyhoundAudit"}
		}
	}
	s, c := fakeAWSClients(t, &fakeaws.Server{Members: fakeMembers, Keys: 1, Roles: 1, RoleNames: roles, Fault: func(call fakeaws.Call) *fakeaws.Fault {
		if call.Account == noKMS && call.Op == "ListKeys" {
			return &fakeaws.Fault{Code: "AccessDeniedException", Message: "User: arn:aws:sts::" + noKMS + ":assumed-role/KeyhoundAudit/keyhound is not authorized to perform: kms:ListKeys because no identity-based policy allows the kms:ListKeys action"}
		}
		return nil
	}}, AWSOptions{})
	rep, err := Check(context.Background(), c, CheckOptions{Org: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK || rep.Management != s.Management || rep.CallerAccount != s.Management || rep.AccountsKnown != 4 || len(rep.Accounts) != 4 {
		t.Fatalf("report %+v", rep)
	}
	for _, o := range rep.Organization {
		if o.Status != CheckOK {
			t.Errorf("organization %+v", o)
		}
	}
	if len(rep.Organization) != len(orgOperations) {
		t.Errorf("organization checks %+v", rep.Organization)
	}
	for _, a := range rep.Accounts {
		if len(a.Calls) != len(probes) {
			t.Fatalf("%s: %d calls", a.Account, len(a.Calls))
		}
		for i, call := range a.Calls {
			want := CheckOK
			switch {
			case a.Account == noRole:
				want = CheckSkipped
			case a.Account == noKMS && call.Service == "kms":
				want = CheckDenied
			}
			if call.Status != want || call.Service != probes[i].service {
				t.Errorf("%s %s: %+v, want %s", a.Account, probes[i].service, call, want)
			}
		}
		switch a.Account {
		case noRole:
			if a.Role != "" || len(a.AssumeErrors) != 1 || a.AssumeErrors[0].Status != CheckDenied || a.AssumeErrors[0].Action != "sts:AssumeRole" ||
				a.AssumeErrors[0].Resource != "arn:aws:iam::"+noRole+":role/KeyhoundAudit" {
				t.Errorf("%s: %+v", noRole, a)
			}
		case s.Management:
			if a.Role != "arn:aws:iam::"+s.Management+":user/scanner" {
				t.Errorf("the caller's account read as %q", a.Role)
			}
		default:
			if a.Role != "arn:aws:iam::"+a.Account+":role/KeyhoundAudit" {
				t.Errorf("%s read as %q", a.Account, a.Role)
			}
		}
	}
	denied := rep.Accounts[slices.IndexFunc(rep.Accounts, func(a AccountCheck) bool { return a.Account == noKMS })].Calls[2]
	if denied.Action != "kms:ListKeys" || denied.Code != "AccessDeniedException" || denied.Message == "" {
		t.Errorf("denied call %+v", denied)
	}
	// Each probe is one call: no scan behind it.
	if n := s.Calls(fakeMembers[0], "kms:DescribeKey"); n != 0 {
		t.Errorf("%d DescribeKey calls in a preflight", n)
	}
	if n := s.Calls("", "kms:ListKeys"); n != 3 {
		t.Errorf("%d ListKeys calls, want one per account entered", n)
	}
}

// A large organization is sampled, the same way on every run, with the
// management account and the caller's.
func TestCheckSample(t *testing.T) {
	members := make([]string, 40)
	for i := range members {
		members[i] = strconv.Itoa(200000000100 + i)
	}
	_, c := fakeAWSClients(t, &fakeaws.Server{Members: members, Caller: members[7], DelegatedAdmins: []string{members[7]}}, AWSOptions{})
	var runs [][]string
	for _, sample := range []int{0, 0, 5} {
		rep, err := Check(context.Background(), c, CheckOptions{Org: true, Sample: sample})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range rep.Accounts {
			got = append(got, a.Account)
		}
		want := DefaultCheckSample
		if sample > 0 {
			want = sample
		}
		if rep.AccountsKnown != 41 || len(got) != want || !slices.Contains(got, "100000000000") || !slices.Contains(got, members[7]) || !slices.IsSorted(got) {
			t.Errorf("sample %d: %d known, tried %v", sample, rep.AccountsKnown, got)
		}
		runs = append(runs, got)
	}
	if !slices.Equal(runs[0], runs[1]) {
		t.Errorf("two runs sampled differently:\n%v\n%v", runs[0], runs[1])
	}
}

func TestSampleAccounts(t *testing.T) {
	all := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}
	for _, tc := range []struct {
		n    int
		must []string
		want []string
	}{
		{0, nil, all},
		{20, nil, all},
		{5, nil, []string{"a", "c", "e", "g", "i"}},
		{3, []string{"j", "x"}, []string{"a", "d", "j"}},
		{1, []string{"f"}, []string{"f"}},
	} {
		if got := sampleAccounts(all, tc.n, tc.must...); !slices.Equal(got, tc.want) {
			t.Errorf("n %d must %v: %v, want %v", tc.n, tc.must, got, tc.want)
		}
	}
}
