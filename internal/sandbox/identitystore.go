package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Identity store (awsJson1_1, X-Amz-Target: AWSIdentityStore.<Op>).
//
// Users, groups and memberships live in World.Users, World.Groups and
// World.Memberships. Every request names the identity store, by id or ARN;
// the sandbox has one, the instance's. Ids of created objects are the
// store's ten hex digits, a dash and a UUID, as AWS hands them out.
//
// This file holds the route table, the model's constraints, and what users,
// groups and memberships share (ids, errors, revisions, filters, attribute
// operations, alternate identifiers); the operations are in
// identitystore_users.go, identitystore_groups.go and
// identitystore_memberships.go.

func identityStoreOps() map[string]jsonOp {
	return map[string]jsonOp{
		"CreateUser":                    op(isCreateUser),
		"DescribeUser":                  op(isDescribeUser),
		"UpdateUser":                    op(isUpdateUser),
		"DeleteUser":                    op(isDeleteUser),
		"ListUsers":                     op(isListUsers),
		"GetUserId":                     op(isGetUserID),
		"CreateGroup":                   op(isCreateGroup),
		"DescribeGroup":                 op(isDescribeGroup),
		"UpdateGroup":                   op(isUpdateGroup),
		"DeleteGroup":                   op(isDeleteGroup),
		"ListGroups":                    op(isListGroups),
		"GetGroupId":                    op(isGetGroupID),
		"CreateGroupMembership":         op(isCreateGroupMembership),
		"DescribeGroupMembership":       op(isDescribeGroupMembership),
		"DeleteGroupMembership":         op(isDeleteGroupMembership),
		"ListGroupMemberships":          op(isListGroupMemberships),
		"ListGroupMembershipsForMember": op(isListGroupMembershipsForMember),
		"GetGroupMembershipId":          op(isGetGroupMembershipID),
		"IsMemberInGroups":              op(isIsMemberInGroups),
	}
}

// Constraints from the identitystore model (2020-06-15).
const (
	resourceIDRegex = `([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}`
	storeIDRegex    = `d-[0-9a-f]{10}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`
	attrPathRegex   = `(?:\p{L}+:\p{L}+:\p{L}+(?:\.\p{L}+){0,3}|\p{L}+(?:\.\p{L}+){0,2})`
)

var (
	resourceIDPattern = lazyRegexp(`^` + resourceIDRegex + `$`)
	attrPathPattern   = lazyRegexp(`^` + attrPathRegex + `$`)
	// ARNs the newer API accepts in place of ids: the store's
	// arn:aws:identitystore::<account>:identitystore/<id>, and
	// arn:aws:identitystore:::user/<id> (group/, membership/).
	identityStoreARN = lazyRegexp(`^arn:aws[a-z-]*:identitystore::(\d{12})?:identitystore/(.+)$`)
	identityObjARN   = lazyRegexp(`^arn:aws[a-z-]*:identitystore::(\d{12})?:(user|group|membership)/(.+)$`)
)

// strRule is a string member's length and pattern.
type strRule struct {
	min, max int
	re       *lazyRE
	pattern  string
}

var (
	userNameRule  = strRule{1, 128, lazyRegexp(`^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$`), `[\p{L}\p{M}\p{S}\p{N}\p{P}]+`}
	groupNameRule = strRule{1, 1024, lazyRegexp("^[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}\\t\\n\\r \u00a0]+$"), "[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}\\t\\n\\r \u00a0]+"}
	sensitiveRule = strRule{1, 1024, lazyRegexp("^[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}\\t\\n\\r \u00a0\u3000]+$"), "[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}\\t\\n\\r \u00a0\u3000]+"}
	externalRule  = strRule{1, 256, lazyRegexp(`^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$`), `[\p{L}\p{M}\p{S}\p{N}\p{P}]+`}
)

// errSensitive is the validation message for a member marked sensitive in
// the model: AWS leaves the value out.
func errSensitive(field, constraint string) *apiError {
	return errValidation("1 validation error detected: Value at '%s' failed to satisfy constraint: %s", field, constraint)
}

