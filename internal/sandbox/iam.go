package sandbox

import (
	"encoding/xml"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
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
//
// This file holds the operation table, IAM's errors, parameter checks and
// reply helpers; the operations are in iam_*.go, one file per concern.

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

		"CreateRole": iamCreateRole, "GetRole": iamGetRole, "ListRoles": iamListRoles,
		"UpdateRole": iamUpdateRole, "UpdateRoleDescription": iamUpdateRoleDescription,
		"UpdateAssumeRolePolicy": iamUpdateAssumeRolePolicy, "DeleteRole": iamDeleteRole,
		"PutRolePolicy": iamPutRolePolicy, "GetRolePolicy": iamGetRolePolicy,
		"DeleteRolePolicy": iamDeleteRolePolicy, "ListRolePolicies": iamListRolePolicies,
		"AttachRolePolicy": iamAttachRolePolicy, "DetachRolePolicy": iamDetachRolePolicy,
		"ListAttachedRolePolicies":      iamListAttachedRolePolicies,
		"PutRolePermissionsBoundary":    iamPutRolePermissionsBoundary,
		"DeleteRolePermissionsBoundary": iamDeleteRolePermissionsBoundary,
		"TagRole":                       iamTagRole, "UntagRole": iamUntagRole, "ListRoleTags": iamListRoleTags,
		"CreateInstanceProfile": iamCreateInstanceProfile, "GetInstanceProfile": iamGetInstanceProfile,
		"DeleteInstanceProfile": iamDeleteInstanceProfile, "ListInstanceProfiles": iamListInstanceProfiles,
		"AddRoleToInstanceProfile":      iamAddRoleToInstanceProfile,
		"RemoveRoleFromInstanceProfile": iamRemoveRoleFromInstanceProfile,
		"ListInstanceProfilesForRole":   iamListInstanceProfilesForRole,
		"TagInstanceProfile":            iamTagInstanceProfile, "UntagInstanceProfile": iamUntagInstanceProfile,
		"ListInstanceProfileTags": iamListInstanceProfileTags,
		"CreateServiceLinkedRole": iamCreateServiceLinkedRole, "DeleteServiceLinkedRole": iamDeleteServiceLinkedRole,
		"GetServiceLinkedRoleDeletionStatus": iamGetServiceLinkedRoleDeletionStatus,

		"GetAccountSummary":        iamGetAccountSummary,
		"GenerateCredentialReport": iamGenerateCredentialReport, "GetCredentialReport": iamGetCredentialReport,
		"ListOrganizationsFeatures": iamListOrganizationsFeatures,

		// Identity providers, policy versions and tags, group policies, user boundaries.
		"CreateOpenIDConnectProvider": iamCreateOIDCProvider, "GetOpenIDConnectProvider": iamGetOIDCProvider,
		"DeleteOpenIDConnectProvider": iamDeleteOIDCProvider, "ListOpenIDConnectProviders": iamListOIDCProviders,
		"AddClientIDToOpenIDConnectProvider":      iamAddClientIDToOIDCProvider,
		"RemoveClientIDFromOpenIDConnectProvider": iamRemoveClientIDFromOIDCProvider,
		"UpdateOpenIDConnectProviderThumbprint":   iamUpdateOIDCProviderThumbprint,
		"TagOpenIDConnectProvider":                iamTagOIDCProvider, "UntagOpenIDConnectProvider": iamUntagOIDCProvider,
		"ListOpenIDConnectProviderTags": iamListOIDCProviderTags,
		"CreateSAMLProvider":            iamCreateSAMLProvider, "GetSAMLProvider": iamGetSAMLProvider,
		"UpdateSAMLProvider": iamUpdateSAMLProvider, "DeleteSAMLProvider": iamDeleteSAMLProvider,
		"ListSAMLProviders": iamListSAMLProviders, "TagSAMLProvider": iamTagSAMLProvider,
		"UntagSAMLProvider": iamUntagSAMLProvider, "ListSAMLProviderTags": iamListSAMLProviderTags,
		"CreatePolicyVersion": iamCreatePolicyVersion, "GetPolicyVersion": iamGetPolicyVersion,
		"ListPolicyVersions": iamListPolicyVersions, "DeletePolicyVersion": iamDeletePolicyVersion,
		"SetDefaultPolicyVersion": iamSetDefaultPolicyVersion,
		"TagPolicy":               iamTagPolicy, "UntagPolicy": iamUntagPolicy, "ListPolicyTags": iamListPolicyTags,
		"PutGroupPolicy": iamPutGroupPolicy, "GetGroupPolicy": iamGetGroupPolicy,
		"DeleteGroupPolicy": iamDeleteGroupPolicy, "ListGroupPolicies": iamListGroupPolicies,
		"AttachGroupPolicy": iamAttachGroupPolicy, "DetachGroupPolicy": iamDetachGroupPolicy,
		"ListAttachedGroupPolicies":     iamListAttachedGroupPolicies,
		"PutUserPermissionsBoundary":    iamPutUserPermissionsBoundary,
		"DeleteUserPermissionsBoundary": iamDeleteUserPermissionsBoundary,
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
	iamPolicyARN      = lazyRegexp(`^arn:aws(?:-[a-z]+)*:iam::(aws|\d{12}):policy(/|/[\x21-\x7e]+/)([\w+=,.@-]+)$`)
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

var iamTagPattern = lazyRegexp(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

const tagPatternText = `Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`

// iamTags reads an optional Tags list as IAM checks it (tagListType: at most
// 50; keys of 1 to 128 and values of at most 256 letters, digits, spaces and
// _.:/=+-@; no aws: prefix; no key twice, without regard to case).
func iamTags(form url.Values) ([]Tag, error) {
	members := formList(form, "Tags.member")
	if len(members) > 50 {
		return nil, iamConstraint("tags", strconv.Itoa(len(members))+" tags", "Member must have length less than or equal to 50")
	}
	var tags []Tag
	for i, m := range members {
		t := Tag{Key: m.Get("Key"), Value: m.Get("Value")}
		field := fmt.Sprintf("tags.%d.member", i+1)
		if err := iamTagKey(field+".key", t.Key); err != nil {
			return nil, err
		}
		switch {
		case utf8.RuneCountInString(t.Value) > 256:
			return nil, iamConstraint(field+".value", t.Value, "Member must have length less than or equal to 256")
		case !iamTagPattern.MatchString(t.Value):
			return nil, iamConstraint(field+".value", t.Value, strings.Replace(tagPatternText, "]+", "]*", 1))
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
	return tags, nil
}

// iamRequiredTags reads the Tags of a Tag* operation, where they are required.
func iamRequiredTags(form url.Values) ([]Tag, error) {
	tags, err := iamTags(form)
	if err == nil && len(tags) == 0 {
		err = iamValidation("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")
	}
	return tags, err
}

// iamTagKey checks one tag key (tagKeyType).
func iamTagKey(field, key string) error {
	switch n := utf8.RuneCountInString(key); {
	case n < 1 || n > 128:
		return iamConstraint(field, key, "Member must have length less than or equal to 128 and greater than or equal to 1")
	case !iamTagPattern.MatchString(key):
		return iamConstraint(field, key, tagPatternText)
	}
	return nil
}

// iamTagKeys reads the TagKeys of an Untag* operation: 1 to 50 keys.
func iamTagKeys(form url.Values) ([]string, error) {
	keys := formStrings(form, "TagKeys.member")
	switch {
	case len(keys) == 0:
		return nil, iamValidation("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")
	case len(keys) > 50:
		return nil, iamConstraint("tagKeys", strconv.Itoa(len(keys))+" keys", "Member must have length less than or equal to 50")
	}
	for i, k := range keys {
		if err := iamTagKey(fmt.Sprintf("tagKeys.%d.member", i+1), k); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// Replies.

// xmlList is a list member that IAM leaves out when it is empty (a user's or
// a policy's Tags): tagged ",omitempty", it is omitted, where encoding/xml
// writes an empty <Tags></Tags> for a "Tags>member" path even then.
type xmlList[T any] []T

func (l xmlList[T]) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return e.EncodeElement(struct {
		Member []T `xml:"member"`
	}{l}, start)
}

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
