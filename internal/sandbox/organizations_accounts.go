package sandbox

import (
	"slices"
	"strings"
	"time"
)

// Organizations: creating, closing, removing and moving accounts.
// CreateAccount is asynchronous, as on AWS: the request stays IN_PROGRESS
// for Options.AccountCreationDelay and World.advanceOrganizations completes
// it; CloseAccount leaves the account PENDING_CLOSURE as long.

// CreateAccountReq is one CreateAccount request.
type CreateAccountReq struct {
	ID            string    `json:"id"` // car-...
	AccountName   string    `json:"account_name"`
	Email         string    `json:"email"`
	RoleName      string    `json:"role_name"`
	Tags          []Tag     `json:"tags,omitempty"`
	State         string    `json:"state"` // IN_PROGRESS, SUCCEEDED, FAILED
	FailureReason string    `json:"failure_reason,omitempty"`
	AccountID     string    `json:"account_id"` // chosen at request, shown once SUCCEEDED
	Requested     time.Time `json:"requested"`
	DoneAt        time.Time `json:"done_at"`
}

var (
	orgEmailPattern       = lazyRegexp(`^[^\s@]+@[^\s@]+\.[^\s@]+$`)
	printableASCIIPattern = lazyRegexp(`^[\x20-\x7E]+$`)
	orgRoleNamePattern    = lazyRegexp(`^[\w+=,.@-]{1,64}$`)
	createAccountIDPat    = lazyRegexp(`^car-[a-z0-9]{8,32}$`)
)

// defaultOrgAccessRole is the role CreateAccount makes in the new account
// unless RoleName says otherwise.
const defaultOrgAccessRole = "OrganizationAccountAccessRole"

// requireManagementCaller admits the organization's management account only, as
// AWS does for every operation that changes the organization; an account
// outside the organization is told it is in none.
func (c *call) requireManagementCaller() error {
	if err := c.requireOrg(); err != nil {
		return err
	}
	me := c.caller().AccountID
	if c.w.account(me) == nil {
		return errOrgNotInUse()
	}
	if me != c.w.Organization.MasterAccountID {
		return newError(400, "AccessDeniedException", "You don't have permissions to access this resource: only the organization's management account (%s) can call this operation.", c.w.Organization.MasterAccountID)
	}
	return nil
}

// errOrgConstraint is ConstraintViolationException with its reason.
func errOrgConstraint(reason, format string, a ...any) *apiError {
	e := newError(400, "ConstraintViolationException", format, a...)
	e.Fields = map[string]any{"Reason": reason}
	return e
}

// checkOrgString checks a required string against the model's length limits
// and pattern (nil for none).
func checkOrgString(field, v string, minLen, maxLen int, pattern interface{ MatchString(string) bool }) error {
	switch n := len([]rune(v)); {
	case v == "" && minLen > 0:
		return errOrgInput("INPUT_REQUIRED", "%s is required", field)
	case n < minLen:
		return errOrgInput("MIN_LENGTH_EXCEEDED", "%s must have at least %d characters", field, minLen)
	case n > maxLen:
		return errOrgInput("MAX_LENGTH_EXCEEDED", "%s must have at most %d characters", field, maxLen)
	case pattern != nil && !pattern.MatchString(v):
		return errOrgInput("INVALID_PATTERN", "You specified an invalid value for %s: %q", field, truncate(v, 100))
	}
	return nil
}

// checkAccountID validates an AccountId parameter.
func checkAccountID(field, id string) error {
	if id == "" {
		return errOrgInput("INPUT_REQUIRED", "%s is required", field)
	}
	if !accountIDPattern.MatchString(id) {
		return errOrgInput("INVALID_PATTERN", "You specified an invalid value for %s %q: an account id is 12 digits", field, truncate(id, 100))
	}
	return nil
}

func errAccountNotFound() *apiError {
	return newError(400, "AccountNotFoundException", "You specified an account that doesn't exist.")
}