// check validates an optional sensitive string member.
func (r strRule) check(field string, v *string) error {
	if v == nil {
		return nil
	}
	n := len([]rune(*v))
	switch {
	case n < r.min:
		return errSensitive(field, fmt.Sprintf("Member must have length greater than or equal to %d", r.min))
	case n > r.max:
		return errSensitive(field, fmt.Sprintf("Member must have length less than or equal to %d", r.max))
	case !r.re.MatchString(*v):
		return errSensitive(field, "Member must satisfy regular expression pattern: "+r.pattern)
	}
	return nil
}

func errISNotFound(resourceType, id string) *apiError {
	e := newError(400, "ResourceNotFoundException", "%s not found.", resourceType)
	e.Fields = map[string]any{"ResourceType": resourceType}
	if id != "" {
		e.Fields["ResourceId"] = id
	}
	return e
}

func errISConflict(reason, format string, a ...any) *apiError {
	e := newError(400, "ConflictException", format, a...)
	e.Fields = map[string]any{"Reason": reason}
	return e
}

// checkStore validates IdentityStoreId (an id or the store's ARN) and that it
// names the sandbox's identity store.
func (c *call) checkStore(v *string) error {
	if v == nil {
		return errRequired("identityStoreId")
	}
	id := *v
	if m := identityStoreARN.FindStringSubmatch(id); m != nil {
		if m[1] != "" && m[1] != c.w.Instance.OwnerAccountID {
			return errISNotFound("IDENTITY_STORE", truncate(m[2], 36))
		}
		id = m[2]
	}
	switch {
	case id == "":
		return errConstraint("identityStoreId", id, "Member must have length greater than or equal to 1")
	case len(id) > 36:
		return errConstraint("identityStoreId", truncate(id, 64), "Member must have length less than or equal to 36")
	case !storeIDPattern.MatchString(id):
		return errConstraint("identityStoreId", id, "Member must satisfy regular expression pattern: "+storeIDRegex)
	case id != c.w.Instance.IdentityStoreID || c.w.Instance.Disabled:
		return errISNotFound("IDENTITY_STORE", id)
	}
	// The organization instance's store answers those who administer it
	// (ssoadmin_access.go).
	if me := c.caller().AccountID; me != c.w.managementAccountID() && !c.w.isDelegatedAdmin(me, ssoServicePrincipal) {
		return newError(400, "AccessDeniedException", "You do not have sufficient access to perform this action.")
	}
	return nil
}

func (c *call) storeID() string { return c.w.Instance.IdentityStoreID }

// resourceID validates a user, group or membership id given as an id or an
// ARN of kind, and returns the id.
func resourceID(field, kind string, v *string) (string, error) {
	if v == nil {
		return "", errRequired(field)
	}
	id := *v
	if m := identityObjARN.FindStringSubmatch(id); m != nil && m[2] == kind {
		id = m[3]
	}
	switch {
	case id == "":
		return "", errConstraint(field, id, "Member must have length greater than or equal to 1")
	case len(id) > 47:
		return "", errConstraint(field, truncate(id, 64), "Member must have length less than or equal to 47")
	case !resourceIDPattern.MatchString(id):
		return "", errConstraint(field, id, "Member must satisfy regular expression pattern: "+resourceIDRegex)
	}
	return id, nil
}

// newObjectID is "<store hex>-<uuid>", the shape of AWS's identity store ids.
func (c *call) newObjectID() string {
	return strings.TrimPrefix(c.storeID(), "d-") + "-" + c.uuid()
}

func objARN(kind, id string) string { return "arn:aws:identitystore:::" + kind + "/" + id }

func revision(n int) string { return strconv.Itoa(max(n, 1)) }

