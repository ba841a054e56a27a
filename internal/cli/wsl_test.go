package cli

import (
	"io"
	"io/fs"
	"testing"
)

// TestBrowserOpenerWSL: WSL, found by its environment or its /proc files,
// means no browser here (device code), like SSH; $BROWSER still wins, and
// a plain Linux desktop keeps its browser.
func TestBrowserOpenerWSL(t *testing.T) {
	const (
		wsl1 = "Linux version 4.4.0-19041-Microsoft (Microsoft@Microsoft.com) (gcc version 5.4.0 (GCC) ) #1237-Microsoft Sat Sep 11 14:32:00 PST 2021\n"
		wsl2 = "Linux version 5.15.90.1-microsoft-standard-WSL2 (oe-user@oe-host) (x86_64-msft-linux-gcc (GCC) 9.3.0) #1 SMP Fri Jan 27 02:56:13 UTC 2023\n"
		deb  = "Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0) #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)\n"
	)
	for _, tc := range []struct {
		name    string
		goos    string
		env     map[string]string
		files   map[string]string
		denied  bool // WSLInterop exists but cannot be read
		wantWhy string
	}{
		{name: "distro name", goos: "linux", env: map[string]string{"WSL_DISTRO_NAME": "Ubuntu", "DISPLAY": ":0"}, files: map[string]string{"/proc/version": deb}, wantWhy: "this is WSL"},
		{name: "interop env", goos: "linux", env: map[string]string{"WSL_INTEROP": "/run/WSL/8_interop", "DISPLAY": ":0"}, wantWhy: "this is WSL"},
		{name: "binfmt file, env cleared", goos: "linux", env: map[string]string{"DISPLAY": ":0"}, files: map[string]string{"/proc/sys/fs/binfmt_misc/WSLInterop": "enabled\n", "/proc/version": deb}, wantWhy: "this is WSL"},
		{name: "binfmt file unreadable", goos: "linux", env: map[string]string{"DISPLAY": ":0"}, denied: true, wantWhy: "this is WSL"},
		{name: "wsl1 kernel", goos: "linux", env: map[string]string{"DISPLAY": ":0"}, files: map[string]string{"/proc/version": wsl1}, wantWhy: "this is WSL"},
		{name: "wsl2 kernel with WSLg display", goos: "linux", env: map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, files: map[string]string{"/proc/version": wsl2}, wantWhy: "this is WSL"},
		{name: "BROWSER wins over WSL", goos: "linux", env: map[string]string{"WSL_DISTRO_NAME": "Ubuntu", "BROWSER": "wslview"}, wantWhy: ""},
		{name: "ssh first", goos: "linux", env: map[string]string{"WSL_DISTRO_NAME": "Ubuntu", "SSH_TTY": "/dev/pts/1"}, wantWhy: "this is an SSH session"},
		{name: "plain linux desktop", goos: "linux", env: map[string]string{"DISPLAY": ":0"}, files: map[string]string{"/proc/version": deb}, wantWhy: ""},
		{name: "plain linux, no display", goos: "linux", env: map[string]string{}, files: map[string]string{"/proc/version": deb}, wantWhy: "there is no display"},
		{name: "macOS ignores /proc", goos: "darwin", env: map[string]string{}, files: map[string]string{"/proc/version": wsl2}, wantWhy: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var read []string
			readFile := func(name string) ([]byte, error) {
				read = append(read, name)
				if tc.denied && name == "/proc/sys/fs/binfmt_misc/WSLInterop" {
					return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
				}
				if b, ok := tc.files[name]; ok {
					return []byte(b), nil
				}
				return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
			}
			open, why := browserOpenerOn(io.Discard, func(k string) string { return tc.env[k] }, tc.goos, readFile)
			if why != tc.wantWhy {
				t.Errorf("why = %q, want %q", why, tc.wantWhy)
			}
			if (open == nil) != (tc.wantWhy != "") {
				t.Errorf("opener nil = %v with why %q", open == nil, why)
			}
			if tc.goos != "linux" && len(read) > 0 {
				t.Errorf("read %v on %s", read, tc.goos)
			}
		})
	}
}
