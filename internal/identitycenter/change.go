package identitycenter

// Desired is what keyless.yaml asks for, with every target resolved to
// account ids (config.Config.Desired does that against a State).
type Desired struct {
	Users          []User          // ID empty; UserName is the key
	Groups         []DesiredGroup  // Name is the key
	PermissionSets []PermissionSet // ARN empty; Name is the key
	Assignments    []DesiredAssignment
	// Prune allows deleting owned objects that left the file.
	Prune bool
	// PruneAlso, when set, allows the deletions it accepts even when Prune
	// is off: offboarding deletes one person's user, memberships and
	// assignments, and withholds the rest as apply would.
	PruneAlso func(Change) bool
	// PortalURL overrides https://<identity store id>.awsapps.com/start.
	PortalURL string
	// External is identity_source: external: an identity provider owns the
	// users and groups (SCIM), and keyless only references them by name in
	// assignments; Users and Groups stay empty.
	External bool
	// ElevationSets are the permission sets of elevation: rules. Their
	// assignments are grants the elevation machines make and end: plan
	// neither deletes them nor reports them as drift.
	ElevationSets []string
}

// DesiredGroup is a group and its members by user name.
type DesiredGroup struct {
	Name        string
	Description string // without the ownership marker
	Members     []string
}

// DesiredAssignment gives a principal, by name, a permission set, by name,
// in an account.
type DesiredAssignment struct {
	PermissionSet string
	PrincipalType string // USER or GROUP
	Principal     string // user name or group name
	AccountID     string
}

// Op is what a change does to an object.
type Op string

const (
	Create Op = "create"
	Update Op = "update"
	Delete Op = "delete"
	// Provision pushes an owned permission set, unchanged, to the accounts
	// whose role is older than it (see PermissionSet.Outdated).
	Provision Op = "provision"
)

// Kind is the kind of object a change is about.
type Kind string

const (
	KindUser          Kind = "user"
	KindGroup         Kind = "group"
	KindMembership    Kind = "membership"
	KindPermissionSet Kind = "permission_set"
	KindAssignment    Kind = "assignment"
)

// Change is one object to create, update in place or delete. Names, not
// ids, link objects created in the same apply (a membership of a new user);
// the applier resolves them as it goes.
type Change struct {
	Op   Op   `json:"op"`
	Kind Kind `json:"kind"`
	// Name shows the object: a user or group name, "group/user" for a
	// membership, a permission set name, "PermissionSet/GROUP:Name@account"
	// for an assignment.
	Name string `json:"name"`
	// Fields lists what an update changes, or what a creation sets (New
	// only).
	Fields []FieldChange `json:"fields,omitempty"`
	// Outdated lists the accounts where a permission set must be
	// provisioned again though nothing in it changes now (Provision, or an
	// Update whose own fields would not need it); Reason says why.
	Outdated []string `json:"outdated_accounts,omitempty"`
	Reason   string   `json:"reason,omitempty"`
	// OutOfReach says why AWS refuses the change to the caller (the
	// delegated administrator); apply does not attempt it.
	OutOfReach string `json:"out_of_reach,omitempty"`

	// Want is the desired object (create, update); Have the current one
	// (update, delete). Exactly the pointers of Kind are set.
	WantUser          *User              `json:"-"`
	HaveUser          *User              `json:"-"`
	WantGroup         *DesiredGroup      `json:"-"`
	HaveGroup         *Group             `json:"-"`
	Membership        *MembershipRef     `json:"-"`
	WantPermissionSet *PermissionSet     `json:"-"`
	HavePermissionSet *PermissionSet     `json:"-"`
	Assignment        *DesiredAssignment `json:"-"`
	HaveAssignment    *Assignment        `json:"-"`
}

// FieldChange is one field of an update, as shown in a plan.
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old,omitempty"`
	New   string `json:"new,omitempty"`
}

// MembershipRef is a group membership by names, with ids when they exist.
type MembershipRef struct {
	Group        string
	User         string
	GroupID      string
	UserID       string
	MembershipID string // for Delete
}
