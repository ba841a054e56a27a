package sandbox

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// IAM (awsQuery, Version 2010-05-08), per account: the caller's.
//
// Names of users, groups and policies are unique and looked up without regard
// to case, as IAM does. (Keys' last use and refusing Inactive keys happen for
// every service, in call.authenticate.)
//
// GetUser without UserName answers for the signer: an IAM user's own record,
// or, for the administrator keys the sandbox accepts from anyone, a
// synthesized "sandbox-admin" user matching what STS GetCallerIdentity says.
// Role sessions get AWS's ValidationError.

func iamOps() map[string]queryOp {
	ops := map[string]func(*iamCall, url.Values) (any, error){
		"CreateUser": iamCreateUser, "GetUser": iamGetUser, "ListUsers": iamListUsers,
		"UpdateUser": iamUpdateUser, "DeleteUser": iamDeleteUser,
		"TagUser": iamTagUser, "UntagUser": iamUntagUser, "ListUserTags": iamListUserTags,

		"CreateAccessKey": iamCreateAccessKey, "ListAccessKeys": iamListAccessKeys,
		"UpdateAccessKey": iamUpdateAccessKey, "DeleteAccessKey": iamDeleteAccessKey,
		"GetAccessKeyLastUsed": iamGetAccessKeyLastUsed,

		"CreateLoginProfile": iamCreateLoginProfile, "GetLoginProfile": iamGetLoginProfile,
		"UpdateLoginProfile": iamUpdateLoginProfile, "DeleteLoginProfile": iamDeleteLoginProfile,

		"CreateVirtualMFADevice": iamCreateVirtualMFADevice, "EnableMFADevice": iamEnableMFADevice,
		"DeactivateMFADevice": iamDeactivateMFADevice, "DeleteVirtualMFADevice": iamDeleteVirtualMFADevice,
		"ListMFADevices": iamListMFADevices, "ListVirtualMFADevices": iamListVirtualMFADevices,

		"CreateGroup": iamCreateGroup, "GetGroup": iamGetGroup, "ListGroups": iamListGroups,
		"DeleteGroup": iamDeleteGroup, "AddUserToGroup": iamAddUserToGroup,
		"RemoveUserFromGroup": iamRemoveUserFromGroup, "ListGroupsForUser": iamListGroupsForUser,

		"AttachUserPolicy": iamAttachUserPolicy, "DetachUserPolicy": iamDetachUserPolicy,
		"ListAttachedUserPolicies": iamListAttachedUserPolicies,
		"PutUserPolicy":            iamPutUserPolicy, "GetUserPolicy": iamGetUserPolicy,
		"DeleteUserPolicy": iamDeleteUserPolicy, "ListUserPolicies": iamListUserPolicies,
		"CreatePolicy": iamCreatePolicy, "GetPolicy": iamGetPolicy, "DeletePolicy": iamDeletePolicy,
		"ListPolicies": iamListPolicies,

		"UploadSigningCertificate": iamUploadSigningCertificate, "ListSigningCertificates": iamListSigningCertificates,
		"UpdateSigningCertificate": iamUpdateSigningCertificate, "DeleteSigningCertificate": iamDeleteSigningCertificate,

		"UploadSSHPublicKey": iamUploadSSHPublicKey, "ListSSHPublicKeys": iamListSSHPublicKeys,
		"GetSSHPublicKey": iamGetSSHPublicKey, "UpdateSSHPublicKey": iamUpdateSSHPublicKey,
		"DeleteSSHPublicKey": iamDeleteSSHPublicKey,

		"CreateServiceSpecificCredential": iamCreateServiceCred, "ListServiceSpecificCredentials": iamListServiceCreds,
		"UpdateServiceSpecificCredential": iamUpdateServiceCred, "DeleteServiceSpecificCredential": iamDeleteServiceCred,
		"ResetServiceSpecificCredential": iamResetServiceCred,

		"GetAccountPasswordPolicy": iamGetPasswordPolicy, "UpdateAccountPasswordPolicy": iamUpdatePasswordPolicy,
		"DeleteAccountPasswordPolicy": iamDeletePasswordPolicy,

		"CreateAccountAlias": iamCreateAccountAlias, "ListAccountAliases": iamListAccountAliases,
		"DeleteAccountAlias": iamDeleteAccountAlias,

		"ListRoles": iamListRoles, "GetRole": iamGetRole,
		"GetAccountSummary":        iamGetAccountSummary,
		"GenerateCredentialReport": iamGenerateCredentialReport, "GetCredentialReport": iamGetCredentialReport,
		"ListOrganizationsFeatures": iamListOrganizationsFeatures,
	}
	return iamQueryOps(ops, nil)
}

// iamQueryOps makes IAM handlers query operations: each resolves the
// caller's IAM account first, then passes guard (when set), then runs.
func iamQueryOps(ops map[string]func(*iamCall, url.Values) (any, error), guard func(ic *iamCall, op string, form url.Values) error) map[string]queryOp {
	out := make(map[string]queryOp, len(ops))
	for name, f := range ops {
		out[name] = func(c *call, form url.Values) (any, error) {
			ic, err := newIAMCall(c)
			if err != nil {
				return nil, err
			}
			if guard != nil {
				if err := guard(ic, name, form); err != nil {
					return nil, err
				}
			}
			return f(ic, form)
		}
	}
	return out
}

// iamCall is a call with the caller's IAM account resolved.
type iamCall struct {
	*call
	who  caller
	acct string
	ia   *IAMAccount
}

func newIAMCall(c *call) (*iamCall, error) {
	who := c.caller()
	return &iamCall{call: c, who: who, acct: who.AccountID, ia: c.w.iamAccount(who.AccountID)}, nil
}

// Errors, with IAM's codes.

func iamValidation(format string, a ...any) *apiError {
	return newError(400, "ValidationError", format, a...)
}

func iamConstraint(field, value, constraint string) *apiError {
	return iamValidation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", truncate(value, 256), field, constraint)
}

func iamNoSuchEntity(format string, a ...any) *apiError {
	return newError(404, "NoSuchEntity", format, a...)
}

func iamExists(format string, a ...any) *apiError {
	return newError(409, "EntityAlreadyExists", format, a...)
}

func iamDeleteConflict(format string, a ...any) *apiError {
	return newError(409, "DeleteConflict", format, a...)
}

func iamLimit(format string, a ...any) *apiError {
	return newError(409, "LimitExceeded", format, a...)
}

func iamInvalidInput(format string, a ...any) *apiError {
	return newError(400, "InvalidInput", format, a...)
}

func iamMalformedPolicy(format string, a ...any) *apiError {
	return newError(400, "MalformedPolicyDocument", format, a...)
}

// Parameters.

var (
	iamNamePattern    = lazyRegexp(`^[\w+=,.@-]+$`)
	iamPathPattern    = lazyRegexp(`^(/|/[\x21-\x7e]+/)$`)
	iamKeyIDPattern   = lazyRegexp(`^\w+$`)
	iamAliasPattern   = lazyRegexp(`^[a-z0-9]([a-z0-9]|-[a-z0-9])*$`)
	iamPolicyARN      = lazyRegexp(`^arn:aws:iam::(aws|\d{12}):policy(/|/[\x21-\x7e]+/)([\w+=,.@-]+)$`)
	iamAuthCode       = lazyRegexp(`^\d{6}$`)
	iamSerialPattern  = lazyRegexp(`^[\w+=/:,.@-]+$`)
	iamCertIDPattern  = lazyRegexp(`^\w+$`)
	iamSvcNamePattern = lazyRegexp(`^[\w.-]+$`)
)

const (
	namePatternText = `Member must satisfy regular expression pattern: [\w+=,.@-]+`
	pathPatternText = `Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)`
)

