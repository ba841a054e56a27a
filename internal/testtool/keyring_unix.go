//go:build unix

package testtool

import (
	"os/exec"
	"syscall"
)

// ownGroup starts cmd in a process group of its own, so Stop ends it and
// everything it started (the bus, the daemon) and nothing else.
func ownGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

func killGroup(cmd *exec.Cmd, hard bool) {
	sig := syscall.SIGTERM
	if hard {
		sig = syscall.SIGKILL
	}
	_ = syscall.Kill(-cmd.Process.Pid, sig)
}
