package hugeheap

import "testing"

// A machine like the one keyhound's goals are measured on.
var madviseMachine = system{thp: "madvise", hugePage: 2 << 20, overcommit: 0, ram: 16 << 30}

func TestPlanReservesWhatTheLoadWillFill(t *testing.T) {
	n, why := plan(1<<30, madviseMachine)
	if n != 1<<30 || why != "" {
		t.Fatalf("plan(1 GiB) = %d, %q; want 1 GiB", n, why)
	}
	// Whole huge pages only.
	if n, _ := plan(100<<20+12345, madviseMachine); n != 100<<20 {
		t.Errorf("plan(100 MiB + 12345) = %d, want 100 MiB", n)
	}
	// At most half the machine's memory, which a heuristic kernel always
	// maps (a refused mapping stops the process).
	if n, _ := plan(64<<30, madviseMachine); n != 8<<30 {
		t.Errorf("plan(64 GiB) on 16 GiB = %d, want 8 GiB", n)
	}
	overcommitAlways := madviseMachine
	overcommitAlways.overcommit = 1
	if n, why := plan(1<<30, overcommitAlways); n != 1<<30 {
		t.Errorf("overcommit 1: plan = %d, %q; want 1 GiB", n, why)
	}
}

func TestPlanSkips(t *testing.T) {
	with := func(f func(*system)) system {
		s := madviseMachine
		f(&s)
		return s
	}
	for name, tc := range map[string]struct {
		n int64
		s system
	}{
		"too small":                    {MinReserve - 1, madviseMachine},
		"env off":                      {1 << 30, with(func(s *system) { s.env = "off" })},
		"env 0":                        {1 << 30, with(func(s *system) { s.env = "0" })},
		"GODEBUG disablethp":           {1 << 30, with(func(s *system) { s.godebug = "madvdontneed=1,disablethp=1" })},
		"THP always: nothing to add":   {1 << 30, with(func(s *system) { s.thp = "always" })},
		"THP never":                    {1 << 30, with(func(s *system) { s.thp = "never" })},
		"no THP":                       {1 << 30, with(func(s *system) { s.thp = "" })},
		"huge page size unknown":       {1 << 30, with(func(s *system) { s.hugePage = 0 })},
		"strict overcommit":            {1 << 30, with(func(s *system) { s.overcommit = 2 })},
		"overcommit unknown":           {1 << 30, with(func(s *system) { s.overcommit = -1 })},
		"address-space limit":          {1 << 30, with(func(s *system) { s.addressLimited = true })},
		"memory unknown":               {1 << 30, with(func(s *system) { s.ram = 0 })},
		"half the memory is too small": {1 << 30, with(func(s *system) { s.ram = 64 << 20 })},
	} {
		if n, why := plan(tc.n, tc.s); n != 0 || why == "" {
			t.Errorf("%s: plan = %d, %q; want 0 and a reason", name, n, why)
		}
	}
	// The last GODEBUG setting wins, as in the runtime.
	if n, _ := plan(1<<30, with(func(s *system) { s.godebug = "disablethp=1,disablethp=0" })); n == 0 {
		t.Error("disablethp=1 then =0: plan reserved nothing")
	}
}
