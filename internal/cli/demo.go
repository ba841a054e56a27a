package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/spf13/cobra"

	"github.com/keyless-dev/keyless/internal/sandbox"
)

// demoConfig is the keyless.yaml of the demo: the Terraform module's shape,
// three people, three roles.
const demoConfig = `# The Terraform module's shape: three people, three roles.
users:
  - {email: john@example.com, given_name: John, family_name: Doe}
  - {email: jane@example.com, given_name: Jane, family_name: Roe}
  - {email: bob@example.com,  given_name: Bob,  family_name: Ray}
super_admins:   [john@example.com]
power_users:    [jane@example.com]
readonly_users: [bob@example.com]
`

// demoSeed is an account with what audit finds in real ones: root access
// keys, a deploy bot's old key its GitHub pipeline has called ECS and ECR
// with twice a day for 90 days (CloudTrail history), a console user
// without MFA.
func demoSeed(now time.Time) *sandbox.Seed {
	s := sandbox.DefaultSeed()
	old := now.AddDate(0, 0, -400)
	lastUsed := now.AddDate(0, 0, -200)
	s.Accounts[0].Root = &sandbox.SeedRoot{AccessKeysPresent: true, MFAEnabled: false}
	s.Accounts[0].IAMUsers = []sandbox.SeedIAMUser{
		{Name: "deploy-bot", Created: &old, Policies: []string{"arn:aws:iam::aws:policy/AdministratorAccess"},
			AccessKeys: []sandbox.SeedAccessKey{{ID: demoBotKey, Created: &old}}},
		{Name: "john", Created: &old, Password: true, PasswordLastUsed: &lastUsed, Policies: []string{"arn:aws:iam::aws:policy/AdministratorAccess"}},
	}
	// GitHub-hosted runners: the AWS CLI on an Azure kernel, from a few of
	// their addresses.
	runners := []string{"198.51.100.17", "198.51.100.42", "198.51.100.88", "198.51.100.130"}
	const runnerUA = "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-1016-azure exe/x86_64.ubuntu.22 prompt/off command/ecs.update-service"
	s.CloudTrail = []sandbox.SeedEvents{
		{User: "deploy-bot", EventSource: "ecr.amazonaws.com", EventName: "GetAuthorizationToken", SourceIPs: runners, UserAgent: runnerUA, From: "-90d", To: "-2h", Every: "12h"},
		{User: "deploy-bot", EventSource: "ecs.amazonaws.com", EventName: "UpdateService", SourceIPs: runners, UserAgent: runnerUA, From: "-90d", To: "-2h", Every: "12h"},
	}
	return s
}

const demoBotKey = "AKIADEMODEPLOYBTAAAA"

type demoOptions struct {
	keep bool
	addr string
}

