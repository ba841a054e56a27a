package cli

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/keyless-dev/keyless/internal/testtool"
)

// TestDemo runs `keyless demo` as a person would: it must tell the whole
// story, exit 0, and leave nothing behind.
func TestDemo(t *testing.T) {
	t.Parallel() // its own sandbox and HOME: nothing shared
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
		// No standing admin in prod: ReadOnly refused, an approved elevation
		// allowed, revoke cuts the session issued for it.
		`AccessDenied: User: arn:aws:sts::333333333333:assumed-role/AWSReservedSSO_ReadOnly_[0-9a-f]{16}/john@example\.com is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::333333333333:user/made-by-john because no identity-based policy allows the iam:CreateUser action`,
		`Requested AdministratorAccess@prod \(333333333333\) for 1h under rule prod-admin\.`,
		`Approved: john@example\.com holds AdministratorAccess@prod \(333333333333\) until `,
		`iam CreateUser made-by-john as AdministratorAccess-333333333333: arn:aws:iam::333333333333:user/made-by-john`,
		`Revoked john@example\.com's AdministratorAccess@prod`,
		`the AdministratorAccess session from before the revoke, iam CreateUser:\n   AccessDenied: .* with an explicit deny in an identity-based policy`,
		`AdministratorAccess has 0 account assignments in prod; nobody holds it standing`,
		`CRITICAL +root-access-keys`,
		// audit and cleanup agree: IAM user john is john@example.com.
		`\+ delete-user john\s+because: IAM user john has an Identity Center user instead: john@example\.com`,
		// deploy-bot's pipeline on a GitHub workload: its repository gets in, another does not.
		`\n   arn:aws:sts::111111111111:assumed-role/keyless-deploy/github-actions\n`,
		`token for acme/other: refused, AccessDenied`,
		// cleanup's dry run says who will break, from 90 days of CloudTrail.
		`who will break:\n\s+358 calls, last \S+: ecr:GetAuthorizationToken \(179\), ecs:UpdateService \(179\)\n\s+from 198\.51\.100\.`,
		`class: ci-pipeline \(358 of 358 calls came from CI`,
		// The end: at zero.
		`done deactivate-key deploy-bot/AKIADEMODEPLOYBTAAAA`,
		`done delete-user john \(backup `,
		`done delete-user deploy-bot \(backup `,
		`IAM users: 0, access keys of IAM users: 0`,
		`Done in `,
	} {
		if !regexp.MustCompile(want).Match(out) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	if _, last, ok := strings.Cut(string(out), "The last audit"); !ok || strings.Contains(last, "iam-user") || strings.Contains(last, ":user/") {
		t.Errorf("the last audit still finds IAM users or their keys:\n%s", last)
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

// TestDemoKeep: --keep leaves the sandbox running, says how to explore it,
// and the AWS CLI can use the profile keyless wrote; Ctrl-C ends it.
func TestDemoKeep(t *testing.T) {
	t.Parallel() // its own sandbox and HOME: nothing shared
	aws := testtool.RequireTool(t, "aws")
	bin := buildKeyless(t)
	tmp := t.TempDir()
	cmd := exec.Command(bin, "demo", "--keep")
	cmd.Env = append(withoutAWS(os.Environ()), "TMPDIR="+tmp, "HOME="+t.TempDir())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var (
		out      strings.Builder
		home     string
		endpoint string
	)
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if m := regexp.MustCompile(`export HOME=(\S+) AWS_ENDPOINT_URL=(\S+)`).FindStringSubmatch(sc.Text()); m != nil {
			home, endpoint = m[1], m[2]
			break
		}
	}
	if home == "" {
		t.Fatalf("demo --keep did not say how to explore:\n%s", out.String())
	}
	go io.Copy(io.Discard, stdout)
	// The AWS CLI, as the person would run it.
	aclI := exec.Command(aws, "sts", "get-caller-identity", "--profile", "SuperAdmin-111111111111", "--output", "text", "--query", "Arn")
	aclI.Env = append(withoutAWS(os.Environ()), "HOME="+home, "AWS_ENDPOINT_URL="+endpoint, "AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1") // as printed
	arn, err := aclI.CombinedOutput()
	if err != nil || !strings.Contains(string(arn), "assumed-role/AWSReservedSSO_SuperAdmin_") {
		t.Fatalf("aws sts get-caller-identity in the kept demo: %v\n%s", err, arn)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("demo --keep after Ctrl-C: %v", err)
	}
}
