package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"

	"github.com/keyless-dev/keyless/internal/awsconfig"
	"github.com/keyless-dev/keyless/internal/plural"
	"github.com/keyless-dev/keyless/internal/workloads"
)

type importWorkloadsOptions struct {
	aws         awsOptions
	out         string
	yes         bool
	noAdopt     bool
	allAccounts bool
	orgRole     string
	json        bool
}

// importWorkloadsReport is what --json prints.
type importWorkloadsReport struct {
	File    string   `json:"file"`
	Added   []string `json:"added"`   // the workload entries written
	Skipped []string `json:"skipped"` // "role NAME in account ID: why"
	Adopted []string `json:"adopted"` // "role NAME in account ID"
}

func newImportWorkloadsCommand(g *globalOptions) *cobra.Command {
	o := &importWorkloadsOptions{}
	cmd := &cobra.Command{
		Use:   "workloads",
		Short: "Adopt existing OIDC roles as keyless.yaml workloads",
		Long: `Find the roles whose trust policy names an IAM OIDC provider (CI
pipelines assuming roles with web identity) and write each as a
keyless.yaml workloads: entry: the provider recognised from the issuer and
sub (github in either subject form, gitlab including self-managed,
circleci, bitbucket, buildkite, terraform_cloud, else oidc with the exact
sub), the role's name and path, its managed policies, its inline policy
named keyless, boundary and max session duration.

With --all-accounts every account of the organization is read, as keyless
audit --all-accounts reaches them: through your SSO profiles, or, without
any, member accounts through --org-role assumed with the management
account's credentials. A role found alike (same trust, name and policies)
in several accounts becomes one entry with accounts: [...].

A role is listed on stderr with the reason, and neither written nor
adopted, when no entry writes the same trust: several statements,
conditions besides aud and sub, a sub that admits more than one repository
or project, or no policy keyless.yaml can name.

When --out exists, the entries are added to the end of its workloads:
(created when missing); every other line and comment stays, and the file
before is kept as FILE.bak. --out - prints the entries instead.

Then, after asking (or with --yes), keyless marks the roles as its own as
docs/ownership.md describes: tags managed-by=keyless and
keyless-workload=NAME, and [keyless] at the end of the description.
Nothing else about them changes; keyless plan on the file shows no change
to them.

Exit codes: 0 success, 1 error, 64 usage error.`,
		Example: `  keyless import workloads --all-accounts --yes
  keyless import workloads --out - --no-adopt   # print the entries only`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runImportWorkloads(cmd.Context(), g, o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.out, "out", "o", "keyless.yaml", "the keyless.yaml to add the entries to (- for stdout)")
	f.BoolVarP(&o.yes, "yes", "y", false, "adopt without asking")
	f.BoolVar(&o.noAdopt, "no-adopt", false, "only write the entries; do not mark any role as keyless's")
	f.BoolVar(&o.allAccounts, "all-accounts", false, "read every account, through your SSO profiles or Organizations")
	f.BoolVar(&o.json, "json", false, "print what was written, skipped and adopted as JSON on stdout")
	f.StringVar(&o.orgRole, "org-role", "OrganizationAccountAccessRole", "with --all-accounts and no SSO profiles: the `ROLE` to assume in member accounts")
	o.aws.addFlags(f)
	return cmd
}

func runImportWorkloads(ctx context.Context, g *globalOptions, o *importWorkloadsOptions) error {
	if o.json && o.out == "-" {
		return usageErrorf("--json and --out - both write to stdout: choose one")
	}
	rep := importWorkloadsReport{File: o.out, Added: []string{}, Skipped: []string{}, Adopted: []string{}}
	done := func() error {
		if !o.json {
			return nil
		}
		return writeJSON(g.streams.Out, rep)
	}
	file, err := readImportTarget(o.out)
	if err != nil {
		return err
	}
	clients, err := importAccounts(ctx, g, o)
	if err != nil {
		return err
	}
	var found []workloads.Adoption
	for _, acct := range slices.Sorted(maps.Keys(clients)) {
		f, skipped, err := workloads.FindAdoptable(ctx, clients[acct], acct)
		if err != nil {
			return err
		}
		for _, s := range skipped {
			fmt.Fprintf(g.streams.Err, "skipped role %s in account %s: %s\n", s.Role, s.Account, s.Reason)
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("role %s in account %s: %s", s.Role, s.Account, s.Reason))
		}
		found = append(found, f...)
	}
	if len(found) == 0 {
		fmt.Fprintln(g.streams.Err, "No role to adopt: no role trusting an OIDC provider that keyless does not manage already.")
		return done()
	}
	// A role the file already names (an import whose adopting was
	// declined, or an entry written by hand) is adopted for that entry,
	// never written twice.
	var present []workloads.Import
	found = slices.DeleteFunc(found, func(a workloads.Adoption) bool {
		name, ok := file.workloadFor(a.Role)
		if ok {
			fmt.Fprintf(g.streams.Err, "role %s in account %s is already in %s as workload %s\n", a.Role, a.Account, file.path, name)
			present = append(present, workloads.Import{Name: name, Roles: []workloads.Adoption{a}})
		}
		return ok
	})
	imports := workloads.Collapse(found, file.names())
	if len(imports) > 0 {
		if err := file.write(g, imports); err != nil {
			return err
		}
	}
	rep.Added = importNames(imports)
	imports = append(imports, present...)
	if o.noAdopt {
		return done()
	}
	n := 0
	for _, im := range imports {
		n += len(im.Roles)
	}
	fmt.Fprintf(g.streams.Err, "\nTo adopt them, keyless marks %s as its own (nothing else about them changes):\n", plural.Count(n, "role", "roles"))
	for _, im := range imports {
		fmt.Fprintf(g.streams.Err, "  ~ role %s in %s as workload %s\n", im.Roles[0].Role, strings.Join(im.Accounts(), ", "), im.Name)
	}
	if !o.yes {
		ok, err := confirm(g.streams.In, g.streams.Err, "\nAdopt them?")
		if errors.Is(err, errNoTerminal) {
			return usageErrorf("adopting needs confirmation, and there is no terminal to ask on\nhint: run 'keyless import workloads --yes' to adopt, or --no-adopt to only write the entries")
		}
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(g.streams.Err, "Not adopted; keyless will refuse to change these roles until they are.")
			return done()
		}
	}
	for _, im := range imports {
		for _, a := range im.Roles {
			if err := workloads.Adopt(ctx, clients[a.Account], a, im.Name); err != nil {
				return withHint(err, "run 'keyless import workloads' again: it adopts what is left")
			}
			rep.Adopted = append(rep.Adopted, fmt.Sprintf("role %s in account %s", a.Role, a.Account))
		}
	}
	fmt.Fprintf(g.streams.Err, "Adopted %s. Next: keyless plan --file %s.\n", plural.Count(n, "role", "roles"), file.planPath())
	return done()
}

