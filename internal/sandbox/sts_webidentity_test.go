package sandbox

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// testIssuer is an OpenID Connect issuer on loopback: it publishes its
// discovery document and keys, and signs ID tokens.
type testIssuer struct {
	url string
	key *ecdsa.PrivateKey
	kid string
}

func newSigningKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func startIssuer(t testing.TB) *testIssuer {
	t.Helper()
	iss := &testIssuer{key: newSigningKey(t), kid: "key-1"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": iss.url, "jwks_uri": iss.url + "/keys"})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
			{Key: &iss.key.PublicKey, KeyID: iss.kid, Algorithm: string(jose.ES256), Use: "sig"}}})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	iss.url = srv.URL
	return iss
}

// token signs claims with key under the issuer's key id; iss, aud, sub,
// iat and exp default to a good token for ciAudience.
func (iss *testIssuer) token(t testing.TB, key *ecdsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	all := map[string]any{"iss": iss.url, "aud": ciAudience, "sub": "repo:acme/app:ref:refs/heads/main",
		"iat": time.Now().Unix(), "exp": time.Now().Add(10 * time.Minute).Unix()}
	for k, v := range claims {
		if v == nil {
			delete(all, k)
		} else {
			all[k] = v
		}
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: iss.kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := jwt.Signed(signer).Claims(all).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const (
	ciAudience = "sts.amazonaws.com"
	ciRoleName = "ci-deploy"
)

// ciTrust is a GitHub-style trust policy: the issuer's tokens for
// sts.amazonaws.com, from the main branch of acme/* repositories.
func ciTrust(providerARN, host string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + providerARN + `"},` +
		`"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + host + `:aud":"` + ciAudience + `"},` +
		`"StringLike":{"` + host + `:sub":"repo:acme/*:ref:refs/heads/main"}}}]}`
}

// federationIAM is the IAM client the federation tests register providers
// and roles with: moto's account, or the sandbox's member account
// 222222222222 (through its OrganizationAccountAccessRole).
func federationIAM(t *testing.T, tg *target) *iam.Client {
	t.Helper()
	if tg.moto {
		return iam.NewFromConfig(tg.cfg)
	}
	return memberIAM(t, tg.cfg, "222222222222")
}

// addWebIdentityRole registers iss as an IAM OIDC provider and a role that
// trusts it (ciTrust) through IAM's API, and returns the role's ARN and the
// provider's.
func addWebIdentityRole(t *testing.T, tg *target, iss *testIssuer) (roleARN, providerARN string) {
	t.Helper()
	return addWebIdentityRoleAt(t, tg, iss, ciRoleName)
}

// addWebIdentityRoleAt is addWebIdentityRole with the role's name.
func addWebIdentityRoleAt(t *testing.T, tg *target, iss *testIssuer, role string) (roleARN, providerARN string) {
	t.Helper()
	host := issuerKey(iss.url)
	c := federationIAM(t, tg)
	ctx := context.Background()
	// The sandbox, like IAM, wants an https:// URL; providers match the
	// token's http:// loopback issuer without the scheme.
	p := must(c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://" + host),
		ClientIDList: []string{ciAudience}, ThumbprintList: []string{strings.Repeat("a", 40)}}))(t)
	providerARN = aws.ToString(p.OpenIDConnectProviderArn)
	r := must(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(role), AssumeRolePolicyDocument: aws.String(ciTrust(providerARN, host))}))(t)
	return aws.ToString(r.Role.Arn), providerARN
}

func assumeWithToken(cfg aws.Config, roleARN, token string) (*sts.AssumeRoleWithWebIdentityOutput, error) {
	return sts.NewFromConfig(cfg).AssumeRoleWithWebIdentity(context.Background(), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(roleARN), RoleSessionName: aws.String("gha-run-42"), WebIdentityToken: aws.String(token)})
}

