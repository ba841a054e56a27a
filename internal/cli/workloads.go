package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/sync/errgroup"

	"github.com/keyless-dev/keyless/internal/config"
	ic "github.com/keyless-dev/keyless/internal/identitycenter"
	"github.com/keyless-dev/keyless/internal/workloads"
)

// workloadRun is what apply needs to make workloads' IAM changes: a client
// per account and the partition.
type workloadRun struct {
	partition string
	iam       map[string]workloads.IAM
	// region goes into the CI snippets apply prints; roles are the roles
	// the file asks for, per account, and entries the workloads by name.
	region  string
	roles   map[string][]workloads.Role
	entries map[string]*workloads.Entry
}

// planWorkloads reads IAM in each account a workload targets and returns
// the changes, in account order. The caller's own account is reached with
// its credentials; member accounts through orgRole
// (OrganizationAccountAccessRole), assumed with them, as audit
// --all-accounts does.
//
// With prune, every active account is read too, for the roles and providers
// keyless made that the file no longer asks for.
//
// IAM's quota is per account, so each account's IAM requests, plan's and
// apply's, keep to iamTPS on their own, and accounts are read at the same
// time (accountsAtOnce of them).
func planWorkloads(ctx context.Context, cfg *config.Config, st *ic.State, awsCfg aws.Config, orgRole string, iamTPS float64, prune bool) ([]workloads.Change, *workloadRun, error) {
	run := &workloadRun{partition: partitionOf(&st.Caller.ARN), iam: map[string]workloads.IAM{}, region: awsCfg.Region,
		entries: map[string]*workloads.Entry{}}
	roles, err := cfg.WorkloadRoles(st, run.partition)
	if err != nil {
		return nil, nil, err
	}
	run.roles = roles
	for i := range cfg.Workloads {
		run.entries[cfg.Workloads[i].Name] = &cfg.Workloads[i].Entry
	}
	accounts := slices.Collect(maps.Keys(roles))
	if prune {
		for _, a := range st.Accounts {
			if (a.Status == "" || a.Status == "ACTIVE") && !slices.Contains(accounts, a.ID) {
				accounts = append(accounts, a.ID)
			}
		}
	}
	slices.Sort(accounts)
	awsCfg = withConnections(awsCfg, accountsAtOnce)
	for _, acct := range accounts {
		run.iam[acct] = iamClient(awsCfg, acct, st.Caller.AccountID, run.partition, orgRole, ic.RateLimit(iamTPS))
	}
	changes := make([][]workloads.Change, len(accounts))
	err = eachAccount(ctx, accounts, func(ctx context.Context, i int, acct string) error {
		c := run.iam[acct]
		planned, err := workloads.PlanAccount(ctx, c, run.partition, acct, roles[acct])
		if err == nil && prune {
			var gone []workloads.Change
			gone, err = workloads.PlanPrune(ctx, c, acct, roles[acct])
			planned = append(planned, gone...)
		}
		if err != nil && acct != st.Caller.AccountID {
			return withHint(err, fmt.Sprintf("keyless reaches account %s through the role %s: check that the management account's credentials may assume it, or give --org-role", acct, orgRole))
		}
		changes[i] = planned
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return slices.Concat(changes...), run, nil
}

// accountsAtOnce bounds the accounts plan and apply work in at the same
// time: each account has its own IAM quota, so with all of them at once the
// wall time is the busiest account's requests over --iam-tps.
const accountsAtOnce = 64

// eachAccount runs f for each account, accountsAtOnce at a time. The first
// failure stops the rest; the failures (not the stops they caused) come
// back joined in account order, so what is printed does not depend on
// which goroutine ran first.
func eachAccount(ctx context.Context, accounts []string, f func(ctx context.Context, i int, acct string) error) error {
	stop, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, len(accounts))
	var g errgroup.Group
	g.SetLimit(accountsAtOnce)
	for i, acct := range accounts {
		g.Go(func() error {
			if stop.Err() == nil {
				if errs[i] = f(stop, i, acct); errs[i] != nil {
					cancel()
				}
			}
			return nil
		})
	}
	_ = g.Wait()
	if ctx.Err() != nil {
		return ctx.Err() // interrupted: every account stopped for that
	}
	return errors.Join(slices.DeleteFunc(errs, func(err error) bool { return errors.Is(err, context.Canceled) })...)
}

// withConnections lets cfg's HTTP client keep n idle connections to one
// host, not the SDK's 10: IAM is one endpoint, and n accounts call it at
// once; fewer would open and close a connection per request.
func withConnections(cfg aws.Config, n int) aws.Config {
	if bc, ok := cfg.HTTPClient.(*awshttp.BuildableClient); ok {
		cfg.HTTPClient = bc.WithTransportOptions(func(t *http.Transport) { t.MaxIdleConnsPerHost = n })
	}
	return cfg
}

// iamClient is an IAM client for account: the caller's credentials in its
// own account, orgRole assumed with them in any other; its requests wait
// for limit, retries included.
func iamClient(awsCfg aws.Config, account, caller, partition, orgRole string, limit func(*middleware.Stack) error) *iam.Client {
	limited := func(o *iam.Options) {
		o.APIOptions = append(o.APIOptions, limit)
		// Throttling (IAM's quota is the account's, shared with whatever
		// else runs there) is retried patiently, as for Identity Center.
		o.Retryer, o.RetryMaxAttempts = ic.DefaultLimits().Retryer(), 0
	}
	if account == caller {
		return iam.NewFromConfig(awsCfg, limited)
	}
	arn := fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, account, orgRole)
	member := awsCfg.Copy()
	member.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(awsCfg), arn, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = "keyless-workloads"
	}))
	return iam.NewFromConfig(member, limited)
}

