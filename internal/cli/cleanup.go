package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"

	"github.com/keyless-dev/keyless/internal/audit"
	"github.com/keyless-dev/keyless/internal/awsconfig"
	"github.com/keyless-dev/keyless/internal/cleanup"
	kconfig "github.com/keyless-dev/keyless/internal/config"
	"github.com/keyless-dev/keyless/internal/plural"
)

type cleanupOptions struct {
	aws         awsOptions
	yes         bool
	deleteAfter string
	mapFile     string
	json        bool
	only        string
	user        string
	account     string
	mgmtProfile string
	reactivate  string
	file        string
	fileGiven   bool
	usage       usageOptions
}

func newCleanupCommand(g *globalOptions) *cobra.Command {
	o := &cleanupOptions{}
	cmd := &cobra.Command{
		Use:   "cleanup",
		Short: "Remove long-lived credentials the audit found: keys, IAM users, root credentials, local keys",
		Long: `Turn what 'keyless audit' finds into actions. Without --yes it only prints
what it would do and why, and what it refuses and why.

  keys    deactivate flagged access keys (unused 45+ days, older than 90 days,
          a second active key, keys of IAM users moving to Identity Center);
          delete them once inactive for --delete-after and unused since.
          keyless records when it deactivated a key in the IAM user tag
          keyless:deactivated:<KEYID>.
  users   delete IAM users whose person has an Identity Center user with
          access (matched by the email/Email tag, the user name, or --map),
          after a JSON backup in ~/.aws/keyless/backups/<account>/;
          and machine users whose replacement is in use: a workloads:
          entry in keyless.yaml (-f) with like_user: USER whose role was
          used (RoleLastUsed, or AssumeRoleWithWebIdentity in CloudTrail)
          after the user's keys last were. Their keys are deactivated
          first and the user deleted after --delete-after, as for people.
  root    delete a member account's root credentials through sts:AssumeRoot
          (--management-profile, centralized root access), else print the
          console steps.
  local   move long-lived keys out of ~/.aws/credentials (backed up) once an
          SSO profile of the same name works.

It never touches the break-glass way in keyless.yaml names (break_glass:):
not the break-glass IAM user, its password, MFA devices, groups or keys,
and never removes the root user's credentials when that would leave the
account with no way in (no break-glass user, no break-glass way into the
management account to restore them from). A key keyless.yaml declares
under key_exceptions: stays active until the exception expires.

It never touches the access key or IAM user it runs as, nor the keys its
credentials stand on (the static keys behind a role_arn profile's
source_profile chain; a credential_process it cannot see through is named
in a warning), nor another account than the credentials'.

The dry run shows, for every key and user it would act on, who will
break: what called with the key in the last 90 days (CloudTrail
LookupEvents: actions, source addresses, user agents, last call), and
each user's class (person, ci-pipeline, aws-workload, outside-service,
unknown) with the replacement that fits. A key CloudTrail shows called in
the last 45 days is not deactivated until its replacement is shown in use:
a machine user's workload role; never a person's Identity Center user,
whose sign-ins keyless cannot see (and which do not replace a server
calling with her key). Right before acting it asks IAM
for each key's last use again, and leaves alone a key used after the plan
was made. A key used after keyless deactivated it is reported on the next
run with where the calls came from; --reactivate KEY undoes the
deactivation at once (the safe direction: no --yes needed; logged).
--no-usage skips CloudTrail (then no machine user is retired). With --yes on a
terminal it asks you to type the account id (a wrong one changes nothing
and exits 1); without a terminal --yes acts. Every action and refusal is
appended to ~/.aws/keyless/audit.log.

Exit codes: 0 success (dry run included), 1 error or a failed action, 64 usage error.`,
		Example: `  keyless cleanup                      # dry run: what and why
  keyless cleanup --only keys --yes
  keyless cleanup --map people.yaml --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.fileGiven = cmd.Flags().Changed("file")
			return runCleanup(cmd.Context(), g, o)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.yes, "yes", "y", false, "act (on a terminal, after typing the account id)")
	f.StringVar(&o.deleteAfter, "delete-after", "7d", "how long a key stays deactivated, unused, before it is deleted (7d, 36h; 0 deletes at the next run)")
	f.StringVar(&o.mapFile, "map", "", "YAML file mapping IAM user names to Identity Center user names or emails")
	f.BoolVar(&o.json, "json", false, "print the plan (and results) as JSON")
	f.StringVar(&o.only, "only", "", "only one part: keys, users, root or local")
	f.StringVar(&o.user, "user", "", "only this IAM user")
	f.StringVar(&o.account, "account", "", "refuse to act unless the credentials are for this account id")
	f.StringVar(&o.mgmtProfile, "management-profile", "", "profile of the organization's management account, for sts:AssumeRoot")
	f.StringVar(&o.reactivate, "reactivate", "", "make the deactivated access key `KEY` active again, at once, and stop its retirement")
	f.StringVarP(&o.file, "file", "f", "keyless.yaml", "the keyless.yaml `FILE` naming the break-glass way in (break_glass:), which cleanup never removes, and the workloads: (like_user) that replace machine users")
	o.usage.addFlags(f)
	o.aws.addFlags(f)
	return cmd
}

// parseDays reads 7d (days) or a Go duration (36h).
func parseDays(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		d, err := strconv.Atoi(n)
		if err == nil && d >= 0 {
			return time.Duration(d) * 24 * time.Hour, nil
		}
	} else if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return d, nil
	}
	return 0, usageErrorf("--delete-after %q: use days (7d) or a duration (36h)", s)
}

func runCleanup(ctx context.Context, g *globalOptions, o *cleanupOptions) error {
	grace, err := parseDays(o.deleteAfter)
	if err != nil {
		return err
	}
	only, err := cleanup.ParseScope(o.only)
	if err != nil {
		return usageErrorf("%v", err)
	}
	if err := o.usage.validate(); err != nil {
		return err
	}
	if o.reactivate != "" && o.yes {
		return usageErrorf("--reactivate acts at once: drop --yes")
	}
	workloads, err := cleanupWorkloads(o)
	if err != nil {
		return err
	}
	var mapping map[string]string
	if o.mapFile != "" {
		if mapping, err = cleanup.LoadMap(o.mapFile); err != nil {
			return err
		}
	}
	// Read before anything else, so that a broken file changes nothing.
	var file *kconfig.Config
	if _, statErr := os.Stat(o.file); o.fileGiven || !errors.Is(statErr, fs.ErrNotExist) {
		// Without the default file nothing is declared: the guards assume
		// no break-glass way in.
		if file, err = kconfig.Load(o.file); err != nil {
			return err
		}
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return withHint(fmt.Errorf("find the home directory: %w", err), "set HOME")
	}
	clients, cfg, err := o.aws.clients(ctx, "", "us-east-1")
	if err != nil {
		return err
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return withHint(fmt.Errorf("get AWS credentials: %w", err), "check --profile, or run keyless login")
	}
	ac := audit.Clients{IAM: iam.NewFromConfig(cfg), STS: sts.NewFromConfig(cfg), Organizations: organizations.NewFromConfig(cfg), IdentityCenter: clients}
	fmt.Fprintln(g.streams.Err, "Reading the account...")
	st, err := audit.Collect(ctx, ac, audit.CollectOptions{})
	if err != nil {
		return err
	}
	if o.account != "" && o.account != st.AccountID {
		return usageErrorf("--account %s: the credentials are for account %s; keyless acts only on the credentials' account\nhint: pick the profile of %s with --profile", o.account, st.AccountID, o.account)
	}
	for _, gap := range st.Gaps {
		fmt.Fprintf(g.streams.Err, "warning: %s refused or failed (%s): what it reads is left out of the plan\n", gap.Action, gap.Err)
	}
	if file != nil {
		st.Declared = declared(file, st)
	}
	in := cleanup.Input{State: st, CallerKeyID: creds.AccessKeyID, Now: time.Now(), DeleteAfter: grace, Map: mapping, Only: only, User: o.user}
	if in.ChainKeys, err = ownChain(g, home, o.aws.profile); err != nil {
		return err
	}
	if grace == 0 {
		fmt.Fprintln(g.streams.Err, "warning: --delete-after 0: a deactivated key is deleted at the next run, with no time to find who still uses it")
	}
	if !st.Known("iam:ListUserTags") {
		// The tags hold when keyless deactivated each key, and people's emails.
		return withHint(errors.New("the IAM users' tags could not be read (iam:ListUserTags): cleanup needs them to plan"), "allow iam:ListUserTags to the credentials")
	}
	in.Tags = map[string]map[string]string{}
	for _, u := range st.Users {
		in.Tags[u.Name] = u.Tags
	}
	ex := &cleanup.Executor{IAM: ac.IAM, STS: ac.STS, BackupDir: filepath.Join(home, ".aws", "keyless", "backups"),
		Log: &cleanup.AuditLog{Path: filepath.Join(home, ".aws", "keyless", "audit.log")}, CredentialsPath: credentialsPath(home)}
	if o.reactivate != "" {
		r, err := ex.Reactivate(ctx, st, o.reactivate)
		if err != nil {
			return err
		}
		fmt.Fprintf(g.streams.Out, "%s %s %s: %s\n", r.Outcome, r.Action.Kind, r.Action.Target, r.Detail)
		return nil
	}
	in.Workloads = workloads
	if !o.usage.off {
		if err := cleanupUsage(ctx, g, o, st, cfg, &in); err != nil {
			return err
		}
	}
	if o.mgmtProfile != "" && (only == cleanup.All || only == cleanup.Root) {
		mgmt, err := loadAWSConfig(ctx, config.WithSharedConfigProfile(o.mgmtProfile), config.WithRegion(cfg.Region))
		if err != nil {
			return withHint(fmt.Errorf("load --management-profile %s: %w", o.mgmtProfile, err), "check ~/.aws/config")
		}
		if st.Organization != nil && st.Organization.ManagementAccountID != st.AccountID {
			if st.Organization.RootFeatures, err = cleanup.RootFeatures(ctx, iam.NewFromConfig(mgmt)); err != nil {
				return err
			}
			if in.RootCredentials, err = audit.AuditRoot(ctx, mgmt, st.AccountID); err != nil {
				fmt.Fprintf(g.streams.Err, "warning: %v\n", err)
			}
		}
		in.RootSession, ex.AssumeRoot = true, cleanup.AssumeRootWith(mgmt)
	}
	if (only == cleanup.All || only == cleanup.Local) && o.user == "" {
		works := func(ctx context.Context, profile string) error {
			_, _, err := roleCredentials(ctx, g, profile, false)
			return err
		}
		if in.Local, err = cleanup.ReadLocal(ctx, ex.CredentialsPath, awsconfig.ConfigPath(), works); err != nil {
			return err
		}
	}
	p := cleanup.Build(in)
	if !o.yes {
		if o.json {
			return writeJSON(g.streams.Out, struct {
				Plan *cleanup.Plan `json:"plan"`
			}{p})
		}
		printPlan(g.streams.Out, p)
		fmt.Fprintf(g.streams.Err, "\nDry run: nothing changed. %s would run; run 'keyless cleanup --yes' to carry them out.\n", plural.Count(p.Ready(), "action", "actions"))
		return nil
	}
	if !o.json {
		printPlan(g.streams.Out, p)
	}
	if isTerminal(g.streams.In) && p.Ready() > 0 {
		fmt.Fprintf(g.streams.Err, "\nThis changes account %s. Type the account id to go ahead: ", p.Account)
		line, err := bufio.NewReader(g.streams.In).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("read answer: %w", err)
		}
		if strings.TrimSpace(line) != p.Account {
			return withHint(fmt.Errorf("that is not the account id %s: nothing changed", p.Account), "run keyless cleanup --yes again and type "+p.Account)
		}
	}
	ex.Progress = func(a cleanup.Action) { fmt.Fprintf(g.streams.Err, "%s %s...\n", a.Kind, a.Target) }
	results, runErr := ex.Run(ctx, p)
	if o.json {
		if err := writeJSON(g.streams.Out, struct {
			Plan    *cleanup.Plan    `json:"plan"`
			Results []cleanup.Result `json:"results"`
		}{p, results}); err != nil {
			return err
		}
	} else {
		printResults(g.streams.Out, results)
	}
	if runErr != nil {
		return withHint(runErr, "run 'keyless cleanup' again: it plans what is left; backups are in ~/.aws/keyless/backups")
	}
	return nil
}

// ownChain finds the long-lived keys the caller's credentials stand on
// (source_profile chains), and warns about the links keyless cannot read.
func ownChain(g *globalOptions, home, profile string) (map[string]string, error) {
	cfg, err := awsconfig.Load(awsconfig.ConfigPath())
	if err != nil {
		return nil, err
	}
	creds, err := awsconfig.Load(credentialsPath(home))
	if err != nil {
		return nil, err
	}
	c := cleanup.ResolveChain(cleanup.ChainInput{Profile: profile, Config: cfg, Credentials: creds, Getenv: os.Getenv})
	for _, o := range c.Opaque {
		fmt.Fprintf(g.streams.Err, "warning: %s: make sure the plan below does not deactivate that key\n", o)
	}
	return c.Keys, nil
}

func credentialsPath(home string) string {
	if p := os.Getenv("AWS_SHARED_CREDENTIALS_FILE"); p != "" {
		return p
	}
	return filepath.Join(home, ".aws", "credentials")
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

var stateMark = map[cleanup.State]string{cleanup.Ready: "+", cleanup.Waiting: "~", cleanup.Refused: "!", cleanup.Manual: "?"}

// printPlan shows each action: + runs, ~ waits, ! refused, ? for you to do.
func printPlan(w io.Writer, p *cleanup.Plan) {
	fmt.Fprintf(w, "Cleanup of account %s, as %s:\n", p.Account, p.CallerARN)
	if len(p.Actions) == 0 {
		fmt.Fprintln(w, "  nothing to do")
		return
	}
	for _, a := range p.Actions {
		target := a.Target
		if a.Account == "local" {
			target = "local profile " + a.Target + " (" + a.KeyID + ")"
		}
		fmt.Fprintf(w, "\n%s %s %s\n    because: %s\n", stateMark[a.State], a.Kind, target, a.Reason)
		if c := a.Class; c != nil {
			replacement := c.Replacement
			if a.Workload != "" {
				// keyless.yaml already names it: the evidence's guess is moot.
				replacement = "the workloads: entry " + a.Workload + " (keyless.yaml)"
			}
			fmt.Fprintf(w, "    class: %s (%s)\n    replacement: %s\n", c.Class, strings.Join(c.Reasons, "; "), replacement)
		}
		for i, l := range a.Breaks {
			if i == 0 {
				fmt.Fprintln(w, "    who will break:")
			}
			fmt.Fprintf(w, "      %s\n", l)
		}
		switch a.State {
		case cleanup.Refused:
			fmt.Fprintf(w, "    refused: %s\n", a.Why)
		case cleanup.Waiting:
			fmt.Fprintf(w, "    waits: %s\n", a.Why)
		case cleanup.Manual:
			fmt.Fprintf(w, "    %s; do it yourself:\n", a.Why)
		}
		for i, s := range a.Steps {
			fmt.Fprintf(w, "    %d. %s\n", i+1, s)
		}
	}
	fmt.Fprintln(w, "\nLegend: + runs with --yes, ~ waits, ! refused, ? for you to do")
}

func printResults(w io.Writer, results []cleanup.Result) {
	fmt.Fprintln(w, "\nResults:")
	for _, r := range results {
		if r.Action.State != cleanup.Ready {
			continue
		}
		line := fmt.Sprintf("  %s %s %s", r.Outcome, r.Action.Kind, r.Action.Target)
		if r.Detail != "" {
			line += ": " + r.Detail
		}
		if r.Backup != "" {
			line += " (backup " + r.Backup + ")"
		}
		fmt.Fprintln(w, line)
	}
}
