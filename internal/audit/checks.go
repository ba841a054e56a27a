package audit

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
)

// Thresholds the checks apply (CIS AWS Foundations 1.12, 1.14, 1.8, 1.9).
const (
	MaxKeyAge            = 90 * 24 * time.Hour
	MaxUnused            = 45 * 24 * time.Hour
	RootRecentUse        = 90 * 24 * time.Hour
	MaxRoleUnused        = 90 * 24 * time.Hour
	MinPasswordLength    = 14
	MinPasswordReuse     = 24
	rootCredentialsURL   = "https://console.aws.amazon.com/iam/home#/security_credentials"
	identityCenterMFAURL = "https://console.aws.amazon.com/singlesignon/home#/instances/settings/authentication"
)

// The built-in permission set that must be assigned (internal/config's
// builtins), and what the credential report needs.
var (
	superAdminSet = "SuperAdmin"
	reportActions = []string{"iam:GenerateCredentialReport", "iam:GetCredentialReport"}
)

// check is one rule. run returns the failures (ID, severity, status,
// account, controls and fingerprint are filled in by Run).
type check struct {
	id       string
	title    string
	severity Severity
	controls []string
	// needs are the actions whose answers the check judges.
	needs []string
	// applies says whether the check concerns this account; nil: always.
	applies func(st *AccountState) bool
	run     func(st *AccountState, now time.Time) []Finding
	// cannot, when set, is why no API can evaluate the check: it is
	// always reported as not evaluated, with what to check by hand.
	cannot, manual string
}

// Run judges one account: every check that applies either passes, fails
// with findings, or is not evaluated because an action it needs was
// refused.
func Run(st *AccountState, now time.Time) *Report {
	r := &Report{Accounts: []string{st.AccountID}, Checks: map[string]CheckCount{}}
	for _, c := range checks() {
		if c.applies != nil && !c.applies(st) {
			continue
		}
		cnt := r.Checks[c.id]
		if g := st.gap(c.needs...); g != nil {
			cnt.NotEvaluated++
			r.Checks[c.id] = cnt
			f := Finding{ID: c.id, Severity: c.severity, Status: NotEvaluated, Account: st.AccountID, Resource: st.RootARN(),
				Title: c.title + " (not evaluated)", Evidence: g.Err, Controls: c.controls, Permission: g.Action,
				Remediation: "allow " + g.Action + " to the identity the audit runs as (the SecurityAudit managed policy has it), then run the audit again"}
			f.fingerprint()
			r.Findings = append(r.Findings, f)
			continue
		}
		if c.cannot != "" {
			cnt.NotEvaluated++
			r.Checks[c.id] = cnt
			f := Finding{ID: c.id, Severity: c.severity, Status: NotEvaluated, Account: st.AccountID, Resource: st.RootARN(),
				Title: c.title + " (not evaluated)", Evidence: c.cannot, Controls: c.controls, Remediation: c.manual}
			f.fingerprint()
			r.Findings = append(r.Findings, f)
			continue
		}
		found := c.run(st, now)
		switch {
		case slices.ContainsFunc(found, func(f Finding) bool { return f.Status != Excepted }):
			cnt.Fail++
		case len(found) > 0:
			cnt.Excepted++
		default:
			cnt.Pass++
		}
		r.Checks[c.id] = cnt
		for _, f := range found {
			f.ID, f.Severity, f.Status, f.Account, f.Controls = c.id, c.severity, cmp.Or(f.Status, Fail), st.AccountID, c.controls
			if f.Title == "" {
				f.Title = c.title
			}
			if f.Resource == "" {
				f.Resource = st.RootARN()
			}
			f.fingerprint()
			r.Findings = append(r.Findings, f)
		}
	}
	r.Sort()
	return r
}

// CheckIDs lists every account check's id, in the order they run.
func CheckIDs() []string {
	ids := make([]string, len(checks()))
	for i, c := range checks() {
		ids[i] = c.id
	}
	return ids
}

func days(d time.Duration) int { return int(d.Hours() / 24) }

