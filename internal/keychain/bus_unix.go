//go:build linux || freebsd || netbsd || openbsd || dragonfly

package keychain

import (
	"errors"
	"fmt"
	"os"
)

// checkBus refuses at once where no D-Bus session bus can be found. Without
// it the D-Bus library autolaunches one (dbus-launch), which starts a bus
// and a keyring daemon that outlive keyless and hold nothing the person
// knows about.
func checkBus() error {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return nil
	}
	run := fmt.Sprintf("/run/user/%d/", os.Getuid())
	for _, f := range []string{"bus", "dbus-session"} {
		if _, err := os.Stat(run + f); err == nil {
			return nil
		}
	}
	return errors.New("there is no D-Bus session bus here (DBUS_SESSION_BUS_ADDRESS is not set), so no Secret Service")
}