// name reads a required IAM name parameter of at most max characters.
func iamName(form url.Values, param, field string, max int) (string, error) {
	v, ok := form[param]
	if !ok || len(v) == 0 {
		return "", iamValidation("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field)
	}
	s := v[0]
	if len(s) < 1 || len(s) > max {
		return "", iamConstraint(field, s, fmt.Sprintf("Member must have length less than or equal to %d and greater than or equal to 1", max))
	}
	if !iamNamePattern.MatchString(s) {
		return "", iamConstraint(field, s, namePatternText)
	}
	return s, nil
}

func iamRequired(form url.Values, param, field string) (string, error) {
	v, ok := form[param]
	if !ok || len(v) == 0 || v[0] == "" {
		if ok {
			return "", iamConstraint(field, "", "Member must have length greater than or equal to 1")
		}
		return "", iamValidation("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field)
	}
	return v[0], nil
}

// iamPath reads an optional path, "/" when absent.
func iamPath(form url.Values, param, field string) (string, error) {
	if _, ok := form[param]; !ok {
		return "/", nil
	}
	p := form.Get(param)
	if len(p) < 1 || len(p) > 512 {
		return "", iamConstraint(field, p, "Member must have length less than or equal to 512 and greater than or equal to 1")
	}
	if !iamPathPattern.MatchString(p) {
		return "", iamConstraint(field, p, pathPatternText)
	}
	return p, nil
}

func iamPathPrefix(form url.Values) (string, error) {
	p := form.Get("PathPrefix")
	if p == "" {
		return "/", nil
	}
	if len(p) > 512 || !strings.HasPrefix(p, "/") {
		return "", iamConstraint("pathPrefix", p, `Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*`)
	}
	return p, nil
}

func iamStatus(form url.Values) (string, error) {
	s, err := iamRequired(form, "Status", "status")
	if err != nil {
		return "", err
	}
	if s != "Active" && s != "Inactive" {
		return "", iamConstraint("status", s, "Member must satisfy enum value set: [Active, Inactive]")
	}
	return s, nil
}

func iamBool(form url.Values, param string) (bool, error) {
	switch s := form.Get(param); s {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	default:
		return false, iamConstraint(param, s, "Member must be a boolean")
	}
}

func iamTags(form url.Values) ([]Tag, error) {
	var tags []Tag
	for _, m := range formList(form, "Tags.member") {
		t := Tag{Key: m.Get("Key"), Value: m.Get("Value")}
		if len(t.Key) < 1 || len(t.Key) > 128 {
			return nil, iamConstraint("tags.member.key", t.Key, "Member must have length less than or equal to 128 and greater than or equal to 1")
		}
		if len(t.Value) > 256 {
			return nil, iamConstraint("tags.member.value", t.Value, "Member must have length less than or equal to 256 and greater than or equal to 0")
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return nil, iamInvalidInput("User-defined tag keys can't start with \"aws:\".")
		}
		for _, o := range tags {
			if strings.EqualFold(o.Key, t.Key) {
				return nil, iamInvalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
			}
		}
		tags = append(tags, t)
	}
	if len(tags) > 50 {
		return nil, iamConstraint("tags", strconv.Itoa(len(tags))+" tags", "Member must have length less than or equal to 50")
	}
	return tags, nil
}

// Replies.

// isoTime is an IAM timestamp: ISO 8601 in UTC, to the second.
type isoTime time.Time

func (t isoTime) MarshalText() ([]byte, error) {
	return []byte(time.Time(t).UTC().Format("2006-01-02T15:04:05Z")), nil
}

func isoPtr(t *time.Time) *isoTime {
	if t == nil || t.IsZero() {
		return nil
	}
	v := isoTime(*t)
	return &v
}

// iamPaging is the Marker/IsTruncated pair of IAM's list replies.
type iamPaging struct {
	IsTruncated bool   `xml:"IsTruncated"`
	Marker      string `xml:"Marker,omitempty"`
}

// iamPage returns one page of items for the request's MaxItems and Marker.
func iamPage[T any](form url.Values, items []T, kind string) ([]T, iamPaging, error) {
	n, err := formInt(form, "MaxItems", 100)
	if err != nil {
		return nil, iamPaging{}, iamConstraint("maxItems", form.Get("MaxItems"), "Member must be an integer")
	}
	if n < 1 || n > 1000 {
		return nil, iamPaging{}, iamConstraint("maxItems", strconv.Itoa(n), "Member must have value less than or equal to 1000 and greater than or equal to 1")
	}
	start := 0
	if m := form.Get("Marker"); m != "" {
		off, err := decodeToken(m, "iam/"+kind)
		if err != nil || off > len(items) {
			return nil, iamPaging{}, iamValidation("Invalid Marker: %s", truncate(m, 64))
		}
		start = off
	}
	end := start + n
	if end >= len(items) {
		return items[start:], iamPaging{}, nil
	}
	return items[start:end], iamPaging{IsTruncated: true, Marker: encodeToken("iam/"+kind, end)}, nil
}

// Users.

type iamUserOut struct {
	Path             string   `xml:"Path"`
	UserName         string   `xml:"UserName"`
	UserId           string   `xml:"UserId"`
	Arn              string   `xml:"Arn"`
	CreateDate       isoTime  `xml:"CreateDate"`
	PasswordLastUsed *isoTime `xml:"PasswordLastUsed,omitempty"`
	Tags             []Tag    `xml:"Tags>member,omitempty"`
}

func (ic *iamCall) userOut(u *IAMUser, tags bool) iamUserOut {
	out := iamUserOut{Path: u.Path, UserName: u.Name, UserId: u.ID, Arn: iamUserARN(ic.acct, u),
		CreateDate: isoTime(u.Created), PasswordLastUsed: isoPtr(u.PasswordLastUsed)}
	if tags {
		out.Tags = u.Tags
	}
	return out
}

func (ic *iamCall) findUser(name string) *IAMUser {
	for _, u := range ic.ia.Users {
		if strings.EqualFold(u.Name, name) {
			return u
		}
	}
	return nil
}

func (ic *iamCall) user(form url.Values) (*IAMUser, error) {
	name, err := iamName(form, "UserName", "userName", 64)
	if err != nil {
		return nil, err
	}
	u := ic.findUser(name)
	if u == nil {
		return nil, iamNoSuchEntity("The user with name %s cannot be found.", name)
	}
	return u, nil
}

// userOrSelf is the user an operation with an optional UserName acts on:
// the named one, else the IAM user who signed the request.
func (ic *iamCall) userOrSelf(form url.Values) (*IAMUser, error) {
	if form.Get("UserName") != "" {
		return ic.user(form)
	}
	if ic.who.IAMUser != nil {
		return ic.who.IAMUser, nil
	}
	return nil, iamValidation("Must specify userName when calling with non-User credentials")
}

func (ic *iamCall) newID(prefix string, n int) string { return prefix + ic.rand(n, upperBase32) }

func iamCreateUser(ic *iamCall, form url.Values) (any, error) {
	name, err := iamName(form, "UserName", "userName", 64)
	if err != nil {
		return nil, err
	}
	path, err := iamPath(form, "Path", "path")
	if err != nil {
		return nil, err
	}
	tags, err := iamTags(form)
	if err != nil {
		return nil, err
	}
	if ic.findUser(name) != nil {
		return nil, iamExists("User with name %s already exists.", name)
	}
	if len(ic.ia.Users) >= 5000 {
		return nil, iamLimit("Cannot exceed quota for UsersPerAccount: 5000")
	}
	u := &IAMUser{Name: name, Path: path, ID: ic.newID("AIDA", 17), Created: ic.now.UTC().Truncate(time.Second), Tags: tags}
	ic.ia.Users = append(ic.ia.Users, u)
	return struct {
		User iamUserOut `xml:"User"`
	}{ic.userOut(u, true)}, nil
}

func iamGetUser(ic *iamCall, form url.Values) (any, error) {
	var out iamUserOut
	switch {
	case form.Get("UserName") != "":
		u, err := ic.user(form)
		if err != nil {
			return nil, err
		}
		out = ic.userOut(u, true)
	case ic.who.IAMUser != nil:
		out = ic.userOut(ic.who.IAMUser, true)
	case ic.who.Session == nil:
		// The keys the sandbox accepts from anyone act as sandbox-admin.
		out = iamUserOut{Path: "/", UserName: adminUserName, UserId: ic.who.UserID, Arn: ic.who.ARN, CreateDate: isoTime(ic.ia.Root.Created)}
	default:
		return nil, iamValidation("Must specify userName when calling with non-User credentials")
	}
	return struct {
		User iamUserOut `xml:"User"`
	}{out}, nil
}

func iamListUsers(ic *iamCall, form url.Values) (any, error) {
	prefix, err := iamPathPrefix(form)
	if err != nil {
		return nil, err
	}
	var match []*IAMUser
	for _, u := range ic.ia.Users {
		if strings.HasPrefix(u.Path, prefix) {
			match = append(match, u)
		}
	}
	pg, p, err := iamPage(form, match, "users"+prefix)
	if err != nil {
		return nil, err
	}
	out := struct {
		Users []iamUserOut `xml:"Users>member"`
		iamPaging
	}{iamPaging: p}
	for _, u := range pg {
		out.Users = append(out.Users, ic.userOut(u, false))
	}
	return out, nil
}

func iamUpdateUser(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	newName := u.Name
	if _, ok := form["NewUserName"]; ok {
		if newName, err = iamName(form, "NewUserName", "newUserName", 64); err != nil {
			return nil, err
		}
		if o := ic.findUser(newName); o != nil && o != u {
			return nil, iamExists("User with name %s already exists.", newName)
		}
	}
	newPath := u.Path
	if _, ok := form["NewPath"]; ok {
		if newPath, err = iamPath(form, "NewPath", "newPath"); err != nil {
			return nil, err
		}
	}
	for _, d := range ic.ia.VirtualMFADevices {
		if d.UserName == u.Name {
			d.UserName = newName
		}
	}
	u.Name, u.Path = newName, newPath
	return nil, nil
}

// deleteUserBlockers are what DeleteUser requires gone first, in the order
// it reports them.
var deleteUserBlockers = []struct {
	what string
	has  func(*IAMUser) bool
}{
	{"delete access keys", func(u *IAMUser) bool { return len(u.AccessKeys) > 0 }},
	{"delete signing certificates", func(u *IAMUser) bool { return len(u.SigningCerts) > 0 }},
	{"delete SSH public keys", func(u *IAMUser) bool { return len(u.SSHKeys) > 0 }},
	{"delete service specific credentials", func(u *IAMUser) bool { return len(u.ServiceCreds) > 0 }},
	{"delete login profile", func(u *IAMUser) bool { return u.LoginProfile != nil }},
	{"delete MFA device", func(u *IAMUser) bool { return len(u.MFASerials) > 0 }},
	{"remove user from all groups", func(u *IAMUser) bool { return len(u.Groups) > 0 }},
	{"delete policies", func(u *IAMUser) bool { return len(u.InlinePolicies) > 0 }},
	{"detach all policies", func(u *IAMUser) bool { return len(u.AttachedPolicies) > 0 }},
}

func iamDeleteUser(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	for _, b := range deleteUserBlockers {
		if b.has(u) {
			return nil, iamDeleteConflict("Cannot delete entity, must %s first.", b.what)
		}
	}
	ic.ia.Users = slices.DeleteFunc(ic.ia.Users, func(o *IAMUser) bool { return o == u })
	return nil, nil
}

func iamTagUser(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	tags, err := iamTags(form)
	if err != nil {
		return nil, err
	}
	merged := slices.Clone(u.Tags)
	for _, t := range tags {
		i := slices.IndexFunc(merged, func(o Tag) bool { return strings.EqualFold(o.Key, t.Key) })
		if i >= 0 {
			merged[i] = t
		} else {
			merged = append(merged, t)
		}
	}
	if len(merged) > 50 {
		return nil, iamLimit("The number of tags has reached the maximum limit of 50.")
	}
	u.Tags = merged
	return nil, nil
}

func iamUntagUser(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	keys := formStrings(form, "TagKeys.member")
	u.Tags = slices.DeleteFunc(u.Tags, func(t Tag) bool {
		return slices.ContainsFunc(keys, func(k string) bool { return strings.EqualFold(k, t.Key) })
	})
	return nil, nil
}

func iamListUserTags(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	pg, p, err := iamPage(form, u.Tags, "tags/"+u.ID)
	if err != nil {
		return nil, err
	}
	return struct {
		Tags []Tag `xml:"Tags>member"`
		iamPaging
	}{pg, p}, nil
}

// Access keys.

type iamAccessKeyOut struct {
	UserName        string  `xml:"UserName"`
	AccessKeyId     string  `xml:"AccessKeyId"`
	Status          string  `xml:"Status"`
	SecretAccessKey string  `xml:"SecretAccessKey,omitempty"`
	CreateDate      isoTime `xml:"CreateDate"`
}

func iamCreateAccessKey(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.userOrSelf(form)
	if err != nil {
		return nil, err
	}
	if len(u.AccessKeys) >= 2 {
		return nil, iamLimit("Cannot exceed quota for AccessKeysPerUser: 2")
	}
	k := &AccessKey{ID: ic.newID("AKIA", 16), Secret: secretKey(), Status: "Active", Created: ic.now.UTC().Truncate(time.Second)}
	u.AccessKeys = append(u.AccessKeys, k)
	return struct {
		AccessKey iamAccessKeyOut `xml:"AccessKey"`
	}{iamAccessKeyOut{UserName: u.Name, AccessKeyId: k.ID, Status: k.Status, SecretAccessKey: k.Secret, CreateDate: isoTime(k.Created)}}, nil
}

func iamListAccessKeys(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.userOrSelf(form)
	if err != nil {
		return nil, err
	}
	pg, p, err := iamPage(form, u.AccessKeys, "keys/"+u.ID)
	if err != nil {
		return nil, err
	}
	out := struct {
		AccessKeyMetadata []iamAccessKeyOut `xml:"AccessKeyMetadata>member"`
		iamPaging
	}{iamPaging: p}
	for _, k := range pg {
		out.AccessKeyMetadata = append(out.AccessKeyMetadata, iamAccessKeyOut{UserName: u.Name, AccessKeyId: k.ID, Status: k.Status, CreateDate: isoTime(k.Created)})
	}
	return out, nil
}

func (ic *iamCall) accessKey(form url.Values) (*IAMUser, *AccessKey, error) {
	u, err := ic.userOrSelf(form)
	if err != nil {
		return nil, nil, err
	}
	id, err := iamRequired(form, "AccessKeyId", "accessKeyId")
	if err != nil {
		return nil, nil, err
	}
	if len(id) < 16 || len(id) > 128 || !iamKeyIDPattern.MatchString(id) {
		return nil, nil, iamConstraint("accessKeyId", id, `Member must satisfy regular expression pattern: [\w]+`)
	}
	for _, k := range u.AccessKeys {
		if k.ID == id {
			return u, k, nil
		}
	}
	return nil, nil, iamNoSuchEntity("The Access Key with id %s cannot be found.", id)
}

func iamUpdateAccessKey(ic *iamCall, form url.Values) (any, error) {
	_, k, err := ic.accessKey(form)
	if err != nil {
		return nil, err
	}
	st, err := iamStatus(form)
	if err != nil {
		return nil, err
	}
	k.Status = st
	return nil, nil
}

func iamDeleteAccessKey(ic *iamCall, form url.Values) (any, error) {
	u, k, err := ic.accessKey(form)
	if err != nil {
		return nil, err
	}
	u.AccessKeys = slices.DeleteFunc(u.AccessKeys, func(o *AccessKey) bool { return o == k })
	return nil, nil
}

func iamGetAccessKeyLastUsed(ic *iamCall, form url.Values) (any, error) {
	id, err := iamRequired(form, "AccessKeyId", "accessKeyId")
	if err != nil {
		return nil, err
	}
	type lastUsed struct {
		LastUsedDate *isoTime `xml:"LastUsedDate,omitempty"`
		ServiceName  string   `xml:"ServiceName"`
		Region       string   `xml:"Region"`
	}
	for _, u := range ic.ia.Users {
		for _, k := range u.AccessKeys {
			if k.ID != id {
				continue
			}
			lu := lastUsed{ServiceName: "N/A", Region: "N/A"}
			if k.LastUsed != nil {
				lu = lastUsed{LastUsedDate: isoPtr(k.LastUsed), ServiceName: orNA(k.LastUsedService), Region: orNA(k.LastUsedRegion)}
			}
			return struct {
				UserName          string   `xml:"UserName"`
				AccessKeyLastUsed lastUsed `xml:"AccessKeyLastUsed"`
			}{u.Name, lu}, nil
		}
	}
	return nil, iamNoSuchEntity("The Access Key with id %s cannot be found.", id)
}

func orNA(s string) string {
	if s == "" {
		return "N/A"
	}
	return s
}

// Login profiles.

type iamLoginProfileOut struct {
	UserName              string  `xml:"UserName"`
	CreateDate            isoTime `xml:"CreateDate"`
	PasswordResetRequired bool    `xml:"PasswordResetRequired"`
}

// checkPassword applies the account's password policy.
func (ic *iamCall) checkPassword(pw string) error {
	if len(pw) < 1 || len(pw) > 128 {
		return iamConstraint("password", "*****", "Member must have length less than or equal to 128 and greater than or equal to 1")
	}
	p := ic.ia.PasswordPolicy
	if p == nil {
		return nil
	}
	var problems []string
	if len(pw) < p.MinimumPasswordLength {
		problems = append(problems, fmt.Sprintf("Password should have at least %d characters", p.MinimumPasswordLength))
	}
	has := func(f func(rune) bool) bool { return strings.IndexFunc(pw, f) >= 0 }
	if p.RequireUppercaseCharacters && !has(func(r rune) bool { return r >= 'A' && r <= 'Z' }) {
		problems = append(problems, "Password should have at least one uppercase letter")
	}
	if p.RequireLowercaseCharacters && !has(func(r rune) bool { return r >= 'a' && r <= 'z' }) {
		problems = append(problems, "Password should have at least one lowercase letter")
	}
	if p.RequireNumbers && !has(func(r rune) bool { return r >= '0' && r <= '9' }) {
		problems = append(problems, "Password should have at least one number")
	}
	if p.RequireSymbols && !has(func(r rune) bool { return strings.ContainsRune("!@#$%^&*()_+-=[]{}|'", r) }) {
		problems = append(problems, "Password should have at least one symbol")
	}
	if len(problems) > 0 {
		return newError(400, "PasswordPolicyViolation", "%s", strings.Join(problems, "\n"))
	}
	return nil
}

func iamCreateLoginProfile(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.userOrSelf(form)
	if err != nil {
		return nil, err
	}
	pw, err := iamRequired(form, "Password", "password")
	if err != nil {
		return nil, err
	}
	reset, err := iamBool(form, "PasswordResetRequired")
	if err != nil {
		return nil, err
	}
	if u.LoginProfile != nil {
		return nil, iamExists("Login Profile for user %s already exists.", u.Name)
	}
	if err := ic.checkPassword(pw); err != nil {
		return nil, err
	}
	now := ic.now.UTC().Truncate(time.Second)
	u.LoginProfile = &LoginProfile{Created: now, PasswordChanged: now, PasswordResetRequired: reset}
	return struct {
		LoginProfile iamLoginProfileOut `xml:"LoginProfile"`
	}{iamLoginProfileOut{u.Name, isoTime(now), reset}}, nil
}

func (ic *iamCall) loginProfile(form url.Values) (*IAMUser, error) {
	u, err := ic.userOrSelf(form)
	if err != nil {
		return nil, err
	}
	if u.LoginProfile == nil {
		return nil, iamNoSuchEntity("Login Profile for User %s cannot be found.", u.Name)
	}
	return u, nil
}

func iamGetLoginProfile(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.loginProfile(form)
	if err != nil {
		return nil, err
	}
	return struct {
		LoginProfile iamLoginProfileOut `xml:"LoginProfile"`
	}{iamLoginProfileOut{u.Name, isoTime(u.LoginProfile.Created), u.LoginProfile.PasswordResetRequired}}, nil
}

func iamUpdateLoginProfile(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.loginProfile(form)
	if err != nil {
		return nil, err
	}
	if _, ok := form["Password"]; ok {
		if err := ic.checkPassword(form.Get("Password")); err != nil {
			return nil, err
		}
		u.LoginProfile.PasswordChanged = ic.now.UTC().Truncate(time.Second)
	}
	if _, ok := form["PasswordResetRequired"]; ok {
		reset, err := iamBool(form, "PasswordResetRequired")
		if err != nil {
			return nil, err
		}
		u.LoginProfile.PasswordResetRequired = reset
	}
	return nil, nil
}

func iamDeleteLoginProfile(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.loginProfile(form)
	if err != nil {
		return nil, err
	}
	u.LoginProfile = nil
	return nil, nil
}

// MFA devices. The sandbox knows virtual devices; a serial number that is
// not one of the account's virtual devices is refused.

type iamVirtualMFAOut struct {
	SerialNumber     string      `xml:"SerialNumber"`
	Base32StringSeed string      `xml:"Base32StringSeed,omitempty"`
	QRCodePNG        string      `xml:"QRCodePNG,omitempty"`
	User             *iamUserOut `xml:"User,omitempty"`
	EnableDate       *isoTime    `xml:"EnableDate,omitempty"`
}

func (ic *iamCall) mfaSerial(path, name string) string {
	return fmt.Sprintf("arn:aws:iam::%s:mfa%s%s", ic.acct, path, name)
}

func (ic *iamCall) virtualMFA(serial string) *MFADevice {
	for _, d := range ic.ia.VirtualMFADevices {
		if d.Serial == serial {
			return d
		}
	}
	return nil
}

func iamCreateVirtualMFADevice(ic *iamCall, form url.Values) (any, error) {
	name, err := iamName(form, "VirtualMFADeviceName", "virtualMFADeviceName", 226)
	if err != nil {
		return nil, err
	}
	path, err := iamPath(form, "Path", "path")
	if err != nil {
		return nil, err
	}
	if _, err := iamTags(form); err != nil {
		return nil, err
	}
	serial := ic.mfaSerial(path, name)
	for _, d := range ic.ia.VirtualMFADevices {
		if strings.EqualFold(d.Serial, serial) {
			return nil, iamExists("MFADevice entity at the same path and name already exists.")
		}
	}
	d := &MFADevice{Serial: serial, Seed: ic.rand(64, upperBase32)}
	ic.ia.VirtualMFADevices = append(ic.ia.VirtualMFADevices, d)
	uri := fmt.Sprintf("otpauth://totp/Amazon%%20Web%%20Services:%s@%s?secret=%s&issuer=Amazon%%20Web%%20Services", name, ic.acct, d.Seed)
	return struct {
		VirtualMFADevice iamVirtualMFAOut `xml:"VirtualMFADevice"`
	}{iamVirtualMFAOut{SerialNumber: serial,
		Base32StringSeed: base64.StdEncoding.EncodeToString([]byte(d.Seed)),
		QRCodePNG:        base64.StdEncoding.EncodeToString(qrPlaceholderPNG(uri))}}, nil
}

func (ic *iamCall) serial(form url.Values) (string, error) {
	s, err := iamRequired(form, "SerialNumber", "serialNumber")
	if err != nil {
		return "", err
	}
	if len(s) < 9 || len(s) > 256 || !iamSerialPattern.MatchString(s) {
		return "", iamConstraint("serialNumber", s, `Member must satisfy regular expression pattern: [\w+=/:,.@-]+`)
	}
	return s, nil
}

func iamEnableMFADevice(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	serial, err := ic.serial(form)
	if err != nil {
		return nil, err
	}
	for i, p := range []string{"AuthenticationCode1", "AuthenticationCode2"} {
		code, err := iamRequired(form, p, fmt.Sprintf("authenticationCode%d", i+1))
		if err != nil {
			return nil, err
		}
		if !iamAuthCode.MatchString(code) {
			return nil, iamConstraint(fmt.Sprintf("authenticationCode%d", i+1), code, `Member must satisfy regular expression pattern: [\d]+`)
		}
	}
	d := ic.virtualMFA(serial)
	if d == nil {
		return nil, iamNoSuchEntity("VirtualMFADevice with serial number %s doesn't exist.", serial)
	}
	if d.UserName != "" {
		return nil, iamExists("MFA device %s is already in use.", serial)
	}
	if len(u.MFASerials) >= 8 {
		return nil, iamLimit("Cannot exceed quota for MFADevicesPerUser: 8")
	}
	d.UserName, d.Enabled = u.Name, ic.now.UTC().Truncate(time.Second)
	u.MFASerials = append(u.MFASerials, serial)
	return nil, nil
}

func iamDeactivateMFADevice(ic *iamCall, form url.Values) (any, error) {
	serial, err := ic.serial(form)
	if err != nil {
		return nil, err
	}
	var u *IAMUser
	if form.Get("UserName") != "" {
		if u, err = ic.user(form); err != nil {
			return nil, err
		}
	} else {
		for _, o := range ic.ia.Users {
			if slices.Contains(o.MFASerials, serial) {
				u = o
			}
		}
	}
	if u == nil || !slices.Contains(u.MFASerials, serial) {
		return nil, iamNoSuchEntity("MFA Device with serial number %s does not exist.", serial)
	}
	u.MFASerials = slices.DeleteFunc(u.MFASerials, func(s string) bool { return s == serial })
	if d := ic.virtualMFA(serial); d != nil {
		d.UserName, d.Enabled = "", time.Time{}
	}
	return nil, nil
}

func iamDeleteVirtualMFADevice(ic *iamCall, form url.Values) (any, error) {
	serial, err := ic.serial(form)
	if err != nil {
		return nil, err
	}
	d := ic.virtualMFA(serial)
	if d == nil {
		return nil, iamNoSuchEntity("VirtualMFADevice with serial number %s doesn't exist.", serial)
	}
	if d.UserName != "" {
		return nil, iamDeleteConflict("MFA device %s is in use by user %s; deactivate it first.", serial, d.UserName)
	}
	ic.ia.VirtualMFADevices = slices.DeleteFunc(ic.ia.VirtualMFADevices, func(o *MFADevice) bool { return o == d })
	return nil, nil
}

// mfaEnabled is when a user's device was enabled; seeded devices have no
// virtual-device record and count from the user's creation.
func (ic *iamCall) mfaEnabled(u *IAMUser, serial string) time.Time {
	if d := ic.virtualMFA(serial); d != nil && !d.Enabled.IsZero() {
		return d.Enabled
	}
	return u.Created
}

func iamListMFADevices(ic *iamCall, form url.Values) (any, error) {
	type device struct {
		UserName     string  `xml:"UserName"`
		SerialNumber string  `xml:"SerialNumber"`
		EnableDate   isoTime `xml:"EnableDate"`
	}
	var all []device
	if form.Get("UserName") != "" || ic.who.IAMUser != nil {
		u, err := ic.userOrSelf(form)
		if err != nil {
			return nil, err
		}
		for _, s := range u.MFASerials {
			all = append(all, device{u.Name, s, isoTime(ic.mfaEnabled(u, s))})
		}
	}
	pg, p, err := iamPage(form, all, "mfa/"+form.Get("UserName"))
	if err != nil {
		return nil, err
	}
	return struct {
		MFADevices []device `xml:"MFADevices>member"`
		iamPaging
	}{pg, p}, nil
}

func iamListVirtualMFADevices(ic *iamCall, form url.Values) (any, error) {
	status := form.Get("AssignmentStatus")
	switch status {
	case "":
		status = "Any"
	case "Assigned", "Unassigned", "Any":
	default:
		return nil, iamConstraint("assignmentStatus", status, "Member must satisfy enum value set: [Unassigned, Any, Assigned]")
	}
	var match []*MFADevice
	for _, d := range append(ic.rootVirtualMFA(), ic.ia.VirtualMFADevices...) {
		if status == "Any" || (status == "Assigned") == (d.UserName != "") {
			match = append(match, d)
		}
	}
	pg, p, err := iamPage(form, match, "vmfa/"+status)
	if err != nil {
		return nil, err
	}
	out := struct {
		VirtualMFADevices []iamVirtualMFAOut `xml:"VirtualMFADevices>member"`
		iamPaging
	}{iamPaging: p}
	for _, d := range pg {
		o := iamVirtualMFAOut{SerialNumber: d.Serial}
		if d.UserName == rootMFAUser {
			o.User, o.EnableDate = ic.rootUserOut(), isoPtr(&d.Enabled)
		} else if u := ic.findUser(d.UserName); d.UserName != "" && u != nil {
			uo := ic.userOut(u, false)
			o.User, o.EnableDate = &uo, isoPtr(&d.Enabled)
		}
		out.VirtualMFADevices = append(out.VirtualMFADevices, o)
	}
	return out, nil
}

// Groups.

type iamGroupOut struct {
	Path       string  `xml:"Path"`
	GroupName  string  `xml:"GroupName"`
	GroupId    string  `xml:"GroupId"`
	Arn        string  `xml:"Arn"`
	CreateDate isoTime `xml:"CreateDate"`
}

func (ic *iamCall) groupOut(g *IAMGroup) iamGroupOut {
	return iamGroupOut{Path: g.Path, GroupName: g.Name, GroupId: g.ID, CreateDate: isoTime(g.Created),
		Arn: fmt.Sprintf("arn:aws:iam::%s:group%s%s", ic.acct, g.Path, g.Name)}
}

func (ic *iamCall) group(form url.Values) (*IAMGroup, error) {
	name, err := iamName(form, "GroupName", "groupName", 128)
	if err != nil {
		return nil, err
	}
	for _, g := range ic.ia.Groups {
		if strings.EqualFold(g.Name, name) {
			return g, nil
		}
	}
	return nil, iamNoSuchEntity("The group with name %s cannot be found.", name)
}

func (ic *iamCall) groupMembers(g *IAMGroup) []*IAMUser {
	var out []*IAMUser
	for _, u := range ic.ia.Users {
		if slices.ContainsFunc(u.Groups, func(n string) bool { return strings.EqualFold(n, g.Name) }) {
			out = append(out, u)
		}
	}
	return out
}

func iamCreateGroup(ic *iamCall, form url.Values) (any, error) {
	name, err := iamName(form, "GroupName", "groupName", 128)
	if err != nil {
		return nil, err
	}
	path, err := iamPath(form, "Path", "path")
	if err != nil {
		return nil, err
	}
	if _, err := ic.group(form); err == nil {
		return nil, iamExists("Group with name %s already exists.", name)
	}
	if len(ic.ia.Groups) >= 300 {
		return nil, iamLimit("Cannot exceed quota for GroupsPerAccount: 300")
	}
	g := &IAMGroup{Name: name, Path: path, ID: ic.newID("AGPA", 17), Created: ic.now.UTC().Truncate(time.Second)}
	ic.ia.Groups = append(ic.ia.Groups, g)
	return struct {
		Group iamGroupOut `xml:"Group"`
	}{ic.groupOut(g)}, nil
}

func iamGetGroup(ic *iamCall, form url.Values) (any, error) {
	g, err := ic.group(form)
	if err != nil {
		return nil, err
	}
	pg, p, err := iamPage(form, ic.groupMembers(g), "group/"+g.ID)
	if err != nil {
		return nil, err
	}
	out := struct {
		Group iamGroupOut  `xml:"Group"`
		Users []iamUserOut `xml:"Users>member"`
		iamPaging
	}{Group: ic.groupOut(g), iamPaging: p}
	for _, u := range pg {
		out.Users = append(out.Users, ic.userOut(u, false))
	}
	return out, nil
}

func (ic *iamCall) groupsOut(form url.Values, groups []*IAMGroup, kind string) (any, error) {
	pg, p, err := iamPage(form, groups, kind)
	if err != nil {
		return nil, err
	}
	out := struct {
		Groups []iamGroupOut `xml:"Groups>member"`
		iamPaging
	}{iamPaging: p}
	for _, g := range pg {
		out.Groups = append(out.Groups, ic.groupOut(g))
	}
	return out, nil
}

func iamListGroups(ic *iamCall, form url.Values) (any, error) {
	prefix, err := iamPathPrefix(form)
	if err != nil {
		return nil, err
	}
	var match []*IAMGroup
	for _, g := range ic.ia.Groups {
		if strings.HasPrefix(g.Path, prefix) {
			match = append(match, g)
		}
	}
	return ic.groupsOut(form, match, "groups"+prefix)
}

func iamListGroupsForUser(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	var match []*IAMGroup
	for _, g := range ic.ia.Groups {
		if slices.ContainsFunc(u.Groups, func(n string) bool { return strings.EqualFold(n, g.Name) }) {
			match = append(match, g)
		}
	}
	return ic.groupsOut(form, match, "user-groups/"+u.ID)
}

func iamDeleteGroup(ic *iamCall, form url.Values) (any, error) {
	g, err := ic.group(form)
	if err != nil {
		return nil, err
	}
	switch {
	case len(ic.groupMembers(g)) > 0:
		return nil, iamDeleteConflict("Cannot delete entity, must remove users from group first.")
	case len(g.InlinePolicies) > 0:
		return nil, iamDeleteConflict("Cannot delete entity, must delete policies first.")
	case len(g.AttachedPolicies) > 0:
		return nil, iamDeleteConflict("Cannot delete entity, must detach all policies first.")
	}
	ic.ia.Groups = slices.DeleteFunc(ic.ia.Groups, func(o *IAMGroup) bool { return o == g })
	return nil, nil
}

func iamAddUserToGroup(ic *iamCall, form url.Values) (any, error) {
	g, err := ic.group(form)
	if err != nil {
		return nil, err
	}
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	if slices.ContainsFunc(u.Groups, func(n string) bool { return strings.EqualFold(n, g.Name) }) {
		return nil, nil // AWS accepts a repeated add.
	}
	if len(u.Groups) >= 10 {
		return nil, iamLimit("Cannot exceed quota for GroupsPerUser: 10")
	}
	u.Groups = append(u.Groups, g.Name)
	return nil, nil
}

func iamRemoveUserFromGroup(ic *iamCall, form url.Values) (any, error) {
	g, err := ic.group(form)
	if err != nil {
		return nil, err
	}
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	in := func(n string) bool { return strings.EqualFold(n, g.Name) }
	if !slices.ContainsFunc(u.Groups, in) {
		return nil, iamNoSuchEntity("User %s is not in group %s.", u.Name, g.Name)
	}
	u.Groups = slices.DeleteFunc(u.Groups, in)
	return nil, nil
}

// Policies. The sandbox carries a few AWS-managed policies; attaching any
// other well-formed arn:aws:iam::aws:policy/... is accepted too, since the
// sandbox does not hold AWS's whole catalogue.

type awsManagedPolicy struct {
	name, id, path, document string
}

var awsManagedPolicies = []awsManagedPolicy{
	{"AdministratorAccess", "ANPAIWMBCKSKIEE64ZLYK", "/", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`},
	{"PowerUserAccess", "ANPAJYRXTHIB4FOVS3ZXS", "/", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*","account:*"],"Resource":"*"}]}`},
	{"ReadOnlyAccess", "ANPAILL3HVNFSB6DCOWYQ", "/", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["*:Describe*","*:Get*","*:List*"],"Resource":"*"}]}`},
	{"IAMUserChangePassword", "ANPAJ4L4MM2A7QIEB56MS", "/", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ChangePassword"],"Resource":["arn:aws:iam::*:user/${aws:username}"]},{"Effect":"Allow","Action":["iam:GetAccountPasswordPolicy"],"Resource":"*"}]}`},
}

