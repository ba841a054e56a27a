package sandbox

import (
	"time"
)

// World is everything the sandbox simulates, as plain data. It is guarded by
// Server.mu; handlers receive it locked. Slices keep creation order, which
// the List operations return, so paging is stable.
type World struct {
	lastPrune    time.Time     // when pruneSessions last ran
	Organization *Organization `json:"organization"` // nil until CreateOrganization when the seed has none
	Accounts     []*Account    `json:"accounts"`
	RootID       string        `json:"root_id"`
	OUs          []*OU         `json:"organizational_units"`
	// OrgPolicies are the organization's policies (SCPs, tag policies, ...),
	// AWS managed FullAWSAccess included; CreateAccountRequests are
	// CreateAccount's asynchronous requests (organizations_accounts.go).
	OrgPolicies           []*OrgPolicy        `json:"organization_policies"`
	CreateAccountRequests []*CreateAccountReq `json:"create_account_requests"`
	// DelegatedAdmins are the accounts registered to administer a service
	// (organizations_delegated.go).
	DelegatedAdmins []*DelegatedAdmin `json:"delegated_administrators"`

	Instance Instance `json:"instance"`
	// AccountInstances are Identity Center account instances, owned by
	// member accounts: no permission sets, no account assignments.
	AccountInstances []*Instance      `json:"account_instances"`
	PermissionSets   []*PermissionSet `json:"permission_sets"`
	Assignments      []*Assignment    `json:"account_assignments"`
	AssignmentOps    []*AssignmentOp  `json:"account_assignment_operations"`
	ProvisionOps     []*ProvisionOp   `json:"provisioning_operations"`

	Users       []*User       `json:"users"`
	Groups      []*Group      `json:"groups"`
	Memberships []*Membership `json:"group_memberships"`

	OIDC OIDCState `json:"oidc"`

	// Sessions are temporary credentials the sandbox issued (portal role
	// credentials, AssumeRole), by access key id.
	Sessions map[string]*Session `json:"sessions"`
	// SigninTokens are console federation tokens.
	SigninTokens map[string]*SigninToken `json:"signin_tokens"`

	// IAM is per account, by account id.
	IAM map[string]*IAMAccount `json:"iam"`

	// Trails are CloudTrail's event history by account/region
	// (cloudtrail.go): not in the state dump, which would be too large.
	Trails map[string]*trail `json:"-"`
	// Scheduler is EventBridge Scheduler's groups, schedules and their
	// invocations (scheduler.go, scheduler_run.go).
	Scheduler SchedulerState `json:"scheduler"`
	// StepFunctions is Step Functions' state machines and executions
	// (states.go, states_run.go).
	StepFunctions StepFunctionsState `json:"stepfunctions"`
	// DynamoDB is DynamoDB's tables and their items (dynamodb.go).
	DynamoDB DynamoDBState `json:"dynamodb"`
}

// Tag is a key/value tag as every service here spells it.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// Organizations.

type Organization struct {
	ID                 string `json:"id"`
	ARN                string `json:"arn"`
	FeatureSet         string `json:"feature_set"`
	MasterAccountID    string `json:"management_account_id"`
	MasterAccountEmail string `json:"management_account_email"`
	// IAMFeatures are the centralized root access features enabled (iam_org.go).
	IAMFeatures []string `json:"iam_features,omitempty"`
	// PolicyTypes are the policy types enabled on the root; RootTags the
	// root's tags; ServiceAccess the services given trusted access.
	PolicyTypes   []string        `json:"policy_types,omitempty"`
	RootTags      []Tag           `json:"root_tags,omitempty"`
	ServiceAccess []ServiceAccess `json:"service_access,omitempty"`
}

type Account struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Email        string    `json:"email"`
	Status       string    `json:"status"`
	JoinedMethod string    `json:"joined_method"`
	Joined       time.Time `json:"joined"`
	ParentID     string    `json:"parent_id"`
	Tags         []Tag     `json:"tags,omitempty"`
	// ClosesAt is when a PENDING_CLOSURE account becomes SUSPENDED.
	ClosesAt time.Time `json:"closes_at,omitzero"`
}

type OU struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	ParentID string `json:"parent_id"`
	Tags     []Tag  `json:"tags,omitempty"`
}

// IAM Identity Center administration (sso-admin).

