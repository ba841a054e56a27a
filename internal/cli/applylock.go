package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/keyless-dev/keyless/internal/safefile"
)

// lockApply takes this machine's apply lock, ~/.aws/keyless/locks/apply.lock,
// so that two applies started together run one after the other and the
// second plans from what the first did. It is held from the read of Identity
// Center to the end of the apply; other machines are guarded by the re-check
// against AWS before each removal of administrator access (see
// identitycenter/lockout.go), which also covers a machine where the lock
// cannot be taken (no home directory, a read-only one): apply then goes on
// with a warning.
func lockApply(ctx context.Context, g *globalOptions) (unlock func(), err error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return warnNoLock(g, err), nil
	}
	keyless := filepath.Join(home, ".aws", "keyless")
	// Earlier versions locked ~/.aws/keyless/apply.lock: LockIn waits for
	// it too and removes it.
	unlock, _, err = safefile.LockInWaiting(ctx, safefile.LockDir(filepath.Join(home, ".aws")), filepath.Join(keyless, "apply"), func(lock string) {
		fmt.Fprintf(g.streams.Err, "Waiting for another keyless apply on this machine to finish (it holds %s)...\n", lock)
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return warnNoLock(g, err), nil
	}
	return unlock, nil
}

func warnNoLock(g *globalOptions, err error) (unlock func()) {
	fmt.Fprintf(g.streams.Err, "warning: no apply lock (%v): another apply from this machine could run at the same time; the re-check against AWS still keeps someone with AdministratorAccess\n", err)
	return func() {}
}
