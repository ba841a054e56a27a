package status

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/keyless-dev/keyless/internal/plural"
	"github.com/keyless-dev/keyless/internal/signin"
)

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the report for a person: per session its state, then
// its profiles in aligned columns; files others can read; tools. Times are
// shown in UTC with how long is left at now.
func (r *Report) WriteText(w io.Writer, now time.Time) error {
	var b strings.Builder
	switch {
	case len(r.Sessions) == 0 && len(r.Invalid) > 0:
		b.WriteString("No SSO session resolves: fix the lines below.\n")
	case len(r.Sessions) == 0:
		b.WriteString("No SSO sessions or SSO profiles in the AWS config.\nSet one up with: keyless login --start-url URL --region REGION\n")
	}
	for i, s := range r.Sessions {
		if i > 0 {
			b.WriteString("\n")
		}
		writeSession(&b, s, now)
	}
	if len(r.Invalid) > 0 {
		b.WriteString("\nSSO sessions and profiles that do not resolve:\n")
		for _, p := range r.Invalid {
			fmt.Fprintf(&b, "  %s: %s\n", p.Name, p.Error)
		}
	}
	b.WriteString("\n")
	if len(r.Files) == 0 {
		b.WriteString("Files: none readable or writable by others.\n")
	} else {
		b.WriteString("Files others can read or write:\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, f := range r.Files {
			fmt.Fprintf(tw, "  %s\t%s\t%s\tfix: %s\n", f.Mode, f.Path, f.Holds, f.Fix)
		}
		tw.Flush()
	}
	b.WriteString("\n")
	switch {
	case !r.ToolsChecked:
		b.WriteString("Tools: not looked for (--no-tools).\n")
	case len(r.Tools) == 0:
		b.WriteString("Tools: none of the AWS CLI, Terraform, boto3, Pulumi, CDK or kubectl found.\n")
	default:
		b.WriteString("Tools:\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, t := range r.Tools {
			kind := t.Kind
			if t.Version != "" {
				kind += " " + t.Version
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", kind, t.Path, toolWords(t.SSO), t.Note)
		}
		tw.Flush()
	}
	if r.Attention == 0 {
		b.WriteString("\nAll fine.\n")
	} else {
		fmt.Fprintf(&b, "\n%d %s attention.\n", r.Attention, plural.Of(r.Attention, "thing needs", "things need"))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// toolWords and accessWords are switches, not package-level maps: the
// binary's start-up (credential-process) must not build tables it never uses.
func toolWords(sso string) string {
	switch sso {
	case ToolNative:
		return "reads SSO profiles"
	case ToolNeedsProcess:
		return "needs credential_process"
	}
	return "depends"
}

func accessWords(access string) string {
	switch access {
	case AccessOK:
		return "ok"
	case AccessAccountGone:
		return "ACCOUNT GONE"
	case AccessRoleGone:
		return "ROLE GONE"
	}
	return "not checked"
}

func writeSession(b *strings.Builder, s Session, now time.Time) {
	if s.Legacy {
		fmt.Fprintf(b, "Legacy SSO profiles of %s (%s)\n", s.StartURL, s.Region)
	} else {
		fmt.Fprintf(b, "sso-session %s (%s, %s)\n", s.Name, s.StartURL, s.Region)
	}
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	var state string
	switch s.State {
	case SignedIn:
		state = "signed in, access token until " + when(*s.AccessTokenExpiresAt, now)
	case Expired:
		state = "access token expired " + when(*s.AccessTokenExpiresAt, now)
		if s.Refresh.Possible {
			state += "; refreshes without a sign-in"
		} else {
			state += "; sign in: " + s.Login
		}
	case Unreadable:
		state = "token cache is not valid JSON; sign in: " + s.Login
	default:
		state = "signed out; sign in: " + s.Login
	}
	fmt.Fprintf(tw, "  state\t%s\n", state)
	switch {
	case s.Refresh.Possible && s.Refresh.Until != nil:
		fmt.Fprintf(tw, "  refresh\tpossible until %s at most (client registration)\n", when(*s.Refresh.Until, now))
	case s.Refresh.Possible:
		fmt.Fprintf(tw, "  refresh\tpossible\n")
	case s.Refresh.Token == "none" && s.State != SignedOut && s.State != Unreadable:
		fmt.Fprintf(tw, "  refresh\tnot possible: no refresh token (sso_registration_scopes = sso:account:access makes one)\n")
	case s.State != SignedOut && s.State != Unreadable:
		fmt.Fprintf(tw, "  refresh\tnot possible: the client registration expired\n")
	}
	switch s.Refresh.Token {
	case signin.RefreshFile:
		fmt.Fprintf(tw, "  refresh token\tin a plain file: %s\n", s.Refresh.TokenFile)
	case signin.RefreshKeychain:
		fmt.Fprintf(tw, "  refresh token\tin the OS keychain (the cache file keeps the access token only)\n")
	}
	if s.RegistrationExpiresAt != nil {
		fmt.Fprintf(tw, "  registration\tuntil %s\n", when(*s.RegistrationExpiresAt, now))
	}
	tw.Flush()
	if len(s.Profiles) == 0 {
		b.WriteString("  no profiles\n")
		return
	}
	switch s.Portal {
	case PortalSignedOut:
		b.WriteString("  accounts and roles: not checked (signed out)\n")
	case PortalExpired:
		if s.Refresh.Possible {
			// keyless refreshes it on its next use; status writes nothing.
			fmt.Fprintf(b, "  accounts and roles: not checked (the access token expired; keyless refreshes it without a sign-in on next use, or now: %s --if-needed)\n", s.Login)
		} else {
			b.WriteString("  accounts and roles: not checked (the access token expired)\n")
		}
	case PortalFailed:
		fmt.Fprintf(b, "  accounts and roles: not checked (%s)\n", s.PortalError)
	}
	tw = tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  PROFILE\tACCOUNT\tROLE\tACCESS\tCACHED CREDENTIALS\n")
	for _, p := range s.Profiles {
		creds := "none"
		if c := p.Credentials; c != nil {
			if c.Valid {
				creds = "until " + when(c.ExpiresAt, now)
			} else {
				creds = "expired " + when(c.ExpiresAt, now)
			}
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", p.Name, dash(p.AccountID), dash(p.RoleName), accessWords(p.Access), creds)
	}
	tw.Flush()
}

// when shows t in UTC to the minute, with the time left or passed.
func when(t, now time.Time) string {
	d := t.Sub(now)
	rel := "in " + short(d)
	if d < 0 {
		rel = short(-d) + " ago"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC") + " (" + rel + ")"
}

func short(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