type Instance struct {
	ARN             string    `json:"arn"`
	IdentityStoreID string    `json:"identity_store_id"`
	Name            string    `json:"name"`
	OwnerAccountID  string    `json:"owner_account_id"`
	Status          string    `json:"status"`
	Created         time.Time `json:"created"`
	Tags            []Tag     `json:"tags,omitempty"`
	// Disabled: Identity Center is not enabled yet. ListInstances is empty
	// and calls naming the instance or its store fail, as in an account
	// without one.
	Disabled bool `json:"disabled,omitempty"`
	// KMSKeyARN is the customer managed key UpdateInstance chose; empty
	// for an AWS owned key.
	KMSKeyARN string `json:"kms_key_arn,omitempty"`
}

type PermissionSet struct {
	ARN             string    `json:"arn"`
	Name            string    `json:"name"`
	Description     string    `json:"description,omitempty"`
	SessionDuration string    `json:"session_duration"`
	RelayState      string    `json:"relay_state,omitempty"`
	Created         time.Time `json:"created"`

	ManagedPolicies         []string            `json:"managed_policies,omitempty"`
	InlinePolicy            string              `json:"inline_policy,omitempty"`
	CustomerManagedPolicies []CustomerPolicyRef `json:"customer_managed_policies,omitempty"`
	Boundary                *Boundary           `json:"permissions_boundary,omitempty"`
	Tags                    []Tag               `json:"tags,omitempty"`

	// ProvisionedTo lists the accounts the permission set is provisioned to.
	ProvisionedTo []string `json:"provisioned_to,omitempty"`
	// Outdated lists provisioned accounts where the permission set changed
	// since it was last provisioned (LATEST_PERMISSION_SET_NOT_PROVISIONED).
	Outdated []string `json:"outdated,omitempty"`
	// RoleSuffix is the 16 hex digits of the AWSReservedSSO_<name>_<hex> role.
	RoleSuffix string `json:"role_suffix"`
}

type CustomerPolicyRef struct {
	Name string `json:"Name"`
	Path string `json:"Path,omitempty"`
}

type Boundary struct {
	CustomerManaged  *CustomerPolicyRef `json:"customer_managed,omitempty"`
	ManagedPolicyARN string             `json:"managed_policy_arn,omitempty"`
}

type Assignment struct {
	AccountID        string `json:"account_id"`
	PermissionSetARN string `json:"permission_set_arn"`
	PrincipalType    string `json:"principal_type"` // USER or GROUP
	PrincipalID      string `json:"principal_id"`
}

// AssignmentOp is an asynchronous CreateAccountAssignment or
// DeleteAccountAssignment request.
type AssignmentOp struct {
	RequestID     string `json:"request_id"`
	Delete        bool   `json:"delete"`
	Status        string `json:"status"` // IN_PROGRESS, SUCCEEDED, FAILED
	FailureReason string `json:"failure_reason,omitempty"`
	Assignment    `json:"assignment"`
	Created       time.Time `json:"created"`
	DoneAt        time.Time `json:"done_at"`
}

// ProvisionOp is an asynchronous ProvisionPermissionSet request.
type ProvisionOp struct {
	RequestID        string    `json:"request_id"`
	AccountID        string    `json:"account_id,omitempty"` // empty for ALL_PROVISIONED_ACCOUNTS
	PermissionSetARN string    `json:"permission_set_arn"`
	Status           string    `json:"status"`
	FailureReason    string    `json:"failure_reason,omitempty"`
	Created          time.Time `json:"created"`
	DoneAt           time.Time `json:"done_at"`
}

// Identity store.

type User struct {
	ID                string        `json:"id"`
	UserName          string        `json:"user_name"`
	DisplayName       string        `json:"display_name"`
	Name              Name          `json:"name"`
	NickName          string        `json:"nick_name,omitempty"`
	ProfileURL        string        `json:"profile_url,omitempty"`
	Emails            []Email       `json:"emails,omitempty"`
	Addresses         []Address     `json:"addresses,omitempty"`
	PhoneNumbers      []PhoneNumber `json:"phone_numbers,omitempty"`
	UserType          string        `json:"user_type,omitempty"`
	Title             string        `json:"title,omitempty"`
	PreferredLanguage string        `json:"preferred_language,omitempty"`
	Locale            string        `json:"locale,omitempty"`
	Timezone          string        `json:"timezone,omitempty"`
	ExternalIDs       []ExternalID  `json:"external_ids,omitempty"`
	// MFA tells whether the user registered an MFA device (the sandbox's
	// answer to a question the real API cannot: used by audit tests).
	MFA bool `json:"mfa,omitempty"`
	// Audit fields of the identity store API; zero for seeded objects, which
	// report the instance's creation.
	Created   time.Time `json:"created,omitzero"`
	Updated   time.Time `json:"updated,omitzero"`
	CreatedBy string    `json:"created_by,omitempty"`
	UpdatedBy string    `json:"updated_by,omitempty"`
	// Revision counts changes for optimistic locking (the API's Revision).
	Revision int `json:"revision,omitempty"`
}

