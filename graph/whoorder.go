package graph

import (
	"slices"
	"strings"
)

// The order of who-can's answers: by decision, then principal.

// inPrincipalsOrder says whether ps are principals of a built graph, each
// once, in Principals' order: in strictly increasing ARN order.
func inPrincipalsOrder(ps []*Principal) bool {
	for i, p := range ps {
		if p.seq <= 0 || i > 0 && ps[i-1].seq >= p.seq {
			return false
		}
	}
	return true
}

// permute puts whos in the order perm gives (whos[perm[0]] first), in place,
// cycle by cycle: an organization-wide answer is tens of thousands of
// entries, not worth copying. perm is used up.
func permute(whos []Who, perm []int32) {
	for i := range perm {
		if perm[i] < 0 {
			continue
		}
		tmp := whos[i]
		j := i
		for {
			k := int(perm[j])
			perm[j] = -1
			if k == i {
				whos[j] = tmp
				break
			}
			whos[j] = whos[k]
			j = k
		}
	}
}

// sortedAnswers returns the order of whos by decision, then principal
// (unique: a total order), as indexes. The first direct answers come in
// pool order, which is principal order (ordered says they are known to
// be): when they are, only the rest is sorted, and merged in; a stable
// pass by decision ends it.
func sortedAnswers(whos []Who, direct int, ordered bool) []int32 {
	n := len(whos)
	byPrincipal := func(a, b int32) int { return strings.Compare(whos[a].Principal, whos[b].Principal) }
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i) //nolint:gosec // G115: fewer answers than principals
	}
	if !ordered && !slices.IsSortedFunc(perm[:direct], byPrincipal) {
		slices.SortFunc(perm, byPrincipal)
	} else if direct < n {
		slices.SortFunc(perm[direct:], byPrincipal)
		merged := make([]int32, 0, n)
		i, j := 0, direct
		for i < direct && j < n {
			if byPrincipal(perm[i], perm[j]) <= 0 {
				merged, i = append(merged, perm[i]), i+1
			} else {
				merged, j = append(merged, perm[j]), j+1
			}
		}
		perm = append(append(merged, perm[i:direct]...), perm[j:]...)
	}
	// Stable by decision: ALLOW, CONDITIONAL, then any other.
	out := make([]int32, 0, n)
	for rank := range 3 {
		for _, k := range perm {
			if verdictRank(whos[k].Decision) == rank {
				out = append(out, k)
			}
		}
	}
	return out
}
