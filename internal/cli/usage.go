package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/spf13/pflag"

	"github.com/keyless-dev/keyless/internal/audit"
	"github.com/keyless-dev/keyless/internal/plural"
	"github.com/keyless-dev/keyless/internal/usage"
)

// usageOptions are the flags of CloudTrail usage evidence (audit, cleanup).
type usageOptions struct {
	off     bool
	regions []string
}

func (o *usageOptions) addFlags(f *pflag.FlagSet) {
	f.BoolVar(&o.off, "no-usage", false, "skip CloudTrail: no evidence of what each access key calls, from where (faster; cleanup then retires no machine user)")
	f.StringSliceVar(&o.regions, "regions", nil, "`REGIONS` to read CloudTrail in, comma-separated (default: the configured region and us-east-1, plus each key's last-used region)")
}

// regionsFor are the regions to look for an account's keys' calls in.
func (o *usageOptions) regionsFor(cfg aws.Config) []string {
	if len(o.regions) > 0 {
		return o.regions
	}
	rs := []string{"us-east-1"}
	if cfg.Region != "" && !slices.Contains(rs, cfg.Region) {
		rs = append([]string{cfg.Region}, rs...)
	}
	return rs
}

// validate checks --regions.
func (o *usageOptions) validate() error {
	for _, r := range o.regions {
		if r == "" || strings.ContainsAny(r, " /:") {
			return usageErrorf("--regions %q: give region names, comma-separated (us-east-1,eu-west-1)", strings.Join(o.regions, ","))
		}
	}
	return nil
}

// collectUsage reads the last 90 days of CloudTrail for every access key
// of the accounts, each through the configuration that read it, showing
// progress on stderr when it is a terminal.
func collectUsage(ctx context.Context, g *globalOptions, o *usageOptions, states []*audit.AccountState, cfgs map[string]aws.Config) (*usage.Report, error) {
	var keys []usage.Key
	for _, st := range states {
		keys = append(keys, audit.UsageKeys(st, o.regionsFor(cfgs[st.AccountID]))...)
	}
	if len(keys) == 0 {
		return &usage.Report{}, nil
	}
	clients := func(_ context.Context, account, region string) (usage.LookupAPI, error) {
		cfg, ok := cfgs[account]
		if !ok {
			return nil, fmt.Errorf("no credentials for account %s", account)
		}
		return cloudtrail.NewFromConfig(cfg, func(o *cloudtrail.Options) { o.Region = region }), nil
	}
	var opts usage.Options
	if isTerminal(g.streams.Err) {
		// On a terminal only: a pipeline's logs and --json's readers do
		// not want a line every two seconds.
		p := newProgress(g.streams.Err)
		defer p.Done()
		opts.Progress = func(pr usage.Progress) {
			p.Update(pr.Done, pr.Total, fmt.Sprintf("CloudTrail: %s, %s/%s", plural.Count(pr.Pages, "page", "pages"), pr.Account, pr.Region))
		}
	}
	return usage.Collect(ctx, clients, keys, opts)
}