// idsOut names an object in an answer: the store, and the object's id and
// ARN under its kind's keys ("UserId" and "UserArn" for kind "user").
func (c *call) idsOut(kind, id string) map[string]any {
	k := strings.ToUpper(kind[:1]) + kind[1:]
	return map[string]any{"IdentityStoreId": c.storeID(), k + "Id": id, k + "Arn": objARN(kind, id)}
}

// revisedOut answers a create or update: the object's ids and its revision.
func (c *call) revisedOut(kind, id string, rev int) map[string]any {
	m := c.idsOut(kind, id)
	m["Revision"] = revision(rev)
	return m
}

// checkRevision enforces an optional expected revision (optimistic locking).
func checkRevision(kind string, want *string, current int) error {
	if want != nil && *want != revision(current) {
		return errISConflict("CONCURRENT_MODIFICATION", "The %s was modified since revision %s; its current revision is %s", kind, truncate(*want, 64), revision(current))
	}
	return nil
}

// auditTimes returns when an object was created and last updated; seeded
// objects date from the instance.
func (c *call) auditTimes(created, updated time.Time) (float64, float64) {
	if created.IsZero() {
		created = c.w.Instance.Created
	}
	if updated.IsZero() {
		updated = created
	}
	return epoch(created), epoch(updated)
}

type isPaging struct {
	MaxResults *int32
	NextToken  *string
}

type isFilter struct {
	AttributePath  *string
	AttributeValue *string
}

// filterValue validates Filters (at most one, on the one attribute path the
// list supports) and returns the value to match, or nil for no filter.
func filterValue(filters []isFilter, path string) (*string, error) {
	if len(filters) == 0 {
		return nil, nil
	}
	if len(filters) > 1 {
		return nil, errConstraint("filters", fmt.Sprintf("[%d filters]", len(filters)), "Member must have length less than or equal to 1")
	}
	f := filters[0]
	if f.AttributePath == nil {
		return nil, errRequired("filters.1.member.attributePath")
	}
	if f.AttributeValue == nil {
		return nil, errRequired("filters.1.member.attributeValue")
	}
	if err := checkAttrPath("filters.1.member.attributePath", *f.AttributePath); err != nil {
		return nil, err
	}
	if err := sensitiveRule.check("filters.1.member.attributeValue", f.AttributeValue); err != nil {
		return nil, err
	}
	if !strings.EqualFold(*f.AttributePath, path) {
		return nil, errValidation("Filtering by attribute %s is not supported; the only filter attribute is %s", *f.AttributePath, path)
	}
	return f.AttributeValue, nil
}

// filterList applies ListUsers' or ListGroups' Filters on path to objs: it
// keeps the objects whose attribute (attr) is the filter's value, regardless
// of case, and names the value in the paging kind.
func filterList[T any](objs []T, kind string, filters []isFilter, path string, attr func(T) string) ([]T, string, error) {
	want, err := filterValue(filters, path)
	if err != nil || want == nil {
		return objs, kind, err
	}
	objs = slices.DeleteFunc(slices.Clone(objs), func(o T) bool { return !strings.EqualFold(attr(o), *want) })
	return objs, kind + ":" + *want, nil
}

// listOut answers a list: a page of objs under key, each as out shows it.
func listOut[T any](objs []T, kind string, p isPaging, key string, out func(T) map[string]any) (any, error) {
	pg, next, err := page(objs, kind, p.MaxResults, p.NextToken, 100, 100)
	if err != nil {
		return nil, err
	}
	shown := make([]map[string]any, len(pg))
	for i, o := range pg {
		shown[i] = out(o)
	}
	return map[string]any{key: shown, "NextToken": next}, nil
}

