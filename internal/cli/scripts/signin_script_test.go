package scripts

import (
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/keyless-dev/keyless/internal/testtool"
	"github.com/rogpeppe/go-internal/testscript"
)

// Custom testscript commands for the sign-in scripts (testdata/script/signin_*.txtar).

// cmdSHA1 is `sha1 VAR STRING`: the hex SHA-1 of STRING in $VAR, as the AWS
// CLI names its cache files.
func cmdSHA1(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: sha1 VAR STRING")
	}
	ts.Setenv(args[0], fmt.Sprintf("%x", sha1.Sum([]byte(args[1]))))
}

// cmdPerm is `perm MODE FILE`: FILE's permission bits are MODE (octal).
func cmdPerm(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: perm MODE FILE")
	}
	want, err := strconv.ParseUint(args[0], 8, 32)
	ts.Check(err)
	fi, err := os.Stat(ts.MkAbs(args[1]))
	ts.Check(err)
	got := fi.Mode().Perm()
	if (got == os.FileMode(want)) == neg {
		ts.Fatalf("%s has mode %#o; want %s%#o", args[1], got, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

// cmdWaitFile is `waitfile FILE`: wait up to 10s for FILE to exist and not
// be empty (a background browser writes it after keyless exits).
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitfile FILE")
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if fi, err := os.Stat(ts.MkAbs(args[0])); err == nil && fi.Size() > 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	ts.Fatalf("%s did not appear within 10s", args[0])
}

// cmdJSONGet is `jsonget VAR FILE KEY[.KEY...]`: a string field of a JSON
// file in $VAR; a missing or empty field fails.
func cmdJSONGet(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: jsonget VAR FILE KEY[.KEY...]")
	}
	var v any
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(args[1])), &v))
	s, _ := testtool.JSONField(v, args[2]).(string)
	if s == "" {
		ts.Fatalf("%s has no string field %s", args[1], args[2])
	}
	ts.Setenv(args[0], s)
}

// cmdNoSecrets is `nosecrets FILE...`: none of the secrets in the caches
// under $HOME/.aws (now, or at any earlier nosecrets of the script, since
// logout removes them) appears in the FILEs. It fails when it knows no
// secret, so it cannot pass by looking for nothing.
func cmdNoSecrets(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: nosecrets FILE...")
	}
	seenPath := ts.MkAbs(".secrets-seen")
	known := map[string]bool{}
	if b, err := os.ReadFile(seenPath); err == nil {
		for _, s := range strings.Fields(string(b)) {
			known[s] = true
		}
	}
	home := ts.Getenv("HOME")
	for _, dir := range []string{".aws/sso/cache", ".aws/cli/cache"} {
		files, _ := filepath.Glob(filepath.Join(home, dir, "*.json"))
		for _, f := range files {
			var v any
			b, err := os.ReadFile(f)
			ts.Check(err)
			if json.Unmarshal(b, &v) != nil {
				continue
			}
			for _, k := range testtool.SecretFields {
				if s, _ := testtool.JSONField(v, k).(string); s != "" {
					known[s] = true
				}
			}
		}
	}
	if len(known) == 0 {
		ts.Fatalf("nosecrets: no secret in the caches under %s to look for", home)
	}
	var all []string
	for s := range known {
		all = append(all, s)
	}
	ts.Check(os.WriteFile(seenPath, []byte(strings.Join(all, "\n")+"\n"), 0o600))
	for _, name := range args {
		text := ts.ReadFile(name)
		for _, s := range all {
			if strings.Contains(text, s) {
				ts.Fatalf("%s holds a secret from the caches (%d characters, starting %.4s)", name, len(s), s)
			}
		}
	}
	ts.Logf("nosecrets: %d secrets absent from %s", len(all), strings.Join(args, ", "))
}