// applyWorkloads makes the workloads' IAM changes, in all accounts at once.
func applyWorkloads(ctx context.Context, run *workloadRun, changes []workloads.Change) error {
	byAccount := map[string][]workloads.Change{}
	for _, c := range changes {
		byAccount[c.Account] = append(byAccount[c.Account], c)
	}
	return eachAccount(ctx, slices.Sorted(maps.Keys(byAccount)), func(ctx context.Context, _ int, acct string) error {
		return workloads.Apply(ctx, run.iam[acct], run.partition, byAccount[acct], sleepCtx)
	})
}

// workloadSnippet is one workload's role in one account and the CI
// configuration that assumes it.
type workloadSnippet struct {
	Workload string `json:"workload"`
	Account  string `json:"account"`
	RoleARN  string `json:"role_arn"`
	Snippet  string `json:"snippet"`
}

// snippets are run's roles with their snippets, by workload and account.
func snippets(run *workloadRun) []workloadSnippet {
	var out []workloadSnippet
	for acct, roles := range run.roles {
		for _, r := range roles {
			arn := workloads.RoleARN(run.partition, acct, r.Path, r.Name)
			out = append(out, workloadSnippet{Workload: r.Workload, Account: acct, RoleARN: arn,
				Snippet: workloads.Snippet(run.entries[r.Workload], r.Trust.Audiences[0], arn, run.region)})
		}
	}
	slices.SortFunc(out, func(a, b workloadSnippet) int {
		return cmp.Or(strings.Compare(a.Workload, b.Workload), strings.Compare(a.Account, b.Account))
	})
	return out
}

// printSnippets writes, per workload, each account's role ARN and the CI
// configuration that assumes it.
func printSnippets(w io.Writer, run *workloadRun) {
	all := snippets(run)
	for i, s := range all {
		if i == 0 || s.Workload != all[i-1].Workload {
			if i > 0 {
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "Workload %s:\n", s.Workload)
		}
		fmt.Fprintf(w, "  role %s\n", s.RoleARN)
		for _, l := range strings.SplitAfter(s.Snippet, "\n") {
			if l != "" {
				fmt.Fprint(w, "    "+l)
			}
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
