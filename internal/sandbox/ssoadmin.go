package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// IAM Identity Center administration (awsJson1_1, X-Amz-Target: SWBExternalService.<Op>).
//
// Account assignments and provisioning are asynchronous as in AWS: each
// request records an operation that stays IN_PROGRESS for
// Options.AssignmentDelay and is completed by World.advanceSSOAdmin.

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

// checkSessionDuration validates an ISO-8601 duration and Identity Center's
// range of 1 to 12 hours.
func checkSessionDuration(v string) error {
	if err := fDuration.check("sessionDuration", v); err != nil {
		return err
	}
	m := fDuration.re.FindStringSubmatch(v)
	// m: 1 sign, 2 years, 3 months, 4 days/weeks, 5 D|W, 6 hours, 7 minutes, 8 seconds.
	if v == "P" || strings.HasSuffix(v, "T") || m == nil {
		return errConstraint("sessionDuration", v, "Member must satisfy regular expression pattern: "+fDuration.pattern)
	}
	num := func(s string) float64 {
		f, _ := strconv.ParseFloat(s, 64)
		return f
	}
	days := num(m[4])
	if m[5] == "W" {
		days *= 7
	}
	secs := num(m[2])*365*86400 + num(m[3])*30*86400 + days*86400 + num(m[6])*3600 + num(m[7])*60 + num(m[8])
	if m[1] == "-" {
		secs = -secs
	}
	if secs < 3600 || secs > 12*3600 {
		return errValidation("SessionDuration %s is out of range: a permission set's session lasts from 1 hour (PT1H) to 12 hours (PT12H)", v)
	}
	return nil
}

func checkTags(tags []Tag) error {
	if len(tags) > 75 {
		return errConstraint("tags", fmt.Sprintf("[%d tags]", len(tags)), "Member must have length less than or equal to 75")
	}
	seen := map[string]bool{}
	for i, t := range tags {
		if err := fTagKey.required(fmt.Sprintf("tags.%d.member.key", i+1), t.Key); err != nil {
			return err
		}
		if err := fTagValue.check(fmt.Sprintf("tags.%d.member.value", i+1), t.Value); err != nil {
			return err
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return errValidation("Tag keys starting with 'aws:' are reserved for AWS use: %s", t.Key)
		}
		if seen[t.Key] {
			return errValidation("Duplicate tag key %s in the request", t.Key)
		}
		seen[t.Key] = true
	}
	return nil
}

// mergeTags adds or replaces tags, enforcing the per-resource quota.
func mergeTags(have, add []Tag) ([]Tag, error) {
	out := upsertTags(have, add)
	if len(out) > maxTagsPerResource {
		return nil, newError(400, "ServiceQuotaExceededException", "A resource can have at most %d tags; this request would leave it with %d", maxTagsPerResource, len(out))
	}
	return out, nil
}

