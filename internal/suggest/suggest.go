// Package suggest finds the name a person probably meant when they typed
// one keyless does not know: a keyless.yaml key, a flag, a console page.
// It compares by edit distance, as cobra does for command names.
package suggest

import "strings"

// maxDistance is the most edits a suggestion may be away (cobra's
// SuggestionsMinimumDistance is 2 too).
const maxDistance = 2

// Closest is the name in known nearest to name, ignoring case, when it is
// at most two edits away; "" when none is. The first of equally near names
// wins.
func Closest(name string, known []string) string {
	best, bestD := "", maxDistance+1
	name = strings.ToLower(name)
	for _, k := range known {
		if d := distance(name, strings.ToLower(k)); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