type iamPolicyOut struct {
	PolicyName                    string  `xml:"PolicyName"`
	PolicyId                      string  `xml:"PolicyId"`
	Arn                           string  `xml:"Arn"`
	Path                          string  `xml:"Path"`
	DefaultVersionId              string  `xml:"DefaultVersionId"`
	AttachmentCount               int     `xml:"AttachmentCount"`
	PermissionsBoundaryUsageCount int     `xml:"PermissionsBoundaryUsageCount"`
	IsAttachable                  bool    `xml:"IsAttachable"`
	CreateDate                    isoTime `xml:"CreateDate"`
	UpdateDate                    isoTime `xml:"UpdateDate"`
	Tags                          []Tag   `xml:"Tags>member,omitempty"`
}

// policyRef is a managed policy as the sandbox sees it: a customer policy of
// the account or an AWS-managed one.
type policyRef struct {
	arn, name, id, path string
	created             time.Time
	customer            *IAMPolicy
}

// awsEpoch is the creation date the sandbox gives AWS-managed policies.
var awsEpoch = time.Date(2015, 2, 6, 18, 39, 46, 0, time.UTC)

func (ic *iamCall) policyByARN(arn string) (*policyRef, error) {
	m := iamPolicyARN.FindStringSubmatch(arn)
	if m == nil || len(arn) < 20 || len(arn) > 2048 {
		return nil, iamInvalidInput("ARN %s is not valid.", truncate(arn, 2048))
	}
	if m[1] == "aws" {
		for _, p := range awsManagedPolicies {
			if p.name == m[3] && p.path == m[2] {
				return &policyRef{arn: arn, name: p.name, id: p.id, path: p.path, created: awsEpoch}, nil
			}
		}
		return &policyRef{arn: arn, name: m[3], id: "ANPA" + stableID(arn, 17), path: m[2], created: awsEpoch}, nil
	}
	for _, p := range ic.ia.Policies {
		if p.ARN == arn && m[1] == ic.acct {
			return &policyRef{arn: arn, name: p.Name, id: p.ID, path: p.Path, created: p.Created, customer: p}, nil
		}
	}
	return nil, iamNoSuchEntity("Policy %s does not exist or is not attachable.", arn)
}