type Name struct {
	Formatted       string `json:"Formatted,omitempty"`
	FamilyName      string `json:"FamilyName,omitempty"`
	GivenName       string `json:"GivenName,omitempty"`
	MiddleName      string `json:"MiddleName,omitempty"`
	HonorificPrefix string `json:"HonorificPrefix,omitempty"`
	HonorificSuffix string `json:"HonorificSuffix,omitempty"`
}

type Email struct {
	Value   string `json:"Value,omitempty"`
	Type    string `json:"Type,omitempty"`
	Primary bool   `json:"Primary,omitempty"`
}

type Address struct {
	StreetAddress string `json:"StreetAddress,omitempty"`
	Locality      string `json:"Locality,omitempty"`
	Region        string `json:"Region,omitempty"`
	PostalCode    string `json:"PostalCode,omitempty"`
	Country       string `json:"Country,omitempty"`
	Formatted     string `json:"Formatted,omitempty"`
	Type          string `json:"Type,omitempty"`
	Primary       bool   `json:"Primary,omitempty"`
}

type PhoneNumber struct {
	Value   string `json:"Value,omitempty"`
	Type    string `json:"Type,omitempty"`
	Primary bool   `json:"Primary,omitempty"`
}

type ExternalID struct {
	Issuer string `json:"Issuer"`
	ID     string `json:"Id"`
}

type Group struct {
	ID          string       `json:"id"`
	DisplayName string       `json:"display_name"`
	Description string       `json:"description,omitempty"`
	ExternalIDs []ExternalID `json:"external_ids,omitempty"`
	// Audit fields of the identity store API; zero for seeded objects, which
	// report the instance's creation.
	Created   time.Time `json:"created,omitzero"`
	Updated   time.Time `json:"updated,omitzero"`
	CreatedBy string    `json:"created_by,omitempty"`
	UpdatedBy string    `json:"updated_by,omitempty"`
	// Revision counts changes for optimistic locking (the API's Revision).
	Revision int `json:"revision,omitempty"`
}

type Membership struct {
	ID        string    `json:"id"`
	GroupID   string    `json:"group_id"`
	UserID    string    `json:"user_id"`
	Created   time.Time `json:"created,omitzero"`
	CreatedBy string    `json:"created_by,omitempty"`
}

// Sign-in: sso-oidc and the portal.

type OIDCState struct {
	Clients     map[string]*OIDCClient `json:"clients"`      // by client id
	DeviceAuths map[string]*DeviceAuth `json:"device_auths"` // by device code
	AuthCodes   map[string]*AuthCode   `json:"auth_codes"`   // by code
	Tokens      map[string]*Token      `json:"tokens"`       // by access token
	// FormNonces are the one-time nonces of the sign-in pages' forms, with
	// their expiry.
	FormNonces map[string]time.Time `json:"form_nonces,omitempty"`
}

type OIDCClient struct {
	ID           string    `json:"client_id"`
	Secret       string    `json:"client_secret"`
	Name         string    `json:"client_name"`
	Type         string    `json:"client_type"`
	Scopes       []string  `json:"scopes,omitempty"`
	GrantTypes   []string  `json:"grant_types,omitempty"`
	RedirectURIs []string  `json:"redirect_uris,omitempty"`
	IssuerURL    string    `json:"issuer_url,omitempty"`
	IssuedAt     time.Time `json:"issued_at"`
	ExpiresAt    time.Time `json:"expires_at"`
}

type DeviceAuth struct {
	DeviceCode string    `json:"device_code"`
	UserCode   string    `json:"user_code"`
	ClientID   string    `json:"client_id"`
	StartURL   string    `json:"start_url"`
	Interval   int       `json:"interval"`
	ExpiresAt  time.Time `json:"expires_at"`
	LastPoll   time.Time `json:"last_poll"`
	UserID     string    `json:"user_id,omitempty"` // set when approved
	Denied     bool      `json:"denied,omitempty"`
	Used       bool      `json:"used,omitempty"`
}

