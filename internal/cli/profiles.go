package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyless-dev/keyless/internal/awsconfig"
	"github.com/keyless-dev/keyless/internal/elevation"
	"github.com/keyless-dev/keyless/internal/plural"
	"github.com/keyless-dev/keyless/internal/portal"
	"github.com/keyless-dev/keyless/internal/signin"
)

type syncOptions struct {
	session           string
	prune, dryRun     bool
	nameTemplate      string
	region            string
	def               string
	credentialProcess bool
	tps               float64
	json              bool
}

func newProfilesCommand(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profiles",
		Short: "Write and list AWS profiles for every account and role you can use",
	}
	cmd.AddCommand(newProfilesSyncCommand(g), newProfilesListCommand(g))
	return cmd
}

func newProfilesSyncCommand(g *globalOptions) *cobra.Command {
	o := &syncOptions{}
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Write one profile per account and role you can use to ~/.aws/config",
		Long: `List every account and role the signed-in person can use (the portal's
ListAccounts and ListAccountRoles, under its 20 requests/s quota) and write one
[profile ...] per account and role, with sso_session, sso_account_id,
sso_role_name and region.

keyless writes its profiles between '# BEGIN keyless profiles NAME' and
'# END keyless profiles NAME' lines and changes nothing else in the file. A
profile of the same name outside that block is yours and is left alone: when
it is not an SSO profile of that role, keyless writes its own as NAME-keyless
and says so. Your file as it was before keyless first changed it is kept as
~/.aws/config.keyless-backup. A read-only config (chmod a-w) is not changed.

Names follow the AWS CLI (<RoleName>-<AccountId>) unless --name-template
says otherwise, e.g. --name-template '{{.AccountName}}/{{.RoleName}}'
(fields: .AccountID .AccountName .AccountEmail .RoleName .Session).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, err := newSigninEnv(g)
			if err != nil {
				return err
			}
			return runSync(cmd, g, e, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.session, "session", "", "sso-session `NAME` (default: the only one)")
	f.BoolVar(&o.prune, "prune", false, "remove keyless's profiles for roles no longer assigned")
	f.BoolVar(&o.dryRun, "dry-run", false, "print the change to ~/.aws/config as a diff and write nothing")
	f.StringVar(&o.nameTemplate, "name-template", awsconfig.DefaultNameTemplate, "Go `TEMPLATE` for profile names")
	f.StringVar(&o.region, "region", "", "`REGION` written into each profile (default: the sso-session's region)")
	f.StringVar(&o.def, "default", "", "also write [default] for `ROLE@ACCOUNT` (account id or name)")
	f.BoolVar(&o.credentialProcess, "credential-process", false, "add credential_process to each profile, for tools that cannot read SSO profiles")
	f.Float64Var(&o.tps, "tps", portal.DefaultTPS, "portal requests per second (its quota is 20)")
	f.BoolVar(&o.json, "json", false, "print what changed as JSON on stdout")
	return cmd
}

// syncReport is what profiles sync did, as --json prints it.
type syncReport struct {
	Session   string   `json:"session"`
	Config    string   `json:"config"`
	DryRun    bool     `json:"dry_run"`
	Diff      string   `json:"diff,omitempty"` // with dry_run
	Accounts  int      `json:"accounts"`
	Roles     int      `json:"roles"`
	Added     []string `json:"added"`
	Changed   []string `json:"changed"`
	Unchanged []string `json:"unchanged"`
	Removed   []string `json:"removed"`
	Kept      []string `json:"kept"`
	Skipped   []string `json:"skipped"`
	Renamed   []rename `json:"renamed"`
	wrote     bool     // the file changed
	// example is the added profile the summary shows in use: not the
	// elevation commands' KeylessElevation role, which may do nothing
	// else ("": only that was added).
	example string
}

// rename is a profile written under another name, since a section of the
// person's own has its name.
type rename struct {
	Profile   string `json:"profile"`    // the name the person's own section has
	WrittenAs string `json:"written_as"` // the name keyless wrote
}

// runSync syncs the profiles and reports it: JSON on stdout with --json,
// else a summary on stderr (and the --dry-run diff on stdout).
func runSync(cmd *cobra.Command, g *globalOptions, e *signinEnv, o *syncOptions) error {
	r, err := syncProfiles(cmd, g, e, o)
	if err != nil {
		return err
	}
	if o.json {
		return json.NewEncoder(g.streams.Out).Encode(r)
	}
	if o.dryRun {
		fmt.Fprint(g.streams.Out, r.Diff)
	}
	w := g.streams.Err
	verb := "Wrote"
	if o.dryRun {
		verb = "Would write"
	} else if !r.wrote {
		verb = "No change to"
	}
	fmt.Fprintf(w, "%s %s: %s in %s; %d added, %d changed, %d removed, %d unchanged.\n",
		verb, r.Config, plural.Count(r.Roles, "role", "roles"), plural.Count(r.Accounts, "account", "accounts"), len(r.Added), len(r.Changed), len(r.Removed), len(r.Unchanged))
	if len(r.Kept) > 0 {
		fmt.Fprintf(w, "Kept %s keyless no longer writes (%s): their roles are no longer assigned, or --name-template renamed them; --prune removes them.\n", plural.Count(len(r.Kept), "profile", "profiles"), short(r.Kept))
	}
	wrote := "wrote"
	if o.dryRun {
		wrote = "would write"
	}
	for _, rn := range r.Renamed {
		fmt.Fprintf(w, "Profile %s is your own (outside keyless's block, not an SSO profile of that role) and was left as it is; keyless %s its profile as %s.\n", rn.Profile, wrote, rn.WrittenAs)
	}
	if len(r.Skipped) > 0 {
		fmt.Fprintf(w, "Skipped %s already defined outside this sso-session's block, by your own sections or keyless's block of another sso-session (%s); they are left as they are.\n", plural.Count(len(r.Skipped), "profile", "profiles"), short(r.Skipped))
	}
	switch {
	case len(r.Added) == 0 || o.dryRun:
	case r.example != "":
		fmt.Fprintf(w, "Use one with: aws sts get-caller-identity --profile %s\n", r.example)
	default:
		fmt.Fprintf(w, "The %s profile is for the elevation commands: keyless request, keyless requests.\n", elevation.PermissionSetName)
	}
	return nil
}

// syncProfiles lists the person's accounts and roles and writes (or with
// --dry-run, diffs) their profiles.
func syncProfiles(cmd *cobra.Command, g *globalOptions, e *signinEnv, o *syncOptions) (*syncReport, error) {
	ctx := cmd.Context()
	if o.tps <= 0 {
		return nil, usageErrorf("--tps must be above 0")
	}
	f, err := e.loadConfig()
	if err != nil {
		return nil, err
	}
	s, err := e.session(f, o.session, cmd.CommandPath())
	if err != nil {
		return nil, err
	}
	tok, err := e.m.Token(ctx, s)
	var lr *signin.LoginRequiredError
	if errors.As(err, &lr) && e.offerLogin(lr) {
		var res signin.LoginResult
		res, err = e.m.Login(ctx, s, signin.LoginOptions{})
		tok = res.Token
	}
	if err != nil {
		return nil, err
	}
	client, err := e.m.Portal(ctx, s)
	if err != nil {
		return nil, err
	}
	prog := newProgress(g.streams.Err)
	access, err := portal.List(ctx, client, tok.AccessToken, portal.Options{
		TPS:      o.tps,
		Progress: func(done, total int) { prog.Update(done, total, "accounts listed") },
	})
	prog.Done()
	if err != nil {
		if errors.Is(err, portal.ErrTokenExpired) {
			return nil, withHint(fmt.Errorf("list your accounts: %w", err), "sign in again with: "+s.LoginCommand())
		}
		return nil, fmt.Errorf("list your accounts: %w", err)
	}
	in := awsconfig.SyncInput{
		Session:      s.Name,
		NameTemplate: o.nameTemplate,
		Region:       o.region,
		Default:      o.def,
		Prune:        o.prune,
	}
	if in.Region == "" {
		in.Region = s.Region
	}
	for _, a := range access {
		in.Access = append(in.Access, awsconfig.Access{AccountID: a.AccountID, AccountName: a.AccountName, AccountEmail: a.AccountEmail, RoleName: a.RoleName})
	}
	if o.credentialProcess {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("find keyless's own path for credential_process: %w", err)
		}
		in.CredentialProcess = exe
	}

	var res awsconfig.SyncResult
	var example string
	apply := func(f *awsconfig.File) error {
		var err error
		res, err = awsconfig.Sync(f, in)
		if err != nil {
			return syncFlagError(err)
		}
		example = ""
		for _, name := range res.Added {
			if sec, ok := f.Profile(name); ok {
				if role, _ := sec.Get("sso_role_name"); role != elevation.PermissionSetName {
					example = name
					break
				}
			}
		}
		return nil
	}
	r := &syncReport{Session: s.Name, Config: e.configPath, DryRun: o.dryRun, Accounts: countAccounts(access), Roles: len(access)}
	if o.dryRun {
		old := f.Bytes()
		if err := apply(f); err != nil {
			return nil, err
		}
		r.Diff = awsconfig.Diff(e.configPath, old, f.Bytes())
	} else {
		old, new, err := awsconfig.Update(e.configPath, apply)
		if err != nil {
			return nil, err
		}
		r.wrote = string(old) != string(new)
	}
	r.Added, r.Changed, r.Unchanged = nonNil(res.Added), nonNil(res.Changed), nonNil(res.Unchanged)
	r.Removed, r.Kept, r.Skipped = nonNil(res.Removed), nonNil(res.Kept), nonNil(res.Skipped)
	r.example = example
	r.Renamed = []rename{}
	for _, rn := range res.Renamed {
		r.Renamed = append(r.Renamed, rename{Profile: rn.From, WrittenAs: rn.To})
	}
	return r, nil
}

// syncFlagError makes Sync's bad-template and bad-default errors usage
// errors: they are the person's flags.
func syncFlagError(err error) error {
	msg := err.Error()
	if strings.Contains(msg, "--name-template") || strings.Contains(msg, "--default") {
		return usageErrorf("%s", msg)
	}
	return err
}

func countAccounts(access []portal.Access) int {
	seen := map[string]bool{}
	for _, a := range access {
		seen[a.AccountID] = true
	}
	return len(seen)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func short(names []string) string {
	if len(names) <= 5 {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:5], ", ") + fmt.Sprintf(" and %d more", len(names)-5)
}

func newProfilesListCommand(g *globalOptions) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the SSO profiles in ~/.aws/config",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := awsconfig.Load(awsconfig.ConfigPath())
			if err != nil {
				return err
			}
			type row struct {
				Profile   string `json:"profile"`
				Session   string `json:"sso_session,omitempty"`
				StartURL  string `json:"sso_start_url"`
				AccountID string `json:"account_id"`
				RoleName  string `json:"role_name"`
				Region    string `json:"region,omitempty"`
			}
			rows := []row{}
			for _, p := range ssoProfiles(f) {
				rows = append(rows, row{p.Profile, p.Session, p.StartURL, p.AccountID, p.RoleName, p.Region})
			}
			if asJSON {
				return json.NewEncoder(g.streams.Out).Encode(rows)
			}
			for _, r := range rows {
				fmt.Fprintf(g.streams.Out, "%s\t%s\t%s\n", r.Profile, r.AccountID, r.RoleName)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// ssoProfiles are the profiles that name a role through SSO.
func ssoProfiles(f *awsconfig.File) []awsconfig.SSOProfile {
	var out []awsconfig.SSOProfile
	for _, sec := range f.Profiles() {
		if p, err := f.SSO(sec.Name); err == nil && p.AccountID != "" {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b awsconfig.SSOProfile) int { return strings.Compare(a.Profile, b.Profile) })
	return out
}
