package sandbox

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keyless-dev/keyless/internal/policy"
)

// Roles: CreateRole and everything on a role (inline and attached policies,
// permissions boundary, tags, last use), beside the roles provisioning and
// Organizations create.
//
// Protected roles (service-linked roles and Identity Center's AWSReservedSSO_
// roles) are read like any other, and refuse changes with AWS's
// UnmodifiableEntity; their description alone can change.

const (
	rolesQuota         = 1000 // GetAccountSummary's RolesQuota
	defaultRoleSession = 3600 // MaxSessionDuration when CreateRole has none
)

var roleDescriptionPattern = lazyRegexp(`^[\t\n\r\x20-\x7e\xa1-\xff]*$`)

type iamRoleOut struct {
	Path                     string           `xml:"Path"`
	RoleName                 string           `xml:"RoleName"`
	RoleId                   string           `xml:"RoleId"`
	Arn                      string           `xml:"Arn"`
	CreateDate               isoTime          `xml:"CreateDate"`
	AssumeRolePolicyDocument string           `xml:"AssumeRolePolicyDocument"`
	Description              string           `xml:"Description,omitempty"`
	MaxSessionDuration       int              `xml:"MaxSessionDuration"`
	PermissionsBoundary      *iamBoundaryOut  `xml:"PermissionsBoundary,omitempty"`
	Tags                     xmlList[Tag]     `xml:"Tags,omitempty"`
	RoleLastUsed             *iamRoleLastUsed `xml:"RoleLastUsed"`
}

type iamRoleLastUsed struct {
	LastUsedDate *isoTime `xml:"LastUsedDate,omitempty"`
	Region       string   `xml:"Region,omitempty"`
}

// roleView is how much of a role a reply carries: ListRoles leaves out
// the boundary, tags and last use, as AWS does; GetRole has all of it.
type roleView int

const (
	roleListed roleView = iota
	roleCreated
	roleFull
)

func (ic *iamCall) roleOut(r *IAMRole, view roleView) iamRoleOut {
	out := iamRoleOut{Path: r.Path, RoleName: r.Name, RoleId: r.ID, CreateDate: isoTime(r.Created),
		Arn: ic.iamARN("role", r.Path, r.Name), AssumeRolePolicyDocument: rfc3986(ic.w.roleTrust(ic.acct, r)),
		Description: r.Description, MaxSessionDuration: r.maxSession()}
	if view == roleListed {
		return out
	}
	if r.Boundary != "" {
		out.PermissionsBoundary = boundaryOut(r.Boundary)
	}
	out.Tags = r.Tags
	if view == roleFull {
		out.RoleLastUsed = &iamRoleLastUsed{LastUsedDate: isoPtr(r.LastUsed), Region: r.LastUsedRegion}
	}
	return out
}

func roleARN(account string, r *IAMRole) string {
	return fmt.Sprintf("arn:aws:iam::%s:role%s%s", account, r.Path, r.Name)
}

func (r *IAMRole) maxSession() int {
	if r.MaxSessionDuration == 0 {
		return defaultRoleSession
	}
	return r.MaxSessionDuration
}

// protected tells a role only AWS may change: a service-linked role or one
// Identity Center provisioned.
func (r *IAMRole) protected() bool {
	return r.LinkedService != "" || (r.Path == ssoRolePath && strings.HasPrefix(r.Name, "AWSReservedSSO_"))
}

func unmodifiable(r *IAMRole) error {
	return newError(400, "UnmodifiableEntity", "Cannot perform the operation on the protected role '%s' - this role is only modifiable by AWS", r.Name)
}

