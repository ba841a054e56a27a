package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
	"github.com/keyless-dev/keyless/internal/plan"
	"github.com/keyless-dev/keyless/internal/plural"
)

func newApplyCommand(g *globalOptions) *cobra.Command {
	o := &planOptions{}
	var yes bool
	cmd := &cobra.Command{
		Use:   "apply",
		Short: "Make Identity Center match keyless.yaml",
		Long: `Show the plan, ask for confirmation on a terminal (or take --yes), and make
the changes: users and groups, memberships, permission sets and their
policies (updated in place, provisioned once), then account assignments;
deletions (with --prune) in reverse; then workloads' roles and, with
elevation:, the home account's resources, compiled with the ids Identity
Center has now. It ends with the summary and the
access portal URL.

apply runs within AWS's quotas (see --sso-admin-tps, --identitystore-tps,
--iam-tps) and can be re-run after any interruption: it re-reads AWS and converges.
Applies on one machine run one at a time. Before and after each change that
takes AdministratorAccess in the management account away, apply re-reads
AWS, and refuses (or undoes) a change that would leave no one with it.

From Identity Center's delegated administrator account, changes AWS lets
only the management account make (marked ✗ in the plan) are not attempted:
apply makes the rest, warns, and exits 0 (see docs/ownership.md).

Exit codes: 0 success, 1 error, 64 usage error, 130 interrupted.`,
		Example: `  keyless apply
  keyless apply --yes --prune`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			unlock, err := lockApply(ctx, g)
			if err != nil {
				return err
			}
			defer unlock()
			p, run, err := computePlan(ctx, g, o)
			if err != nil {
				return err
			}
			if err := showPlan(g, o, p); err != nil {
				return err
			}
			// Results go to stdout with the plan, unless stdout is JSON.
			result := g.streams.Out
			if o.json {
				result = g.streams.Err
			}
			if p.Empty() {
				fmt.Fprintf(result, "Access portal: %s\n", p.PortalURL)
				warnOutOfReach(g, p)
				return nil
			}
			if !yes {
				ok, err := confirm(g.streams.In, g.streams.Err, "\nApply these changes?")
				if errors.Is(err, errNoTerminal) {
					return usageErrorf("apply needs confirmation, and there is no terminal to ask on\nhint: review 'keyless plan', then run 'keyless apply --yes'")
				}
				if err != nil {
					return err
				}
				if !ok {
					fmt.Fprintln(g.streams.Err, "Apply cancelled; nothing changed.")
					return nil
				}
			}
			if err := applyPlan(ctx, g, p, run, result); err != nil {
				return err
			}
			warnOutOfReach(g, p)
			return nil
		},
	}
	o.addFlags(cmd)
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "apply without asking")
	return cmd
}

// warnOutOfReach says what apply left because AWS refuses it to the
// delegated administrator. Apply still succeeds: it made every change it
// may, and the rest needs other credentials, not a retry.
func warnOutOfReach(g *globalOptions, p *plan.Plan) {
	if n := len(p.OutOfReach); n > 0 {
		fmt.Fprintf(g.streams.Err, "keyless: warning: %s out of reach not made: AWS lets only the management account make them\n"+
			"hint: run 'keyless apply' with the management account's credentials\n", plural.Count(n, "change", "changes"))
	}
}

// applyPlan makes the plan's changes with a progress display and reports
// the result and the portal URL to w.
func applyPlan(ctx context.Context, g *globalOptions, p *plan.Plan, run *planRun, w io.Writer) error {
	bar := newProgress(g.streams.Err)
	a := &ic.Applier{C: run.clients, Progress: bar.Update, Log: g.Log()}
	res, err := a.Apply(ctx, run.state, p.Changes)
	bar.Done()
	var lockout *plan.LockoutError
	if errors.As(err, &lockout) {
		return withHint(fmt.Errorf("apply: %w", err), lockout.Hint()+"; then run 'keyless plan' again: it reads AWS afresh")
	}
	if err == nil && len(p.Workloads) > 0 {
		err = applyWorkloads(ctx, run.workloads, p.Workloads)
	}
	if err == nil && run.elevation != nil && (len(p.Elevation) > 0 || len(p.Changes) > 0) {
		err = run.elevation.apply(ctx, p.Elevation, len(p.Changes) > 0)
	}
	if err != nil {
		return withHint(fmt.Errorf("apply: %w", err), "fix the cause and run 'keyless apply' again: it continues from where AWS is")
	}
	c, u, d := p.Counts()
	again := ""
	if n := p.Provisions(); n > 0 {
		again = fmt.Sprintf(", %d provisioned again", n)
	}
	fmt.Fprintf(w, "Apply complete: %d created, %d updated, %d deleted%s in %s.\n", c, u, d, again, res.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "Access portal: %s\n", p.PortalURL)
	if len(p.Workloads) > 0 {
		fmt.Fprintln(w)
		printSnippets(w, run.workloads)
	}
	return nil
}