func date(t time.Time) string { return t.UTC().Format("2006-01-02") }

func cleanupUser(st *AccountState, u IAMUser) string {
	return fmt.Sprintf("keyless cleanup --account %s --user %s", st.AccountID, u.Name)
}

const rootSteps = "sign in as the root user, open " + rootCredentialsURL

func rootRemediation(st *AccountState, what string) string {
	s := rootSteps + " and " + what
	if st.Organization != nil && st.Organization.ManagementAccountID != st.AccountID && slices.Contains(st.Organization.RootFeatures, "RootCredentialsManagement") {
		s += "; or, from the management account, through sts:AssumeRoot with the task policy IAMDeleteRootUserCredentials"
	}
	return s
}

// checks is built on first use: every keyless command initialises this
// package, and the table is only for audit.
var checks = sync.OnceValue(func() []check {
	return slices.Concat([]check{
		{
			id: "root-access-keys", title: "The root user has access keys", severity: Critical,
			controls: []string{"CIS 1.4", "Security Hub IAM.4"}, needs: []string{"iam:GetAccountSummary"},
			run: func(st *AccountState, _ time.Time) []Finding {
				if st.Summary["AccountAccessKeysPresent"] == 0 {
					return nil
				}
				return []Finding{{Evidence: "GetAccountSummary: AccountAccessKeysPresent = 1",
					Remediation: rootRemediation(st, "delete the access keys")}}
			},
		},
		{
			id: "root-mfa", title: "The root user has no MFA", severity: Critical,
			controls: []string{"CIS 1.5", "Security Hub IAM.9"}, needs: []string{"iam:GetAccountSummary"},
			run: func(st *AccountState, _ time.Time) []Finding {
				if st.Summary["AccountMFAEnabled"] == 1 {
					return nil
				}
				if rc := st.RootCredentials; rc != nil && rc.None() {
					// No password, keys or certificates (removed through
					// sts:AssumeRoot): the goal, and nothing for MFA to guard.
					return nil
				}
				return []Finding{{Evidence: "GetAccountSummary: AccountMFAEnabled = 0",
					Remediation: rootRemediation(st, "assign a hardware MFA device (or a passkey)")}}
			},
		},
		{
			id: "root-virtual-mfa", title: "The root user's MFA is a virtual device, not hardware", severity: Medium,
			controls: []string{"CIS 1.6", "Security Hub IAM.6"}, needs: []string{"iam:GetAccountSummary", "iam:ListVirtualMFADevices"},
			applies: func(st *AccountState) bool { return st.Summary == nil || st.Summary["AccountMFAEnabled"] == 1 },
			run: func(st *AccountState, _ time.Time) []Finding {
				if st.RootVirtualMFA == "" {
					return nil
				}
				return []Finding{{Evidence: "virtual MFA device " + st.RootVirtualMFA + " is assigned to the root user",
					Remediation: rootRemediation(st, "replace the virtual MFA device with a hardware key")}}
			},
		},
		{
			id: "root-recent-use", title: "The root user was used recently", severity: Medium,
			controls: []string{"CIS 1.7"}, needs: reportActions,
			run: func(st *AccountState, now time.Time) []Finding {
				i := slices.IndexFunc(st.Report, func(r ReportRow) bool { return r.User == RootUser })
				if i < 0 {
					return nil
				}
				row := st.Report[i]
				var used []string
				if t := row.PasswordLastUsed; t != nil && now.Sub(*t) < RootRecentUse {
					used = append(used, "password last used "+date(*t))
				}
				for n, k := range row.Keys {
					if t := k.LastUsed; t != nil && now.Sub(*t) < RootRecentUse {
						used = append(used, fmt.Sprintf("access key %d last used %s", n+1, date(*t)))
					}
				}
				if len(used) == 0 {
					return nil
				}
				return []Finding{{Evidence: "credential report: " + strings.Join(used, ", ") + fmt.Sprintf(" (within %d days)", days(RootRecentUse)),
					Remediation: "use Identity Center roles for daily work (keyless login); keep the root user for the few tasks only it can do"}}
			},
		},
		{
			id: "root-centralized-access", title: "Centralized root access is not enabled for the organization", severity: Medium,
			needs: []string{ActionListOrganizationsFeatures},
			applies: func(st *AccountState) bool {
				return st.Organization != nil && st.Organization.ManagementAccountID != st.AccountID
			},
			run: func(st *AccountState, _ time.Time) []Finding {
				if slices.Contains(st.Organization.RootFeatures, "RootCredentialsManagement") {
					return nil
				}
				return []Finding{{Resource: "arn:aws:organizations::" + st.Organization.ManagementAccountID + ":organization/" + st.Organization.ID,
					Evidence: fmt.Sprintf("ListOrganizationsFeatures: enabled features %v", st.Organization.RootFeatures),
					Remediation: "in the management account: aws organizations enable-aws-service-access --service-principal iam.amazonaws.com; " +
						"aws iam enable-organizations-root-credentials-management; then member accounts' root credentials can be removed centrally"}}
			},
		},
		{
			id: "iam-user-console-no-mfa", title: "IAM user with a console password and no MFA", severity: High,
			controls: []string{"CIS 1.10", "Security Hub IAM.5"}, needs: []string{"iam:ListUsers", "iam:GetLoginProfile", "iam:ListMFADevices"},
			run: eachUser(func(st *AccountState, u IAMUser, _ time.Time) []Finding {
				if u.LoginProfile == nil || len(u.MFADevices) > 0 {
					return nil
				}
				return []Finding{{Resource: u.ARN, Evidence: "console password since " + date(u.LoginProfile.Created) + ", no MFA device",
					Remediation: "move " + u.Name + " to Identity Center (keyless.yaml, keyless apply), then " + cleanupUser(st, u)}}
			}),
		},
		activeKeyCheck,
		{
			id: "iam-user-two-active-keys", title: "IAM user with two active access keys", severity: Medium,
			controls: []string{"CIS 1.13"}, needs: []string{"iam:ListUsers", "iam:ListAccessKeys"},
			run: eachUser(func(st *AccountState, u IAMUser, _ time.Time) []Finding {
				var ids []string
				for _, k := range u.AccessKeys {
					if k.Active() {
						ids = append(ids, k.ID)
					}
				}
				if len(ids) < 2 {
					return nil
				}
				return []Finding{{Resource: u.ARN, Evidence: "active access keys " + strings.Join(ids, ", "), Remediation: cleanupUser(st, u)}}
			}),
		},
		{
			id: "iam-user-key-old", title: "Access key older than 90 days", severity: Medium,
			controls: []string{"CIS 1.14", "Security Hub IAM.3"}, needs: []string{"iam:ListUsers", "iam:ListAccessKeys"},
			run: eachKey(func(st *AccountState, u IAMUser, k AccessKey, now time.Time) *Finding {
				if age := now.Sub(k.Created); age > MaxKeyAge {
					return &Finding{Evidence: fmt.Sprintf("access key %s created %s (%d days ago)", k.ID, date(k.Created), days(age))}
				}
				return nil
			}),
		},
		{
			id: "iam-user-key-unused", title: "Access key unused for 45 days or more", severity: Medium,
			controls: []string{"CIS 1.12", "Security Hub IAM.22"}, needs: []string{"iam:ListUsers", "iam:ListAccessKeys", "iam:GetAccessKeyLastUsed"},
			run: eachKey(func(st *AccountState, u IAMUser, k AccessKey, now time.Time) *Finding {
				// A key never used counts from its creation: it does not pass.
				since, what := k.Created, "never used, created "+date(k.Created)
				if k.LastUsed != nil {
					since, what = *k.LastUsed, "last used "+date(*k.LastUsed)
					if k.LastUsedService != "" {
						what += " (" + k.LastUsedService + ")"
					}
				}
				if idle := now.Sub(since); idle >= MaxUnused {
					return &Finding{Evidence: fmt.Sprintf("access key %s %s, %d days ago", k.ID, what, days(idle))}
				}
				return nil
			}),
		},
		{
			id: "iam-user-password-unused", title: "Console password unused for 45 days or more", severity: Medium,
			controls: []string{"CIS 1.12", "Security Hub IAM.22"}, needs: []string{"iam:ListUsers", "iam:GetLoginProfile"},
			run: eachUser(func(st *AccountState, u IAMUser, now time.Time) []Finding {
				if u.LoginProfile == nil {
					return nil
				}
				since, what := u.LoginProfile.Created, "never used, set "+date(u.LoginProfile.Created)
				if u.PasswordLastUsed != nil {
					since, what = *u.PasswordLastUsed, "last used "+date(*u.PasswordLastUsed)
				}
				idle := now.Sub(since)
				if idle < MaxUnused {
					return nil
				}
				return []Finding{{Resource: u.ARN, Evidence: fmt.Sprintf("console password %s, %d days ago", what, days(idle)), Remediation: cleanupUser(st, u)}}
			}),
		},
		{
			id: "password-policy-missing", title: "The account has no IAM password policy", severity: Medium,
			controls: []string{"CIS 1.8", "CIS 1.9", "Security Hub IAM.7"}, needs: []string{"iam:GetAccountPasswordPolicy"},
			run: func(st *AccountState, _ time.Time) []Finding {
				if st.PasswordPolicy != nil {
					return nil
				}
				return []Finding{{Evidence: "GetAccountPasswordPolicy: NoSuchEntity", Remediation: passwordPolicyFix}}
			},
		},
		{
			id: "password-policy-length", title: "The password policy allows passwords shorter than 14 characters", severity: Medium,
			controls: []string{"CIS 1.8", "Security Hub IAM.15"}, needs: []string{"iam:GetAccountPasswordPolicy"},
			applies: hasPasswordPolicy,
			run: func(st *AccountState, _ time.Time) []Finding {
				if st.PasswordPolicy.MinimumLength >= MinPasswordLength {
					return nil
				}
				return []Finding{{Evidence: fmt.Sprintf("MinimumPasswordLength = %d", st.PasswordPolicy.MinimumLength), Remediation: passwordPolicyFix}}
			},
		},
		{
			id: "password-policy-reuse", title: "The password policy remembers fewer than 24 passwords", severity: Low,
			controls: []string{"CIS 1.9", "Security Hub IAM.16"}, needs: []string{"iam:GetAccountPasswordPolicy"},
			applies: hasPasswordPolicy,
			run: func(st *AccountState, _ time.Time) []Finding {
				if st.PasswordPolicy.ReusePrevention >= MinPasswordReuse {
					return nil
				}
				return []Finding{{Evidence: fmt.Sprintf("PasswordReusePrevention = %d", st.PasswordPolicy.ReusePrevention), Remediation: passwordPolicyFix}}
			},
		},
		{
			id: "iam-user-no-identity-center", title: "IAM user with no Identity Center counterpart yet", severity: Low,
			needs:   []string{"iam:ListUsers", "iam:ListUserTags"},
			applies: func(st *AccountState) bool { return st.IdentityCenter != nil && st.IdentityCenter.Enabled },
			run: eachUser(func(st *AccountState, u IAMUser, _ time.Time) []Finding {
				c := MatchUser(st.IdentityCenter.State.Users, u.Name, u.Tags, "")
				if c.User != nil {
					return nil
				}
				ev := "no Identity Center user matches " + u.Name + " (by an email tag, the user name, the email or its name before @)"
				fix := "add " + u.Name + " to users: in keyless.yaml and run keyless apply; then " + cleanupUser(st, u)
				if st.IdentityCenter.external() {
					fix = "create " + u.Name + "'s person in your identity provider, which pushes them to Identity Center (SCIM), " +
						"and give access through its groups (keyless.yaml assigns those); then " + cleanupUser(st, u)
				}
				if len(c.Ambiguous) > 0 {
					ev = "Identity Center users " + strings.Join(c.Ambiguous, ", ") + " all match " + u.Name + " by email name"
					fix = "tag the IAM user with its person's email (aws iam tag-user --user-name " + u.Name + " --tags Key=email,Value=...), or map it with keyless cleanup --map"
				}
				return []Finding{{Resource: u.ARN, Evidence: ev, Remediation: fix}}
			}),
		},
		{
			id: "oidc-role-no-sub", title: "Role trusts an OIDC provider with no sub condition", severity: Critical,
			needs: roleActions,
			run: eachTrust(func(r IAMRole, t WebIdentityTrust) *Finding {
				if len(t.Sub) > 0 {
					return nil
				}
				return &Finding{Evidence: "trust on " + t.Provider + " has no " + t.Issuer + ":sub condition: any token " + t.Issuer + " issues, for any repository of any of its customers, can assume the role",
					Remediation: "add a StringEquals condition on " + t.Issuer + ":sub naming the one repository or project (a workloads: entry in keyless.yaml writes it)"}
			}),
		},
		{
			id: "oidc-role-sub-broad", title: "Role's sub condition admits more than one repository or project", severity: High,
			needs: roleActions,
			run: eachTrust(func(r IAMRole, t WebIdentityTrust) *Finding {
				var why []string
				for _, sub := range t.Sub {
					if ScopeOf(t.Issuer, sub, t.SubLike).Repos {
						why = append(why, fmt.Sprintf("%q matches more than one repository or project", sub))
					}
				}
				if len(why) == 0 {
					return nil
				}
				return &Finding{Evidence: "StringLike on " + t.Issuer + ":sub: " + strings.Join(why, "; "), Remediation: pinSub}
			}),
		},
		{
			id: "oidc-role-sub-any-ref", title: "Privileged role admits any branch, tag and pull request of its repository", severity: High,
			controls: []string{"Prowler iam_role_administratoraccess_policy"}, needs: roleActions,
			run: eachTrust(func(r IAMRole, t WebIdentityTrust) *Finding {
				priv := privileged(r)
				if priv == "" {
					return nil
				}
				var why []string
				for _, sub := range t.Sub {
					if sc := ScopeOf(t.Issuer, sub, t.SubLike); sc.AnyRef && !sc.Repos {
						why = append(why, fmt.Sprintf("%q matches any branch, tag and pull request (forks' too)", sub))
					}
				}
				if len(why) == 0 {
					return nil
				}
				return &Finding{Evidence: "StringLike on " + t.Issuer + ":sub: " + strings.Join(why, "; ") + ", and the role has " + priv, Remediation: pinSub}
			}),
		},
		{
			id: "oidc-role-no-aud", title: "Role trusts an OIDC provider with no aud condition", severity: Medium,
			needs: roleActions,
			run: eachTrust(func(r IAMRole, t WebIdentityTrust) *Finding {
				if len(t.Aud) > 0 {
					return nil
				}
				return &Finding{Evidence: "trust on " + t.Provider + " has no " + t.Issuer + ":aud condition: tokens minted for other audiences are accepted",
					Remediation: "add a StringEquals condition on " + t.Issuer + ":aud (sts.amazonaws.com for GitHub Actions)"}
			}),
		},
		{
			id: "oidc-role-github-old-subject", title: "GitHub trust matches only the classic subject, not the one with immutable ids", severity: Low,
			needs: roleActions,
			run: eachTrust(func(r IAMRole, t WebIdentityTrust) *Finding {
				if !githubOldSubjectOnly(t) {
					return nil
				}
				return &Finding{Evidence: "sub values " + strings.Join(t.Sub, ", ") + " all have the form repo:OWNER/REPO:...; repositories created since 2026-07-15 present repo:OWNER@OWNER_ID/REPO@REPO_ID:... by default, which this trust rejects",
					Remediation: "add the repo:OWNER@OWNER_ID/REPO@REPO_ID:... form beside the classic one (the ids are repository_owner_id and repository_id in GitHub's API); a workloads: entry in keyless.yaml writes both"}
			}),
		},
		{
			id: "oidc-provider-unused", title: "OIDC provider no role trusts", severity: Low,
			needs: append([]string{"iam:ListOpenIDConnectProviders"}, roleActions...),
			run: func(st *AccountState, _ time.Time) []Finding {
				var out []Finding
				for _, p := range st.OIDCProviders {
					if slices.ContainsFunc(st.Roles, func(r IAMRole) bool {
						return slices.ContainsFunc(r.Trusts, func(t WebIdentityTrust) bool { return t.Provider == p })
					}) {
						continue
					}
					out = append(out, Finding{Resource: p, Evidence: "no role's trust policy names " + p,
						Remediation: "delete it if nothing is meant to use it: aws iam delete-open-id-connect-provider --open-id-connect-provider-arn " + p})
				}
				return out
			},
		},
		{
			id: "oidc-role-unused", title: "Workload role unused for 90 days or more", severity: Medium,
			needs: roleActions,
			run: func(st *AccountState, now time.Time) []Finding {
				var out []Finding
				for _, r := range st.Roles {
					since, what := r.Created, "never used, created "+date(r.Created)
					if r.LastUsed != nil {
						since, what = *r.LastUsed, "last used "+date(*r.LastUsed)
					}
					if idle := now.Sub(since); idle >= MaxRoleUnused {
						out = append(out, Finding{Resource: r.ARN, Evidence: fmt.Sprintf("role %s %s, %d days ago", r.Name, what, days(idle)),
							Remediation: "delete the role if its pipeline is gone: aws iam delete-role --role-name " + r.Name + " (detach its policies first)"})
					}
				}
				return out
			},
		},
		{
			id: "ic-instance", title: "Identity Center is not enabled", severity: High,
			needs:   icActions,
			applies: icHome,
			run: func(st *AccountState, _ time.Time) []Finding {
				if st.IdentityCenter.Enabled {
					return nil
				}
				return []Finding{{Evidence: "ListInstances: no Identity Center instance in this account and region",
					Remediation: "enable Identity Center in the console (no API can for an organization): " + ic.EnableURL}}
			},
		},
		{
			id: "ic-keyless-groups", title: "A group keyless.yaml defines is missing from Identity Center", severity: Medium,
			needs: icActions,
			// Only against a keyless.yaml: the groups are what it asks for.
			applies: func(st *AccountState) bool {
				return icHome(st) && st.IdentityCenter != nil && st.IdentityCenter.Wanted != nil
			},
			run: func(st *AccountState, _ time.Time) []Finding {
				s, want := st.IdentityCenter.State, st.IdentityCenter.Wanted
				if s == nil {
					return nil // ic-instance reports it
				}
				var out []Finding
				for _, name := range want.Groups {
					if !slices.ContainsFunc(s.Groups, func(g ic.Group) bool { return strings.EqualFold(g.Name, name) }) {
						out = append(out, Finding{Resource: s.IdentityStoreID + "/group/" + name, Title: "Identity Center has no " + name + " group",
							Evidence: want.File + " defines group " + name + "; identitystore ListGroups: no such group", Remediation: "keyless apply -f " + want.File})
					}
				}
				return out
			},
		},
		{
			id: "ic-superadmin-assignment", title: "No one is assigned the SuperAdmin permission set", severity: High,
			needs: icActions, applies: icHome,
			run: func(st *AccountState, _ time.Time) []Finding {
				s := st.IdentityCenter.State
				if s == nil {
					return nil // ic-instance reports it
				}
				i := slices.IndexFunc(s.PermissionSets, func(p ic.PermissionSet) bool { return p.Name == superAdminSet })
				if i >= 0 && slices.ContainsFunc(s.Assignments, func(a ic.Assignment) bool { return a.PermissionSetARN == s.PermissionSets[i].ARN }) {
					return nil
				}
				ev := "no permission set named " + superAdminSet
				if i >= 0 {
					ev = "permission set " + superAdminSet + " is assigned in no account"
				}
				return []Finding{{Resource: s.InstanceARN, Evidence: ev,
					Remediation: "name super_admins in keyless.yaml and run keyless apply, so someone can administer every account without root or access keys"}}
			},
		},
		{
			id: "ic-user-mfa", title: "Identity Center users without MFA", severity: Medium,
			controls: []string{"CIS 1.10"}, applies: icRead,
			cannot: "AWS has no public API that lists Identity Center users' MFA devices",
			manual: "check Identity Center > Settings > Authentication: MFA \"Every time they sign in\" and \"Require them to register one at sign-in\": " + identityCenterMFAURL,
		},
	}, breakGlassChecks)
})

