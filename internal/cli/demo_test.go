package cli

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// TestDemo runs `keyless demo` as a person would: it must tell the whole
// story, exit 0, and leave nothing behind.
func TestDemo(t *testing.T) {
	bin := buildKeyless(t)
	tmp := t.TempDir()
	cmd := exec.Command(bin, "demo")
	// The demo must not depend on, or touch, the person's own AWS setup.
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "HOME="+home, "AWS_PROFILE=does-not-exist", "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY=x")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("keyless demo: %v\n%s", err, out)
	}
	for _, want := range []string{
		`Apply complete: \d+ created`,
		`Access portal: `,
		`Signed in to http://127\.0\.0\.1:\d+/start`,
		`SuperAdmin-111111111111\t111111111111\tSuperAdmin`,
		`arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_SuperAdmin_[0-9a-f]{16}/john@example\.com`,
		`assume SuperAdmin-111111111111`,
		`CRITICAL +root-access-keys`,
		`Done in `,
	} {
		if !regexp.MustCompile(want).Match(out) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	left, _ := os.ReadDir(tmp)
	if len(left) != 0 {
		t.Errorf("the demo left %v in its temporary directory", left)
	}
	err = filepath.WalkDir(home, func(p string, d fs.DirEntry, err error) error {
		if p != home {
			return errors.New("demo wrote " + p)
		}
		return err
	})
	if err != nil {
		t.Error(err)
	}
}
