package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscfg "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/goccy/go-yaml"
	"github.com/spf13/cobra"

	"github.com/keyless-dev/keyless/internal/awsconfig"
	"github.com/keyless-dev/keyless/internal/config"
	ic "github.com/keyless-dev/keyless/internal/identitycenter"
	"github.com/keyless-dev/keyless/internal/lazyre"
	"github.com/keyless-dev/keyless/internal/plural"
	"github.com/keyless-dev/keyless/internal/portal"
	"github.com/keyless-dev/keyless/internal/safefile"
	"github.com/keyless-dev/keyless/internal/shell"
)

type initOptions struct {
	aws              awsOptions
	yes              bool
	users            []string
	usersFile        string
	out              string
	shell            string
	waitTimeout      time.Duration
	pollInterval     time.Duration
	skipChecklist    bool
	confirmChecklist bool
	createOrg, apply *bool // nil: ask
	login, importIAM *bool
	people           []initPerson // from --user or --users-file
	rootKeys         bool         // step 1 found the root user's keys
	leftToDo         []string     // checklist items not confirmed
	instanceARN      string
}

func newInitCommand(g *globalOptions) *cobra.Command {
	o := &initOptions{}
	var createOrg, apply, login, importIAM bool
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Set up an AWS account for keyless, step by step",
		Long: `Walk through setting up IAM Identity Center in the account whose credentials
are in use (the organization's management account):

  1. who am I: the caller, and a warning if these are the root user's keys
  2. the organization: created (all features) if there is none, after asking
  3. Identity Center: found, or waited for while you enable it in the console
  4. the settings only the console can change: a checklist with links
  5. who gets what: people and roles written to keyless.yaml, then plan and apply
  6. this machine: the sso-session, a sign-in, profiles, and 'assume' for your shell
  7. next: audit, then the cleanup of root keys and IAM users

On a terminal it asks; in scripts every answer is a flag, and a question no
flag answers is a usage error naming the flag. --yes answers yes to creating
the organization, applying and signing in; the checklist always needs
--confirm-checklist or --skip-checklist.

Exit codes: 0 success, 1 error, 64 usage error (a missing answer), 130 interrupted.`,
		Example: `  keyless init
  keyless init --region eu-west-1 --yes --confirm-checklist \
    --user john@example.com:John:Doe:super_admin --user jane@example.com:Jane:Roe:readonly`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := cmd.Flags()
			answer := func(name string, v bool, byYes bool) *bool {
				if f.Changed(name) {
					return &v
				}
				if byYes && o.yes {
					t := true
					return &t
				}
				return nil
			}
			o.createOrg = answer("create-organization", createOrg, true)
			o.apply = answer("apply", apply, true)
			o.login = answer("login", login, true)
			o.importIAM = answer("import-iam-users", importIAM, false)
			if (len(o.users) > 0 || o.usersFile != "") && o.importIAM != nil && *o.importIAM {
				return usageErrorf("--import-iam-users and --user/--users-file both name the people: choose one")
			}
			if o.pollInterval <= 0 {
				return usageErrorf("--poll-interval must be above 0")
			}
			return runInit(cmd, g, o)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&o.yes, "yes", "y", false, "answer yes to creating the organization, applying and signing in")
	fl.BoolVar(&createOrg, "create-organization", false, "create an organization (all features) if there is none")
	fl.StringArrayVar(&o.users, "user", nil, "a person, as `EMAIL:GIVEN:FAMILY:ROLE` (role super_admin, power_user or readonly); repeatable")
	fl.StringVar(&o.usersFile, "users-file", "", "people from `FILE`, one EMAIL:GIVEN:FAMILY:ROLE a line ('#' comments)")
	fl.BoolVar(&importIAM, "import-iam-users", false, "start keyless.yaml from the account's IAM users (keyless import iam-users)")
	fl.StringVarP(&o.out, "out", "o", "keyless.yaml", "the configuration `FILE` to write (an existing one is used as it is)")
	fl.BoolVar(&apply, "apply", false, "apply keyless.yaml after showing the plan (--apply=false: stop after the plan)")
	fl.BoolVar(&login, "login", false, "sign in on this machine and write profiles (--login=false: skip)")
	fl.BoolVar(&o.skipChecklist, "skip-checklist", false, "do not go through the console-only settings")
	fl.BoolVar(&o.confirmChecklist, "confirm-checklist", false, "state that the console-only settings are done")
	fl.StringVar(&o.shell, "shell", "", "the `SHELL` to set up 'assume' for (default: from $SHELL)")
	fl.DurationVar(&o.waitTimeout, "wait-timeout", 30*time.Minute, "how long to wait for Identity Center to be enabled (0: do not wait)")
	fl.DurationVar(&o.pollInterval, "poll-interval", 5*time.Second, "how often to look for Identity Center while waiting")
	_ = fl.MarkHidden("poll-interval")
	o.aws.addFlags(fl)
	cmd.MarkFlagsMutuallyExclusive("skip-checklist", "confirm-checklist")
	cmd.MarkFlagsMutuallyExclusive("user", "users-file")
	return cmd
}

