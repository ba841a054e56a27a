package sandbox

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// sts:AssumeRoot: a privileged session in a member account, scoped by a
// root task policy (centralized root access). As in AWS: only the
// management account's credentials may call it (no delegated
// administrator here), only for member accounts of its organization, only
// while the organization's RootSessions feature is enabled, and for at
// most 900 seconds. The session acts as the member account's root user
// (arn:<partition>:iam::ACCOUNT:root) and may call only what its task policy
// allows (iam_root.go); every other call is AccessDenied.

const (
	rootTaskPath       = ":iam::aws:policy/root-task/"
	rootSessionMax     = 900
	rootSessionSource  = "assume-root/" // + task policy name, in Session.Source
	rootSessionFeature = "RootSessions"
)

// rootTaskActions are what each AWS-managed root task policy allows.
var rootTaskActions = map[string][]string{
	"IAMAuditRootUserCredentials": {"iam:GetAccountSummary", "iam:GetLoginProfile", "iam:GetUser", "iam:ListAccessKeys",
		"iam:ListMFADevices", "iam:ListSigningCertificates", "iam:GetAccessKeyLastUsed", "iam:ListVirtualMFADevices"},
	"IAMCreateRootUserPassword": {"iam:CreateLoginProfile", "iam:GetLoginProfile", "iam:GetUser"},
	"IAMDeleteRootUserCredentials": {"iam:DeactivateMFADevice", "iam:DeleteLoginProfile", "iam:DeleteSigningCertificate",
		"iam:DeleteAccessKey", "iam:ListAccessKeys", "iam:ListMFADevices", "iam:ListSigningCertificates", "iam:GetLoginProfile", "iam:GetUser"},
	"S3UnlockBucketPolicy": {"s3:DeleteBucketPolicy", "s3:GetBucketPolicy", "s3:ListAllMyBuckets"},
	"SQSUnlockQueuePolicy": {"sqs:GetQueueAttributes", "sqs:ListQueues", "sqs:SetQueueAttributes"},
}

func stsAssumeRoot(c *call, form url.Values) (any, error) {
	who := c.caller()
	target, task := form.Get("TargetPrincipal"), form.Get("TaskPolicyArn.arn")
	switch {
	case target == "":
		return nil, stsValidation("1 validation error detected: Value null at 'targetPrincipal' failed to satisfy constraint: Member must not be null")
	case task == "":
		return nil, stsValidation("1 validation error detected: Value null at 'taskPolicyArn' failed to satisfy constraint: Member must not be null")
	}
	duration, err := formInt(form, "DurationSeconds", rootSessionMax)
	if err != nil || duration < 0 || duration > rootSessionMax {
		return nil, stsConstraint("durationSeconds", form.Get("DurationSeconds"), fmt.Sprintf("Member must have value less than or equal to %d", rootSessionMax))
	}
	if duration == 0 {
		duration = rootSessionMax
	}
	policy, ok := strings.CutPrefix(task, "arn:"+c.partition()+rootTaskPath)
	if _, known := rootTaskActions[policy]; !ok || !known {
		return nil, stsValidation("%s is not a root task policy: use one of arn:%s:iam::aws:policy/root-task/<IAMAuditRootUserCredentials|IAMCreateRootUserPassword|IAMDeleteRootUserCredentials|S3UnlockBucketPolicy|SQSUnlockQueuePolicy>", truncate(task, 200), c.partition())
	}
	account := target
	if m := stsRootPrincipal.FindStringSubmatch(target); m != nil && m[1] == c.partition() {
		account = m[2]
	}
	if !accountIDPattern.MatchString(account) {
		return nil, stsValidation("TargetPrincipal %s is neither an account id nor arn:%s:iam::<account id>:root", truncate(target, 100), c.partition())
	}
	org := c.w.Organization
	denied := func(why string) error {
		return newError(403, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRoot on resource: arn:%s:iam::%s:root because %s", who.ARN, c.partition(), account, why)
	}
	switch {
	case isRootSession(who.Session):
		return nil, denied("root sessions cannot start other root sessions")
	case org == nil || who.AccountID != org.MasterAccountID:
		return nil, denied("only the organization's management account can call AssumeRoot")
	case !slices.Contains(org.IAMFeatures, rootSessionFeature):
		return nil, denied("centralized root access (RootSessions) is not enabled for the organization")
	case account == org.MasterAccountID:
		return nil, denied("AssumeRoot targets member accounts, not the management account")
	case c.w.account(account) == nil:
		return nil, denied("the account is not a member of the organization")
	}
	sess := c.issueSession(account, "root", "root", account, c.now.Add(time.Duration(duration)*time.Second), rootSessionSource+policy)
	sess.ARN, sess.UserID = "arn:"+c.partition()+":iam::"+account+":root", account
	return struct {
		Credentials    stsCredentials `xml:"Credentials"`
		SourceIdentity string         `xml:"SourceIdentity,omitempty"`
	}{Credentials: credentialsOut(sess)}, nil
}

var stsRootPrincipal = lazyRegexp(`^arn:(aws[\w-]*):iam::(\d{12}):root$`)

func isRootSession(s *Session) bool {
	return s != nil && strings.HasPrefix(s.Source, rootSessionSource)
}

// rootSessionAllows reports whether a root session's task policy allows
// service:action.
func rootSessionAllows(s *Session, action string) bool {
	policy := strings.TrimPrefix(s.Source, rootSessionSource)
	return slices.Contains(rootTaskActions[policy], action)
}

// rootDenied is AWS's answer to a root session outside its task policy.
func rootDenied(who caller, action string) *apiError {
	return newError(403, "AccessDenied", "User: %s is not authorized to perform: %s because no session policy allows the %s action", who.ARN, action, action)
}

// guardRootSessions lets root sessions through only to what their task
// policy allows; everyone else reaches ops as before. rootOps, when they
// have the action, answer root sessions instead of ops.
func guardRootSessions(service string, ops, rootOps map[string]queryOp) map[string]queryOp {
	out := make(map[string]queryOp, len(ops))
	for name, h := range ops {
		out[name] = func(c *call, form url.Values) (any, error) {
			who := c.caller()
			if !isRootSession(who.Session) || service == "sts" && name == "GetCallerIdentity" {
				return h(c, form)
			}
			if !rootSessionAllows(who.Session, service+":"+name) {
				return nil, rootDenied(who, service+":"+name)
			}
			if r, ok := rootOps[name]; ok {
				return r(c, form)
			}
			return h(c, form)
		}
	}
	return out
}

// guardRootSessionsJSON refuses root sessions every awsJson operation: no
// root task policy allows one the sandbox serves.
func guardRootSessionsJSON(service string, ops map[string]jsonOp) map[string]jsonOp {
	out := make(map[string]jsonOp, len(ops))
	for name, h := range ops {
		out[name] = func(c *call, body []byte) (any, error) {
			if who := c.caller(); isRootSession(who.Session) {
				return nil, rootDenied(who, service+":"+name)
			}
			return h(c, body)
		}
	}
	return out
}
