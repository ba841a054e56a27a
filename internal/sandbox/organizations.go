package sandbox

import (
	"fmt"
	"time"
)

// Organizations (awsJson1_1, X-Amz-Target: AWSOrganizationsV20161128.<Op>).

func organizationsOps() map[string]jsonOp {
	return map[string]jsonOp{
		"DescribeOrganization":             op(orgDescribeOrganization),
		"CreateOrganization":               op(orgCreateOrganization),
		"ListAccounts":                     op(orgListAccounts),
		"DescribeAccount":                  op(orgDescribeAccount),
		"ListRoots":                        op(orgListRoots),
		"ListOrganizationalUnitsForParent": op(orgListOUsForParent),
		"ListAccountsForParent":            op(orgListAccountsForParent),
		"ListParents":                      op(orgListParents),
		"ListTagsForResource":              op(orgListTagsForResource),

		// Accounts, OUs, policies, trusted access and tags (organizations_*.go).
		"CreateAccount":                       op(orgCreateAccount),
		"DescribeCreateAccountStatus":         op(orgDescribeCreateAccountStatus),
		"ListCreateAccountStatus":             op(orgListCreateAccountStatus),
		"CloseAccount":                        op(orgCloseAccount),
		"RemoveAccountFromOrganization":       op(orgRemoveAccount),
		"MoveAccount":                         op(orgMoveAccount),
		"CreateOrganizationalUnit":            op(orgCreateOU),
		"DescribeOrganizationalUnit":          op(orgDescribeOU),
		"UpdateOrganizationalUnit":            op(orgUpdateOU),
		"DeleteOrganizationalUnit":            op(orgDeleteOU),
		"ListChildren":                        op(orgListChildren),
		"EnablePolicyType":                    op(orgEnablePolicyType),
		"DisablePolicyType":                   op(orgDisablePolicyType),
		"CreatePolicy":                        op(orgCreatePolicy),
		"DescribePolicy":                      op(orgDescribePolicy),
		"UpdatePolicy":                        op(orgUpdatePolicy),
		"DeletePolicy":                        op(orgDeletePolicy),
		"ListPolicies":                        op(orgListPolicies),
		"AttachPolicy":                        op(orgAttachPolicy),
		"DetachPolicy":                        op(orgDetachPolicy),
		"ListPoliciesForTarget":               op(orgListPoliciesForTarget),
		"ListTargetsForPolicy":                op(orgListTargetsForPolicy),
		"EnableAWSServiceAccess":              op(orgEnableServiceAccess),
		"DisableAWSServiceAccess":             op(orgDisableServiceAccess),
		"ListAWSServiceAccessForOrganization": op(orgListServiceAccess),
		"TagResource":                         op(orgTagResource),
		"UntagResource":                       op(orgUntagResource),

		// Delegated administrators (organizations_delegated.go).
		"RegisterDelegatedAdministrator":   op(orgRegisterDelegatedAdministrator),
		"DeregisterDelegatedAdministrator": op(orgDeregisterDelegatedAdministrator),
		"ListDelegatedAdministrators":      op(orgListDelegatedAdministrators),
		"ListDelegatedServicesForAccount":  op(orgListDelegatedServicesForAccount),
	}
}

var (
	accountIDPattern = lazyRegexp(`^\d{12}$`)
	rootIDPattern    = lazyRegexp(`^r-[0-9a-z]{4,32}$`)
	ouIDPattern      = lazyRegexp(`^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`)
)

func errOrgNotInUse() *apiError {
	return newError(400, "AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")
}

// errOrgInput is Organizations' validation error: InvalidInputException with a reason.
func errOrgInput(reason, format string, a ...any) *apiError {
	e := newError(400, "InvalidInputException", "%s (reason: %s)", fmt.Sprintf(format, a...), reason)
	e.Fields = map[string]any{"Reason": reason}
	return e
}

type orgAccountOut struct {
	ID              string  `json:"Id"`
	ARN             string  `json:"Arn"`
	Email           string  `json:"Email"`
	Name            string  `json:"Name"`
	Status          string  `json:"Status"`
	State           string  `json:"State"`
	JoinedMethod    string  `json:"JoinedMethod"`
	JoinedTimestamp float64 `json:"JoinedTimestamp"`
}

func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func (w *World) orgARN(kind, id string) string {
	return fmt.Sprintf("arn:aws:organizations::%s:%s/%s/%s", w.Organization.MasterAccountID, kind, w.Organization.ID, id)
}

