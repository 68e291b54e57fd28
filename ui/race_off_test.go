//go:build !race

package ui

// raceEnabled is true under the race detector: long tests do less.
const raceEnabled = false