// A CI job assumes a role with its OIDC token: the sandbox checks the
// token as AWS does; moto accepts any token.
func TestConformanceAssumeRoleWithWebIdentity(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		iss := startIssuer(t)
		roleARN, providerARN := addWebIdentityRole(t, tg, iss)
		acct := strings.Split(roleARN, ":")[4]

		out := must(assumeWithToken(tg.cfg, roleARN, iss.token(t, iss.key, nil)))(t)
		wantARN := "arn:aws:sts::" + acct + ":assumed-role/" + ciRoleName + "/gha-run-42"
		if got := aws.ToString(out.AssumedRoleUser.Arn); got != wantARN {
			t.Errorf("AssumedRoleUser.Arn = %s, want %s", got, wantARN)
		}
		if left := time.Until(aws.ToTime(out.Credentials.Expiration)); left < 55*time.Minute || left > time.Hour+time.Minute {
			t.Errorf("credentials last %v, want the default of 1h", left)
		}
		// AWS returns who the token named, for whom, and which provider
		// vouched for it (by ARN, as real replies show); moto leaves all
		// three out.
		if !tg.moto {
			if got := aws.ToString(out.SubjectFromWebIdentityToken); got != "repo:acme/app:ref:refs/heads/main" {
				t.Errorf("SubjectFromWebIdentityToken = %q", got)
			}
			if got := aws.ToString(out.Audience); got != ciAudience {
				t.Errorf("Audience = %q", got)
			}
			if got := aws.ToString(out.Provider); got != providerARN {
				t.Errorf("Provider = %q, want %s", got, providerARN)
			}
			//lint:ignore SA1019 STS still returns PackedPolicySize beside SessionTokenUtilization, and the sandbox does too
			if size := out.PackedPolicySize; size != nil {
				t.Errorf("PackedPolicySize = %d without session policies, AWS leaves it out", *size)
			}
		}
		c := out.Credentials
		rcfg := tg.cfg.Copy()
		rcfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
		id := must(sts.NewFromConfig(rcfg).GetCallerIdentity(context.Background(), nil))(t)
		if aws.ToString(id.Arn) != wantARN {
			t.Errorf("the session is %s, want %s", aws.ToString(id.Arn), wantARN)
		}

		stranger := newSigningKey(t)
		refused := []struct {
			name, token, code string
		}{
			{"a signature by another key", iss.token(t, stranger, nil), "InvalidIdentityToken"},
			{"another audience", iss.token(t, iss.key, map[string]any{"aud": "someone-else"}), "InvalidIdentityToken"},
			{"an issuer that is no provider", iss.token(t, iss.key, map[string]any{"iss": "https://issuer.example.com"}), "InvalidIdentityToken"},
			{"an expired token", iss.token(t, iss.key, map[string]any{"iat": time.Now().Add(-time.Hour).Unix(), "exp": time.Now().Add(-time.Minute).Unix()}), "ExpiredTokenException"},
			{"a subject the trust policy does not allow", iss.token(t, iss.key, map[string]any{"sub": "repo:evil/app:ref:refs/heads/main"}), "AccessDenied"},
			{"a branch the trust policy does not allow", iss.token(t, iss.key, map[string]any{"sub": "repo:acme/app:ref:refs/heads/feature"}), "AccessDenied"},
			{"not a JWT", "not-a-token", "InvalidIdentityToken"},
		}
		for _, tc := range refused {
			_, err := assumeWithToken(tg.cfg, roleARN, tc.token)
			if tg.moto {
				// moto does not check tokens (moto/sts/models.py hands
				// AssumeRoleWithWebIdentity to assume_role); AWS refuses
				// each of these (the API reference's Errors), as the
				// sandbox does.
				if err != nil {
					t.Errorf("%s: moto now refuses it (%v): update this scenario and docs/sandbox.md", tc.name, err)
				}
				continue
			}
			if err == nil {
				t.Errorf("%s: accepted", tc.name)
				continue
			}
			t.Run(tc.name, func(t *testing.T) { wantCode(t, err, tc.code) })
		}
		if !tg.moto {
			webIdentityInTrail(t, tg.cfg, roleARN, providerARN)
		}
	})
}

