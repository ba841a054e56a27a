package sandbox

// Account-wide IAM settings: the password policy, account aliases and
// the account summary.

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

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

// Account summary.

type summaryEntry struct {
	Key   string `xml:"key"`
	Value int    `xml:"value"`
}

func iamGetAccountSummary(ic *iamCall, _ url.Values) (any, error) {
	b := map[bool]int{true: 1}
	inUse, policyVersions := 0, 0
	for _, p := range ic.ia.Policies {
		policyVersions += len(p.Versions)
	}
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
		{"Roles", len(ic.ia.Roles)}, {"RolesQuota", rolesQuota}, {"RolePolicySizeQuota", 10240},
		{"AssumeRolePolicySizeQuota", 2048},
		{"UserPolicySizeQuota", 2048}, {"GroupPolicySizeQuota", 5120},
		{"AttachedPoliciesPerUserQuota", 10}, {"AttachedPoliciesPerGroupQuota", 10}, {"AttachedPoliciesPerRoleQuota", 10},
		{"AccessKeysPerUserQuota", 2}, {"SigningCertificatesPerUserQuota", 2},
		{"MFADevices", len(devices)}, {"MFADevicesInUse", inUse},
		{"AccountMFAEnabled", b[ic.ia.Root.MFAEnabled]},
		{"AccountAccessKeysPresent", b[ic.ia.Root.AccessKeysPresent]},
		{"AccountSigningCertificatesPresent", 0},
		{"ServerCertificates", 0}, {"ServerCertificatesQuota", 20},
		{"InstanceProfiles", len(ic.ia.InstanceProfiles)}, {"InstanceProfilesQuota", instanceProfilesQuota},
		{"Providers", len(ic.ia.OIDCProviders) + len(ic.ia.SAMLProviders)}, {"GlobalEndpointTokenVersion", 1},
	}
	return struct {
		SummaryMap []summaryEntry `xml:"SummaryMap>entry"`
	}{m}, nil
}
