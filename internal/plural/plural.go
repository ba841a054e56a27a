// Package plural writes a count with its noun in the right number: "1
// account", "2 accounts", "0 accounts". Every command's output counts
// things through it, so none says "1 accounts".
//
// It knows no grammar: callers give both forms ("person", "people"), which
// also covers phrases ("thing needs", "things need").
package plural

import "strconv"

// Count is n followed by one when n is 1, else by many.
func Count(n int, one, many string) string {
	return strconv.Itoa(n) + " " + Of(n, one, many)
}

// Of is one when n is 1, else many: the noun alone, for sentences that
// put the number elsewhere.
func Of(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
