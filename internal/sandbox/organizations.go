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
	return newError(400, "InvalidInputException", "%s (reason: %s)", fmt.Sprintf(format, a...), reason)
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
		"MasterAccountArn":     c.w.orgARN("account", o.MasterAccountID),
		"MasterAccountId":      o.MasterAccountID,
		"MasterAccountEmail":   o.MasterAccountEmail,
		"AvailablePolicyTypes": []any{},
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
	return map[string]any{"Roots": []any{map[string]any{
		"Id": c.w.RootID, "Arn": c.w.orgARN("root", c.w.RootID), "Name": "Root", "PolicyTypes": []any{},
	}}}, nil
}

// checkParent validates a parent id and reports whether it exists.
func (c *call) checkParent(id string) error {
	switch {
	case id == "":
		return errOrgInput("FIELD_VALIDATION_FAILED", "ParentId is required")
	case rootIDPattern.MatchString(id):
		if id != c.w.RootID {
			return newError(400, "ParentNotFoundException", "We can't find a root or OU with the ParentId that you specified.")
		}
	case ouIDPattern.MatchString(id):
		if c.w.ou(id) == nil {
			return newError(400, "ParentNotFoundException", "We can't find a root or OU with the ParentId that you specified.")
		}
	default:
		return errOrgInput("INVALID_PATTERN", "You specified an invalid value for ParentId %q: use a root id (r-...) or an OU id (ou-...)", id)
	}
	return nil
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
	var tags []Tag
	found := false
	switch {
	case in.ResourceId == "":
		return nil, errOrgInput("FIELD_VALIDATION_FAILED", "ResourceId is required")
	case accountIDPattern.MatchString(in.ResourceId):
		if a := c.w.account(in.ResourceId); a != nil {
			tags, found = a.Tags, true
		}
	case ouIDPattern.MatchString(in.ResourceId):
		if o := c.w.ou(in.ResourceId); o != nil {
			tags, found = o.Tags, true
		}
	case in.ResourceId == c.w.RootID:
		found = true
	default:
		return nil, errOrgInput("INVALID_PATTERN", "You specified an invalid value for ResourceId %q", in.ResourceId)
	}
	if !found {
		return nil, newError(400, "TargetNotFoundException", "We can't find a resource that matches the ResourceId that you specified.")
	}
	pg, next, err := page(tags, "tags:"+in.ResourceId, nil, in.NextToken, 100, 100)
	if err != nil {
		return nil, asOrgInput(err)
	}
	if pg == nil {
		pg = []Tag{}
	}
	return map[string]any{"Tags": pg, "NextToken": next}, nil
}
