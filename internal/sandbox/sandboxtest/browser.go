package sandboxtest

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/keyless-dev/keyless/internal/sandbox"
)

// Browse does what a person at a browser does with a sign-in link from
// the sandbox: sandbox.Browse. Tests and test scripts use it to sign in
// several different users against one sandbox.
func Browse(link, user string) error { return sandbox.Browse(link, user) }

// SignIn signs user in with the device flow, approving on the sandbox's
// page, and returns the portal access token.
func SignIn(t testing.TB, cfg aws.Config, user string) string {
	t.Helper()
	ctx := context.Background()
	oidc := ssooidc.NewFromConfig(cfg)
	reg, err := oidc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("sandboxtest"), ClientType: aws.String("public"),
		Scopes: []string{"sso:account:access"}})
	if err != nil {
		t.Fatal(err)
	}
	start, err := oidc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(aws.ToString(cfg.BaseEndpoint) + "/start")})
	if err != nil {
		t.Fatal(err)
	}
	if err := Browse(aws.ToString(start.VerificationUriComplete), user); err != nil {
		t.Fatalf("sign in as %s: %v", user, err)
	}
	tok, err := oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: start.DeviceCode})
	if err != nil {
		t.Fatalf("sign in as %s: %v", user, err)
	}
	return aws.ToString(tok.AccessToken)
}

// RoleSession is cfg signing as user's permission set in account, from the
// portal as keyless login gets it. cfg must reach the sandbox
// (BaseEndpoint).
func RoleSession(t testing.TB, cfg aws.Config, token, account, set string) (aws.Config, error) {
	t.Helper()
	out, err := sso.NewFromConfig(cfg).GetRoleCredentials(context.Background(), &sso.GetRoleCredentialsInput{
		AccessToken: aws.String(token), AccountId: aws.String(account), RoleName: aws.String(set)})
	if err != nil {
		return aws.Config{}, err
	}
	rc := out.RoleCredentials
	c := cfg.Copy()
	c.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(rc.AccessKeyId), aws.ToString(rc.SecretAccessKey), aws.ToString(rc.SessionToken))
	return c, nil
}

// Accounts lists the account ids the token's user may use, as the portal says.
func Accounts(t testing.TB, cfg aws.Config, token string) []string {
	t.Helper()
	var out []string
	p := sso.NewListAccountsPaginator(sso.NewFromConfig(cfg), &sso.ListAccountsInput{AccessToken: aws.String(token)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page.AccountList {
			out = append(out, aws.ToString(a.AccountId))
		}
	}
	return out
}

// Roles lists the roles the token's user may use in account.
func Roles(t testing.TB, cfg aws.Config, token, account string) []string {
	t.Helper()
	var out []string
	p := sso.NewListAccountRolesPaginator(sso.NewFromConfig(cfg), &sso.ListAccountRolesInput{AccessToken: aws.String(token), AccountId: aws.String(account)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.RoleList {
			out = append(out, aws.ToString(r.RoleName))
		}
	}
	return out
}
