package sandbox

import (
	"fmt"
	"net/url"
	"strings"
)

// Roles (read-only: the roles provisioning and Organizations create).

type iamRoleOut struct {
	Path                     string  `xml:"Path"`
	RoleName                 string  `xml:"RoleName"`
	RoleId                   string  `xml:"RoleId"`
	Arn                      string  `xml:"Arn"`
	CreateDate               isoTime `xml:"CreateDate"`
	AssumeRolePolicyDocument string  `xml:"AssumeRolePolicyDocument"`
	MaxSessionDuration       int     `xml:"MaxSessionDuration"`
}

func (ic *iamCall) roleOut(r *IAMRole) iamRoleOut {
	return iamRoleOut{Path: r.Path, RoleName: r.Name, RoleId: r.ID, CreateDate: isoTime(r.Created),
		Arn: fmt.Sprintf("arn:aws:iam::%s:role%s%s", ic.acct, r.Path, r.Name), AssumeRolePolicyDocument: rfc3986(ic.w.roleTrust(ic.acct, r)),
		MaxSessionDuration: r.maxSession()}
}

// roleTrust is a role's trust policy: its own, else what AWS gives the
// roles the sandbox makes.
func (w *World) roleTrust(acct string, r *IAMRole) string {
	if r.TrustPolicy != "" {
		return r.TrustPolicy
	}
	if strings.HasPrefix(r.Name, "AWSReservedSSO_") {
		return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::%s:saml-provider/AWSSSO_%s_DO_NOT_DELETE"},"Action":["sts:AssumeRoleWithSAML","sts:TagSession"],"Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}]}`,
			acct, strings.ToLower(stableID(acct, 16)))
	}
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":"sts:AssumeRole"}]}`, w.managementAccountID())
}

// maxSession is the role's MaxSessionDuration in seconds.
func (r *IAMRole) maxSession() int {
	if r.MaxSessionDuration == 0 {
		return 3600
	}
	return r.MaxSessionDuration
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
		out.Roles = append(out.Roles, ic.roleOut(r))
	}
	return out, nil
}

func iamGetRole(ic *iamCall, form url.Values) (any, error) {
	name, err := iamName(form, "RoleName", "roleName", 64)
	if err != nil {
		return nil, err
	}
	for _, r := range ic.ia.Roles {
		if strings.EqualFold(r.Name, name) {
			return struct {
				Role iamRoleOut `xml:"Role"`
			}{ic.roleOut(r)}, nil
		}
	}
	return nil, iamNoSuchEntity("The role with name %s cannot be found.", name)
}
