package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"golang.org/x/sync/errgroup"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
	"github.com/keyless-dev/keyless/internal/policy"
)

// Clients are the AWS clients Collect reads one account with.
type Clients struct {
	IAM           *iam.Client
	STS           *sts.Client
	Organizations *organizations.Client
	// IdentityCenter reads Identity Center where it lives (the management
	// account, or a standalone account); nil skips it.
	IdentityCenter *ic.Clients
}

// NewClients builds Clients from one account's SDK configuration.
func NewClients(cfg aws.Config) Clients {
	return Clients{
		IAM:            iam.NewFromConfig(cfg),
		STS:            sts.NewFromConfig(cfg),
		Organizations:  organizations.NewFromConfig(cfg),
		IdentityCenter: ic.NewClients(cfg, ic.Limits{}),
	}
}

// CollectOptions tune Collect. Zero values take the defaults.
type CollectOptions struct {
	// Now is the clock; time.Now by default.
	Now func() time.Time
	// ReportPoll is how often the credential report is polled while AWS
	// generates it (2s); ReportTimeout bounds the wait (2 minutes).
	ReportPoll, ReportTimeout time.Duration
	// Parallel bounds the calls in flight for per-user details (8).
	Parallel int
	// InstanceARN picks the Identity Center instance when there are several.
	InstanceARN string
}

// Collect reads one account: the root user's posture, the credential
// report, every IAM user with its credentials and dependents, the password
// policy, the organization and, in the management account, Identity
// Center. Only a failing sts:GetCallerIdentity (no usable credentials) or a
// cancelled ctx is an error; every other refused or failed call becomes a
// Gap, so that what it would have shown is reported as not evaluated.
func Collect(ctx context.Context, c Clients, opts CollectOptions) (*AccountState, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ReportPoll <= 0 {
		opts.ReportPoll = 2 * time.Second
	}
	if opts.ReportTimeout <= 0 {
		opts.ReportTimeout = 2 * time.Minute
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 8
	}
	id, err := c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, fmt.Errorf("get caller identity: %w; check the credentials the audit runs with", err)
	}
	col := &collector{c: c, opts: opts, st: &AccountState{
		AccountID: aws.ToString(id.Account), CallerARN: aws.ToString(id.Arn), Collected: opts.Now().UTC(),
	}}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { col.summary(gctx); return nil })
	g.Go(func() error { col.report(gctx); return nil })
	g.Go(func() error { col.virtualMFA(gctx); return nil })
	g.Go(func() error { col.passwordPolicy(gctx); return nil })
	g.Go(func() error { col.alias(gctx); return nil })
	g.Go(func() error { col.users(gctx); return nil })
	g.Go(func() error { col.organization(gctx); return nil })
	g.Go(func() error { col.roles(gctx); return nil })
	g.Go(func() error { col.oidcProviders(gctx); return nil })
	_ = g.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	col.identityCenter(ctx)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return col.st, nil
}

type collector struct {
	c    Clients
	opts CollectOptions

	mu sync.Mutex // guards st while parts are read in parallel
	st *AccountState
}

// fail records a failed call as a gap, once per action.
func (col *collector) fail(action string, err error) {
	col.mu.Lock()
	defer col.mu.Unlock()
	if col.st.gap(action) != nil {
		return
	}
	col.st.Gaps = append(col.st.Gaps, Gap{Action: action, Denied: denied(err), Err: errorText(err)})
}

func (col *collector) set(f func(st *AccountState)) {
	col.mu.Lock()
	defer col.mu.Unlock()
	f(col.st)
}

// denied reports AWS's refusal for lack of permission.
func denied(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess":
		return true
	}
	return false
}

// errorText is the error's code and message without the SDK's request
// framing, which repeats the operation.
func errorText(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return strings.TrimSpace(ae.ErrorCode() + ": " + ae.ErrorMessage())
	}
	return err.Error()
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func (col *collector) summary(ctx context.Context) {
	out, err := col.c.IAM.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	if err != nil {
		col.fail("iam:GetAccountSummary", err)
		return
	}
	col.set(func(st *AccountState) { st.Summary = out.SummaryMap })
}