// webIdentityInTrail: the one AssumeRoleWithWebIdentity that succeeded is
// in the role's account's event history, found by the role's ARN (as
// resource) and by event name, with the token's subject as userName and
// the role in requestParameters; the refused ones are not.
func webIdentityInTrail(t *testing.T, cfg aws.Config, roleARN, providerARN string) {
	t.Helper()
	// LookupEvents reads the caller's account: the role's.
	out := must(sts.NewFromConfig(cfg).AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + strings.Split(roleARN, ":")[4] + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("trail")}))(t)
	mcfg := cfg.Copy()
	mcfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(out.Credentials.AccessKeyId), aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken))
	ct := cloudtrail.NewFromConfig(mcfg)
	for _, attr := range []cttypes.LookupAttribute{
		{AttributeKey: cttypes.LookupAttributeKeyResourceName, AttributeValue: aws.String(roleARN)},
		{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("AssumeRoleWithWebIdentity")},
	} {
		out, err := ct.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{attr}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Events) != 1 {
			t.Fatalf("LookupEvents %s=%s: %d events, want the one that succeeded", attr.AttributeKey, aws.ToString(attr.AttributeValue), len(out.Events))
		}
		e := out.Events[0]
		if got := aws.ToString(e.Username); got != "repo:acme/app:ref:refs/heads/main" {
			t.Errorf("Username %q, want the token's subject", got)
		}
		if len(e.Resources) != 1 || aws.ToString(e.Resources[0].ResourceName) != roleARN || aws.ToString(e.Resources[0].ResourceType) != "AWS::IAM::Role" {
			t.Errorf("Resources %+v, want the role", e.Resources)
		}
		var rec struct {
			UserIdentity      map[string]any    `json:"userIdentity"`
			RequestParameters map[string]string `json:"requestParameters"`
		}
		if err := json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.UserIdentity["type"] != "WebIdentityUser" || rec.UserIdentity["identityProvider"] != providerARN || rec.RequestParameters["roleArn"] != roleARN {
			t.Errorf("record %+v", rec)
		}
	}
}