func checkAttrPath(field, p string) error {
	switch {
	case p == "":
		return errConstraint(field, p, "Member must have length greater than or equal to 1")
	case len(p) > 255:
		return errConstraint(field, truncate(p, 64), "Member must have length less than or equal to 255")
	case !attrPathPattern.MatchString(p):
		return errConstraint(field, p, "Member must satisfy regular expression pattern: "+attrPathRegex)
	}
	return nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

type isAttributeOperation struct {
	AttributePath  *string
	AttributeValue json.RawMessage
}

// checkOperations validates UpdateUser's and UpdateGroup's Operations list.
func checkOperations(ops []isAttributeOperation, present bool) error {
	switch {
	case !present:
		return errRequired("operations")
	case len(ops) == 0:
		return errConstraint("operations", "[]", "Member must have length greater than or equal to 1")
	case len(ops) > 100:
		return errConstraint("operations", fmt.Sprintf("[%d operations]", len(ops)), "Member must have length less than or equal to 100")
	}
	for i, o := range ops {
		field := fmt.Sprintf("operations.%d.member.attributePath", i+1)
		if o.AttributePath == nil {
			return errRequired(field)
		}
		if err := checkAttrPath(field, *o.AttributePath); err != nil {
			return err
		}
	}
	return nil
}

// isNull tells whether an AttributeValue is absent or JSON null, which
// removes the attribute.
func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

// stringValue reads a string AttributeValue; nil means remove.
func stringValue(path string, raw json.RawMessage, rule strRule) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", errValidation("The attribute value for %s must be a string", path)
	}
	if err := rule.check(path, &s); err != nil {
		return "", err
	}
	return s, nil
}

// objectValue decodes an object or list AttributeValue into v.
func objectValue(path string, raw json.RawMessage, v any, what string) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return errValidation("The attribute value for %s must be %s", path, what)
	}
	return nil
}

type isExternalIDIn struct {
	Issuer *string
	Id     *string
}

type isAlternateIdentifier struct {
	ExternalId      *isExternalIDIn
	UniqueAttribute *struct {
		AttributePath  *string
		AttributeValue json.RawMessage
	}
}

// resolveAlternate validates an AlternateIdentifier. It returns either the
// external id or the unique attribute's path (lower case) and string value.
func resolveAlternate(a *isAlternateIdentifier) (ext *ExternalID, path, value string, err error) {
	if a == nil {
		return nil, "", "", errRequired("alternateIdentifier")
	}
	if (a.ExternalId == nil) == (a.UniqueAttribute == nil) {
		return nil, "", "", errValidation("1 validation error detected: Value at 'alternateIdentifier' failed to satisfy constraint: exactly one of ExternalId and UniqueAttribute must be set")
	}
	if e := a.ExternalId; e != nil {
		if e.Issuer == nil {
			return nil, "", "", errRequired("alternateIdentifier.externalId.issuer")
		}
		if e.Id == nil {
			return nil, "", "", errRequired("alternateIdentifier.externalId.id")
		}
		if err := externalRule.check("alternateIdentifier.externalId.issuer", e.Issuer); err != nil {
			return nil, "", "", err
		}
		if err := externalRule.check("alternateIdentifier.externalId.id", e.Id); err != nil {
			return nil, "", "", err
		}
		return &ExternalID{Issuer: *e.Issuer, ID: *e.Id}, "", "", nil
	}
	ua := a.UniqueAttribute
	if ua.AttributePath == nil {
		return nil, "", "", errRequired("alternateIdentifier.uniqueAttribute.attributePath")
	}
	if err := checkAttrPath("alternateIdentifier.uniqueAttribute.attributePath", *ua.AttributePath); err != nil {
		return nil, "", "", err
	}
	if isNull(ua.AttributeValue) {
		return nil, "", "", errValidation("attribute value cannot be empty or null for attribute path %s", *ua.AttributePath)
	}
	if err := json.Unmarshal(ua.AttributeValue, &value); err != nil {
		return nil, "", "", errValidation("The attribute value for %s must be a string", *ua.AttributePath)
	}
	if value == "" {
		return nil, "", "", errValidation("attribute value cannot be empty or null for attribute path %s", *ua.AttributePath)
	}
	return nil, *ua.AttributePath, value, nil
}

func hasExternalID(ids []ExternalID, e *ExternalID) bool {
	return slices.Contains(ids, *e)
}
