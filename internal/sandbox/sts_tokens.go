package sandbox

import (
	"fmt"
	"net/url"
	"slices"
	"time"
)

// sts:GetSessionToken and sts:GetFederationToken: temporary credentials
// for an IAM user's long-term keys. As in AWS, neither may be called with
// temporary credentials (a role session, a federated user, another
// session token): AccessDenied. The sandbox has no root user credentials
// (unknown keys act as the IAM user sandbox-admin), so AWS's 1-hour limit
// for the root user never applies. Their credentials call IAM only from a
// session token obtained with MFA (iamAllowed).

var (
	stsMFASerial     = lazyRegexp(`^[\w+=/:,.@-]{9,256}$`)
	stsTokenCode     = lazyRegexp(`^\d{6}$`)
	stsFederatedName = lazyRegexp(`^[\w+=,.@-]{2,32}$`)
)

// longTermCaller refuses callers signing with temporary credentials.
func longTermCaller(c *call, op string) (caller, error) {
	who := c.caller()
	if who.Session != nil {
		return who, newError(403, "AccessDenied", "Cannot call %s with session credentials", op)
	}
	return who, nil
}

func stsGetSessionToken(c *call, form url.Values) (any, error) {
	who, err := longTermCaller(c, "GetSessionToken")
	if err != nil {
		return nil, err
	}
	duration, err := stsDuration(form, stsFederationDefault, stsFederationMax)
	if err != nil {
		return nil, err
	}
	serial, code := form.Get("SerialNumber"), form.Get("TokenCode")
	switch {
	case serial != "" && !stsMFASerial.MatchString(serial):
		return nil, stsConstraint("serialNumber", truncate(serial, 100), `Member must satisfy regular expression pattern: [\w+=/:,.@-]* and have length between 9 and 256`)
	case code != "" && !stsTokenCode.MatchString(code):
		return nil, stsConstraint("tokenCode", truncate(code, 20), `Member must satisfy regular expression pattern: [\d]* and have length 6`)
	case (serial == "") != (code == ""):
		return nil, newError(403, "AccessDenied", "MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.")
	case serial != "" && (who.IAMUser == nil || !slices.Contains(who.IAMUser.MFASerials, serial)):
		// The sandbox checks the device is the caller's, not the code.
		return nil, newError(403, "AccessDenied", "MultiFactorAuthentication failed, unable to validate MFA code. %s is not an MFA device of %s.", serial, who.ARN)
	}
	sess := c.issueSession(who.AccountID, "", "", "", c.now.Add(time.Duration(duration)*time.Second), "session-token")
	// The session acts as the user whose keys asked for it.
	sess.ARN, sess.UserID, sess.MFA = who.ARN, who.UserID, serial != ""
	return struct {
		Credentials stsCredentials `xml:"Credentials"`
	}{credentialsOut(sess)}, nil
}

func stsGetFederationToken(c *call, form url.Values) (any, error) {
	name, err := stsRequired(form, "Name", "name")
	if err != nil {
		return nil, err
	}
	if !stsFederatedName.MatchString(name) {
		return nil, stsConstraint("name", truncate(name, 100), `Member must satisfy regular expression pattern: [\w+=,.@-]* and have length between 2 and 32`)
	}
	duration, err := stsDuration(form, stsFederationDefault, stsFederationMax)
	if err != nil {
		return nil, err
	}
	packed, tags, err := stsSessionPoliciesAndTags(form)
	if err != nil {
		return nil, err
	}
	who, err := longTermCaller(c, "GetFederationToken")
	if err != nil {
		return nil, err
	}
	sess := c.issueSession(who.AccountID, "", "", "", c.now.Add(time.Duration(duration)*time.Second), "federation-token")
	sess.ARN = fmt.Sprintf("arn:%s:sts::%s:federated-user/%s", c.partition(), who.AccountID, name)
	sess.UserID, sess.Tags = who.AccountID+":"+name, tags
	out := struct {
		Credentials   stsCredentials `xml:"Credentials"`
		FederatedUser struct {
			FederatedUserID string `xml:"FederatedUserId"`
			ARN             string `xml:"Arn"`
		} `xml:"FederatedUser"`
		PackedPolicySize *int `xml:"PackedPolicySize,omitempty"`
	}{Credentials: credentialsOut(sess)}
	out.FederatedUser.FederatedUserID, out.FederatedUser.ARN = sess.UserID, sess.ARN
	if packed >= 0 {
		out.PackedPolicySize = &packed
	}
	return out, nil
}

// iamAllowed reports whether a session may call IAM. AWS refuses IAM
// calls signed with GetSessionToken credentials obtained without MFA, and
// with GetFederationToken credentials, as if the token were invalid
// (InvalidClientTokenId).
func (s *Session) iamAllowed() bool {
	switch s.Source {
	case "session-token":
		return s.MFA
	case "federation-token":
		return false
	}
	return true
}
