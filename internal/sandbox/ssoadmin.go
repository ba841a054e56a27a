package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// IAM Identity Center administration (awsJson1_1, X-Amz-Target: SWBExternalService.<Op>).
//
// Account assignments and provisioning are asynchronous as in AWS: each
// request records an operation that stays IN_PROGRESS for
// Options.AssignmentDelay and is completed by World.advanceSSOAdmin.
//
// This file holds the route table, the members' constraints from the
// sso-admin model, the lookups and paging every operation uses, and the
// completion of asynchronous operations; the operations are in
// ssoadmin_<concern>.go.

func ssoAdminOps() map[string]jsonOp {
	return gateSSOAdmin(map[string]jsonOp{
		"ListInstances":    op(ssoListInstances),
		"DescribeInstance": op(ssoDescribeInstance),
		"CreateInstance":   op(ssoCreateInstance),
		"UpdateInstance":   op(ssoUpdateInstance),

		"CreatePermissionSet":   op(ssoCreatePermissionSet),
		"DescribePermissionSet": op(ssoDescribePermissionSet),
		"ListPermissionSets":    op(ssoListPermissionSets),
		"UpdatePermissionSet":   op(ssoUpdatePermissionSet),
		"DeletePermissionSet":   op(ssoDeletePermissionSet),

		"AttachManagedPolicyToPermissionSet":   op(ssoAttachManagedPolicy),
		"DetachManagedPolicyFromPermissionSet": op(ssoDetachManagedPolicy),
		"ListManagedPoliciesInPermissionSet":   op(ssoListManagedPolicies),

		"PutInlinePolicyToPermissionSet":      op(ssoPutInlinePolicy),
		"GetInlinePolicyForPermissionSet":     op(ssoGetInlinePolicy),
		"DeleteInlinePolicyFromPermissionSet": op(ssoDeleteInlinePolicy),

		"AttachCustomerManagedPolicyReferenceToPermissionSet":   op(ssoAttachCustomerPolicy),
		"DetachCustomerManagedPolicyReferenceFromPermissionSet": op(ssoDetachCustomerPolicy),
		"ListCustomerManagedPolicyReferencesInPermissionSet":    op(ssoListCustomerPolicies),

		"PutPermissionsBoundaryToPermissionSet":      op(ssoPutBoundary),
		"GetPermissionsBoundaryForPermissionSet":     op(ssoGetBoundary),
		"DeletePermissionsBoundaryFromPermissionSet": op(ssoDeleteBoundary),

		"TagResource":         op(ssoTagResource),
		"UntagResource":       op(ssoUntagResource),
		"ListTagsForResource": op(ssoListTagsForResource),

		"ProvisionPermissionSet":                  op(ssoProvisionPermissionSet),
		"DescribePermissionSetProvisioningStatus": op(ssoDescribeProvisioningStatus),
		"ListPermissionSetProvisioningStatus":     op(ssoListProvisioningStatus),
		"ListPermissionSetsProvisionedToAccount":  op(ssoListPermissionSetsProvisionedToAccount),
		"ListAccountsForProvisionedPermissionSet": op(ssoListAccountsForProvisionedPermissionSet),

		"CreateAccountAssignment":                 op(ssoCreateAccountAssignment),
		"DeleteAccountAssignment":                 op(ssoDeleteAccountAssignment),
		"DescribeAccountAssignmentCreationStatus": op(ssoDescribeAssignmentCreation),
		"DescribeAccountAssignmentDeletionStatus": op(ssoDescribeAssignmentDeletion),
		"ListAccountAssignmentCreationStatus":     op(ssoListAssignmentCreations),
		"ListAccountAssignmentDeletionStatus":     op(ssoListAssignmentDeletions),
		"ListAccountAssignments":                  op(ssoListAccountAssignments),
		"ListAccountAssignmentsForPrincipal":      op(ssoListAccountAssignmentsForPrincipal),
	})
}

// Limits. AWS's documented default quota for managed policies (AWS managed
// and customer managed together) in a permission set is 20, which moto
// enforces too; the IAM role quota it maps to can be raised, this cannot.
const (
	maxPoliciesPerPermissionSet = 20
	maxTagsPerResource          = 50
	maxOutstandingCreations     = 15
	ssoRolePath                 = "/aws-reserved/sso.amazonaws.com/"
	ssoMaxResults               = 100
)

// stringField is a string member with the constraints of the sso-admin model.
type stringField struct {
	min, max int
	pattern  string  // as AWS prints it in validation messages
	re       *lazyRE // the same, anchored, in Go's syntax
}

func newField(min, max int, pattern, goPattern string) stringField {
	f := stringField{min: min, max: max, pattern: pattern}
	if goPattern != "" {
		f.re = lazyRegexp(`^(?:` + goPattern + `)$`)
	}
	return f
}