func (ic *iamCall) attachments(arn string) int {
	n := 0
	for _, u := range ic.ia.Users {
		if slices.Contains(u.AttachedPolicies, arn) {
			n++
		}
	}
	for _, g := range ic.ia.Groups {
		if slices.Contains(g.AttachedPolicies, arn) {
			n++
		}
	}
	return n
}

func (ic *iamCall) policyOut(p *policyRef) iamPolicyOut {
	return iamPolicyOut{PolicyName: p.name, PolicyId: p.id, Arn: p.arn, Path: p.path, DefaultVersionId: "v1",
		AttachmentCount: ic.attachments(p.arn), IsAttachable: true, CreateDate: isoTime(p.created), UpdateDate: isoTime(p.created)}
}

// validatePolicy checks an identity-based policy document the way IAM's
// parser rejects the common mistakes.
func validatePolicy(doc string, maxLen int) error {
	if len(doc) < 1 || len(doc) > 131072 {
		return iamConstraint("policyDocument", truncate(doc, 64), "Member must have length less than or equal to 131072 and greater than or equal to 1")
	}
	var p struct {
		Version   *string         `json:"Version"`
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return iamMalformedPolicy("Syntax errors in policy.")
	}
	if p.Version != nil && *p.Version != "2012-10-17" && *p.Version != "2008-10-17" {
		return iamMalformedPolicy("The policy failed legacy parsing")
	}
	if len(p.Statement) == 0 || string(p.Statement) == "null" {
		return iamMalformedPolicy("Missing required field Statement")
	}
	var stmts []map[string]json.RawMessage
	if err := json.Unmarshal(p.Statement, &stmts); err != nil {
		var one map[string]json.RawMessage
		if err := json.Unmarshal(p.Statement, &one); err != nil {
			return iamMalformedPolicy("Syntax errors in policy.")
		}
		stmts = append(stmts, one)
	}
	for _, s := range stmts {
		var effect string
		if err := json.Unmarshal(s["Effect"], &effect); err != nil {
			return iamMalformedPolicy("Missing required field Effect")
		}
		if effect != "Allow" && effect != "Deny" {
			return iamMalformedPolicy("Invalid effect: %s", effect)
		}
		if s["Principal"] != nil || s["NotPrincipal"] != nil {
			return iamMalformedPolicy("Policy document should not specify a principal.")
		}
		if s["Action"] == nil && s["NotAction"] == nil {
			return iamMalformedPolicy("Policy statement must contain actions.")
		}
		if s["Resource"] == nil && s["NotResource"] == nil {
			return iamMalformedPolicy("Policy statement must contain resources.")
		}
	}
	if n := policySize(doc); n > maxLen {
		return iamLimit("Cannot exceed quota for PolicySize: %d", maxLen)
	}
	return nil
}