// upsertTags returns have with add's keys set to add's values, sorted by key.
func upsertTags(have, add []Tag) []Tag {
	out := slices.Clone(have)
	for _, t := range add {
		i := slices.IndexFunc(out, func(o Tag) bool { return o.Key == t.Key })
		if i >= 0 {
			out[i].Value = t.Value
		} else {
			out = append(out, t)
		}
	}
	sortTags(out)
	return out
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

// provision makes the permission set current in an account: its role exists
// there with the latest policies.
func (w *World) provision(ps *PermissionSet, account string, now time.Time) {
	if !slices.Contains(ps.ProvisionedTo, account) {
		ps.ProvisionedTo = append(ps.ProvisionedTo, account)
	}
	ps.Outdated = slices.DeleteFunc(ps.Outdated, func(a string) bool { return a == account })
	w.ensureSSOSAMLProvider(account, now)
	ia := w.iamAccount(account)
	name := ps.roleName()
	i := slices.IndexFunc(ia.Roles, func(r *IAMRole) bool { return r.Name == name && r.Path == ssoRolePath })
	if i < 0 {
		ia.Roles = append(ia.Roles, &IAMRole{Name: name, Path: ssoRolePath, ID: "AROA" + stableID(account+"/role/"+name, 17), Created: now.UTC()})
		i = len(ia.Roles) - 1
	}
	ia.Roles[i].provisionedFrom(ps, account)
}

// Instances.

type ssoInstanceOut struct {
	InstanceArn     string  `json:"InstanceArn"`
	IdentityStoreId string  `json:"IdentityStoreId"`
	OwnerAccountId  string  `json:"OwnerAccountId"`
	Name            string  `json:"Name,omitempty"`
	CreatedDate     float64 `json:"CreatedDate"`
	Status          string  `json:"Status"`
}

func instanceOut(in *Instance) ssoInstanceOut {
	return ssoInstanceOut{InstanceArn: in.ARN, IdentityStoreId: in.IdentityStoreID, OwnerAccountId: in.OwnerAccountID,
		Name: in.Name, CreatedDate: epoch(in.Created), Status: in.Status}
}

type ssoPaging struct {
	MaxResults *int32
	NextToken  *string
}

func ssoListInstances(c *call, in *ssoPaging) (any, error) {
	all := []ssoInstanceOut{}
	for _, inst := range c.visibleInstances() {
		all = append(all, instanceOut(inst))
	}
	pg, next, err := page(all, "instances", in.MaxResults, in.NextToken, ssoMaxResults, ssoMaxResults)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Instances": pg, "NextToken": next}, nil
}

func ssoDescribeInstance(c *call, in *struct{ InstanceArn string }) (any, error) {
	inst, err := c.instance(in.InstanceArn)
	if err != nil {
		return nil, err
	}
	out := instanceOut(inst)
	enc := map[string]string{"KeyType": "AWS_OWNED_KMS_KEY", "EncryptionStatus": "ENABLED"}
	if inst.KMSKeyARN != "" {
		enc["KeyType"], enc["KmsKeyArn"] = "CUSTOMER_MANAGED_KEY", inst.KMSKeyARN
	}
	return struct {
		ssoInstanceOut
		EncryptionConfigurationDetails map[string]string `json:"EncryptionConfigurationDetails"`
	}{out, enc}, nil
}

var (
	fInstanceName = newField(0, 255, `[\w+=,.@-]+`, `[\w+=,.@-]+`)
	fKMSKeyARN    = newField(20, 2048, `arn:aws(-[a-z]{1,5}){0,3}:kms:([a-z]{2,}(-[a-z0-9]+)+){1}:[0-9]{12}:key/(mrk-[a-f0-9]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})`,
		`arn:aws(-[a-z]{1,5}){0,3}:kms:([a-z]{2,}(-[a-z0-9]+)+):[0-9]{12}:key/(mrk-[a-f0-9]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})`)
)

type ssoUpdateInstanceIn struct {
	InstanceArn             string
	Name                    *string
	EncryptionConfiguration *struct {
		KeyType   string
		KmsKeyArn *string
	}
}

// ssoUpdateInstance renames the instance and chooses the KMS key that
// encrypts its data. The sandbox has no KMS: a customer managed key is
// taken on its ARN's word, and the change is ENABLED at once, where AWS is
// UPDATING while it re-encrypts.
func ssoUpdateInstance(c *call, in *ssoUpdateInstanceIn) (any, error) {
	inst, err := c.instance(in.InstanceArn)
	if err != nil {
		return nil, err
	}
	if in.Name != nil {
		if err := fInstanceName.check("name", *in.Name); err != nil {
			return nil, err
		}
	}
	key := inst.KMSKeyARN
	if e := in.EncryptionConfiguration; e != nil {
		arn := ""
		if e.KmsKeyArn != nil {
			arn = *e.KmsKeyArn
			if err := fKMSKeyARN.check("encryptionConfiguration.kmsKeyArn", arn); err != nil {
				return nil, err
			}
		}
		switch e.KeyType {
		case "":
			return nil, errRequired("encryptionConfiguration.keyType")
		case "AWS_OWNED_KMS_KEY":
			if arn != "" {
				return nil, errValidation("KmsKeyArn must not be given with KeyType AWS_OWNED_KMS_KEY: leave it out, or use CUSTOMER_MANAGED_KEY.")
			}
		case "CUSTOMER_MANAGED_KEY":
			if arn == "" {
				return nil, errValidation("KmsKeyArn is required with KeyType CUSTOMER_MANAGED_KEY.")
			}
		default:
			return nil, errConstraint("encryptionConfiguration.keyType", truncate(e.KeyType, 100), "Member must satisfy enum value set: [AWS_OWNED_KMS_KEY, CUSTOMER_MANAGED_KEY]")
		}
		key = arn
	}
	if in.Name != nil {
		inst.Name = *in.Name
	}
	inst.KMSKeyARN = key
	return struct{}{}, nil
}

// Permission sets.

type psOut struct {
	Name             string  `json:"Name"`
	PermissionSetArn string  `json:"PermissionSetArn"`
	Description      string  `json:"Description,omitempty"`
	CreatedDate      float64 `json:"CreatedDate"`
	SessionDuration  string  `json:"SessionDuration,omitempty"`
	RelayState       string  `json:"RelayState,omitempty"`
}

func permissionSetOut(ps *PermissionSet) map[string]any {
	return map[string]any{"PermissionSet": psOut{Name: ps.Name, PermissionSetArn: ps.ARN, Description: ps.Description,
		CreatedDate: epoch(ps.Created), SessionDuration: ps.SessionDuration, RelayState: ps.RelayState}}
}

type psRef struct {
	InstanceArn      string
	PermissionSetArn string
}

func ssoCreatePermissionSet(c *call, in *struct {
	InstanceArn     string
	Name            string
	Description     *string
	SessionDuration *string
	RelayState      *string
	Tags            []Tag
}) (any, error) {
	inst, err := c.instance(in.InstanceArn)
	if err != nil {
		return nil, err
	}
	if err := fPermissionSetName.required("name", in.Name); err != nil {
		return nil, err
	}
	if err := fDescription.optional("description", in.Description); err != nil {
		return nil, err
	}
	if err := fRelayState.optional("relayState", in.RelayState); err != nil {
		return nil, err
	}
	duration := "PT1H"
	if in.SessionDuration != nil {
		if err := checkSessionDuration(*in.SessionDuration); err != nil {
			return nil, err
		}
		duration = *in.SessionDuration
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	tags, err := mergeTags(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	for _, ps := range c.w.PermissionSets {
		if ps.Name == in.Name {
			return nil, errConflict("PermissionSet with name %s already exists.", in.Name)
		}
	}
	instID := inst.ARN[strings.LastIndex(inst.ARN, "/")+1:]
	partition := strings.Split(inst.ARN, ":")[1]
	ps := &PermissionSet{
		ARN:             fmt.Sprintf("arn:%s:sso:::permissionSet/%s/ps-%s", partition, instID, c.rand(16, lowerHex)),
		Name:            in.Name,
		Description:     deref(in.Description),
		SessionDuration: duration,
		RelayState:      deref(in.RelayState),
		Created:         c.now.UTC(),
		Tags:            tags,
		RoleSuffix:      c.rand(16, lowerHex),
	}
	c.w.PermissionSets = append(c.w.PermissionSets, ps)
	return permissionSetOut(ps), nil
}

func ssoDescribePermissionSet(c *call, in *psRef) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	return permissionSetOut(ps), nil
}

func ssoListPermissionSets(c *call, in *struct {
	InstanceArn string
	ssoPaging
}) (any, error) {
	if _, err := c.instance(in.InstanceArn); err != nil {
		return nil, err
	}
	arns := make([]string, len(c.w.PermissionSets))
	for i, ps := range c.w.PermissionSets {
		arns[i] = ps.ARN
	}
	pg, next, err := page(arns, "permission-sets", in.MaxResults, in.NextToken, ssoMaxResults, ssoMaxResults)
	if err != nil {
		return nil, err
	}
	return map[string]any{"PermissionSets": nonNil(pg), "NextToken": next}, nil
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

func ssoUpdatePermissionSet(c *call, in *struct {
	psRef
	Description     *string
	SessionDuration *string
	RelayState      *string
}) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if err := fDescription.optional("description", in.Description); err != nil {
		return nil, err
	}
	if err := fRelayState.optional("relayState", in.RelayState); err != nil {
		return nil, err
	}
	if in.SessionDuration != nil {
		if err := checkSessionDuration(*in.SessionDuration); err != nil {
			return nil, err
		}
	}
	// Only the members given change.
	if in.Description != nil {
		ps.Description = *in.Description
	}
	if in.SessionDuration != nil {
		ps.SessionDuration = *in.SessionDuration
	}
	if in.RelayState != nil {
		ps.RelayState = *in.RelayState
	}
	ps.changed()
	return nil, nil
}

func ssoDeletePermissionSet(c *call, in *psRef) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if slices.ContainsFunc(c.w.Assignments, func(a *Assignment) bool { return a.PermissionSetARN == ps.ARN }) {
		return nil, errConflict("PermissionSet %s is assigned to principals in accounts; delete its account assignments first.", psID(ps.ARN))
	}
	if slices.ContainsFunc(c.w.AssignmentOps, func(o *AssignmentOp) bool {
		return o.PermissionSetARN == ps.ARN && o.Status == "IN_PROGRESS"
	}) {
		return nil, errConflict("PermissionSet %s has account assignment operations in progress; retry when they complete.", psID(ps.ARN))
	}
	if slices.ContainsFunc(c.w.ProvisionOps, func(o *ProvisionOp) bool {
		return o.PermissionSetARN == ps.ARN && o.Status == "IN_PROGRESS"
	}) {
		return nil, errConflict("PermissionSet %s is being provisioned; retry when provisioning completes.", psID(ps.ARN))
	}
	name := ps.roleName()
	for _, acct := range ps.ProvisionedTo {
		if ia := c.w.IAM[acct]; ia != nil {
			ia.Roles = slices.DeleteFunc(ia.Roles, func(r *IAMRole) bool { return r.Name == name && r.Path == ssoRolePath })
		}
	}
	c.w.PermissionSets = slices.DeleteFunc(c.w.PermissionSets, func(p *PermissionSet) bool { return p == ps })
	return nil, nil
}

// Managed policies.

type attachedPolicyOut struct {
	Name string `json:"Name"`
	Arn  string `json:"Arn"`
}

func policyCount(ps *PermissionSet) int {
	return len(ps.ManagedPolicies) + len(ps.CustomerManagedPolicies)
}

func errPolicyQuota(ps *PermissionSet) error {
	return newError(400, "ServiceQuotaExceededException",
		"You have exceeded AWS SSO limits. Cannot attach more than %d managed and customer managed policies to permission set %s. Please refer to https://docs.aws.amazon.com/singlesignon/latest/userguide/limits.html",
		maxPoliciesPerPermissionSet, psID(ps.ARN))
}

type managedPolicyIn struct {
	psRef
	ManagedPolicyArn string
}

func ssoAttachManagedPolicy(c *call, in *managedPolicyIn) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if err := fManagedPolicyARN.required("managedPolicyArn", in.ManagedPolicyArn); err != nil {
		return nil, err
	}
	if slices.Contains(ps.ManagedPolicies, in.ManagedPolicyArn) {
		return nil, errConflict("Permission set with id %s already has a typed link attachment to a managed policy with %s", psID(ps.ARN), in.ManagedPolicyArn)
	}
	if policyCount(ps) >= maxPoliciesPerPermissionSet {
		return nil, errPolicyQuota(ps)
	}
	ps.ManagedPolicies = append(ps.ManagedPolicies, in.ManagedPolicyArn)
	ps.changed()
	return nil, nil
}

