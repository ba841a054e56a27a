package cli

import (
	"bytes"
	"encoding/json"
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

type importTerraformOptions struct {
	aws     awsOptions
	out     string
	module  string
	force   bool
	yes     bool
	noAdopt bool
	json    bool
}

// importTerraformReport is what import terraform did, as --json prints it.
type importTerraformReport struct {
	File          string          `json:"file"`           // keyless.yaml written
	TerraformFile string          `json:"terraform_file"` // the .tf file read
	Module        string          `json:"module"`         // the module block's label
	Users         int             `json:"users"`
	SuperAdmins   int             `json:"super_admins"`
	PowerUsers    int             `json:"power_users"`
	ReadonlyUsers int             `json:"readonly_users"`
	Warnings      []string        `json:"warnings"`
	Adopted       []string        `json:"adopted"` // "kind name" of each object marked as keyless's
	Plan          json.RawMessage `json:"plan"`    // as 'keyless plan --json' prints it
}

func newImportTerraformCommand(g *globalOptions) *cobra.Command {
	o := &importTerraformOptions{}
	cmd := &cobra.Command{
		Use:   "terraform FILE.tf",
		Short: "Move from the Identity Center Terraform module: write keyless.yaml from its module block, adopt, plan",
		Long: `Read the module block of the basic Identity Center Terraform module
(users, super_admins, power_users, readonly_users, default_aws_region,
default_session_duration) from a .tf file, write keyless.yaml with the same
values, adopt what the module made in Identity Center (its users, its
SuperAdmin@<account>, PowerUser@<account> and ReadOnly@<account> groups and
its permission sets become keyless's, see docs/ownership.md), and show the
plan, which is a no-op when Identity Center still holds what the module
applied.

keyless evaluates literal values only: a variable, local, resource
reference or function call in the block is an error naming the file, line
and attribute. With several such module blocks in the file, --module
chooses one.

Then remove the module from Terraform's state without destroying what it
made: docs/from-terraform.md says how. Do not run 'terraform destroy': it
would delete the users, groups and permission sets keyless now manages.

Exit codes: 0 success, 1 error, 64 usage error.`,
		Example: `  keyless import terraform main.tf --out keyless.yaml
  keyless import terraform infra/sso.tf --module identity_center --yes`,
		Args: cobra.ExactArgs(1),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return []string{"tf"}, cobra.ShellCompDirectiveFilterFileExt
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			tf := args[0]
			if fi, err := os.Stat(tf); err == nil && fi.IsDir() {
				return usageErrorf("%s is a directory\nhint: give the .tf file that holds the module block ('grep -l super_admins %s/*.tf' finds it)", tf, tf)
			}
			if strings.HasSuffix(tf, ".json") {
				return usageErrorf("%s: keyless reads Terraform's native syntax (.tf), not JSON\nhint: write keyless.yaml by hand from the module's values (docs/from-terraform.md)", tf)
			}
			if !o.force {
				if _, err := os.Stat(o.out); err == nil {
					return usageErrorf("--out %s: the file exists\nhint: choose another --out, or pass --force to overwrite it", o.out)
				}
			}
			data, err := os.ReadFile(tf)
			if err != nil {
				return fmt.Errorf("read the Terraform file: %w", err)
			}
			m, err := config.ReadTerraform(tf, data, o.module)
			if err != nil {
				return err
			}
			report := importTerraformReport{File: o.out, TerraformFile: tf, Module: m.Name, Users: len(m.Users), SuperAdmins: len(m.SuperAdmins),
				PowerUsers: len(m.PowerUsers), ReadonlyUsers: len(m.ReadonlyUsers), Warnings: nonNil(m.Warnings)}
			for _, w := range m.Warnings {
				fmt.Fprintf(g.streams.Err, "warning: %s\n", w)
			}
			if err := safefile.Write(o.out, m.YAML(), 0o644); err != nil {
				return fmt.Errorf("--out: %w", err)
			}
			fmt.Fprintf(g.streams.Err, "Wrote %s from module.%s in %s: %s; super_admins %d, power_users %d, readonly_users %d.\n",
				o.out, m.Name, tf, plural.Count(len(m.Users), "user", "users"), len(m.SuperAdmins), len(m.PowerUsers), len(m.ReadonlyUsers))
			cfg, err := config.Load(o.out)
			if err != nil {
				return withHint(err, fmt.Sprintf("the values come from module.%s in %s: fix them in %s and run 'keyless plan -f %s'", m.Name, tf, o.out, o.out))
			}
			clients, awsCfg, err := o.aws.clients(ctx, cfg.Region, "")
			if err != nil {
				return err
			}
			read := func() (*ic.State, error) {
				stop := busy(g.streams.Err, "reading Identity Center")
				defer stop()
				st, err := ic.Read(ctx, clients, ic.ReadOptions{InstanceARN: cfg.InstanceARN, Log: g.Log()})
				if err != nil {
					return nil, fmt.Errorf("read Identity Center: %w", err)
				}
				return st, nil
			}
			st, err := read()
			if err != nil {
				return err
			}
			d, err := cfg.Desired(st)
			if err != nil {
				return err
			}
			command := "keyless import terraform " + tf + " --out " + o.out + " --force"
			found := described(st, d)
			if len(found.Users)+len(found.Groups)+len(found.PermissionSets) == 0 {
				// Not the Identity Center the module went to: adopting nothing
				// and planning it all anew would leave two of everything.
				return withHint(fmt.Errorf("none of the users, groups and permission sets module.%s describes is in Identity Center %s (region %s): nothing to adopt",
					m.Name, st.InstanceARN, awsCfg.Region),
					fmt.Sprintf("check that the credentials and region are those of the account and Identity Center Terraform applied module.%s in (--profile, --region: keyless.yaml's region is the module's default_aws_region, which may not be the region Identity Center runs in); if the module was never applied, 'keyless apply -f %s' makes it all", m.Name, o.out))
			}
			adopt := plan.Adopt(found)
			if o.noAdopt && len(adopt) > 0 {
				fmt.Fprintf(g.streams.Err, "Not adopted (--no-adopt): %s module.%s made %s not keyless's yet.\n", plural.Count(len(adopt), "object", "objects"), m.Name, plural.Of(len(adopt), "is", "are"))
			}
			if !o.noAdopt {
				adopted, err := adoptObjects(ctx, g, clients, st, adopt, o.yes, command)
				if err != nil {
					return err
				}
				report.Adopted = adopted
				if len(adopted) > 0 {
					fmt.Fprintf(g.streams.Err, "Adopted %s that module.%s made.\n", plural.Count(len(adopted), "object", "objects"), m.Name)
					if st, err = read(); err != nil {
						return err
					}
					if d, err = cfg.Desired(st); err != nil {
						return err
					}
				}
			}
			if len(adopt) > 0 && len(report.Adopted) == 0 {
				// Not adopted: keyless may not change them yet, so the plan
				// would only stop at them, and Terraform must keep them.
				fmt.Fprintf(g.streams.Err, "Keep module.%s in Terraform until keyless has adopted what it made: run '%s --yes'.\n", m.Name, command)
				if o.json {
					report.Adopted = []string{}
					return json.NewEncoder(g.streams.Out).Encode(report)
				}
				return nil
			}
			p, err := plan.Compute(d, st)
			if err != nil {
				return err
			}
			if o.json {
				var planJSON bytes.Buffer
				if err := p.WriteJSON(&planJSON); err != nil {
					return err
				}
				report.Adopted, report.Plan = nonNil(report.Adopted), planJSON.Bytes()
				if err := json.NewEncoder(g.streams.Out).Encode(report); err != nil {
					return err
				}
			} else {
				p.Render(g.streams.Out, colorOK(g.streams.Out))
			}
			if !p.Empty() {
				fmt.Fprintf(g.streams.Err, "\n'keyless apply -f %s' makes these changes.\n", o.out)
			}
			fmt.Fprintf(g.streams.Err, "\nNext, remove module.%[1]s from Terraform's state without destroying what it made\n"+
				"(docs/from-terraform.md): delete the module block from %[2]s and add, with Terraform 1.7 or later,\n\n"+
				"  removed {\n    from = module.%[1]s\n    lifecycle {\n      destroy = false\n    }\n  }\n\n"+
				"then run 'terraform apply'; or, with any version, run 'terraform state rm module.%[1]s'.\n"+
				"Do not run 'terraform destroy': it would delete the users, groups and permission sets keyless now manages.\n",
				m.Name, tf)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.out, "out", "o", "keyless.yaml", "where to write keyless.yaml")
	f.StringVar(&o.module, "module", "", "the module block to read (its label), when the file has several")
	f.BoolVar(&o.force, "force", false, "overwrite --out if it exists")
	f.BoolVarP(&o.yes, "yes", "y", false, "adopt without asking")
	f.BoolVar(&o.noAdopt, "no-adopt", false, "only write the file; do not mark anything as keyless's")
	f.BoolVar(&o.json, "json", false, "print what was written and adopted, and the plan, as JSON on stdout")
	o.aws.addFlags(f)
	return cmd
}

// described is the part of st that d describes: the users, groups and
// permission sets keyless.yaml declares, which adopting makes keyless's.
// Users the file only names (members that exist already) stay as they are.
func described(st *ic.State, d *ic.Desired) *ic.State {
	out := &ic.State{InstanceARN: st.InstanceARN, IdentityStoreID: st.IdentityStoreID}
	users, groups, sets := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, u := range d.Users {
		users[strings.ToLower(u.UserName)] = true
	}
	for _, g := range d.Groups {
		groups[strings.ToLower(g.Name)] = true
	}
	for _, ps := range d.PermissionSets {
		sets[ps.Name] = true
	}
	for _, u := range st.Users {
		if users[strings.ToLower(u.UserName)] {
			out.Users = append(out.Users, u)
		}
	}
	for _, g := range st.Groups {
		if groups[strings.ToLower(g.Name)] {
			out.Groups = append(out.Groups, g)
		}
	}
	for _, ps := range st.PermissionSets {
		if sets[ps.Name] {
			out.PermissionSets = append(out.PermissionSets, ps)
		}
	}
	return out
}
