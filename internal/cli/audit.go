package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/keyless-dev/keyless/internal/audit"
	"github.com/keyless-dev/keyless/internal/awsconfig"
	kconfig "github.com/keyless-dev/keyless/internal/config"
	"github.com/keyless-dev/keyless/internal/plural"
	"github.com/keyless-dev/keyless/internal/safefile"
)

type auditOptions struct {
	profiles    []string
	allAccounts bool
	region      string
	json, sarif bool
	html        string
	failOn      string
	local       bool
	orgRole     string
	file        string
	fileGiven   bool
	usage       usageOptions
}

func newAuditCommand(g *globalOptions) *cobra.Command {
	o := &auditOptions{}
	cmd := &cobra.Command{
		Use:   "audit [--profile P ... | --all-accounts] [--json | --sarif | --html FILE] [--fail-on SEVERITY]",
		Short: "Check accounts and this machine for long-lived credentials and weak posture",
		Long: `Check each account: the root user (access keys, MFA, hardware MFA, recent
use, centralized root access for member accounts), IAM users (console
passwords without MFA, active, doubled, old and unused keys, unused
passwords; a never-used key or password counts from its creation), the
password policy, and Identity Center (instance, the groups keyless.yaml
defines (-f; nothing is judged against a file that is absent), the
SuperAdmin assignment, IAM users with no Identity Center counterpart),
and what keyless.yaml declares: the break-glass way in (break_glass: exists,
no keys, hardware MFA, unused) and the keys allowed to stay
(key_exceptions: every other active key is a high finding; a declared one
is shown as excepted until the day after it expires).
With --local (on by default when run at a terminal) it also checks this
machine: long-lived keys in ~/.aws/credentials and the profiles using them,
keys in the environment, key ids in shell history files, AWS files others can
read or write (the token and credential caches, config, credentials), and SSO
refresh tokens kept in plain files.

Every finding has a stable id, severity, resource, evidence, its CIS AWS
Foundations / Security Hub controls and the remediation. A check that could
not run (AccessDenied) is reported "not evaluated" with the permission it
needs, never as a pass. Nothing is changed.

Findings about an access key carry its use over the last 90 days from
CloudTrail LookupEvents (services and actions, source addresses, user
agents, first and last call, calls per day) and its IAM user's class
(person, ci-pipeline, aws-workload, outside-service, unknown) with the
replacement that fits; a key keyless deactivated and someone used since
is a finding of its own, with where the calls came from. Regions: the
configured one and us-east-1, plus each key's last-used region, or
--regions. A region CloudTrail could not be read in is "not evaluated",
never "unused"; use before the 90 days is not known. LookupEvents is kept
under 2 requests a second per account and region; --no-usage skips it.

--all-accounts audits every account through your SSO profiles (one per
account, the most privileged role), or, without any, the management account
through the current credentials, naming the others as not covered.

Exit codes: 0 success (findings or not, unless --fail-on), 1 findings at or
above --fail-on SEVERITY (info, low, medium, high, critical), or an error,
64 usage error.`,
		Example: `  keyless audit
  keyless audit --all-accounts --html audit.html
  keyless audit --profile prod --json --fail-on high   # in CI`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("local") {
				o.local = isTerminal(g.streams.In)
			}
			o.fileGiven = cmd.Flags().Changed("file")
			return runAudit(cmd.Context(), g, o)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.profiles, "profile", nil, "audit the account of `PROFILE` (repeat for several; default: the default credentials)")
	f.BoolVar(&o.allAccounts, "all-accounts", false, "audit every account, through your SSO profiles or Organizations")
	f.StringVar(&o.orgRole, "org-role", "OrganizationAccountAccessRole", "with --all-accounts and no SSO profiles: the `ROLE` to assume in member accounts (\"\" to skip them)")
	f.StringVar(&o.region, "region", "", "AWS region of Identity Center (default: AWS_REGION or the profile's)")
	f.BoolVar(&o.json, "json", false, "print the report as JSON on stdout")
	f.BoolVar(&o.sarif, "sarif", false, "print the report as SARIF 2.1.0 on stdout")
	f.StringVar(&o.html, "html", "", "write the report as one self-contained HTML page to `FILE`")
	f.StringVar(&o.failOn, "fail-on", "", "exit 1 when findings of `SEVERITY` or worse exist")
	f.BoolVar(&o.local, "local", false, "also check this machine (default: on at a terminal; --local=false skips)")
	f.StringVarP(&o.file, "file", "f", "keyless.yaml", "judge Identity Center, the break-glass way in and key exceptions against this keyless.yaml `FILE` (skipped when the default one is absent)")
	o.usage.addFlags(f)
	return cmd
}

