package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"github.com/keyless-dev/keyless/internal/policy"
	"github.com/keyless-dev/keyless/internal/safeyaml"
)

// Seed is the documented YAML world that `keyless sandbox --seed FILE` loads
// (docs/sandbox.md). Every field is optional; what is left out takes the
// default world's value. The doc comments of these structs are the seed's
// reference in docs/sandbox.md (seed_doc_test.go generates it): every field
// needs one.
type Seed struct {
	// Organization: false starts with no organization (CreateOrganization makes one).
	Organization *bool `yaml:"organization"`
	// IdentityCenter: false starts with Identity Center not enabled
	// (POST /_sandbox/identity-center enables it, as the console would).
	IdentityCenter *bool `yaml:"identity_center"`
	// ManagementAccount is the organization's management account, one of
	// accounts (default: the first).
	ManagementAccount string `yaml:"management_account"`
	// IdentityStoreID is the Identity Center identity store (d- and 10 hex
	// digits; default d-1111111111).
	IdentityStoreID string `yaml:"identity_store_id"`
	// InstanceARN is the Identity Center instance (default
	// arn:aws:sso:::instance/ssoins-1111111111111111).
	InstanceARN string `yaml:"instance_arn"`
	// Accounts are the organization's accounts (default: the default
	// world's three).
	Accounts []SeedAccount `yaml:"accounts"`
	// OUTags are tags on OUs, by the OU's path below the root (Workloads/Prod).
	OUTags map[string]map[string]string `yaml:"ou_tags"`
	// Users are Identity Center users, in the identity store.
	Users []SeedUser `yaml:"users"`
	// Groups are Identity Center groups, in the identity store.
	Groups []SeedGroup `yaml:"groups"`
	// PermissionSets exist from the start, as if an apply had made them.
	PermissionSets []SeedPermissionSet `yaml:"permission_sets"`
	// Assignments give users and groups permission sets in accounts from
	// the start, provisioned (they succeed at once).
	Assignments []SeedAssignment `yaml:"assignments"`
	// CentralizedRootAccess enables the organization's centralized root
	// access (RootCredentialsManagement and RootSessions), so sts:AssumeRoot works.
	CentralizedRootAccess bool `yaml:"centralized_root_access"`
	// AccountInstances are Identity Center account instances of member
	// accounts, beside the organization instance.
	AccountInstances []SeedAccountInstance `yaml:"account_instances"`
	// CloudTrail is a history of IAM users' calls in CloudTrail, which
	// LookupEvents returns beside the calls the sandbox serves.
	CloudTrail []SeedEvents `yaml:"cloudtrail"`
}

// SeedAccountInstance is an Identity Center account instance.
type SeedAccountInstance struct {
	// Account is the member account that owns the instance.
	Account string `yaml:"account"`
	// Name of the instance.
	Name string `yaml:"name"`
}

type SeedPermissionSet struct {
	// Name of the permission set (required, unique).
	Name string `yaml:"name"`
	// Description shown in the portal and the console.
	Description string `yaml:"description"`
	// SessionDuration is an ISO 8601 duration (default PT1H).
	SessionDuration string `yaml:"session_duration"`
	// ManagedPolicies are AWS managed policy ARNs attached to it.
	ManagedPolicies []string `yaml:"managed_policies"`
}

// SeedAssignment gives a user or a group a permission set in accounts
// ("all" for every account).
type SeedAssignment struct {
	// PermissionSet names one of permission_sets.
	PermissionSet string `yaml:"permission_set"`
	// User names one of users (give user or group, not both).
	User string `yaml:"user"`
	// Group names one of groups.
	Group string `yaml:"group"`
	// Accounts are account ids, or "all" for every account (required).
	Accounts []string `yaml:"accounts"`
}

type SeedAccount struct {
	// ID is the 12-digit account id (required; quote it so leading zeros stay).
	ID string `yaml:"id"`
	// Name of the account (default account-<id>).
	Name string `yaml:"name"`
	// Email of the account's root user (default <name>@example.com).
	Email string `yaml:"email"`
	// OU is the account's OU path below the root (Workloads/Dev), created
	// as needed; empty for the root.
	OU string `yaml:"ou"`
	// Tags on the account.
	Tags map[string]string `yaml:"tags"`
	// Root is the state of the account's root user (default: MFA on in the
	// management account only, no access keys).
	Root *SeedRoot `yaml:"root"`
	// IAMUsers are the account's IAM users.
	IAMUsers []SeedIAMUser `yaml:"iam_users"`
	// Aliases are the account's IAM aliases.
	Aliases []string `yaml:"aliases"`
	// Roles are IAM roles, beside the OrganizationAccountAccessRole every
	// member account has; one of that name in a member account replaces it.
	Roles []SeedRole `yaml:"roles"`
	// DelegatedAdministratorFor registers the account as a delegated
	// administrator of these services (sso.amazonaws.com: IAM Identity Center).
	DelegatedAdministratorFor []string `yaml:"delegated_administrator_for"`
	// IAMGroups are the account's IAM groups; iam_users name theirs.
	IAMGroups []SeedIAMGroup `yaml:"iam_groups"`
	// OIDCProviders are IAM OpenID Connect providers (a CI system's issuer).
	OIDCProviders []SeedOIDCProvider `yaml:"oidc_providers"`
}

