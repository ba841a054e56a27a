package identitycenter

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"golang.org/x/sync/errgroup"
)

// EnableURL is where Identity Center is enabled; no API can do it for an
// organization.
const EnableURL = "https://console.aws.amazon.com/singlesignon/home"

// ReadOptions say what Read reads.
type ReadOptions struct {
	// InstanceARN picks the Identity Center instance; empty means the only one.
	InstanceARN string
	// PermissionSets says keyless.yaml asks for permission sets or
	// assignments: Read refuses an account instance, which cannot hold them,
	// before reading anything more.
	PermissionSets bool
	// AccountTags reads every account's tags (one call per account), for
	// configurations that target accounts by tag.
	AccountTags bool
	// Log receives debug notes (calls an emulator does not implement); nil
	// discards.
	Log *slog.Logger
	// Now is the clock for State.ReadAt; nil means time.Now.
	Now func() time.Time
}

// readParallel bounds the calls Read has in flight per service; the rate
// limiters decide the pace.
const readParallel = 8

// Read reads Identity Center, its identity store and the organization's
// accounts into a State, every list paged to the end and sorted.
func Read(ctx context.Context, c *Clients, opts ReadOptions) (*State, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	st := &State{Region: c.Region, ReadAt: opts.Now()}
	if err := readInstance(ctx, c, opts.InstanceARN, st); err != nil {
		return nil, err
	}
	caller, err := readCaller(ctx, c)
	if err != nil {
		return nil, err
	}
	st.Caller = caller

	r := &reader{c: c, st: st, log: opts.Log}
	// The organization first: it tells an account instance, whose
	// permission sets cannot be read.
	if err := r.organization(ctx, opts.AccountTags); err != nil {
		return nil, err
	}
	if st.AccountInstance && opts.PermissionSets {
		return nil, &AccountInstanceError{InstanceARN: st.InstanceARN, Owner: st.InstanceOwner}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return r.identityStore(gctx) })
	if !st.AccountInstance {
		g.Go(func() error { return r.permissionSets(gctx) })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := r.untrackedAssignments(ctx); err != nil {
		return nil, err
	}
	sortState(st)
	return st, nil
}

type reader struct {
	c   *Clients
	st  *State
	log *slog.Logger

	tagsOnce, boundaryOnce sync.Once

	// untracked is set when the endpoint does not report provisioning
	// status: then it does not provision on assignment either (moto), and
	// neither provisioning nor its status says anything.
	untracked bool
}

func readInstance(ctx context.Context, c *Clients, want string, st *State) error {
	var all []ssotypes.InstanceMetadata
	p := ssoadmin.NewListInstancesPaginator(c.SSOAdmin, &ssoadmin.ListInstancesInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list identity center instances: %w", err)
		}
		all = append(all, out.Instances...)
	}
	found, err := pickInstance(all, want, c.Region)
	if err != nil {
		return err
	}
	st.InstanceARN = aws.ToString(found.InstanceArn)
	st.IdentityStoreID = aws.ToString(found.IdentityStoreId)
	st.InstanceOwner = aws.ToString(found.OwnerAccountId)
	return nil
}

// pickInstance chooses the instance to manage: the one asked for, else the
// only one.
func pickInstance(all []ssotypes.InstanceMetadata, want, region string) (*ssotypes.InstanceMetadata, error) {
	switch {
	case want != "":
		for i := range all {
			if aws.ToString(all[i].InstanceArn) == want {
				return &all[i], nil
			}
		}
		return nil, &InstanceError{Msg: fmt.Sprintf("identity center instance %s not found; this account and region have %s", want, instanceList(all)),
			Instances: all, hint: "check instance_arn in keyless.yaml, the region and the credentials' account"}
	case len(all) == 0:
		// A member account sees the organization instance only as its
		// delegated administrator: then it may be enabled and out of sight.
		return nil, &InstanceError{Msg: fmt.Sprintf("identity center is not enabled in %s for this account, or this account does not administer it", regionOr(region)),
			hint: fmt.Sprintf("enable it in the console at %s (it cannot be enabled by API for an organization), then run keyless again; "+
				"if it is enabled, run keyless with the management account's credentials or its delegated administrator's", EnableURL)}
	case len(all) > 1:
		return nil, &InstanceError{Msg: fmt.Sprintf("this account sees %d identity center instances:\n%s", len(all), instanceList(all)),
			Instances: all, hint: "set instance_arn in keyless.yaml to the one to manage (an account instance cannot hold permission sets)"}
	}
	return &all[0], nil
}