type AuthCode struct {
	Code        string    `json:"code"`
	ClientID    string    `json:"client_id"`
	RedirectURI string    `json:"redirect_uri"`
	Challenge   string    `json:"code_challenge"`
	Scopes      []string  `json:"scopes,omitempty"`
	UserID      string    `json:"user_id"`
	ExpiresAt   time.Time `json:"expires_at"`
	Used        bool      `json:"used,omitempty"`
}

type Token struct {
	AccessToken      string    `json:"access_token"`
	RefreshToken     string    `json:"refresh_token,omitempty"`
	ClientID         string    `json:"client_id"`
	UserID           string    `json:"user_id"`
	Scopes           []string  `json:"scopes,omitempty"`
	ExpiresAt        time.Time `json:"expires_at"`
	RefreshExpiresAt time.Time `json:"refresh_expires_at,omitempty"`
	Revoked          bool      `json:"revoked,omitempty"`
	// RefreshRevoked: an administrator revoked the refresh token (POST
	// /_sandbox/revoke-refresh-tokens); the access token still works.
	RefreshRevoked bool `json:"refresh_revoked,omitempty"`
}

// Session is a set of temporary credentials the sandbox issued.
type Session struct {
	AccessKeyID     string    `json:"access_key_id"`
	SecretAccessKey string    `json:"secret_access_key"`
	SessionToken    string    `json:"session_token"`
	AccountID       string    `json:"account_id"`
	ARN             string    `json:"arn"`     // arn:aws:sts::<acct>:assumed-role/<role>/<session>
	UserID          string    `json:"user_id"` // AROA...:<session>
	Expiration      time.Time `json:"expiration"`
	Source          string    `json:"source"` // portal, assume-role, web-identity, saml, session-token, federation-token, assume-root/<task>
	// MFA: GetSessionToken was given an MFA device and code.
	MFA bool `json:"mfa,omitempty"`
	// Issued is when the credentials were issued: aws:TokenIssueTime.
	Issued time.Time `json:"issued,omitzero"`
	// Policy and PolicyARNs are the session policies an assume-role call
	// passed; with neither, the session has all of its role's permissions.
	Policy     string   `json:"policy,omitempty"`
	PolicyARNs []string `json:"policy_arns,omitempty"`
	// Tags are the session tags (aws:PrincipalTag/...).
	Tags []Tag `json:"tags,omitempty"`
	// IdentityStoreUserID is the Identity Center user a permission set's
	// session was issued to (the portal's): identitystore:userId.
	IdentityStoreUserID string `json:"identity_store_user_id,omitempty"`
}