// SeedRole is an IAM role as CreateRole would make it.
type SeedRole struct {
	// Name of the role (required; unique without regard to case).
	Name string `yaml:"name"`
	// Path of the role (default /).
	Path string `yaml:"path"`
	// Description of the role.
	Description string `yaml:"description"`
	// TrustPolicy is the AssumeRolePolicyDocument (JSON); by default the
	// role trusts the management account, as OrganizationAccountAccessRole does.
	TrustPolicy string `yaml:"trust_policy"`
	// MaxSessionDuration in seconds, 3600 to 43200 (default 3600).
	MaxSessionDuration int `yaml:"max_session_duration"`
	// Policies are managed policy ARNs attached to the role.
	Policies []string `yaml:"policies"`
	// InlinePolicies are policy documents (JSON) by name.
	InlinePolicies map[string]string `yaml:"inline_policies"`
	// Tags on the role.
	Tags map[string]string `yaml:"tags"`
	// LastUsed is the role's RoleLastUsed date.
	LastUsed *time.Time `yaml:"last_used"`
	// LastUsedRegion is where the role was last used (default us-east-1
	// when last_used is set).
	LastUsedRegion string `yaml:"last_used_region"`
}

// SeedIAMGroup is an IAM group with its policies.
type SeedIAMGroup struct {
	// Name of the group (required).
	Name string `yaml:"name"`
	// Policies are managed policy ARNs attached to the group.
	Policies []string `yaml:"policies"`
	// InlinePolicies are policy documents (JSON) by name.
	InlinePolicies map[string]string `yaml:"inline_policies"`
}

// SeedOIDCProvider is an IAM OpenID Connect provider.
type SeedOIDCProvider struct {
	// URL is the issuer, https://host[/path] (required).
	URL string `yaml:"url"`
	// ClientIDs are the audiences the provider accepts (at most 100).
	ClientIDs []string `yaml:"client_ids"`
	// Thumbprints are certificate thumbprints, 40 hex digits each (at most 5).
	Thumbprints []string `yaml:"thumbprints"`
}

type SeedRoot struct {
	// AccessKeysPresent: the root user has access keys.
	AccessKeysPresent bool `yaml:"access_keys_present"`
	// MFAEnabled: the root user has an MFA device.
	MFAEnabled bool `yaml:"mfa_enabled"`
	// HardwareMFA: that device is a hardware one.
	HardwareMFA bool `yaml:"hardware_mfa"`
	// PasswordLastUsed is when the root user last signed in.
	PasswordLastUsed *time.Time `yaml:"password_last_used"`
}

type SeedIAMUser struct {
	// Name of the user (required).
	Name string `yaml:"name"`
	// Created is when the user was made (default: 400 days before start).
	Created *time.Time `yaml:"created"`
	// Password: the user has a console password (a login profile).
	Password bool `yaml:"password"`
	// PasswordLastUsed is when the user last signed in to the console.
	PasswordLastUsed *time.Time `yaml:"password_last_used"`
	// MFA: the user has a virtual MFA device (arn:aws:iam::<account>:mfa/<name>,
	// listed by ListVirtualMFADevices as AWS lists every virtual device).
	MFA bool `yaml:"mfa"`
	// HardwareMFA: the user has a FIDO security key
	// (arn:aws:iam::<account>:u2f/user/<name>/fidosecuritykey-<id>), which
	// ListMFADevices lists and ListVirtualMFADevices does not.
	HardwareMFA bool `yaml:"hardware_mfa"`
	// Policies are managed policy ARNs attached to the user.
	Policies []string `yaml:"policies"`
	// AccessKeys are the user's access keys.
	AccessKeys []SeedAccessKey `yaml:"access_keys"`
	// Groups are names in the account's iam_groups.
	Groups []string `yaml:"groups"`
	// PermissionsBoundary is a managed policy ARN bounding the user.
	PermissionsBoundary string `yaml:"permissions_boundary"`
}

type SeedAccessKey struct {
	// ID is the access key id (AKIA and 16 of A-Z2-7; generated from the
	// user's name when left out).
	ID string `yaml:"id"`
	// Secret is the secret access key, so a test can sign with the key
	// (random when left out).
	Secret string `yaml:"secret"`
	// Status is Active (default) or Inactive.
	Status string `yaml:"status"`
	// Created is when the key was made (default: the user's creation).
	Created *time.Time `yaml:"created"`
	// LastUsed is when the key was last used.
	LastUsed *time.Time `yaml:"last_used"`
	// LastUsedService is the service of that last use (s3).
	LastUsedService string `yaml:"last_used_service"`
	// LastUsedRegion is the region of that last use (us-east-1).
	LastUsedRegion string `yaml:"last_used_region"`
}

type SeedUser struct {
	// UserName is the sign-in name (required, unique).
	UserName string `yaml:"user_name"`
	// GivenName is the user's first name.
	GivenName string `yaml:"given_name"`
	// FamilyName is the user's last name.
	FamilyName string `yaml:"family_name"`
	// DisplayName is the name shown (default: given and family name, else
	// the user name).
	DisplayName string `yaml:"display_name"`
	// Email is the user's primary work email.
	Email string `yaml:"email"`
	// MFA: the user registered an MFA device (for audits).
	MFA bool `yaml:"mfa"`
	// ExternalIDs are the ids an identity provider gave the user when it
	// pushed it through SCIM (the identity store API cannot set them).
	ExternalIDs []SeedExternalID `yaml:"external_ids"`
}

// SeedExternalID is an identity provider's id for a user or group.
type SeedExternalID struct {
	// Issuer is the identity provider (required), e.g. https://example.okta.com.
	Issuer string `yaml:"issuer"`
	// ID is the provider's id for the user or group.
	ID string `yaml:"id"`
}