// auditTarget is one account to audit, and how.
type auditTarget struct {
	label   string // the profile, or "default credentials"
	account string // when known before collecting, for a not-covered finding
	how     string // how to cover the account when collecting fails
	cfg     func(ctx context.Context) (aws.Config, error)
}

func runAudit(ctx context.Context, g *globalOptions, o *auditOptions) error {
	n := 0
	for _, b := range []bool{o.json, o.sarif, o.html != ""} {
		if b {
			n++
		}
	}
	if n > 1 {
		return usageErrorf("give one of --json, --sarif and --html")
	}
	if o.allAccounts && len(o.profiles) > 0 {
		return usageErrorf("give --profile or --all-accounts, not both")
	}
	failOn := audit.Severity(-1)
	if o.failOn != "" {
		s, err := audit.ParseSeverity(o.failOn)
		if err != nil {
			return usageErrorf("--fail-on: %v", err)
		}
		failOn = s
	}
	if err := o.usage.validate(); err != nil {
		return err
	}

	targets, rep, err := auditTargets(ctx, g, o)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	var states []*audit.AccountState
	cfgs := map[*audit.AccountState]aws.Config{}
	eg, ectx := errgroup.WithContext(ctx)
	eg.SetLimit(8)
	for _, t := range targets {
		eg.Go(func() error {
			st, cfg, err := collectTarget(ectx, o, t)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil && !o.allAccounts:
				return err
			case err != nil:
				rep.Add(audit.NotCovered(cmp.Or(t.account, "unknown"), fmt.Sprintf("%s: %v", t.label, err), cmp.Or(t.how, "sign in (keyless login) and run the audit again")))
			default:
				states = append(states, st)
				cfgs[st] = cfg
			}
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return err
	}
	audit.Share(states)
	for _, st := range states {
		if st.Organization != nil && st.Organization.ManagementAccountID == st.AccountID {
			audit.ReadRoots(ctx, cfgs[st], st, states)
		}
	}
	if o.allAccounts {
		// Accounts the organization has and no target reached or failed to
		// reach: those with no SSO profile (profiles sync did not write one).
		tried := map[string]bool{}
		for _, t := range targets {
			tried[t.account] = true
		}
		for _, f := range rep.Findings {
			tried[f.Account] = true
		}
		for _, id := range audit.Uncovered(states) {
			if !tried[id] {
				rep.Add(audit.NotCovered(id, "no SSO profile in "+awsconfig.ConfigPath()+" for this account",
					"sign in and write its profile (keyless login; keyless profiles sync), or ask for access to it"))
			}
		}
	}
	if err := wantFromFile(g, o, states); err != nil {
		return err
	}
	now := time.Now()
	for _, st := range states {
		rep.Add(audit.Run(st, now))
		if c := st.IdentityCenter; c != nil && c.Enabled && c.Account == st.AccountID && rep.Matrix == nil {
			rep.Matrix = audit.AccessMatrix(c.State)
		}
	}
	if !o.usage.off && len(states) > 0 {
		byAccount := map[string]aws.Config{}
		for st, cfg := range cfgs {
			byAccount[st.AccountID] = cfg
		}
		ur, err := collectUsage(ctx, g, &o.usage, states, byAccount)
		if err != nil {
			return err
		}
		audit.AttachUsage(rep, states, ur)
	}
	if o.local {
		home, _ := os.UserHomeDir()
		lr, err := audit.Local(audit.Machine{Home: home, Getenv: os.Getenv})
		if err != nil {
			return fmt.Errorf("check this machine: %w", err)
		}
		rep.Add(lr)
	}
	rep.Sort()

	out := g.streams.Out
	switch {
	case o.json:
		err = rep.WriteJSON(out)
	case o.sarif:
		err = rep.WriteSARIF(out, version())
	case o.html != "":
		err = writeHTMLReport(o.html, rep, now)
		if err == nil {
			fmt.Fprintf(g.streams.Err, "keyless: wrote %s: %s\n", o.html, rep.Summary())
		}
	default:
		err = rep.WriteText(out, colorOK(out))
	}
	if err != nil {
		return err
	}
	if failOn >= 0 {
		if n := rep.AtOrAbove(failOn); n > 0 {
			return fmt.Errorf("%s at or above %s (--fail-on)", plural.Count(n, "finding", "findings"), failOn)
		}
	}
	return nil
}

// wantFromFile gives the audit what keyless.yaml asks of Identity Center,
// so that it judges against the file, as plan does. Without the file
// (the default one absent) nothing is judged against it.
func wantFromFile(g *globalOptions, o *auditOptions, states []*audit.AccountState) error {
	cfg, err := kconfig.Load(o.file)
	switch {
	case err == nil:
	case o.fileGiven:
		return err
	default:
		// The default file is read when there is one; a broken one is no
		// reason not to audit.
		if _, statErr := os.Stat(o.file); !errors.Is(statErr, fs.ErrNotExist) {
			notJudged(g, "Identity Center, break_glass and key_exceptions are", o.file, err)
		}
		return nil
	}
	for _, st := range states {
		st.Declared = declared(cfg, st)
	}
	for _, st := range states {
		c := st.IdentityCenter
		if c == nil || c.State == nil || c.Wanted != nil {
			continue
		}
		d, err := cfg.Desired(c.State)
		if err != nil {
			notJudged(g, "Identity Center is", o.file, err)
			continue
		}
		w := &audit.Wanted{File: o.file, External: cfg.External}
		for _, grp := range d.Groups {
			w.Groups = append(w.Groups, grp.Name)
		}
		c.Wanted = w
	}
	return nil
}

// declared is what the file declares for an account: its break-glass way
// in (and, for a member, the management account's) and the key exceptions
// that apply there.
func declared(cfg *kconfig.Config, st *audit.AccountState) *audit.Declared {
	way := func(account string) *audit.BreakGlass {
		b := cfg.BreakGlassFor(account)
		if b == nil {
			return nil
		}
		return &audit.BreakGlass{Root: b.Root, User: b.IAMUser.Value, Where: cfg.Where(b.Pos)}
	}
	d := &audit.Declared{File: cfg.File, BreakGlass: way(st.AccountID)}
	if org := st.Organization; org != nil && org.ManagementAccountID != st.AccountID {
		d.Management = way(org.ManagementAccountID)
	}
	for _, x := range cfg.KeyExceptionsFor(st.AccountID) {
		d.KeyExceptions = append(d.KeyExceptions, audit.KeyException{User: x.IAMUser.Value, KeyID: x.AccessKey.Value,
			Owner: x.Owner, Expires: x.Expires, Reason: x.Reason, Where: cfg.Where(x.Pos)})
	}
	return d
}

// notJudged warns that a keyless.yaml with problems is left out of what
// the audit judges.
func notJudged(g *globalOptions, what, file string, err error) {
	fmt.Fprintf(g.streams.Err, "warning: %s not judged against %s, which has problems:\n%v\nhint: fix them (keyless plan shows the same), or pass -f FILE\n", what, file, err)
}

func writeHTMLReport(path string, rep *audit.Report, now time.Time) error {
	var b strings.Builder
	if err := rep.WriteHTML(&b, now.UTC().Format(time.RFC1123)); err != nil {
		return err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("--html %s: %w", path, err)
	}
	if err := safefile.Write(abs, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("write --html %s: %w", path, err)
	}
	return nil
}

// collectTarget reads one account, and returns the configuration it read
// it with.
func collectTarget(ctx context.Context, o *auditOptions, t auditTarget) (*audit.AccountState, aws.Config, error) {
	cfg, err := t.cfg(ctx)
	if err != nil {
		return nil, cfg, err
	}
	if cfg.Region == "" {
		return nil, cfg, usageErrorf("no AWS region for %s\nhint: pass --region or set AWS_REGION", t.label)
	}
	st, err := audit.Collect(ctx, audit.NewClients(cfg), audit.CollectOptions{})
	if err != nil {
		return nil, cfg, fmt.Errorf("%s: %w", t.label, err)
	}
	return st, cfg, nil
}

// auditTargets decides which accounts to audit, and reports the accounts
// it knows of but cannot reach.
func auditTargets(ctx context.Context, g *globalOptions, o *auditOptions) ([]auditTarget, *audit.Report, error) {
	rep := &audit.Report{}
	sdk := func(profile string, creds aws.CredentialsProvider, region string) func(context.Context) (aws.Config, error) {
		return func(ctx context.Context) (aws.Config, error) {
			var opts []func(*config.LoadOptions) error
			if profile != "" {
				opts = append(opts, config.WithSharedConfigProfile(profile))
			}
			if creds != nil {
				opts = append(opts, config.WithCredentialsProvider(creds))
			}
			if region = cmp.Or(o.region, region); region != "" {
				opts = append(opts, config.WithRegion(region))
			}
			cfg, err := loadAWSConfig(ctx, opts...)
			if err != nil {
				return aws.Config{}, withHint(fmt.Errorf("load AWS configuration: %w", err), "check --profile and ~/.aws/config")
			}
			return cfg, nil
		}
	}
	if len(o.profiles) > 0 {
		var ts []auditTarget
		for _, p := range o.profiles {
			ts = append(ts, auditTarget{label: "profile " + p, cfg: sdk(p, nil, "")})
		}
		return ts, rep, nil
	}
	if !o.allAccounts {
		if o.local && !credentialsConfigured(os.Getenv) {
			// The checks of this machine need no AWS: run them, quickly,
			// rather than wait for instance metadata to say there is nothing.
			fmt.Fprintln(g.streams.Err, "warning: no AWS credentials configured: only this machine is checked\n"+
				"hint: keyless login (or --profile P) to audit an account too; with --local=false, instance metadata is asked")
			return nil, rep, nil
		}
		return []auditTarget{{label: "the default credentials", cfg: sdk("", nil, "")}}, rep, nil
	}

	// Every account: the person's SSO profiles, one per account.
	f, err := awsconfig.Load(awsconfig.ConfigPath())
	if err != nil {
		return nil, nil, err
	}
	if best := bestProfiles(f); len(best) > 0 {
		var ts []auditTarget
		for _, p := range best {
			ts = append(ts, auditTarget{label: "profile " + p.Profile, account: p.AccountID, cfg: func(ctx context.Context) (aws.Config, error) {
				c, region, err := roleCredentials(ctx, g, p.Profile, true)
				if err != nil {
					return aws.Config{}, err
				}
				creds := credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
				return sdk("", creds, region)(ctx)
			}})
		}
		return ts, rep, nil
	}

	// No SSO profiles: the current credentials for the management account,
	// the organization's other accounts named as not covered.
	def := sdk("", nil, "")
	cfg, err := def(ctx)
	if err != nil {
		return nil, nil, err
	}
	org := organizations.NewFromConfig(cfg)
	desc, err := org.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		return nil, nil, withHint(fmt.Errorf("--all-accounts: no SSO profiles in %s, and the organization is unreadable: %w", awsconfig.ConfigPath(), err),
			"sign in and write SSO profiles (keyless login; keyless profiles sync), or run from the management account")
	}
	mgmt := aws.ToString(desc.Organization.MasterAccountId)
	ts := []auditTarget{{label: "the default credentials", cfg: def}}
	p := organizations.NewListAccountsPaginator(org, &organizations.ListAccountsInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("--all-accounts: list accounts: %w", err)
		}
		for _, a := range out.Accounts {
			id := aws.ToString(a.Id)
			if id == mgmt || a.State != orgtypes.AccountStateActive {
				continue
			}
			if o.orgRole == "" {
				rep.Add(audit.NotCovered(id, "no SSO profile for this account, and --org-role is empty",
					"sign in and write SSO profiles (keyless login; keyless profiles sync), or give --org-role"))
				continue
			}
			// Member accounts through the role Organizations creates in them,
			// assumed with the management account's credentials.
			arn := fmt.Sprintf("arn:%s:iam::%s:role/%s", partitionOf(desc.Organization.Arn), id, o.orgRole)
			ts = append(ts, auditTarget{
				label:   "role " + arn,
				account: id,
				how:     "allow the management account's credentials to assume " + arn + ", or sign in and write SSO profiles (keyless login; keyless profiles sync)",
				cfg: func(ctx context.Context) (aws.Config, error) {
					creds := aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), arn, func(o *stscreds.AssumeRoleOptions) {
						o.RoleSessionName = "keyless-audit"
					}))
					if _, err := creds.Retrieve(ctx); err != nil {
						return aws.Config{}, fmt.Errorf("assume %s: %w", arn, err)
					}
					return sdk("", creds, cfg.Region)(ctx)
				},
			})
		}
	}
	return ts, rep, nil
}