type SigninToken struct {
	Token      string    `json:"token"`
	SessionKey string    `json:"access_key_id"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// IAM, per account.

type IAMAccount struct {
	Root              RootState         `json:"root"`
	Users             []*IAMUser        `json:"users"`
	Groups            []*IAMGroup       `json:"groups"`
	Policies          []*IAMPolicy      `json:"policies"` // customer managed
	Roles             []*IAMRole        `json:"roles"`
	VirtualMFADevices []*MFADevice      `json:"virtual_mfa_devices"`
	PasswordPolicy    *PasswordPolicy   `json:"password_policy,omitempty"`
	Aliases           []string          `json:"aliases,omitempty"`
	Report            *CredentialReport `json:"credential_report,omitempty"`

	// Instance profiles and DeleteServiceLinkedRole tasks (iam_instanceprofiles.go,
	// iam_servicelinked.go).
	InstanceProfiles []*InstanceProfile `json:"instance_profiles,omitempty"`
	RoleDeletions    []*RoleDeletion    `json:"service_linked_role_deletions,omitempty"`

	OIDCProviders []*OIDCProvider `json:"oidc_providers,omitempty"` // iam_oidc.go
	SAMLProviders []*SAMLProvider `json:"saml_providers,omitempty"` // iam_saml.go
}

type RootState struct {
	AccessKeysPresent bool       `json:"access_keys_present"`
	MFAEnabled        bool       `json:"mfa_enabled"`
	HardwareMFA       bool       `json:"hardware_mfa,omitempty"`
	PasswordLastUsed  *time.Time `json:"password_last_used,omitempty"`
	KeyLastUsed       *time.Time `json:"key_last_used,omitempty"`
	Created           time.Time  `json:"created"`

	// NoPassword: a root session deleted the root user's password (iam_root.go).
	NoPassword bool `json:"no_password,omitempty"`
}

type IAMUser struct {
	Name             string         `json:"name"`
	ID               string         `json:"id"`
	Path             string         `json:"path"`
	Created          time.Time      `json:"created"`
	PasswordLastUsed *time.Time     `json:"password_last_used,omitempty"`
	LoginProfile     *LoginProfile  `json:"login_profile,omitempty"`
	AccessKeys       []*AccessKey   `json:"access_keys,omitempty"`
	MFASerials       []string       `json:"mfa_serials,omitempty"`
	Groups           []string       `json:"groups,omitempty"`
	AttachedPolicies []string       `json:"attached_policies,omitempty"`
	InlinePolicies   []InlinePolicy `json:"inline_policies,omitempty"`
	SigningCerts     []*SigningCert `json:"signing_certificates,omitempty"`
	SSHKeys          []*SSHKey      `json:"ssh_public_keys,omitempty"`
	ServiceCreds     []*ServiceCred `json:"service_specific_credentials,omitempty"`
	Tags             []Tag          `json:"tags,omitempty"`
	// PermissionsBoundary is the ARN of the managed policy bounding the user.
	PermissionsBoundary string `json:"permissions_boundary,omitempty"`
}

type LoginProfile struct {
	Created               time.Time `json:"created"`
	PasswordResetRequired bool      `json:"password_reset_required"`
	PasswordChanged       time.Time `json:"password_changed"`
}

type AccessKey struct {
	ID              string     `json:"id"`
	Secret          string     `json:"secret"`
	Status          string     `json:"status"` // Active, Inactive
	Created         time.Time  `json:"created"`
	LastUsed        *time.Time `json:"last_used,omitempty"`
	LastUsedService string     `json:"last_used_service,omitempty"`
	LastUsedRegion  string     `json:"last_used_region,omitempty"`
}

type InlinePolicy struct {
	Name     string `json:"name"`
	Document string `json:"document"`
}

type SigningCert struct {
	ID      string    `json:"id"`
	Body    string    `json:"body"`
	Status  string    `json:"status"`
	Created time.Time `json:"created"`
}

type SSHKey struct {
	ID          string    `json:"id"`
	Body        string    `json:"body"`
	Fingerprint string    `json:"fingerprint"`
	Status      string    `json:"status"`
	Uploaded    time.Time `json:"uploaded"`
}

type ServiceCred struct {
	ID          string    `json:"id"`
	ServiceName string    `json:"service_name"`
	UserName    string    `json:"service_user_name"`
	Password    string    `json:"password"`
	Status      string    `json:"status"`
	Created     time.Time `json:"created"`
}

type IAMGroup struct {
	Name             string         `json:"name"`
	ID               string         `json:"id"`
	Path             string         `json:"path"`
	Created          time.Time      `json:"created"`
	AttachedPolicies []string       `json:"attached_policies,omitempty"`
	InlinePolicies   []InlinePolicy `json:"inline_policies,omitempty"`
}

type IAMPolicy struct {
	Name        string    `json:"name"`
	ID          string    `json:"id"`
	ARN         string    `json:"arn"`
	Path        string    `json:"path"`
	Description string    `json:"description,omitempty"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
	Tags        []Tag     `json:"tags,omitempty"`
	// Versions are the policy's documents, oldest first (at most 5);
	// DefaultVersion is the one in effect, NextVersion the number the next
	// CreatePolicyVersion gets (IAM never reuses one).
	Versions       []*PolicyVersion `json:"versions"`
	DefaultVersion string           `json:"default_version"`
	NextVersion    int              `json:"next_version"`
}

type PolicyVersion struct {
	ID       string    `json:"id"` // v1, v2, ...
	Document string    `json:"document"`
	Created  time.Time `json:"created"`
}

// IAMRole is a role: one CreateRole or CreateServiceLinkedRole made, the
// AWSReservedSSO_ roles that provisioning creates, or
// OrganizationAccountAccessRole in member accounts.
type IAMRole struct {
	Name    string    `json:"name"`
	ID      string    `json:"id"`
	Path    string    `json:"path"`
	Created time.Time `json:"created"`

	// TrustPolicy is the AssumeRolePolicyDocument; empty for roles made
	// without one, which get their kind's default (iam_roles.go).
	TrustPolicy        string         `json:"trust_policy,omitempty"`
	Description        string         `json:"description,omitempty"`
	MaxSessionDuration int            `json:"max_session_duration,omitempty"` // seconds; 0 is 3600
	Boundary           string         `json:"permissions_boundary,omitempty"` // a managed policy ARN
	AttachedPolicies   []string       `json:"attached_policies,omitempty"`
	InlinePolicies     []InlinePolicy `json:"inline_policies,omitempty"`
	Tags               []Tag          `json:"tags,omitempty"`
	LastUsed           *time.Time     `json:"last_used,omitempty"`
	LastUsedRegion     string         `json:"last_used_region,omitempty"`
	// LinkedService is the service principal of a service-linked role.
	LinkedService string `json:"linked_service,omitempty"`
}

