package elevation

import "time"

// DefaultRequestExpiry is how long a request nobody decided stays
// decidable when keyless.yaml does not say (elevation.request_expiry).
const DefaultRequestExpiry = 24 * time.Hour

// RequestSkew is how far ahead of AWS's clock a request's time (the
// requester's clock) may be and still be decided: a requester cannot date
// a request ahead to keep it decidable longer than the expiry.
const RequestSkew = 5 * time.Minute

// Catalog is the compiled form of keyless.yaml's elevation: section that apply
// stores in the table (CatalogPK/CatalogSK, attribute "catalog", JSON) and
// compiles into the decide machine. Clients read it to check a request before
// writing it and to offer the picker; the machines never trust a client's copy.
type Catalog struct {
	Version         int    `json:"version"` // 1
	Region          string `json:"region"`
	HomeAccount     string `json:"home_account"`
	InstanceARN     string `json:"instance_arn"`
	IdentityStoreID string `json:"identity_store_id"`
	// ElevationRoleID is the IAM role id (AROA...) of KeylessElevation's role
	// in the home account: a record's pk must start with it.
	ElevationRoleID string `json:"elevation_role_id"`
	MaxSeconds      int    `json:"max_seconds"`
	// RequestExpiry is how long, in seconds, a request stays decidable
	// after it was made (its id's time): decide refuses it after that.
	// 0 (a catalog of an older keyless): DefaultRequestExpiry.
	RequestExpiry int    `json:"request_expiry_seconds,omitempty"`
	Webhook       string `json:"webhook,omitempty"`
	// Revokers may end any grant.
	Revokers Principals `json:"revokers"`
	// GroupMembers is true when apply listed each group's Members, so a
	// client can refuse a request from someone in none of a rule's groups
	// before writing it.
	GroupMembers bool   `json:"group_members,omitempty"`
	Rules        []Rule `json:"rules"`
}

// Rule is one elevation rule with every name resolved to an id.
type Rule struct {
	Name             string            `json:"name"`
	PermissionSet    string            `json:"permission_set"`     // name
	PermissionSetARN string            `json:"permission_set_arn"` // arn:aws:sso:::permissionSet/ssoins-.../ps-...
	Accounts         []string          `json:"accounts"`           // ids, sorted
	AccountNames     map[string]string `json:"account_names"`      // id -> name
	MaxSeconds       int               `json:"max_seconds"`
	ReasonRequired   bool              `json:"reason_required"`
	TicketRequired   bool              `json:"ticket_required"`
	TicketPattern    string            `json:"ticket_pattern,omitempty"`
	Eligible         Principals        `json:"eligible"`
	Approvers        Principals        `json:"approvers"`
	SelfApproval     []Principal       `json:"self_approval,omitempty"` // users only
}

// Principals are Identity Center users and groups.
type Principals struct {
	Users  []Principal `json:"users,omitempty"`
	Groups []Principal `json:"groups,omitempty"`
}

// Principal is one user (by user name) or group (by display name) with its
// identity store id.
type Principal struct {
	Name string `json:"name"`
	ID   string `json:"id"`
	// Members are a group's members' user names when apply ran: clients
	// use them to refuse a request that decide would refuse, before
	// writing it. decide asks Identity Store (IsMemberInGroups) instead.
	Members []string `json:"members,omitempty"`
}

// Expiry is how long a request stays decidable after it was made.
func (c *Catalog) Expiry() time.Duration {
	if c.RequestExpiry > 0 {
		return time.Duration(c.RequestExpiry) * time.Second
	}
	return DefaultRequestExpiry
}
