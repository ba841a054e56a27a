//go:build !unix

package testtool

import "os/exec"

func ownGroup(*exec.Cmd) {}

func killGroup(cmd *exec.Cmd, _ bool) { _ = cmd.Process.Kill() }
