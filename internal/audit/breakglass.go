package audit

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// BreakGlass is an account's one emergency way in, as keyless.yaml
// declares it: the root user (Root), or one IAM user (User). It must be
// able to sign in, hold no access key, have a hardware MFA device and
// stay unused.
type BreakGlass struct {
	Root bool
	User string
	// Where is the entry's place, e.g. keyless.yaml:12.
	Where string
}

func (b *BreakGlass) String() string {
	if b.Root {
		return "the root user"
	}
	return "IAM user " + b.User
}

// breakGlassNeeds are what the break-glass checks read.
var breakGlassNeeds = []string{"iam:GetAccountSummary", "iam:ListUsers", "iam:GetLoginProfile", "iam:ListAccessKeys", "iam:ListMFADevices"}

// declaredBreakGlass: keyless.yaml was read and names a way in.
func declaredBreakGlass(st *AccountState) bool {
	return st.Declared != nil && st.Declared.BreakGlass != nil
}

// breakGlassUser is the declared IAM user, nil for root or when absent.
func (st *AccountState) breakGlassUser() *IAMUser {
	b := st.Declared.BreakGlass
	if b.Root {
		return nil
	}
	i := slices.IndexFunc(st.Users, func(u IAMUser) bool { return strings.EqualFold(u.Name, b.User) })
	if i < 0 {
		return nil
	}
	return &st.Users[i]
}

// breakGlassARN is the break-glass way's resource.
func (st *AccountState) breakGlassARN() string {
	if u := st.breakGlassUser(); u != nil {
		return u.ARN
	}
	return st.RootARN()
}

// IsVirtualMFA reports whether an assigned MFA serial is a virtual device:
// one ListVirtualMFADevices lists, or one of the form
// arn:aws:iam::ACCOUNT:mfa/NAME that only virtual devices have. Hardware
// TOTP tokens have a plain serial (GAHT12345678) and FIDO security keys
// one of the form arn:aws:iam::ACCOUNT:u2f/...
func (st *AccountState) IsVirtualMFA(serial string) bool {
	return slices.Contains(st.VirtualMFA, serial) || strings.Contains(serial, ":mfa/")
}

func (st *AccountState) breakGlassFix(what string) string {
	return fmt.Sprintf("%s, or name another way in under break_glass: at %s", what, st.Declared.BreakGlass.Where)
}