// initRun is one run of init: where it writes and how it asks.
type initRun struct {
	g    *globalOptions
	o    *initOptions
	ask  *prompter
	w    io.Writer
	step int
}

func (r *initRun) header(title string) {
	r.step++
	fmt.Fprintf(r.w, "\n%d. %s\n", r.step, title)
}

func (r *initRun) say(format string, a ...any) {
	fmt.Fprintf(r.w, "   "+format+"\n", a...)
}

func runInit(cmd *cobra.Command, g *globalOptions, o *initOptions) error {
	ctx := cmd.Context()
	r := &initRun{g: g, o: o, w: g.streams.Err, ask: &prompter{
		tty: isTerminal(g.streams.In) && isTerminal(g.streams.Err),
		in:  g.streams.In,
		out: g.streams.Err,
	}}
	if err := r.scripted(); err != nil {
		return err
	}
	fileRegion, err := r.fileRegion()
	if err != nil {
		return err
	}
	if err := r.resolveRegion(ctx, fileRegion); err != nil {
		return err
	}
	if err := r.readPeopleFlags(); err != nil {
		return err
	}
	clients, _, err := o.aws.clients(ctx, fileRegion, "")
	if err != nil {
		return err
	}
	fmt.Fprintf(r.w, "keyless init: setting up IAM Identity Center in %s.\n", clients.Region)

	r.header("Who am I")
	account, err := r.whoAmI(ctx, clients)
	if err != nil {
		return err
	}
	r.header("Organization")
	if err := r.organization(ctx, clients, account); err != nil {
		return err
	}
	r.header("Identity Center")
	if err := r.identityCenter(ctx, clients); err != nil {
		return err
	}
	r.header("Settings only the console can change")
	if err := r.checklist(ctx, clients.Region); err != nil {
		return err
	}
	r.header("Who gets what")
	portalURL, applied, err := r.people(ctx, cmd, clients.Region)
	if err != nil {
		return err
	}
	r.header("This machine")
	if err := r.machine(ctx, cmd, portalURL, clients.Region, applied); err != nil {
		return err
	}
	r.header("Next")
	r.next()
	return nil
}

// scripted fails at once, before anything changes, when there is no
// terminal and an answer every run needs has no flag.
func (r *initRun) scripted() error {
	o := r.o
	if r.ask.tty {
		return nil
	}
	if !o.skipChecklist && !o.confirmChecklist {
		return needFlag("are the console-only settings done?", "--confirm-checklist once they are, or --skip-checklist")
	}
	if _, err := os.Stat(o.out); err != nil && len(o.users) == 0 && o.usersFile == "" && (o.importIAM == nil || !*o.importIAM) {
		return needFlag("who gets access?", "--user EMAIL:GIVEN:FAMILY:ROLE (repeatable), --users-file FILE or --import-iam-users")
	}
	return nil
}

var regionPattern = lazyre.New(`^[a-z]{2}(-[a-z]+)+-\d+$`)

// fileRegion is the region of an existing --out file, which init uses as
// it is: Identity Center lives there, whatever AWS_REGION or the profile
// say, as for plan and apply.
func (r *initRun) fileRegion() (string, error) {
	if _, err := os.Stat(r.o.out); err != nil {
		return "", nil
	}
	cfg, err := config.Load(r.o.out)
	if err != nil {
		return "", err
	}
	return cfg.Region, nil
}

