//go:build !unix

package evalbatch

import "time"

// cpuTime is not measured here.
func cpuTime() time.Duration { return 0 }
