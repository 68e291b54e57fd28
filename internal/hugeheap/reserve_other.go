//go:build !linux

package hugeheap

// readSystem knows nothing outside Linux: plan then reserves nothing.
func readSystem() system { return system{} }

// reserve does nothing outside Linux, whose transparent huge pages it
// advises.
func reserve(n int64, s system) (Result, []span) {
	if _, why := plan(n, s); why != "" {
		return Result{Skipped: why}, nil
	}
	return Result{Skipped: "not Linux"}, nil
}

// settle has nothing to undo outside Linux.
func settle([]span) {}
