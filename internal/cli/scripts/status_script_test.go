package scripts

import (
	"os"
	"regexp"

	"github.com/rogpeppe/go-internal/testscript"
)

var jsonTime = regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"`)

// cmdJSONTimes is `jsontimes FILE`: every RFC 3339 UTC time in FILE becomes
// "TIME", so a golden file can hold a report whose times move.
func cmdJSONTimes(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: jsontimes FILE")
	}
	path := ts.MkAbs(args[0])
	b, err := os.ReadFile(path)
	ts.Check(err)
	ts.Check(os.WriteFile(path, jsonTime.ReplaceAll(b, []byte(`"TIME"`)), 0o644))
}
