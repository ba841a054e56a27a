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

// Users.

type isCreateUserIn struct {
	IdentityStoreId   *string
	UserName          *string
	Name              *isNameIn
	DisplayName       *string
	NickName          *string
	ProfileUrl        *string
	Emails            []Email
	Addresses         []Address
	PhoneNumbers      []PhoneNumber
	UserType          *string
	Title             *string
	PreferredLanguage *string
	Locale            *string
	Timezone          *string
}

type isNameIn struct {
	Formatted, FamilyName, GivenName, MiddleName, HonorificPrefix, HonorificSuffix *string
}

func (n *isNameIn) check(field string) error {
	if n == nil {
		return nil
	}
	for _, m := range []struct {
		name string
		v    *string
	}{{"formatted", n.Formatted}, {"familyName", n.FamilyName}, {"givenName", n.GivenName},
		{"middleName", n.MiddleName}, {"honorificPrefix", n.HonorificPrefix}, {"honorificSuffix", n.HonorificSuffix}} {
		if err := sensitiveRule.check(field+"."+m.name, m.v); err != nil {
			return err
		}
	}
	return nil
}

func (n *isNameIn) value() Name {
	if n == nil {
		return Name{}
	}
	d := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	return Name{Formatted: d(n.Formatted), FamilyName: d(n.FamilyName), GivenName: d(n.GivenName),
		MiddleName: d(n.MiddleName), HonorificPrefix: d(n.HonorificPrefix), HonorificSuffix: d(n.HonorificSuffix)}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// checkMultiValued validates Emails, Addresses and PhoneNumbers: each holds
// one entry at most, and an empty list is refused.
func checkMultiValued(field string, n int, present bool) error {
	switch {
	case present && n == 0:
		return errConstraint(field, "[]", "Member must have length greater than or equal to 1")
	case n > 1:
		return errSensitive(field, "Member must have length less than or equal to 1")
	}
	return nil
}

func checkUserLists(u *User) error {
	if err := checkMultiValued("emails", len(u.Emails), u.Emails != nil); err != nil {
		return err
	}
	for _, e := range u.Emails {
		for _, m := range [][2]string{{"value", e.Value}, {"type", e.Type}} {
			if m[1] != "" {
				if err := sensitiveRule.check("emails.1.member."+m[0], &m[1]); err != nil {
					return err
				}
			}
		}
	}
	if err := checkMultiValued("addresses", len(u.Addresses), u.Addresses != nil); err != nil {
		return err
	}
	for _, a := range u.Addresses {
		for _, m := range [][2]string{{"streetAddress", a.StreetAddress}, {"locality", a.Locality}, {"region", a.Region},
			{"postalCode", a.PostalCode}, {"country", a.Country}, {"formatted", a.Formatted}, {"type", a.Type}} {
			if m[1] != "" {
				if err := sensitiveRule.check("addresses.1.member."+m[0], &m[1]); err != nil {
					return err
				}
			}
		}
	}
	if err := checkMultiValued("phoneNumbers", len(u.PhoneNumbers), u.PhoneNumbers != nil); err != nil {
		return err
	}
	for _, p := range u.PhoneNumbers {
		for _, m := range [][2]string{{"value", p.Value}, {"type", p.Type}} {
			if m[1] != "" {
				if err := sensitiveRule.check("phoneNumbers.1.member."+m[0], &m[1]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// reservedUserNames cannot be used in Identity Center, in any case.
var reservedUserNames = []string{"Administrator", "AWSAdministrators"}

// checkUserRequired enforces what Identity Center requires beyond the
// model: a user name that is not reserved, a display name, a given and a
// family name. Messages follow the service's ("<attr>: The attribute <attr>
// is required").
func checkUserRequired(u *User) error {
	if u.UserName == "" {
		return errValidation("userName is a required attribute")
	}
	for _, r := range reservedUserNames {
		if strings.EqualFold(u.UserName, r) {
			return errValidation("userName: The user name %s is reserved and cannot be used", u.UserName)
		}
	}
	var missing []string
	if u.DisplayName == "" {
		missing = append(missing, "displayname")
	}
	if u.Name == (Name{}) {
		missing = append(missing, "name")
	} else {
		if u.Name.GivenName == "" {
			missing = append(missing, "givenname")
		}
		if u.Name.FamilyName == "" {
			missing = append(missing, "familyname")
		}
	}
	if len(missing) > 0 {
		parts := make([]string, len(missing))
		for i, m := range missing {
			parts[i] = fmt.Sprintf("%s: The attribute %s is required", m, m)
		}
		return errValidation("%s", strings.Join(parts, ", "))
	}
	return nil
}

// checkUserNameFree reports a ConflictException when another user has the
// name; user names are unique regardless of case.
func (c *call) checkUserNameFree(name, self string) error {
	for _, o := range c.w.Users {
		if o.ID != self && strings.EqualFold(o.UserName, name) {
			return errISConflict("UNIQUENESS_CONSTRAINT_VIOLATION", "Duplicate UserName")
		}
	}
	return nil
}

func isCreateUser(c *call, in *isCreateUserIn) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	if err := userNameRule.check("userName", in.UserName); err != nil {
		return nil, err
	}
	if err := in.Name.check("name"); err != nil {
		return nil, err
	}
	for _, m := range []struct {
		name string
		v    *string
	}{{"displayName", in.DisplayName}, {"nickName", in.NickName}, {"profileUrl", in.ProfileUrl}, {"userType", in.UserType},
		{"title", in.Title}, {"preferredLanguage", in.PreferredLanguage}, {"locale", in.Locale}, {"timezone", in.Timezone}} {
		if err := sensitiveRule.check(m.name, m.v); err != nil {
			return nil, err
		}
	}
	u := &User{UserName: deref(in.UserName), DisplayName: deref(in.DisplayName), Name: in.Name.value(),
		NickName: deref(in.NickName), ProfileURL: deref(in.ProfileUrl), Emails: in.Emails, Addresses: in.Addresses,
		PhoneNumbers: in.PhoneNumbers, UserType: deref(in.UserType), Title: deref(in.Title),
		PreferredLanguage: deref(in.PreferredLanguage), Locale: deref(in.Locale), Timezone: deref(in.Timezone)}
	if err := checkUserLists(u); err != nil {
		return nil, err
	}
	if err := checkUserRequired(u); err != nil {
		return nil, err
	}
	if err := c.checkUserNameFree(u.UserName, ""); err != nil {
		return nil, err
	}
	u.ID = c.newObjectID()
	u.Created, u.Updated = c.now, c.now
	u.CreatedBy = c.caller().ARN
	u.UpdatedBy = u.CreatedBy
	u.Revision = 1
	c.w.Users = append(c.w.Users, u)
	return map[string]any{"IdentityStoreId": c.storeID(), "UserId": u.ID, "UserArn": objARN("user", u.ID), "Revision": revision(u.Revision)}, nil
}

func (c *call) userOut(u *User) map[string]any {
	created, updated := c.auditTimes(u.Created, u.Updated)
	m := map[string]any{
		"IdentityStoreId": c.storeID(), "UserId": u.ID, "UserArn": objARN("user", u.ID), "Revision": revision(u.Revision),
		"UserName": u.UserName, "UserStatus": "ENABLED", "CreatedAt": created, "UpdatedAt": updated,
	}
	if u.Name != (Name{}) {
		m["Name"] = u.Name
	}
	for k, v := range map[string]string{"DisplayName": u.DisplayName, "NickName": u.NickName, "ProfileUrl": u.ProfileURL,
		"UserType": u.UserType, "Title": u.Title, "PreferredLanguage": u.PreferredLanguage, "Locale": u.Locale,
		"Timezone": u.Timezone, "CreatedBy": u.CreatedBy, "UpdatedBy": u.UpdatedBy} {
		if v != "" {
			m[k] = v
		}
	}
	if len(u.Emails) > 0 {
		m["Emails"] = u.Emails
	}
	if len(u.Addresses) > 0 {
		m["Addresses"] = u.Addresses
	}
	if len(u.PhoneNumbers) > 0 {
		m["PhoneNumbers"] = u.PhoneNumbers
	}
	if len(u.ExternalIDs) > 0 {
		m["ExternalIds"] = u.ExternalIDs
	}
	return m
}

// findUser validates a user id and looks it up.
func (c *call) findUser(field string, v *string) (*User, error) {
	id, err := resourceID(field, "user", v)
	if err != nil {
		return nil, err
	}
	u := c.w.user(id)
	if u == nil {
		return nil, errISNotFound("USER", id)
	}
	return u, nil
}

func isDescribeUser(c *call, in *struct {
	IdentityStoreId *string
	UserId          *string
}) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	u, err := c.findUser("userId", in.UserId)
	if err != nil {
		return nil, err
	}
	return c.userOut(u), nil
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

// applyUserOperation changes one attribute of u (a copy).
func applyUserOperation(u *User, path string, raw json.RawMessage) error {
	var err error
	str := func(dst *string, rule strRule) {
		*dst, err = stringValue(path, raw, rule)
	}
	switch strings.ToLower(path) {
	case "username":
		str(&u.UserName, userNameRule)
	case "displayname":
		str(&u.DisplayName, sensitiveRule)
	case "nickname":
		str(&u.NickName, sensitiveRule)
	case "profileurl":
		str(&u.ProfileURL, sensitiveRule)
	case "usertype":
		str(&u.UserType, sensitiveRule)
	case "title":
		str(&u.Title, sensitiveRule)
	case "preferredlanguage":
		str(&u.PreferredLanguage, sensitiveRule)
	case "locale":
		str(&u.Locale, sensitiveRule)
	case "timezone":
		str(&u.Timezone, sensitiveRule)
	case "name.givenname":
		str(&u.Name.GivenName, sensitiveRule)
	case "name.familyname":
		str(&u.Name.FamilyName, sensitiveRule)
	case "name.formatted":
		str(&u.Name.Formatted, sensitiveRule)
	case "name.middlename":
		str(&u.Name.MiddleName, sensitiveRule)
	case "name.honorificprefix":
		str(&u.Name.HonorificPrefix, sensitiveRule)
	case "name.honorificsuffix":
		str(&u.Name.HonorificSuffix, sensitiveRule)
	case "name":
		if isNull(raw) {
			u.Name = Name{}
			return nil
		}
		var n isNameIn
		if err := objectValue(path, raw, &n, "a Name object"); err != nil {
			return err
		}
		if err := n.check("name"); err != nil {
			return err
		}
		u.Name = n.value()
	case "emails":
		u.Emails = nil
		if !isNull(raw) {
			err = objectValue(path, raw, &u.Emails, "a list of Email objects")
		}
	case "addresses":
		u.Addresses = nil
		if !isNull(raw) {
			err = objectValue(path, raw, &u.Addresses, "a list of Address objects")
		}
	case "phonenumbers":
		u.PhoneNumbers = nil
		if !isNull(raw) {
			err = objectValue(path, raw, &u.PhoneNumbers, "a list of PhoneNumber objects")
		}
	default:
		return errValidation("Invalid attribute path %s: the attribute cannot be updated or does not exist", path)
	}
	return err
}

func isUpdateUser(c *call, in *struct {
	IdentityStoreId *string
	UserId          *string
	Operations      []isAttributeOperation
	Revision        *string
}) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	u, err := c.findUser("userId", in.UserId)
	if err != nil {
		return nil, err
	}
	if err := checkOperations(in.Operations, in.Operations != nil); err != nil {
		return nil, err
	}
	if err := checkRevision("user", in.Revision, u.Revision); err != nil {
		return nil, err
	}
	// Apply to a copy so that a failing operation changes nothing.
	next := *u
	next.Emails = slices.Clone(u.Emails)
	next.Addresses = slices.Clone(u.Addresses)
	next.PhoneNumbers = slices.Clone(u.PhoneNumbers)
	for _, o := range in.Operations {
		if err := applyUserOperation(&next, *o.AttributePath, o.AttributeValue); err != nil {
			return nil, err
		}
	}
	if err := checkUserLists(&next); err != nil {
		return nil, err
	}
	if err := checkUserRequired(&next); err != nil {
		return nil, err
	}
	if err := c.checkUserNameFree(next.UserName, u.ID); err != nil {
		return nil, err
	}
	next.Revision = max(u.Revision, 1) + 1
	next.Updated = c.now
	next.UpdatedBy = c.caller().ARN
	*u = next
	return map[string]any{"IdentityStoreId": c.storeID(), "UserId": u.ID, "UserArn": objARN("user", u.ID), "Revision": revision(u.Revision)}, nil
}

func isDeleteUser(c *call, in *struct {
	IdentityStoreId *string
	UserId          *string
	Revision        *string
}) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	u, err := c.findUser("userId", in.UserId)
	if err != nil {
		return nil, err
	}
	if err := checkRevision("user", in.Revision, u.Revision); err != nil {
		return nil, err
	}
	c.w.Users = slices.DeleteFunc(c.w.Users, func(o *User) bool { return o == u })
	c.w.Memberships = slices.DeleteFunc(c.w.Memberships, func(m *Membership) bool { return m.UserID == u.ID })
	return nil, nil
}

func isListUsers(c *call, in *struct {
	IdentityStoreId *string
	Filters         []isFilter
	isPaging
}) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	want, err := filterValue(in.Filters, "UserName")
	if err != nil {
		return nil, err
	}
	users := c.w.Users
	kind := "users"
	if want != nil {
		users = slices.DeleteFunc(slices.Clone(users), func(u *User) bool { return !strings.EqualFold(u.UserName, *want) })
		kind += ":" + *want
	}
	pg, next, err := page(users, kind, in.MaxResults, in.NextToken, 100, 100)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, len(pg))
	for i, u := range pg {
		out[i] = c.userOut(u)
	}
	return map[string]any{"Users": out, "NextToken": next}, nil
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

func isGetUserID(c *call, in *struct {
	IdentityStoreId     *string
	AlternateIdentifier *isAlternateIdentifier
}) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	ext, path, value, err := resolveAlternate(in.AlternateIdentifier)
	if err != nil {
		return nil, err
	}
	match := func(u *User) bool { return hasExternalID(u.ExternalIDs, ext) }
	if ext == nil {
		switch strings.ToLower(path) {
		case "username":
			match = func(u *User) bool { return strings.EqualFold(u.UserName, value) }
		case "emails.value":
			match = func(u *User) bool {
				return slices.ContainsFunc(u.Emails, func(e Email) bool { return strings.EqualFold(e.Value, value) })
			}
		default:
			return nil, errValidation("The attribute %s is not a unique attribute", path)
		}
	}
	for _, u := range c.w.Users {
		if match(u) {
			return map[string]any{"IdentityStoreId": c.storeID(), "UserId": u.ID, "UserArn": objARN("user", u.ID)}, nil
		}
	}
	return nil, errISNotFound("USER", "")
}

// Groups.

func (c *call) checkGroupNameFree(name, self string) error {
	for _, o := range c.w.Groups {
		if o.ID != self && strings.EqualFold(o.DisplayName, name) {
			return errISConflict("UNIQUENESS_CONSTRAINT_VIOLATION", "Duplicate GroupDisplayName")
		}
	}
	return nil
}

func isCreateGroup(c *call, in *struct {
	IdentityStoreId *string
	DisplayName     *string
	Description     *string
}) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	if err := groupNameRule.check("displayName", in.DisplayName); err != nil {
		return nil, err
	}
	if err := sensitiveRule.check("description", in.Description); err != nil {
		return nil, err
	}
	if in.DisplayName == nil {
		return nil, errValidation("displayname: The attribute displayname is required")
	}
	if err := c.checkGroupNameFree(*in.DisplayName, ""); err != nil {
		return nil, err
	}
	by := c.caller().ARN
	g := &Group{ID: c.newObjectID(), DisplayName: *in.DisplayName, Description: deref(in.Description),
		Created: c.now, Updated: c.now, CreatedBy: by, UpdatedBy: by, Revision: 1}
	c.w.Groups = append(c.w.Groups, g)
	return map[string]any{"IdentityStoreId": c.storeID(), "GroupId": g.ID, "GroupArn": objARN("group", g.ID), "Revision": revision(g.Revision)}, nil
}

