package sandboxtest

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/keyless-dev/keyless/internal/lazyre"
)

// Browse does what a person at a browser does with a sign-in link from
// the sandbox (its /authorize or /device page): it chooses user from the
// page's list and submits the form, following redirects (to a PKCE
// client's loopback callback). Tests and test scripts use it to sign in
// several different users against one sandbox.
func Browse(link, user string) error {
	resp, err := http.Get(link)
	if err != nil {
		return err
	}
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", link, resp.Status)
	}
	form, action, err := signinForm(string(page), user)
	if err != nil {
		return err
	}
	target, err := resp.Request.URL.Parse(action)
	if err != nil {
		return err
	}
	resp, err = http.PostForm(target.String(), form)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: %s: %s", target.Path, resp.Status, body)
	}
	return nil
}

var (
	formRe   = lazyre.New(`(?s)<form method="post" action="([^"]+)">(.*?)</form>`)
	hiddenRe = lazyre.New(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	userRe   = lazyre.New(`<button type="submit" name="user_id" value="([^"]+)"><strong>([^<]+)</strong>`)
)

// signinForm reads the page's sign-in form: its hidden fields and the
// button of user.
func signinForm(page, user string) (url.Values, string, error) {
	m := formRe.FindStringSubmatch(page)
	if m == nil {
		return nil, "", errors.New("no sign-in form on the page")
	}
	form := url.Values{}
	for _, h := range hiddenRe.Regexp().FindAllStringSubmatch(m[2], -1) {
		form.Set(html.UnescapeString(h[1]), html.UnescapeString(h[2]))
	}
	for _, u := range userRe.Regexp().FindAllStringSubmatch(page, -1) {
		if html.UnescapeString(u[2]) == user {
			form.Set("user_id", html.UnescapeString(u[1]))
			return form, html.UnescapeString(m[1]), nil
		}
	}
	return nil, "", fmt.Errorf("the sign-in page lists no user %q", user)
}

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
