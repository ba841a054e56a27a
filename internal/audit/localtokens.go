package audit

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/keyless-dev/keyless/internal/signin"
	"github.com/keyless-dev/keyless/internal/status"
)

// exposedFiles reports the AWS files others can read or write: token
// caches, role credentials, the config and credentials files, keyless's own
// files.
func exposedFiles(m Machine, credPath string) ([]Finding, error) {
	files, err := status.ExposedFiles(m.Home, m.configPath(), credPath)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, f := range files {
		out = append(out, Finding{Severity: High, Resource: f.Path,
			Title:       "AWS file readable or writable by others",
			Evidence:    fmt.Sprintf("mode %s: %s", f.Mode, f.Holds),
			Remediation: f.Fix})
	}
	return out, nil
}

// refreshTokensAtRest reports each refresh token kept in a plain file: the
// SSO sessions of the config, asked where their refresh token lives
// (signin's RefreshTokenAt), and token caches of sessions no longer
// configured that still hold one.
func refreshTokensAtRest(m Machine) ([]Finding, error) {
	if m.Home == "" {
		return nil, nil
	}
	cfg, err := loadINI(m.configPath(), false)
	if err != nil {
		return nil, err
	}
	mgr := &signin.Manager{Home: m.Home}
	var out []Finding
	known := map[string]bool{}
	report := func(s signin.Session, label string) {
		path := mgr.TokenFile(s)
		known[path] = true
		t, err := mgr.CachedToken(s)
		if err != nil {
			return // an unreadable cache holds nothing keyless can name
		}
		rs := mgr.RefreshTokenAt(s, t)
		if rs.Kind != signin.RefreshFile {
			return
		}
		out = append(out, Finding{Severity: Medium, Resource: rs.Path,
			Title: "SSO refresh token at rest in a plain file",
			Evidence: fmt.Sprintf("%s: its refresh token and client secret are in %s, readable by every process you run; "+
				"they renew access until the Identity Center session ends", label, rs.Path),
			Remediation: "keep the refresh token in the OS keychain: " + s.LoginCommand() + " --token-storage keychain (docs/keychain.md); " +
				"until then, sign out when not working: keyless logout"})
	}
	for _, s := range cfg.Sessions() {
		if s.StartURL == "" {
			continue
		}
		report(signin.Session{Name: s.Name, StartURL: s.StartURL, Region: s.Region}, "sso-session "+s.Name)
	}
	legacy := map[string]signin.Session{}
	for _, p := range cfg.Profiles() {
		if sp, err := cfg.SSO(p.Name); err == nil && sp.Session == "" && legacy[sp.StartURL].StartURL == "" {
			legacy[sp.StartURL] = signin.Session{StartURL: sp.StartURL, Region: sp.SSORegion, Profile: sp.Profile}
		}
	}
	urls := make([]string, 0, len(legacy))
	for u := range legacy {
		urls = append(urls, u)
	}
	slices.Sort(urls)
	for _, u := range urls {
		report(legacy[u], "legacy SSO profiles of "+u)
	}

	// Caches of sessions the config no longer names.
	files, _ := filepath.Glob(filepath.Join(m.Home, ".aws", "sso", "cache", "*.json"))
	for _, path := range files {
		if known[path] {
			continue
		}
		var t struct {
			StartURL     string `json:"startUrl"`
			RefreshToken string `json:"refreshToken"`
		}
		b, err := os.ReadFile(path)
		if err != nil || json.Unmarshal(b, &t) != nil || t.RefreshToken == "" {
			continue
		}
		out = append(out, Finding{Severity: Medium, Resource: path,
			Title: "SSO refresh token at rest in a plain file",
			Evidence: fmt.Sprintf("a token cache of %s, which no sso-session or profile of %s names, still holds a refresh token",
				orUnknown(t.StartURL), m.configPath()),
			Remediation: "delete it: rm " + path})
	}
	return out, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "an unknown start URL"
	}
	return s
}