type SeedGroup struct {
	// Name is the group's display name (required).
	Name string `yaml:"name"`
	// Description of the group.
	Description string `yaml:"description"`
	// Members are user names from users.
	Members []string `yaml:"members"`
	// ExternalIDs are the ids an identity provider gave the group when it
	// pushed it through SCIM.
	ExternalIDs []SeedExternalID `yaml:"external_ids"`
}

// The default world.
const (
	defaultManagementAccount = "111111111111"
	defaultIdentityStoreID   = "d-1111111111"
	defaultInstanceARN       = "arn:aws:sso:::instance/ssoins-1111111111111111"
	defaultOrgID             = "o-k3yl3ss000"
	defaultRootID            = "r-k3yl"
)

// DefaultSeed is the world a sandbox starts with when no seed is given.
func DefaultSeed() *Seed {
	return &Seed{
		ManagementAccount: defaultManagementAccount,
		Accounts: []SeedAccount{
			{ID: defaultManagementAccount, Name: "management", Email: "management@example.com", Root: &SeedRoot{MFAEnabled: true}},
			{ID: "222222222222", Name: "dev", Email: "dev@example.com"},
			{ID: "333333333333", Name: "prod", Email: "prod@example.com"},
		},
	}
}

// LoadSeed reads a seed file. Unknown fields and bad values are errors that
// name the file, line and field.
func LoadSeed(path string) (*Seed, error) {
	b, err := safeyaml.ReadFile(path)
	if err != nil {
		if lim, ok := errors.AsType[*safeyaml.Error](err); ok {
			return nil, fmt.Errorf("%s: %s", path, lim.Msg)
		}
		return nil, fmt.Errorf("read seed: %w", err)
	}
	file, err := safeyaml.Parse(b)
	if err != nil {
		if lim, ok := errors.AsType[*safeyaml.Error](err); ok && lim.Line > 0 {
			return nil, fmt.Errorf("%s:%d: %s", path, lim.Line, lim.Msg)
		}
		return nil, fmt.Errorf("%s: %s", path, yaml.FormatError(err, false, true))
	}
	var s Seed
	if len(file.Docs) > 0 && file.Docs[0].Body != nil {
		if err := yaml.NodeToValue(file.Docs[0].Body, &s, yaml.DisallowUnknownField(), yaml.CustomUnmarshaler(unmarshalTime)); err != nil {
			return nil, decodeError(path, file, err)
		}
	}
	if errs := s.problems(); len(errs) > 0 {
		lines := make([]string, len(errs))
		for i, e := range errs {
			lines[i] = fmt.Sprintf("%s:%d: %s: %s", path, lineOf(file, e.path), e.path, e.msg)
		}
		return nil, fmt.Errorf("invalid seed:\n  %s", strings.Join(lines, "\n  "))
	}
	return &s, nil
}

// unmarshalTime reads a time as YAML writes timestamps (RFC 3339, with a
// space for the T, or a date): the decoder would quietly make anything else
// year 1.
func unmarshalTime(t *time.Time, b []byte) error {
	text := strings.Trim(strings.TrimSpace(string(b)), `"'`)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", time.DateOnly} {
		if v, err := time.Parse(layout, text); err == nil {
			*t = v
			return nil
		}
	}
	return &timeError{text}
}

type timeError struct{ text string }

func (e *timeError) Error() string {
	return fmt.Sprintf("%q is not a time: write it as 2024-01-02T03:04:05Z or 2024-01-02", e.text)
}

// decodeError says where a value that does not fit the seed stands, by its
// YAML field and line, in the seed's words rather than the Go types'.
func decodeError(path string, file *ast.File, err error) error {
	var body ast.Node
	if len(file.Docs) > 0 {
		body = file.Docs[0].Body
	}
	var match func(ast.Node) bool
	msg := err.Error()
	if te, ok := errors.AsType[*timeError](err); ok {
		// The decoder does not say where a custom unmarshaler failed: find
		// the value.
		match = func(n ast.Node) bool { s, ok := n.(*ast.StringNode); return ok && s.Value == te.text }
		msg = te.Error()
	} else if ye, ok := errors.AsType[yaml.Error](err); ok && ye.GetToken() != nil {
		tk := ye.GetToken()
		match = func(n ast.Node) bool { return n.GetToken() == tk }
		msg = ye.GetMessage()
		switch e := err.(type) {
		case *yaml.TypeError:
			msg = fmt.Sprintf("expected %s, found %s", typeWords(e.DstType), typeWords(e.SrcType))
		case *yaml.UnexpectedNodeTypeError:
			msg = fmt.Sprintf("expected %s, found %s", nodeWords(e.Expected), nodeWords(e.Actual))
		}
	}
	if match == nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	field, line, ok := fieldAt(body, "", match)
	switch {
	case !ok:
		return fmt.Errorf("%s: %s", path, msg)
	case field == "":
		return fmt.Errorf("%s:%d: %s", path, line, msg)
	}
	return fmt.Errorf("%s:%d: %s: %s", path, line, field, msg)
}

// typeWords names a Go type as the kind of YAML value it takes.
func typeWords(t reflect.Type) string {
	if t == nil {
		return "nothing"
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == reflect.TypeFor[time.Time]():
		return "a time such as 2024-01-02T03:04:05Z"
	case t.Kind() == reflect.String:
		return "text"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		return "a list"
	case t.Kind() == reflect.Map || t.Kind() == reflect.Struct:
		return "a mapping"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Float64:
		return "a number"
	}
	return t.String()
}