// credentialsConfigured reports whether the AWS SDK would find credentials
// anywhere but instance metadata: the environment, or the profile in use in
// the config or credentials file.
func credentialsConfigured(getenv func(string) string) bool {
	for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"} {
		if getenv(v) != "" {
			return true
		}
	}
	home, _ := os.UserHomeDir()
	if creds, err := awsconfig.Load(credentialsPath(home)); err != nil {
		return true // unreadable: let the SDK say what is wrong
	} else if s, ok := creds.Section("default"); ok && len(s.Keys()) > 0 {
		return true
	}
	cfg, err := awsconfig.Load(awsconfig.ConfigPath())
	if err != nil {
		return true
	}
	s, ok := cfg.Profile("default")
	return ok && credentialKey(s) != ""
}

// partitionOf reads the partition (aws, aws-cn, aws-us-gov) from an ARN.
func partitionOf(arn *string) string {
	parts := strings.SplitN(aws.ToString(arn), ":", 3)
	if len(parts) < 2 || parts[1] == "" {
		return "aws"
	}
	return parts[1]
}

// bestProfiles picks one SSO profile per account: the most privileged role.
func bestProfiles(f *awsconfig.File) []awsconfig.SSOProfile {
	best := map[string]awsconfig.SSOProfile{}
	for _, sec := range f.Profiles() {
		p, err := f.SSO(sec.Name)
		if err != nil || p.AccountID == "" || p.RoleName == "" {
			continue
		}
		if cur, ok := best[p.AccountID]; !ok || rolePrivilege(p.RoleName) > rolePrivilege(cur.RoleName) {
			best[p.AccountID] = p
		}
	}
	var out []awsconfig.SSOProfile
	for _, p := range best {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b awsconfig.SSOProfile) int { return strings.Compare(a.AccountID, b.AccountID) })
	return out
}

// rolePrivilege ranks roles: SuperAdmin or AdministratorAccess, then
// PowerUser, then ReadOnly, then anything else.
func rolePrivilege(role string) int {
	r := strings.ToLower(role)
	switch {
	case strings.Contains(r, "superadmin") || strings.Contains(r, "administratoraccess") || r == "admin":
		return 3
	case strings.Contains(r, "poweruser"):
		return 2
	case strings.Contains(r, "readonly") || strings.Contains(r, "securityaudit"):
		return 1
	}
	return 0
}