// resolveRegion makes sure a region is known: --region, the existing
// file's, the SDK's configuration, or an answer.
func (r *initRun) resolveRegion(ctx context.Context, fileRegion string) error {
	if r.o.aws.region != "" || fileRegion != "" {
		return nil
	}
	var opts []func(*awscfg.LoadOptions) error
	if r.o.aws.profile != "" {
		opts = append(opts, awscfg.WithSharedConfigProfile(r.o.aws.profile))
	}
	if cfg, err := awscfg.LoadDefaultConfig(ctx, opts...); err == nil && cfg.Region != "" {
		return nil
	}
	for {
		reg, err := r.ask.text(ctx, "AWS region for Identity Center (e.g. eu-west-1)", "", "--region")
		if err != nil {
			return err
		}
		if regionPattern.MatchString(reg) {
			r.o.aws.region = reg
			return nil
		}
		fmt.Fprintf(r.w, "%q is not a region name like eu-west-1.\n", reg)
	}
}

// isRootARN reports whether a caller ARN is an account's root user.
func isRootARN(arn string) bool { return strings.HasSuffix(arn, ":root") }

func (r *initRun) whoAmI(ctx context.Context, c *ic.Clients) (string, error) {
	id, err := c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", withHint(fmt.Errorf("find who these AWS credentials belong to: %w", err),
			"init needs administrator credentials of the organization's management account: set AWS_PROFILE or pass --profile")
	}
	arn := aws.ToString(id.Arn)
	r.say("Account %s, as %s", aws.ToString(id.Account), arn)
	if isRootARN(arn) {
		r.o.rootKeys = true
		r.say("warning: these are the root user's access keys. Use them only to finish this setup; afterwards")
		r.say("sign in through Identity Center and delete them (step 7: keyless cleanup).")
	}
	return aws.ToString(id.Account), nil
}

func (r *initRun) organization(ctx context.Context, c *ic.Clients, account string) error {
	out, err := c.Organizations.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	var none *orgtypes.AWSOrganizationsNotInUseException
	switch {
	case err == nil:
		org := out.Organization
		r.say("Organization %s (management account %s, %s features)", aws.ToString(org.Id), aws.ToString(org.MasterAccountId), org.FeatureSet)
		if aws.ToString(org.MasterAccountId) != account {
			r.say("warning: account %s is a member, not the management account: Identity Center's organization", account)
			r.say("instance lives in %s; run init with its credentials (or a delegated administrator's).", aws.ToString(org.MasterAccountId))
		}
		if org.FeatureSet != orgtypes.OrganizationFeatureSetAll {
			r.say("warning: Identity Center needs all features; enable them in the Organizations console:")
			r.say("https://console.aws.amazon.com/organizations/v2/home/settings")
		}
		return nil
	case !errors.As(err, &none):
		return fmt.Errorf("describe the organization: %w", err)
	}
	r.say("This account is in no organization. Identity Center gives access to an organization's accounts,")
	r.say("so keyless needs one; this account becomes its management account.")
	ok, err := r.ask.yesNo(ctx, "   Create an organization?", false, r.o.createOrg, "--create-organization (or --yes)")
	if err != nil {
		return err
	}
	if !ok {
		return withHint(errors.New("no organization: Identity Center needs one"),
			"run 'keyless init --create-organization', or create it at https://console.aws.amazon.com/organizations/v2/home")
	}
	created, err := c.Organizations.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll})
	if err != nil {
		return fmt.Errorf("create the organization: %w", err)
	}
	r.say("Created organization %s (all features).", aws.ToString(created.Organization.Id))
	return nil
}

// identityConsole is the Identity Center console of a region.
func identityConsole(region string) string {
	return fmt.Sprintf("https://%[1]s.console.aws.amazon.com/singlesignon/home?region=%[1]s#/", region)
}

