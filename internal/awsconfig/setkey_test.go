package awsconfig

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSetKey(t *testing.T) {
	const in = "[sso-session corp]\nsso_start_url = https://d-1.awsapps.com/start\n# note\nsso_region = eu-west-1\n\n[profile a]\nregion = eu-west-1"
	for _, tc := range []struct {
		name, in, header, key, value, want string
	}{
		{"add after the last key", in, "sso-session corp", "keyless_token_storage", "keychain",
			"[sso-session corp]\nsso_start_url = https://d-1.awsapps.com/start\n# note\nsso_region = eu-west-1\nkeyless_token_storage = keychain\n\n[profile a]\nregion = eu-west-1"},
		{"add at the end of a file without a final newline", in, "profile a", "keyless_token_storage", "file",
			in + "\nkeyless_token_storage = file"},
		{"replace", strings.Replace(in, "eu-west-1\n\n", "eu-west-1\nkeyless_token_storage=keychain  \n\n", 1), "sso-session corp", "keyless_token_storage", "file",
			strings.Replace(in, "eu-west-1\n\n", "eu-west-1\nkeyless_token_storage = file\n\n", 1)},
		{"remove", strings.Replace(in, "eu-west-1\n\n", "eu-west-1\nkeyless_token_storage = keychain\n\n", 1), "sso-session corp", "keyless_token_storage", "", in},
		{"remove what is not there", in, "sso-session corp", "keyless_token_storage", "", in},
		{"empty section", "[sso-session x]\r\n", "sso-session x", "keyless_token_storage", "keychain", "[sso-session x]\r\nkeyless_token_storage = keychain\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse("config", []byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if err := f.SetKey(tc.header, tc.key, tc.value); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, string(f.Bytes())); d != "" {
				t.Errorf("-want +got:\n%s", d)
			}
		})
	}
	f, _ := Parse("config", []byte(in))
	for _, bad := range [][2]string{{"sso-session corp", "sso_region"}, {"sso-session nope", "keyless_token_storage"}} {
		if err := f.SetKey(bad[0], bad[1], "x"); err == nil {
			t.Errorf("SetKey(%q, %q) succeeded", bad[0], bad[1])
		}
	}
}

func TestTokenStorage(t *testing.T) {
	const cfg = "[sso-session corp]\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = eu-west-1\nkeyless_token_storage = %s\n\n" +
		"[profile p]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = R\n\n" +
		"[profile legacy]\nsso_start_url = https://d-2.awsapps.com/start\nsso_region = eu-west-1\nkeyless_token_storage = %s\n"
	for _, tc := range []struct{ value, want, err string }{
		{"keychain", "keychain", ""},
		{"Keychain", "keychain", ""},
		{"file", "", ""},
		{"vault", "", `config:4: [sso-session corp]: keyless_token_storage = "vault": use keychain or file`},
	} {
		f, err := Parse("config", []byte(strings.ReplaceAll(cfg, "%s", tc.value)))
		if err != nil {
			t.Fatal(err)
		}
		s, err := f.Session("corp")
		p, perr := f.SSO("p")
		l, lerr := f.SSO("legacy")
		if tc.err != "" {
			for _, e := range []error{err, perr} {
				if e == nil || !strings.Contains(e.Error(), tc.err) {
					t.Errorf("%s: err = %v, want %q", tc.value, e, tc.err)
				}
			}
			if lerr == nil || !strings.Contains(lerr.Error(), `config:14: profile "legacy": keyless_token_storage = "vault"`) {
				t.Errorf("legacy: err = %v", lerr)
			}
			continue
		}
		if err != nil || perr != nil || lerr != nil {
			t.Fatal(err, perr, lerr)
		}
		if s.TokenStorage != tc.want || p.TokenStorage != tc.want || l.TokenStorage != tc.want {
			t.Errorf("%s: storage %q %q %q, want %q", tc.value, s.TokenStorage, p.TokenStorage, l.TokenStorage, tc.want)
		}
	}
}

// TestTokenStorageWithoutPrefix: token_storage, as one might write it, is
// read by nobody; keyless says so with the line rather than leave the
// refresh token in the file.
func TestTokenStorageWithoutPrefix(t *testing.T) {
	f, err := Parse("config", []byte("[sso-session corp]\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = eu-west-1\ntoken_storage = keychain\n\n"+
		"[profile legacy]\nsso_start_url = https://d-2.awsapps.com/start\nsso_region = eu-west-1\ntoken_storage = keychain\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Session("corp")
	if want := "config:4: [sso-session corp]: token_storage is read by neither keyless nor the AWS CLI; rename it to keyless_token_storage = keychain"; err == nil || err.Error() != want {
		t.Errorf("session: err = %v, want %q", err, want)
	}
	if _, err := f.SSO("legacy"); err == nil || !strings.Contains(err.Error(), `config:9: profile "legacy": token_storage is read by neither`) {
		t.Errorf("legacy: err = %v", err)
	}
}
