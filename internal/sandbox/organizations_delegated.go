package sandbox

import (
	"slices"
	"time"
)

// Delegated administrators (Organizations): a member account registered to
// administer one service for the organization. IAM Identity Center's
// (sso.amazonaws.com) changes what sso-admin lets that account do
// (ssoadmin_access.go).

// DelegatedAdmin is one account registered for one service.
type DelegatedAdmin struct {
	AccountID        string    `json:"account_id"`
	ServicePrincipal string    `json:"service_principal"`
	Enabled          time.Time `json:"enabled"`
}

// ssoServicePrincipal is IAM Identity Center's service principal.
const ssoServicePrincipal = "sso.amazonaws.com"

// delegableServices are the service principals that take a delegated
// administrator (the AWS Organizations user guide's list of integrated
// services, the ones the sandbox's callers use).
var delegableServices = []string{
	ssoServicePrincipal,
	"access-analyzer.amazonaws.com", "account.amazonaws.com", "backup.amazonaws.com",
	"cloudtrail.amazonaws.com", "config.amazonaws.com", "config-multiaccountsetup.amazonaws.com",
	"guardduty.amazonaws.com", "iam.amazonaws.com", "inspector2.amazonaws.com", "macie.amazonaws.com",
	"securityhub.amazonaws.com", "servicecatalog.amazonaws.com", "ssm.amazonaws.com", "stacksets.cloudformation.amazonaws.com",
}

// singleAdminServices take one delegated administrator at a time (IAM
// Identity Center's user guide: "only one delegated administrator").
var singleAdminServices = []string{ssoServicePrincipal}

var servicePrincipalPattern = lazyRegexp(`^[\w+=,.@-]*$`)

func (c *call) checkServicePrincipal(sp string, required bool) error {
	switch {
	case sp == "" && required:
		return errOrgInput("FIELD_VALIDATION_FAILED", "ServicePrincipal is required")
	case sp == "":
		return nil
	case len(sp) > 128 || !servicePrincipalPattern.MatchString(sp):
		return errOrgInput("INVALID_PATTERN", "You specified an invalid value for ServicePrincipal %q", truncate(sp, 128))
	case !slices.Contains(delegableServices, sp):
		return errOrgInput("UNRECOGNIZED_SERVICE_PRINCIPAL", "You specified an unrecognized service principal.")
	}
	return nil
}

// delegatedAccount validates AccountId and finds the account.
func (c *call) delegatedAccount(id string) (*Account, error) {
	switch {
	case id == "":
		return nil, errOrgInput("FIELD_VALIDATION_FAILED", "AccountId is required")
	case !accountIDPattern.MatchString(id):
		return nil, errOrgInput("INVALID_PATTERN", "You specified an invalid value for AccountId %q: an account id is 12 digits", truncate(id, 64))
	}
	a := c.w.account(id)
	if a == nil {
		return nil, newError(400, "AccountNotFoundException", "You specified an account that doesn't exist.")
	}
	return a, nil
}

// requireManagement refuses callers outside the management account, as
// Organizations does for operations only it may call.
func (c *call) requireManagement() error {
	if err := c.requireOrg(); err != nil {
		return err
	}
	if c.caller().AccountID != c.w.Organization.MasterAccountID {
		return errOrgAccessDenied()
	}
	return nil
}

// requireOrgReader admits the management account and delegated
// administrators, who may read the organization.
func (c *call) requireOrgReader() error {
	if err := c.requireOrg(); err != nil {
		return err
	}
	me := c.caller().AccountID
	if me != c.w.Organization.MasterAccountID && !slices.ContainsFunc(c.w.DelegatedAdmins, func(d *DelegatedAdmin) bool { return d.AccountID == me }) {
		return errOrgAccessDenied()
	}
	return nil
}

func errOrgAccessDenied() *apiError {
	return newError(400, "AccessDeniedException", "You don't have permissions to access this resource.")
}

// isDelegatedAdmin reports whether account is registered for the service.
func (w *World) isDelegatedAdmin(account, service string) bool {
	return slices.ContainsFunc(w.DelegatedAdmins, func(d *DelegatedAdmin) bool {
		return d.AccountID == account && d.ServicePrincipal == service
	})
}

type orgDelegation struct {
	AccountId        string
	ServicePrincipal string
}