func (r *initRun) identityCenter(ctx context.Context, c *ic.Clients) error {
	find := func() (string, string, error) {
		out, err := c.SSOAdmin.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
		if err != nil {
			return "", "", fmt.Errorf("list Identity Center instances: %w", err)
		}
		if len(out.Instances) == 0 {
			return "", "", nil
		}
		return aws.ToString(out.Instances[0].InstanceArn), aws.ToString(out.Instances[0].IdentityStoreId), nil
	}
	arn, store, err := find()
	if err != nil {
		return err
	}
	if arn == "" {
		r.say("Identity Center is not enabled in %s. It can only be enabled in the console (there is no API", c.Region)
		r.say("for an organization's instance). Open this link and choose Enable:")
		r.say("%s", identityConsole(c.Region))
		if r.o.waitTimeout <= 0 {
			return withHint(fmt.Errorf("no Identity Center instance in %s", c.Region), "enable it in the console, then run 'keyless init' again")
		}
		r.say("Waiting for it to appear (up to %s; Ctrl-C to stop)...", r.o.waitTimeout)
		deadline := time.Now().Add(r.o.waitTimeout)
		tick := time.NewTicker(r.o.pollInterval)
		defer tick.Stop()
		for arn == "" {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-tick.C:
			}
			if arn, store, err = find(); err != nil {
				return err
			}
			if arn == "" && time.Now().After(deadline) {
				return withHint(fmt.Errorf("no Identity Center instance appeared in %s within %s", c.Region, r.o.waitTimeout),
					"enable it at "+identityConsole(c.Region)+" (in this region), then run 'keyless init' again")
			}
		}
	}
	r.o.instanceARN = arn
	r.say("Identity Center %s (identity store %s)", arn, store)
	return nil
}

// checkItem is a setting only the console can change.
type checkItem struct {
	what, how, link string
	optional        bool
}

func checklistItems(region, instanceARN string) []checkItem {
	id := instanceARN[strings.LastIndex(instanceARN, "/")+1:]
	settings := fmt.Sprintf("%sinstances/%s/settings", identityConsole(region), id)
	return []checkItem{
		{"MFA at every sign-in", "Settings > Authentication > Multi-factor authentication: prompt users \"Every time they sign in\"", settings, false},
		{"MFA types: authenticator apps and security keys", "same page: allow \"Authenticator apps\" and \"Security keys and built-in authenticators\"", settings, false},
		{"Email OTP for users created from the API", "Settings > Authentication > Standard authentication: \"Send email OTP\" (otherwise people keyless adds get no invitation)", settings, false},
		{"Optional: a custom portal subdomain", "Settings > Identity source > AWS access portal URL > Customize (settable once; then set portal_url in keyless.yaml)", settings, true},
		{"IAM access to billing", "Account > IAM user and role access to Billing information > Activate IAM Access (as the root user)", "https://console.aws.amazon.com/billing/home#/account", false},
	}
}

func (r *initRun) checklist(ctx context.Context, region string) error {
	items := checklistItems(region, r.o.instanceARN)
	if r.o.skipChecklist {
		r.say("Skipped (--skip-checklist). Left to do in the console:")
		for _, it := range items {
			r.say("- %s: %s", it.what, it.link)
			if !it.optional {
				r.o.leftToDo = append(r.o.leftToDo, it.what)
			}
		}
		return nil
	}
	if !r.ask.tty && !r.o.confirmChecklist {
		return needFlag("are the console-only settings done?", "--confirm-checklist once they are, or --skip-checklist")
	}
	r.say("The API cannot change these; open each link, make the change, and confirm.")
	for i, it := range items {
		fmt.Fprintln(r.w)
		r.say("%d/%d %s", i+1, len(items), it.what)
		r.say("    %s", it.how)
		r.say("    %s", it.link)
		var done *bool
		if r.o.confirmChecklist {
			done = &r.o.confirmChecklist
		}
		ok, err := r.ask.yesNo(ctx, "   Done?", false, done, "--confirm-checklist")
		if err != nil {
			return err
		}
		if !ok && !it.optional {
			r.o.leftToDo = append(r.o.leftToDo, it.what)
		}
	}
	if r.o.confirmChecklist {
		fmt.Fprintln(r.w)
		r.say("Confirmed by --confirm-checklist.")
	}
	return nil
}

