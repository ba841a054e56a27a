package cleanup

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/keyless-dev/keyless/internal/audit"
)

// memberConfig acts in a member account through OrganizationAccountAccessRole.
func memberConfig(t *testing.T, cfg aws.Config, account string) aws.Config {
	t.Helper()
	out, err := sts.NewFromConfig(cfg).AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + account + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("cleanup")})
	must(t, err)
	c := out.Credentials
	m := cfg.Copy()
	m.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	return m
}

func TestCleanupRoot(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	dev := memberConfig(t, w.cfg, "222222222222")
	plan := func(session bool) *Plan {
		st, err := audit.Collect(ctx, audit.NewClients(dev), audit.CollectOptions{Now: w.clock.Now, ReportPoll: time.Millisecond})
		must(t, err)
		// Only the management account can tell the organization's features.
		st.Organization.RootFeatures, err = RootFeatures(ctx, w.iam)
		must(t, err)
		// The management account's root is the organization's way in.
		st.Declared = &audit.Declared{File: "keyless.yaml", Management: &audit.BreakGlass{Root: true, Where: "keyless.yaml:2"}}
		in := Input{State: st, Now: w.clock.Now(), Only: Root, RootSession: session}
		if session {
			in.RootCredentials, err = audit.AuditRoot(ctx, w.cfg, "222222222222")
			must(t, err)
		}
		return Build(in)
	}

	// Without the management account's credentials, AssumeRoot is refused.
	p := plan(false)
	if diff := cmp.Diff([]row{{"delete-root-credentials", "root", "refused"}}, rows(p)); diff != "" {
		t.Fatalf("plan (-want +got):\n%s", diff)
	}
	if !strings.Contains(p.Actions[0].Why, "--management-profile") {
		t.Errorf("why = %q", p.Actions[0].Why)
	}

	p = plan(true)
	if diff := cmp.Diff([]row{{"delete-root-credentials", "root", "ready"}}, rows(p)); diff != "" {
		t.Fatalf("plan (-want +got):\n%s", diff)
	}
	e := w.executor()
	e.IAM, e.STS = iam.NewFromConfig(dev), sts.NewFromConfig(dev)
	e.AssumeRoot = AssumeRootWith(w.cfg)
	res, err := e.Run(ctx, p)
	must(t, err)
	if res[0].Outcome != "done" || !strings.Contains(res[0].Detail, "deleted access key") || !strings.Contains(res[0].Detail, "deleted the password") ||
		!strings.Contains(res[0].Detail, "deactivated MFA device") {
		t.Errorf("result = %+v", res[0])
	}
	rc, err := audit.AuditRoot(ctx, w.cfg, "222222222222")
	must(t, err)
	if *rc != (audit.RootCredentials{}) {
		t.Errorf("root credentials after cleanup = %+v", rc)
	}
	// Nothing left: no keys, no password, so no MFA is needed.
	if p := plan(true); len(p.Actions) != 0 {
		t.Errorf("re-run plans %v", rows(p))
	}

	// The management account's own root: only the person can, in the console.
	st, err := audit.Collect(ctx, audit.NewClients(w.cfg), audit.CollectOptions{Now: w.clock.Now, ReportPoll: time.Millisecond})
	must(t, err)
	p = Build(Input{State: st, Now: w.clock.Now(), Only: Root, RootSession: true})
	if diff := cmp.Diff([]row{{"root-console-steps", "root", "manual"}}, rows(p)); diff != "" {
		t.Fatalf("plan (-want +got):\n%s", diff)
	}
	steps := strings.Join(p.Actions[0].Steps, "\n")
	for _, want := range []string{"https://console.aws.amazon.com/iam/home#/security_credentials", "Deactivate, then Actions > Delete", "Assign MFA device"} {
		if !strings.Contains(steps, want) {
			t.Errorf("steps lack %q:\n%s", want, steps)
		}
	}
}

