package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyless-dev/keyless/internal/config"
	ic "github.com/keyless-dev/keyless/internal/identitycenter"
	"github.com/keyless-dev/keyless/internal/plan"
	"github.com/keyless-dev/keyless/internal/plural"
	"github.com/keyless-dev/keyless/internal/safefile"
)

type importOptions struct {
	aws         awsOptions
	out         string
	instanceARN string
	force       bool
	yes         bool
	noAdopt     bool
	json        bool
}

// importReport is what import did, as --json prints it.
type importReport struct {
	File           string   `json:"file"`
	Users          int      `json:"users"`
	Groups         int      `json:"groups"`
	PermissionSets int      `json:"permission_sets"`
	Assignments    int      `json:"assignments"`
	Skipped        []string `json:"skipped"` // users left out of the file
	Adopted        []string `json:"adopted"` // "kind name" of each object marked as keyless's
}

func newImportCommand(g *globalOptions) *cobra.Command {
	o := &importOptions{}
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Write keyless.yaml from an existing Identity Center, and adopt what it holds",
		Long: `Read an existing Identity Center (users, groups and their members,
permission sets with their policies, account assignments) and write a
keyless.yaml that describes it, so an existing setup is adopted without
re-creating anything.

Adopting marks the objects as keyless's own (see docs/ownership.md): the
marker at the end of group and permission-set descriptions, the owner tag,
and UserType on users. After that, 'keyless plan' on the written file is a
no-op. It asks first on a terminal; --yes adopts without asking, and
--no-adopt only writes the file.

Exit codes: 0 success, 1 error, 64 usage error.`,
		Example: `  keyless import --out keyless.yaml
  keyless import --out - --no-adopt   # print the file only`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if o.json && o.out == "-" {
				return usageErrorf("--json and --out - both want stdout\nhint: write the file with --out FILE, or drop --json")
			}
			if o.out != "-" && !o.force {
				if _, err := os.Stat(o.out); err == nil {
					return usageErrorf("--out %s: the file exists\nhint: choose another --out, or pass --force to overwrite it", o.out)
				}
			}
			clients, awsCfg, err := o.aws.clients(ctx, "", "")
			if err != nil {
				return err
			}
			stop := busy(g.streams.Err, "reading Identity Center")
			st, err := ic.Read(ctx, clients, ic.ReadOptions{InstanceARN: o.instanceARN, AccountTags: true, Log: g.Log()})
			stop()
			if err != nil {
				return fmt.Errorf("read Identity Center: %w", err)
			}
			imp, err := config.Import(st, config.ImportOptions{Region: awsCfg.Region})
			if err != nil {
				return err
			}
			if imp.External {
				fmt.Fprintln(g.streams.Err, "Users and groups come from an identity provider (SCIM): written as references (identity_source: external), never adopted.")
			}
			for _, name := range imp.Skipped {
				fmt.Fprintf(g.streams.Err, "warning: user %s has no valid email or no given and family name: left out of the file, and not adopted\n", name)
			}
			for _, name := range imp.SkippedGroups {
				fmt.Fprintf(g.streams.Err, "warning: group %q has a character keyless.yaml refuses in its name or description: left out of the file with its assignments, and not adopted\n", name)
			}
			if o.out == "-" {
				if _, err := g.streams.Out.Write(imp.YAML); err != nil {
					return err
				}
			} else if err := safefile.Write(o.out, imp.YAML, 0o644); err != nil {
				return fmt.Errorf("--out: %w", err)
			} else {
				fmt.Fprintf(g.streams.Err, "Wrote %s: %s, %s, %s, %s.\n", o.out,
					plural.Count(len(imp.State.Users), "user", "users"), plural.Count(len(imp.State.Groups), "group", "groups"),
					plural.Count(len(imp.State.PermissionSets), "permission set", "permission sets"), plural.Count(len(imp.State.Assignments), "assignment", "assignments"))
			}
			report := importReport{File: o.out, Users: len(imp.State.Users), Groups: len(imp.State.Groups),
				PermissionSets: len(imp.State.PermissionSets), Assignments: len(imp.State.Assignments),
				Skipped: nonNil(imp.Skipped), Adopted: []string{}}
			done := func() error {
				if !o.json {
					return nil
				}
				return json.NewEncoder(g.streams.Out).Encode(report)
			}
			if o.noAdopt {
				return done()
			}
			adopted, err := adoptObjects(ctx, g, clients, st, plan.Adopt(imp.State), o.yes, "keyless import")
			if err != nil {
				return err
			}
			if len(adopted) > 0 {
				fmt.Fprintf(g.streams.Err, "Adopted %s. 'keyless plan' now compares Identity Center with %s.\n", plural.Count(len(adopted), "object", "objects"), o.out)
			}
			report.Adopted = append(report.Adopted, adopted...)
			return done()
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.out, "out", "o", "keyless.yaml", "where to write the file (- for stdout)")
	f.StringVar(&o.instanceARN, "instance-arn", "", "Identity Center instance, when the account has several")
	f.BoolVar(&o.force, "force", false, "overwrite --out if it exists")
	f.BoolVarP(&o.yes, "yes", "y", false, "adopt without asking")
	f.BoolVar(&o.noAdopt, "no-adopt", false, "only write the file; do not mark anything as keyless's")
	f.BoolVar(&o.json, "json", false, "print what was written and adopted as JSON on stdout")
	o.aws.addFlags(f)
	cmd.AddCommand(newImportIAMUsersCommand(g))
	cmd.AddCommand(newImportTerraformCommand(g))
	cmd.AddCommand(newImportWorkloadsCommand(g))
	return cmd
}

