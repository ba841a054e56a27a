package cleanup

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyless-dev/keyless/internal/audit"
	"github.com/keyless-dev/keyless/internal/lazyre"
)

// IAMUsersImport is keyless.yaml text for an account's IAM users: the
// first step of a migration (import, apply, people sign in, cleanup).
type IAMUsersImport struct {
	YAML []byte
	// Imported are the IAM user names written.
	Imported []string
	// Users are the users written, in order.
	Users []ImportedUser
	// Skipped are the users left out, with how to include them.
	Skipped []string
	// Machines are the machine users, nil when they were not sorted.
	Machines *Machines
}

// ImportedUser is one IAM user as a keyless.yaml user.
type ImportedUser struct {
	IAMUser, Email, GivenName, FamilyName string
	// List is the built-in set: super_admins, power_users or readonly_users.
	List string
	// Review names the policies of a user placed in readonly_users for
	// want of a known one ("had AmazonS3FullAccess"), else "".
	Review string
}

// Built-in sets by the AWS-managed policies that place a user in them;
// the highest a user reaches wins. Any other policy lands in
// readonly_users with a comment naming the policies, to review: least
// privilege first, widened by hand where needed.
var builtinByPolicy = []struct {
	list     string
	policies []string
}{
	{"super_admins", []string{"arn:aws:iam::aws:policy/AdministratorAccess"}},
	{"power_users", []string{"arn:aws:iam::aws:policy/PowerUserAccess"}},
	{"readonly_users", []string{"arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
		"arn:aws:iam::aws:policy/SecurityAudit"}},
}

// ImportIAMUsers writes the users of st as keyless.yaml users: email from
// the tag email/Email or the mapping, names from the tags
// given_name/GivenName and family_name/FamilyName or split from the user
// name, and user_name the IAM user name, so cleanup matches them.
// groupPolicies are the managed policies of each IAM group, by name.
func ImportIAMUsers(st *audit.AccountState, tags map[string]map[string]string, groupPolicies map[string][]string, mapping map[string]string) *IAMUsersImport {
	return ImportIAM(st, tags, groupPolicies, mapping, nil)
}

