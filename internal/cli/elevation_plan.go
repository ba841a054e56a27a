package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyless-dev/keyless/internal/config"
	"github.com/keyless-dev/keyless/internal/elevation"
	ic "github.com/keyless-dev/keyless/internal/identitycenter"
	"github.com/keyless-dev/keyless/internal/lazyre"
	"github.com/keyless-dev/keyless/internal/plan"
)

// elevationRun is what plan and apply need for elevation:: the home
// account and its clients.
type elevationRun struct {
	cfg  *config.Config
	home string
	h    *elevation.Home
	// reread reads Identity Center again, after apply has made the sets,
	// users and groups the rules name.
	reread func(ctx context.Context) (*ic.State, error)
}

// prepareElevation resolves the home account, adds Identity Center's part
// of elevation (the KeylessElevation set and its assignments) to d, and
// makes the home account's clients: the caller's credentials when it is
// the caller's account, else orgRole assumed there, as for workloads:.
func prepareElevation(ctx context.Context, cfg *config.Config, st *ic.State, clients *ic.Clients, awsCfg aws.Config, orgRole string, d *ic.Desired) (*elevationRun, error) {
	delegated := ""
	if st.Delegated() {
		delegated = st.Caller.AccountID
	} else if cfg.Elevation.HomeAccount.Value == "" && clients.Organizations != nil {
		// Management account: the delegated administrator, if any, is home.
		out, err := clients.Organizations.ListDelegatedAdministrators(ctx, &organizations.ListDelegatedAdministratorsInput{ServicePrincipal: aws.String("sso.amazonaws.com")})
		if err == nil && len(out.DelegatedAdministrators) > 0 {
			delegated = aws.ToString(out.DelegatedAdministrators[0].Id)
		}
	}
	home, err := cfg.ElevationHome(st, delegated)
	if err != nil {
		return nil, err
	}
	if err := cfg.ElevationDesired(d, st, home); err != nil {
		return nil, err
	}
	// Every name AWS must know, checked before anything is planned.
	if _, err := cfg.ElevationCatalog(st, home); err != nil {
		return nil, err
	}
	homeCfg := elevationHomeConfig(st, awsCfg, st.Region, home, orgRole)
	return &elevationRun{cfg: cfg, home: home, h: &elevation.Home{IAM: iam.NewFromConfig(homeCfg), DynamoDB: dynamodb.NewFromConfig(homeCfg),
		SFN: sfn.NewFromConfig(homeCfg), Scheduler: scheduler.NewFromConfig(homeCfg)}}, nil
}

// elevationHomeConfig reaches the home account in region: the caller's
// credentials when it is the caller's account, else orgRole assumed there,
// as for workloads:.
func elevationHomeConfig(st *ic.State, awsCfg aws.Config, region, home, orgRole string) aws.Config {
	homeCfg := awsCfg.Copy()
	homeCfg.Region = region
	if home != st.Caller.AccountID {
		arn := fmt.Sprintf("arn:%s:iam::%s:role/%s", partitionOf(&st.Caller.ARN), home, orgRole)
		homeCfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(awsCfg), arn, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "keyless-elevation"
		}))
	}
	return homeCfg
}

// checkElevationRemoved guards a plan whose keyless.yaml has no
// elevation: section while Identity Center still holds keyless's
// KeylessElevation set (the section was taken out): with --prune, plan
// deletes the assignments of grants still running, which would leave
// their sessions uncut. It refuses then, naming the grants
// (elevation.CheckRemoval). The home account is the one the set's inline
// policy names.
func checkElevationRemoved(ctx context.Context, st *ic.State, p *plan.Plan, awsCfg aws.Config, orgRole string) error {
	deleting := map[string]bool{}
	for _, c := range p.Changes {
		if a := c.HaveAssignment; c.Op == ic.Delete && c.Kind == ic.KindAssignment && a != nil && a.PrincipalType == "USER" {
			deleting[elevation.AssignmentKey(a.PermissionSetARN, a.AccountID, a.PrincipalID)] = true
		}
	}
	if len(deleting) == 0 {
		return nil
	}
	var region, home string
	for i := range st.PermissionSets {
		if ps := &st.PermissionSets[i]; ps.Name == elevation.PermissionSetName && ps.Owned() {
			region, home, _ = elevation.HomeOf(ps.InlinePolicy)
		}
	}
	if home == "" {
		return nil
	}
	db := dynamodb.NewFromConfig(elevationHomeConfig(st, awsCfg, region, home, orgRole))
	err := elevation.CheckRemoval(ctx, db, deleting, time.Now())
	var gone *ddbtypes.ResourceNotFoundException
	var running *elevation.RunningGrantError
	switch {
	case err == nil, errors.As(err, &gone): // no table: no grant
		return nil
	case errors.As(err, &running):
		return err
	}
	return (&elevationRun{home: home}).reach(fmt.Errorf("elevation: left keyless.yaml, and plan deletes assignments: look for running grants first: %w", err))
}

// plan compiles the catalog against st and reads the home account.
func (r *elevationRun) plan(ctx context.Context, st *ic.State) ([]elevation.Change, error) {
	cat, err := r.cfg.ElevationCatalog(st, r.home)
	if err != nil {
		return nil, err
	}
	if err := elevation.ReadRoleID(ctx, r.h.IAM, cat); err != nil {
		return nil, r.reach(err)
	}
	sessions := map[string]int{}
	for _, ps := range st.PermissionSets {
		if s := isoSeconds(ps.SessionDuration); s > 0 {
			sessions[ps.ARN] = s
		}
	}
	d, err := elevation.Compile(cat, sessions)
	if err != nil {
		return nil, err
	}
	changes, err := elevation.Plan(ctx, r.h, d)
	return changes, r.reach(err)
}

func (r *elevationRun) reach(err error) error {
	if _, ok := errors.AsType[*elevation.RunningGrantError](err); err == nil || ok {
		return err
	}
	return withHint(err, fmt.Sprintf("elevation's resources live in account %s (elevation.home_account): keyless reaches it with the caller's credentials there, or through --org-role", r.home))
}

// apply makes the elevation changes. When apply changed Identity Center
// first, the catalog is compiled again: the sets, users, groups and the
// KeylessElevation role exist now.
func (r *elevationRun) apply(ctx context.Context, planned []elevation.Change, identityCenterChanged bool) error {
	if identityCenterChanged {
		st, err := r.reread(ctx)
		if err != nil {
			return fmt.Errorf("read Identity Center again: %w", err)
		}
		if planned, err = r.plan(ctx, st); err != nil {
			return err
		}
	}
	return r.reach(elevation.Apply(ctx, r.h, planned))
}

var isoDuration = lazyre.New(`^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$`)

// isoSeconds is an ISO 8601 session duration (PT1H30M) in seconds, 0 if
// it is not one.
func isoSeconds(s string) int {
	m := isoDuration.FindStringSubmatch(s)
	if m == nil {
		return 0
	}
	total := 0
	for i, unit := range []int{3600, 60, 1} {
		n, _ := strconv.Atoi(m[i+1])
		total += n * unit
	}
	return total
}
