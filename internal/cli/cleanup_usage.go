package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"

	"github.com/keyless-dev/keyless/internal/audit"
	"github.com/keyless-dev/keyless/internal/cleanup"
	kconfig "github.com/keyless-dev/keyless/internal/config"
	"github.com/keyless-dev/keyless/internal/usage"
)

// cleanupWorkloads reads the replacements keyless.yaml declares for
// machine users: workloads: entries with like_user, by the user's name.
func cleanupWorkloads(o *cleanupOptions) (map[string]cleanup.Workload, error) {
	cfg, err := kconfig.Load(o.file)
	if err != nil {
		if !o.fileGiven {
			if _, statErr := os.Stat(o.file); errors.Is(statErr, fs.ErrNotExist) {
				return nil, nil
			}
		}
		return nil, err
	}
	out := map[string]cleanup.Workload{}
	for _, w := range cfg.Workloads {
		if u := w.LikeUser.Value; u != "" {
			out[strings.ToLower(u)] = cleanup.Workload{Name: w.Name, Role: w.RoleNameOf()}
		}
	}
	return out, nil
}

// cleanupUsage gives the plan each key's CloudTrail evidence, its users'
// classes and the workload roles' last AssumeRoleWithWebIdentity, and
// reports at once every key used after keyless deactivated it.
func cleanupUsage(ctx context.Context, g *globalOptions, o *cleanupOptions, st *audit.AccountState, cfg aws.Config, in *cleanup.Input) error {
	regions := o.usage.regionsFor(cfg)
	in.RoleAssumed = map[string]time.Time{}
	for _, w := range in.Workloads {
		for _, r := range st.Roles {
			if !strings.EqualFold(r.Name, w.Role) {
				continue
			}
			ct := cloudtrail.NewFromConfig(cfg, func(o *cloudtrail.Options) { o.Region = regions[0] })
			t, err := usage.LastAssumed(ctx, ct, r.ARN, in.Now)
			if err != nil {
				fmt.Fprintf(g.streams.Err, "warning: CloudTrail for role %s: %v: its RoleLastUsed alone tells when it was used\n", r.ARN, err)
			} else if !t.IsZero() {
				in.RoleAssumed[r.ARN] = t
			}
		}
	}
	ur, err := collectUsage(ctx, g, &o.usage, []*audit.AccountState{st}, map[string]aws.Config{st.AccountID: cfg})
	if err != nil {
		return err
	}
	in.Usage, in.UsageFrom, in.Classes = map[string]*usage.KeyUsage{}, ur.From, map[string]usage.Classification{}
	for _, k := range ur.Keys {
		in.Usage[k.AccessKeyID] = k
	}
	for id, c := range audit.Classify([]*audit.AccountState{st}, ur) {
		in.Classes[strings.TrimPrefix(id, st.AccountID+"/")] = c
	}
	rep := &audit.Report{}
	audit.AttachUsage(rep, []*audit.AccountState{st}, ur)
	for _, f := range rep.Findings {
		fmt.Fprintf(g.streams.Err, "warning: %s %s: %s\nhint: %s\n", f.Title, f.Resource, f.Evidence, f.Remediation)
	}
	return nil
}
