package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/keyless-dev/keyless/internal/policy"
)

// Parameters the STS operations share, checked as botocore's model
// (sts/2011-06-15) bounds them.

const (
	// stsFederationMax bounds GetSessionToken and GetFederationToken, which
	// default to 12 hours.
	stsFederationMax     = 129600
	stsFederationDefault = 43200
	stsPolicyMax         = 2048
	stsPolicyArnsMax     = 10
)

var stsSessionPolicyChars = lazyRegexp(`^[\x09\x0a\x0d\x20-\xff]+$`)

// stsRequired reads a required parameter, as STS words its absence.
func stsRequired(form url.Values, param, field string) (string, error) {
	v := form.Get(param)
	if v == "" {
		return "", stsValidation("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field)
	}
	return v, nil
}

// stsLength checks a parameter's length against the model's bounds.
func stsLength(v, field string, lo, hi int) error {
	if len(v) < lo || len(v) > hi {
		return stsConstraint(field, truncate(v, 100), fmt.Sprintf("Member must have length less than or equal to %d and greater than or equal to %d", hi, lo))
	}
	return nil
}

// stsDuration reads DurationSeconds within [stsMinDuration, hi].
func stsDuration(form url.Values, def, hi int) (int, error) {
	d, err := formInt(form, "DurationSeconds", def)
	if err != nil {
		return 0, stsConstraint("durationSeconds", truncate(form.Get("DurationSeconds"), 20), "Member must be an integer")
	}
	if d < stsMinDuration || d > hi {
		return 0, stsConstraint("durationSeconds", strconv.Itoa(d), fmt.Sprintf("Member must have value less than or equal to %d and greater than or equal to %d", hi, stsMinDuration))
	}
	return d, nil
}

// stsRoleTarget is the role an assume-role operation names.
type stsRoleTarget struct {
	arn, partition, account, path, name string
}

// targetRole is the role an assume-role operation names, or nil when there
// is none. A role ARN in another partition than the caller's names nothing
// it can assume, as on AWS.
func (c *call) targetRole(target stsRoleTarget) *IAMRole {
	if target.partition != c.partition() {
		return nil
	}
	return c.w.stsRole(target.account, target.path, target.name)
}

// stsTargetRole reads and checks RoleArn.
func stsTargetRole(form url.Values) (stsRoleTarget, error) {
	arn, err := stsRequired(form, "RoleArn", "roleArn")
	if err != nil {
		return stsRoleTarget{}, err
	}
	if err := stsLength(arn, "roleArn", 20, 2048); err != nil {
		return stsRoleTarget{}, err
	}
	m := stsRoleARN.FindStringSubmatch(arn)
	if m == nil {
		return stsRoleTarget{}, stsValidation("%s is invalid: use arn:<partition>:iam::<account id>:role/<path/><role name>", truncate(arn, 200))
	}
	return stsRoleTarget{arn: arn, partition: m[1], account: m[2], path: m[3] + "/", name: m[4]}, nil
}

// stsSessionNameParam reads and checks RoleSessionName.
func stsSessionNameParam(form url.Values) (string, error) {
	name, err := stsRequired(form, "RoleSessionName", "roleSessionName")
	if err != nil {
		return "", err
	}
	if !stsSessionName.MatchString(name) {
		return "", stsConstraint("roleSessionName", truncate(name, 100), `Member must satisfy regular expression pattern: [\w+=,.@-]*`+" and have length between 2 and 64")
	}
	return name, nil
}

// stsSessionPolicies checks the session policies (Policy, PolicyArns) and
// returns the packed size AWS reports for them, as a percentage of the
// limit, or -1 when there are none. Role sessions keep them
// (sessionLimitsOf): they narrow what the session may do (authz.go).
func stsSessionPolicies(form url.Values) (int, error) {
	doc, arns := form.Get("Policy"), formList(form, "PolicyArns.member")
	if _, ok := form["Policy"]; ok {
		if err := stsLength(doc, "policy", 1, stsPolicyMax); err != nil {
			return 0, err
		}
		if !stsSessionPolicyChars.MatchString(doc) {
			return 0, stsConstraint("policy", truncate(doc, 100), `Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+`)
		}
		if !json.Valid([]byte(doc)) {
			return 0, newError(400, "MalformedPolicyDocument", "The policy is not in the valid JSON format.")
		}
		// A session policy is an identity policy: IAM's grammar, no
		// Principal (the packed size, below, is its limit).
		var pe *policy.Error
		if errors.As(policy.ValidateIdentity(doc, 0), &pe) {
			return 0, newError(400, "MalformedPolicyDocument", "%s", pe.Message)
		}
	}
	if len(arns) > stsPolicyArnsMax {
		return 0, stsConstraint("policyArns", strconv.Itoa(len(arns))+" policies", fmt.Sprintf("Member must have length less than or equal to %d", stsPolicyArnsMax))
	}
	for _, a := range arns {
		if err := stsLength(a.Get("arn"), "policyArns.member.arn", 20, 2048); err != nil {
			return 0, err
		}
	}
	if doc == "" && len(arns) == 0 {
		return -1, nil
	}
	// AWS compresses the policies; uncompressed over the limit is an upper
	// bound that keeps the figure honest.
	size := (len(doc) + 100*len(arns)) * 100 / stsPolicyMax
	if size > 100 {
		return 0, newError(400, "PackedPolicyTooLarge", "Packed size of the session policies exceeds 100%% of the limit (%d%%).", size)
	}
	return size, nil
}

// stsSessionPoliciesAndTags checks the session policies and the session
// tags (Tags) of AssumeRole and GetFederationToken: tags count in the packed
// size, which is then reported even without policies.
func stsSessionPoliciesAndTags(form url.Values) (int, []Tag, error) {
	packed, err := stsSessionPolicies(form)
	if err != nil {
		return 0, nil, err
	}
	tags, err := iamTags(form)
	if err != nil {
		return 0, nil, err
	}
	if len(tags) > 0 && packed < 0 {
		packed = 0
	}
	return packed, tags, nil
}

// sessionLimits are what an assume-role call adds to the role's policies:
// its session policies, and its session tags.
type sessionLimits struct {
	policy string
	arns   []string
	tags   []Tag
}

// sessionLimitsOf reads the session policies of a request that
// stsSessionPolicies accepted.
func sessionLimitsOf(form url.Values, tags []Tag) sessionLimits {
	l := sessionLimits{policy: form.Get("Policy"), tags: tags}
	for _, m := range formList(form, "PolicyArns.member") {
		l.arns = append(l.arns, m.Get("arn"))
	}
	return l
}

// credentialsOut is a session's credentials as STS returns them.
func credentialsOut(s *Session) stsCredentials {
	return stsCredentials{AccessKeyID: s.AccessKeyID, SecretAccessKey: s.SecretAccessKey,
		SessionToken: s.SessionToken, Expiration: s.Expiration.Format(time.RFC3339)}
}

// assumedRole issues a role session and the reply the assume-role
// operations share.
func (c *call) assumedRole(role *IAMRole, acct, sessionName string, seconds int, source string, limits sessionLimits) (*Session, stsAssumeRoleOut) {
	roleID := role.ID
	if roleID == "" {
		roleID = c.w.sessionRoleID(acct, role.Name)
	}
	sess := c.issueSession(acct, role.Name, sessionName, roleID, c.now.Add(time.Duration(seconds)*time.Second), source)
	sess.Policy, sess.PolicyARNs, sess.Tags = limits.policy, limits.arns, limits.tags
	c.w.roleUsed(acct, role.Name, c.region, c.now)
	var out stsAssumeRoleOut
	out.Credentials = credentialsOut(sess)
	out.AssumedRoleUser.AssumedRoleID = sess.UserID
	out.AssumedRoleUser.ARN = sess.ARN
	return sess, out
}

// federatedRole assumes a role for a federation operation: the role must
// exist and its trust policy allow the request, and the duration fit the
// role's MaxSessionDuration.
func (c *call) federatedRole(target stsRoleTarget, req trustRequest, session string, seconds int, source string, limits sessionLimits) (stsAssumeRoleOut, error) {
	role := c.targetRole(target)
	if role == nil || !c.w.trustAllows(target.account, role, req) {
		return stsAssumeRoleOut{}, newError(403, "AccessDenied", "Not authorized to perform %s", req.action)
	}
	if seconds > role.maxSession() {
		return stsAssumeRoleOut{}, stsValidation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	_, out := c.assumedRole(role, target.account, session, seconds, source, limits)
	return out, nil
}
