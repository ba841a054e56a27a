package testtool

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Keyring is a real Secret Service for a test: Debian's gnome-keyring-daemon
// on a private D-Bus session bus (dbus-run-session), its keyrings under Dir.
type Keyring struct {
	// Dir holds the keyrings (XDG_DATA_HOME) and the daemon's runtime dir.
	Dir string
	// Bus is the session bus address for DBUS_SESSION_BUS_ADDRESS.
	Bus string

	cmd *exec.Cmd
}

// KeyringPassword unlocks the test keyrings.
const KeyringPassword = "keyless-test"

// StartKeyring starts dbus-run-session with gnome-keyring-daemon in dir.
// With unlock the login keyring is unlocked (created on first use) with
// KeyringPassword; without, the daemon starts locked, as after a reboot
// with no one to type the password, and no prompt can be shown (no display).
func StartKeyring(dir string, unlock bool) (*Keyring, error) {
	for _, tool := range []string{"dbus-run-session", "dbus-send", "gnome-keyring-daemon"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("%s is not installed (apt-get install dbus gnome-keyring libsecret-tools): %w", tool, err)
		}
	}
	run := filepath.Join(dir, "run")
	if err := os.MkdirAll(run, 0o700); err != nil {
		return nil, err
	}
	flags := "--components=secrets --foreground"
	daemon := "gnome-keyring-daemon " + flags + " </dev/null"
	if unlock {
		daemon = "printf %s " + KeyringPassword + " | gnome-keyring-daemon --unlock " + flags
	}
	// The bus address goes to stdout first; the daemon's chatter to stderr.
	cmd := exec.Command("dbus-run-session", "--", "sh", "-c", `echo "BUS=$DBUS_SESSION_BUS_ADDRESS"; exec 1>&2; `+daemon)
	cmd.Env = append(keyringEnv(os.Environ()), "HOME="+dir, "XDG_DATA_HOME="+filepath.Join(dir, "data"),
		"XDG_RUNTIME_DIR="+run, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
	ownGroup(cmd)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start dbus-run-session: %w", err)
	}
	k := &Keyring{Dir: dir, cmd: cmd}
	line, err := bufio.NewReader(out).ReadString('\n')
	bus, ok := strings.CutPrefix(strings.TrimSpace(line), "BUS=")
	if err != nil || !ok || bus == "" {
		k.Stop()
		return nil, fmt.Errorf("dbus-run-session gave no bus address (%q): %v", line, err)
	}
	k.Bus = bus
	if err := k.waitReady(); err != nil {
		k.Stop()
		return nil, err
	}
	return k, nil
}

// keyringEnv drops the machine's own bus and display, so a test never
// reaches the person's real keychain.
func keyringEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY", "HOME", "XDG_DATA_HOME", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME":
			continue
		}
		out = append(out, kv)
	}
	return out
}

// waitReady waits until the daemon owns org.freedesktop.secrets.
func (k *Keyring) waitReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		c := exec.CommandContext(ctx, "dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
			"/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets")
		c.Env = append(keyringEnv(os.Environ()), "DBUS_SESSION_BUS_ADDRESS="+k.Bus)
		if b, err := c.Output(); err == nil && strings.Contains(string(b), "boolean true") {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("gnome-keyring-daemon did not take org.freedesktop.secrets within 15s")
}

// Stop ends the bus and the daemon (the process group keyless's test
// started, and only it).
func (k *Keyring) Stop() {
	if k.cmd == nil || k.cmd.Process == nil {
		return
	}
	killGroup(k.cmd, false)
	done := make(chan struct{})
	go func() { _ = k.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		killGroup(k.cmd, true)
		<-done
	}
	k.cmd = nil
}