// policySize counts a document as IAM does: without white space.
func policySize(doc string) int {
	return len(strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\t' || r == '\r' {
			return -1
		}
		return r
	}, doc))
}

func iamCreatePolicy(ic *iamCall, form url.Values) (any, error) {
	name, err := iamName(form, "PolicyName", "policyName", 128)
	if err != nil {
		return nil, err
	}
	path, err := iamPath(form, "Path", "path")
	if err != nil {
		return nil, err
	}
	doc, err := iamRequired(form, "PolicyDocument", "policyDocument")
	if err != nil {
		return nil, err
	}
	if _, err := iamTags(form); err != nil {
		return nil, err
	}
	if err := validatePolicy(doc, 6144); err != nil {
		return nil, err
	}
	arn := fmt.Sprintf("arn:aws:iam::%s:policy%s%s", ic.acct, path, name)
	for _, p := range ic.ia.Policies {
		if strings.EqualFold(p.Name, name) {
			return nil, iamExists("A policy called %s already exists. Duplicate names are not allowed.", name)
		}
	}
	if len(ic.ia.Policies) >= 1500 {
		return nil, iamLimit("Cannot exceed quota for PoliciesPerAccount: 1500")
	}
	p := &IAMPolicy{Name: name, ID: ic.newID("ANPA", 17), ARN: arn, Path: path, Document: doc, Created: ic.now.UTC().Truncate(time.Second)}
	ic.ia.Policies = append(ic.ia.Policies, p)
	return struct {
		Policy iamPolicyOut `xml:"Policy"`
	}{ic.policyOut(&policyRef{arn: arn, name: name, id: p.ID, path: path, created: p.Created, customer: p})}, nil
}

func iamGetPolicy(ic *iamCall, form url.Values) (any, error) {
	arn, err := iamRequired(form, "PolicyArn", "policyArn")
	if err != nil {
		return nil, err
	}
	p, err := ic.policyByARN(arn)
	if err != nil {
		return nil, err
	}
	return struct {
		Policy iamPolicyOut `xml:"Policy"`
	}{ic.policyOut(p)}, nil
}

func iamDeletePolicy(ic *iamCall, form url.Values) (any, error) {
	arn, err := iamRequired(form, "PolicyArn", "policyArn")
	if err != nil {
		return nil, err
	}
	p, err := ic.policyByARN(arn)
	if err != nil {
		return nil, err
	}
	if p.customer == nil {
		return nil, newError(403, "AccessDenied", "User: %s is not authorized to perform: iam:DeletePolicy on resource: policy %s", ic.who.ARN, arn)
	}
	if ic.attachments(arn) > 0 {
		return nil, iamDeleteConflict("Cannot delete a policy attached to entities.")
	}
	ic.ia.Policies = slices.DeleteFunc(ic.ia.Policies, func(o *IAMPolicy) bool { return o == p.customer })
	return nil, nil
}