func (w *World) accountOut(a *Account) orgAccountOut {
	return orgAccountOut{ID: a.ID, ARN: w.orgARN("account", a.ID), Email: a.Email, Name: a.Name,
		Status: a.Status, State: a.Status, JoinedMethod: a.JoinedMethod, JoinedTimestamp: epoch(a.Joined)}
}

func (c *call) requireOrg() error {
	if c.w.Organization == nil {
		return errOrgNotInUse()
	}
	return nil
}

func orgDescribeOrganization(c *call, _ *struct{}) (any, error) {
	if err := c.requireOrg(); err != nil {
		return nil, err
	}
	o := c.w.Organization
	return map[string]any{"Organization": map[string]any{
		"Id": o.ID, "Arn": o.ARN, "FeatureSet": o.FeatureSet,
		"MasterAccountArn":   c.w.orgARN("account", o.MasterAccountID),
		"MasterAccountId":    o.MasterAccountID,
		"MasterAccountEmail": o.MasterAccountEmail,
		// Deprecated in the API; AWS fills it with the root's policy types.
		"AvailablePolicyTypes": c.w.rootOut()["PolicyTypes"],
	}}, nil
}

func orgCreateOrganization(c *call, in *struct{ FeatureSet string }) (any, error) {
	if c.w.Organization != nil {
		return nil, newError(400, "AlreadyInOrganizationException", "The AWS account is already a member of an organization.")
	}
	fs := in.FeatureSet
	switch fs {
	case "":
		fs = "ALL"
	case "ALL", "CONSOLIDATED_BILLING":
	default:
		return nil, errOrgInput("INVALID_ENUM", "You specified an invalid value for featureSet: %q; use ALL or CONSOLIDATED_BILLING", fs)
	}
	me := c.caller().AccountID
	acct := c.w.account(me)
	if acct == nil {
		acct = &Account{ID: me, Name: "management", Email: "management@example.com", Status: "ACTIVE", Joined: c.now}
		c.w.Accounts = append([]*Account{acct}, c.w.Accounts...)
	}
	id := "o-" + c.rand(10, lowerAlnum)
	c.w.Organization = &Organization{ID: id, ARN: fmt.Sprintf("arn:aws:organizations::%s:organization/%s", me, id),
		FeatureSet: fs, MasterAccountID: me, MasterAccountEmail: acct.Email}
	if c.w.RootID == "" {
		c.w.RootID = "r-" + c.rand(4, lowerAlnum)
	}
	acct.JoinedMethod = "CREATED"
	acct.ParentID = c.w.RootID
	c.w.OrgPolicies = newOrgPolicies()
	return orgDescribeOrganization(c, nil)
}

type orgPaging struct {
	MaxResults *int32
	NextToken  *string
}

func orgListAccounts(c *call, in *orgPaging) (any, error) {
	if err := c.requireOrg(); err != nil {
		return nil, err
	}
	return c.pageAccounts(c.w.Accounts, "accounts", in)
}

func (c *call) pageAccounts(accts []*Account, kind string, in *orgPaging) (any, error) {
	pg, next, err := page(accts, kind, in.MaxResults, in.NextToken, 20, 20)
	if err != nil {
		return nil, asOrgInput(err)
	}
	out := make([]orgAccountOut, len(pg))
	for i, a := range pg {
		out[i] = c.w.accountOut(a)
	}
	return map[string]any{"Accounts": out, "NextToken": next}, nil
}

// asOrgInput turns the shared paging errors into Organizations' error code.
func asOrgInput(err error) error {
	if ae, ok := err.(*apiError); ok && ae.Code == "ValidationException" {
		return newError(400, "InvalidInputException", "%s", ae.Message)
	}
	return err
}

func orgDescribeAccount(c *call, in *struct{ AccountId string }) (any, error) {
	if err := c.requireOrg(); err != nil {
		return nil, err
	}
	if in.AccountId == "" {
		return nil, errOrgInput("FIELD_VALIDATION_FAILED", "AccountId is required")
	}
	if !accountIDPattern.MatchString(in.AccountId) {
		return nil, errOrgInput("INVALID_PATTERN", "You specified an invalid value for AccountId %q: an account id is 12 digits", in.AccountId)
	}
	a := c.w.account(in.AccountId)
	if a == nil {
		return nil, newError(400, "AccountNotFoundException", "You specified an account that doesn't exist.")
	}
	return map[string]any{"Account": c.w.accountOut(a)}, nil
}

