package cli

import (
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"

	"github.com/keyless-dev/keyless/internal/workloads"
)

func newImportWorkloadsCommand(g *globalOptions) *cobra.Command {
	var o awsOptions
	var yes bool
	cmd := &cobra.Command{
		Use:   "workloads",
		Short: "Adopt the account's existing OIDC roles as keyless.yaml workloads",
		Long: `Find the roles in the account whose trust policy names an IAM OIDC
provider (CI pipelines assuming roles with web identity) and print each as a
keyless.yaml workloads: entry on stdout: the provider recognised from the
issuer and sub (github, gitlab, else oidc with the exact sub), the account,
the role's name and path, its managed policies and boundary.

A role is skipped, with the reason on stderr, when its trust does not pin
one sub and one aud with StringEquals, admits more than one repository or
project, or has no managed policies.

Then, after asking (or with --yes), keyless marks the roles as its own as
docs/ownership.md describes: tags managed-by=keyless and
keyless-workload=NAME, and [keyless] at the end of the description.
Nothing else about them changes. Add the entries under workloads: in
keyless.yaml and run keyless plan.

Exit codes: 0 success, 1 error, 64 usage error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			_, cfg, err := o.clients(ctx, "", "us-east-1")
			if err != nil {
				return err
			}
			id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if err != nil {
				return fmt.Errorf("read the account: %w", err)
			}
			c := iam.NewFromConfig(cfg)
			found, skipped, err := workloads.FindAdoptable(ctx, c, aws.ToString(id.Account))
			if err != nil {
				return err
			}
			for _, s := range skipped {
				fmt.Fprintf(g.streams.Err, "skipped role %s: %s\n", s.Role, s.Reason)
			}
			if len(found) == 0 {
				fmt.Fprintln(g.streams.Err, "No role to adopt: no role trusting an OIDC provider that keyless does not manage already.")
				return nil
			}
			fmt.Fprintln(g.streams.Out, "workloads:")
			for i := range found {
				fmt.Fprint(g.streams.Out, found[i].YAML())
			}
			fmt.Fprintf(g.streams.Err, "\nTo adopt them, keyless marks %d roles as its own (nothing else about them changes):\n", len(found))
			for _, a := range found {
				fmt.Fprintf(g.streams.Err, "  ~ role %s as workload %s\n", a.Role, a.Entry.Name)
			}
			if !yes {
				ok, err := confirm(g.streams.In, g.streams.Err, "\nAdopt them?")
				if errors.Is(err, errNoTerminal) {
					return usageErrorf("adopting needs confirmation, and there is no terminal to ask on\nhint: run 'keyless import workloads --yes' to adopt")
				}
				if err != nil {
					return err
				}
				if !ok {
					fmt.Fprintln(g.streams.Err, "Not adopted; keyless will refuse to change these roles until they are.")
					return nil
				}
			}
			for _, a := range found {
				if err := workloads.Adopt(ctx, c, a); err != nil {
					return err
				}
			}
			fmt.Fprintf(g.streams.Err, "Adopted %d roles. Next: add the entries above under workloads: in keyless.yaml, then keyless plan.\n", len(found))
			return nil
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "adopt without asking")
	o.addFlags(cmd.Flags())
	return cmd
}
