package audit

import (
	"slices"
	"strings"
	"time"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
)

// AccountState is what Collect read of one account: the facts the checks
// judge, and the Gaps where AWS refused or failed to answer. A nil or empty
// field whose action is in Gaps means "unknown", never "none": use Known.
type AccountState struct {
	AccountID string
	// Alias is the account alias, "" when none or unreadable.
	Alias string
	// CallerARN is who Collect ran as.
	CallerARN string
	// Collected is when Collect ran.
	Collected time.Time

	// Summary is iam:GetAccountSummary (AccountAccessKeysPresent,
	// AccountMFAEnabled for the root user, ...).
	Summary map[string]int32
	// Report is the credential report, the root user's row included.
	Report []ReportRow
	// RootVirtualMFA is the serial of the root user's virtual MFA device,
	// "" when root has none (or a hardware one).
	RootVirtualMFA string
	// VirtualMFA are the serials of the account's assigned virtual MFA
	// devices (ListVirtualMFADevices): an assigned serial not among them
	// is a hardware device.
	VirtualMFA []string
	// Declared is what keyless.yaml declares for this account (break_glass,
	// key_exceptions); nil when no keyless.yaml was read, and then nothing
	// is judged against the file.
	Declared *Declared
	// RootCredentials are the root user's credentials as a root session
	// read them (ReadRoots); nil when not read.
	RootCredentials *RootCredentials
	// PasswordPolicy is nil when the account has none.
	PasswordPolicy *PasswordPolicy
	// Users are the IAM users with every credential and dependent that
	// deleting them would need removed first.
	Users []IAMUser
	// Roles are the IAM roles whose trust lets OIDC tokens in (workload
	// roles); other roles are not kept.
	Roles []IAMRole
	// OIDCProviders are the ARNs of the account's IAM OIDC providers.
	OIDCProviders []string

	// Organization is nil for a standalone account.
	Organization *Organization
	// IdentityCenter is set where it was read: in the management account,
	// and shared into the organization's other accounts by Share.
	IdentityCenter *IdentityCenter

	// Gaps are the calls that failed, by IAM action.
	Gaps []Gap
}

// Gap is a call Collect could not make: the checks that need it are
// reported as not evaluated, with the action as the permission to grant.
type Gap struct {
	// Action is the IAM action, e.g. iam:GetAccountSummary.
	Action string `json:"action"`
	// Denied is set when AWS refused the call (AccessDenied).
	Denied bool `json:"denied"`
	// Err is the error as AWS or the SDK said it.
	Err string `json:"error"`
}

// Known reports whether every one of actions was answered.
func (s *AccountState) Known(actions ...string) bool { return s.gap(actions...) == nil }

// gap returns the first gap among actions; an action ending in * matches
// every action it prefixes (sso:*).
func (s *AccountState) gap(actions ...string) *Gap {
	for i := range s.Gaps {
		for _, a := range actions {
			if p, ok := strings.CutSuffix(a, "*"); ok && strings.HasPrefix(s.Gaps[i].Action, p) || a == s.Gaps[i].Action {
				return &s.Gaps[i]
			}
		}
	}
	return nil
}

// RootARN is the account's root user ARN.
func (s *AccountState) RootARN() string { return "arn:aws:iam::" + s.AccountID + ":root" }

// PasswordPolicy is the part of the account password policy audits judge.
type PasswordPolicy struct {
	MinimumLength   int
	ReusePrevention int
	MaxAge          int
}

// IAMUser is one IAM user and everything attached to it.
type IAMUser struct {
	Name, ID, ARN, Path string
	Created             time.Time
	// PasswordLastUsed is nil when the password was never used (or there is none).
	PasswordLastUsed *time.Time
	// LoginProfile is nil when the user has no console password.
	LoginProfile *LoginProfile
	AccessKeys   []AccessKey
	// MFADevices are the serials of the user's MFA devices.
	MFADevices []string
	// Tags are the user's tags (an email tag names its person: MatchUser).
	Tags                map[string]string
	Groups              []string
	AttachedPolicies    []string // ARNs
	InlinePolicies      []string // names
	SigningCertificates []Credential
	SSHPublicKeys       []Credential
	ServiceCredentials  []Credential
}