func (c *call) groupOut(g *Group) map[string]any {
	created, updated := c.auditTimes(g.Created, g.Updated)
	m := map[string]any{"IdentityStoreId": c.storeID(), "GroupId": g.ID, "GroupArn": objARN("group", g.ID),
		"Revision": revision(g.Revision), "DisplayName": g.DisplayName, "CreatedAt": created, "UpdatedAt": updated}
	for k, v := range map[string]string{"Description": g.Description, "CreatedBy": g.CreatedBy, "UpdatedBy": g.UpdatedBy} {
		if v != "" {
			m[k] = v
		}
	}
	if len(g.ExternalIDs) > 0 {
		m["ExternalIds"] = g.ExternalIDs
	}
	return m
}

func (c *call) findGroup(field string, v *string) (*Group, error) {
	id, err := resourceID(field, "group", v)
	if err != nil {
		return nil, err
	}
	g := c.w.group(id)
	if g == nil {
		return nil, errISNotFound("GROUP", id)
	}
	return g, nil
}

func isDescribeGroup(c *call, in *struct {
	IdentityStoreId *string
	GroupId         *string
}) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	g, err := c.findGroup("groupId", in.GroupId)
	if err != nil {
		return nil, err
	}
	return c.groupOut(g), nil
}

func isUpdateGroup(c *call, in *struct {
	IdentityStoreId *string
	GroupId         *string
	Operations      []isAttributeOperation
	Revision        *string
}) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	g, err := c.findGroup("groupId", in.GroupId)
	if err != nil {
		return nil, err
	}
	if err := checkOperations(in.Operations, in.Operations != nil); err != nil {
		return nil, err
	}
	if err := checkRevision("group", in.Revision, g.Revision); err != nil {
		return nil, err
	}
	next := *g
	for _, o := range in.Operations {
		path := *o.AttributePath
		switch strings.ToLower(path) {
		case "displayname":
			next.DisplayName, err = stringValue(path, o.AttributeValue, groupNameRule)
		case "description":
			next.Description, err = stringValue(path, o.AttributeValue, sensitiveRule)
		default:
			err = errValidation("Invalid attribute path %s: the attribute cannot be updated or does not exist", path)
		}
		if err != nil {
			return nil, err
		}
	}
	if next.DisplayName == "" {
		return nil, errValidation("displayname: The attribute displayname is required")
	}
	if err := c.checkGroupNameFree(next.DisplayName, g.ID); err != nil {
		return nil, err
	}
	next.Revision = max(g.Revision, 1) + 1
	next.Updated = c.now
	next.UpdatedBy = c.caller().ARN
	*g = next
	return map[string]any{"IdentityStoreId": c.storeID(), "GroupId": g.ID, "GroupArn": objARN("group", g.ID), "Revision": revision(g.Revision)}, nil
}