func orgCreateAccount(c *call, in *struct {
	Email, AccountName, RoleName, IamUserAccessToBilling string
	Tags                                                 []Tag
}) (any, error) {
	if err := c.requireManagementCaller(); err != nil {
		return nil, err
	}
	if err := checkOrgString("Email", in.Email, 6, 64, orgEmailPattern); err != nil {
		return nil, err
	}
	if err := checkOrgString("AccountName", in.AccountName, 1, 50, printableASCIIPattern); err != nil {
		return nil, err
	}
	role := in.RoleName
	if role == "" {
		role = defaultOrgAccessRole
	} else if !orgRoleNamePattern.MatchString(role) {
		return nil, errOrgInput("INVALID_ROLE_NAME", "You specified an invalid value for RoleName %q: 1-64 of letters, digits and +=,.@_-", truncate(role, 100))
	}
	switch in.IamUserAccessToBilling {
	case "", "ALLOW", "DENY":
	default:
		return nil, errOrgInput("INVALID_ENUM", "You specified an invalid value for IamUserAccessToBilling: %q; use ALLOW or DENY", truncate(in.IamUserAccessToBilling, 100))
	}
	tags, err := orgTagsIn(in.Tags, nil)
	if err != nil {
		return nil, err
	}
	id := c.rand(12, digits)
	for c.w.account(id) != nil || c.w.pendingAccountID(id) {
		id = c.rand(12, digits)
	}
	r := &CreateAccountReq{ID: "car-" + c.rand(32, lowerAlnum), AccountName: in.AccountName, Email: in.Email,
		RoleName: role, Tags: tags, State: "IN_PROGRESS", AccountID: id,
		Requested: c.now.UTC(), DoneAt: c.now.Add(c.s.opts.AccountCreationDelay).UTC()}
	c.w.CreateAccountRequests = append(c.w.CreateAccountRequests, r)
	if c.s.opts.AccountCreationDelay == 0 {
		c.w.completeCreateAccount(r)
	}
	return map[string]any{"CreateAccountStatus": r.out()}, nil
}

func (w *World) pendingAccountID(id string) bool {
	return slices.ContainsFunc(w.CreateAccountRequests, func(r *CreateAccountReq) bool { return r.AccountID == id })
}

func (r *CreateAccountReq) out() map[string]any {
	o := map[string]any{"Id": r.ID, "AccountName": r.AccountName, "State": r.State, "RequestedTimestamp": epoch(r.Requested)}
	switch r.State {
	case "SUCCEEDED":
		o["AccountId"] = r.AccountID
		o["CompletedTimestamp"] = epoch(r.DoneAt)
	case "FAILED":
		o["FailureReason"] = r.FailureReason
		o["CompletedTimestamp"] = epoch(r.DoneAt)
	}
	return o
}

// advanceOrganizations completes account creations and closures whose time
// has come.
func (w *World) advanceOrganizations(now time.Time) {
	for _, r := range w.CreateAccountRequests {
		if r.State == "IN_PROGRESS" && !now.Before(r.DoneAt) {
			w.completeCreateAccount(r)
		}
	}
	for _, a := range w.Accounts {
		if a.Status == "PENDING_CLOSURE" && !now.Before(a.ClosesAt) {
			a.Status, a.ClosesAt = "SUSPENDED", time.Time{}
		}
	}
}

// completeCreateAccount makes the account a request asked for, or fails it
// as AWS does when the email address already has an account.
func (w *World) completeCreateAccount(r *CreateAccountReq) {
	if w.Organization == nil {
		r.State, r.FailureReason = "FAILED", "INTERNAL_FAILURE"
		return
	}
	for _, a := range w.Accounts {
		if strings.EqualFold(a.Email, r.Email) {
			r.State, r.FailureReason = "FAILED", "EMAIL_ALREADY_EXISTS"
			return
		}
	}
	r.State = "SUCCEEDED"
	a := &Account{ID: r.AccountID, Name: r.AccountName, Email: r.Email, Status: "ACTIVE", JoinedMethod: "CREATED",
		Joined: r.DoneAt, ParentID: w.RootID, Tags: r.Tags}
	w.Accounts = append(w.Accounts, a)
	w.attachDefaultPolicies(a.ID)
	ia := w.iamAccount(a.ID)
	// An account Organizations creates has a root user without a password
	// (it is set through "forgot password") and the access role.
	ia.Root = RootState{Created: r.DoneAt, NoPassword: true}
	ia.Roles = append(ia.Roles, orgAccessRole(a.ID, r.RoleName, r.DoneAt))
}

// orgAccessPolicy is the access role's inline policy, named
// AdministratorAccess: full administrator permissions in the account.
const orgAccessPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// orgAccessRole is the role the management account assumes in a member
// account it created, with full access (orgAccessPolicy).
func orgAccessRole(account, name string, created time.Time) *IAMRole {
	return &IAMRole{Name: name, Path: "/", ID: "AROA" + stableID(account+"/"+name, 17), Created: created,
		InlinePolicies: []InlinePolicy{{Name: "AdministratorAccess", Document: orgAccessPolicy}}}
}

func (c *call) createAccountRequest(id string) (*CreateAccountReq, error) {
	if id == "" {
		return nil, errOrgInput("INPUT_REQUIRED", "CreateAccountRequestId is required")
	}
	if len(id) > 36 || !createAccountIDPat.MatchString(id) {
		return nil, errOrgInput("INVALID_PATTERN", "You specified an invalid value for CreateAccountRequestId %q: car- and 8-32 lower-case letters or digits", truncate(id, 100))
	}
	for _, r := range c.w.CreateAccountRequests {
		if r.ID == id {
			return r, nil
		}
	}
	return nil, newError(400, "CreateAccountStatusNotFoundException", "We can't find an create account request with the CreateAccountRequestId that you specified.")
}

