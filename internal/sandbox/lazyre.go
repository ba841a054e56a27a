package sandbox

import "github.com/keyless-dev/keyless/internal/lazyre"

// lazyRegexp is a regular expression compiled on first use (see lazyre):
// the sandbox is linked into the keyless binary, and compiling its
// patterns at start-up cost every keyless command about 2 ms,
// credential-process included.
func lazyRegexp(src string) *lazyre.Regexp { return lazyre.New(src) }

type lazyRE = lazyre.Regexp