// Checks on the sandbox alone: what moto has no opinion on.
func TestAssumeRoleWithWebIdentityChecks(t *testing.T) {
	srv, url := startSandbox(t, Options{})
	tg := &target{name: "sandbox", url: url, srv: srv, cfg: sdkConfig(t, url)}
	iss := startIssuer(t)
	roleARN, _ := addWebIdentityRole(t, tg, iss)
	ctx := context.Background()
	client := sts.NewFromConfig(tg.cfg)

	// The role's MaxSessionDuration (default 1h) bounds DurationSeconds.
	_, err := client.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(roleARN),
		RoleSessionName: aws.String("ci"), WebIdentityToken: aws.String(iss.token(t, iss.key, nil)), DurationSeconds: aws.Int32(7200)})
	wantCode(t, err, "ValidationError")

	// A session policy is reported by its packed size; a malformed one is refused.
	out := must(client.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(roleARN),
		RoleSessionName: aws.String("ci"), WebIdentityToken: aws.String(iss.token(t, iss.key, nil)),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)}))(t)
	//lint:ignore SA1019 STS still returns PackedPolicySize beside SessionTokenUtilization, and the sandbox does too
	if size := out.PackedPolicySize; size == nil || *size <= 0 {
		t.Errorf("PackedPolicySize = %v with a session policy", size)
	}
	// Not JSON, and JSON that is no identity policy (a Principal, an action
	// without a service): IAM's grammar, as for any identity policy.
	for _, doc := range []string{"{not json",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"GetObject","Resource":"*"}]}`} {
		_, err = client.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(roleARN),
			RoleSessionName: aws.String("ci"), WebIdentityToken: aws.String(iss.token(t, iss.key, nil)), Policy: aws.String(doc)})
		wantCode(t, err, "MalformedPolicyDocument")
	}

	// A role that does not trust the provider (OrganizationAccountAccessRole
	// trusts the management account) and a role that does not exist.
	for _, arn := range []string{"arn:aws:iam::222222222222:role/OrganizationAccountAccessRole", "arn:aws:iam::222222222222:role/nope"} {
		_, err = assumeWithToken(tg.cfg, arn, iss.token(t, iss.key, nil))
		wantCode(t, err, "AccessDenied")
	}
	// The provider is per account: the same token for a role in another
	// account has no provider there.
	_, err = assumeWithToken(tg.cfg, "arn:aws:iam::333333333333:role/"+ciRoleName, iss.token(t, iss.key, nil))
	wantCode(t, err, "InvalidIdentityToken")

	// A token not valid yet, and one without a usable subject.
	_, err = assumeWithToken(tg.cfg, roleARN, iss.token(t, iss.key, map[string]any{"nbf": time.Now().Add(time.Hour).Unix()}))
	wantCode(t, err, "IDPRejectedClaim")
	_, err = assumeWithToken(tg.cfg, roleARN, iss.token(t, iss.key, map[string]any{"sub": nil}))
	wantCode(t, err, "IDPRejectedClaim")
	// Unsigned tokens ("alg": "none") are not JWS the sandbox accepts.
	_, err = assumeWithToken(tg.cfg, roleARN, "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.")
	wantCode(t, err, "InvalidIdentityToken")

	// The provider and the role's trust policy are world state: in the
	// state dump, and gone after a reset.
	resp, err := http.Get(url + "/_sandbox/state")
	if err != nil {
		t.Fatal(err)
	}
	var state World
	err = json.NewDecoder(resp.Body).Decode(&state)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if ia := state.IAM["222222222222"]; ia == nil || len(ia.OIDCProviders) != 1 || ia.OIDCProviders[0].ClientIDs[0] != ciAudience {
		t.Errorf("state dump lacks the OIDC provider: %+v", ia)
	}
	if err := srv.Reset(); err != nil {
		t.Fatal(err)
	}
	_, err = assumeWithToken(tg.cfg, roleARN, iss.token(t, iss.key, nil))
	wantCode(t, err, "InvalidIdentityToken")
}

// An issuer that does not answer is IDPCommunicationError; one that
// answers without keys is InvalidIdentityToken.
func TestAssumeRoleWithWebIdentityUnreachableIssuer(t *testing.T) {
	srv, url := startSandbox(t, Options{})
	tg := &target{name: "sandbox", url: url, srv: srv, cfg: sdkConfig(t, url)}
	iss := startIssuer(t)
	roleARN, _ := addWebIdentityRole(t, tg, iss)
	tok := iss.token(t, iss.key, nil)

	broken := httptest.NewServer(http.NotFoundHandler())
	defer broken.Close()
	brokenIss := &testIssuer{url: broken.URL, key: iss.key, kid: iss.kid}
	brokenRole, _ := addWebIdentityRoleAt(t, tg, brokenIss, "broken")
	_, err := assumeWithToken(tg.cfg, brokenRole, brokenIss.token(t, iss.key, nil))
	wantCode(t, err, "InvalidIdentityToken")
	if err != nil && !strings.Contains(err.Error(), "HTTP 404") {
		t.Errorf("error does not say why the keys could not be read: %v", err)
	}

	gone := httptest.NewServer(http.NotFoundHandler())
	goneIss := &testIssuer{url: gone.URL, key: iss.key, kid: iss.kid}
	gone.Close()
	goneRole, _ := addWebIdentityRoleAt(t, tg, goneIss, "gone")
	_, err = assumeWithToken(tg.cfg, goneRole, goneIss.token(t, iss.key, nil))
	wantCode(t, err, "IDPCommunicationError")

	// The working issuer is unaffected.
	must(assumeWithToken(tg.cfg, roleARN, tok))(t)
}

// The AWS CLI (botocore) as a CI job uses it: no keys at all, only
// AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE, so its credential provider
// calls AssumeRoleWithWebIdentity (unsigned) on the sandbox and signs
// GetCallerIdentity with the session it gets. The explicit command is
// checked too, for the reply's fields.
func TestAssumeRoleWithWebIdentityAWSCLI(t *testing.T) {
	bin := requireTool(t, "aws")
	srv, url := startSandbox(t, Options{})
	tg := &target{name: "sandbox", url: url, srv: srv, cfg: sdkConfig(t, url)}
	iss := startIssuer(t)
	roleARN, providerARN := addWebIdentityRole(t, tg, iss)
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(iss.token(t, iss.key, nil)), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(env []string, args ...string) map[string]any {
		t.Helper()
		cmd := exec.Command(bin, append(args, "--output", "json")...)
		cmd.Env = append([]string{"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "AWS_ENDPOINT_URL=" + url, "AWS_DEFAULT_REGION=us-east-1",
			"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_MAX_ATTEMPTS=1", "AWS_EC2_METADATA_DISABLED=true"}, env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws %v: %v\n%s", args, err, out)
		}
		var v map[string]any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("aws %v: %v\n%s", args, err, out)
		}
		return v
	}
	id := run([]string{"AWS_ROLE_ARN=" + roleARN, "AWS_WEB_IDENTITY_TOKEN_FILE=" + tokenFile, "AWS_ROLE_SESSION_NAME=ci-job"},
		"sts", "get-caller-identity")
	if want := "arn:aws:sts::222222222222:assumed-role/" + ciRoleName + "/ci-job"; id["Arn"] != want {
		t.Errorf("get-caller-identity with a web identity token: Arn = %v, want %s", id["Arn"], want)
	}
	out := run(nil, "sts", "assume-role-with-web-identity", "--role-arn", roleARN, "--role-session-name", "ci-job",
		"--web-identity-token", iss.token(t, iss.key, nil), "--no-sign-request")
	if out["Provider"] != providerARN || out["Audience"] != ciAudience || out["SubjectFromWebIdentityToken"] != "repo:acme/app:ref:refs/heads/main" {
		t.Errorf("assume-role-with-web-identity: %v", out)
	}
}