func iamListPolicies(ic *iamCall, form url.Values) (any, error) {
	scope := form.Get("Scope")
	switch scope {
	case "":
		scope = "All"
	case "All", "AWS", "Local":
	default:
		return nil, iamConstraint("scope", scope, "Member must satisfy enum value set: [All, AWS, Local]")
	}
	prefix, err := iamPathPrefix(form)
	if err != nil {
		return nil, err
	}
	onlyAttached, err := iamBool(form, "OnlyAttached")
	if err != nil {
		return nil, err
	}
	var all []*policyRef
	if scope != "Local" {
		for _, p := range awsManagedPolicies {
			arn := "arn:aws:iam::aws:policy" + p.path + p.name
			all = append(all, &policyRef{arn: arn, name: p.name, id: p.id, path: p.path, created: awsEpoch})
		}
	}
	if scope != "AWS" {
		for _, p := range ic.ia.Policies {
			all = append(all, &policyRef{arn: p.ARN, name: p.Name, id: p.ID, path: p.Path, created: p.Created, customer: p})
		}
	}
	var match []iamPolicyOut
	for _, p := range all {
		o := ic.policyOut(p)
		if strings.HasPrefix(p.path, prefix) && (!onlyAttached || o.AttachmentCount > 0) {
			match = append(match, o)
		}
	}
	pg, pgn, err := iamPage(form, match, fmt.Sprintf("policies/%s/%t/%s", scope, onlyAttached, prefix))
	if err != nil {
		return nil, err
	}
	return struct {
		Policies []iamPolicyOut `xml:"Policies>member"`
		iamPaging
	}{pg, pgn}, nil
}

func iamAttachUserPolicy(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	arn, err := iamRequired(form, "PolicyArn", "policyArn")
	if err != nil {
		return nil, err
	}
	if _, err := ic.policyByARN(arn); err != nil {
		return nil, err
	}
	if slices.Contains(u.AttachedPolicies, arn) {
		return nil, nil
	}
	if len(u.AttachedPolicies) >= 10 {
		return nil, iamLimit("Cannot exceed quota for PoliciesPerUser: 10")
	}
	u.AttachedPolicies = append(u.AttachedPolicies, arn)
	return nil, nil
}

func iamDetachUserPolicy(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	arn, err := iamRequired(form, "PolicyArn", "policyArn")
	if err != nil {
		return nil, err
	}
	if !iamPolicyARN.MatchString(arn) {
		return nil, iamInvalidInput("ARN %s is not valid.", truncate(arn, 2048))
	}
	if !slices.Contains(u.AttachedPolicies, arn) {
		return nil, iamNoSuchEntity("Policy %s was not found.", arn)
	}
	u.AttachedPolicies = slices.DeleteFunc(u.AttachedPolicies, func(a string) bool { return a == arn })
	return nil, nil
}

func iamListAttachedUserPolicies(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	prefix, err := iamPathPrefix(form)
	if err != nil {
		return nil, err
	}
	type attached struct {
		PolicyName string `xml:"PolicyName"`
		PolicyArn  string `xml:"PolicyArn"`
	}
	var match []attached
	for _, arn := range u.AttachedPolicies {
		m := iamPolicyARN.FindStringSubmatch(arn)
		if m != nil && strings.HasPrefix(m[2], prefix) {
			match = append(match, attached{m[3], arn})
		}
	}
	pg, p, err := iamPage(form, match, "attached/"+u.ID+prefix)
	if err != nil {
		return nil, err
	}
	return struct {
		AttachedPolicies []attached `xml:"AttachedPolicies>member"`
		iamPaging
	}{pg, p}, nil
}

func iamPutUserPolicy(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	name, err := iamName(form, "PolicyName", "policyName", 128)
	if err != nil {
		return nil, err
	}
	doc, err := iamRequired(form, "PolicyDocument", "policyDocument")
	if err != nil {
		return nil, err
	}
	if err := validatePolicy(doc, 2048); err != nil {
		return nil, err
	}
	total := policySize(doc)
	for _, p := range u.InlinePolicies {
		if !strings.EqualFold(p.Name, name) {
			total += policySize(p.Document)
		}
	}
	if total > 2048 {
		return nil, iamLimit("Maximum policy size of 2048 bytes exceeded for user %s", u.Name)
	}
	for i, p := range u.InlinePolicies {
		if strings.EqualFold(p.Name, name) {
			u.InlinePolicies[i].Document = doc
			return nil, nil
		}
	}
	u.InlinePolicies = append(u.InlinePolicies, InlinePolicy{Name: name, Document: doc})
	return nil, nil
}

func (ic *iamCall) inlinePolicy(form url.Values) (*IAMUser, int, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, 0, err
	}
	name, err := iamName(form, "PolicyName", "policyName", 128)
	if err != nil {
		return nil, 0, err
	}
	i := slices.IndexFunc(u.InlinePolicies, func(p InlinePolicy) bool { return strings.EqualFold(p.Name, name) })
	if i < 0 {
		return nil, 0, iamNoSuchEntity("The user policy with name %s cannot be found.", name)
	}
	return u, i, nil
}

// rfc3986 percent-encodes a policy document as IAM returns it.
func rfc3986(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

func iamGetUserPolicy(ic *iamCall, form url.Values) (any, error) {
	u, i, err := ic.inlinePolicy(form)
	if err != nil {
		return nil, err
	}
	p := u.InlinePolicies[i]
	return struct {
		UserName       string `xml:"UserName"`
		PolicyName     string `xml:"PolicyName"`
		PolicyDocument string `xml:"PolicyDocument"`
	}{u.Name, p.Name, rfc3986(p.Document)}, nil
}

func iamDeleteUserPolicy(ic *iamCall, form url.Values) (any, error) {
	u, i, err := ic.inlinePolicy(form)
	if err != nil {
		return nil, err
	}
	u.InlinePolicies = slices.Delete(u.InlinePolicies, i, i+1)
	return nil, nil
}

func iamListUserPolicies(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, p := range u.InlinePolicies {
		names = append(names, p.Name)
	}
	pg, p, err := iamPage(form, names, "inline/"+u.ID)
	if err != nil {
		return nil, err
	}
	return struct {
		PolicyNames []string `xml:"PolicyNames>member"`
		iamPaging
	}{pg, p}, nil
}

// Signing certificates.

type iamCertOut struct {
	UserName        string  `xml:"UserName"`
	CertificateId   string  `xml:"CertificateId"`
	CertificateBody string  `xml:"CertificateBody"`
	Status          string  `xml:"Status"`
	UploadDate      isoTime `xml:"UploadDate"`
}

func iamUploadSigningCertificate(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.userOrSelf(form)
	if err != nil {
		return nil, err
	}
	body, err := iamRequired(form, "CertificateBody", "certificateBody")
	if err != nil {
		return nil, err
	}
	if len(body) > 16384 {
		return nil, iamConstraint("certificateBody", truncate(body, 64), "Member must have length less than or equal to 16384 and greater than or equal to 1")
	}
	block, _ := pem.Decode([]byte(strings.TrimSpace(body)))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, newError(400, "MalformedCertificate", "Certificate body is not a PEM-encoded X.509 certificate.")
	}
	if _, err := x509.ParseCertificate(block.Bytes); err != nil {
		return nil, newError(400, "MalformedCertificate", "Unable to parse certificate: %v", err)
	}
	for _, c := range u.SigningCerts {
		if strings.TrimSpace(c.Body) == strings.TrimSpace(body) {
			return nil, newError(409, "DuplicateCertificate", "The request was rejected because the same certificate is associated with an IAM user in the account.")
		}
	}
	if len(u.SigningCerts) >= 2 {
		return nil, iamLimit("Cannot exceed quota for SigningCertificatesPerUser: 2")
	}
	c := &SigningCert{ID: ic.rand(32, upperBase32), Body: body, Status: "Active", Created: ic.now.UTC().Truncate(time.Second)}
	u.SigningCerts = append(u.SigningCerts, c)
	return struct {
		Certificate iamCertOut `xml:"Certificate"`
	}{iamCertOut{u.Name, c.ID, c.Body, c.Status, isoTime(c.Created)}}, nil
}

func iamListSigningCertificates(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.userOrSelf(form)
	if err != nil {
		return nil, err
	}
	pg, p, err := iamPage(form, u.SigningCerts, "certs/"+u.ID)
	if err != nil {
		return nil, err
	}
	out := struct {
		Certificates []iamCertOut `xml:"Certificates>member"`
		iamPaging
	}{iamPaging: p}
	for _, c := range pg {
		out.Certificates = append(out.Certificates, iamCertOut{u.Name, c.ID, c.Body, c.Status, isoTime(c.Created)})
	}
	return out, nil
}

func (ic *iamCall) signingCert(form url.Values) (*IAMUser, *SigningCert, error) {
	u, err := ic.userOrSelf(form)
	if err != nil {
		return nil, nil, err
	}
	id, err := iamRequired(form, "CertificateId", "certificateId")
	if err != nil {
		return nil, nil, err
	}
	if len(id) < 24 || len(id) > 128 || !iamCertIDPattern.MatchString(id) {
		return nil, nil, iamConstraint("certificateId", id, `Member must satisfy regular expression pattern: [\w]+`)
	}
	for _, c := range u.SigningCerts {
		if c.ID == id {
			return u, c, nil
		}
	}
	return nil, nil, iamNoSuchEntity("The Certificate with id %s cannot be found.", id)
}

func iamUpdateSigningCertificate(ic *iamCall, form url.Values) (any, error) {
	_, c, err := ic.signingCert(form)
	if err != nil {
		return nil, err
	}
	st, err := iamStatus(form)
	if err != nil {
		return nil, err
	}
	c.Status = st
	return nil, nil
}

func iamDeleteSigningCertificate(ic *iamCall, form url.Values) (any, error) {
	u, c, err := ic.signingCert(form)
	if err != nil {
		return nil, err
	}
	u.SigningCerts = slices.DeleteFunc(u.SigningCerts, func(o *SigningCert) bool { return o == c })
	return nil, nil
}

// SSH public keys (for CodeCommit).

type iamSSHKeyOut struct {
	UserName         string  `xml:"UserName"`
	SSHPublicKeyId   string  `xml:"SSHPublicKeyId"`
	Fingerprint      string  `xml:"Fingerprint,omitempty"`
	SSHPublicKeyBody string  `xml:"SSHPublicKeyBody,omitempty"`
	Status           string  `xml:"Status"`
	UploadDate       isoTime `xml:"UploadDate"`
}

