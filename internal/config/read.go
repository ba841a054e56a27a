package config

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/keyless-dev/keyless/internal/lazyre"
	"github.com/keyless-dev/keyless/internal/safeyaml"
)

// Pos is a place in the file.
type Pos struct{ Line, Col int }

// Ref is a name in the file and where it stands.
type Ref struct {
	Value string
	Pos   Pos
	Path  string
}

// Config is a parsed, checked keyless.yaml.
type Config struct {
	File            string
	Region          string
	PortalURL       string
	InstanceARN     string
	Prune           bool
	SessionDuration string // for the built-in permission sets
	// External is identity_source: external: an identity provider (Okta,
	// Entra ID, Google Workspace) makes the users and groups through SCIM;
	// the file names them and keyless never creates or changes them.
	External bool
	// SuperAdminsGroup, PowerUsersGroup and ReadonlyUsersGroup name the
	// identity provider's groups that get the built-in permission sets
	// (identity_source: external only).
	SuperAdminsGroup, PowerUsersGroup, ReadonlyUsersGroup Ref

	Users         []User
	SuperAdmins   []Ref
	PowerUsers    []Ref
	ReadonlyUsers []Ref
	Groups        []Group
	Sets          []PermissionSet
	Assignments   []Assignment
	Workloads     []Workload
	BreakGlass    []BreakGlass
	KeyExceptions []KeyException
	// Elevation is the elevation: section, nil when the file has none.
	Elevation *Elevation

	// Notes are things the file says in an accepted but not canonical way
	// (the Terraform module's field names), for plan to mention.
	Notes []Problem
	// Warnings are what plan should show but not refuse: names that mix
	// alphabets, as look-alikes do.
	Warnings []Problem

	// pos maps paths of fields and items to where they stand.
	pos map[string]Pos
}

