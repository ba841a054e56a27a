package awsconfig

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const ssoConfig = `[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access, ,other:scope

[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
region = eu-west-1

[profile login-only]
sso_session = corp

[profile legacy]
sso_start_url = https://d-1.awsapps.com/start
sso_region = us-west-2
sso_account_id = 222222222222
sso_role_name = ReadOnly

[profile keys]
region = us-east-1

[profile no-session]
sso_session = gone

[profile legacy-half]
sso_start_url = https://d-1.awsapps.com/start
sso_account_id = 1

[profile no-role]
sso_session = corp
sso_account_id = 111111111111

[profile conflict]
sso_session = corp
sso_region = eu-west-1

[sso-session broken]
sso_region = us-east-1

[profile uses-broken]
sso_session = broken

[profile commented-session]
sso_session = corp   ; the work one

[profile commented-account]
sso_session = corp
sso_account_id = 111111111111	# mgmt
sso_role_name = Admin
`

func TestSSO(t *testing.T) {
	f, err := Parse("/home/a/.aws/config", []byte(ssoConfig))
	if err != nil {
		t.Fatal(err)
	}
	scopes := []string{"sso:account:access", "other:scope"}
	for _, c := range []struct {
		profile string
		want    SSOProfile
		err     string
		is      error
	}{
		{profile: "dev", want: SSOProfile{Profile: "dev", Session: "corp", StartURL: "https://corp.awsapps.com/start", SSORegion: "us-east-1",
			Scopes: scopes, AccountID: "111111111111", RoleName: "Admin", Region: "eu-west-1"}},
		{profile: "login-only", want: SSOProfile{Profile: "login-only", Session: "corp", StartURL: "https://corp.awsapps.com/start", SSORegion: "us-east-1", Scopes: scopes}},
		{profile: "legacy", want: SSOProfile{Profile: "legacy", StartURL: "https://d-1.awsapps.com/start", SSORegion: "us-west-2",
			AccountID: "222222222222", RoleName: "ReadOnly"}},
		{profile: "missing", err: `/home/a/.aws/config: profile "missing": no such profile`, is: ErrNoProfile},
		{profile: "keys", err: `/home/a/.aws/config:21: profile "keys" has neither sso_session nor sso_start_url`, is: ErrNotSSO},
		{profile: "no-session", err: `/home/a/.aws/config:25: profile "no-session": sso_session = gone but there is no [sso-session gone]`, is: ErrNoSession},
		{profile: "legacy-half", err: `/home/a/.aws/config:27: profile "legacy-half" has no sso_region; add it or run ` + "`keyless login --start-url URL --region REGION`"},
		{profile: "no-role", err: `/home/a/.aws/config:31: profile "no-role" has no sso_role_name`},
		{profile: "conflict", err: `/home/a/.aws/config:37: profile "conflict": sso_region differs from [sso-session corp] at line 3`},
		{profile: "uses-broken", err: `/home/a/.aws/config:39: [sso-session broken] has no sso_start_url`},
		// botocore reads an inline comment as part of the value: say so.
		{profile: "commented-session", err: `/home/a/.aws/config:46: profile "commented-session": sso_session = "corp   ; the work one" ends in what looks like a comment, which the AWS CLI reads as part of the value; move the comment to a line of its own`},
		{profile: "commented-account", err: `/home/a/.aws/config:50: profile "commented-account": sso_account_id = "111111111111\t# mgmt" ends in what looks like a comment`},
	} {
		got, err := f.SSO(c.profile)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("SSO(%q) error = %v\nwant it to contain %s", c.profile, err, c.err)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("SSO(%q) error is not %v", c.profile, c.is)
			}
			continue
		}
		if err != nil {
			t.Errorf("SSO(%q): %v", c.profile, err)
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("SSO(%q) (-want +got):\n%s", c.profile, diff)
		}
	}
}

func TestSessions(t *testing.T) {
	f := mustParse(t, ssoConfig)
	want := []SSOSession{
		{Name: "corp", StartURL: "https://corp.awsapps.com/start", Region: "us-east-1", Scopes: []string{"sso:account:access", "other:scope"}},
		{Name: "broken", Region: "us-east-1"},
	}
	if diff := cmp.Diff(want, f.Sessions()); diff != "" {
		t.Errorf("Sessions (-want +got):\n%s", diff)
	}
	if _, err := f.Session("nope"); !errors.Is(err, ErrNoSession) {
		t.Errorf("Session(nope) error = %v", err)
	}
	if got, err := f.Session("corp"); err != nil || got.StartURL != want[0].StartURL {
		t.Errorf("Session(corp) = %+v, %v", got, err)
	}
}

func TestSSOCorpus(t *testing.T) {
	f := mustParse(t, string(corpus(t)["06-existing-sso.ini"]))
	got, err := f.SSO("legacy-sso")
	if err != nil || got.StartURL != "https://d-9067000000.awsapps.com/start" || got.Session != "" || got.RoleName != "ReadOnly" {
		t.Errorf("SSO(legacy-sso) = %+v, %v", got, err)
	}
	got, err = f.SSO("corp-admin")
	if err != nil || got.Session != "corp" || got.AccountID != "210987654321" {
		t.Errorf("SSO(corp-admin) = %+v, %v", got, err)
	}
}

func TestSessionInlineComment(t *testing.T) {
	f := mustParse(t, "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start # prod\nsso_region = us-east-1\n")
	_, err := f.Session("corp")
	want := `:2: [sso-session corp]: sso_start_url = "https://corp.awsapps.com/start # prod" ends in what looks like a comment`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Session(corp) error = %v\nwant it to contain %s", err, want)
	}
}