// report generates the credential report, waits for it and parses it.
func (col *collector) report(ctx context.Context) {
	deadline := col.opts.Now().Add(col.opts.ReportTimeout)
	for {
		gen, err := col.c.IAM.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
		if err != nil {
			col.fail("iam:GenerateCredentialReport", err)
			return
		}
		if gen.State == iamtypes.ReportStateTypeComplete {
			out, err := col.c.IAM.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
			if err == nil {
				rows, err := ParseCredentialReport(out.Content)
				if err != nil {
					col.fail("iam:GetCredentialReport", err)
					return
				}
				col.set(func(st *AccountState) { st.Report = rows })
				return
			}
			if c := errorCode(err); c != "ReportInProgress" && c != "ReportNotPresent" && c != "ReportExpired" {
				col.fail("iam:GetCredentialReport", err)
				return
			}
		}
		if !col.opts.Now().Before(deadline) {
			col.fail("iam:GetCredentialReport", fmt.Errorf("the credential report was not ready after %s; run the audit again in a minute", col.opts.ReportTimeout))
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(col.opts.ReportPoll):
		}
	}
}

// virtualMFA lists the assigned virtual MFA devices, and finds the root
// user's: AWS lists it among them with the user arn:aws:iam::ACCOUNT:root.
func (col *collector) virtualMFA(ctx context.Context) {
	p := iam.NewListVirtualMFADevicesPaginator(col.c.IAM, &iam.ListVirtualMFADevicesInput{AssignmentStatus: iamtypes.AssignmentStatusTypeAssigned})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			col.fail("iam:ListVirtualMFADevices", err)
			return
		}
		for _, d := range out.VirtualMFADevices {
			col.set(func(st *AccountState) { st.VirtualMFA = append(st.VirtualMFA, aws.ToString(d.SerialNumber)) })
			if d.User != nil && strings.HasSuffix(aws.ToString(d.User.Arn), ":root") {
				col.set(func(st *AccountState) { st.RootVirtualMFA = aws.ToString(d.SerialNumber) })
			}
		}
	}
}

func (col *collector) passwordPolicy(ctx context.Context) {
	out, err := col.c.IAM.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	var none *iamtypes.NoSuchEntityException
	switch {
	case errors.As(err, &none):
		return
	case err != nil:
		col.fail("iam:GetAccountPasswordPolicy", err)
		return
	}
	p := out.PasswordPolicy
	col.set(func(st *AccountState) {
		st.PasswordPolicy = &PasswordPolicy{MinimumLength: int(aws.ToInt32(p.MinimumPasswordLength)),
			ReusePrevention: int(aws.ToInt32(p.PasswordReusePrevention)), MaxAge: int(aws.ToInt32(p.MaxPasswordAge))}
	})
}

func (col *collector) alias(ctx context.Context) {
	out, err := col.c.IAM.ListAccountAliases(ctx, &iam.ListAccountAliasesInput{})
	if err == nil && len(out.AccountAliases) > 0 {
		col.set(func(st *AccountState) { st.Alias = out.AccountAliases[0] })
	}
}

