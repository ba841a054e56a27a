//go:build !windows

package cli

import (
	"os"
	"syscall"
)

// maxRSS is a finished process's peak resident set in KiB (Linux; bytes on macOS).
func maxRSS(ps *os.ProcessState) int64 { return ps.SysUsage().(*syscall.Rusage).Maxrss }