func isDeleteGroup(c *call, in *struct {
	IdentityStoreId *string
	GroupId         *string
	Revision        *string
}) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	g, err := c.findGroup("groupId", in.GroupId)
	if err != nil {
		return nil, err
	}
	if err := checkRevision("group", in.Revision, g.Revision); err != nil {
		return nil, err
	}
	c.w.Groups = slices.DeleteFunc(c.w.Groups, func(o *Group) bool { return o == g })
	c.w.Memberships = slices.DeleteFunc(c.w.Memberships, func(m *Membership) bool { return m.GroupID == g.ID })
	return nil, nil
}

func isListGroups(c *call, in *struct {
	IdentityStoreId *string
	Filters         []isFilter
	isPaging
}) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	want, err := filterValue(in.Filters, "DisplayName")
	if err != nil {
		return nil, err
	}
	groups := c.w.Groups
	kind := "groups"
	if want != nil {
		groups = slices.DeleteFunc(slices.Clone(groups), func(g *Group) bool { return !strings.EqualFold(g.DisplayName, *want) })
		kind += ":" + *want
	}
	pg, next, err := page(groups, kind, in.MaxResults, in.NextToken, 100, 100)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, len(pg))
	for i, g := range pg {
		out[i] = c.groupOut(g)
	}
	return map[string]any{"Groups": out, "NextToken": next}, nil
}