// ImportIAM is ImportIAMUsers that leaves out the machine users (nil for
// none) and writes their workloads at the end.
func ImportIAM(st *audit.AccountState, tags map[string]map[string]string, groupPolicies map[string][]string, mapping map[string]string, machines *Machines) *IAMUsersImport {
	out := &IAMUsersImport{Machines: machines}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# keyless.yaml, written by 'keyless import iam-users' from the IAM users of account %s.\n", st.AccountID)
	b.WriteString("# Next: keyless apply; people sign in with keyless login; then keyless cleanup removes the IAM users.\n")
	for _, u := range st.Users {
		if machines != nil && machines.notPeople[u.Name] {
			continue
		}
		t := tags[u.Name]
		email := audit.EmailTag(t)
		if m := mapped(mapping, u.Name); m != "" && validEmail(m) {
			email = m
		}
		if !validEmail(email) {
			out.Skipped = append(out.Skipped, u.Name+": no email: tag the IAM user with email=ADDRESS, or map it in --map ("+u.Name+": ADDRESS)")
			continue
		}
		given, family := tagOf(t, "given_name", "GivenName"), tagOf(t, "family_name", "FamilyName")
		if given == "" || family == "" {
			g, f := splitName(u.Name)
			if g == "" || f == "" {
				g, f = splitName(email[:strings.LastIndex(email, "@")])
			}
			given, family = cmpOr(given, g), cmpOr(family, f)
		}
		if given == "" || family == "" {
			out.Skipped = append(out.Skipped, u.Name+": no given and family name: tag the IAM user with given_name and family_name")
			continue
		}
		iu := ImportedUser{IAMUser: u.Name, Email: email, GivenName: given, FamilyName: family}
		policies := slices.Clone(u.AttachedPolicies)
		for _, g := range u.Groups {
			policies = append(policies, groupPolicies[g]...)
		}
		for _, bp := range builtinByPolicy {
			if slices.ContainsFunc(policies, func(p string) bool { return slices.Contains(bp.policies, p) }) {
				iu.List = bp.list
				break
			}
		}
		if iu.List == "" {
			iu.List = "readonly_users"
			var names []string
			for _, p := range policies {
				names = append(names, p[strings.LastIndex(p, "/")+1:])
			}
			if len(u.InlinePolicies) > 0 {
				names = append(names, "inline: "+strings.Join(u.InlinePolicies, ", "))
			}
			if len(names) == 0 {
				names = []string{"no policies"}
			}
			iu.Review = "had " + strings.Join(names, "; ")
		}
		out.Users = append(out.Users, iu)
		out.Imported = append(out.Imported, u.Name)
	}
	lists := map[string][]string{}
	var review []string
	var users bytes.Buffer
	for _, iu := range out.Users {
		fmt.Fprintf(&users, "  - email: %s\n    user_name: %s\n    given_name: %s\n    family_name: %s\n", scalar(iu.Email), scalar(iu.IAMUser), scalar(iu.GivenName), scalar(iu.FamilyName))
		lists[iu.List] = append(lists[iu.List], iu.Email)
		if iu.Review != "" {
			review = append(review, iu.Email+" "+iu.Review)
		}
	}
	if users.Len() > 0 {
		b.WriteString("\nusers:\n")
		b.Write(users.Bytes())
	}
	for _, bp := range builtinByPolicy {
		if len(lists[bp.list]) == 0 {
			continue
		}
		b.WriteString("\n")
		if bp.list == "readonly_users" && len(review) > 0 {
			b.WriteString("# Review: these had no AWS-managed admin, power-user or read-only policy, so they start read-only:\n")
			for _, r := range review {
				b.WriteString("#   " + r + "\n")
			}
		}
		fmt.Fprintf(&b, "%s:\n", bp.list)
		for _, e := range lists[bp.list] {
			fmt.Fprintf(&b, "  - %s\n", scalar(e))
		}
	}
	if machines != nil && len(machines.Workloads) > 0 {
		b.WriteString(workloadsYAML(machines.Workloads))
	}
	out.YAML = b.Bytes()
	return out
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func tagOf(tags map[string]string, names ...string) string {
	for k, v := range tags {
		for _, n := range names {
			if strings.EqualFold(k, n) && strings.TrimSpace(v) != "" {
				return strings.TrimSpace(v)
			}
		}
	}
	return ""
}

// splitName makes a given and a family name of john.doe, jane_roe or
// Ann-Lee: the first part and the rest, capitalized.
func splitName(s string) (string, string) {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '.' || r == '_' || r == '-' || r == ' ' || r == '+' })
	if len(parts) < 2 {
		return "", ""
	}
	title := func(w string) string {
		r := []rune(w)
		r[0] = unicode.ToUpper(r[0])
		return string(r)
	}
	var fam []string
	for _, p := range parts[1:] {
		fam = append(fam, title(p))
	}
	return title(parts[0]), strings.Join(fam, " ")
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return false
	}
	at := strings.LastIndex(s, "@")
	return at > 0 && strings.Contains(s[at+1:], ".")
}

var plainScalar = lazyre.New(`^[A-Za-z][A-Za-z0-9@._/+=-]*$`)

// scalar writes s plainly when YAML reads it back as the same text, else
// as a double-quoted string.
func scalar(s string) string {
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "y", "n":
		return fmt.Sprintf("%q", s)
	}
	if plainScalar.MatchString(s) {
		return s
	}
	q, _ := json.Marshal(s)
	return string(q)
}

// ReadGroupPolicies reads the managed policies attached to each group.
func ReadGroupPolicies(ctx context.Context, c *iam.Client, groups []string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, g := range groups {
		if _, done := out[g]; done {
			continue
		}
		out[g] = []string{}
		p := iam.NewListAttachedGroupPoliciesPaginator(c, &iam.ListAttachedGroupPoliciesInput{GroupName: aws.String(g)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("list policies of group %s: %w", g, err)
			}
			for _, ap := range page.AttachedPolicies {
				out[g] = append(out[g], aws.ToString(ap.PolicyArn))
			}
		}
	}
	return out, nil
}