// importAccounts is an IAM client per account to read: the current
// credentials' account, or with --all-accounts every account audit
// --all-accounts reaches (accounts it cannot reach are named on stderr).
func importAccounts(ctx context.Context, g *globalOptions, o *importWorkloadsOptions) (map[string]*iam.Client, error) {
	out := map[string]*iam.Client{}
	if !o.allAccounts {
		_, cfg, err := o.aws.clients(ctx, "", "us-east-1")
		if err != nil {
			return nil, err
		}
		id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return nil, fmt.Errorf("read the account: %w", err)
		}
		out[aws.ToString(id.Account)] = iam.NewFromConfig(cfg)
		return out, nil
	}
	if o.aws.profile != "" {
		return nil, usageErrorf("give --profile or --all-accounts, not both")
	}
	targets, rep, err := auditTargets(ctx, g, &auditOptions{allAccounts: true, orgRole: o.orgRole, region: o.aws.region})
	if err != nil {
		return nil, err
	}
	for _, f := range rep.Findings {
		fmt.Fprintf(g.streams.Err, "warning: account %s not read: %s\nhint: %s\n", f.Account, f.Evidence, f.Remediation)
	}
	var cfgs []aws.Config
	warned := map[string]bool{}
	for _, f := range rep.Findings {
		warned[f.Account] = true
	}
	for _, t := range targets {
		warned[t.account] = true
		cfg, err := t.cfg(ctx)
		if err == nil && cfg.Region == "" {
			cfg.Region = "us-east-1" // IAM is global
		}
		var id *sts.GetCallerIdentityOutput
		if err == nil {
			id, err = sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		}
		if err != nil {
			fmt.Fprintf(g.streams.Err, "warning: %s not read: %v\nhint: %s\n", t.label, err, cmp.Or(t.how, "sign in (keyless login) and run it again"))
			continue
		}
		out[aws.ToString(id.Account)] = iam.NewFromConfig(cfg)
		cfgs = append(cfgs, cfg)
	}
	// Through SSO profiles, the accounts with none are named too.
	for _, acct := range orgAccounts(ctx, cfgs) {
		if out[acct] == nil && !warned[acct] {
			fmt.Fprintf(g.streams.Err, "warning: account %s not read: no SSO profile in %s for it\nhint: sign in and write its profile (keyless login; keyless profiles sync), or ask for access to it\n",
				acct, awsconfig.ConfigPath())
		}
	}
	return out, nil
}

// orgAccounts lists the organization's active accounts with the first of
// cfgs allowed to (the management account, or a delegated administrator);
// none when no one is.
func orgAccounts(ctx context.Context, cfgs []aws.Config) []string {
	for _, cfg := range cfgs {
		var ids []string
		p := organizations.NewListAccountsPaginator(organizations.NewFromConfig(cfg), &organizations.ListAccountsInput{})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				ids = nil
				break
			}
			for _, a := range page.Accounts {
				if a.State == orgtypes.AccountStateActive {
					ids = append(ids, aws.ToString(a.Id))
				}
			}
		}
		if ids != nil {
			return ids
		}
	}
	return nil
}