func isGetGroupID(c *call, in *struct {
	IdentityStoreId     *string
	AlternateIdentifier *isAlternateIdentifier
}) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	ext, path, value, err := resolveAlternate(in.AlternateIdentifier)
	if err != nil {
		return nil, err
	}
	if ext == nil && !strings.EqualFold(path, "displayName") {
		return nil, errValidation("The attribute %s is not a unique attribute", path)
	}
	for _, g := range c.w.Groups {
		if (ext != nil && hasExternalID(g.ExternalIDs, ext)) || (ext == nil && strings.EqualFold(g.DisplayName, value)) {
			return map[string]any{"IdentityStoreId": c.storeID(), "GroupId": g.ID, "GroupArn": objARN("group", g.ID)}, nil
		}
	}
	return nil, errISNotFound("GROUP", "")
}

// Group memberships.

type isMemberID struct {
	UserId *string
}

// findMember validates a MemberId union and looks the user up.
func (c *call) findMember(m *isMemberID) (*User, error) {
	if m == nil {
		return nil, errRequired("memberId")
	}
	return c.findUser("memberId.userId", m.UserId)
}

func (c *call) membershipOut(m *Membership) map[string]any {
	created, _ := c.auditTimes(m.Created, time.Time{})
	out := map[string]any{"IdentityStoreId": c.storeID(), "MembershipId": m.ID, "MembershipArn": objARN("membership", m.ID),
		"GroupId": m.GroupID, "MemberId": map[string]string{"UserId": m.UserID}, "CreatedAt": created, "UpdatedAt": created}
	if m.CreatedBy != "" {
		out["CreatedBy"] = m.CreatedBy
		out["UpdatedBy"] = m.CreatedBy
	}
	return out
}

