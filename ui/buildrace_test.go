package ui

import (
	"strconv"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// A key screen made while the resources are built, whose Init runs after
// they are (push's command and message hop in between), still lists the
// key's resources (a review found it did not: Ready was asked twice).
func TestKeyScreenBuiltBetweenNewAndInit(t *testing.T) {
	whole, g, hold := heldGraph(gen.Options{Accounts: 4, Regions: 1, RolesPerAccount: 3, KeysPerRegion: 2, ResourcesPerKey: 2, Seed: 4})
	d := &driver{t: t, m: New(g, g.Snapshot, "test")}
	var k *graph.Key
	for _, kk := range g.Keys() {
		if len(whole.ResourcesOf(kk.ARN)) > 0 {
			k = kk
			break
		}
	}
	if k == nil {
		t.Fatal("no key with resources")
	}
	ks := newKeyScreen(d.m.c, k) // !Ready: "listing the resources…"
	close(hold)
	<-g.Built()
	d.m.stack = append(d.m.stack, ks)
	d.run(ks.Init()) // Ready now: no rowsCmd
	if n, _ := ks.lists[tabResources].l.Len(); n != len(whole.ResourcesOf(k.ARN)) {
		t.Errorf("resources tab has %d rows (empty text %q), want %d", n, ks.lists[tabResources].l.empty, len(whole.ResourcesOf(k.ARN)))
	}
}

// The same for the keys list's RES column: it fills in.
func TestKeysScreenBuiltBetweenNewAndInit(t *testing.T) {
	whole, g, hold := heldGraph(gen.Options{Accounts: 4, Regions: 1, RolesPerAccount: 3, KeysPerRegion: 2, ResourcesPerKey: 2, Seed: 4})
	d := &driver{t: t, m: New(g, g.Snapshot, "test")}
	ks := newKeysScreen(d.m.c, nil)
	close(hold)
	<-g.Built()
	d.m.sections[secKeys] = ks
	d.m.stack = []screen{ks}
	d.run(ks.Init())
	want := resourceCounts(whole)
	for _, r := range ks.l.rows {
		if got := r.cells[keyColResources]; got != strconv.Itoa(want[r.id]) {
			t.Fatalf("%s: RES %q after the build, want %d", r.id, got, want[r.id])
		}
	}
}

// A grant's screen opened while the principals are built does not wait
// for them in Update (the TUI would freeze): it says so, then shows the
// grantee once they are.
func TestGrantScreenWhilePrincipalsBuild(t *testing.T) {
	s := gen.Organization(gen.Options{Accounts: 4, Regions: 1, RolesPerAccount: 3, KeysPerRegion: 2, ResourcesPerKey: 2, Seed: 4})
	sk := &s.Accounts["100000000002"].Regions["us-east-1"].KMS.Keys[0]
	role := s.Accounts["100000000002"].IAM.RoleDetailList[0].Arn
	sk.Grants = append(sk.Grants, snapshot.Grant{GrantID: "g-1", GranteePrincipal: role, Operations: []string{"Decrypt"}})
	_, g, hold := heldGraphOf(s)
	k := g.Key(sk.KeyMetadata.Arn)
	if k == nil || len(k.Grants) == 0 {
		t.Fatal("no key with the grant")
	}
	d := &driver{t: t, m: New(g, g.Snapshot, "test")}
	d.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	gs := newGrantScreen(d.m.c, k, &k.Grants[0]) // would block here if it waited
	_, initCmd := d.m.Update(pushMsg{gs})
	if got := screenText(d.m); !strings.Contains(got, "still being built") {
		t.Errorf("the grant screen does not say the principals are being built:\n%s", got)
	}
	close(hold)
	d.run(initCmd)
	if gs.grantee != k.Grants[0].GranteePrincipal || strings.Contains(screenText(d.m), "still being built") {
		t.Errorf("once built: grantee %q, screen:\n%s", gs.grantee, screenText(d.m))
	}
}