// sshFingerprint is the MD5 fingerprint of an OpenSSH public key
// ("ssh-rsa AAAA... comment"), colon-separated as IAM shows it.
func sshFingerprint(body string) (string, bool) {
	f := strings.Fields(body)
	if len(f) < 2 || !strings.HasPrefix(f[0], "ssh-") && !strings.HasPrefix(f[0], "ecdsa-") {
		return "", false
	}
	blob, err := base64.StdEncoding.DecodeString(f[1])
	if err != nil || len(blob) < 4+len(f[0]) || string(blob[4:4+len(f[0])]) != f[0] {
		return "", false
	}
	sum := md5.Sum(blob)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02x", b)
	}
	return strings.Join(parts, ":"), true
}

func iamUploadSSHPublicKey(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	body, err := iamRequired(form, "SSHPublicKeyBody", "sSHPublicKeyBody")
	if err != nil {
		return nil, err
	}
	if len(body) > 16384 {
		return nil, iamConstraint("sSHPublicKeyBody", truncate(body, 64), "Member must have length less than or equal to 16384 and greater than or equal to 1")
	}
	fp, ok := sshFingerprint(body)
	if !ok {
		return nil, newError(400, "UnrecognizedPublicKeyEncoding", "The public key encoding format is unsupported or unrecognized.")
	}
	for _, k := range u.SSHKeys {
		if k.Fingerprint == fp {
			return nil, newError(400, "DuplicateSSHPublicKey", "The SSH public key is already associated with the specified IAM user.")
		}
	}
	if len(u.SSHKeys) >= 5 {
		return nil, iamLimit("Cannot exceed quota for SSHPublicKeysPerUser: 5")
	}
	k := &SSHKey{ID: ic.newID("APKA", 16), Body: body, Fingerprint: fp, Status: "Active", Uploaded: ic.now.UTC().Truncate(time.Second)}
	u.SSHKeys = append(u.SSHKeys, k)
	return struct {
		SSHPublicKey iamSSHKeyOut `xml:"SSHPublicKey"`
	}{iamSSHKeyOut{u.Name, k.ID, k.Fingerprint, k.Body, k.Status, isoTime(k.Uploaded)}}, nil
}

func iamListSSHPublicKeys(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.userOrSelf(form)
	if err != nil {
		return nil, err
	}
	pg, p, err := iamPage(form, u.SSHKeys, "ssh/"+u.ID)
	if err != nil {
		return nil, err
	}
	out := struct {
		SSHPublicKeys []iamSSHKeyOut `xml:"SSHPublicKeys>member"`
		iamPaging
	}{iamPaging: p}
	for _, k := range pg {
		out.SSHPublicKeys = append(out.SSHPublicKeys, iamSSHKeyOut{UserName: u.Name, SSHPublicKeyId: k.ID, Status: k.Status, UploadDate: isoTime(k.Uploaded)})
	}
	return out, nil
}

func (ic *iamCall) sshKey(form url.Values) (*IAMUser, *SSHKey, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, nil, err
	}
	id, err := iamRequired(form, "SSHPublicKeyId", "sSHPublicKeyId")
	if err != nil {
		return nil, nil, err
	}
	for _, k := range u.SSHKeys {
		if k.ID == id {
			return u, k, nil
		}
	}
	return nil, nil, iamNoSuchEntity("The Public Key with id %s cannot be found.", truncate(id, 128))
}

func iamGetSSHPublicKey(ic *iamCall, form url.Values) (any, error) {
	u, k, err := ic.sshKey(form)
	if err != nil {
		return nil, err
	}
	switch enc := form.Get("Encoding"); enc {
	case "SSH":
	case "PEM":
		return nil, newError(409, "UnrecognizedPublicKeyEncoding", "The sandbox returns SSH public keys in SSH encoding only; ask with Encoding=SSH.")
	default:
		return nil, iamConstraint("encoding", enc, "Member must satisfy enum value set: [SSH, PEM]")
	}
	return struct {
		SSHPublicKey iamSSHKeyOut `xml:"SSHPublicKey"`
	}{iamSSHKeyOut{u.Name, k.ID, k.Fingerprint, k.Body, k.Status, isoTime(k.Uploaded)}}, nil
}

func iamUpdateSSHPublicKey(ic *iamCall, form url.Values) (any, error) {
	_, k, err := ic.sshKey(form)
	if err != nil {
		return nil, err
	}
	st, err := iamStatus(form)
	if err != nil {
		return nil, err
	}
	k.Status = st
	return nil, nil
}

func iamDeleteSSHPublicKey(ic *iamCall, form url.Values) (any, error) {
	u, k, err := ic.sshKey(form)
	if err != nil {
		return nil, err
	}
	u.SSHKeys = slices.DeleteFunc(u.SSHKeys, func(o *SSHKey) bool { return o == k })
	return nil, nil
}

// Service-specific credentials.

var serviceCredServices = []string{"codecommit.amazonaws.com", "cassandra.amazonaws.com", "bedrock.amazonaws.com"}

type iamServiceCredOut struct {
	CreateDate                  isoTime `xml:"CreateDate"`
	ServiceName                 string  `xml:"ServiceName"`
	ServiceUserName             string  `xml:"ServiceUserName"`
	ServicePassword             string  `xml:"ServicePassword,omitempty"`
	ServiceSpecificCredentialId string  `xml:"ServiceSpecificCredentialId"`
	UserName                    string  `xml:"UserName"`
	Status                      string  `xml:"Status"`
}

func serviceCredOut(u *IAMUser, c *ServiceCred, withPassword bool) iamServiceCredOut {
	o := iamServiceCredOut{CreateDate: isoTime(c.Created), ServiceName: c.ServiceName, ServiceUserName: c.UserName,
		ServiceSpecificCredentialId: c.ID, UserName: u.Name, Status: c.Status}
	if withPassword {
		o.ServicePassword = c.Password
	}
	return o
}

func serviceCredPassword() string {
	return strings.NewReplacer("-", "+", "_", "/").Replace(secret(33))
}

func iamCreateServiceCred(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	svc, err := iamRequired(form, "ServiceName", "serviceName")
	if err != nil {
		return nil, err
	}
	if !slices.Contains(serviceCredServices, svc) {
		return nil, newError(404, "NotSupportedService", "The specified service %s is not supported; use one of %s.", truncate(svc, 100), strings.Join(serviceCredServices, ", "))
	}
	n := 0
	for _, c := range u.ServiceCreds {
		if c.ServiceName == svc {
			n++
		}
	}
	if n >= 2 {
		return nil, iamLimit("Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2")
	}
	c := &ServiceCred{ID: ic.newID("ACCA", 17), ServiceName: svc, UserName: fmt.Sprintf("%s-at-%s", u.Name, ic.acct),
		Password: serviceCredPassword(), Status: "Active", Created: ic.now.UTC().Truncate(time.Second)}
	u.ServiceCreds = append(u.ServiceCreds, c)
	return struct {
		ServiceSpecificCredential iamServiceCredOut `xml:"ServiceSpecificCredential"`
	}{serviceCredOut(u, c, true)}, nil
}

func iamListServiceCreds(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.userOrSelf(form)
	if err != nil {
		return nil, err
	}
	svc := form.Get("ServiceName")
	if svc != "" && !iamSvcNamePattern.MatchString(svc) {
		return nil, iamConstraint("serviceName", svc, `Member must satisfy regular expression pattern: [\w.-]+`)
	}
	out := struct {
		ServiceSpecificCredentials []iamServiceCredOut `xml:"ServiceSpecificCredentials>member"`
	}{}
	for _, c := range u.ServiceCreds {
		if svc == "" || c.ServiceName == svc {
			out.ServiceSpecificCredentials = append(out.ServiceSpecificCredentials, serviceCredOut(u, c, false))
		}
	}
	return out, nil
}

func (ic *iamCall) serviceCred(form url.Values) (*IAMUser, *ServiceCred, error) {
	u, err := ic.userOrSelf(form)
	if err != nil {
		return nil, nil, err
	}
	id, err := iamRequired(form, "ServiceSpecificCredentialId", "serviceSpecificCredentialId")
	if err != nil {
		return nil, nil, err
	}
	for _, c := range u.ServiceCreds {
		if c.ID == id {
			return u, c, nil
		}
	}
	return nil, nil, iamNoSuchEntity("No such credential %s exists", truncate(id, 128))
}

func iamUpdateServiceCred(ic *iamCall, form url.Values) (any, error) {
	_, c, err := ic.serviceCred(form)
	if err != nil {
		return nil, err
	}
	st, err := iamStatus(form)
	if err != nil {
		return nil, err
	}
	c.Status = st
	return nil, nil
}

func iamDeleteServiceCred(ic *iamCall, form url.Values) (any, error) {
	u, c, err := ic.serviceCred(form)
	if err != nil {
		return nil, err
	}
	u.ServiceCreds = slices.DeleteFunc(u.ServiceCreds, func(o *ServiceCred) bool { return o == c })
	return nil, nil
}

func iamResetServiceCred(ic *iamCall, form url.Values) (any, error) {
	u, c, err := ic.serviceCred(form)
	if err != nil {
		return nil, err
	}
	c.Password = serviceCredPassword()
	return struct {
		ServiceSpecificCredential iamServiceCredOut `xml:"ServiceSpecificCredential"`
	}{serviceCredOut(u, c, true)}, nil
}

// Password policy.

type iamPasswordPolicyOut struct {
	MinimumPasswordLength      int  `xml:"MinimumPasswordLength"`
	RequireSymbols             bool `xml:"RequireSymbols"`
	RequireNumbers             bool `xml:"RequireNumbers"`
	RequireUppercaseCharacters bool `xml:"RequireUppercaseCharacters"`
	RequireLowercaseCharacters bool `xml:"RequireLowercaseCharacters"`
	AllowUsersToChangePassword bool `xml:"AllowUsersToChangePassword"`
	ExpirePasswords            bool `xml:"ExpirePasswords"`
	MaxPasswordAge             int  `xml:"MaxPasswordAge,omitempty"`
	PasswordReusePrevention    int  `xml:"PasswordReusePrevention,omitempty"`
	HardExpiry                 bool `xml:"HardExpiry,omitempty"`
}