func (w *World) membership(groupID, userID string) *Membership {
	for _, m := range w.Memberships {
		if m.GroupID == groupID && m.UserID == userID {
			return m
		}
	}
	return nil
}

func isCreateGroupMembership(c *call, in *struct {
	IdentityStoreId *string
	GroupId         *string
	MemberId        *isMemberID
}) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	g, err := c.findGroup("groupId", in.GroupId)
	if err != nil {
		return nil, err
	}
	u, err := c.findMember(in.MemberId)
	if err != nil {
		return nil, err
	}
	if c.w.membership(g.ID, u.ID) != nil {
		return nil, errISConflict("UNIQUENESS_CONSTRAINT_VIOLATION", "Member is already in the group")
	}
	m := &Membership{ID: c.newObjectID(), GroupID: g.ID, UserID: u.ID, Created: c.now, CreatedBy: c.caller().ARN}
	c.w.Memberships = append(c.w.Memberships, m)
	return map[string]any{"IdentityStoreId": c.storeID(), "MembershipId": m.ID, "MembershipArn": objARN("membership", m.ID)}, nil
}

func (c *call) findMembership(v *string) (*Membership, error) {
	id, err := resourceID("membershipId", "membership", v)
	if err != nil {
		return nil, err
	}
	for _, m := range c.w.Memberships {
		if m.ID == id {
			return m, nil
		}
	}
	return nil, errISNotFound("GROUP_MEMBERSHIP", id)
}