func ssoDetachManagedPolicy(c *call, in *managedPolicyIn) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if err := fManagedPolicyARN.required("managedPolicyArn", in.ManagedPolicyArn); err != nil {
		return nil, err
	}
	i := slices.Index(ps.ManagedPolicies, in.ManagedPolicyArn)
	if i < 0 {
		return nil, errNotFound("Could not find ManagedPolicy with arn %s attached to permission set %s", in.ManagedPolicyArn, psID(ps.ARN))
	}
	ps.ManagedPolicies = slices.Delete(ps.ManagedPolicies, i, i+1)
	ps.changed()
	return nil, nil
}

type psPagedRef struct {
	psRef
	ssoPaging
}

func ssoListManagedPolicies(c *call, in *psPagedRef) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	pg, next, err := page(ps.ManagedPolicies, pageKind("managed-policies", ps.ARN), in.MaxResults, in.NextToken, ssoMaxResults, ssoMaxResults)
	if err != nil {
		return nil, err
	}
	out := make([]attachedPolicyOut, len(pg))
	for i, arn := range pg {
		out[i] = attachedPolicyOut{Name: arn[strings.LastIndex(arn, "/")+1:], Arn: arn}
	}
	return map[string]any{"AttachedManagedPolicies": out, "NextToken": next}, nil
}