// initPerson is one entry of --user, --users-file or the prompts.
type initPerson struct{ email, given, family, role string }

var roles = []string{"super_admin", "power_user", "readonly"}

func parsePerson(s string) (initPerson, error) {
	f := strings.Split(s, ":")
	if len(f) != 4 {
		return initPerson{}, fmt.Errorf("%q is not EMAIL:GIVEN:FAMILY:ROLE", s)
	}
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	p := initPerson{f[0], f[1], f[2], f[3]}
	if !slices.Contains(roles, p.role) {
		return initPerson{}, fmt.Errorf("%q: role %q is not one of %s", s, p.role, strings.Join(roles, ", "))
	}
	return p, nil
}

// readPeopleFlags reads and checks --user and --users-file before anything
// changes, so that a typo costs nothing.
func (r *initRun) readPeopleFlags() error {
	o := r.o
	for _, s := range o.users {
		p, err := parsePerson(s)
		if err != nil {
			return usageErrorf("--user %v", err)
		}
		o.people = append(o.people, p)
	}
	if o.usersFile != "" {
		var err error
		if o.people, err = readPeople(o.usersFile); err != nil {
			return err
		}
		if len(o.people) == 0 {
			return usageErrorf("--users-file %s names nobody", o.usersFile)
		}
	}
	if len(o.people) == 0 {
		return nil
	}
	region := o.aws.region
	if region == "" {
		region = "us-east-1" // checked again with the real region when written
	}
	if _, err := peopleYAML(o.out, region, o.people); err != nil {
		flag := "--user"
		if o.usersFile != "" {
			flag = "--users-file " + o.usersFile
		}
		return usageErrorf("%s: %v", flag, peopleError(o.people, err))
	}
	return nil
}

var userPath = lazyre.New(`^users\[(\d+)\]`)

// peopleError says what is wrong with which person, rather than where in
// a file that is not written yet.
func peopleError(people []initPerson, err error) error {
	var ce *config.Errors
	if !errors.As(err, &ce) {
		return err
	}
	var msgs []string
	for _, p := range ce.Problems {
		who := p.Path
		if m := userPath.FindStringSubmatch(p.Path); m != nil {
			var i int
			fmt.Sscan(m[1], &i)
			if i < len(people) {
				who = people[i].email
			}
		}
		msgs = append(msgs, who+": "+p.Message)
	}
	return errors.New(strings.Join(msgs, "; "))
}

// readPeople reads --users-file: one initPerson a line, '#' comments.
func readPeople(path string) ([]initPerson, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usageErrorf("--users-file: %v", err)
	}
	var out []initPerson
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for n := 1; sc.Scan(); n++ {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		p, err := parsePerson(l)
		if err != nil {
			return nil, usageErrorf("--users-file %s:%d: %v", path, n, err)
		}
		out = append(out, p)
	}
	return out, nil
}

type fileUser struct {
	Email      string `yaml:"email"`
	GivenName  string `yaml:"given_name"`
	FamilyName string `yaml:"family_name"`
}

type initFile struct {
	Region        string     `yaml:"region"`
	Users         []fileUser `yaml:"users"`
	SuperAdmins   []string   `yaml:"super_admins,omitempty,flow"`
	PowerUsers    []string   `yaml:"power_users,omitempty,flow"`
	ReadonlyUsers []string   `yaml:"readonly_users,omitempty,flow"`
}

// peopleYAML is keyless.yaml in the Terraform module's shape, checked by
// the same code as every keyless.yaml.
func peopleYAML(path, region string, people []initPerson) ([]byte, error) {
	f := initFile{Region: region}
	for _, p := range people {
		f.Users = append(f.Users, fileUser{p.email, p.given, p.family})
		switch p.role {
		case "super_admin":
			f.SuperAdmins = append(f.SuperAdmins, p.email)
		case "power_user":
			f.PowerUsers = append(f.PowerUsers, p.email)
		default:
			f.ReadonlyUsers = append(f.ReadonlyUsers, p.email)
		}
	}
	body, err := yaml.Marshal(f)
	if err != nil {
		return nil, err
	}
	data := append([]byte("# Written by keyless init: the Terraform module's shape (docs/keyless-yaml.md).\n"), body...)
	if _, err := config.Parse(path, data); err != nil {
		return nil, err
	}
	return data, nil
}