// users lists the IAM users, then reads each one's details in parallel.
func (col *collector) users(ctx context.Context) {
	var users []IAMUser
	p := iam.NewListUsersPaginator(col.c.IAM, &iam.ListUsersInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			col.fail("iam:ListUsers", err)
			return
		}
		for _, u := range out.Users {
			users = append(users, IAMUser{Name: aws.ToString(u.UserName), ID: aws.ToString(u.UserId), ARN: aws.ToString(u.Arn),
				Path: aws.ToString(u.Path), Created: aws.ToTime(u.CreateDate).UTC(), PasswordLastUsed: utc(u.PasswordLastUsed)})
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(col.opts.Parallel)
	for i := range users {
		g.Go(func() error { col.userDetails(gctx, &users[i]); return nil })
	}
	_ = g.Wait()
	col.set(func(st *AccountState) { st.Users = users })
}

func utc(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// userDetails reads one user's credentials and dependents. Each call that
// fails leaves its part empty and records a gap.
func (col *collector) userDetails(ctx context.Context, u *IAMUser) {
	name := aws.String(u.Name)

	keys, err := col.c.IAM.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: name})
	if err != nil {
		col.fail("iam:ListAccessKeys", err)
	} else {
		for _, k := range keys.AccessKeyMetadata {
			key := AccessKey{ID: aws.ToString(k.AccessKeyId), Status: string(k.Status), Created: aws.ToTime(k.CreateDate).UTC()}
			last, err := col.c.IAM.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: k.AccessKeyId})
			if err != nil {
				col.fail("iam:GetAccessKeyLastUsed", err)
			} else if l := last.AccessKeyLastUsed; l != nil {
				key.LastUsed = utc(l.LastUsedDate)
				key.LastUsedService, key.LastUsedRegion = notNA(aws.ToString(l.ServiceName)), notNA(aws.ToString(l.Region))
			}
			u.AccessKeys = append(u.AccessKeys, key)
		}
	}

	lp, err := col.c.IAM.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: name})
	var none *iamtypes.NoSuchEntityException
	switch {
	case errors.As(err, &none):
	case err != nil:
		col.fail("iam:GetLoginProfile", err)
	default:
		u.LoginProfile = &LoginProfile{Created: aws.ToTime(lp.LoginProfile.CreateDate).UTC(), ResetRequired: lp.LoginProfile.PasswordResetRequired}
	}

	if mfa, err := col.c.IAM.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: name}); err != nil {
		col.fail("iam:ListMFADevices", err)
	} else {
		for _, d := range mfa.MFADevices {
			u.MFADevices = append(u.MFADevices, aws.ToString(d.SerialNumber))
		}
	}
	tags := iam.NewListUserTagsPaginator(col.c.IAM, &iam.ListUserTagsInput{UserName: name})
	for tags.HasMorePages() {
		page, err := tags.NextPage(ctx)
		if err != nil {
			col.fail("iam:ListUserTags", err)
			break
		}
		for _, t := range page.Tags {
			if u.Tags == nil {
				u.Tags = map[string]string{}
			}
			u.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	if gs, err := col.c.IAM.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: name}); err != nil {
		col.fail("iam:ListGroupsForUser", err)
	} else {
		for _, g := range gs.Groups {
			u.Groups = append(u.Groups, aws.ToString(g.GroupName))
		}
	}
	if ps, err := col.c.IAM.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: name}); err != nil {
		col.fail("iam:ListAttachedUserPolicies", err)
	} else {
		for _, p := range ps.AttachedPolicies {
			u.AttachedPolicies = append(u.AttachedPolicies, aws.ToString(p.PolicyArn))
		}
	}
	if ps, err := col.c.IAM.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: name}); err != nil {
		col.fail("iam:ListUserPolicies", err)
	} else {
		u.InlinePolicies = ps.PolicyNames
	}
	if cs, err := col.c.IAM.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{UserName: name}); err != nil {
		col.fail("iam:ListSigningCertificates", err)
	} else {
		for _, c := range cs.Certificates {
			u.SigningCertificates = append(u.SigningCertificates, Credential{ID: aws.ToString(c.CertificateId), Status: string(c.Status)})
		}
	}
	if ks, err := col.c.IAM.ListSSHPublicKeys(ctx, &iam.ListSSHPublicKeysInput{UserName: name}); err != nil {
		col.fail("iam:ListSSHPublicKeys", err)
	} else {
		for _, k := range ks.SSHPublicKeys {
			u.SSHPublicKeys = append(u.SSHPublicKeys, Credential{ID: aws.ToString(k.SSHPublicKeyId), Status: string(k.Status)})
		}
	}
	if cs, err := col.c.IAM.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: name}); err != nil {
		col.fail("iam:ListServiceSpecificCredentials", err)
	} else {
		for _, c := range cs.ServiceSpecificCredentials {
			u.ServiceCredentials = append(u.ServiceCredentials, Credential{ID: aws.ToString(c.ServiceSpecificCredentialId),
				Status: string(c.Status), Service: aws.ToString(c.ServiceName)})
		}
	}
}

func notNA(s string) string {
	if s == "N/A" {
		return ""
	}
	return s
}

// organization reads the organization and, from the account that can
// tell, its centralized root access features.
func (col *collector) organization(ctx context.Context) {
	out, err := col.c.Organizations.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	var notInUse *orgtypes.AWSOrganizationsNotInUseException
	switch {
	case errors.As(err, &notInUse):
		return
	case err != nil:
		col.fail("organizations:DescribeOrganization", err)
		return
	}
	org := &Organization{ID: aws.ToString(out.Organization.Id), ManagementAccountID: aws.ToString(out.Organization.MasterAccountId)}
	feats, err := col.c.IAM.ListOrganizationsFeatures(ctx, &iam.ListOrganizationsFeaturesInput{})
	switch code := errorCode(err); {
	case err == nil:
		for _, f := range feats.EnabledFeatures {
			org.RootFeatures = append(org.RootFeatures, string(f))
		}
	case code == "ServiceAccessNotEnabledException":
		// IAM's trusted access is off: no feature can be on.
	case code == "AccountNotManagementOrDelegatedAdministratorException":
		col.fail(ActionListOrganizationsFeatures, fmt.Errorf("only the management account %s (or the delegated administrator) can tell; audit it in the same run (--all-accounts)", org.ManagementAccountID))
	default:
		col.fail(ActionListOrganizationsFeatures, err)
	}
	col.set(func(st *AccountState) { st.Organization = org })
}