// nodeWords names a YAML node type as typeWords does.
func nodeWords(t ast.NodeType) string {
	switch t {
	case ast.MappingType, ast.MappingValueType:
		return "a mapping"
	case ast.SequenceType:
		return "a list"
	case ast.StringType, ast.LiteralType:
		return "text"
	case ast.BoolType:
		return "true or false"
	case ast.IntegerType, ast.FloatType:
		return "a number"
	case ast.NullType:
		return "nothing"
	}
	return t.String()
}

// fieldAt finds the YAML path (accounts[1].tags) and line of the first
// node, or mapping key, that match accepts.
func fieldAt(n ast.Node, path string, match func(ast.Node) bool) (string, int, bool) {
	if n == nil {
		return "", 0, false
	}
	if match(n) {
		return path, n.GetToken().Position.Line, true
	}
	switch v := n.(type) {
	case *ast.AnchorNode:
		return fieldAt(v.Value, path, match)
	case *ast.TagNode:
		return fieldAt(v.Value, path, match)
	case *ast.MappingNode:
		for _, mv := range v.Values {
			if p, line, ok := fieldAt(mv, path, match); ok {
				return p, line, true
			}
		}
	case *ast.MappingValueNode:
		p := v.Key.GetToken().Value
		if path != "" {
			p = path + "." + p
		}
		if match(v.Key) {
			return p, v.Key.GetToken().Position.Line, true
		}
		return fieldAt(v.Value, p, match)
	case *ast.SequenceNode:
		for i, item := range v.Values {
			if p, line, ok := fieldAt(item, fmt.Sprintf("%s[%d]", path, i), match); ok {
				return p, line, true
			}
		}
	}
	return "", 0, false
}

// seedProblem is one bad field, by its YAML path (accounts[1].id).
type seedProblem struct{ path, msg string }

// lineOf finds the line of a field in the parsed file, 0 when unknown.
func lineOf(file *ast.File, path string) int {
	if file == nil {
		return 0
	}
	p, err := yaml.PathString("$." + path)
	if err != nil {
		return 0
	}
	n, err := p.FilterFile(file)
	if err != nil || n == nil || n.GetToken() == nil {
		return 0
	}
	return n.GetToken().Position.Line
}

var accessKeyIDPattern = lazyRegexp(`^AKIA[A-Z2-7]{16}$`)