// Inline policy.

func ssoPutInlinePolicy(c *call, in *struct {
	psRef
	InlinePolicy string
}) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if err := fPolicyDocument.required("inlinePolicy", in.InlinePolicy); err != nil {
		return nil, err
	}
	if err := checkPolicyDocument(in.InlinePolicy); err != nil {
		return nil, err
	}
	ps.InlinePolicy = in.InlinePolicy
	ps.changed()
	return nil, nil
}

// checkPolicyDocument checks that an IAM policy is a JSON object with a
// Statement, as IAM does before it accepts it.
func checkPolicyDocument(doc string) error {
	var v map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return errValidation("The inline policy is not a valid JSON policy document: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if _, ok := v["Statement"]; !ok {
		return errValidation("The inline policy is not a valid policy document: it has no Statement")
	}
	return nil
}

func ssoGetInlinePolicy(c *call, in *psRef) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	return map[string]any{"InlinePolicy": ps.InlinePolicy}, nil
}

func ssoDeleteInlinePolicy(c *call, in *psRef) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if ps.InlinePolicy != "" {
		ps.InlinePolicy = ""
		ps.changed()
	}
	return nil, nil
}

// Customer managed policy references.

type customerRefIn struct {
	Name string
	Path *string
}

// ref validates a reference; prefix names the member in messages.
func (r *customerRefIn) ref(prefix string) (CustomerPolicyRef, error) {
	if err := fPolicyName.required(prefix+".name", r.Name); err != nil {
		return CustomerPolicyRef{}, err
	}
	if err := fPolicyPath.optional(prefix+".path", r.Path); err != nil {
		return CustomerPolicyRef{}, err
	}
	path := "/"
	if r.Path != nil {
		path = *r.Path
	}
	return CustomerPolicyRef{Name: r.Name, Path: path}, nil
}

type customerPolicyIn struct {
	psRef
	CustomerManagedPolicyReference *customerRefIn
}

func (in *customerPolicyIn) refFor(c *call) (*PermissionSet, CustomerPolicyRef, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, CustomerPolicyRef{}, err
	}
	if in.CustomerManagedPolicyReference == nil {
		return nil, CustomerPolicyRef{}, errRequired("customerManagedPolicyReference")
	}
	ref, err := in.CustomerManagedPolicyReference.ref("customerManagedPolicyReference")
	return ps, ref, err
}

func ssoAttachCustomerPolicy(c *call, in *customerPolicyIn) (any, error) {
	ps, ref, err := in.refFor(c)
	if err != nil {
		return nil, err
	}
	if slices.Contains(ps.CustomerManagedPolicies, ref) {
		return nil, errConflict("Given customer managed policy with name: %s and path %s already attached", ref.Name, ref.Path)
	}
	if policyCount(ps) >= maxPoliciesPerPermissionSet {
		return nil, errPolicyQuota(ps)
	}
	ps.CustomerManagedPolicies = append(ps.CustomerManagedPolicies, ref)
	ps.changed()
	return nil, nil
}

func ssoDetachCustomerPolicy(c *call, in *customerPolicyIn) (any, error) {
	ps, ref, err := in.refFor(c)
	if err != nil {
		return nil, err
	}
	i := slices.Index(ps.CustomerManagedPolicies, ref)
	if i < 0 {
		return nil, errNotFound("Given managed policy with name: %s and path %s does not exist on PermissionSet", ref.Name, ref.Path)
	}
	ps.CustomerManagedPolicies = slices.Delete(ps.CustomerManagedPolicies, i, i+1)
	ps.changed()
	return nil, nil
}

func ssoListCustomerPolicies(c *call, in *psPagedRef) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	pg, next, err := page(ps.CustomerManagedPolicies, pageKind("customer-policies", ps.ARN), in.MaxResults, in.NextToken, ssoMaxResults, ssoMaxResults)
	if err != nil {
		return nil, err
	}
	return map[string]any{"CustomerManagedPolicyReferences": nonNil(pg), "NextToken": next}, nil
}

// Permissions boundary.

func ssoPutBoundary(c *call, in *struct {
	psRef
	PermissionsBoundary *struct {
		CustomerManagedPolicyReference *customerRefIn
		ManagedPolicyArn               *string
	}
}) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	pb := in.PermissionsBoundary
	if pb == nil {
		return nil, errRequired("permissionsBoundary")
	}
	if (pb.CustomerManagedPolicyReference == nil) == (pb.ManagedPolicyArn == nil) {
		return nil, errValidation("A permissions boundary must have exactly one of CustomerManagedPolicyReference and ManagedPolicyArn")
	}
	b := &Boundary{}
	if pb.ManagedPolicyArn != nil {
		if err := fManagedPolicyARN.required("permissionsBoundary.managedPolicyArn", *pb.ManagedPolicyArn); err != nil {
			return nil, err
		}
		b.ManagedPolicyARN = *pb.ManagedPolicyArn
	} else {
		ref, err := pb.CustomerManagedPolicyReference.ref("permissionsBoundary.customerManagedPolicyReference")
		if err != nil {
			return nil, err
		}
		b.CustomerManaged = &ref
	}
	ps.Boundary = b
	ps.changed()
	return nil, nil
}

