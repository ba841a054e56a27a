package sandbox

import (
	"net/url"
	"strings"
)

// STS (awsQuery, Version 2011-06-15).

func stsOps() map[string]queryOp {
	return map[string]queryOp{
		"GetCallerIdentity": stsGetCallerIdentity,
		"AssumeRole":        stsAssumeRole,
		"GetAccessKeyInfo":  stsGetAccessKeyInfo,
		"AssumeRoot":        stsAssumeRoot,

		"AssumeRoleWithWebIdentity": stsAssumeRoleWithWebIdentity,
		"GetSessionToken":           stsGetSessionToken,
		"GetFederationToken":        stsGetFederationToken,
		"AssumeRoleWithSAML":        stsAssumeRoleWithSAML,
	}
}

const (
	stsMinDuration = 900
	stsMaxDuration = 43200
	// stsChainedMax is the longest session of a role assumed with role
	// credentials (role chaining).
	stsChainedMax = 3600
)

var (
	stsSessionName = lazyRegexp(`^[\w+=,.@-]{2,64}$`)
	stsRoleARN     = lazyRegexp(`^arn:(aws[\w-]*):iam::(\d{12}):role(/[\x21-\x7e]*)?/([\w+=,.@-]{1,64})$`)
	stsAccessKeyID = lazyRegexp(`^\w{16,128}$`)
)

// stsValidation is STS's validation error (ValidationError, not ValidationException).
func stsValidation(format string, a ...any) *apiError {
	return newError(400, "ValidationError", format, a...)
}

func stsConstraint(field, value, constraint string) *apiError {
	return stsValidation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, field, constraint)
}

type stsIdentity struct {
	UserID  string `xml:"UserId"`
	Account string `xml:"Account"`
	ARN     string `xml:"Arn"`
}

func stsGetCallerIdentity(c *call, _ url.Values) (any, error) {
	who := c.caller()
	return stsIdentity{UserID: who.UserID, Account: who.AccountID, ARN: who.ARN}, nil
}

type stsCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type stsAssumeRoleOut struct {
	Credentials     stsCredentials `xml:"Credentials"`
	AssumedRoleUser struct {
		AssumedRoleID string `xml:"AssumedRoleId"`
		ARN           string `xml:"Arn"`
	} `xml:"AssumedRoleUser"`
}

func stsAssumeRole(c *call, form url.Values) (any, error) {
	who := c.caller()
	target, err := stsTargetRole(form)
	if err != nil {
		return nil, err
	}
	name, err := stsSessionNameParam(form)
	if err != nil {
		return nil, err
	}
	duration, err := stsDuration(form, stsChainedMax, stsMaxDuration)
	if err != nil {
		return nil, err
	}
	packed, tags, err := stsSessionPoliciesAndTags(form)
	if err != nil {
		return nil, err
	}
	role := c.targetRole(target)
	if role == nil {
		return nil, newError(403, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", who.ARN, target.arn)
	}
	if !c.w.trustAllows(target.account, role, trustRequest{who: who, action: "sts:AssumeRole", keys: c.assumeRoleKeys(who, form)}) {
		return nil, newError(403, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", who.ARN, target.arn)
	}
	if who.Session != nil && duration > stsChainedMax {
		return nil, stsValidation("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	if duration > role.maxSession() {
		return nil, stsValidation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	_, assumed := c.assumedRole(role, target.account, name, duration, "assume-role", sessionLimitsOf(form, tags))
	out := struct {
		stsAssumeRoleOut
		PackedPolicySize *int `xml:"PackedPolicySize,omitempty"`
	}{stsAssumeRoleOut: assumed}
	if packed >= 0 {
		out.PackedPolicySize = &packed
	}
	return out, nil
}

// assumeRoleKeys are the condition keys an AssumeRole request carries.
// For a role session, aws:PrincipalArn is the role's ARN (with its path),
// not the session's: "For IAM roles, the request context returns the ARN
// of the role, not the ARN of the user that assumed the role" (IAM's global
// condition keys), as authorize has it (authz.go).
func (c *call) assumeRoleKeys(who caller, form url.Values) map[string][]string {
	keys := map[string][]string{
		"aws:principalaccount": {who.AccountID},
		"aws:principalarn":     {who.ARN},
		"aws:userid":           {who.UserID},
		"sts:rolesessionname":  {form.Get("RoleSessionName")},
	}
	if who.Session != nil {
		keys["aws:principaltype"] = []string{"AssumedRole"}
		if role := c.sessionRole(who.Session); role != nil {
			keys["aws:principalarn"] = []string{strings.Replace(roleARN(who.AccountID, role), "arn:aws:", "arn:"+c.partition()+":", 1)}
		}
	} else {
		keys["aws:principaltype"] = []string{"User"}
		keys["aws:username"] = []string{who.ARN[strings.LastIndex(who.ARN, "/")+1:]}
	}
	if id := form.Get("ExternalId"); id != "" {
		keys["sts:externalid"] = []string{id}
	}
	if id := form.Get("SourceIdentity"); id != "" {
		keys["sts:sourceidentity"] = []string{id}
	}
	return keys
}

// stsRole finds an IAM role by account, path ("/" or "/a/b/") and name.
func (w *World) stsRole(account, path, name string) *IAMRole {
	ia := w.IAM[account]
	if ia == nil {
		return nil
	}
	for _, r := range ia.Roles {
		p := r.Path
		if p == "" {
			p = "/"
		}
		if r.Name == name && p == path {
			return r
		}
	}
	return nil
}

func stsGetAccessKeyInfo(c *call, form url.Values) (any, error) {
	id := form.Get("AccessKeyId")
	switch {
	case id == "":
		return nil, stsValidation("1 validation error detected: Value null at 'accessKeyId' failed to satisfy constraint: Member must not be null")
	case !stsAccessKeyID.MatchString(id):
		return nil, stsConstraint("accessKeyId", truncate(id, 128), `Member must satisfy regular expression pattern: [\w]* and have length between 16 and 128`)
	}
	account := c.w.managementAccountID()
	if s, ok := c.w.Sessions[id]; ok {
		account = s.AccountID
	} else if acct := c.w.iamKeyAccount(id); acct != "" {
		account = acct
	}
	return struct {
		Account string `xml:"Account"`
	}{account}, nil
}

// iamKeyAccount is the account of an IAM user's access key, or "".
func (w *World) iamKeyAccount(id string) string {
	for acct, ia := range w.IAM {
		for _, u := range ia.Users {
			for _, k := range u.AccessKeys {
				if k.ID == id {
					return acct
				}
			}
		}
	}
	return ""
}
