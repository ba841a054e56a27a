package cleanup

import (
	"fmt"
	"strings"

	"github.com/keyless-dev/keyless/internal/audit"
)

// The break-glass guards: keyless.yaml's break_glass names each account's
// one emergency way in (audit.Declared). Cleanup never changes the
// break-glass IAM user, never removes the credentials of a break-glass
// root user, and never removes the root user's credentials when no other
// way in would be left.

// breakGlassUser is why u must not be touched, "" when it is not the
// account's break-glass user.
func (b *builder) breakGlassUser(u audit.IAMUser) string {
	d := b.st.Declared
	if d == nil || d.BreakGlass == nil || d.BreakGlass.Root || !strings.EqualFold(d.BreakGlass.User, u.Name) {
		return ""
	}
	return fmt.Sprintf("it is this account's break-glass way in (break_glass at %s): keyless cleanup never changes it, "+
		"its password, MFA devices, groups or keys; delete any access key of it by hand", d.BreakGlass.Where)
}

// keepBreakGlassUser lists the break-glass user as refused, so the person
// sees that keyless leaves it alone and why.
func (b *builder) keepBreakGlassUser(u audit.IAMUser, why string) {
	b.add(Action{Kind: DeleteUser, Target: u.Name, User: u.Name, State: Refused, Why: why,
		Reason: "IAM user " + u.Name + " is the break-glass way in"})
}

// rootGuard is why removing the root user's credentials is refused, ""
// when another way into the account stays.
func (b *builder) rootGuard() string {
	st, d := b.st, b.st.Declared
	switch {
	case d == nil:
		return "no keyless.yaml declares this account's break-glass way in: removing the root user's credentials could leave account " + st.AccountID +
			" with none; declare one under break_glass: (docs/keyless-yaml.md) and run again, or pass -f FILE"
	case d.BreakGlass != nil && d.BreakGlass.Root:
		return "the root user is this account's break-glass way in (break_glass at " + d.BreakGlass.Where + "): keyless never removes its credentials"
	case b.userWayIn():
		return ""
	case d.Management != nil:
		// From the management account, sts:AssumeRoot with
		// IAMCreateRootUserPassword restores the root user's password.
		return ""
	}
	what := "no break_glass entry for it"
	if bg := d.BreakGlass; bg != nil {
		what = "its break-glass IAM user " + bg.User + " (" + bg.Where + ") does not exist or has no console password or MFA"
	}
	return "removing the root user's credentials would leave account " + st.AccountID + " with no way in: " + what +
		", and no break_glass for the management account, from which sts:AssumeRoot could restore the root password; " +
		"declare one in " + d.File + " (break_glass:) and make sure it works, then run again"
}

// userWayIn reports that the declared break-glass IAM user exists and can
// sign in with MFA.
func (b *builder) userWayIn() bool {
	bg := b.st.Declared.BreakGlass
	if bg == nil || bg.Root {
		return false
	}
	for _, u := range b.st.Users {
		if strings.EqualFold(u.Name, bg.User) {
			return u.LoginProfile != nil && len(u.MFADevices) > 0
		}
	}
	return false
}
