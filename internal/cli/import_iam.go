package cli

import (
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"

	"github.com/keyless-dev/keyless/internal/audit"
	"github.com/keyless-dev/keyless/internal/cleanup"
	"github.com/keyless-dev/keyless/internal/config"
	"github.com/keyless-dev/keyless/internal/plural"
	"github.com/keyless-dev/keyless/internal/safefile"
)

type importIAMOptions struct {
	aws      awsOptions
	out      string
	maps     []string
	scanDirs []string
	regions  []string
	json     bool
}

// errNoIAMUserImported: every IAM user was skipped or listed; init then
// asks for the people instead.
var errNoIAMUserImported = errors.New("no IAM user could be imported")

// importIAMReport is what --json prints.
type importIAMReport struct {
	File     string   `json:"file"`
	Imported []string `json:"imported"` // emails in the written file
	Added    []string `json:"added"`    // emails added to an existing file
	Present  []string `json:"present"`  // emails an existing file already had
	Skipped  []string `json:"skipped"`  // IAM users without an email, and why
	// Workloads are the workloads written (added, for an existing file),
	// WorkloadsPresent those an existing file already had.
	Workloads        []string `json:"workloads"`
	WorkloadsPresent []string `json:"workloads_present"`
	// Machines are the IAM users with keys that are not people: what
	// became of each, with the evidence.
	Machines []cleanup.Machine `json:"machines"`
	Changed  bool              `json:"changed"`
}

func (o *importIAMOptions) report(g *globalOptions, r importIAMReport) error {
	if !o.json {
		return nil
	}
	r.Imported, r.Added, r.Present, r.Skipped = nonNil(r.Imported), nonNil(r.Added), nonNil(r.Present), nonNil(r.Skipped)
	r.Workloads, r.WorkloadsPresent = nonNil(r.Workloads), nonNil(r.WorkloadsPresent)
	if r.Machines == nil {
		r.Machines = []cleanup.Machine{}
	}
	return writeJSON(g.streams.Out, r)
}

