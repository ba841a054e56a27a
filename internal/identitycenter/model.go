package identitycenter

import (
	"strings"
	"time"
)

// State is what AWS holds: the Identity Center instance, its identity
// store, permission sets and assignments, and the organization's accounts.
// There is no state file; this is read fresh for every plan.
type State struct {
	InstanceARN     string
	IdentityStoreID string
	Region          string
	// InstanceOwner is the account that owns the instance: the management
	// account for the organization instance.
	InstanceOwner string
	// AccountInstance is set for an account instance (a member account's
	// own Identity Center): it holds no permission sets or assignments.
	AccountInstance bool

	// Caller is who runs keyless (sts:GetCallerIdentity).
	Caller Caller
	// ManagementAccountID is the organization's management account, or the
	// caller's account when there is no organization.
	ManagementAccountID string

	Accounts []Account
	OUs      []OU
	RootID   string

	Users          []User
	Groups         []Group
	PermissionSets []PermissionSet
	Assignments    []Assignment

	// ReadAt is when Read began: it judges which session cuts (KeylessCut
	// statements, sessioncut.go) are still in force. Zero keeps them all.
	ReadAt time.Time
}

// Delegated reports whether keyless runs from Identity Center's delegated
// administrator account rather than the management account: AWS then
// refuses changes to permission sets provisioned to the management account
// and to assignments in it.
func (st *State) Delegated() bool {
	return !st.AccountInstance && st.Caller.AccountID != "" && st.ManagementAccountID != "" && st.Caller.AccountID != st.ManagementAccountID
}

// Caller is the identity behind the credentials keyless runs with.
type Caller struct {
	AccountID string
	ARN       string
	// SSOUserName and SSOPermissionSet are set when the caller is an Identity
	// Center role session (assumed-role/AWSReservedSSO_<PermissionSet>_<hex>/<user>).
	SSOUserName      string
	SSOPermissionSet string
}

// Account is an account of the organization.
type Account struct {
	ID       string
	Name     string
	Email    string
	Status   string
	ParentID string
	Tags     map[string]string
}

// OU is an organizational unit.
type OU struct {
	ID       string
	Name     string
	ParentID string
}

// User is an identity-store user.
type User struct {
	ID          string
	UserName    string
	DisplayName string
	GivenName   string
	FamilyName  string
	Email       string
	UserType    string
	// External is set when an identity provider made the user through SCIM
	// (it carries ExternalIds): keyless references it and never changes it.
	External bool
}

// Group is an identity-store group with its members' user ids.
type Group struct {
	ID          string
	Name        string
	Description string
	// External is set when an identity provider made the group through
	// SCIM (it carries ExternalIds).
	External bool
	// Members maps user id to membership id.
	Members map[string]string
}

// PermissionSet is a permission set with everything attached to it.
type PermissionSet struct {
	ARN             string
	Name            string
	Description     string
	SessionDuration string // ISO 8601, e.g. PT1H
	RelayState      string
	ManagedPolicies []string // AWS-managed policy ARNs, sorted
	InlinePolicy    string   // compact JSON, "" for none
	CustomerManaged []PolicyRef
	Boundary        *Boundary
	Tags            map[string]string
	// TagsUnknown is set when the tags could not be read (moto has no
	// sso-admin tag calls); tag differences are then not planned.
	TagsUnknown bool
	// ProvisionedTo lists the accounts the permission set is provisioned to.
	ProvisionedTo []string
	// Outdated lists the accounts of ProvisionedTo whose role predates the
	// permission set's last change (LATEST_PERMISSION_SET_NOT_PROVISIONED):
	// an apply interrupted between the update and the provisioning, or an
	// edit in the console. Read for owned permission sets only, and left
	// empty where the endpoint cannot tell (moto).
	Outdated []string
}

// PolicyRef names a customer-managed policy, by name and path.
type PolicyRef struct {
	Name string
	Path string // "/" when empty
}

// Boundary is a permissions boundary: a customer-managed policy or an
// AWS-managed one, never both.
type Boundary struct {
	CustomerManaged  *PolicyRef
	ManagedPolicyARN string
}

// Assignment gives a principal a permission set in an account.
type Assignment struct {
	AccountID        string
	PermissionSetARN string
	PrincipalType    string // USER or GROUP
	PrincipalID      string
}

// Ownership markers: what keyless created or adopted, documented in
// docs/ownership.md. keyless changes and deletes only owned objects.
const (
	// Marker ends the description of owned permission sets and groups
	// (identitystore has no tags, and moto has no sso-admin tag calls).
	Marker = "[keyless]"
	// OwnerTagKey/OwnerTagValue tag owned permission sets too, for people
	// and tools that look at tags.
	OwnerTagKey   = "managed-by"
	OwnerTagValue = "keyless"
	// UserType marks owned identity-store users.
	UserType = "keyless"
)

// MarkDescription appends the ownership marker to a description.
func MarkDescription(desc string) string {
	desc = strings.TrimSpace(desc)
	if desc == "" {
		return Marker
	}
	return desc + " " + Marker
}

// UnmarkDescription returns the description a user wrote, without the marker.
func UnmarkDescription(desc string) string {
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(desc), Marker))
}

// Owned reports whether keyless owns the permission set.
func (p *PermissionSet) Owned() bool {
	return strings.HasSuffix(strings.TrimSpace(p.Description), Marker)
}

// Owned reports whether keyless owns the group.
func (g *Group) Owned() bool { return strings.HasSuffix(strings.TrimSpace(g.Description), Marker) }

// Owned reports whether keyless owns the user.
func (u *User) Owned() bool { return u.UserType == UserType }