// roleTrust is a role's trust policy. Roles made without one get their
// kind's: Identity Center's roles trust the account's SAML provider,
// service-linked roles their service, the others the management account.
func (w *World) roleTrust(account string, r *IAMRole) string {
	switch {
	case r.TrustPolicy != "":
		return r.TrustPolicy
	case strings.HasPrefix(r.Name, "AWSReservedSSO_"):
		return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::%s:saml-provider/AWSSSO_%s_DO_NOT_DELETE"},"Action":["sts:AssumeRoleWithSAML","sts:TagSession"],"Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}]}`,
			account, strings.ToLower(stableID(account, 16)))
	case r.LinkedService != "":
		return serviceTrust(r.LinkedService)
	default:
		return accountTrust(w.managementAccountID())
	}
}

// accountTrust trusts an account: any of its principals that its own
// policies let assume the role.
func accountTrust(account string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":"sts:AssumeRole"}]}`, account)
}

func serviceTrust(service string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"%s"},"Action":"sts:AssumeRole"}]}`, service)
}

func (ic *iamCall) findRole(name string) *IAMRole {
	for _, r := range ic.ia.Roles {
		if strings.EqualFold(r.Name, name) {
			return r
		}
	}
	return nil
}

func (ic *iamCall) role(form url.Values) (*IAMRole, error) {
	name, err := iamName(form, "RoleName", "roleName", 64)
	if err != nil {
		return nil, err
	}
	r := ic.findRole(name)
	if r == nil {
		return nil, iamNoSuchEntity("The role with name %s cannot be found.", name)
	}
	return r, nil
}

// changeableRole is the named role, refused when it is protected.
func (ic *iamCall) changeableRole(form url.Values) (*IAMRole, error) {
	r, err := ic.role(form)
	if err != nil {
		return nil, err
	}
	if r.protected() {
		return nil, unmodifiable(r)
	}
	return r, nil
}

func roleDescription(form url.Values) (string, error) {
	d := form.Get("Description")
	if len(d) > 1000 {
		return "", iamConstraint("description", d, "Member must have length less than or equal to 1000")
	}
	if !roleDescriptionPattern.MatchString(d) {
		return "", iamConstraint("description", d, `Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*`)
	}
	return d, nil
}

// roleMaxSession reads MaxSessionDuration: 0 when absent.
func roleMaxSession(form url.Values) (int, error) {
	s := form.Get("MaxSessionDuration")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, iamConstraint("maxSessionDuration", s, "Member must be an integer")
	}
	if n < 3600 || n > 43200 {
		return 0, iamConstraint("maxSessionDuration", s, "Member must have value less than or equal to 43200 and greater than or equal to 3600")
	}
	return n, nil
}

// boundaryPolicy checks a permissions boundary's ARN names a managed policy.
func (ic *iamCall) boundaryPolicy(arn string) error {
	if len(arn) < 20 || len(arn) > 2048 || !iamPolicyARN.MatchString(arn) {
		return iamInvalidInput("ARN %s is not valid.", truncate(arn, 2048))
	}
	if _, err := ic.policyByARN(arn); err != nil {
		return iamNoSuchEntity("Scope ARN: %s does not exist or is not attachable.", arn)
	}
	return nil
}

func iamCreateRole(ic *iamCall, form url.Values) (any, error) {
	name, err := iamName(form, "RoleName", "roleName", 64)
	if err != nil {
		return nil, err
	}
	path, err := iamPath(form, "Path", "path")
	if err != nil {
		return nil, err
	}
	trust, err := iamRequired(form, "AssumeRolePolicyDocument", "assumeRolePolicyDocument")
	if err != nil {
		return nil, err
	}
	desc, err := roleDescription(form)
	if err != nil {
		return nil, err
	}
	maxSession, err := roleMaxSession(form)
	if err != nil {
		return nil, err
	}
	tags, err := iamTags(form)
	if err != nil {
		return nil, err
	}
	boundary := form.Get("PermissionsBoundary")
	if boundary != "" {
		if err := ic.boundaryPolicy(boundary); err != nil {
			return nil, err
		}
	}
	if err := ic.checkTrust(trust); err != nil {
		return nil, err
	}
	if ic.findRole(name) != nil {
		return nil, iamExists("Role with name %s already exists.", name)
	}
	if len(ic.ia.Roles) >= rolesQuota {
		return nil, iamLimit("Cannot exceed quota for RolesPerAccount: %d", rolesQuota)
	}
	r := &IAMRole{Name: name, Path: path, ID: ic.newID("AROA", 17), Created: ic.now.UTC().Truncate(time.Second),
		TrustPolicy: trust, Description: desc, MaxSessionDuration: maxSession, Boundary: boundary, Tags: tags}
	ic.ia.Roles = append(ic.ia.Roles, r)
	return struct {
		Role iamRoleOut `xml:"Role"`
	}{ic.roleOut(r, roleCreated)}, nil
}

// checkTrust validates a trust policy, and that the IAM users and roles it
// names in the sandbox's accounts exist: IAM resolves them to their unique
// ids, and refuses ones it cannot.
func (ic *iamCall) checkTrust(doc string) error {
	if err := validateTrustPolicy(doc); err != nil {
		return err
	}
	stmts, _ := parseTrust(doc)
	for _, s := range stmts {
		for _, raw := range []json.RawMessage{s.Principal, s.NotPrincipal} {
			var m map[string]json.RawMessage
			if raw == nil || json.Unmarshal(raw, &m) != nil {
				continue
			}
			for _, p := range stringList(m["AWS"]) {
				if !ic.w.principalExists(p) {
					return iamMalformedPolicy("Invalid principal in policy: \"AWS\":\"%s\"", p)
				}
			}
		}
	}
	return nil
}

// principalExists is false for a user or role ARN in an account the
// sandbox holds that has no such user or role.
func (w *World) principalExists(p string) bool {
	m := trustIAMARN.FindStringSubmatch(p)
	if m == nil || m[1] != "iam" {
		return true
	}
	ia := w.IAM[m[2]]
	if ia == nil {
		return true // an account the sandbox does not model
	}
	kind, rest, _ := strings.Cut(m[3], "/")
	name := rest[strings.LastIndex(rest, "/")+1:]
	partition := strings.Split(p, ":")[1]
	switch kind {
	case "user":
		return slices.ContainsFunc(ia.Users, func(u *IAMUser) bool { return iamUserARN(partition, m[2], u) == p })
	case "role":
		return slices.ContainsFunc(ia.Roles, func(r *IAMRole) bool {
			return r.Name == name && strings.Replace(roleARN(m[2], r), "arn:aws:", "arn:"+partition+":", 1) == p
		})
	}
	return true
}

func iamGetRole(ic *iamCall, form url.Values) (any, error) {
	r, err := ic.role(form)
	if err != nil {
		return nil, err
	}
	return struct {
		Role iamRoleOut `xml:"Role"`
	}{ic.roleOut(r, roleFull)}, nil
}

func iamListRoles(ic *iamCall, form url.Values) (any, error) {
	prefix, err := iamPathPrefix(form)
	if err != nil {
		return nil, err
	}
	var match []*IAMRole
	for _, r := range ic.ia.Roles {
		if strings.HasPrefix(r.Path, prefix) {
			match = append(match, r)
		}
	}
	pg, p, err := iamPage(form, match, "roles"+prefix)
	if err != nil {
		return nil, err
	}
	out := struct {
		Roles []iamRoleOut `xml:"Roles>member"`
		iamPaging
	}{iamPaging: p}
	for _, r := range pg {
		out.Roles = append(out.Roles, ic.roleOut(r, roleListed))
	}
	return out, nil
}

func iamUpdateRole(ic *iamCall, form url.Values) (any, error) {
	r, err := ic.changeableRole(form)
	if err != nil {
		return nil, err
	}
	desc, err := roleDescription(form)
	if err != nil {
		return nil, err
	}
	maxSession, err := roleMaxSession(form)
	if err != nil {
		return nil, err
	}
	if _, ok := form["Description"]; ok {
		r.Description = desc
	}
	if maxSession != 0 {
		r.MaxSessionDuration = maxSession
	}
	return struct{}{}, nil // an empty UpdateRoleResult, which the SDKs require
}

// iamUpdateRoleDescription changes a role's description, protected roles'
// too: AWS lets their owners describe them.
func iamUpdateRoleDescription(ic *iamCall, form url.Values) (any, error) {
	r, err := ic.role(form)
	if err != nil {
		return nil, err
	}
	if _, ok := form["Description"]; !ok {
		return nil, iamValidation("1 validation error detected: Value null at 'description' failed to satisfy constraint: Member must not be null")
	}
	desc, err := roleDescription(form)
	if err != nil {
		return nil, err
	}
	r.Description = desc
	return struct {
		Role iamRoleOut `xml:"Role"`
	}{ic.roleOut(r, roleCreated)}, nil
}

func iamUpdateAssumeRolePolicy(ic *iamCall, form url.Values) (any, error) {
	r, err := ic.changeableRole(form)
	if err != nil {
		return nil, err
	}
	doc, err := iamRequired(form, "PolicyDocument", "policyDocument")
	if err != nil {
		return nil, err
	}
	if err := ic.checkTrust(doc); err != nil {
		return nil, err
	}
	r.TrustPolicy = doc
	return nil, nil
}

func iamDeleteRole(ic *iamCall, form url.Values) (any, error) {
	r, err := ic.changeableRole(form)
	if err != nil {
		return nil, err
	}
	if err := ic.roleDeleteConflict(r); err != nil {
		return nil, err
	}
	ic.ia.Roles = slices.DeleteFunc(ic.ia.Roles, func(o *IAMRole) bool { return o == r })
	return nil, nil
}

// roleDeleteConflict is what DeleteRole requires gone first, in the order
// IAM reports it.
func (ic *iamCall) roleDeleteConflict(r *IAMRole) error {
	switch {
	case len(ic.profilesFor(r)) > 0:
		return iamDeleteConflict("Cannot delete entity, must remove roles from instance profile first.")
	case len(r.AttachedPolicies) > 0:
		return iamDeleteConflict("Cannot delete entity, must detach all policies first.")
	case len(r.InlinePolicies) > 0:
		return iamDeleteConflict("Cannot delete entity, must delete policies first.")
	}
	return nil
}

// Inline policies.

func iamPutRolePolicy(ic *iamCall, form url.Values) (any, error) {
	r, err := ic.changeableRole(form)
	if err != nil {
		return nil, err
	}
	r.InlinePolicies, err = putInline(form, r.InlinePolicies, policy.RoleInlineSize, "role "+r.Name)
	return nil, err
}

func (ic *iamCall) rolePolicy(form url.Values, r *IAMRole) (int, error) {
	name, err := iamName(form, "PolicyName", "policyName", 128)
	if err != nil {
		return 0, err
	}
	i := slices.IndexFunc(r.InlinePolicies, func(p InlinePolicy) bool { return strings.EqualFold(p.Name, name) })
	if i < 0 {
		return 0, iamNoSuchEntity("The role policy with name %s cannot be found.", name)
	}
	return i, nil
}

func iamGetRolePolicy(ic *iamCall, form url.Values) (any, error) {
	r, err := ic.role(form)
	if err != nil {
		return nil, err
	}
	i, err := ic.rolePolicy(form, r)
	if err != nil {
		return nil, err
	}
	p := r.InlinePolicies[i]
	return struct {
		RoleName       string `xml:"RoleName"`
		PolicyName     string `xml:"PolicyName"`
		PolicyDocument string `xml:"PolicyDocument"`
	}{r.Name, p.Name, rfc3986(p.Document)}, nil
}

func iamDeleteRolePolicy(ic *iamCall, form url.Values) (any, error) {
	r, err := ic.changeableRole(form)
	if err != nil {
		return nil, err
	}
	i, err := ic.rolePolicy(form, r)
	if err != nil {
		return nil, err
	}
	r.InlinePolicies = slices.Delete(r.InlinePolicies, i, i+1)
	return nil, nil
}

func iamListRolePolicies(ic *iamCall, form url.Values) (any, error) {
	r, err := ic.role(form)
	if err != nil {
		return nil, err
	}
	return inlineNamesPage(form, r.InlinePolicies, "role-inline/"+r.ID)
}

// Managed policies.

func iamAttachRolePolicy(ic *iamCall, form url.Values) (any, error) {
	r, err := ic.changeableRole(form)
	if err != nil {
		return nil, err
	}
	r.AttachedPolicies, err = ic.attachPolicy(form, r.AttachedPolicies, "PoliciesPerRole")
	return nil, err
}

func iamDetachRolePolicy(ic *iamCall, form url.Values) (any, error) {
	r, err := ic.changeableRole(form)
	if err != nil {
		return nil, err
	}
	r.AttachedPolicies, err = detachPolicy(form, r.AttachedPolicies)
	return nil, err
}

func iamListAttachedRolePolicies(ic *iamCall, form url.Values) (any, error) {
	r, err := ic.role(form)
	if err != nil {
		return nil, err
	}
	return attachedPage(form, r.AttachedPolicies, "role-attached/"+r.ID)
}

// Permissions boundaries.

func iamPutRolePermissionsBoundary(ic *iamCall, form url.Values) (any, error) {
	r, err := ic.changeableRole(form)
	if err != nil {
		return nil, err
	}
	arn, err := iamRequired(form, "PermissionsBoundary", "permissionsBoundary")
	if err != nil {
		return nil, err
	}
	if err := ic.boundaryPolicy(arn); err != nil {
		return nil, err
	}
	r.Boundary = arn
	return nil, nil
}

func iamDeleteRolePermissionsBoundary(ic *iamCall, form url.Values) (any, error) {
	r, err := ic.changeableRole(form)
	if err != nil {
		return nil, err
	}
	r.Boundary = ""
	return nil, nil
}

// Tags.

var iamTagRole, iamUntagRole, iamListRoleTags = iamTagOps(func(ic *iamCall, form url.Values) (*[]Tag, string, error) {
	r, err := ic.role(form)
	if err != nil {
		return nil, "", err
	}
	return &r.Tags, "role-tags/" + r.ID, nil
})

// Identity Center's roles.

// provisionedFrom makes an AWSReservedSSO_ role what its permission set says,
// as provisioning does: its session duration, managed and customer managed
// policies, inline policy (AwsSSOInlinePolicy) and permissions boundary.
func (r *IAMRole) provisionedFrom(ps *PermissionSet, account string) {
	r.MaxSessionDuration = 0
	if d, err := portalSessionLength(ps.SessionDuration); err == nil && d > time.Hour {
		r.MaxSessionDuration = int(d / time.Second)
	}
	customerARN := func(ref CustomerPolicyRef) string {
		path := ref.Path
		if path == "" {
			path = "/"
		}
		return fmt.Sprintf("arn:aws:iam::%s:policy%s%s", account, path, ref.Name)
	}
	r.AttachedPolicies = slices.Clone(ps.ManagedPolicies)
	for _, ref := range ps.CustomerManagedPolicies {
		r.AttachedPolicies = append(r.AttachedPolicies, customerARN(ref))
	}
	r.InlinePolicies = nil
	if ps.InlinePolicy != "" {
		r.InlinePolicies = []InlinePolicy{{Name: "AwsSSOInlinePolicy", Document: ps.InlinePolicy}}
	}
	r.Boundary = ""
	if b := ps.Boundary; b != nil {
		r.Boundary = b.ManagedPolicyARN
		if b.CustomerManaged != nil {
			r.Boundary = customerARN(*b.CustomerManaged)
		}
	}
}

// Last use.

// roleUsed records that a role's credentials were issued in region, as
// RoleLastUsed reports (AssumeRole, the portal's GetRoleCredentials).
func (w *World) roleUsed(account, name, region string, now time.Time) {
	ia := w.IAM[account]
	if ia == nil {
		return
	}
	for _, r := range ia.Roles {
		if r.Name == name {
			t := now.UTC().Truncate(time.Second)
			r.LastUsed, r.LastUsedRegion = &t, region
		}
	}
}
