package sandbox

// Identity store users: CreateUser, DescribeUser, UpdateUser, DeleteUser,
// ListUsers and GetUserId, and the checks Identity Center makes of a user.

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

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

// checkMultiValued validates Emails, Addresses or PhoneNumbers: each holds
// one entry at most, and an empty list is refused. members gives an entry's
// members as name and value pairs; an empty value is absent.
func checkMultiValued[T any](field string, list []T, members func(T) [][2]string) error {
	switch {
	case list != nil && len(list) == 0:
		return errConstraint(field, "[]", "Member must have length greater than or equal to 1")
	case len(list) > 1:
		return errSensitive(field, "Member must have length less than or equal to 1")
	}
	for _, e := range list {
		for _, m := range members(e) {
			if m[1] != "" {
				if err := sensitiveRule.check(field+".1.member."+m[0], &m[1]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func checkUserLists(u *User) error {
	if err := checkMultiValued("emails", u.Emails, func(e Email) [][2]string {
		return [][2]string{{"value", e.Value}, {"type", e.Type}}
	}); err != nil {
		return err
	}
	if err := checkMultiValued("addresses", u.Addresses, func(a Address) [][2]string {
		return [][2]string{{"streetAddress", a.StreetAddress}, {"locality", a.Locality}, {"region", a.Region},
			{"postalCode", a.PostalCode}, {"country", a.Country}, {"formatted", a.Formatted}, {"type", a.Type}}
	}); err != nil {
		return err
	}
	return checkMultiValued("phoneNumbers", u.PhoneNumbers, func(p PhoneNumber) [][2]string {
		return [][2]string{{"value", p.Value}, {"type", p.Type}}
	})
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
	return c.revisedOut("user", u.ID, u.Revision), nil
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
	return c.revisedOut("user", u.ID, u.Revision), nil
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
	users, kind, err := filterList(c.w.Users, "users", in.Filters, "UserName", func(u *User) string { return u.UserName })
	if err != nil {
		return nil, err
	}
	return listOut(users, kind, in.isPaging, "Users", c.userOut)
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
			return c.idsOut("user", u.ID), nil
		}
	}
	return nil, errISNotFound("USER", "")
}