// hasPasswordPolicy: the account has one, or may have (the read failed).
func hasPasswordPolicy(st *AccountState) bool {
	return st.PasswordPolicy != nil || !st.Known("iam:GetAccountPasswordPolicy")
}

// icActions are what reading Identity Center calls.
var icActions = []string{"sso:*", "identitystore:*", "organizations:List*"}

const passwordPolicyFix = "aws iam update-account-password-policy --minimum-password-length 14 --password-reuse-prevention 24 " +
	"(better: no IAM passwords at all; people sign in through Identity Center)"

// icHome: this is the account Identity Center was read in, or failed to be.
func icHome(st *AccountState) bool {
	return st.IdentityCenter != nil && st.IdentityCenter.Account == st.AccountID || !st.Known(icActions...)
}

func icRead(st *AccountState) bool {
	return st.IdentityCenter != nil && st.IdentityCenter.Account == st.AccountID && st.IdentityCenter.Enabled
}

func eachUser(f func(st *AccountState, u IAMUser, now time.Time) []Finding) func(*AccountState, time.Time) []Finding {
	return func(st *AccountState, now time.Time) []Finding {
		var out []Finding
		for _, u := range st.Users {
			out = append(out, f(st, u, now)...)
		}
		return out
	}
}

// eachKey runs f on every active key; its findings name the key as
// resource (user ARN + "/access-key/" + key id) and remediate with cleanup.
func eachKey(f func(st *AccountState, u IAMUser, k AccessKey, now time.Time) *Finding) func(*AccountState, time.Time) []Finding {
	return eachUser(func(st *AccountState, u IAMUser, now time.Time) []Finding {
		var out []Finding
		for _, k := range u.AccessKeys {
			if !k.Active() {
				continue
			}
			if fd := f(st, u, k, now); fd != nil {
				fd.Resource = u.ARN + "/access-key/" + k.ID
				if fd.Remediation == "" {
					fd.Remediation = cleanupUser(st, u)
				}
				out = append(out, *fd)
			}
		}
		return out
	})
}