var breakGlassChecks = []check{
	{
		id: "break-glass-declared", title: "keyless.yaml names no break-glass way into the account", severity: Medium,
		applies: func(st *AccountState) bool { return st.Declared != nil },
		run: func(st *AccountState, _ time.Time) []Finding {
			if st.Declared.BreakGlass != nil {
				return nil
			}
			return []Finding{{Evidence: st.Declared.File + " has no break_glass: entry for account " + st.AccountID,
				Remediation: "add to " + st.Declared.File + ` break_glass: [{root: true}] (the root user with a hardware MFA device) or [{iam_user: NAME}] (an IAM user with a console password and hardware MFA, no keys); keyless cleanup then never removes it`}}
		},
	},
	{
		id: "break-glass-missing", title: "The break-glass way in does not exist or cannot sign in", severity: High,
		needs: breakGlassNeeds, applies: declaredBreakGlass,
		run: func(st *AccountState, _ time.Time) []Finding {
			b := st.Declared.BreakGlass
			if b.Root {
				if rc := st.RootCredentials; rc != nil && !rc.Password {
					return []Finding{{Evidence: "the root user has no password (a root session read its credentials); " + b.Where + " names it as the way in",
						Remediation: st.breakGlassFix("restore the root user's password (the account's email: Forgot password, or from the management account through sts:AssumeRoot with IAMCreateRootUserPassword)")}}
				}
				return nil
			}
			u := st.breakGlassUser()
			switch {
			case u == nil:
				return []Finding{{Resource: "arn:aws:iam::" + st.AccountID + ":user/" + b.User, Evidence: "ListUsers: no IAM user " + b.User + "; " + b.Where + " names it as the way in",
					Remediation: st.breakGlassFix("aws iam create-user --user-name " + b.User + "; aws iam create-login-profile --user-name " + b.User + " --password ...; register a hardware MFA device for it in the console")}}
			case u.LoginProfile == nil:
				return []Finding{{Resource: u.ARN, Evidence: "GetLoginProfile: " + u.Name + " has no console password",
					Remediation: st.breakGlassFix("aws iam create-login-profile --user-name " + u.Name + " --password ... (keep it in a safe with its MFA device)")}}
			}
			return nil
		},
	},
	{
		id: "break-glass-access-key", title: "The break-glass way in has an access key", severity: High,
		needs: breakGlassNeeds, applies: declaredBreakGlass,
		run: func(st *AccountState, _ time.Time) []Finding {
			if st.Declared.BreakGlass.Root {
				if st.Summary["AccountAccessKeysPresent"] == 0 {
					return nil
				}
				return []Finding{{Evidence: "GetAccountSummary: AccountAccessKeysPresent = 1", Remediation: rootRemediation(st, "delete the access keys")}}
			}
			u := st.breakGlassUser()
			if u == nil || len(u.AccessKeys) == 0 {
				return nil
			}
			var ids []string
			for _, k := range u.AccessKeys {
				ids = append(ids, k.ID+" ("+strings.ToLower(k.Status)+")")
			}
			return []Finding{{Resource: u.ARN, Evidence: "ListAccessKeys: " + strings.Join(ids, ", "),
				Remediation: "delete them by hand (keyless cleanup never touches the break-glass user): aws iam delete-access-key --user-name " + u.Name + " --access-key-id ID"}}
		},
	},
	{
		id: "break-glass-no-mfa", title: "The break-glass way in has no MFA", severity: High,
		controls: []string{"CIS 1.5", "CIS 1.10"}, needs: breakGlassNeeds, applies: declaredBreakGlass,
		run: func(st *AccountState, _ time.Time) []Finding {
			if st.Declared.BreakGlass.Root {
				if st.Summary["AccountMFAEnabled"] == 1 {
					return nil
				}
				return []Finding{{Evidence: "GetAccountSummary: AccountMFAEnabled = 0", Remediation: rootRemediation(st, "assign a hardware MFA device (a FIDO security key)")}}
			}
			u := st.breakGlassUser()
			if u == nil || len(u.MFADevices) > 0 {
				return nil
			}
			return []Finding{{Resource: u.ARN, Evidence: "ListMFADevices: " + u.Name + " has none",
				Remediation: "sign in as " + u.Name + " and assign a FIDO security key under Security credentials > Multi-factor authentication"}}
		},
	},
	{
		id: "break-glass-virtual-mfa", title: "The break-glass way in has a virtual MFA device, not hardware", severity: Medium,
		controls: []string{"CIS 1.6"}, needs: append(slices.Clone(breakGlassNeeds), "iam:ListVirtualMFADevices"), applies: declaredBreakGlass,
		run: func(st *AccountState, _ time.Time) []Finding {
			if st.Declared.BreakGlass.Root {
				if st.RootVirtualMFA == "" {
					return nil
				}
				return []Finding{{Evidence: "ListVirtualMFADevices: " + st.RootVirtualMFA + " is assigned to the root user",
					Remediation: rootRemediation(st, "assign a FIDO security key, then remove the virtual device")}}
			}
			u := st.breakGlassUser()
			if u == nil || len(u.MFADevices) == 0 || slices.ContainsFunc(u.MFADevices, func(s string) bool { return !st.IsVirtualMFA(s) }) {
				return nil
			}
			return []Finding{{Resource: u.ARN, Evidence: "only virtual MFA devices: " + strings.Join(u.MFADevices, ", "),
				Remediation: "sign in as " + u.Name + ", assign a FIDO security key, then remove the virtual device (a phone is not kept in a safe)"}}
		},
	},
	{
		id: "break-glass-used", title: "The break-glass way in was used", severity: Medium,
		needs: reportActions, applies: declaredBreakGlass,
		run: func(st *AccountState, _ time.Time) []Finding {
			b := st.Declared.BreakGlass
			name := RootUser
			if !b.Root {
				name = b.User
			}
			i := slices.IndexFunc(st.Report, func(r ReportRow) bool { return strings.EqualFold(r.User, name) })
			if i < 0 {
				return nil
			}
			row := st.Report[i]
			var used []string
			if t := row.PasswordLastUsed; t != nil {
				used = append(used, "password last used "+date(*t))
			}
			for n, k := range row.Keys {
				if t := k.LastUsed; t != nil {
					used = append(used, fmt.Sprintf("access key %d last used %s", n+1, date(*t)))
				}
			}
			if len(used) == 0 {
				return nil
			}
			return []Finding{{Resource: st.breakGlassARN(), Evidence: "credential report: " + b.String() + " " + strings.Join(used, ", "),
				Remediation: "review the use: CloudTrail ConsoleLogin events of " + b.String() + " on that day (who, from where, why); if it was no emergency, change its password and MFA device"}}
		},
	},
}