func orgRegisterDelegatedAdministrator(c *call, in *orgDelegation) (any, error) {
	if err := c.requireManagement(); err != nil {
		return nil, err
	}
	if err := c.checkServicePrincipal(in.ServicePrincipal, true); err != nil {
		return nil, err
	}
	a, err := c.delegatedAccount(in.AccountId)
	if err != nil {
		return nil, err
	}
	switch {
	case a.ID == c.w.Organization.MasterAccountID:
		return nil, newError(400, "ConstraintViolationException",
			"You cannot register master account/yourself as delegated administrator for your organization. (reason: CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR)")
	case c.w.isDelegatedAdmin(a.ID, in.ServicePrincipal):
		return nil, newError(400, "AccountAlreadyRegisteredException", "The provided account is already a delegated administrator for your organization.")
	case slices.Contains(singleAdminServices, in.ServicePrincipal) &&
		slices.ContainsFunc(c.w.DelegatedAdmins, func(d *DelegatedAdmin) bool { return d.ServicePrincipal == in.ServicePrincipal }):
		return nil, newError(400, "ConstraintViolationException",
			"You have exceeded the allowed number of delegated administrators for the delegated service. (reason: MAX_DELEGATED_ADMINISTRATORS_FOR_SERVICE_LIMIT_EXCEEDED)")
	}
	c.w.DelegatedAdmins = append(c.w.DelegatedAdmins, &DelegatedAdmin{AccountID: a.ID, ServicePrincipal: in.ServicePrincipal, Enabled: c.now.UTC()})
	return struct{}{}, nil
}

func orgDeregisterDelegatedAdministrator(c *call, in *orgDelegation) (any, error) {
	if err := c.requireManagement(); err != nil {
		return nil, err
	}
	if err := c.checkServicePrincipal(in.ServicePrincipal, true); err != nil {
		return nil, err
	}
	a, err := c.delegatedAccount(in.AccountId)
	if err != nil {
		return nil, err
	}
	if !c.w.isDelegatedAdmin(a.ID, in.ServicePrincipal) {
		return nil, errAccountNotRegistered()
	}
	c.w.DelegatedAdmins = slices.DeleteFunc(c.w.DelegatedAdmins, func(d *DelegatedAdmin) bool {
		return d.AccountID == a.ID && d.ServicePrincipal == in.ServicePrincipal
	})
	return struct{}{}, nil
}

func errAccountNotRegistered() *apiError {
	return newError(400, "AccountNotRegisteredException", "The provided account is not a registered delegated administrator for your organization.")
}

type orgDelegatedAdminOut struct {
	orgAccountOut
	DelegationEnabledDate float64 `json:"DelegationEnabledDate"`
}

func orgListDelegatedAdministrators(c *call, in *struct {
	ServicePrincipal string
	orgPaging
}) (any, error) {
	if err := c.requireOrgReader(); err != nil {
		return nil, err
	}
	if err := c.checkServicePrincipal(in.ServicePrincipal, false); err != nil {
		return nil, err
	}
	// One entry per account, dated by its first delegation.
	var out []orgDelegatedAdminOut
	seen := map[string]int{}
	for _, d := range c.w.DelegatedAdmins {
		if in.ServicePrincipal != "" && d.ServicePrincipal != in.ServicePrincipal {
			continue
		}
		if i, ok := seen[d.AccountID]; ok {
			out[i].DelegationEnabledDate = min(out[i].DelegationEnabledDate, epoch(d.Enabled))
			continue
		}
		a := c.w.account(d.AccountID)
		if a == nil {
			continue
		}
		seen[d.AccountID] = len(out)
		out = append(out, orgDelegatedAdminOut{c.w.accountOut(a), epoch(d.Enabled)})
	}
	pg, next, err := page(out, "delegated:"+in.ServicePrincipal, in.MaxResults, in.NextToken, 20, 20)
	if err != nil {
		return nil, asOrgInput(err)
	}
	if pg == nil {
		pg = []orgDelegatedAdminOut{}
	}
	return map[string]any{"DelegatedAdministrators": pg, "NextToken": next}, nil
}

func orgListDelegatedServicesForAccount(c *call, in *struct {
	AccountId string
	orgPaging
}) (any, error) {
	if err := c.requireOrgReader(); err != nil {
		return nil, err
	}
	a, err := c.delegatedAccount(in.AccountId)
	if err != nil {
		return nil, err
	}
	type service struct {
		ServicePrincipal      string  `json:"ServicePrincipal"`
		DelegationEnabledDate float64 `json:"DelegationEnabledDate"`
	}
	var out []service
	for _, d := range c.w.DelegatedAdmins {
		if d.AccountID == a.ID {
			out = append(out, service{d.ServicePrincipal, epoch(d.Enabled)})
		}
	}
	if len(out) == 0 {
		return nil, errAccountNotRegistered()
	}
	pg, next, err := page(out, "delegated-services:"+a.ID, in.MaxResults, in.NextToken, 20, 20)
	if err != nil {
		return nil, asOrgInput(err)
	}
	return map[string]any{"DelegatedServices": pg, "NextToken": next}, nil
}
