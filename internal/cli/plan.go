package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyless-dev/keyless/internal/config"
	ic "github.com/keyless-dev/keyless/internal/identitycenter"
	"github.com/keyless-dev/keyless/internal/plan"
)

// planOptions are shared by plan and apply.
type planOptions struct {
	aws   awsOptions
	file  string
	prune bool
	json  bool
	// orgRole is the role assumed in member accounts for workloads:.
	orgRole string
	// iamTPS is the IAM request rate for workloads:, per account.
	iamTPS float64
}

// defaultOrgRole is the role keyless assumes in a member account
// (workloads:, elevation.home_account) unless --org-role says otherwise.
const defaultOrgRole = "OrganizationAccountAccessRole"

func (o *planOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVarP(&o.file, "file", "f", "keyless.yaml", "the configuration `FILE`")
	f.BoolVar(&o.prune, "prune", false, "delete objects keyless manages that left the file (or set prune: true)")
	f.BoolVar(&o.json, "json", false, "print the plan as JSON on stdout")
	f.StringVar(&o.orgRole, "org-role", defaultOrgRole, "the `ROLE` to assume in member accounts for workloads: and elevation.home_account")
	f.Float64Var(&o.iamTPS, "iam-tps", 10, "requests/s to IAM for workloads:, in each account (IAM's quota is per account; AWS publishes no figure)")
	o.aws.addFlags(f)
}

// errChanges makes plan --detailed-exitcode exit 2.
var errChanges = &exitError{code: ExitChanges, err: errors.New("changes present")}

func newPlanCommand(g *globalOptions) *cobra.Command {
	o := &planOptions{}
	var detailed bool
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show what apply would change in Identity Center",
		Long: `Read Identity Center and show the changes that would make it match
keyless.yaml: create (+), update in place (~), delete (-), provision a
permission set again whose roles are older than it (↻), and a summary.
Access the file does not give and keyless leaves alone is listed too (!).
With elevation:, the home account's table, roles, state machines and
schedules are listed under "Elevation (home account)" (docs/elevation.md).
Run from Identity Center's delegated administrator account, changes AWS
lets only the management account make are listed apart (✗): apply leaves
them, warns, and still exits 0.
Nothing is changed. There is no state file: AWS is the state, and keyless
only touches what it marked as its own (see docs/ownership.md).

Exit codes: 0 success (with --detailed-exitcode: no changes), 1 error,
2 changes present (with --detailed-exitcode), 64 usage error.`,
		Example: `  keyless plan
  keyless plan -f teams/keyless.yaml --json
  keyless plan --detailed-exitcode   # in CI: 0 no changes, 2 changes, 1 error`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, _, err := computePlan(cmd.Context(), g, o)
			if err != nil {
				return err
			}
			if err := showPlan(g, o, p); err != nil {
				return err
			}
			if detailed && (!p.Empty() || len(p.OutOfReach) > 0) {
				return errChanges
			}
			return nil
		},
	}
	o.addFlags(cmd)
	cmd.Flags().BoolVar(&detailed, "detailed-exitcode", false, "exit 0 for no changes, 2 for changes, 1 for errors")
	return cmd
}

// computePlan loads the file, reads AWS and compares them.
func computePlan(ctx context.Context, g *globalOptions, o *planOptions) (*plan.Plan, *planRun, error) {
	cfg, err := config.Load(o.file)
	if err != nil {
		return nil, nil, err
	}
	for _, n := range cfg.Notes {
		fmt.Fprintf(g.streams.Err, "note: %s\n", n)
	}
	clients, awsCfg, err := o.aws.clients(ctx, cfg.Region, "")
	if err != nil {
		return nil, nil, err
	}
	start := time.Now()
	stop := busy(g.streams.Err, "reading Identity Center")
	readOpts := ic.ReadOptions{InstanceARN: cfg.InstanceARN, AccountTags: cfg.UsesAccountTags(), Log: g.Log(),
		PermissionSets: len(cfg.Sets)+len(cfg.Assignments)+len(cfg.SuperAdmins)+len(cfg.PowerUsers)+len(cfg.ReadonlyUsers) > 0 || cfg.Elevation != nil}
	st, err := ic.Read(ctx, clients, readOpts)
	stop()
	if err != nil {
		return nil, nil, fmt.Errorf("read Identity Center: %w", err)
	}
	g.Log().Debug("read Identity Center", "users", len(st.Users), "groups", len(st.Groups),
		"permission_sets", len(st.PermissionSets), "assignments", len(st.Assignments), "took", time.Since(start))
	d, err := cfg.Desired(st)
	if err != nil {
		return nil, nil, err
	}
	d.Prune = d.Prune || o.prune
	var elev *elevationRun
	if cfg.Elevation != nil {
		if elev, err = prepareElevation(ctx, cfg, st, clients, awsCfg, o.orgRole, d); err != nil {
			return nil, nil, err
		}
		elev.reread = func(ctx context.Context) (*ic.State, error) { return ic.Read(ctx, clients, readOpts) }
	}
	p, err := plan.Compute(d, st)
	if err != nil {
		return nil, nil, err
	}
	if elev != nil {
		stop := busy(g.streams.Err, "reading the elevation home account")
		p.Elevation, err = elev.plan(ctx, st)
		stop()
		if err != nil {
			return nil, nil, err
		}
	} else if err := checkElevationRemoved(ctx, st, p, awsCfg, o.orgRole); err != nil {
		return nil, nil, err
	}
	var warnings []string
	for _, w := range cfg.Warnings {
		warnings = append(warnings, w.String())
	}
	p.Warnings = append(warnings, p.Warnings...)
	run := &planRun{clients: clients, state: st, elevation: elev}
	if len(cfg.Workloads) > 0 {
		if o.iamTPS <= 0 {
			return nil, nil, usageErrorf("--iam-tps must be positive")
		}
		if p.Workloads, run.workloads, err = planWorkloads(ctx, cfg, st, awsCfg, o.orgRole, o.iamTPS, d.Prune); err != nil {
			return nil, nil, err
		}
	}
	return p, run, nil
}

// planRun is what apply needs after planning.
type planRun struct {
	clients   *ic.Clients
	state     *ic.State
	workloads *workloadRun
	elevation *elevationRun
}

func showPlan(g *globalOptions, o *planOptions, p *plan.Plan) error {
	if o.json {
		return p.WriteJSON(g.streams.Out)
	}
	p.Render(g.streams.Out, colorOK(g.streams.Out))
	return nil
}