func newImportIAMUsersCommand(g *globalOptions) *cobra.Command {
	o := &importIAMOptions{}
	cmd := &cobra.Command{
		Use:   "iam-users",
		Short: "Write the account's IAM users into keyless.yaml as Identity Center users",
		Long: `Read the account's IAM users and write them as keyless.yaml users: the
first step of a migration (import, keyless apply, people sign in, then
keyless cleanup deletes the IAM users).

The email comes from the IAM user tag email (or Email), or --map
(USER=EMAIL, or a file of iam-user: email lines); given and family names
from the tags given_name and family_name, else split from the user name
(john.doe). Users without an email are listed as skipped, with how to
include them. user_name is the IAM user name, so cleanup matches the two.

Users with access keys are classified from their keys' last 90 days of
CloudTrail (LookupEvents, in --regions, at 2 requests/s per region) and
hints: a console password, or the key found by keyless scan in a --scan
checkout. A person is imported as above. A CI pipeline becomes a
workloads: entry in its account with like_user (its role takes the user's
policies); its repository comes from --map USER=PROVIDER:WHERE
(github:OWNER/REPO[@BRANCH], gitlab:GROUP/PROJECT[@BRANCH],
circleci:ORG_ID/PROJECT_ID, bitbucket:WORKSPACE/WORKSPACE_UUID/REPO_UUID,
buildkite:ORG/PIPELINE[@BRANCH], terraform-cloud:ORG/PROJECT/WORKSPACE) or
from --scan. Workloads on AWS, outside services and unknown users are
listed on stderr (and in --json) with the evidence and the replacement to
make by hand; unknown users are kept. docs/import-iam-users.md has the
details.

The built-in set comes from the user's managed policies, direct or through
groups: AdministratorAccess to super_admins, PowerUserAccess to
power_users, ReadOnlyAccess, ViewOnlyAccess or SecurityAudit to
readonly_users. Anyone else starts in readonly_users, with a comment naming
their policies for you to review.

When --out exists, the users it lacks (by email) are added to it: to the
end of users: and of their set, which is created at the end of the file when
missing; workloads it lacks (by name or like_user), to the end of
workloads:. Every other line, comment and field stays as it was; the file
before is kept as FILE.bak. A file whose shape keyless cannot edit safely
(an explicit null, an anchor, a comment inside a [...] list) is refused.

Exit codes: 0 success, 1 error, 64 usage error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if o.json && o.out == "-" {
				return usageErrorf("--json and --out - both write to stdout: choose one")
			}
			var existing []byte
			var perm os.FileMode = 0o644
			if o.out != "-" {
				if fi, err := os.Stat(o.out); err == nil {
					if existing, err = os.ReadFile(o.out); err != nil {
						return fmt.Errorf("--out: %w", err)
					}
					perm = fi.Mode().Perm()
				}
			}
			mapValues, err := o.mapValues()
			if err != nil {
				return err
			}
			scans, err := o.scans(ctx)
			if err != nil {
				return err
			}
			_, cfg, err := o.aws.clients(ctx, "", "us-east-1")
			if err != nil {
				return err
			}
			c := iam.NewFromConfig(cfg)
			st, err := audit.Collect(ctx, audit.Clients{IAM: c, STS: sts.NewFromConfig(cfg), Organizations: organizations.NewFromConfig(cfg)}, audit.CollectOptions{})
			if err != nil {
				return err
			}
			if !st.Known("iam:ListUsers") {
				return fmt.Errorf("iam:ListUsers was refused: allow it (the SecurityAudit managed policy has it) and run again")
			}
			var names, groups []string
			for _, u := range st.Users {
				names = append(names, u.Name)
				groups = append(groups, u.Groups...)
			}
			maps, err := cleanup.ReadMaps(mapValues, names)
			if err != nil {
				return usageErrorf("%v\nhint: fix the --map and run again; nothing was read from CloudTrail or written", err)
			}
			tags, err := cleanup.ReadTags(ctx, c, names)
			if err != nil {
				return err
			}
			gp, err := cleanup.ReadGroupPolicies(ctx, c, groups)
			if err != nil {
				return err
			}
			rep, err := o.keyUsage(ctx, g, cfg, st)
			if err != nil {
				return err
			}
			machines, err := cleanup.SortMachines(st, tags, rep, maps, scans)
			if err != nil {
				return usageErrorf("%v\nhint: nothing was written; docs/import-iam-users.md lists the --map forms", err)
			}
			imp := cleanup.ImportIAM(st, tags, gp, maps.Emails, machines)
			for _, s := range imp.Skipped {
				fmt.Fprintf(g.streams.Err, "skipped %s\n", s)
			}
			printMachines(g, machines)
			if len(imp.Imported)+len(machines.Workloads) == 0 {
				return fmt.Errorf("%w: each was skipped or listed, for the reason printed above (tag the users, or map them with --map)", errNoIAMUserImported)
			}
			if existing != nil {
				r, err := addIAMUsers(g, o.out, existing, perm, imp)
				if err != nil {
					return err
				}
				return o.report(g, r)
			}
			name := o.out
			if name == "-" {
				name = "keyless.yaml"
			}
			if _, err := config.Parse(name, imp.YAML); err != nil {
				return fmt.Errorf("the written file does not validate (a keyless bug; please report it): %w", err)
			}
			if o.out == "-" {
				_, err := g.streams.Out.Write(imp.YAML)
				return err
			}
			if err := safefile.Write(o.out, imp.YAML, perm); err != nil {
				return fmt.Errorf("--out: %w", err)
			}
			fmt.Fprintf(g.streams.Err, "Wrote %s: %s, %d skipped%s. Next: keyless plan --file %s, then keyless apply.\n",
				o.out, plural.Count(len(imp.Imported), "user", "users"), len(imp.Skipped), machineCounts(machines), o.out)
			var emails, wls []string
			for _, u := range imp.Users {
				emails = append(emails, u.Email)
			}
			for _, w := range machines.Workloads {
				wls = append(wls, w.Name)
			}
			return o.report(g, importIAMReport{File: o.out, Imported: emails, Skipped: imp.Skipped, Workloads: wls, Machines: machines.List, Changed: true})
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.out, "out", "o", "keyless.yaml", "where to write the file (- for stdout); an existing file gets the users it lacks")
	f.StringArrayVar(&o.maps, "map", nil, "USER=EMAIL, USER=PROVIDER:WHERE for a pipeline (github:OWNER/REPO[@BRANCH], ...), or a YAML file of USER: VALUE lines; repeatable")
	f.StringArrayVar(&o.scanDirs, "scan", nil, "a checkout to scan for CI configuration using a key, to find a CI user's repository; repeatable")
	f.StringSliceVar(&o.regions, "regions", nil, "regions to read CloudTrail in (default: us-east-1 and each key's last-used region)")
	f.BoolVar(&o.json, "json", false, "print what was imported as JSON on stdout")
	o.aws.addFlags(f)
	return cmd
}

// addIAMUsers adds the imported users an existing file lacks, keeping the
// file before as path.bak.
func addIAMUsers(g *globalOptions, path string, existing []byte, perm os.FileMode, imp *cleanup.IAMUsersImport) (importIAMReport, error) {
	r := importIAMReport{File: path, Skipped: imp.Skipped}
	var wls []cleanup.ImportedWorkload
	if imp.Machines != nil {
		wls, r.Machines = imp.Machines.Workloads, imp.Machines.List
	}
	add, err := cleanup.AddIAMImport(path, existing, imp.Users, wls)
	if errors.Is(err, cleanup.ErrExternalSource) {
		return r, withHint(err, "add the people to your identity provider, which pushes them to Identity Center; then 'keyless cleanup' matches the IAM users to them")
	}
	if errors.Is(err, cleanup.ErrCannotEdit) {
		return r, withHint(err, "write to a new file (--out keyless.iam-users.yaml) and copy its users into "+path+" by hand")
	}
	if err != nil {
		return r, err
	}
	r.Added, r.Present, r.Workloads, r.WorkloadsPresent = add.Added, add.Present, add.AddedWorkloads, add.PresentWorkloads
	if len(add.Added)+len(add.AddedWorkloads) == 0 {
		also := ""
		if n := len(add.PresentWorkloads); n > 0 {
			also = " and " + plural.Count(n, "workload", "workloads")
		}
		fmt.Fprintf(g.streams.Err, "%s already has all of them (%s%s); nothing changed.\n", path, plural.Count(len(add.Present), "user", "users"), also)
		return r, nil
	}
	for _, u := range imp.Users {
		if u.Review != "" && slices.Contains(add.Added, u.Email) {
			fmt.Fprintf(g.streams.Err, "review: %s %s, so starts in readonly_users\n", u.Email, u.Review)
		}
	}
	if err := safefile.Write(path+".bak", existing, perm); err != nil {
		return r, fmt.Errorf("keep %s.bak: %w", path, err)
	}
	if err := safefile.Write(path, add.YAML, perm); err != nil {
		return r, fmt.Errorf("--out: %w", err)
	}
	added := plural.Count(len(add.Added), "user", "users")
	if n := len(add.AddedWorkloads); n > 0 {
		added += " and " + plural.Count(n, "workload", "workloads")
	}
	fmt.Fprintf(g.streams.Err, "Added %s to %s (%d already there, %d skipped; the file before is %s.bak). Next: keyless plan --file %s, then keyless apply.\n",
		added, path, len(add.Present)+len(add.PresentWorkloads), len(imp.Skipped), path, path)
	r.Changed = true
	return r, nil
}