// askPeople asks for people until an empty email.
func (r *initRun) askPeople(ctx context.Context, path, region string) ([]initPerson, error) {
	r.say("Add the people who get access; the first is usually you, as super_admin.")
	var people []initPerson
	for {
		email, err := r.ask.text(ctx, "   Email (empty when done)", "", "--user or --users-file")
		if err != nil {
			return nil, err
		}
		if email == "" {
			if len(people) == 0 {
				r.say("At least one person, please.")
				continue
			}
			return people, nil
		}
		p := initPerson{email: email}
		if p.given, err = r.ask.text(ctx, "   Given name", "", "--user"); err != nil {
			return nil, err
		}
		if p.family, err = r.ask.text(ctx, "   Family name", "", "--user"); err != nil {
			return nil, err
		}
		def := "readonly"
		if len(people) == 0 {
			def = "super_admin"
		}
		for {
			if p.role, err = r.ask.text(ctx, "   Role: super_admin, power_user or readonly", def, "--user"); err != nil {
				return nil, err
			}
			if slices.Contains(roles, p.role) {
				break
			}
			r.say("%q is not a role: type super_admin, power_user or readonly (or press Enter for %s).", p.role, def)
		}
		if _, err := peopleYAML(path, region, append(slices.Clone(people), p)); err != nil {
			r.say("Not added: %v", peopleError(append(slices.Clone(people), p), err))
			continue
		}
		people = append(people, p)
		r.say("Added %s %s <%s> as %s.", p.given, p.family, p.email, p.role)
	}
}

// people writes keyless.yaml (unless it exists), shows the plan and
// applies it. It returns the portal URL and whether the plan was applied.
func (r *initRun) people(ctx context.Context, cmd *cobra.Command, region string) (string, bool, error) {
	o := r.o
	_, statErr := os.Stat(o.out)
	exists := statErr == nil
	given := len(o.users) > 0 || o.usersFile != "" || (o.importIAM != nil && *o.importIAM)
	switch {
	case exists && given:
		return "", false, usageErrorf("--out %s exists, and the people flags would replace it\nhint: remove it, choose another --out, or leave out --user/--users-file/--import-iam-users to use it", o.out)
	case exists:
		r.say("Using %s as it is (people and roles come from it).", o.out)
	default:
		if err := r.writePeople(ctx, cmd, region); err != nil {
			return "", false, err
		}
	}

	po := &planOptions{aws: o.aws, file: o.out}
	p, run, err := computePlan(ctx, r.g, po)
	if err != nil {
		return "", false, err
	}
	if p.Empty() {
		r.say("Identity Center already matches %s.", o.out)
		r.say("Access portal: %s", p.PortalURL)
		return p.PortalURL, true, nil
	}
	fmt.Fprintln(r.w)
	p.Render(r.w, colorOK(r.w))
	ok, err := r.ask.yesNo(ctx, "\n   Apply these changes?", false, o.apply, "--apply (or --apply=false to stop after the plan)")
	if err != nil {
		return "", false, err
	}
	if !ok {
		r.say("Not applied. When ready: keyless apply -f %s", o.out)
		return p.PortalURL, false, nil
	}
	if err := applyPlan(ctx, r.g, p, run, r.w); err != nil {
		return "", false, err
	}
	return p.PortalURL, true, nil
}

func (r *initRun) writePeople(ctx context.Context, cmd *cobra.Command, region string) error {
	o := r.o
	people := o.people
	if len(people) == 0 {
		imported, err := r.importIAMUsers(ctx, cmd)
		if err != nil || imported {
			return err
		}
		if people, err = r.askPeople(ctx, o.out, region); err != nil {
			return err
		}
	}
	data, err := peopleYAML(o.out, region, people)
	if err != nil {
		return err
	}
	if err := safefile.Write(o.out, data, 0o644); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	r.say("Wrote %s (%s).", o.out, plural.Count(len(people), "person", "people"))
	return nil
}