// InstanceProfile holds at most one role, by name.
type InstanceProfile struct {
	Name    string    `json:"name"`
	ID      string    `json:"id"`
	Path    string    `json:"path"`
	Created time.Time `json:"created"`
	Roles   []string  `json:"roles,omitempty"`
	Tags    []Tag     `json:"tags,omitempty"`
}

// RoleDeletion is a DeleteServiceLinkedRole task: the role goes when DoneAt
// passes.
type RoleDeletion struct {
	TaskID   string    `json:"task_id"`
	RoleName string    `json:"role_name"`
	Status   string    `json:"status"` // IN_PROGRESS, SUCCEEDED
	DoneAt   time.Time `json:"done_at"`
}

type MFADevice struct {
	Serial   string    `json:"serial"`
	UserName string    `json:"user_name,omitempty"` // empty while unassigned
	Enabled  time.Time `json:"enabled,omitempty"`
	Seed     string    `json:"seed,omitempty"`
}

type PasswordPolicy struct {
	MinimumPasswordLength      int  `json:"minimum_password_length"`
	RequireSymbols             bool `json:"require_symbols"`
	RequireNumbers             bool `json:"require_numbers"`
	RequireUppercaseCharacters bool `json:"require_uppercase_characters"`
	RequireLowercaseCharacters bool `json:"require_lowercase_characters"`
	AllowUsersToChangePassword bool `json:"allow_users_to_change_password"`
	MaxPasswordAge             int  `json:"max_password_age,omitempty"`
	PasswordReusePrevention    int  `json:"password_reuse_prevention,omitempty"`
	HardExpiry                 bool `json:"hard_expiry,omitempty"`
}

type CredentialReport struct {
	Generated time.Time `json:"generated"`
	Content   string    `json:"content"`
}

// Lookups shared by the services.

func (w *World) account(id string) *Account {
	for _, a := range w.Accounts {
		if a.ID == id {
			return a
		}
	}
	return nil
}

func (w *World) managementAccountID() string {
	if w.Organization != nil {
		return w.Organization.MasterAccountID
	}
	if len(w.Accounts) > 0 {
		return w.Accounts[0].ID
	}
	return defaultManagementAccount
}

func (w *World) user(id string) *User {
	for _, u := range w.Users {
		if u.ID == id {
			return u
		}
	}
	return nil
}

func (w *World) userByName(name string) *User {
	for _, u := range w.Users {
		if u.UserName == name {
			return u
		}
	}
	return nil
}

func (w *World) group(id string) *Group {
	for _, g := range w.Groups {
		if g.ID == id {
			return g
		}
	}
	return nil
}

// iamAccount returns the IAM state of an account, creating it on first use.
func (w *World) iamAccount(id string) *IAMAccount {
	if w.IAM == nil {
		w.IAM = map[string]*IAMAccount{}
	}
	a := w.IAM[id]
	if a == nil {
		a = &IAMAccount{}
		w.IAM[id] = a
	}
	return a
}

// advance completes asynchronous work whose time has come.
func (w *World) advance(now time.Time) {
	w.advanceSSOAdmin(now)
	w.advanceOrganizations(now)
	w.advanceRoleDeletions(now)
	w.pruneSessions(now)
}

// sessionGrace is how long an expired session is kept, so a request signed
// with it is told it expired rather than that it is unknown.
const sessionGrace = time.Hour

// pruneSessions forgets sessions long expired, so a sandbox handing out
// credentials for days does not grow without bound. A request signed with
// a forgotten session key (ASIA...) is still refused: see authenticate.
func (w *World) pruneSessions(now time.Time) {
	if now.Sub(w.lastPrune) < time.Minute {
		return // once a minute is enough, and keeps requests O(1)
	}
	w.lastPrune = now
	for id, s := range w.Sessions {
		if now.Sub(s.Expiration) > sessionGrace {
			delete(w.Sessions, id)
		}
	}
}