func orgListRoots(c *call, in *orgPaging) (any, error) {
	if err := c.requireOrg(); err != nil {
		return nil, err
	}
	return map[string]any{"Roots": []any{c.w.rootOut()}}, nil
}

// checkParent validates a parent id and reports whether it exists.
func (c *call) checkParent(id string) error {
	if err := checkParentID("ParentId", id); err != nil {
		return err
	}
	if !c.w.parentExists(id) {
		return newError(400, "ParentNotFoundException", "We can't find a root or OU with the ParentId that you specified.")
	}
	return nil
}

// checkParentID validates a root or OU id parameter.
func checkParentID(field, id string) error {
	switch {
	case id == "":
		return errOrgInput("INPUT_REQUIRED", "%s is required", field)
	case !rootIDPattern.MatchString(id) && !ouIDPattern.MatchString(id):
		return errOrgInput("INVALID_PATTERN", "You specified an invalid value for %s %q: use a root id (r-...) or an OU id (ou-...)", field, truncate(id, 100))
	}
	return nil
}

func (w *World) parentExists(id string) bool {
	return id == w.RootID || w.ou(id) != nil
}

func (w *World) ou(id string) *OU {
	for _, o := range w.OUs {
		if o.ID == id {
			return o
		}
	}
	return nil
}

func orgListOUsForParent(c *call, in *struct {
	ParentId string
	orgPaging
}) (any, error) {
	if err := c.requireOrg(); err != nil {
		return nil, err
	}
	if err := c.checkParent(in.ParentId); err != nil {
		return nil, err
	}
	var kids []*OU
	for _, o := range c.w.OUs {
		if o.ParentID == in.ParentId {
			kids = append(kids, o)
		}
	}
	pg, next, err := page(kids, "ous:"+in.ParentId, in.MaxResults, in.NextToken, 20, 20)
	if err != nil {
		return nil, asOrgInput(err)
	}
	out := make([]map[string]any, len(pg))
	for i, o := range pg {
		out[i] = map[string]any{"Id": o.ID, "Arn": c.w.orgARN("ou", o.ID), "Name": o.Name}
	}
	return map[string]any{"OrganizationalUnits": out, "NextToken": next}, nil
}

func orgListAccountsForParent(c *call, in *struct {
	ParentId string
	orgPaging
}) (any, error) {
	if err := c.requireOrg(); err != nil {
		return nil, err
	}
	if err := c.checkParent(in.ParentId); err != nil {
		return nil, err
	}
	var kids []*Account
	for _, a := range c.w.Accounts {
		if a.ParentID == in.ParentId {
			kids = append(kids, a)
		}
	}
	return c.pageAccounts(kids, "accounts:"+in.ParentId, &in.orgPaging)
}

func orgListParents(c *call, in *struct {
	ChildId string
	orgPaging
}) (any, error) {
	if err := c.requireOrg(); err != nil {
		return nil, err
	}
	var parent string
	switch {
	case in.ChildId == "":
		return nil, errOrgInput("FIELD_VALIDATION_FAILED", "ChildId is required")
	case accountIDPattern.MatchString(in.ChildId):
		if a := c.w.account(in.ChildId); a != nil {
			parent = a.ParentID
		}
	case ouIDPattern.MatchString(in.ChildId):
		if o := c.w.ou(in.ChildId); o != nil {
			parent = o.ParentID
		}
	default:
		return nil, errOrgInput("INVALID_PATTERN", "You specified an invalid value for ChildId %q: use an account id (12 digits) or an OU id (ou-...)", in.ChildId)
	}
	if parent == "" {
		return nil, newError(400, "ChildNotFoundException", "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.")
	}
	typ := "ORGANIZATIONAL_UNIT"
	if parent == c.w.RootID {
		typ = "ROOT"
	}
	return map[string]any{"Parents": []any{map[string]any{"Id": parent, "Type": typ}}}, nil
}

func orgListTagsForResource(c *call, in *struct {
	ResourceId string
	NextToken  *string
}) (any, error) {
	if err := c.requireOrg(); err != nil {
		return nil, err
	}
	r, err := c.orgTaggable(in.ResourceId)
	if err != nil {
		return nil, err
	}
	pg, next, err := page(*r.tags, "tags:"+in.ResourceId, nil, in.NextToken, 100, 100)
	if err != nil {
		return nil, asOrgInput(err)
	}
	if pg == nil {
		pg = []Tag{}
	}
	return map[string]any{"Tags": pg, "NextToken": next}, nil
}