// importIAMUsers offers 'keyless import iam-users', when this keyless has it.
func (r *initRun) importIAMUsers(ctx context.Context, cmd *cobra.Command) (bool, error) {
	o := r.o
	c, _, err := cmd.Root().Find([]string{"import", "iam-users"})
	has := err == nil && c.Name() == "iam-users"
	if !has {
		if o.importIAM != nil && *o.importIAM {
			return false, usageErrorf("--import-iam-users: this keyless has no 'import iam-users'\nhint: name the people with --user or --users-file")
		}
		return false, nil
	}
	if o.importIAM == nil && !r.ask.tty {
		return false, nil // the people prompts name the flags that are missing
	}
	ok, err := r.ask.yesNo(ctx, "   Start from this account's IAM users (keyless import iam-users)?", false, o.importIAM, "--import-iam-users")
	if err != nil || !ok {
		return false, err
	}
	root := newRootCommand(r.g)
	root.SetArgs([]string{"import", "iam-users", "--out", o.out})
	if err := root.ExecuteContext(ctx); err != nil {
		if errors.Is(err, errNoIAMUserImported) {
			// The checklist is done and nothing was written: ask for the
			// people rather than end here (init has no --map to offer).
			r.say("None of the IAM users could be imported (above); name the people who get access instead.")
			return false, nil
		}
		return false, fmt.Errorf("keyless import iam-users: %w", err)
	}
	return true, nil
}

func (r *initRun) machine(ctx context.Context, cmd *cobra.Command, portalURL, region string, applied bool) error {
	o := r.o
	if !applied {
		r.say("Skipped: sign in once %s is applied:", o.out)
		r.say("keyless login --start-url %s --region %s", portalURL, region)
	} else {
		ok, err := r.ask.yesNo(ctx, "   Sign in on this machine and write its AWS profiles?", true, o.login, "--login (or --login=false)")
		if err != nil {
			return err
		}
		if ok {
			lo := &loginOptions{startURL: portalURL, region: region, noSync: true}
			if err := runLogin(cmd, r.g, lo); err != nil {
				return err
			}
			e, err := newSigninEnv(r.g)
			if err != nil {
				return err
			}
			u, _ := url.Parse(portalURL)
			so := &syncOptions{session: defaultSessionName(u), tps: portal.DefaultTPS, nameTemplate: awsconfig.DefaultNameTemplate}
			if err := runSync(cmd, r.g, e, so); err != nil {
				return err
			}
		} else {
			r.say("Later: keyless login --start-url %s --region %s", portalURL, region)
		}
	}
	sh := o.shell
	if sh == "" {
		sh = filepath.Base(os.Getenv("SHELL"))
	}
	line, rc, ok := shellLine(sh)
	if !ok {
		if o.shell != "" {
			return usageErrorf("--shell %q: use one of %s", o.shell, strings.Join(shell.Shells(), ", "))
		}
		r.say("To get 'assume' in your shell, add keyless shell-init to its startup file (keyless shell-init --help).")
		return nil
	}
	r.say("To get 'assume PROFILE' in %s, add this line to %s:", sh, rc)
	r.say("  %s", line)
	return nil
}

// shellLine is the line that loads 'assume' and the file it goes in.
func shellLine(sh string) (line, rc string, ok bool) {
	switch sh {
	case "bash", "zsh":
		return fmt.Sprintf(`eval "$(keyless shell-init %s)"`, sh), "~/." + sh + "rc", true
	case "fish":
		return "keyless shell-init fish | source", "~/.config/fish/config.fish", true
	case "powershell", "pwsh":
		return "keyless shell-init powershell | Invoke-Expression", "$PROFILE", true
	}
	return "", "", false
}

func (r *initRun) next() {
	if len(r.o.leftToDo) > 0 {
		r.say("Still to do in the console: %s.", strings.Join(r.o.leftToDo, "; "))
	}
	r.say("Find the long-lived keys and IAM users left in your accounts:")
	r.say("  keyless audit")
	r.say("Then remove them, root access keys first, then IAM users (it shows what it would do first):")
	r.say("  keyless cleanup")
	if r.o.rootKeys {
		r.say("You ran init with the root user's keys: sign in with 'keyless login' and use an SSO profile from now on.")
	}
}