var (
	fInstanceARN       = newField(10, 1224, `arn:aws(-[a-z]{1,5}){0,3}:sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}`, `arn:aws(-[a-z]{1,5}){0,3}:sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}`)
	fPermissionSetARN  = newField(10, 1224, `arn:aws(-[a-z]{1,5}){0,3}:sso:::permissionSet/(sso)?ins-[a-zA-Z0-9-.]{16}/ps-[a-zA-Z0-9-./]{16}`, `arn:aws(-[a-z]{1,5}){0,3}:sso:::permissionSet/(sso)?ins-[a-zA-Z0-9-.]{16}/ps-[a-zA-Z0-9-./]{16}`)
	fTaggableARN       = newField(10, 2048, `arn:aws(-[a-z]{1,5}){0,3}:sso::((:instance/(sso)?ins-[a-zA-Z0-9-.]{16})|(:permissionSet/(sso)?ins-[a-zA-Z0-9-.]{16}/ps-[a-zA-Z0-9-./]{16}))`, `arn:aws(-[a-z]{1,5}){0,3}:sso::((:instance/(sso)?ins-[a-zA-Z0-9-.]{16})|(:permissionSet/(sso)?ins-[a-zA-Z0-9-.]{16}/ps-[a-zA-Z0-9-./]{16})|(\d{12}:application/(sso)?ins-[a-zA-Z0-9-.]{16}/apl-[a-zA-Z0-9]{16})|(\d{12}:trustedTokenIssuer/(sso)?ins-[a-zA-Z0-9-.]{16}/tti-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}))`)
	fPermissionSetName = newField(1, 32, `[\w+=,.@-]+`, `[\w+=,.@-]+`)
	fDescription       = newField(1, 700, `[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*`, `[\x{0009}\x{000A}\x{000D}\x{0020}-\x{007E}\x{00A1}-\x{00FF}]*`)
	fRelayState        = newField(1, 240, `[a-zA-Z0-9&$@#\\\/%?=~\-_'"|!:,.;*+\[\]\ \(\)\{\}]+`, `[a-zA-Z0-9&$@#\\/%?=~\-_'"|!:,.;*+\[\] (){}]+`)
	fDuration          = newField(1, 100, `(-?)P(?=\d|T\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)([DW]))?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?`, `(-?)P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)([DW]))?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?`)
	fAccountID         = newField(12, 12, `\d{12}`, `\d{12}`)
	fPrincipalID       = newField(1, 47, `([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}`, `([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}`)
	fManagedPolicyARN  = newField(20, 2048, `arn:aws(-[a-z]{1,5}){0,3}:iam::aws:policy((/[A-Za-z0-9\.,\+@=_-]+)*)/([A-Za-z0-9\.,\+=@_-]+)`, `arn:aws(-[a-z]{1,5}){0,3}:iam::aws:policy((/[A-Za-z0-9\.,\+@=_-]+)*)/([A-Za-z0-9\.,\+=@_-]+)`)
	fPolicyName        = newField(1, 128, `[\w+=,.@-]+`, `[\w+=,.@-]+`)
	fPolicyPath        = newField(1, 512, `((/[A-Za-z0-9\.,\+@=_-]+)*)/`, `((/[A-Za-z0-9\.,\+@=_-]+)*)/`)
	fPolicyDocument    = newField(1, 32768, `[\u0009\u000A\u000D\u0020-\u00FF]+`, `[\x{0009}\x{000A}\x{000D}\x{0020}-\x{00FF}]+`)
	fUUID              = newField(36, 36, `\b[0-9a-f]{8}\b-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-\b[0-9a-f]{12}\b`, `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	fTagKey            = newField(1, 128, `([\p{L}\p{Z}\p{N}_.:/=+\-@]*)`, `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`)
	fTagValue          = newField(0, 256, `([\p{L}\p{Z}\p{N}_.:/=+\-@]*)`, `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`)
)

// check validates a present value.
func (f stringField) check(name, v string) error {
	shown := truncate(v, 256)
	n := utf8.RuneCountInString(v)
	switch {
	case n < f.min:
		return errConstraint(name, shown, fmt.Sprintf("Member must have length greater than or equal to %d", f.min))
	case n > f.max:
		return errConstraint(name, shown, fmt.Sprintf("Member must have length less than or equal to %d", f.max))
	case f.re != nil && !f.re.MatchString(v):
		return errConstraint(name, shown, "Member must satisfy regular expression pattern: "+f.pattern)
	}
	return nil
}

// required validates a required member; the empty string counts as absent.
func (f stringField) required(name, v string) error {
	if v == "" {
		return errRequired(name)
	}
	return f.check(name, v)
}

// optional validates a member that may be absent.
func (f stringField) optional(name string, v *string) error {
	if v == nil {
		return nil
	}
	return f.check(name, *v)
}

func checkEnum(name, v string, required bool, values ...string) error {
	if v == "" {
		if required {
			return errRequired(name)
		}
		return nil
	}
	if !slices.Contains(values, v) {
		return errConstraint(name, truncate(v, 64), "Member must satisfy enum value set: ["+strings.Join(values, ", ")+"]")
	}
	return nil
}

// Lookups.

// instance validates an instance ARN and checks that it is this sandbox's.
func (c *call) instance(arn string) (*Instance, error) {
	if err := fInstanceARN.required("instanceArn", arn); err != nil {
		return nil, err
	}
	inst := c.w.findInstance(arn)
	if inst == nil {
		return nil, errNotFound("Could not find Instance with arn %s", arn)
	}
	return inst, nil
}

func psID(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }

// permissionSet validates both ARNs and finds the permission set.
func (c *call) permissionSet(instanceARN, psARN string) (*PermissionSet, error) {
	if _, err := c.instance(instanceARN); err != nil {
		return nil, err
	}
	if err := fPermissionSetARN.required("permissionSetArn", psARN); err != nil {
		return nil, err
	}
	ps := c.w.permissionSet(psARN)
	if ps == nil {
		return nil, errNotFound("Could not find PermissionSet with id %s", psID(psARN))
	}
	return ps, nil
}

func (w *World) permissionSet(arn string) *PermissionSet {
	for _, ps := range w.PermissionSets {
		if ps.ARN == arn {
			return ps
		}
	}
	return nil
}

func (ps *PermissionSet) roleName() string {
	return "AWSReservedSSO_" + ps.Name + "_" + ps.RoleSuffix
}

// changed marks a provisioned permission set outdated in every account it
// is provisioned to, until ProvisionPermissionSet runs.
func (ps *PermissionSet) changed() {
	ps.Outdated = slices.Clone(ps.ProvisionedTo)
}

type ssoPaging struct {
	MaxResults *int32
	NextToken  *string
}

// pageKind names a list for its paging tokens, so a token from one list (or
// one filter) is refused by another. Kinds must not contain ':'.
func pageKind(list string, params ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(params, "\x00")))
	return list + "-" + hex.EncodeToString(sum[:6])
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

type opStatusMetadata struct {
	Status      string  `json:"Status"`
	RequestId   string  `json:"RequestId"`
	CreatedDate float64 `json:"CreatedDate"`
}

type statusListIn struct {
	InstanceArn string
	Filter      *struct{ Status string }
	ssoPaging
}

func (in *statusListIn) status() (string, error) {
	if in.Filter == nil {
		return "", nil
	}
	return in.Filter.Status, checkEnum("filter.status", in.Filter.Status, false, "IN_PROGRESS", "FAILED", "SUCCEEDED")
}

// statusOp is an asynchronous operation: an account assignment's creation or
// deletion, or a provisioning.
type statusOp interface{ metadata() opStatusMetadata }

func (o *AssignmentOp) metadata() opStatusMetadata {
	return opStatusMetadata{Status: o.Status, RequestId: o.RequestID, CreatedDate: epoch(o.Created)}
}

func (o *ProvisionOp) metadata() opStatusMetadata {
	return opStatusMetadata{Status: o.Status, RequestId: o.RequestID, CreatedDate: epoch(o.Created)}
}

// listOpStatus answers ListPermissionSetProvisioningStatus and
// ListAccountAssignment{Creation,Deletion}Status: the operations of ops in
// the status the filter names, under key. list names the paging tokens.
func listOpStatus[O statusOp](c *call, in *statusListIn, ops []O, list, key string) (any, error) {
	if _, err := c.instance(in.InstanceArn); err != nil {
		return nil, err
	}
	status, err := in.status()
	if err != nil {
		return nil, err
	}
	var all []opStatusMetadata
	for _, o := range ops {
		if m := o.metadata(); status == "" || m.Status == status {
			all = append(all, m)
		}
	}
	pg, next, err := page(all, pageKind(list, status), in.MaxResults, in.NextToken, ssoMaxResults, ssoMaxResults)
	if err != nil {
		return nil, err
	}
	return map[string]any{key: nonNil(pg), "NextToken": next}, nil
}

// Asynchronous completion.

// advanceSSOAdmin completes assignment and provisioning operations whose time has come.
func (w *World) advanceSSOAdmin(now time.Time) {
	for _, o := range w.AssignmentOps {
		if o.Status != "IN_PROGRESS" || now.Before(o.DoneAt) {
			continue
		}
		if o.Delete {
			w.completeAssignmentDeletion(o)
		} else {
			w.completeAssignmentCreation(o, now)
		}
	}
	for _, o := range w.ProvisionOps {
		if o.Status != "IN_PROGRESS" || now.Before(o.DoneAt) {
			continue
		}
		w.completeProvisioning(o, now)
	}
}