func iamGetPasswordPolicy(ic *iamCall, _ url.Values) (any, error) {
	p := ic.ia.PasswordPolicy
	if p == nil {
		return nil, iamNoSuchEntity("The Password Policy with domain name %s cannot be found.", ic.acct)
	}
	return struct {
		PasswordPolicy iamPasswordPolicyOut `xml:"PasswordPolicy"`
	}{iamPasswordPolicyOut{p.MinimumPasswordLength, p.RequireSymbols, p.RequireNumbers, p.RequireUppercaseCharacters,
		p.RequireLowercaseCharacters, p.AllowUsersToChangePassword, p.MaxPasswordAge > 0, p.MaxPasswordAge,
		p.PasswordReusePrevention, p.HardExpiry}}, nil
}

// iamUpdatePasswordPolicy replaces the policy: omitted fields take AWS's
// defaults (length 6, everything else off), as the API documents.
func iamUpdatePasswordPolicy(ic *iamCall, form url.Values) (any, error) {
	p := &PasswordPolicy{}
	ints := []struct {
		param, field string
		def, lo, hi  int
		dst          *int
	}{
		{"MinimumPasswordLength", "minimumPasswordLength", 6, 6, 128, &p.MinimumPasswordLength},
		{"MaxPasswordAge", "maxPasswordAge", 0, 1, 1095, &p.MaxPasswordAge},
		{"PasswordReusePrevention", "passwordReusePrevention", 0, 1, 24, &p.PasswordReusePrevention},
	}
	var problems []string
	for _, f := range ints {
		n, err := formInt(form, f.param, f.def)
		if err != nil {
			return nil, iamConstraint(f.field, form.Get(f.param), "Member must be an integer")
		}
		if _, set := form[f.param]; set && (n < f.lo || n > f.hi) {
			problems = append(problems, fmt.Sprintf("Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to %d and greater than or equal to %d", n, f.field, f.hi, f.lo))
		}
		*f.dst = n
	}
	if len(problems) > 0 {
		return nil, iamValidation("%d validation error%s detected: %s", len(problems), map[bool]string{true: "s"}[len(problems) > 1], strings.Join(problems, "; "))
	}
	for _, b := range []struct {
		param string
		dst   *bool
	}{
		{"RequireSymbols", &p.RequireSymbols}, {"RequireNumbers", &p.RequireNumbers},
		{"RequireUppercaseCharacters", &p.RequireUppercaseCharacters}, {"RequireLowercaseCharacters", &p.RequireLowercaseCharacters},
		{"AllowUsersToChangePassword", &p.AllowUsersToChangePassword}, {"HardExpiry", &p.HardExpiry},
	} {
		v, err := iamBool(form, b.param)
		if err != nil {
			return nil, err
		}
		*b.dst = v
	}
	ic.ia.PasswordPolicy = p
	return nil, nil
}

func iamDeletePasswordPolicy(ic *iamCall, _ url.Values) (any, error) {
	if ic.ia.PasswordPolicy == nil {
		return nil, iamNoSuchEntity("The account policy with name PasswordPolicy cannot be found.")
	}
	ic.ia.PasswordPolicy = nil
	return nil, nil
}

// Account aliases: one per account, unique across accounts.

func iamAlias(form url.Values) (string, error) {
	a, err := iamRequired(form, "AccountAlias", "accountAlias")
	if err != nil {
		return "", err
	}
	if len(a) < 3 || len(a) > 63 {
		return "", iamConstraint("accountAlias", a, "Member must have length less than or equal to 63 and greater than or equal to 3")
	}
	if !iamAliasPattern.MatchString(a) {
		return "", iamConstraint("accountAlias", a, `Member must satisfy regular expression pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`)
	}
	return a, nil
}

func iamCreateAccountAlias(ic *iamCall, form url.Values) (any, error) {
	a, err := iamAlias(form)
	if err != nil {
		return nil, err
	}
	for id, other := range ic.w.IAM {
		if id != ic.acct && slices.Contains(other.Aliases, a) {
			return nil, iamExists("The account alias %s already exists.", a)
		}
	}
	// An account has at most one alias: a new one replaces it.
	ic.ia.Aliases = []string{a}
	return nil, nil
}

func iamListAccountAliases(ic *iamCall, form url.Values) (any, error) {
	pg, p, err := iamPage(form, ic.ia.Aliases, "aliases")
	if err != nil {
		return nil, err
	}
	return struct {
		AccountAliases []string `xml:"AccountAliases>member"`
		iamPaging
	}{pg, p}, nil
}

func iamDeleteAccountAlias(ic *iamCall, form url.Values) (any, error) {
	a, err := iamAlias(form)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(ic.ia.Aliases, a) {
		return nil, iamNoSuchEntity("The account alias %s cannot be found.", a)
	}
	ic.ia.Aliases = slices.DeleteFunc(ic.ia.Aliases, func(o string) bool { return o == a })
	return nil, nil
}

// Roles (read-only: the roles provisioning and Organizations create).

type iamRoleOut struct {
	Path                     string  `xml:"Path"`
	RoleName                 string  `xml:"RoleName"`
	RoleId                   string  `xml:"RoleId"`
	Arn                      string  `xml:"Arn"`
	CreateDate               isoTime `xml:"CreateDate"`
	AssumeRolePolicyDocument string  `xml:"AssumeRolePolicyDocument"`
	MaxSessionDuration       int     `xml:"MaxSessionDuration"`
}

func (ic *iamCall) roleOut(r *IAMRole) iamRoleOut {
	trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":"sts:AssumeRole"}]}`, ic.w.managementAccountID())
	if strings.HasPrefix(r.Name, "AWSReservedSSO_") {
		trust = fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::%s:saml-provider/AWSSSO_%s_DO_NOT_DELETE"},"Action":["sts:AssumeRoleWithSAML","sts:TagSession"],"Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}]}`,
			ic.acct, strings.ToLower(stableID(ic.acct, 16)))
	}
	return iamRoleOut{Path: r.Path, RoleName: r.Name, RoleId: r.ID, CreateDate: isoTime(r.Created),
		Arn: fmt.Sprintf("arn:aws:iam::%s:role%s%s", ic.acct, r.Path, r.Name), AssumeRolePolicyDocument: rfc3986(trust), MaxSessionDuration: 3600}
}

func iamListRoles(ic *iamCall, form url.Values) (any, error) {
	prefix, err := iamPathPrefix(form)
	if err != nil {
		return nil, err
	}
	var match []*IAMRole
	for _, r := range ic.ia.Roles {
		if strings.HasPrefix(r.Path, prefix) {
			match = append(match, r)
		}
	}
	pg, p, err := iamPage(form, match, "roles"+prefix)
	if err != nil {
		return nil, err
	}
	out := struct {
		Roles []iamRoleOut `xml:"Roles>member"`
		iamPaging
	}{iamPaging: p}
	for _, r := range pg {
		out.Roles = append(out.Roles, ic.roleOut(r))
	}
	return out, nil
}

func iamGetRole(ic *iamCall, form url.Values) (any, error) {
	name, err := iamName(form, "RoleName", "roleName", 64)
	if err != nil {
		return nil, err
	}
	for _, r := range ic.ia.Roles {
		if strings.EqualFold(r.Name, name) {
			return struct {
				Role iamRoleOut `xml:"Role"`
			}{ic.roleOut(r)}, nil
		}
	}
	return nil, iamNoSuchEntity("The role with name %s cannot be found.", name)
}

// Account summary.

type summaryEntry struct {
	Key   string `xml:"key"`
	Value int    `xml:"value"`
}

func iamGetAccountSummary(ic *iamCall, _ url.Values) (any, error) {
	b := map[bool]int{true: 1}
	inUse, policyVersions := 0, len(ic.ia.Policies)
	devices := map[string]bool{}
	for _, d := range ic.ia.VirtualMFADevices {
		devices[d.Serial] = true
	}
	for _, u := range ic.ia.Users {
		inUse += len(u.MFASerials)
		for _, s := range u.MFASerials {
			devices[s] = true
		}
	}
	m := []summaryEntry{
		{"Users", len(ic.ia.Users)}, {"UsersQuota", 5000},
		{"Groups", len(ic.ia.Groups)}, {"GroupsQuota", 300},
		{"GroupsPerUserQuota", 10},
		{"Policies", len(ic.ia.Policies)}, {"PoliciesQuota", 1500},
		{"PolicySizeQuota", 6144}, {"PolicyVersionsInUse", policyVersions}, {"PolicyVersionsInUseQuota", 10000},
		{"VersionsPerPolicyQuota", 5},
		{"Roles", len(ic.ia.Roles)}, {"RolesQuota", 1000}, {"RolePolicySizeQuota", 10240},
		{"AssumeRolePolicySizeQuota", 2048},
		{"UserPolicySizeQuota", 2048}, {"GroupPolicySizeQuota", 5120},
		{"AttachedPoliciesPerUserQuota", 10}, {"AttachedPoliciesPerGroupQuota", 10}, {"AttachedPoliciesPerRoleQuota", 10},
		{"AccessKeysPerUserQuota", 2}, {"SigningCertificatesPerUserQuota", 2},
		{"MFADevices", len(devices)}, {"MFADevicesInUse", inUse},
		{"AccountMFAEnabled", b[ic.ia.Root.MFAEnabled]},
		{"AccountAccessKeysPresent", b[ic.ia.Root.AccessKeysPresent]},
		{"AccountSigningCertificatesPresent", 0},
		{"ServerCertificates", 0}, {"ServerCertificatesQuota", 20},
		{"InstanceProfiles", 0}, {"InstanceProfilesQuota", 1000},
		{"Providers", 0}, {"GlobalEndpointTokenVersion", 1},
	}
	return struct {
		SummaryMap []summaryEntry `xml:"SummaryMap>entry"`
	}{m}, nil
}

// qrPlaceholderPNG is the PNG CreateVirtualMFADevice returns: a 21x21
// pattern derived from the otpauth URI. It is a valid image but not a
// scannable QR code; the seed in Base32StringSeed is what tests use.
func qrPlaceholderPNG(uri string) []byte {
	sum := sha256.Sum256([]byte(uri))
	img := image.NewGray(image.Rect(0, 0, 21, 21))
	for y := range 21 {
		for x := range 21 {
			bit := sum[(y*21+x)/8%len(sum)] >> ((y*21 + x) % 8) & 1
			img.SetGray(x, y, color.Gray{Y: uint8(255 * (1 - bit))})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}
