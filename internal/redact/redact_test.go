package redact

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestHandlerMasksSecrets(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	var buf bytes.Buffer
	log := slog.New(NewHandler(slog.NewTextHandler(&buf, nil)))
	log.Info("token response "+`{"accessToken":"aoa-SECRET1","expiresIn":3600}`,
		"refreshToken", "aor-SECRET2",
		"body", "grant_type=refresh_token&refresh_token=aor-SECRET3&client_id=abc",
		"err", errors.New("bad secret key: "+secret),
		slog.Group("creds", "SecretAccessKey", "SECRET4", "AccessKeyId", "ASIAEXAMPLE"),
		"clientId", "visible-client-id")
	out := buf.String()
	for _, s := range []string{"SECRET1", "SECRET2", "SECRET3", "SECRET4", secret} {
		if strings.Contains(out, s) {
			t.Errorf("log output contains secret %q:\n%s", s, out)
		}
	}
	for _, s := range []string{"visible-client-id", "ASIAEXAMPLE", "expiresIn", Mask} {
		if !strings.Contains(out, s) {
			t.Errorf("log output lost %q:\n%s", s, out)
		}
	}
}

func TestIsSecretKey(t *testing.T) {
	for name, want := range map[string]bool{
		"accessToken": true, "refresh_token": true, "SecretAccessKey": true, "SessionToken": true,
		"clientSecret": true, "x-amz-sso_bearer_token": true,
		"clientId": false, "AccessKeyId": false, "startUrl": false, "region": false,
	} {
		if got := IsSecretKey(name); got != want {
			t.Errorf("IsSecretKey(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestStringKeepsHexDigests(t *testing.T) {
	const sha = "d033e22ae348aeb5660fc2140aec35850c4da997"
	if got := String("cache " + sha + ".json"); got != "cache "+sha+".json" {
		t.Errorf("String masked a hex digest: %s", got)
	}
	if got := String("key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY end"); got != "key "+Mask+" end" {
		t.Errorf("String = %q", got)
	}
}

// A 40-character name quoted in a keyless.yaml problem stays readable; a
// secret access key does not, quoted there or not.
func TestStringKeepsNamesInConfigProblems(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`keyless.yaml:4:11: groups[0].name: "PlatformEngineeringReadOnlyAccessForProd" is reserved`,
			`keyless.yaml:4:11: groups[0].name: "PlatformEngineeringReadOnlyAccessForProd" is reserved`},
		{`keyless.yaml:4:11: groups[1].name: group "DataPlatformTeam2024ReadOnlyAccessProdEU" is defined twice`,
			`keyless.yaml:4:11: groups[1].name: group "DataPlatformTeam2024ReadOnlyAccessProdEU" is defined twice`},
		// A key is masked in the same place: base64's / and +, or too few words.
		{`keyless.yaml:4:11: groups[0].name: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" is reserved`,
			`keyless.yaml:4:11: groups[0].name: "` + Mask + `" is reserved`},
		{`keyless.yaml:4:11: groups[0].name: "wJalrXUtnFEMIsK7MDENGvbPxRfiCYEXAMPLEKEY" is reserved`,
			`keyless.yaml:4:11: groups[0].name: "` + Mask + `" is reserved`},
		// The same name outside a keyless.yaml problem is masked, as before.
		{`name "PlatformEngineeringReadOnlyAccessForProd"`, `name "` + Mask + `"`},
	} {
		if got := String(tc.in); got != tc.want {
			t.Errorf("String(%q)\n = %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

// An ARN's names may run to 40 characters (assumed-role/ plus a long role
// name): they stay readable; a key beside an ARN is still masked.
func TestStringKeepsARNs(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"as arn:aws:sts::222222222222:assumed-role/OrganizationAccountAccessRole/deleg: denied",
			"as arn:aws:sts::222222222222:assumed-role/OrganizationAccountAccessRole/deleg: denied"},
		{`"Arn":"arn:aws-cn:iam::222222222222:role/PlatformEngineeringReadOnlyAccessProd"`,
			`"Arn":"arn:aws-cn:iam::222222222222:role/PlatformEngineeringReadOnlyAccessProd"`},
		{"arn:aws:iam::222222222222:user/ops key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
			"arn:aws:iam::222222222222:user/ops key " + Mask},
	} {
		if got := String(tc.in); got != tc.want {
			t.Errorf("String(%q)\n = %q\nwant %q", tc.in, got, tc.want)
		}
	}
}