var storeIDPattern = lazyRegexp(`^d-[0-9a-f]{10}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func (s *Seed) validate() error {
	errs := s.problems()
	if len(errs) == 0 {
		return nil
	}
	lines := make([]string, len(errs))
	for i, e := range errs {
		lines[i] = e.path + ": " + e.msg
	}
	return fmt.Errorf("invalid seed:\n  %s", strings.Join(lines, "\n  "))
}

func (s *Seed) problems() []seedProblem {
	var errs []seedProblem
	add := func(path, format string, a ...any) {
		errs = append(errs, seedProblem{path, fmt.Sprintf(format, a...)})
	}
	seen := map[string]bool{}
	for i, a := range s.Accounts {
		if !accountIDPattern.MatchString(a.ID) {
			add(fmt.Sprintf("accounts[%d].id", i), "%q is not a 12-digit account id (quote it so leading zeros stay)", a.ID)
		}
		if seen[a.ID] {
			add(fmt.Sprintf("accounts[%d].id", i), "account %s appears twice", a.ID)
		}
		seen[a.ID] = true
		groups := map[string]bool{}
		for j, g := range a.IAMGroups {
			at := fmt.Sprintf("accounts[%d].iam_groups[%d]", i, j)
			if g.Name == "" {
				add(at+".name", "required")
			}
			if groups[strings.ToLower(g.Name)] {
				add(at+".name", "%q appears twice", g.Name)
			}
			groups[strings.ToLower(g.Name)] = true
			for k, arn := range g.Policies {
				if !iamPolicyARN.MatchString(arn) {
					add(fmt.Sprintf("%s.policies[%d]", at, k), "%q is not a managed policy ARN (arn:aws:iam::aws:policy/NAME)", arn)
				}
			}
			for name, doc := range g.InlinePolicies {
				if err := validatePolicy(doc, policy.GroupInlineSize); err != nil {
					add(at+".inline_policies."+name, "%s", apiMessage(err))
				}
			}
		}
		for j, p := range a.OIDCProviders {
			if _, err := oidcIssuer(p.URL); err != nil {
				add(fmt.Sprintf("accounts[%d].oidc_providers[%d].url", i, j), "%s", apiMessage(err))
			}
			for k, t := range p.Thumbprints {
				if len(t) != 40 {
					add(fmt.Sprintf("accounts[%d].oidc_providers[%d].thumbprints[%d]", i, j, k), "%q is not a thumbprint (40 hex digits)", t)
				}
			}
		}
		for j, u := range a.IAMUsers {
			if u.Name == "" {
				add(fmt.Sprintf("accounts[%d].iam_users[%d].name", i, j), "required")
			}
			for k, g := range u.Groups {
				if !groups[strings.ToLower(g)] {
					add(fmt.Sprintf("accounts[%d].iam_users[%d].groups[%d]", i, j, k), "%q is not in the account's iam_groups", g)
				}
			}
			if b := u.PermissionsBoundary; b != "" && !iamPolicyARN.MatchString(b) {
				add(fmt.Sprintf("accounts[%d].iam_users[%d].permissions_boundary", i, j), "%q is not a managed policy ARN (arn:aws:iam::aws:policy/NAME)", b)
			}
			for k, key := range u.AccessKeys {
				if key.ID != "" && !accessKeyIDPattern.MatchString(key.ID) {
					add(fmt.Sprintf("accounts[%d].iam_users[%d].access_keys[%d].id", i, j, k), "%q is not an access key id (AKIA and 16 of A-Z2-7)", key.ID)
				}
				switch key.Status {
				case "", "Active", "Inactive":
				default:
					add(fmt.Sprintf("accounts[%d].iam_users[%d].access_keys[%d].status", i, j, k), "%q: use Active or Inactive", key.Status)
				}
			}
		}
	}
	for i, a := range s.Accounts {
		for j, r := range a.Roles {
			for _, p := range r.problems() {
				add(fmt.Sprintf("accounts[%d].roles[%d]%s", i, j, p.path), "%s", p.msg)
			}
			for k := range j {
				if strings.EqualFold(a.Roles[k].Name, r.Name) {
					add(fmt.Sprintf("accounts[%d].roles[%d].name", i, j), "%q appears twice (role names ignore case)", r.Name)
				}
			}
		}
	}
	if s.ManagementAccount != "" && len(s.Accounts) > 0 && !seen[s.ManagementAccount] {
		add("management_account", "%s is not among accounts", s.ManagementAccount)
	}
	mgmt := s.ManagementAccount
	if mgmt == "" && len(s.Accounts) > 0 {
		mgmt = s.Accounts[0].ID
	}
	for i, a := range s.Accounts {
		for j, sp := range a.DelegatedAdministratorFor {
			at := fmt.Sprintf("accounts[%d].delegated_administrator_for[%d]", i, j)
			switch {
			case a.ID == mgmt:
				add(at, "the management account cannot be a delegated administrator")
			case !slices.Contains(delegableServices, sp):
				add(at, "%q is not a service that takes a delegated administrator (for Identity Center: %s)", sp, ssoServicePrincipal)
			}
		}
	}
	owners := map[string]bool{}
	for i, ai := range s.AccountInstances {
		at := fmt.Sprintf("account_instances[%d].account", i)
		switch {
		case !seen[ai.Account]:
			add(at, "%q is not among accounts", ai.Account)
		case ai.Account == mgmt:
			add(at, "the management account cannot have an account instance: it has the organization instance")
		case owners[ai.Account]:
			add(at, "account %s has an account instance already (one per account)", ai.Account)
		}
		owners[ai.Account] = true
	}
	if s.IdentityStoreID != "" && !storeIDPattern.MatchString(s.IdentityStoreID) {
		add("identity_store_id", "%q is not an identity store id (d- and 10 hex digits)", s.IdentityStoreID)
	}
	users := map[string]bool{}
	for i, u := range s.Users {
		if u.UserName == "" {
			add(fmt.Sprintf("users[%d].user_name", i), "required")
		}
		if users[u.UserName] {
			add(fmt.Sprintf("users[%d].user_name", i), "%q appears twice", u.UserName)
		}
		users[u.UserName] = true
		checkSeedExternalIDs(add, fmt.Sprintf("users[%d]", i), u.ExternalIDs)
	}
	for i, g := range s.Groups {
		if g.Name == "" {
			add(fmt.Sprintf("groups[%d].name", i), "required")
		}
		checkSeedExternalIDs(add, fmt.Sprintf("groups[%d]", i), g.ExternalIDs)
		for j, m := range g.Members {
			if !users[m] {
				add(fmt.Sprintf("groups[%d].members[%d]", i, j), "%q is not a user in users", m)
			}
		}
	}
	sets := map[string]bool{}
	for i, p := range s.PermissionSets {
		if p.Name == "" {
			add(fmt.Sprintf("permission_sets[%d].name", i), "required")
		}
		if sets[p.Name] {
			add(fmt.Sprintf("permission_sets[%d].name", i), "%q appears twice", p.Name)
		}
		sets[p.Name] = true
	}
	groups := map[string]bool{}
	for _, g := range s.Groups {
		groups[g.Name] = true
	}
	for i, a := range s.Assignments {
		at := fmt.Sprintf("assignments[%d]", i)
		if !sets[a.PermissionSet] {
			add(at+".permission_set", "%q is not in permission_sets", a.PermissionSet)
		}
		switch {
		case (a.User == "") == (a.Group == ""):
			add(at, "give exactly one of user and group")
		case a.User != "" && !users[a.User]:
			add(at+".user", "%q is not a user in users", a.User)
		case a.Group != "" && !groups[a.Group]:
			add(at+".group", "%q is not a group in groups", a.Group)
		}
		if len(a.Accounts) == 0 {
			add(at+".accounts", "required: account ids, or all")
		}
		for j, id := range a.Accounts {
			if id != "all" && len(s.Accounts) > 0 && !seen[id] {
				add(fmt.Sprintf("%s.accounts[%d]", at, j), "%q is not among accounts", id)
			}
		}
	}
	s.seedEventProblems(add)
	return errs
}

// buildWorld makes the world a seed describes.
func buildWorld(seed *Seed, now time.Time) (*World, error) {
	if seed == nil {
		seed = DefaultSeed()
	}
	if err := seed.validate(); err != nil {
		return nil, err
	}
	// A stable clock for creation dates: seeds describe a past that does not
	// move with the wall clock, except where the seed gives dates.
	created := now.Add(-400 * 24 * time.Hour).UTC().Truncate(time.Second)
	mgmt := seed.ManagementAccount
	if mgmt == "" {
		mgmt = defaultManagementAccount
		if len(seed.Accounts) > 0 {
			mgmt = seed.Accounts[0].ID
		}
	}
	accounts := seed.Accounts
	if len(accounts) == 0 {
		accounts = DefaultSeed().Accounts
	}
	w := &World{
		RootID:       defaultRootID,
		Sessions:     map[string]*Session{},
		SigninTokens: map[string]*SigninToken{},
		IAM:          map[string]*IAMAccount{},
		OIDC: OIDCState{
			Clients:     map[string]*OIDCClient{},
			DeviceAuths: map[string]*DeviceAuth{},
			AuthCodes:   map[string]*AuthCode{},
			Tokens:      map[string]*Token{},
		},
	}
	var mgmtEmail string
	for _, sa := range accounts {
		a := &Account{ID: sa.ID, Name: sa.Name, Email: sa.Email, Status: "ACTIVE", JoinedMethod: "INVITED",
			Joined: created, ParentID: w.ouPath(sa.OU, mgmt)}
		if a.Name == "" {
			a.Name = "account-" + sa.ID
		}
		if a.Email == "" {
			a.Email = a.Name + "@example.com"
		}
		if a.ID == mgmt {
			a.JoinedMethod = "CREATED"
			mgmtEmail = a.Email
		}
		a.Tags = sortedTags(sa.Tags)
		w.Accounts = append(w.Accounts, a)

		ia := w.iamAccount(a.ID)
		ia.Root = RootState{MFAEnabled: a.ID == mgmt, Created: created}
		if sa.Root != nil {
			ia.Root = RootState{AccessKeysPresent: sa.Root.AccessKeysPresent, MFAEnabled: sa.Root.MFAEnabled,
				HardwareMFA: sa.Root.HardwareMFA, PasswordLastUsed: sa.Root.PasswordLastUsed, Created: created}
		}
		ia.Aliases = sa.Aliases
		if a.ID != mgmt {
			r := orgAccessRole(a.ID, defaultOrgAccessRole, created)
			r.TrustPolicy = accountTrust(mgmt)
			ia.Roles = append(ia.Roles, r)
		}
		for _, sg := range sa.IAMGroups {
			ia.Groups = append(ia.Groups, seedIAMGroup(a.ID, sg, created))
		}
		for _, su := range sa.IAMUsers {
			u := seedIAMUser(a.ID, su, created)
			ia.Users = append(ia.Users, u)
			if su.MFA {
				// A virtual device is one the account lists, assigned.
				ia.VirtualMFADevices = append(ia.VirtualMFADevices, &MFADevice{Serial: u.MFASerials[0], UserName: u.Name, Enabled: u.Created, Seed: stableID(a.ID+"/vmfa/"+u.Name, 32)})
			}
		}
		for _, sr := range sa.Roles {
			// A seeded OrganizationAccountAccessRole replaces the default one.
			ia.Roles = slices.DeleteFunc(ia.Roles, func(r *IAMRole) bool { return strings.EqualFold(r.Name, sr.Name) })
			ia.Roles = append(ia.Roles, seedRole(a.ID, mgmt, sr, created))
		}
		for _, sp := range sa.DelegatedAdministratorFor {
			w.DelegatedAdmins = append(w.DelegatedAdmins, &DelegatedAdmin{AccountID: a.ID, ServicePrincipal: sp, Enabled: created})
		}
		for _, sp := range sa.OIDCProviders {
			issuer, _ := oidcIssuer(sp.URL) // checked in problems
			ia.OIDCProviders = append(ia.OIDCProviders, &OIDCProvider{URL: issuer, ClientIDs: sp.ClientIDs, Thumbprints: sp.Thumbprints, Created: created})
		}
	}
	for path, tags := range seed.OUTags {
		if id := w.ouPath(path, mgmt); id != w.RootID {
			w.ou(id).Tags = sortedTags(tags)
		}
	}
	if seed.Organization == nil || *seed.Organization {
		w.Organization = &Organization{ID: defaultOrgID, FeatureSet: "ALL", MasterAccountID: mgmt, MasterAccountEmail: mgmtEmail,
			ARN: fmt.Sprintf("arn:aws:organizations::%s:organization/%s", mgmt, defaultOrgID)}
		if seed.CentralizedRootAccess {
			w.Organization.IAMFeatures = []string{"RootCredentialsManagement", "RootSessions"}
		}
		w.OrgPolicies = newOrgPolicies()
	}

	storeID := seed.IdentityStoreID
	if storeID == "" {
		storeID = defaultIdentityStoreID
	}
	instARN := seed.InstanceARN
	if instARN == "" {
		instARN = defaultInstanceARN
	}
	w.Instance = Instance{ARN: instARN, IdentityStoreID: storeID, OwnerAccountID: mgmt, Status: "ACTIVE", Created: created}
	w.Instance.Disabled = seed.IdentityCenter != nil && !*seed.IdentityCenter
	if !w.Instance.Disabled {
		// An organization instance of Identity Center has trusted access.
		w.trustService("sso.amazonaws.com", created)
	}
	for _, ai := range seed.AccountInstances {
		w.AccountInstances = append(w.AccountInstances, &Instance{ARN: "arn:aws:sso:::instance/ssoins-" + hexID("instance/"+ai.Account),
			IdentityStoreID: "d-" + hexID("store/" + ai.Account)[:10], OwnerAccountID: ai.Account, Name: ai.Name, Status: "ACTIVE", Created: created})
	}

	for _, su := range seed.Users {
		u := &User{ID: storeUUID(storeID, "user/"+su.UserName), UserName: su.UserName, DisplayName: su.DisplayName,
			Name: Name{GivenName: su.GivenName, FamilyName: su.FamilyName}, MFA: su.MFA}
		if u.DisplayName == "" {
			u.DisplayName = strings.TrimSpace(su.GivenName + " " + su.FamilyName)
		}
		if u.DisplayName == "" {
			u.DisplayName = su.UserName
		}
		if su.Email != "" {
			u.Emails = []Email{{Value: su.Email, Type: "work", Primary: true}}
		}
		u.ExternalIDs = externalIDs(su.ExternalIDs)
		w.Users = append(w.Users, u)
	}
	for _, sg := range seed.Groups {
		g := &Group{ID: storeUUID(storeID, "group/"+sg.Name), DisplayName: sg.Name, Description: sg.Description, ExternalIDs: externalIDs(sg.ExternalIDs)}
		w.Groups = append(w.Groups, g)
		for _, m := range sg.Members {
			u := w.userByName(m)
			w.Memberships = append(w.Memberships, &Membership{ID: storeUUID(storeID, "membership/"+g.ID+"/"+u.ID), GroupID: g.ID, UserID: u.ID})
		}
	}
	instID := instARN[strings.LastIndex(instARN, "/")+1:]
	for _, sp := range seed.PermissionSets {
		dur := sp.SessionDuration
		if dur == "" {
			dur = "PT1H"
		}
		w.PermissionSets = append(w.PermissionSets, &PermissionSet{
			ARN:  fmt.Sprintf("arn:aws:sso:::permissionSet/%s/ps-%s", instID, strings.ToLower(hexID(instID+"/ps/"+sp.Name))),
			Name: sp.Name, Description: sp.Description, SessionDuration: dur, Created: created,
			ManagedPolicies: sp.ManagedPolicies, RoleSuffix: hexID(instID + "/role/" + sp.Name),
		})
	}
	for _, sa := range seed.Assignments {
		var ps *PermissionSet
		for _, p := range w.PermissionSets {
			if p.Name == sa.PermissionSet {
				ps = p
			}
		}
		typ, id := "USER", ""
		if sa.User != "" {
			id = w.userByName(sa.User).ID
		} else {
			typ = "GROUP"
			for _, g := range w.Groups {
				if g.DisplayName == sa.Group {
					id = g.ID
				}
			}
		}
		ids := sa.Accounts
		if slices.Contains(ids, "all") {
			ids = nil
			for _, a := range w.Accounts {
				ids = append(ids, a.ID)
			}
		}
		for _, acct := range ids {
			w.Assignments = append(w.Assignments, &Assignment{AccountID: acct, PermissionSetARN: ps.ARN, PrincipalType: typ, PrincipalID: id})
			w.provision(ps, acct, created)
		}
	}
	w.seedTrails(seed, now)
	return w, nil
}

// hexID is 16 lower-case hex digits derived from s.
func hexID(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// ouPath returns the id of the OU at a slash-separated path below the root,
// creating the OUs on the way. An empty path is the root.
func (w *World) ouPath(path, mgmt string) string {
	parent := w.RootID
	for _, name := range strings.Split(strings.Trim(path, "/"), "/") {
		if name == "" {
			continue
		}
		var found *OU
		for _, o := range w.OUs {
			if o.ParentID == parent && o.Name == name {
				found = o
			}
		}
		if found == nil {
			found = &OU{ID: "ou-" + strings.TrimPrefix(w.RootID, "r-") + "-" + strings.ToLower(stableID(parent+"/"+name, 8)), Name: name, ParentID: parent}
			w.OUs = append(w.OUs, found)
		}
		parent = found.ID
	}
	return parent
}

func seedIAMGroup(account string, sg SeedIAMGroup, created time.Time) *IAMGroup {
	g := &IAMGroup{Name: sg.Name, Path: "/", ID: "AGPA" + stableID(account+"/group/"+sg.Name, 17), Created: created, AttachedPolicies: sg.Policies}
	for _, name := range slices.Sorted(maps.Keys(sg.InlinePolicies)) {
		g.InlinePolicies = append(g.InlinePolicies, InlinePolicy{Name: name, Document: sg.InlinePolicies[name]})
	}
	return g
}

func seedIAMUser(account string, su SeedIAMUser, created time.Time) *IAMUser {
	u := &IAMUser{Name: su.Name, Path: "/", ID: "AIDA" + stableID(account+"/user/"+su.Name, 17), Created: created,
		PasswordLastUsed: su.PasswordLastUsed, AttachedPolicies: su.Policies, Groups: su.Groups, PermissionsBoundary: su.PermissionsBoundary}
	if su.Created != nil {
		u.Created = *su.Created
	}
	if su.Password {
		u.LoginProfile = &LoginProfile{Created: u.Created, PasswordChanged: u.Created}
	}
	if su.MFA {
		u.MFASerials = []string{fmt.Sprintf("arn:aws:iam::%s:mfa/%s", account, su.Name)}
	}
	if su.HardwareMFA {
		u.MFASerials = append(u.MFASerials, fmt.Sprintf("arn:aws:iam::%s:u2f/user/%s/fidosecuritykey-%s", account, su.Name, stableID(account+"/u2f/"+su.Name, 26)))
	}
	for i, sk := range su.AccessKeys {
		k := &AccessKey{ID: sk.ID, Secret: sk.Secret, Status: sk.Status, Created: u.Created, LastUsed: sk.LastUsed,
			LastUsedService: sk.LastUsedService, LastUsedRegion: sk.LastUsedRegion}
		k.ID = seedKeyID(account, su.Name, i, sk)
		if k.Secret == "" {
			k.Secret = secretKey()
		}
		if k.Status == "" {
			k.Status = "Active"
		}
		if sk.Created != nil {
			k.Created = *sk.Created
		}
		u.AccessKeys = append(u.AccessKeys, k)
	}
	return u
}

// stableID derives n characters of [A-Z2-7] from s, so seeded ids are the
// same on every start.
func stableID(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	out := make([]byte, n)
	for i := range out {
		out[i] = upperBase32[sum[i%len(sum)]%32]
	}
	return string(out)
}

// storeUUID derives an identity-store style id ("<store hex>-<uuid>") from s.
// checkSeedExternalIDs checks a seeded object's external ids as the
// identity store's ExternalId shape has them (issuer and id of 1 to 256
// printable characters without spaces), no two alike.
func checkSeedExternalIDs(add func(path, format string, a ...any), path string, ids []SeedExternalID) {
	seen := map[SeedExternalID]bool{}
	for j, e := range ids {
		at := fmt.Sprintf("%s.external_ids[%d]", path, j)
		if err := externalRule.check("issuer", &e.Issuer); err != nil {
			add(at+".issuer", "an issuer is 1 to 256 printable characters without spaces, e.g. https://scim.okta.com")
		}
		if err := externalRule.check("id", &e.ID); err != nil {
			add(at+".id", "an id is 1 to 256 printable characters without spaces")
		}
		if seen[e] {
			add(at, "%s %s appears twice", e.Issuer, e.ID)
		}
		seen[e] = true
	}
}

func externalIDs(in []SeedExternalID) []ExternalID {
	var out []ExternalID
	for _, e := range in {
		out = append(out, ExternalID(e))
	}
	return out
}

func storeUUID(store, s string) string {
	sum := sha256.Sum256([]byte(store + "/" + s))
	h := hex.EncodeToString(sum[:])
	prefix := strings.TrimPrefix(store, "d-")
	return fmt.Sprintf("%s-%s-%s-%s-%s-%s", prefix, h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])
}

func sortedTags(m map[string]string) []Tag {
	var out []Tag
	for k, v := range m {
		out = append(out, Tag{Key: k, Value: v})
	}
	sortTags(out)
	return out
}

func sortTags(ts []Tag) {
	slices.SortFunc(ts, func(a, b Tag) int { return strings.Compare(a.Key, b.Key) })
}

// problems checks a seeded role as CreateRole, PutRolePolicy and
// AttachRolePolicy would; paths are relative to the role.
func (r SeedRole) problems() []seedProblem {
	var errs []seedProblem
	add := func(path, format string, a ...any) {
		errs = append(errs, seedProblem{path, fmt.Sprintf(format, a...)})
	}
	if r.Name == "" {
		add(".name", "required")
	} else if len(r.Name) > 64 || !iamNamePattern.MatchString(r.Name) {
		add(".name", "%q is not a role name (at most 64 of letters, digits and +=,.@_-)", r.Name)
	}
	if r.Path != "" && (len(r.Path) > 512 || !iamPathPattern.MatchString(r.Path)) {
		add(".path", "%q is not a path: start and end it with /", r.Path)
	}
	if r.TrustPolicy != "" {
		if err := validateTrustPolicy(r.TrustPolicy); err != nil {
			add(".trust_policy", "%s", err)
		}
	}
	if d := r.MaxSessionDuration; d != 0 && (d < 3600 || d > 43200) {
		add(".max_session_duration", "%d: use 3600 to 43200 seconds", d)
	}
	for i, arn := range r.Policies {
		if !iamPolicyARN.MatchString(arn) {
			add(fmt.Sprintf(".policies[%d]", i), "%q is not a managed policy ARN", arn)
		}
	}
	if len(r.Policies) > attachedPoliciesQuota {
		add(".policies", "%d policies: a role holds at most %d", len(r.Policies), attachedPoliciesQuota)
	}
	total := 0
	for _, name := range slices.Sorted(maps.Keys(r.InlinePolicies)) {
		doc := r.InlinePolicies[name]
		if err := validatePolicy(doc, 0); err != nil {
			add(".inline_policies."+name, "%s", err)
		}
		total += policy.Size(doc)
	}
	if total > policy.RoleInlineSize {
		add(".inline_policies", "%d characters: a role's inline policies hold at most %d, white space aside", total, policy.RoleInlineSize)
	}
	return errs
}

// seedRole makes the IAM role a seed describes.
func seedRole(account, mgmt string, sr SeedRole, created time.Time) *IAMRole {
	r := &IAMRole{Name: sr.Name, Path: sr.Path, ID: "AROA" + stableID(account+"/role/"+sr.Name, 17), Created: created,
		TrustPolicy: sr.TrustPolicy, Description: sr.Description, MaxSessionDuration: sr.MaxSessionDuration,
		AttachedPolicies: sr.Policies, Tags: sortedTags(sr.Tags), LastUsed: sr.LastUsed, LastUsedRegion: sr.LastUsedRegion}
	if r.Path == "" {
		r.Path = "/"
	}
	if r.TrustPolicy == "" {
		r.TrustPolicy = accountTrust(mgmt)
	}
	if r.LastUsed != nil && r.LastUsedRegion == "" {
		r.LastUsedRegion = "us-east-1"
	}
	for _, name := range slices.Sorted(maps.Keys(sr.InlinePolicies)) {
		r.InlinePolicies = append(r.InlinePolicies, InlinePolicy{Name: name, Document: sr.InlinePolicies[name]})
	}
	return r
}

// apiMessage is an API error's message without its code, for seed problems.
func apiMessage(err error) string {
	if e, ok := errors.AsType[*apiError](err); ok {
		return e.Message
	}
	return err.Error()
}