func TestCleanupLocal(t *testing.T) {
	dir := t.TempDir()
	credsPath, configPath := filepath.Join(dir, "credentials"), filepath.Join(dir, "config")
	creds := "[work]\naws_access_key_id = AKIAWORKWORKWORKWORK\naws_secret_access_key = workworkworkworkworkworkworkworkworkwork\n\n" +
		"[broken]\naws_access_key_id = AKIABROKENBROKENBROK\naws_secret_access_key = brokenbrokenbrokenbrokenbrokenbrokenbrok\n\n" +
		"[ci]\naws_access_key_id = AKIACICICICICICICICI\naws_secret_access_key = cicicicicicicicicicicicicicicicicicicicici\n\n" +
		"[temp]\naws_access_key_id = ASIATEMPTEMPTEMPTEMP\naws_secret_access_key = x\naws_session_token = y\n"
	must(t, os.WriteFile(credsPath, []byte(creds), 0o600))
	sso := func(name string) string {
		return "[profile " + name + "]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\n\n"
	}
	must(t, os.WriteFile(configPath, []byte(sso("work")+sso("broken")+"[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n"), 0o600))
	works := func(_ context.Context, p string) error {
		if p == "broken" {
			return errors.New("the SSO token expired")
		}
		return nil
	}
	local, err := ReadLocal(context.Background(), credsPath, configPath, works)
	must(t, err)
	// The keys the caller's own credentials stand on stay where they are.
	own := Build(Input{State: &audit.AccountState{AccountID: "111111111111"}, Now: t0, Only: Local, Local: local,
		ChainKeys: map[string]string{"AKIAWORKWORKWORKWORK": "profile work (the source_profile under profile admin) signs with it"}})
	if diff := cmp.Diff([]row{
		{"move-local-keys", "work", "refused"},
		{"move-local-keys", "broken", "waiting"},
		{"move-local-keys", "ci", "refused"},
	}, rows(own)); diff != "" || own.Actions[0].Why != "profile work (the source_profile under profile admin) signs with it" {
		t.Fatalf("plan with work's key in the caller's chain (-want +got):\n%s%s", diff, own.Actions[0].Why)
	}
	p := Build(Input{State: &audit.AccountState{AccountID: "111111111111"}, Now: t0, Only: Local, Local: local})
	if diff := cmp.Diff([]row{
		{"move-local-keys", "work", "ready"},
		{"move-local-keys", "broken", "waiting"},
		{"move-local-keys", "ci", "refused"},
	}, rows(p)); diff != "" {
		t.Fatalf("plan (-want +got):\n%s", diff)
	}
	e := &Executor{Now: func() time.Time { return t0 }, CredentialsPath: credsPath}
	res := e.run(context.Background(), p, p.Actions[0])
	if res.Outcome != "done" {
		t.Fatalf("result = %+v", res)
	}
	got, err := os.ReadFile(credsPath)
	must(t, err)
	if want := creds[strings.Index(creds, "[broken]"):]; string(got) != want {
		t.Errorf("credentials file:\n%s\nwant:\n%s", got, want)
	}
	backup := credsPath + ".keyless-backup-20260501T120000Z"
	b, err := os.ReadFile(backup)
	must(t, err)
	fi, err := os.Stat(backup)
	must(t, err)
	if string(b) != creds || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, content:\n%s", fi.Mode(), b)
	}
	// Again: nothing to move for work; the executor skips a stale action.
	local, err = ReadLocal(context.Background(), credsPath, configPath, works)
	must(t, err)
	if p := Build(Input{State: &audit.AccountState{}, Now: t0, Only: Local, Local: local}); p.Ready() != 0 {
		t.Errorf("re-run: %v", rows(p))
	}
	if res := e.run(context.Background(), p, p.Actions[0]); res.Outcome != "skipped" {
		t.Errorf("stale action: %+v", res)
	}
}