func ssoGetBoundary(c *call, in *psRef) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if ps.Boundary == nil {
		return nil, errNotFound("Could not find a permissions boundary attached to PermissionSet %s", psID(ps.ARN))
	}
	out := map[string]any{}
	if ps.Boundary.CustomerManaged != nil {
		out["CustomerManagedPolicyReference"] = ps.Boundary.CustomerManaged
	} else {
		out["ManagedPolicyArn"] = ps.Boundary.ManagedPolicyARN
	}
	return map[string]any{"PermissionsBoundary": out}, nil
}

func ssoDeleteBoundary(c *call, in *psRef) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if ps.Boundary == nil {
		return nil, errNotFound("Could not find a permissions boundary attached to PermissionSet %s", psID(ps.ARN))
	}
	ps.Boundary = nil
	ps.changed()
	return nil, nil
}

// Tags.

// taggable finds the tags of an instance or permission set ARN.
func (c *call) taggable(instanceARN *string, resourceARN string) (*[]Tag, error) {
	if instanceARN != nil {
		if _, err := c.instance(*instanceARN); err != nil {
			return nil, err
		}
	}
	if err := fTaggableARN.required("resourceArn", resourceARN); err != nil {
		return nil, err
	}
	if inst := c.w.findInstance(resourceARN); inst != nil {
		return &inst.Tags, nil
	}
	if ps := c.w.permissionSet(resourceARN); ps != nil {
		return &ps.Tags, nil
	}
	return nil, errNotFound("Could not find resource with arn %s", resourceARN)
}