// AccountInstanceError refuses permission sets and assignments for an
// account instance (a member account's own Identity Center): AWS keeps them
// for the organization instance.
type AccountInstanceError struct {
	InstanceARN, Owner string
}

func (e *AccountInstanceError) Error() string {
	return fmt.Sprintf("identity center instance %s is an account instance (of account %s): it cannot hold permission sets or account assignments, and keyless.yaml asks for some", e.InstanceARN, e.Owner)
}

// Hint says what to do.
func (e *AccountInstanceError) Hint() string {
	return "set instance_arn in keyless.yaml to the organization instance (run keyless from the management account or the delegated administrator), or keep only users and groups in keyless.yaml for this instance"
}

// InstanceError is an instance that cannot be chosen: several and no
// instance_arn, or instance_arn names none of them.
type InstanceError struct {
	Msg       string
	Instances []ssotypes.InstanceMetadata
	hint      string
}

func (e *InstanceError) Error() string { return e.Msg }
func (e *InstanceError) Hint() string  { return e.hint }

// instanceList shows instances one a line: ARN, identity store, owner
// account, name and status.
func instanceList(all []ssotypes.InstanceMetadata) string {
	if len(all) == 0 {
		return "no instance"
	}
	lines := make([]string, len(all))
	for i, in := range all {
		name := aws.ToString(in.Name)
		if name == "" {
			name = "(no name)"
		}
		lines[i] = fmt.Sprintf("  %s  identity store %s  owner %s  name %s  %s", aws.ToString(in.InstanceArn),
			aws.ToString(in.IdentityStoreId), aws.ToString(in.OwnerAccountId), strconv.Quote(name), in.Status)
	}
	return strings.Join(lines, "\n")
}

func regionOr(r string) string {
	if r == "" {
		return "this region"
	}
	return r
}

func readCaller(ctx context.Context, c *Clients) (Caller, error) {
	out, err := c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return Caller{}, fmt.Errorf("get caller identity: %w; check the AWS credentials keyless runs with", err)
	}
	return parseCaller(aws.ToString(out.Account), aws.ToString(out.Arn)), nil
}

func parseCaller(account, arn string) Caller {
	cl := Caller{AccountID: account, ARN: arn}
	// An Identity Center role session.
	re := regexp.MustCompile(`^arn:aws[a-z-]*:sts::\d{12}:assumed-role/AWSReservedSSO_(.+)_[0-9a-f]{16}/(.+)$`)
	if m := re.FindStringSubmatch(arn); m != nil {
		cl.SSOPermissionSet, cl.SSOUserName = m[1], m[2]
	}
	return cl
}