const pinSub = "pin sub with StringEquals to one repository and its protected branch or environment " +
	"(e.g. repo:ORG/REPO:ref:refs/heads/main); a workloads: entry in keyless.yaml writes it"

// roleActions are what reading workload roles calls.
var roleActions = []string{"iam:ListRoles", "iam:GetRole", "iam:ListAttachedRolePolicies"}

// privileged names the AWS managed policy that makes r privileged, "" when none does.
func privileged(r IAMRole) string {
	for _, p := range r.AttachedPolicies {
		switch p[strings.LastIndex(p, "/")+1:] {
		case "AdministratorAccess", "PowerUserAccess", "IAMFullAccess":
			return p[strings.LastIndex(p, "/")+1:]
		}
	}
	return ""
}

// eachTrust runs f on every web-identity statement of every workload
// role; its findings name the role as resource, one per role (the
// fingerprint is by resource): the evidence of several statements is joined.
func eachTrust(f func(r IAMRole, t WebIdentityTrust) *Finding) func(*AccountState, time.Time) []Finding {
	return func(st *AccountState, _ time.Time) []Finding {
		var out []Finding
		for _, r := range st.Roles {
			var found *Finding
			for _, t := range r.Trusts {
				fd := f(r, t)
				switch {
				case fd == nil:
				case found == nil:
					found = fd
				default:
					found.Evidence += "; " + fd.Evidence
				}
			}
			if found != nil {
				found.Resource = r.ARN
				out = append(out, *found)
			}
		}
		return out
	}
}