func orgDescribeCreateAccountStatus(c *call, in *struct{ CreateAccountRequestId string }) (any, error) {
	if err := c.requireManagementCaller(); err != nil {
		return nil, err
	}
	r, err := c.createAccountRequest(in.CreateAccountRequestId)
	if err != nil {
		return nil, err
	}
	return map[string]any{"CreateAccountStatus": r.out()}, nil
}

func orgListCreateAccountStatus(c *call, in *struct {
	States []string
	orgPaging
}) (any, error) {
	if err := c.requireManagementCaller(); err != nil {
		return nil, err
	}
	for _, s := range in.States {
		if s != "IN_PROGRESS" && s != "SUCCEEDED" && s != "FAILED" {
			return nil, errOrgInput("INVALID_ENUM", "You specified an invalid value for States: %q; use IN_PROGRESS, SUCCEEDED or FAILED", truncate(s, 100))
		}
	}
	var match []*CreateAccountReq
	for _, r := range c.w.CreateAccountRequests {
		if len(in.States) == 0 || slices.Contains(in.States, r.State) {
			match = append(match, r)
		}
	}
	pg, next, err := page(match, "create-account-status:"+strings.Join(in.States, ","), in.MaxResults, in.NextToken, 20, 20)
	if err != nil {
		return nil, asOrgInput(err)
	}
	out := make([]map[string]any, len(pg))
	for i, r := range pg {
		out[i] = r.out()
	}
	return map[string]any{"CreateAccountStatuses": out, "NextToken": next}, nil
}

// memberAccount finds an account an operation acts on.
func (c *call) memberAccount(id string) (*Account, error) {
	if err := checkAccountID("AccountId", id); err != nil {
		return nil, err
	}
	a := c.w.account(id)
	if a == nil {
		return nil, errAccountNotFound()
	}
	return a, nil
}

func orgCloseAccount(c *call, in *struct{ AccountId string }) (any, error) {
	if err := c.requireManagementCaller(); err != nil {
		return nil, err
	}
	a, err := c.memberAccount(in.AccountId)
	if err != nil {
		return nil, err
	}
	if a.ID == c.w.Organization.MasterAccountID {
		return nil, errOrgConstraint("CANNOT_CLOSE_MANAGEMENT_ACCOUNT", "You can't close the management account with this operation: close the organization's member accounts, delete the organization, then close the account from its own settings.")
	}
	if a.Status != "ACTIVE" {
		return nil, newError(400, "AccountAlreadyClosedException", "You attempted to close an account that is already closed.")
	}
	a.Status, a.ClosesAt = "PENDING_CLOSURE", c.now.Add(c.s.opts.AccountCreationDelay).UTC()
	if c.s.opts.AccountCreationDelay == 0 {
		a.Status, a.ClosesAt = "SUSPENDED", time.Time{}
	}
	return nil, nil
}

func orgRemoveAccount(c *call, in *struct{ AccountId string }) (any, error) {
	if err := c.requireManagementCaller(); err != nil {
		return nil, err
	}
	a, err := c.memberAccount(in.AccountId)
	if err != nil {
		return nil, err
	}
	if a.ID == c.w.Organization.MasterAccountID {
		return nil, newError(400, "MasterCannotLeaveOrganizationException", "You can't remove a management account from an organization. If you want the management account to become a member account in another organization, you must first delete the current organization of the management account.")
	}
	c.w.Accounts = slices.DeleteFunc(c.w.Accounts, func(x *Account) bool { return x == a })
	c.w.detachAll(a.ID)
	return nil, nil
}

func orgMoveAccount(c *call, in *struct{ AccountId, SourceParentId, DestinationParentId string }) (any, error) {
	if err := c.requireManagementCaller(); err != nil {
		return nil, err
	}
	if err := checkAccountID("AccountId", in.AccountId); err != nil {
		return nil, err
	}
	for _, p := range []struct{ field, id, missing string }{
		{"SourceParentId", in.SourceParentId, "SourceParentNotFoundException"},
		{"DestinationParentId", in.DestinationParentId, "DestinationParentNotFoundException"},
	} {
		if err := checkParentID(p.field, p.id); err != nil {
			return nil, err
		}
		if !c.w.parentExists(p.id) {
			where := "source"
			if p.field == "DestinationParentId" {
				where = "destination"
			}
			return nil, newError(400, p.missing, "We can't find the %s container (a root or OU) with the ParentId that you specified.", where)
		}
	}
	a := c.w.account(in.AccountId)
	if a == nil || a.ParentID != in.SourceParentId {
		// The account is looked up in the source parent.
		return nil, newError(400, "AccountNotFoundException", "We can't find an AWS account with the AccountId that you specified in the source parent %s.", in.SourceParentId)
	}
	if a.ParentID == in.DestinationParentId {
		return nil, newError(400, "DuplicateAccountException", "That account is already present in the specified destination.")
	}
	a.ParentID = in.DestinationParentId
	return nil, nil
}
