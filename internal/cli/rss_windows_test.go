package cli

import "os"

// maxRSS is not measured on Windows, whose process accounting has no
// rusage; the benchmarks report 0.
func maxRSS(ps *os.ProcessState) int64 { return 0 }
