// Package plural writes counts of things in English: "1 account",
// "2 accounts", "0 errors". It is for the CLI's and the TUI's text only.
package plural

import "fmt"

// Integer is any integer type a count comes in.
type Integer interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// Count is n followed by noun, with an "s" unless n is 1: Count(1, "error")
// is "1 error", Count(3, "error") "3 errors".
func Count[N Integer](n N, noun string) string {
	return Form(n, noun, noun+"s")
}

// Form is n followed by one or many, for nouns whose plural is not noun+"s":
// Form(2, "policy", "policies") is "2 policies".
func Form[N Integer](n N, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprint(n, " ", many)
}
