//go:build !linux

package hugeheap

// readSystem knows nothing outside Linux: plan then reserves nothing.
func readSystem() system { return system{} }

// reserve does nothing outside Linux, whose transparent huge pages it
// advises.
func reserve(n int64, s system) Result {
	if _, why := plan(n, s); why != "" {
		return Result{Skipped: why}
	}
	return Result{Skipped: "not Linux"}
}