func ssoTagResource(c *call, in *struct {
	InstanceArn *string
	ResourceArn string
	Tags        []Tag
}) (any, error) {
	tags, err := c.taggable(in.InstanceArn, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	if in.Tags == nil {
		return nil, errRequired("tags")
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	merged, err := mergeTags(*tags, in.Tags)
	if err != nil {
		return nil, err
	}
	*tags = merged
	return nil, nil
}

func ssoUntagResource(c *call, in *struct {
	InstanceArn *string
	ResourceArn string
	TagKeys     []string
}) (any, error) {
	tags, err := c.taggable(in.InstanceArn, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	if in.TagKeys == nil {
		return nil, errRequired("tagKeys")
	}
	if len(in.TagKeys) < 1 || len(in.TagKeys) > 75 {
		return nil, errConstraint("tagKeys", fmt.Sprintf("[%d keys]", len(in.TagKeys)), "Member must have length less than or equal to 75 and greater than or equal to 1")
	}
	for i, k := range in.TagKeys {
		if err := fTagKey.required(fmt.Sprintf("tagKeys.%d.member", i+1), k); err != nil {
			return nil, err
		}
	}
	*tags = slices.DeleteFunc(*tags, func(t Tag) bool { return slices.Contains(in.TagKeys, t.Key) })
	return nil, nil
}

func ssoListTagsForResource(c *call, in *struct {
	InstanceArn *string
	ResourceArn string
	NextToken   *string
}) (any, error) {
	tags, err := c.taggable(in.InstanceArn, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	pg, next, err := page(*tags, pageKind("tags", in.ResourceArn), nil, in.NextToken, maxTagsPerResource, maxTagsPerResource)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Tags": nonNil(pg), "NextToken": next}, nil
}

// Provisioning.

type provisionStatusOut struct {
	Status           string  `json:"Status"`
	RequestId        string  `json:"RequestId"`
	AccountId        string  `json:"AccountId,omitempty"`
	PermissionSetArn string  `json:"PermissionSetArn"`
	FailureReason    string  `json:"FailureReason,omitempty"`
	CreatedDate      float64 `json:"CreatedDate"`
}

func provisionOut(o *ProvisionOp) map[string]any {
	return map[string]any{"PermissionSetProvisioningStatus": provisionStatusOut{Status: o.Status, RequestId: o.RequestID,
		AccountId: o.AccountID, PermissionSetArn: o.PermissionSetARN, FailureReason: o.FailureReason, CreatedDate: epoch(o.Created)}}
}

func ssoProvisionPermissionSet(c *call, in *struct {
	psRef
	TargetId   string
	TargetType string
}) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if err := checkEnum("targetType", in.TargetType, true, "AWS_ACCOUNT", "ALL_PROVISIONED_ACCOUNTS"); err != nil {
		return nil, err
	}
	switch in.TargetType {
	case "AWS_ACCOUNT":
		if err := fAccountID.required("targetId", in.TargetId); err != nil {
			return nil, err
		}
	case "ALL_PROVISIONED_ACCOUNTS":
		if in.TargetId != "" {
			return nil, errValidation("TargetId must not be given with TargetType ALL_PROVISIONED_ACCOUNTS")
		}
	}
	o := &ProvisionOp{RequestID: c.uuid(), AccountID: in.TargetId, PermissionSetARN: ps.ARN, Status: "IN_PROGRESS",
		Created: c.now.UTC(), DoneAt: c.now.Add(c.s.opts.AssignmentDelay)}
	c.w.ProvisionOps = append(c.w.ProvisionOps, o)
	return provisionOut(o), nil
}

func ssoDescribeProvisioningStatus(c *call, in *struct {
	InstanceArn                     string
	ProvisionPermissionSetRequestId string
}) (any, error) {
	if _, err := c.instance(in.InstanceArn); err != nil {
		return nil, err
	}
	if err := fUUID.required("provisionPermissionSetRequestId", in.ProvisionPermissionSetRequestId); err != nil {
		return nil, err
	}
	for _, o := range c.w.ProvisionOps {
		if o.RequestID == in.ProvisionPermissionSetRequestId {
			return provisionOut(o), nil
		}
	}
	return nil, errNotFound("Could not find ProvisionPermissionSet request with id %s", in.ProvisionPermissionSetRequestId)
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

func ssoListProvisioningStatus(c *call, in *statusListIn) (any, error) {
	if _, err := c.instance(in.InstanceArn); err != nil {
		return nil, err
	}
	status, err := in.status()
	if err != nil {
		return nil, err
	}
	var all []opStatusMetadata
	for _, o := range c.w.ProvisionOps {
		if status == "" || o.Status == status {
			all = append(all, opStatusMetadata{Status: o.Status, RequestId: o.RequestID, CreatedDate: epoch(o.Created)})
		}
	}
	pg, next, err := page(all, pageKind("provisioning-status", status), in.MaxResults, in.NextToken, ssoMaxResults, ssoMaxResults)
	if err != nil {
		return nil, err
	}
	return map[string]any{"PermissionSetsProvisioningStatus": nonNil(pg), "NextToken": next}, nil
}

// provisionedIn reports whether ps matches a ProvisioningStatus filter in an account.
func provisionedIn(ps *PermissionSet, account, filter string) bool {
	if !slices.Contains(ps.ProvisionedTo, account) {
		return false
	}
	outdated := slices.Contains(ps.Outdated, account)
	switch filter {
	case "LATEST_PERMISSION_SET_PROVISIONED":
		return !outdated
	case "LATEST_PERMISSION_SET_NOT_PROVISIONED":
		return outdated
	}
	return true
}

var provisioningStatuses = []string{"LATEST_PERMISSION_SET_PROVISIONED", "LATEST_PERMISSION_SET_NOT_PROVISIONED"}

func ssoListPermissionSetsProvisionedToAccount(c *call, in *struct {
	InstanceArn        string
	AccountId          string
	ProvisioningStatus string
	ssoPaging
}) (any, error) {
	if _, err := c.instance(in.InstanceArn); err != nil {
		return nil, err
	}
	if err := fAccountID.required("accountId", in.AccountId); err != nil {
		return nil, err
	}
	if err := checkEnum("provisioningStatus", in.ProvisioningStatus, false, provisioningStatuses...); err != nil {
		return nil, err
	}
	var arns []string
	for _, ps := range c.w.PermissionSets {
		if provisionedIn(ps, in.AccountId, in.ProvisioningStatus) {
			arns = append(arns, ps.ARN)
		}
	}
	pg, next, err := page(arns, pageKind("provisioned-to", in.AccountId, in.ProvisioningStatus), in.MaxResults, in.NextToken, ssoMaxResults, ssoMaxResults)
	if err != nil {
		return nil, err
	}
	return map[string]any{"PermissionSets": nonNil(pg), "NextToken": next}, nil
}

func ssoListAccountsForProvisionedPermissionSet(c *call, in *struct {
	psRef
	ProvisioningStatus string
	ssoPaging
}) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if err := checkEnum("provisioningStatus", in.ProvisioningStatus, false, provisioningStatuses...); err != nil {
		return nil, err
	}
	var accts []string
	for _, a := range ps.ProvisionedTo {
		if provisionedIn(ps, a, in.ProvisioningStatus) {
			accts = append(accts, a)
		}
	}
	pg, next, err := page(accts, pageKind("accounts-for", ps.ARN, in.ProvisioningStatus), in.MaxResults, in.NextToken, ssoMaxResults, ssoMaxResults)
	if err != nil {
		return nil, err
	}
	return map[string]any{"AccountIds": nonNil(pg), "NextToken": next}, nil
}

// Account assignments.

type assignmentIn struct {
	InstanceArn      string
	TargetId         string
	TargetType       string
	PermissionSetArn string
	PrincipalType    string
	PrincipalId      string
}

func (in *assignmentIn) check(c *call) (*PermissionSet, error) {
	if _, err := c.instance(in.InstanceArn); err != nil {
		return nil, err
	}
	if err := fAccountID.required("targetId", in.TargetId); err != nil {
		return nil, err
	}
	if err := checkEnum("targetType", in.TargetType, true, "AWS_ACCOUNT"); err != nil {
		return nil, err
	}
	if err := fPermissionSetARN.required("permissionSetArn", in.PermissionSetArn); err != nil {
		return nil, err
	}
	if err := checkEnum("principalType", in.PrincipalType, true, "USER", "GROUP"); err != nil {
		return nil, err
	}
	if err := fPrincipalID.required("principalId", in.PrincipalId); err != nil {
		return nil, err
	}
	return c.permissionSet(in.InstanceArn, in.PermissionSetArn)
}

func (in *assignmentIn) assignment() Assignment {
	return Assignment{AccountID: in.TargetId, PermissionSetARN: in.PermissionSetArn, PrincipalType: in.PrincipalType, PrincipalID: in.PrincipalId}
}

type assignmentOpOut struct {
	Status           string  `json:"Status"`
	RequestId        string  `json:"RequestId"`
	FailureReason    string  `json:"FailureReason,omitempty"`
	TargetId         string  `json:"TargetId"`
	TargetType       string  `json:"TargetType"`
	PermissionSetArn string  `json:"PermissionSetArn"`
	PrincipalType    string  `json:"PrincipalType"`
	PrincipalId      string  `json:"PrincipalId"`
	CreatedDate      float64 `json:"CreatedDate"`
}

func assignmentOpOutOf(o *AssignmentOp) assignmentOpOut {
	return assignmentOpOut{Status: o.Status, RequestId: o.RequestID, FailureReason: o.FailureReason, TargetId: o.AccountID,
		TargetType: "AWS_ACCOUNT", PermissionSetArn: o.PermissionSetARN, PrincipalType: o.PrincipalType, PrincipalId: o.PrincipalID,
		CreatedDate: epoch(o.Created)}
}

func ssoCreateAccountAssignment(c *call, in *assignmentIn) (any, error) {
	if _, err := in.check(c); err != nil {
		return nil, err
	}
	outstanding := 0
	for _, o := range c.w.AssignmentOps {
		if !o.Delete && o.Status == "IN_PROGRESS" {
			outstanding++
		}
	}
	if outstanding >= maxOutstandingCreations {
		return nil, errConflict("Too many concurrent operations: at most %d account assignment creations can be in progress for an instance; retry with backoff when some complete", maxOutstandingCreations)
	}
	o := &AssignmentOp{RequestID: c.uuid(), Status: "IN_PROGRESS", Assignment: in.assignment(), Created: c.now.UTC(),
		DoneAt: c.now.Add(c.s.opts.AssignmentDelay)}
	c.w.AssignmentOps = append(c.w.AssignmentOps, o)
	return map[string]any{"AccountAssignmentCreationStatus": assignmentOpOutOf(o)}, nil
}

func ssoDeleteAccountAssignment(c *call, in *assignmentIn) (any, error) {
	if _, err := in.check(c); err != nil {
		return nil, err
	}
	a := in.assignment()
	exists := slices.ContainsFunc(c.w.Assignments, func(x *Assignment) bool { return *x == a })
	pending := slices.ContainsFunc(c.w.AssignmentOps, func(o *AssignmentOp) bool {
		return !o.Delete && o.Status == "IN_PROGRESS" && o.Assignment == a
	})
	if !exists && !pending {
		return nil, errNotFound("Could not find an account assignment of PermissionSet %s to %s %s in account %s", psID(a.PermissionSetARN), a.PrincipalType, a.PrincipalID, a.AccountID)
	}
	o := &AssignmentOp{RequestID: c.uuid(), Delete: true, Status: "IN_PROGRESS", Assignment: a, Created: c.now.UTC(),
		DoneAt: c.now.Add(c.s.opts.AssignmentDelay)}
	c.w.AssignmentOps = append(c.w.AssignmentOps, o)
	return map[string]any{"AccountAssignmentDeletionStatus": assignmentOpOutOf(o)}, nil
}

func (c *call) describeAssignmentOp(instanceARN, field, id string, del bool) (*AssignmentOp, error) {
	if _, err := c.instance(instanceARN); err != nil {
		return nil, err
	}
	if err := fUUID.required(field, id); err != nil {
		return nil, err
	}
	for _, o := range c.w.AssignmentOps {
		if o.RequestID == id && o.Delete == del {
			return o, nil
		}
	}
	kind := "creation"
	if del {
		kind = "deletion"
	}
	return nil, errNotFound("Could not find account assignment %s request with id %s", kind, id)
}

func ssoDescribeAssignmentCreation(c *call, in *struct {
	InstanceArn                        string
	AccountAssignmentCreationRequestId string
}) (any, error) {
	o, err := c.describeAssignmentOp(in.InstanceArn, "accountAssignmentCreationRequestId", in.AccountAssignmentCreationRequestId, false)
	if err != nil {
		return nil, err
	}
	return map[string]any{"AccountAssignmentCreationStatus": assignmentOpOutOf(o)}, nil
}

func ssoDescribeAssignmentDeletion(c *call, in *struct {
	InstanceArn                        string
	AccountAssignmentDeletionRequestId string
}) (any, error) {
	o, err := c.describeAssignmentOp(in.InstanceArn, "accountAssignmentDeletionRequestId", in.AccountAssignmentDeletionRequestId, true)
	if err != nil {
		return nil, err
	}
	return map[string]any{"AccountAssignmentDeletionStatus": assignmentOpOutOf(o)}, nil
}

func (c *call) listAssignmentOps(in *statusListIn, del bool, key string) (any, error) {
	if _, err := c.instance(in.InstanceArn); err != nil {
		return nil, err
	}
	status, err := in.status()
	if err != nil {
		return nil, err
	}
	var all []opStatusMetadata
	for _, o := range c.w.AssignmentOps {
		if o.Delete == del && (status == "" || o.Status == status) {
			all = append(all, opStatusMetadata{Status: o.Status, RequestId: o.RequestID, CreatedDate: epoch(o.Created)})
		}
	}
	pg, next, err := page(all, pageKind(key, status), in.MaxResults, in.NextToken, ssoMaxResults, ssoMaxResults)
	if err != nil {
		return nil, err
	}
	return map[string]any{key: nonNil(pg), "NextToken": next}, nil
}

func ssoListAssignmentCreations(c *call, in *statusListIn) (any, error) {
	return c.listAssignmentOps(in, false, "AccountAssignmentsCreationStatus")
}

func ssoListAssignmentDeletions(c *call, in *statusListIn) (any, error) {
	return c.listAssignmentOps(in, true, "AccountAssignmentsDeletionStatus")
}

type assignmentOut struct {
	AccountId        string `json:"AccountId"`
	PermissionSetArn string `json:"PermissionSetArn"`
	PrincipalType    string `json:"PrincipalType"`
	PrincipalId      string `json:"PrincipalId"`
}

func toAssignmentOut(a *Assignment) assignmentOut {
	return assignmentOut{AccountId: a.AccountID, PermissionSetArn: a.PermissionSetARN, PrincipalType: a.PrincipalType, PrincipalId: a.PrincipalID}
}

func ssoListAccountAssignments(c *call, in *struct {
	InstanceArn      string
	AccountId        string
	PermissionSetArn string
	ssoPaging
}) (any, error) {
	if _, err := c.instance(in.InstanceArn); err != nil {
		return nil, err
	}
	if err := fAccountID.required("accountId", in.AccountId); err != nil {
		return nil, err
	}
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	var out []assignmentOut
	for _, a := range c.w.Assignments {
		if a.AccountID == in.AccountId && a.PermissionSetARN == ps.ARN {
			out = append(out, toAssignmentOut(a))
		}
	}
	pg, next, err := page(out, pageKind("assignments", in.AccountId, ps.ARN), in.MaxResults, in.NextToken, ssoMaxResults, ssoMaxResults)
	if err != nil {
		return nil, err
	}
	return map[string]any{"AccountAssignments": nonNil(pg), "NextToken": next}, nil
}

func ssoListAccountAssignmentsForPrincipal(c *call, in *struct {
	InstanceArn   string
	PrincipalId   string
	PrincipalType string
	Filter        *struct{ AccountId string }
	ssoPaging
}) (any, error) {
	if _, err := c.instance(in.InstanceArn); err != nil {
		return nil, err
	}
	if err := fPrincipalID.required("principalId", in.PrincipalId); err != nil {
		return nil, err
	}
	if err := checkEnum("principalType", in.PrincipalType, true, "USER", "GROUP"); err != nil {
		return nil, err
	}
	account := ""
	if in.Filter != nil && in.Filter.AccountId != "" {
		if err := fAccountID.check("filter.accountId", in.Filter.AccountId); err != nil {
			return nil, err
		}
		account = in.Filter.AccountId
	}
	var out []assignmentOut
	for _, a := range c.w.Assignments {
		if a.PrincipalID == in.PrincipalId && a.PrincipalType == in.PrincipalType && (account == "" || a.AccountID == account) {
			out = append(out, toAssignmentOut(a))
		}
	}
	pg, next, err := page(out, pageKind("assignments-for", in.PrincipalType, in.PrincipalId, account), in.MaxResults, in.NextToken, ssoMaxResults, ssoMaxResults)
	if err != nil {
		return nil, err
	}
	return map[string]any{"AccountAssignments": nonNil(pg), "NextToken": next}, nil
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

func (w *World) completeAssignmentCreation(o *AssignmentOp, now time.Time) {
	fail := func(format string, a ...any) {
		o.Status, o.FailureReason = "FAILED", fmt.Sprintf(format, a...)
	}
	ps := w.permissionSet(o.PermissionSetARN)
	switch {
	case ps == nil:
		fail("PermissionSet %s was deleted before the assignment completed", psID(o.PermissionSetARN))
		return
	case w.account(o.AccountID) == nil:
		fail("Account %s is not a member of the organization of this IAM Identity Center instance", o.AccountID)
		return
	case o.PrincipalType == "USER" && w.user(o.PrincipalID) == nil,
		o.PrincipalType == "GROUP" && w.group(o.PrincipalID) == nil:
		fail("Principal %s of type %s does not exist in identity store %s", o.PrincipalID, o.PrincipalType, w.Instance.IdentityStoreID)
		return
	}
	// A duplicate assignment succeeds without creating a second one, as in AWS.
	if !slices.ContainsFunc(w.Assignments, func(a *Assignment) bool { return *a == o.Assignment }) {
		a := o.Assignment
		w.Assignments = append(w.Assignments, &a)
	}
	// Creating an assignment provisions the permission set to the account.
	w.provision(ps, o.AccountID, now)
	o.Status = "SUCCEEDED"
}

func (w *World) completeAssignmentDeletion(o *AssignmentOp) {
	// The role stays provisioned in the account: AWS removes it only when the
	// permission set is deleted or deprovisioned.
	w.Assignments = slices.DeleteFunc(w.Assignments, func(a *Assignment) bool { return *a == o.Assignment })
	o.Status = "SUCCEEDED"
}

func (w *World) completeProvisioning(o *ProvisionOp, now time.Time) {
	ps := w.permissionSet(o.PermissionSetARN)
	switch {
	case ps == nil:
		o.Status, o.FailureReason = "FAILED", fmt.Sprintf("PermissionSet %s was deleted before provisioning completed", psID(o.PermissionSetARN))
	case o.AccountID == "":
		for _, acct := range slices.Clone(ps.ProvisionedTo) {
			w.provision(ps, acct, now)
		}
		o.Status = "SUCCEEDED"
	case w.account(o.AccountID) == nil:
		o.Status, o.FailureReason = "FAILED", fmt.Sprintf("Account %s is not a member of the organization of this IAM Identity Center instance", o.AccountID)
	default:
		w.provision(ps, o.AccountID, now)
		o.Status = "SUCCEEDED"
	}
}
