package audit

import (
	"strings"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
)

// Counterpart is the Identity Center user an IAM user's person has.
type Counterpart struct {
	// User is nil when none matches.
	User *ic.User
	// By says how it matched: "the mapping file", "email tag a@b.c",
	// "user name", "email", "email name".
	By string
	// Ambiguous names the Identity Center users that matched equally well
	// (by email name) when no single one did.
	Ambiguous []string
}

// MatchUser finds an IAM user's Identity Center user. It is the one rule
// audit and cleanup share (docs/audit.md), first match wins, letters
// compared case-insensitively as IAM does:
//
//  1. mapped (a --map entry), an Identity Center user name or email; when
//     set, nothing else is tried;
//  2. the IAM user's email tag (email or Email) equal to a user's email;
//  3. the IAM user name equal to a user name;
//  4. the IAM user name equal to a user's email;
//  5. the IAM user name equal to the part before @ of exactly one user's
//     email (or of a user name that is an email): bob is bob@example.com,
//     unless there is also a bob@other.org.
func MatchUser(users []ic.User, iamName string, tags map[string]string, mapped string) Counterpart {
	first := func(by string, f func(ic.User) bool) Counterpart {
		for i := range users {
			if f(users[i]) {
				return Counterpart{User: &users[i], By: by}
			}
		}
		return Counterpart{}
	}
	eq := strings.EqualFold
	if mapped != "" {
		return first("the mapping file", func(u ic.User) bool { return eq(u.UserName, mapped) || eq(u.Email, mapped) })
	}
	if email := EmailTag(tags); email != "" {
		if c := first("email tag "+email, func(u ic.User) bool { return eq(u.Email, email) }); c.User != nil {
			return c
		}
	}
	if c := first("user name", func(u ic.User) bool { return eq(u.UserName, iamName) }); c.User != nil {
		return c
	}
	if c := first("email", func(u ic.User) bool { return eq(u.Email, iamName) }); c.User != nil {
		return c
	}
	var found []int
	for i, u := range users {
		if eq(localPart(u.Email), iamName) || eq(localPart(u.UserName), iamName) {
			found = append(found, i)
		}
	}
	switch len(found) {
	case 0:
		return Counterpart{}
	case 1:
		return Counterpart{User: &users[found[0]], By: "email name"}
	}
	c := Counterpart{}
	for _, i := range found {
		c.Ambiguous = append(c.Ambiguous, users[i].UserName)
	}
	return c
}

// localPart is what comes before the @ of an email address, "" for
// anything else.
func localPart(s string) string {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || domain == "" {
		return ""
	}
	return local
}

// EmailTag is an IAM user's email from its tag email (or Email), "".
func EmailTag(tags map[string]string) string {
	for k, v := range tags {
		if strings.EqualFold(k, "email") {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
