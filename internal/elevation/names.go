package elevation

// The names of what `keyless apply` creates in the elevation home account, as
// docs/elevation.md lists them. Requesters' clients, the state machines and
// apply all use these.
const (
	// PermissionSetName is the set every requester, approver and revoker holds
	// in the home account: it can write only records about its holder.
	PermissionSetName = "KeylessElevation"
	TableName         = "keyless-elevation"
	DecideMachine     = "keyless-elevation-decide"
	EndMachine        = "keyless-elevation-end"
	ExpiryGroup       = "keyless-elevation"
	CutGroup          = "keyless-elevation-cut"
	SweepGroup        = "keyless-elevation-sweep"
	SweepSchedule     = "sweep"
	RefereeRole       = "keyless-elevation-referee"
	EnderRole         = "keyless-elevation-ender"
	ExpireRole        = "keyless-elevation-expire"
	InvokeRole        = "keyless-elevation-invoke"

	// CatalogPK and CatalogSK key the item apply writes with the compiled
	// rules (Catalog as JSON in attribute "catalog"), so a requester's client
	// needs no keyless.yaml: it reads the rules from the table.
	CatalogPK = "CATALOG"
	CatalogSK = "v1"
)