func isDescribeGroupMembership(c *call, in *struct {
	IdentityStoreId *string
	MembershipId    *string
}) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	m, err := c.findMembership(in.MembershipId)
	if err != nil {
		return nil, err
	}
	return c.membershipOut(m), nil
}

func isDeleteGroupMembership(c *call, in *struct {
	IdentityStoreId *string
	MembershipId    *string
}) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	m, err := c.findMembership(in.MembershipId)
	if err != nil {
		return nil, err
	}
	c.w.Memberships = slices.DeleteFunc(c.w.Memberships, func(o *Membership) bool { return o == m })
	return nil, nil
}

func (c *call) pageMemberships(ms []*Membership, kind string, p isPaging) (any, error) {
	pg, next, err := page(ms, kind, p.MaxResults, p.NextToken, 100, 100)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, len(pg))
	for i, m := range pg {
		out[i] = c.membershipOut(m)
	}
	return map[string]any{"GroupMemberships": out, "NextToken": next}, nil
}

func isListGroupMemberships(c *call, in *struct {
	IdentityStoreId *string
	GroupId         *string
	isPaging
}) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	g, err := c.findGroup("groupId", in.GroupId)
	if err != nil {
		return nil, err
	}
	var ms []*Membership
	for _, m := range c.w.Memberships {
		if m.GroupID == g.ID {
			ms = append(ms, m)
		}
	}
	return c.pageMemberships(ms, "members:"+g.ID, in.isPaging)
}