func newDemoCommand(g *globalOptions) *cobra.Command {
	o := &demoOptions{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "See keyless work end to end in a minute, without an AWS account",
		Long: `Start a local Identity Center (the sandbox) and a throw-away home directory,
and run the whole story: apply a keyless.yaml, sign in as one of its people,
write their profiles, get credentials and call STS with the AWS SDK; then
no standing admin in prod: John's ReadOnly session is refused a write by
IAM, he asks for AdministratorAccess, Jane signs in and approves, the same
write works, and revoke ends the grant and the session issued for it; then
audit an account with root keys and an old IAM user and show what cleanup
would do, then move the deploy bot's pipeline to a GitHub workload (an OIDC
role) and run it with the SDK's web-identity provider, and end at zero:
cleanup deletes john's IAM user (he is in Identity Center) and, once its
pipeline has run on the role, deactivates the deploy bot's key and deletes
the bot; the last audit finds no IAM user and no access key. Nothing
outside the temporary directory is touched; everything is removed at the
end unless --keep, which leaves the sandbox running and says how to
explore it with the AWS CLI.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runDemo(cmd.Context(), g, o) },
	}
	cmd.Flags().BoolVar(&o.keep, "keep", false, "leave the sandbox and the directory for exploring; Ctrl-C stops it")
	cmd.Flags().StringVar(&o.addr, "addr", "127.0.0.1:0", "sandbox address (loopback)")
	cmd.AddCommand(newDemoSTSCommand(g), newDemoBrowserCommand())
	return cmd
}

// demoRun runs keyless itself as a person would, in the demo's home.
type demoRun struct {
	g    *globalOptions
	exe  string
	env  []string
	dir  string
	step int
}

// browserAs is the environment of a keyless command whose browser is a
// person choosing user on the sandbox's sign-in page.
func (d *demoRun) browserAs(user string) []string {
	return []string{"BROWSER=" + d.exe + " demo browser " + user}
}

func (d *demoRun) say(format string, a ...any) {
	fmt.Fprintf(d.g.streams.Out, format+"\n", a...)
}

// run runs one keyless command and returns its stdout and stderr.
func (d *demoRun) run(ctx context.Context, extraEnv []string, args ...string) (string, string, error) {
	cmd := exec.CommandContext(ctx, d.exe, args...)
	cmd.Dir = d.dir
	cmd.Env = append(append([]string{}, d.env...), extraEnv...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		return out.String(), errb.String(), fmt.Errorf("keyless %s: %w\n%s", strings.Join(args, " "), err, indent(errb.String()))
	}
	return out.String(), errb.String(), nil
}

// stepf prints a step's title; done prints its timing.
func (d *demoRun) stepf(format string, a ...any) func() {
	d.step++
	t := time.Now()
	fmt.Fprintf(d.g.streams.Out, "\n%d. %s\n", d.step, fmt.Sprintf(format, a...))
	return func() {
		fmt.Fprintf(d.g.streams.Out, "   (%s)\n", time.Since(t).Round(time.Millisecond))
	}
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return ""
	}
	return "   " + strings.ReplaceAll(s, "\n", "\n   ")
}

func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

func runDemo(ctx context.Context, g *globalOptions, o *demoOptions) error {
	start := time.Now()
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find keyless's own path: %w", err)
	}
	dir, err := os.MkdirTemp("", "keyless-demo-*")
	if err != nil {
		return err
	}
	if !o.keep {
		defer os.RemoveAll(dir)
	}

	srv, err := sandbox.New(sandbox.Options{Seed: demoSeed(time.Now()), AssignmentDelay: 100 * time.Millisecond})
	if err != nil {
		return err
	}
	l, err := sandbox.Listen(o.addr, false)
	if err != nil {
		return usageErrorf("--addr %s: %v", o.addr, err)
	}
	sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, l) }()
	defer func() {
		stop()
		<-served
	}()
	url := "http://" + l.Addr().String()

	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		return err
	}
	d := &demoRun{g: g, exe: exe, dir: dir}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || k == "HOME" || k == "BROWSER" || k == "KEYLESS_PROFILE" {
			continue
		}
		d.env = append(d.env, kv)
	}
	d.env = append(d.env, "HOME="+home, "AWS_CONFIG_FILE="+filepath.Join(home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, ".aws", "credentials"),
		"AWS_ENDPOINT_URL="+url, "AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true", "NO_COLOR=1")
	admin := []string{"AWS_ACCESS_KEY_ID=AKIASANDBOXEXAMPLE00", "AWS_SECRET_ACCESS_KEY=sandbox"}

	d.say("keyless demo: a local IAM Identity Center at %s, a throw-away home in %s", url, home)

	done := d.stepf("An administrator applies keyless.yaml (three people, three roles)")
	if err := os.WriteFile(filepath.Join(dir, "keyless.yaml"), []byte(demoConfig), 0o644); err != nil {
		return err
	}
	d.say("%s", indent(demoConfig))
	out, errOut, err := d.run(ctx, admin, "apply", "-f", "keyless.yaml", "--yes")
	if err != nil {
		return err
	}
	d.say("   $ keyless apply -f keyless.yaml --yes\n   %s", lineWith(errOut+out, "Apply complete"))
	portal := lineWith(errOut+out, "Access portal:")
	d.say("   %s", portal)
	done()

	done = d.stepf("John signs in (the demo's browser chooses him on the sandbox's sign-in page) and gets a profile per role")
	startURL := url + "/start"
	_, errOut, err = d.run(ctx, d.browserAs("john@example.com"), "login", "--start-url", startURL, "--region", "us-east-1")
	if err != nil {
		return err
	}
	d.say("   $ keyless login --start-url %s --region us-east-1\n   %s\n   %s", startURL,
		lineWith(errOut, "Signed in"), lineWith(errOut, "roles in"))
	out, _, err = d.run(ctx, nil, "profiles", "list")
	if err != nil {
		return err
	}
	profile := strings.Fields(out + " SuperAdmin-111111111111")[0]
	d.say("   $ keyless profiles list\n%s", indent(out))
	done()

	done = d.stepf("The AWS SDK (aws-sdk-go-v2) reads the profile keyless wrote and calls STS")
	out, _, err = d.run(ctx, []string{"AWS_ENDPOINT_URL_SSO=" + url, "AWS_ENDPOINT_URL_STS=" + url}, "demo", "sts", profile)
	if err != nil {
		return err
	}
	d.say("   GetCallerIdentity --profile %s\n   %s", profile, strings.TrimSpace(out))
	done()

	done = d.stepf("What John runs every day")
	out, _, err = d.run(ctx, []string{"AWS_ENDPOINT_URL_STS=" + url}, "exec", profile, "--", exe, "demo", "sts")
	if err != nil {
		return err
	}
	d.say(`   eval "$(keyless shell-init bash)"   # once, in ~/.bashrc
   assume %[1]s   # credentials in this shell; 'assume' alone picks
   keyless exec %[1]s -- terraform plan
   keyless console %[1]s --service ec2
   $ keyless exec %[1]s -- <a program that calls STS with the SDK's default chain>
   %[2]s`, profile, strings.TrimSpace(out))
	done()

	if err := demoElevation(ctx, d, admin, url, startURL); err != nil {
		return err
	}
	if err := demoAudit(ctx, d, admin); err != nil {
		return err
	}
	if err := demoWorkload(ctx, d, admin, url); err != nil {
		return err
	}
	if err := demoRetire(ctx, d, admin); err != nil {
		return err
	}

	d.say("\nDone in %s.", time.Since(start).Round(time.Millisecond))
	if !o.keep {
		d.say("Everything the demo made is gone. Real account: keyless init (or keyless apply + keyless login).")
		return nil
	}
	d.say(`The sandbox keeps running until Ctrl-C. Explore it:
   export HOME=%s AWS_ENDPOINT_URL=%s AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
   aws sts get-caller-identity --profile %s
   aws sso-admin list-instances        # with AWS_ACCESS_KEY_ID=AKIASANDBOXEXAMPLE00 AWS_SECRET_ACCESS_KEY=sandbox
   %s profiles list`, home, url, profile, exe)
	<-ctx.Done()
	return nil
}

// demoAudit is the demo's last part: audit, then what cleanup would do.
func demoAudit(ctx context.Context, d *demoRun, admin []string) error {
	done := d.stepf("The account still has long-lived keys: audit finds them")
	out, _, err := d.run(ctx, admin, "audit", "--local=false")
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return err
	}
	d.say("   $ keyless audit   (findings only; each also has evidence, controls and the fix)\n%s", indent(findingLines(out)))
	done()
	done = d.stepf("cleanup shows what it would do (dry run: nothing changes without --yes)")
	out, _, err = d.run(ctx, admin, "cleanup")
	if err != nil && !errors.As(err, &ee) {
		return err
	}
	d.say("   $ keyless cleanup\n%s", indent(out))
	done()
	return nil
}

// demoWorkloads is what the demo adds to keyless.yaml so that the deploy
// bot's pipeline runs without its key.
const demoWorkloads = `workloads:   # deploy-bot's pipeline, on its own OIDC token instead of the key
  - name: deploy
    github: {repo: acme/deploy, branch: main}
    current_account: true
    like_user: deploy-bot   # its permissions, and cleanup retires it once the role is used
`

// demoWorkload moves the deploy bot's pipeline to a GitHub workload: apply
// makes the OIDC provider and the role, then a run of the pipeline gets
// credentials with the SDK's web-identity provider, and another
// repository's token is refused.
func demoWorkload(ctx context.Context, d *demoRun, admin []string, url string) error {
	done := d.stepf("deploy-bot's pipeline moves to a GitHub workload: no key to keep")
	f, err := os.OpenFile(filepath.Join(d.dir, "keyless.yaml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(demoWorkloads)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	d.say("%s", indent(demoWorkloads))
	out, errOut, err := d.run(ctx, admin, "apply", "-f", "keyless.yaml", "--yes")
	if err != nil {
		return err
	}
	d.say("   $ keyless apply -f keyless.yaml --yes\n   %s", lineWith(errOut+out, "Apply complete"))
	done()

	done = d.stepf("The pipeline runs: GitHub's OIDC token (the sandbox's local issuer), then AssumeRoleWithWebIdentity")
	roleARN := "arn:aws:iam::111111111111:role/keyless-deploy"
	arn, err := demoPipelineRun(ctx, d.dir, url, roleARN, "acme/deploy")
	if err != nil {
		return err
	}
	d.say("   token for acme/deploy on main, role %s (aws-sdk-go-v2 stscreds)\n   %s", roleARN, arn)
	_, err = demoPipelineRun(ctx, d.dir, url, roleARN, "acme/other")
	var apiErr smithy.APIError
	switch {
	case err == nil:
		return errors.New("a token for acme/other got credentials for keyless-deploy; its trust policy should refuse it")
	case !errors.As(err, &apiErr):
		return err
	}
	d.say("   token for acme/other: refused, %s", apiErr.ErrorCode())
	done()
	return nil
}

// demoPipelineRun is one run of a GitHub Actions job of repo on main: it
// mints the job's OIDC token from the sandbox, writes it where
// AWS_WEB_IDENTITY_TOKEN_FILE would point, and gets credentials for roleARN
// with aws-sdk-go-v2's web-identity provider; it returns the caller's ARN.
func demoPipelineRun(ctx context.Context, dir, url, roleARN, repo string) (string, error) {
	body, _ := json.Marshal(map[string]string{"repo": repo, "ref": "refs/heads/main"})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/_sandbox/oidc/github/token", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var tok sandbox.CITokenResponse
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("sandbox github token: HTTP %d: %v", resp.StatusCode, err)
	}
	tokenFile := filepath.Join(dir, "web-identity-token")
	if err := os.WriteFile(tokenFile, []byte(tok.Token), 0o600); err != nil {
		return "", err
	}
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: aws.AnonymousCredentials{}}
	creds := stscreds.NewWebIdentityRoleProvider(sts.NewFromConfig(cfg), roleARN, stscreds.IdentityTokenFile(tokenFile),
		func(o *stscreds.WebIdentityRoleOptions) { o.RoleSessionName = "github-actions" })
	cfg.Credentials = aws.NewCredentialsCache(creds)
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.Arn), nil
}

// findingLines keeps the audit's one-line findings and its summary.
func findingLines(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		t := strings.TrimSpace(l)
		// The summary starts with its count: "1 account audited: ...".
		if strings.Contains(t, " audited: ") {
			keep = append(keep, l)
			continue
		}
		for _, p := range []string{"CRITICAL", "HIGH", "MEDIUM", "LOW", "NOT EVALUATED", "Account "} {
			if strings.HasPrefix(t, p) {
				keep = append(keep, l)
				break
			}
		}
	}
	return strings.Join(keep, "\n")
}

// newDemoSTSCommand is the demo's SDK step: aws-sdk-go-v2's default
// configuration, the profile keyless wrote, GetCallerIdentity.
func newDemoSTSCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:    "sts [PROFILE]",
		Hidden: true,
		Args:   cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var opts []func(*config.LoadOptions) error
			if len(args) == 1 {
				opts = append(opts, config.WithSharedConfigProfile(args[0]))
			}
			cfg, err := loadAWSConfig(cmd.Context(), opts...)
			if err != nil {
				return err
			}
			out, err := sts.NewFromConfig(cfg).GetCallerIdentity(cmd.Context(), &sts.GetCallerIdentityInput{})
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(g.streams.Out, aws.ToString(out.Arn))
			return err
		},
	}
}

// demoRetire is the end: cleanup deletes john (his person is in Identity
// Center) and deactivates deploy-bot's key (its pipeline ran on the
// workload role after the key's last call), deletes deploy-bot after the
// grace period, and the last audit finds no IAM user and no access key.
func demoRetire(ctx context.Context, d *demoRun, admin []string) error {
	done := d.stepf("cleanup retires the IAM users: john moved to Identity Center, deploy-bot's pipeline runs on its role")
	out, _, err := d.run(ctx, admin, "cleanup", "--yes")
	if err != nil {
		return err
	}
	d.say("   $ keyless cleanup --yes\n%s", indent(resultLines(out)))
	done()

	done = d.stepf("A week later nothing has called with deploy-bot's key: cleanup deletes the bot (backed up first)")
	// The demo does not wait the 7 days: --delete-after 0 takes the grace
	// period as over.
	out, _, err = d.run(ctx, admin, "cleanup", "--yes", "--delete-after", "0")
	if err != nil {
		return err
	}
	d.say("   $ keyless cleanup --yes   (--delete-after 0 here: the demo does not wait a week)\n%s", indent(resultLines(out)))
	done()

	done = d.stepf("The last audit: no IAM user, no access key")
	out, _, err = d.run(ctx, admin, "audit", "--local=false")
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return err
	}
	lines := findingLines(out)
	for _, l := range strings.Split(lines, "\n") {
		if strings.Contains(l, "iam-user") || strings.Contains(l, ":user/") {
			return fmt.Errorf("the demo should end with no IAM user, and the audit still finds:\n%s", lines)
		}
	}
	d.say("   $ keyless audit\n%s\n   IAM users: 0, access keys of IAM users: 0. What is left is the root user's, for its console (cleanup's steps).", indent(lines))
	done()
	return nil
}

// resultLines keeps cleanup's results.
func resultLines(out string) string {
	_, res, _ := strings.Cut(out, "Results:\n")
	return strings.TrimRight(res, "\n")
}