// IAMRole is a role with its web-identity trust.
type IAMRole struct {
	Name, ARN string
	Created   time.Time
	// LastUsed is nil when the role was never used (RoleLastUsed).
	LastUsed *time.Time
	// Trusts are the statements letting OIDC tokens in (ParseTrust).
	Trusts           []WebIdentityTrust
	AttachedPolicies []string // ARNs
}

// LoginProfile is a console password.
type LoginProfile struct {
	Created       time.Time
	ResetRequired bool
}

// AccessKey is one access key and its last use.
type AccessKey struct {
	ID      string
	Status  string // Active or Inactive
	Created time.Time
	// LastUsed is nil when the key was never used.
	LastUsed        *time.Time
	LastUsedService string
	LastUsedRegion  string
}

// Credential is a signing certificate, SSH public key or service-specific
// credential (Service names the service for the latter).
type Credential struct {
	ID      string
	Status  string
	Service string
}

// Active reports the key is Active.
func (k AccessKey) Active() bool { return k.Status == "Active" }

// Organization is the organization the account belongs to.
type Organization struct {
	ID                  string
	ManagementAccountID string
	// RootFeatures are the enabled centralized root access features
	// (RootCredentialsManagement, RootSessions); known unless
	// iam:ListOrganizationsFeatures is in Gaps.
	RootFeatures []string
}

// IdentityCenter is the organization's Identity Center.
type IdentityCenter struct {
	// Account is where it was read (the management account).
	Account string
	// Enabled is false when the account has no Identity Center instance.
	Enabled bool
	// State is what identitycenter.Read returned; nil when not Enabled.
	State *ic.State
	// Wanted is what keyless.yaml asks of it; nil when no keyless.yaml was
	// read, and then nothing is judged against the file.
	Wanted *Wanted
}

// Wanted is what a keyless.yaml asks Identity Center for, as far as the
// checks judge it.
type Wanted struct {
	// File is the keyless.yaml, for evidence.
	File string
	// Groups are the groups it defines, the built-in ones it uses included.
	Groups []string
	// External is identity_source: external: an identity provider makes
	// the users and groups.
	External bool
}

// external reports an identity store an external identity provider fills
// (SCIM): keyless.yaml says so, or its users or groups carry external ids.
// Its users are made in the identity provider, never in keyless.yaml.
func (c *IdentityCenter) external() bool {
	if c.Wanted != nil && c.Wanted.External {
		return true
	}
	return c.State != nil && (slices.ContainsFunc(c.State.Users, func(u ic.User) bool { return u.External }) ||
		slices.ContainsFunc(c.State.Groups, func(g ic.Group) bool { return g.External }))
}

// ActionListOrganizationsFeatures is the action whose answer Share passes
// from the management account to the others.
const ActionListOrganizationsFeatures = "iam:ListOrganizationsFeatures"

// Share gives every account what only the management account can read:
// the organization's centralized root access features and Identity
// Center. Call it once Collect has run for every account of a run.
func Share(states []*AccountState) {
	for _, m := range states {
		if m.Organization == nil || m.Organization.ManagementAccountID != m.AccountID {
			continue
		}
		for _, s := range states {
			if s == m || s.Organization == nil || s.Organization.ID != m.Organization.ID {
				continue
			}
			if m.Known(ActionListOrganizationsFeatures) && !s.Known(ActionListOrganizationsFeatures) {
				s.Organization.RootFeatures = slices.Clone(m.Organization.RootFeatures)
				s.Gaps = slices.DeleteFunc(s.Gaps, func(g Gap) bool { return g.Action == ActionListOrganizationsFeatures })
			}
			if s.IdentityCenter == nil && m.IdentityCenter != nil {
				s.IdentityCenter = m.IdentityCenter
			}
		}
	}
}

// Uncovered are the organization's active accounts, as Identity Center
// lists them, that no state in states covers, in order. It knows of none
// when no state read Identity Center.
func Uncovered(states []*AccountState) []string {
	covered := map[string]bool{}
	for _, s := range states {
		covered[s.AccountID] = true
	}
	var out []string
	for _, s := range states {
		c := s.IdentityCenter
		if c == nil || c.State == nil || c.Account != s.AccountID {
			continue
		}
		for _, a := range c.State.Accounts {
			if !covered[a.ID] && (a.Status == "" || strings.EqualFold(a.Status, "ACTIVE")) {
				covered[a.ID] = true
				out = append(out, a.ID)
			}
		}
	}
	slices.Sort(out)
	return out
}