// adoptObjects marks objects as keyless's own after asking (unless yes),
// and returns "kind name" of each one it marked. Declined, it says so and
// returns none. command is how to run it again, for hints.
func adoptObjects(ctx context.Context, g *globalOptions, clients *ic.Clients, st *ic.State, adopt []ic.Change, yes bool, command string) ([]string, error) {
	// From the delegated administrator, AWS refuses to mark a permission set
	// provisioned to the management account: leave it, saying why.
	adopt, left := plan.WithinReach(st, adopt)
	for _, c := range left {
		fmt.Fprintf(g.streams.Err, "warning: %s %s is not adopted: %s\n", strings.ReplaceAll(string(c.Kind), "_", " "), c.Name, c.OutOfReach)
	}
	if len(left) > 0 {
		fmt.Fprintf(g.streams.Err, "hint: run '%s' with the management account's credentials to adopt it\n", command)
	}
	if len(adopt) == 0 && len(left) > 0 {
		return nil, nil
	}
	if len(adopt) == 0 {
		fmt.Fprintln(g.streams.Err, "Everything is already managed by keyless.")
		return nil, nil
	}
	fmt.Fprintf(g.streams.Err, "\nTo adopt them, keyless marks %s as its own (nothing else about them changes):\n", plural.Count(len(adopt), "object", "objects"))
	for _, c := range adopt {
		fmt.Fprintf(g.streams.Err, "  ~ %s %s\n", c.Kind, c.Name)
	}
	if !yes {
		ok, err := confirm(g.streams.In, g.streams.Err, "\nAdopt them?")
		if errors.Is(err, errNoTerminal) {
			return nil, usageErrorf("adopting needs confirmation, and there is no terminal to ask on\nhint: run '%s --yes' to adopt, or --no-adopt to only write the file", command)
		}
		if err != nil {
			return nil, err
		}
		if !ok {
			fmt.Fprintln(g.streams.Err, "Not adopted; keyless will refuse to change these objects until they are.")
			return nil, nil
		}
	}
	bar := newProgress(g.streams.Err)
	_, err := (&ic.Applier{C: clients, Progress: bar.Update, Log: g.Log()}).Apply(ctx, st, adopt)
	bar.Done()
	if err != nil {
		return nil, withHint(fmt.Errorf("adopt: %w", err), fmt.Sprintf("run '%s' again: it adopts what is left", command))
	}
	var out []string
	for _, c := range adopt {
		out = append(out, fmt.Sprintf("%s %s", c.Kind, c.Name))
	}
	return out, nil
}