func isListGroupMembershipsForMember(c *call, in *struct {
	IdentityStoreId *string
	MemberId        *isMemberID
	isPaging
}) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	u, err := c.findMember(in.MemberId)
	if err != nil {
		return nil, err
	}
	var ms []*Membership
	for _, m := range c.w.Memberships {
		if m.UserID == u.ID {
			ms = append(ms, m)
		}
	}
	return c.pageMemberships(ms, "memberof:"+u.ID, in.isPaging)
}

func isGetGroupMembershipID(c *call, in *struct {
	IdentityStoreId *string
	GroupId         *string
	MemberId        *isMemberID
}) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	g, err := c.findGroup("groupId", in.GroupId)
	if err != nil {
		return nil, err
	}
	u, err := c.findMember(in.MemberId)
	if err != nil {
		return nil, err
	}
	m := c.w.membership(g.ID, u.ID)
	if m == nil {
		return nil, errISNotFound("GROUP_MEMBERSHIP", "")
	}
	return map[string]any{"IdentityStoreId": c.storeID(), "MembershipId": m.ID, "MembershipArn": objARN("membership", m.ID)}, nil
}

func isIsMemberInGroups(c *call, in *struct {
	IdentityStoreId *string
	MemberId        *isMemberID
	GroupIds        []*string
}) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	u, err := c.findMember(in.MemberId)
	if err != nil {
		return nil, err
	}
	switch {
	case in.GroupIds == nil:
		return nil, errRequired("groupIds")
	case len(in.GroupIds) == 0:
		return nil, errConstraint("groupIds", "[]", "Member must have length greater than or equal to 1")
	case len(in.GroupIds) > 100:
		return nil, errConstraint("groupIds", fmt.Sprintf("[%d group ids]", len(in.GroupIds)), "Member must have length less than or equal to 100")
	}
	results := make([]map[string]any, 0, len(in.GroupIds))
	for i, gid := range in.GroupIds {
		id, err := resourceID(fmt.Sprintf("groupIds.%d.member", i+1), "group", gid)
		if err != nil {
			return nil, err
		}
		results = append(results, map[string]any{"GroupId": id, "MemberId": map[string]string{"UserId": u.ID},
			"MembershipExists": c.w.membership(id, u.ID) != nil})
	}
	return map[string]any{"Results": results}, nil
}
