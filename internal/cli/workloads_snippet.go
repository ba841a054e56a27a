package cli

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyless-dev/keyless/internal/config"
	ic "github.com/keyless-dev/keyless/internal/identitycenter"
	"github.com/keyless-dev/keyless/internal/workloads"
)

func newWorkloadsCommand(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "workloads",
		Short: "Work with the CI workloads of keyless.yaml",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newWorkloadsSnippetCommand(g))
	return cmd
}

func newWorkloadsSnippetCommand(g *globalOptions) *cobra.Command {
	var o awsOptions
	var file string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "snippet NAME",
		Short: "Print a workload's role ARN and the CI configuration to paste",
		Long: `Print the role ARN of the workload NAME of keyless.yaml and the CI
configuration that makes a job assume it with its own OIDC token, as apply
printed it: one per account the workload targets. The ARN is computed from
the file (arn:PARTITION:iam::ACCOUNT:rolePATHNAME); the accounts are read
from AWS as plan reads them. Nothing is changed.`,
		Example: `  keyless workloads snippet deploy
  keyless workloads snippet deploy -f teams/keyless.yaml
  keyless workloads snippet deploy --json | jq -r '.[0].role_arn'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cfg, err := config.Load(file)
			if err != nil {
				return err
			}
			var w *config.Workload
			var names []string
			for i := range cfg.Workloads {
				names = append(names, cfg.Workloads[i].Name)
				if cfg.Workloads[i].Name == args[0] {
					w = &cfg.Workloads[i]
				}
			}
			if w == nil {
				return withHint(fmt.Errorf("%s: no workload named %q", file, args[0]),
					"give one of the names under workloads: ("+strings.Join(names, ", ")+")")
			}
			cfg.Workloads = []config.Workload{*w}
			clients, awsCfg, err := o.clients(ctx, cfg.Region, "")
			if err != nil {
				return err
			}
			st, err := ic.Read(ctx, clients, ic.ReadOptions{InstanceARN: cfg.InstanceARN, AccountTags: cfg.UsesAccountTags(), Log: g.Log()})
			if err != nil {
				return fmt.Errorf("read Identity Center: %w", err)
			}
			run := &workloadRun{partition: partitionOf(&st.Caller.ARN), region: awsCfg.Region,
				entries: map[string]*workloads.Entry{w.Name: &w.Entry}}
			if run.roles, err = cfg.WorkloadRoles(st, run.partition); err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(g.streams.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(snippets(run))
			}
			printSnippets(g.streams.Out, run)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print workload, account, role_arn and snippet per account as JSON on stdout")
	cmd.Flags().StringVarP(&file, "file", "f", "keyless.yaml", "the configuration `FILE`")
	o.addFlags(cmd.Flags())
	return cmd
}