// at is where a field stands, or the nearest enclosing item when the field
// is missing (a required field left out).
func (c *Config) at(path string) Pos {
	for p := path; p != ""; {
		if pos, ok := c.pos[p]; ok {
			return pos
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return Pos{1, 1}
}

// User is a person in users:.
type User struct {
	Email, UserName, GivenName, FamilyName, DisplayName string
	Pos                                                 Pos
	Path                                                string
}

// Group is a group in groups:.
type Group struct {
	Name, Description string
	Members           []Ref
	Pos               Pos
	Path              string
}

// PermissionSet is a set in permission_sets:.
type PermissionSet struct {
	Name, Description, SessionDuration, RelayState string
	ManagedPolicies                                []string // full ARNs
	InlinePolicy                                   string   // compact JSON or ""
	CustomerManaged                                []PolicyRef
	Boundary                                       *Boundary
	Tags                                           map[string]string
	Pos                                            Pos
	Path                                           string
}

// PolicyRef is a customer-managed policy by name and path.
type PolicyRef struct{ Name, Path string }

// Boundary is a permissions boundary: one of the two.
type Boundary struct {
	ManagedPolicy   string
	CustomerManaged *PolicyRef
}

// Assignment gives principals a permission set on targets.
type Assignment struct {
	PermissionSet  Ref
	Groups, Users  []Ref
	Accounts, OUs  []Ref
	AccountTags    map[string]string
	AllAccounts    bool
	CurrentAccount bool
	Pos            Pos
	Path           string
}

// Load reads and checks a file. Every problem is reported at once, as *Errors.
func Load(path string) (*Config, error) {
	data, err := safeyaml.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, &missingFileError{path: path}
		}
		if lim, ok := errors.AsType[*safeyaml.Error](err); ok {
			return nil, limitProblem(path, lim)
		}
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return Parse(path, data)
}

type missingFileError struct{ path string }

func (e *missingFileError) Error() string { return fmt.Sprintf("%s: no such file", e.path) }
func (e *missingFileError) Hint() string {
	return "write one (see docs/keyless-yaml.md), pass -f FILE, or run 'keyless import' to write it from Identity Center"
}

// limitProblem reports a file over one of safeyaml's limits as a problem in it.
func limitProblem(path string, lim *safeyaml.Error) error {
	errs := &Errors{File: path}
	errs.add(Problem{Line: max(lim.Line, 1), Col: max(lim.Col, 1), Message: lim.Msg, Hint: lim.Hint})
	return errs.err()
}

// Parse checks data read from path.
func Parse(path string, data []byte) (*Config, error) {
	errs := &Errors{File: path}
	f, err := safeyaml.Parse(data)
	if lim, ok := errors.AsType[*safeyaml.Error](err); ok {
		return nil, limitProblem(path, lim)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: not valid YAML: %w", path, err)
	}
	c := &Config{File: path}
	r := &reader{errs: errs, dir: filepath.Dir(path), pos: map[string]Pos{}}
	var body ast.Node
	if len(f.Docs) > 0 {
		body = f.Docs[0].Body
	}
	if len(f.Docs) > 1 {
		errs.add(Problem{Line: 1, Col: 1, Message: "the file holds several YAML documents; keyless reads one"})
	}
	if body == nil {
		errs.add(Problem{Line: 1, Col: 1, Message: "the file is empty", Hint: "start with users: and super_admins:, see docs/keyless-yaml.md"})
		return nil, errs.err()
	}
	r.config(c, body)
	c.pos = r.pos
	c.Notes = r.notes
	c.check(errs)
	if err := errs.err(); err != nil {
		return nil, err
	}
	return c, nil
}

var topFields = []string{"region", "portal_url", "instance_arn", "prune", "session_duration", "users", "super_admins",
	"power_users", "readonly_users", "groups", "permission_sets", "assignments",
	"default_aws_region", "default_session_duration",
	"identity_source", "super_admins_group", "power_users_group", "readonly_users_group", "workloads",
	"break_glass", "key_exceptions", "elevation"}

// moduleNames are the Terraform module's names for keyless's fields: a
// module block's values can be pasted as they are, and plan says which
// name is keyless's own.
var moduleNames = []struct{ module, keyless string }{
	{"default_aws_region", "region"},
	{"default_session_duration", "session_duration"},
}

func (r *reader) config(c *Config, n ast.Node) {
	fields := r.fields(n, "", topFields)
	written := map[string]string{} // keyless's name -> the name in the file
	for _, name := range moduleNames {
		v := fields[name.module]
		if v == nil {
			continue
		}
		delete(fields, name.module)
		if fields[name.keyless] != nil {
			p := r.pos[name.module]
			r.errs.add(Problem{Line: p.Line, Col: p.Col, Path: name.module, Message: fmt.Sprintf("%s and %s are one setting, given twice (%s is at line %d)", name.module, name.keyless, name.keyless, r.pos[name.keyless].Line),
				Hint: fmt.Sprintf("keep %s (keyless's name) and remove %s", name.keyless, name.module)})
			continue
		}
		p := r.pos[name.module]
		r.pos[name.keyless] = p
		r.notes = append(r.notes, Problem{File: r.errs.File, Line: p.Line, Col: p.Col, Path: name.module,
			Message: fmt.Sprintf("the Terraform module's name, accepted as %s (keyless's name for it)", name.keyless)})
		fields[name.keyless] = v
		written[name.keyless] = name.module
	}
	for key, v := range fields {
		path := cmp.Or(written[key], key)
		switch key {
		case "region":
			c.Region = r.str(v, path)
		case "portal_url":
			c.PortalURL = r.str(v, key)
		case "instance_arn":
			c.InstanceARN = r.str(v, key)
		case "prune":
			c.Prune = r.boolean(v, key)
		case "session_duration":
			c.SessionDuration = moduleDuration(r.str(v, path))
		case "users":
			for i, item := range r.list(v, key) {
				c.Users = append(c.Users, r.user(item, fmt.Sprintf("users[%d]", i)))
			}
		case "super_admins":
			c.SuperAdmins = r.refs(v, key)
		case "power_users":
			c.PowerUsers = r.refs(v, key)
		case "readonly_users":
			c.ReadonlyUsers = r.refs(v, key)
		case "identity_source":
			switch src := r.str(v, key); src {
			case "external":
				c.External = true
			case "identity_center", "":
			default:
				r.problem(v, key, fmt.Sprintf("%q is not an identity source", src),
					"external (Okta, Entra ID, Google Workspace... make users and groups through SCIM) or identity_center (keyless makes them; the default)")
			}
		case "super_admins_group":
			c.SuperAdminsGroup = r.ref(v, key)
		case "power_users_group":
			c.PowerUsersGroup = r.ref(v, key)
		case "readonly_users_group":
			c.ReadonlyUsersGroup = r.ref(v, key)
		case "groups":
			for i, item := range r.list(v, key) {
				c.Groups = append(c.Groups, r.group(item, fmt.Sprintf("groups[%d]", i)))
			}
		case "permission_sets":
			for i, item := range r.list(v, key) {
				c.Sets = append(c.Sets, r.permissionSet(item, fmt.Sprintf("permission_sets[%d]", i)))
			}
		case "assignments":
			for i, item := range r.list(v, key) {
				c.Assignments = append(c.Assignments, r.assignment(item, fmt.Sprintf("assignments[%d]", i)))
			}
		case "workloads":
			for i, item := range r.list(v, key) {
				c.Workloads = append(c.Workloads, r.workload(item, fmt.Sprintf("workloads[%d]", i)))
			}
		case "break_glass":
			for i, item := range r.list(v, key) {
				c.BreakGlass = append(c.BreakGlass, r.breakGlass(item, fmt.Sprintf("break_glass[%d]", i)))
			}
		case "elevation":
			c.Elevation = r.elevation(v, key)
		case "key_exceptions":
			for i, item := range r.list(v, key) {
				c.KeyExceptions = append(c.KeyExceptions, r.keyException(item, fmt.Sprintf("key_exceptions[%d]", i)))
			}
		}
	}
}

func (r *reader) user(n ast.Node, path string) User {
	u := User{Pos: posOf(n), Path: path}
	for key, v := range r.fields(n, path, userFields) {
		u.set(key, r.str(v, path+"."+key))
	}
	return u
}

// set sets one of userFields.
func (u *User) set(field, value string) {
	switch field {
	case "email":
		u.Email = value
	case "user_name":
		u.UserName = value
	case "given_name":
		u.GivenName = value
	case "family_name":
		u.FamilyName = value
	case "display_name":
		u.DisplayName = value
	}
}

func (r *reader) group(n ast.Node, path string) Group {
	g := Group{Pos: posOf(n), Path: path}
	for key, v := range r.fields(n, path, groupFields) {
		switch key {
		case "name":
			g.Name = r.str(v, path+".name")
		case "description":
			g.Description = r.str(v, path+".description")
		case "members":
			g.Members = r.refs(v, path+".members")
		}
	}
	return g
}

// The fields of each part of the file; schema_test.go checks that
// schema/keyless.schema.json names the same.
var (
	userFields       = []string{"email", "user_name", "given_name", "family_name", "display_name"}
	groupFields      = []string{"name", "description", "members"}
	policyRefFields  = []string{"name", "path"}
	boundaryFields   = []string{"managed_policy", "customer_managed"}
	assignmentFields = []string{"permission_set", "groups", "users", "accounts", "ous", "account_tags", "all_accounts", "current_account"}
)

var setFields = []string{"name", "description", "session_duration", "relay_state", "managed_policies", "inline_policy",
	"inline_policy_file", "customer_managed_policies", "permissions_boundary", "tags"}

func (r *reader) permissionSet(n ast.Node, path string) PermissionSet {
	ps := PermissionSet{Pos: posOf(n), Path: path}
	fields := r.fields(n, path, setFields)
	if fields["inline_policy"] != nil && fields["inline_policy_file"] != nil {
		r.problem(fields["inline_policy_file"], path+".inline_policy_file", "give inline_policy or inline_policy_file, not both", "")
	}
	for key, v := range fields {
		p := path + "." + key
		switch key {
		case "name":
			ps.Name = r.str(v, p)
		case "description":
			ps.Description = r.str(v, p)
		case "session_duration":
			ps.SessionDuration = moduleDuration(r.str(v, p))
		case "relay_state":
			ps.RelayState = r.str(v, p)
		case "managed_policies":
			ps.ManagedPolicies = r.managedPolicies(v, p)
		case "inline_policy":
			ps.InlinePolicy = r.policy(v, p)
		case "inline_policy_file":
			file := r.str(v, p)
			if file != "" {
				if !filepath.IsAbs(file) {
					file = filepath.Join(r.dir, file)
				}
				data, err := os.ReadFile(file)
				if err != nil {
					r.problem(v, p, fmt.Sprintf("cannot read %s: %v", file, errorsRoot(err)), "the path is relative to keyless.yaml")
				} else {
					ps.InlinePolicy = r.policyText(v, p, string(data))
				}
			}
		case "customer_managed_policies":
			ps.CustomerManaged = r.policyRefs(v, p)
		case "permissions_boundary":
			ps.Boundary = r.boundary(v, p)
		case "tags":
			ps.Tags = r.strMap(v, p)
		}
	}
	return ps
}

// managedPolicies reads a list of AWS-managed policies as full ARNs.
func (r *reader) managedPolicies(n ast.Node, path string) []string {
	var out []string
	for _, ref := range r.refs(n, path) {
		if arn, ok := managedPolicyARN(ref.Value); ok {
			out = append(out, arn)
		} else {
			r.errs.add(Problem{Line: ref.Pos.Line, Col: ref.Pos.Col, Path: ref.Path, Message: fmt.Sprintf("%q is not an AWS-managed policy", ref.Value),
				Hint: "give its ARN (arn:aws:iam::aws:policy/ReadOnlyAccess) or its name (ReadOnlyAccess, job-function/ViewOnlyAccess); customer-managed policies go under customer_managed_policies"})
		}
	}
	return out
}

func (r *reader) policyRefs(n ast.Node, path string) []PolicyRef {
	var out []PolicyRef
	for i, item := range r.list(n, path) {
		out = append(out, r.policyRef(item, fmt.Sprintf("%s[%d]", path, i)))
	}
	return out
}

func (r *reader) policyRef(n ast.Node, path string) PolicyRef {
	var ref PolicyRef
	if s, ok := scalar(n); ok {
		// "name" or "/path/name".
		if i := strings.LastIndex(s, "/"); i >= 0 {
			return PolicyRef{Name: s[i+1:], Path: s[:i+1]}
		}
		return PolicyRef{Name: s, Path: "/"}
	}
	for key, v := range r.fields(n, path, policyRefFields) {
		switch key {
		case "name":
			ref.Name = r.str(v, path+".name")
		case "path":
			ref.Path = r.str(v, path+".path")
		}
	}
	if ref.Name == "" {
		r.problem(n, path+".name", "a customer-managed policy needs a name", "")
	}
	if ref.Path == "" {
		ref.Path = "/"
	}
	return ref
}

func (r *reader) boundary(n ast.Node, path string) *Boundary {
	fields := r.fields(n, path, boundaryFields)
	b := &Boundary{}
	if v := fields["managed_policy"]; v != nil {
		s := r.str(v, path+".managed_policy")
		arn, ok := managedPolicyARN(s)
		if !ok {
			r.problem(v, path+".managed_policy", fmt.Sprintf("%q is not an AWS-managed policy", s), "give its ARN or name, e.g. PowerUserAccess")
		}
		b.ManagedPolicy = arn
	}
	if v := fields["customer_managed"]; v != nil {
		ref := r.policyRef(v, path+".customer_managed")
		b.CustomerManaged = &ref
	}
	if (b.ManagedPolicy != "") == (b.CustomerManaged != nil) {
		r.problem(n, path, "give exactly one of managed_policy and customer_managed", "")
		return nil
	}
	return b
}

func (r *reader) assignment(n ast.Node, path string) Assignment {
	a := Assignment{Pos: posOf(n), Path: path}
	fields := r.fields(n, path, assignmentFields)
	for key, v := range fields {
		p := path + "." + key
		switch key {
		case "permission_set":
			a.PermissionSet = r.ref(v, p)
		case "groups":
			a.Groups = r.refs(v, p)
		case "users":
			a.Users = r.refs(v, p)
		default:
			r.target(&a, key, v, p)
		}
	}
	return a
}

// target reads one of the targeting fields (accounts, ous, account_tags,
// all_accounts, current_account) into a, reporting whether key is one.
func (r *reader) target(a *Assignment, key string, v ast.Node, p string) bool {
	switch key {
	case "accounts":
		a.Accounts = r.refs(v, p)
	case "ous":
		a.OUs = r.refs(v, p)
	case "account_tags":
		a.AccountTags = r.strMap(v, p)
	case "all_accounts":
		a.AllAccounts = r.boolean(v, p)
	case "current_account":
		a.CurrentAccount = r.boolean(v, p)
	default:
		return false
	}
	return true
}

func errorsRoot(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

var moduleDurationPattern = lazyre.New(`^(\d+H)?(\d+M)?(\d+S)?$`)

// moduleDuration turns the Terraform module's duration ("1H", "12H",
// "1H30M": the module writes PT before it) into ISO 8601; anything else is
// returned as it is, for check to judge.
func moduleDuration(s string) string {
	if s != "" && moduleDurationPattern.MatchString(s) {
		return "PT" + s
	}
	return s
}