// organization reads the accounts, the OU tree and, when asked, account tags.
func (r *reader) organization(ctx context.Context, tags bool) error {
	org, err := r.c.Organizations.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	var notInUse *orgtypes.AWSOrganizationsNotInUseException
	switch {
	case errors.As(err, &notInUse):
		// A standalone account: it is the only account assignments can target.
		r.st.ManagementAccountID = r.st.Caller.AccountID
		r.st.Accounts = []Account{{ID: r.st.Caller.AccountID, Status: "ACTIVE"}}
		return nil
	case err != nil:
		return fmt.Errorf("describe organization: %w", err)
	}
	r.st.ManagementAccountID = aws.ToString(org.Organization.MasterAccountId)
	if owner := r.st.InstanceOwner; owner != "" && owner != r.st.ManagementAccountID {
		// An account instance: its owner is the only account it knows, and
		// a member account may not list the organization's accounts.
		r.st.AccountInstance = true
		r.st.Accounts = []Account{{ID: owner, Status: "ACTIVE"}}
		return nil
	}

	var accounts []Account
	p := organizations.NewListAccountsPaginator(r.c.Organizations, &organizations.ListAccountsInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list accounts: %w", err)
		}
		for _, a := range out.Accounts {
			status := string(a.State)
			if status == "" {
				status = string(a.Status)
			}
			accounts = append(accounts, Account{ID: aws.ToString(a.Id), Name: aws.ToString(a.Name), Email: aws.ToString(a.Email), Status: status})
		}
	}

	roots := organizations.NewListRootsPaginator(r.c.Organizations, &organizations.ListRootsInput{})
	for roots.HasMorePages() {
		out, err := roots.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list organization roots: %w", err)
		}
		for _, rt := range out.Roots {
			if r.st.RootID == "" {
				r.st.RootID = aws.ToString(rt.Id)
			}
		}
	}
	parents, ous, err := r.walk(ctx, r.st.RootID)
	if err != nil {
		return err
	}
	for i := range accounts {
		accounts[i].ParentID = parents[accounts[i].ID]
	}
	r.st.OUs = ous

	if tags {
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(readParallel)
		for i := range accounts {
			g.Go(func() error {
				t, err := r.accountTags(gctx, accounts[i].ID)
				accounts[i].Tags = t
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return err
		}
	}
	r.st.Accounts = accounts
	return nil
}

// walk lists the OUs below root, level by level, and which parent each
// account is in.
func (r *reader) walk(ctx context.Context, root string) (map[string]string, []OU, error) {
	if root == "" {
		return map[string]string{}, nil, nil
	}
	var (
		mu      sync.Mutex
		parents = map[string]string{}
		ous     []OU
	)
	level := []string{root}
	for len(level) > 0 {
		var next []string
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(readParallel)
		for _, parent := range level {
			g.Go(func() error {
				p := organizations.NewListOrganizationalUnitsForParentPaginator(r.c.Organizations, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(parent)})
				for p.HasMorePages() {
					out, err := p.NextPage(gctx)
					if err != nil {
						return fmt.Errorf("list organizational units in %s: %w", parent, err)
					}
					mu.Lock()
					for _, ou := range out.OrganizationalUnits {
						ous = append(ous, OU{ID: aws.ToString(ou.Id), Name: aws.ToString(ou.Name), ParentID: parent})
						next = append(next, aws.ToString(ou.Id))
					}
					mu.Unlock()
				}
				a := organizations.NewListAccountsForParentPaginator(r.c.Organizations, &organizations.ListAccountsForParentInput{ParentId: aws.String(parent)})
				for a.HasMorePages() {
					out, err := a.NextPage(gctx)
					if err != nil {
						return fmt.Errorf("list accounts in %s: %w", parent, err)
					}
					mu.Lock()
					for _, acct := range out.Accounts {
						parents[aws.ToString(acct.Id)] = parent
					}
					mu.Unlock()
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return nil, nil, err
		}
		level = next
	}
	return parents, ous, nil
}

func (r *reader) accountTags(ctx context.Context, id string) (map[string]string, error) {
	tags := map[string]string{}
	p := organizations.NewListTagsForResourcePaginator(r.c.Organizations, &organizations.ListTagsForResourceInput{ResourceId: aws.String(id)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list tags of account %s: %w", id, err)
		}
		for _, t := range out.Tags {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	return tags, nil
}

// identityStore reads users and groups with their members.
func (r *reader) identityStore(ctx context.Context) error {
	store := aws.String(r.st.IdentityStoreID)
	var users []User
	up := identitystore.NewListUsersPaginator(r.c.IdentityStore, &identitystore.ListUsersInput{IdentityStoreId: store})
	for up.HasMorePages() {
		out, err := up.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list users of identity store %s: %w", r.st.IdentityStoreID, err)
		}
		for _, u := range out.Users {
			users = append(users, userOf(u))
		}
	}

	var groups []Group
	gp := identitystore.NewListGroupsPaginator(r.c.IdentityStore, &identitystore.ListGroupsInput{IdentityStoreId: store})
	for gp.HasMorePages() {
		out, err := gp.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list groups of identity store %s: %w", r.st.IdentityStoreID, err)
		}
		for _, g := range out.Groups {
			groups = append(groups, Group{ID: aws.ToString(g.GroupId), Name: aws.ToString(g.DisplayName), Description: aws.ToString(g.Description),
				External: len(g.ExternalIds) > 0})
		}
	}

	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(readParallel)
	for i := range groups {
		g.Go(func() error {
			members := map[string]string{}
			p := identitystore.NewListGroupMembershipsPaginator(r.c.IdentityStore, &identitystore.ListGroupMembershipsInput{IdentityStoreId: store, GroupId: aws.String(groups[i].ID)})
			for p.HasMorePages() {
				out, err := p.NextPage(gctx)
				if err != nil {
					return fmt.Errorf("list members of group %s: %w", groups[i].Name, err)
				}
				for _, m := range out.GroupMemberships {
					if u, ok := m.MemberId.(*istypes.MemberIdMemberUserId); ok {
						members[u.Value] = aws.ToString(m.MembershipId)
					}
				}
			}
			groups[i].Members = members
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	r.st.Users, r.st.Groups = users, groups
	return nil
}

func userOf(u istypes.User) User {
	out := User{ID: aws.ToString(u.UserId), UserName: aws.ToString(u.UserName), DisplayName: aws.ToString(u.DisplayName), UserType: aws.ToString(u.UserType),
		External: len(u.ExternalIds) > 0}
	if u.Name != nil {
		out.GivenName, out.FamilyName = aws.ToString(u.Name.GivenName), aws.ToString(u.Name.FamilyName)
	}
	for i, e := range u.Emails {
		if i == 0 || e.Primary {
			out.Email = aws.ToString(e.Value)
		}
		if e.Primary {
			break
		}
	}
	return out
}

// permissionSets reads every permission set in full, then the assignments
// in each account it is provisioned to. It first asks whether the endpoint
// reports provisioning at all (one call).
func (r *reader) permissionSets(ctx context.Context) error {
	_, err := r.c.SSOAdmin.ListPermissionSetProvisioningStatus(ctx, &ssoadmin.ListPermissionSetProvisioningStatusInput{
		InstanceArn: aws.String(r.st.InstanceARN), MaxResults: aws.Int32(1)})
	switch {
	case notImplemented(err):
		// moto differs from AWS: no provisioning status calls (HTTP 500),
		// and assignments do not provision.
		r.untracked = true
		r.log.Debug("provisioning status cannot be read here; assignments are read in every account, and outdated provisioning is not planned", "err", err)
	case err != nil:
		return fmt.Errorf("list permission set provisioning requests: %w", err)
	}

	var arns []string
	p := ssoadmin.NewListPermissionSetsPaginator(r.c.SSOAdmin, &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(r.st.InstanceARN)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list permission sets: %w", err)
		}
		arns = append(arns, out.PermissionSets...)
	}
	sets := make([]PermissionSet, len(arns))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(readParallel)
	for i, arn := range arns {
		g.Go(func() error {
			ps, err := r.permissionSet(gctx, arn)
			if err != nil {
				return err
			}
			sets[i] = *ps
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}

	var (
		mu          sync.Mutex
		assignments []Assignment
	)
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(readParallel)
	for _, ps := range sets {
		for _, acct := range ps.ProvisionedTo {
			g.Go(func() error {
				as, err := r.assignments(gctx, ps, acct)
				mu.Lock()
				assignments = append(assignments, as...)
				mu.Unlock()
				return err
			})
		}
	}
	if err := g.Wait(); err != nil {
		return err
	}
	r.st.PermissionSets, r.st.Assignments = sets, assignments
	return nil
}

// untrackedAssignments reads the assignments an endpoint that does not
// track provisioning hides from permissionSets: every permission set in
// every account it is not provisioned to. AWS provisions a permission set
// to an account when it is assigned there, so this is never needed there;
// moto differs from AWS: creating an assignment does not provision.
func (r *reader) untrackedAssignments(ctx context.Context) error {
	if !r.untracked {
		return nil
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(readParallel)
	for _, ps := range r.st.PermissionSets {
		for _, acct := range r.st.Accounts {
			if slices.Contains(ps.ProvisionedTo, acct.ID) {
				continue
			}
			g.Go(func() error {
				as, err := r.assignments(gctx, ps, acct.ID)
				mu.Lock()
				r.st.Assignments = append(r.st.Assignments, as...)
				mu.Unlock()
				return err
			})
		}
	}
	return g.Wait()
}

func (r *reader) assignments(ctx context.Context, ps PermissionSet, account string) ([]Assignment, error) {
	var out []Assignment
	p := ssoadmin.NewListAccountAssignmentsPaginator(r.c.SSOAdmin, &ssoadmin.ListAccountAssignmentsInput{
		InstanceArn: aws.String(r.st.InstanceARN), PermissionSetArn: aws.String(ps.ARN), AccountId: aws.String(account)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list assignments of permission set %s in account %s: %w", ps.Name, account, err)
		}
		for _, a := range page.AccountAssignments {
			out = append(out, Assignment{AccountID: aws.ToString(a.AccountId), PermissionSetARN: aws.ToString(a.PermissionSetArn),
				PrincipalType: string(a.PrincipalType), PrincipalID: aws.ToString(a.PrincipalId)})
		}
	}
	return out, nil
}

// permissionSet reads one permission set and everything attached to it.
func (r *reader) permissionSet(ctx context.Context, arn string) (*PermissionSet, error) {
	inst := aws.String(r.st.InstanceARN)
	d, err := r.c.SSOAdmin.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: inst, PermissionSetArn: aws.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("describe permission set %s: %w", arn, err)
	}
	ps := &PermissionSet{ARN: arn, Name: aws.ToString(d.PermissionSet.Name), Description: aws.ToString(d.PermissionSet.Description),
		SessionDuration: aws.ToString(d.PermissionSet.SessionDuration), RelayState: aws.ToString(d.PermissionSet.RelayState)}
	what := func(s string, err error) error {
		return fmt.Errorf("%s of permission set %s: %w", s, ps.Name, err)
	}

	mp := ssoadmin.NewListManagedPoliciesInPermissionSetPaginator(r.c.SSOAdmin, &ssoadmin.ListManagedPoliciesInPermissionSetInput{InstanceArn: inst, PermissionSetArn: aws.String(arn)})
	for mp.HasMorePages() {
		out, err := mp.NextPage(ctx)
		if err != nil {
			return nil, what("list managed policies", err)
		}
		for _, p := range out.AttachedManagedPolicies {
			ps.ManagedPolicies = append(ps.ManagedPolicies, aws.ToString(p.Arn))
		}
	}

	in, err := r.c.SSOAdmin.GetInlinePolicyForPermissionSet(ctx, &ssoadmin.GetInlinePolicyForPermissionSetInput{InstanceArn: inst, PermissionSetArn: aws.String(arn)})
	if err != nil {
		return nil, what("get the inline policy", err)
	}
	if ps.InlinePolicy, err = CompactPolicy(aws.ToString(in.InlinePolicy)); err != nil {
		return nil, what("read the inline policy", err)
	}

	cp := ssoadmin.NewListCustomerManagedPolicyReferencesInPermissionSetPaginator(r.c.SSOAdmin, &ssoadmin.ListCustomerManagedPolicyReferencesInPermissionSetInput{InstanceArn: inst, PermissionSetArn: aws.String(arn)})
	for cp.HasMorePages() {
		out, err := cp.NextPage(ctx)
		if err != nil {
			return nil, what("list customer managed policies", err)
		}
		for _, p := range out.CustomerManagedPolicyReferences {
			ps.CustomerManaged = append(ps.CustomerManaged, policyRefOf(p))
		}
	}

	b, err := r.c.SSOAdmin.GetPermissionsBoundaryForPermissionSet(ctx, &ssoadmin.GetPermissionsBoundaryForPermissionSetInput{InstanceArn: inst, PermissionSetArn: aws.String(arn)})
	var notFound *ssotypes.ResourceNotFoundException
	switch {
	case errors.As(err, &notFound):
		// No boundary.
	case notImplemented(err):
		// moto differs from AWS: it has no permissions boundary calls
		// (HTTP 500). The boundary is then unknown, read as none.
		r.boundaryOnce.Do(func() {
			r.log.Debug("permissions boundaries cannot be read here (the endpoint does not implement them); treating them as none", "err", err)
		})
	case err != nil:
		return nil, what("get the permissions boundary", err)
	case b.PermissionsBoundary != nil:
		ps.Boundary = &Boundary{ManagedPolicyARN: aws.ToString(b.PermissionsBoundary.ManagedPolicyArn)}
		if ref := b.PermissionsBoundary.CustomerManagedPolicyReference; ref != nil {
			pr := policyRefOf(*ref)
			ps.Boundary.CustomerManaged = &pr
		}
	}

	tags, err := r.permissionSetTags(ctx, arn)
	switch {
	case notImplemented(err):
		// moto differs from AWS: it has no sso-admin tag calls (HTTP 500).
		// The tags are unknown, so no tag changes get planned.
		ps.TagsUnknown = true
		r.tagsOnce.Do(func() {
			r.log.Debug("permission set tags cannot be read here (the endpoint does not implement sso-admin tags); tag changes are not planned", "err", err)
		})
	case err != nil:
		return nil, what("list tags", err)
	default:
		ps.Tags = tags
	}

	if ps.ProvisionedTo, err = r.provisionedTo(ctx, arn, ""); err != nil {
		return nil, what("list the accounts it is provisioned to", err)
	}
	if ps.Owned() && !r.untracked && len(ps.ProvisionedTo) > 0 {
		if ps.Outdated, err = r.outdated(ctx, ps); err != nil {
			return nil, what("list the accounts it is outdated in", err)
		}
	}
	sortPermissionSet(ps)
	return ps, nil
}

// outdated lists the accounts where ps is provisioned but not in its latest
// version.
func (r *reader) outdated(ctx context.Context, ps *PermissionSet) ([]string, error) {
	old, err := r.provisionedTo(ctx, ps.ARN, ssotypes.ProvisioningStatusLatestPermissionSetNotProvisioned)
	if err != nil || len(old) < len(ps.ProvisionedTo) {
		return old, err
	}
	// Outdated everywhere: make sure the endpoint applied the filter at all
	// (an emulator that ignores it lists every account for both statuses).
	current, err := r.provisionedTo(ctx, ps.ARN, ssotypes.ProvisioningStatusLatestPermissionSetProvisioned)
	if err != nil {
		return nil, err
	}
	if len(current) > 0 {
		r.log.Debug("provisioning status filter ignored here (an account is listed as both outdated and current); outdated provisioning is not planned", "permission_set", ps.Name)
		return nil, nil
	}
	return old, nil
}

// provisionedTo lists the accounts a permission set is provisioned to, with
// that provisioning status ("" for any).
func (r *reader) provisionedTo(ctx context.Context, arn string, status ssotypes.ProvisioningStatus) ([]string, error) {
	var accounts []string
	p := ssoadmin.NewListAccountsForProvisionedPermissionSetPaginator(r.c.SSOAdmin, &ssoadmin.ListAccountsForProvisionedPermissionSetInput{
		InstanceArn: aws.String(r.st.InstanceARN), PermissionSetArn: aws.String(arn), ProvisioningStatus: status})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		accounts = append(accounts, out.AccountIds...)
	}
	return accounts, nil
}

func (r *reader) permissionSetTags(ctx context.Context, arn string) (map[string]string, error) {
	tags := map[string]string{}
	p := ssoadmin.NewListTagsForResourcePaginator(r.c.SSOAdmin, &ssoadmin.ListTagsForResourceInput{InstanceArn: aws.String(r.st.InstanceARN), ResourceArn: aws.String(arn)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, t := range out.Tags {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	return tags, nil
}

func policyRefOf(p ssotypes.CustomerManagedPolicyReference) PolicyRef {
	path := aws.ToString(p.Path)
	if path == "" {
		path = "/"
	}
	return PolicyRef{Name: aws.ToString(p.Name), Path: path}
}

// notImplemented reports an answer that means the endpoint lacks the call:
// a 5xx that outlived the retries, or an explicit not-implemented code.
func notImplemented(err error) bool {
	if err == nil {
		return false
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "NotImplemented" || ae.ErrorCode() == "NotImplementedException")
}

// CompactPolicy returns a policy document as compact JSON ("" stays "").
func CompactPolicy(doc string) (string, error) {
	if strings.TrimSpace(doc) == "" {
		return "", nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(doc)); err != nil {
		return "", fmt.Errorf("policy is not valid JSON: %w", err)
	}
	return b.String(), nil
}

func sortPermissionSet(ps *PermissionSet) {
	slices.Sort(ps.ManagedPolicies)
	slices.SortFunc(ps.CustomerManaged, comparePolicyRef)
	slices.Sort(ps.ProvisionedTo)
	ps.ProvisionedTo = slices.Compact(ps.ProvisionedTo)
	slices.Sort(ps.Outdated)
	ps.Outdated = slices.Compact(ps.Outdated)
}

func comparePolicyRef(a, b PolicyRef) int {
	return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Name, b.Name))
}

func sortState(st *State) {
	slices.SortFunc(st.Accounts, func(a, b Account) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(st.OUs, func(a, b OU) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(st.Users, func(a, b User) int { return cmp.Or(cmp.Compare(a.UserName, b.UserName), cmp.Compare(a.ID, b.ID)) })
	slices.SortFunc(st.Groups, func(a, b Group) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
	slices.SortFunc(st.PermissionSets, func(a, b PermissionSet) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ARN, b.ARN)) })
	slices.SortFunc(st.Assignments, compareAssignment)
	st.Assignments = slices.Compact(st.Assignments)
}

func compareAssignment(a, b Assignment) int {
	return cmp.Or(cmp.Compare(a.PermissionSetARN, b.PermissionSetARN), cmp.Compare(a.AccountID, b.AccountID),
		cmp.Compare(a.PrincipalType, b.PrincipalType), cmp.Compare(a.PrincipalID, b.PrincipalID))
}