// identityCenter reads Identity Center where it lives: the management
// account, or a standalone account. It runs after organization.
func (col *collector) identityCenter(ctx context.Context) {
	st := col.st
	if col.c.IdentityCenter == nil || (st.Organization != nil && st.Organization.ManagementAccountID != st.AccountID) {
		return
	}
	out, err := col.c.IdentityCenter.SSOAdmin.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	if err != nil {
		col.fail("sso:ListInstances", err)
		return
	}
	if len(out.Instances) == 0 {
		st.IdentityCenter = &IdentityCenter{Account: st.AccountID}
		return
	}
	s, err := ic.Read(ctx, col.c.IdentityCenter, ic.ReadOptions{InstanceARN: col.opts.InstanceARN})
	if err != nil {
		col.fail(actionOf(err, "sso:DescribeInstance"), err)
		return
	}
	st.IdentityCenter = &IdentityCenter{Account: st.AccountID, Enabled: true, State: s}
}

// actionOf names the IAM action of a failed SDK call, fallback when err
// is not one.
func actionOf(err error, fallback string) string {
	var oe *smithy.OperationError
	if !errors.As(err, &oe) {
		return fallback
	}
	prefix := map[string]string{"SSO Admin": "sso", "identitystore": "identitystore", "Organizations": "organizations",
		"IAM": "iam", "STS": "sts"}[oe.Service()]
	if prefix == "" {
		prefix = strings.ToLower(strings.ReplaceAll(oe.Service(), " ", ""))
	}
	return prefix + ":" + oe.Operation()
}

// roles lists the IAM roles and keeps those trusting an OIDC provider,
// with their last use and attached policies. ListRoles returns neither
// RoleLastUsed nor, reliably, the trust: GetRole does.
func (col *collector) roles(ctx context.Context) {
	var names []string
	p := iam.NewListRolesPaginator(col.c.IAM, &iam.ListRolesInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			col.fail("iam:ListRoles", err)
			return
		}
		for _, r := range out.Roles {
			if !strings.HasPrefix(aws.ToString(r.Path), "/aws-service-role/") {
				names = append(names, aws.ToString(r.RoleName))
			}
		}
	}
	found := make([]*IAMRole, len(names))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(col.opts.Parallel)
	for i, name := range names {
		g.Go(func() error { found[i] = col.role(gctx, name); return nil })
	}
	_ = g.Wait()
	var roles []IAMRole
	for _, r := range found {
		if r != nil {
			roles = append(roles, *r)
		}
	}
	col.set(func(st *AccountState) { st.Roles = roles })
}

// role reads one role; nil when it trusts no OIDC provider or GetRole failed.
func (col *collector) role(ctx context.Context, name string) *IAMRole {
	out, err := col.c.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		col.fail("iam:GetRole", err)
		return nil
	}
	r := &IAMRole{Name: name, ARN: aws.ToString(out.Role.Arn), Created: aws.ToTime(out.Role.CreateDate).UTC()}
	if l := out.Role.RoleLastUsed; l != nil {
		r.LastUsed = utc(l.LastUsedDate)
	}
	// IAM accepts only valid policy JSON, so a document that does not
	// parse here has a shape ReadTrust does not know: not a workload role.
	tp, err := policy.ReadTrust(aws.ToString(out.Role.AssumeRolePolicyDocument))
	if r.Trusts = tp.WebIdentity; err != nil || len(r.Trusts) == 0 {
		return nil
	}
	ps := iam.NewListAttachedRolePoliciesPaginator(col.c.IAM, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
	for ps.HasMorePages() {
		page, err := ps.NextPage(ctx)
		if err != nil {
			col.fail("iam:ListAttachedRolePolicies", err)
			break
		}
		for _, p := range page.AttachedPolicies {
			r.AttachedPolicies = append(r.AttachedPolicies, aws.ToString(p.PolicyArn))
		}
	}
	return r
}

func (col *collector) oidcProviders(ctx context.Context) {
	out, err := col.c.IAM.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{})
	if err != nil {
		col.fail("iam:ListOpenIDConnectProviders", err)
		return
	}
	var arns []string
	for _, p := range out.OpenIDConnectProviderList {
		arns = append(arns, aws.ToString(p.Arn))
	}
	slices.Sort(arns)
	col.set(func(st *AccountState) { st.OIDCProviders = arns })
}
