package cli

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyless-dev/keyless/internal/sandbox"
)

type sandboxOptions struct {
	addr            string
	allowRemote     bool
	seed            string
	tps             float64
	iamTPS          float64
	assignmentDelay time.Duration
	latency         time.Duration
	throttle        float64
	fail5xx         float64
	approveAs       string
	accessTokenTTL  time.Duration
	refreshTokenTTL time.Duration
	roleCredsTTL    time.Duration
}

func newSandboxCommand(g *globalOptions) *cobra.Command {
	o := &sandboxOptions{}
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run a local IAM Identity Center that the AWS CLI and SDKs can talk to",
		Long: `Run a local IAM Identity Center on one loopback address, in AWS's wire
protocols. It serves:

  Organizations, sso-admin, identitystore, sso-oidc and the SSO portal
  STS and IAM (role sessions' policies are evaluated), console federation
  EventBridge Scheduler and Step Functions (it runs due schedules and
    the state machines' executions)
  DynamoDB
  CloudTrail (LookupEvents)

Point AWS_ENDPOINT_URL at it and the AWS CLI, boto3 and aws-sdk-go-v2 talk
to it; any access keys act as the management account's administrator.

The default world: management account 111111111111 with members
222222222222 (dev) and 333333333333 (prod), identity store d-1111111111.
--seed FILE loads another world (see docs/sandbox.md).

It stops cleanly on SIGINT or SIGTERM.`,
		Example: `  keyless sandbox
  keyless sandbox --addr 127.0.0.1:4600 --approve-as alice@example.com
  keyless sandbox --seed world.yaml --tps 20 --assignment-delay 2s`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSandbox(cmd, g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:4599", "address to listen on (loopback only, unless --allow-remote)")
	f.BoolVar(&o.allowRemote, "allow-remote", false, "allow a non-loopback --addr (the sandbox accepts any credentials)")
	f.StringVar(&o.seed, "seed", "", "YAML `FILE` describing the world to start with")
	f.Float64Var(&o.tps, "tps", 0, "AWS quotas: sso-admin N requests/s in all, identitystore N per operation (0: unlimited)")
	f.Float64Var(&o.iamTPS, "iam-tps", 0, "IAM's quota: N requests/s per account, all callers in it together (0: unlimited)")
	f.DurationVar(&o.assignmentDelay, "assignment-delay", sandbox.DefaultAssignmentDelay, "how long assignments, provisioning and account creation stay IN_PROGRESS")
	f.DurationVar(&o.latency, "latency", 0, "delay added to every API request")
	f.Float64Var(&o.throttle, "throttle", 0, "fraction of API requests answered with ThrottlingException (0-1)")
	f.Float64Var(&o.fail5xx, "fail5xx", 0, "fraction of API requests answered with HTTP 500 (0-1)")
	f.StringVar(&o.approveAs, "approve-as", "", "approve every sign-in at once as this identity-store `USERNAME`")
	f.DurationVar(&o.accessTokenTTL, "access-token-ttl", time.Hour, "lifetime of OIDC access tokens")
	f.DurationVar(&o.refreshTokenTTL, "refresh-token-ttl", 90*24*time.Hour, "lifetime of OIDC refresh tokens")
	f.DurationVar(&o.roleCredsTTL, "role-credentials-ttl", 0, "lifetime of the portal's role credentials (0: the permission set's session duration)")
	return cmd
}

func (o *sandboxOptions) validate() error {
	for name, p := range map[string]float64{"--throttle": o.throttle, "--fail5xx": o.fail5xx} {
		if p < 0 || p > 1 {
			return usageErrorf("%s %v: give a fraction between 0 and 1, e.g. 0.1 for 10%%", name, p)
		}
	}
	if o.throttle+o.fail5xx > 1 {
		return usageErrorf("--throttle and --fail5xx add up to more than 1")
	}
	if o.tps < 0 {
		return usageErrorf("--tps %v: give a positive rate, or 0 for no limit", o.tps)
	}
	if o.iamTPS < 0 {
		return usageErrorf("--iam-tps %v: give a positive rate, or 0 for no limit", o.iamTPS)
	}
	if o.accessTokenTTL <= 0 || o.refreshTokenTTL <= 0 {
		return usageErrorf("--access-token-ttl and --refresh-token-ttl must be positive durations, e.g. 1h")
	}
	if o.roleCredsTTL < 0 {
		return usageErrorf("--role-credentials-ttl %v: give a positive duration, e.g. 2m, or 0 for the permission set's session duration", o.roleCredsTTL)
	}
	return nil
}

func runSandbox(cmd *cobra.Command, g *globalOptions, o *sandboxOptions) error {
	if err := o.validate(); err != nil {
		return err
	}
	opts := sandbox.Options{
		TPS: o.tps, IAMTPS: o.iamTPS, AssignmentDelay: o.assignmentDelay, Latency: o.latency,
		Throttle: o.throttle, Fail5xx: o.fail5xx, ApproveAs: o.approveAs,
		AccessTokenTTL: o.accessTokenTTL, RefreshTokenTTL: o.refreshTokenTTL, RoleCredentialsTTL: o.roleCredsTTL,
		Log: g.Log(),
	}
	if o.assignmentDelay == 0 {
		opts.AssignmentDelay = -1 // zero on the command line means "complete at once"
	}
	if o.seed != "" {
		seed, err := sandbox.LoadSeed(o.seed)
		if err != nil {
			return withHint(err, "see docs/sandbox.md for the seed file's fields")
		}
		opts.Seed = seed
	}
	srv, err := sandbox.New(opts)
	if err != nil {
		return err
	}
	l, err := sandbox.Listen(o.addr, o.allowRemote)
	if err != nil {
		return withHint(fmt.Errorf("--addr: %w", err), "pick a free loopback port, e.g. --addr 127.0.0.1:4600")
	}
	url := "http://" + l.Addr().String()
	out := g.streams.Err
	fmt.Fprintf(out, "keyless sandbox: a local IAM Identity Center at %s\n\n", url)
	fmt.Fprintf(out, "Paste into your shell to point the AWS CLI and SDKs at it:\n\n")
	fmt.Fprintf(cmd.OutOrStdout(), "export AWS_ENDPOINT_URL=%s\nexport AWS_ACCESS_KEY_ID=AKIASANDBOXEXAMPLE00\nexport AWS_SECRET_ACCESS_KEY=sandbox-secret-not-a-real-key\nexport AWS_REGION=us-east-1\nexport AWS_DEFAULT_REGION=us-east-1\n", url)
	fmt.Fprintf(out, "\nAccess portal: %s/start   (identity store %s)\n", url, srv.IdentityStoreID())
	fmt.Fprintf(out, "Admin: %s/_sandbox/state, /_sandbox/calls, POST /_sandbox/reset. Stop with Ctrl-C.\n", url)
	err = srv.Serve(cmd.Context(), l)
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("sandbox: %w", err)
	}
	fmt.Fprintln(out, "keyless sandbox: stopped")
	return nil
}
