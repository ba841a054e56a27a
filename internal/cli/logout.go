package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/keyless-dev/keyless/internal/awsconfig"
	"github.com/keyless-dev/keyless/internal/signin"
)

func newLogoutCommand(g *globalOptions) *cobra.Command {
	var (
		session string
		all     bool
		asJSON  bool
	)
	// result is one session's sign-out, as --json prints it.
	type result struct {
		Session   string `json:"session,omitempty"`
		StartURL  string `json:"start_url"`
		SignedOut bool   `json:"signed_out"` // false: there was no token
	}
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Sign out at the portal and remove the cached token and role credentials",
		Long: `Sign out of an sso-session: the portal's Logout ends the session, then the
token and the cached role credentials of the session's profiles are removed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, err := newSigninEnv(g)
			if err != nil {
				return err
			}
			f, err := e.loadConfig()
			if err != nil {
				return err
			}
			var sessions []signin.Session
			if session == "" && len(f.Sessions()) == 0 && len(legacySessions(f)) == 0 {
				fmt.Fprintf(g.streams.Err, "%s names no sso-session and no SSO profile: nothing to sign out of.\n", e.configPath)
				return nil
			}
			if all {
				for _, s := range f.Sessions() {
					sessions = append(sessions, toSession(s))
				}
				sessions = append(sessions, legacySessions(f)...)
			} else {
				s, err := e.session(f, session, cmd.CommandPath())
				if err != nil {
					return err
				}
				sessions = append(sessions, s)
			}
			results := []result{}
			for _, s := range sessions {
				had, err := e.m.Logout(cmd.Context(), s, sessionRoles(f, s))
				if err != nil {
					return fmt.Errorf("sign out of %s: %w", s.StartURL, err)
				}
				results = append(results, result{Session: s.Name, StartURL: s.StartURL, SignedOut: had})
				label := s.Name
				if label == "" {
					label = s.StartURL
				}
				if had {
					fmt.Fprintf(g.streams.Err, "Signed out of %s.\n", label)
				} else {
					fmt.Fprintf(g.streams.Err, "Not signed in to %s; nothing to do.\n", label)
				}
			}
			if asJSON {
				return json.NewEncoder(g.streams.Out).Encode(results)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&session, "session", "", "sso-session `NAME` (default: the only one)")
	cmd.Flags().BoolVar(&all, "all", false, "sign out of every sso-session and legacy SSO profile's start URL")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the sessions signed out of as JSON on stdout")
	cmd.MarkFlagsMutuallyExclusive("session", "all")
	return cmd
}

// legacySessions are the start URLs of SSO profiles without an sso-session.
func legacySessions(f *awsconfig.File) []signin.Session {
	seen := map[string]bool{}
	var out []signin.Session
	for _, sec := range f.Profiles() {
		p, err := f.SSO(sec.Name)
		if err != nil || p.Session != "" || seen[p.StartURL] {
			continue
		}
		seen[p.StartURL] = true
		out = append(out, signin.Session{StartURL: p.StartURL, Region: p.SSORegion})
	}
	return out
}
