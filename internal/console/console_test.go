package console

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	admintypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/google/go-cmp/cmp"
	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/sandbox/sandboxtest"
	"github.com/keyless-dev/keyless/internal/testtool"
)

func TestDestination(t *testing.T) {
	tests := []struct {
		service, region, want string
	}{
		{"", "eu-west-1", "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"},
		{"", "", "https://console.aws.amazon.com/console/home"},
		{"ec2", "eu-west-1", "https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1"},
		{"EC2 ", "us-east-2", "https://us-east-2.console.aws.amazon.com/ec2/home?region=us-east-2"},
		{"lambda", "ap-southeast-1", "https://ap-southeast-1.console.aws.amazon.com/lambda/home?region=ap-southeast-1"},
		{"cfn", "eu-west-1", "https://eu-west-1.console.aws.amazon.com/cloudformation/home?region=eu-west-1"},
		{"cloudformation", "eu-west-1", "https://eu-west-1.console.aws.amazon.com/cloudformation/home?region=eu-west-1"},
		{"cw", "eu-west-1", "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1"},
		{"dynamodb", "eu-west-1", "https://eu-west-1.console.aws.amazon.com/dynamodbv2/home?region=eu-west-1"},
		{"s3", "eu-west-1", "https://console.aws.amazon.com/s3/home"},
		{"iam", "eu-west-1", "https://console.aws.amazon.com/iam/home"},
		{"ec2", "", "https://console.aws.amazon.com/ec2/home"},
		{"some-new-service", "us-gov-west-1", "https://us-gov-west-1.console.aws.amazon.com/some-new-service/home?region=us-gov-west-1"},
		{"https://eu-west-1.console.aws.amazon.com/ec2/home#Instances:", "us-east-1", "https://eu-west-1.console.aws.amazon.com/ec2/home#Instances:"},
	}
	for _, tt := range tests {
		got, err := Destination(tt.service, tt.region)
		if err != nil || got != tt.want {
			t.Errorf("Destination(%q, %q) = %q, %v; want %q", tt.service, tt.region, got, err, tt.want)
		}
	}
	for _, bad := range [][2]string{{"ec2/../x", "eu-west-1"}, {"http://console.aws.amazon.com/", ""}, {"ec2", "Europe"}, {"e c2", ""}} {
		if got, err := Destination(bad[0], bad[1]); err == nil {
			t.Errorf("Destination(%q, %q) = %q, want an error", bad[0], bad[1], got)
		}
	}
}

const account = "111111111111"

// roleCredentials signs alice in to the sandbox with the device flow and
// returns credentials for a permission set assigned to her.
func roleCredentials(t *testing.T, base string) Credentials {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "")),
		config.WithBaseEndpoint(base),
		config.WithRetryer(testtool.RetryConnectionErrors),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
	)
	if err != nil {
		t.Fatal(err)
	}
	admin := ssoadmin.NewFromConfig(cfg)
	inst, err := admin.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	if err != nil || len(inst.Instances) != 1 {
		t.Fatalf("list instances: %v, %v", inst, err)
	}
	instARN, storeID := inst.Instances[0].InstanceArn, inst.Instances[0].IdentityStoreId
	users, err := identitystore.NewFromConfig(cfg).ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: storeID})
	if err != nil || len(users.Users) != 1 {
		t.Fatalf("list users: %v, %v", users, err)
	}
	ps, err := admin.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: instARN,
		Name: aws.String("ConsoleUser"), SessionDuration: aws.String("PT1H")})
	if err != nil {
		t.Fatal(err)
	}
	as, err := admin.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{InstanceArn: instARN,
		PermissionSetArn: ps.PermissionSet.PermissionSetArn, PrincipalType: admintypes.PrincipalTypeUser,
		PrincipalId: users.Users[0].UserId, TargetId: aws.String(account), TargetType: admintypes.TargetTypeAwsAccount})
	if err != nil {
		t.Fatal(err)
	}
	for st := as.AccountAssignmentCreationStatus; st.Status != admintypes.StatusValuesSucceeded; {
		if st.Status == admintypes.StatusValuesFailed {
			t.Fatalf("assignment failed: %s", aws.ToString(st.FailureReason))
		}
		time.Sleep(10 * time.Millisecond)
		out, err := admin.DescribeAccountAssignmentCreationStatus(ctx, &ssoadmin.DescribeAccountAssignmentCreationStatusInput{
			InstanceArn: instARN, AccountAssignmentCreationRequestId: st.RequestId})
		if err != nil {
			t.Fatal(err)
		}
		st = out.AccountAssignmentCreationStatus
	}

	oidc := ssooidc.NewFromConfig(cfg)
	reg, err := oidc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("console-test"),
		ClientType: aws.String("public"), Scopes: []string{"sso:account:access"}})
	if err != nil {
		t.Fatal(err)
	}
	start, err := oidc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(base + "/start")})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: start.DeviceCode})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := sso.NewFromConfig(cfg).GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{
		AccessToken: tok.AccessToken, AccountId: aws.String(account), RoleName: aws.String("ConsoleUser")})
	if err != nil {
		t.Fatal(err)
	}
	c := rc.RoleCredentials
	return Credentials{AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey), SessionToken: aws.ToString(c.SessionToken)}
}

func startSandbox(t *testing.T) string {
	seed := sandbox.DefaultSeed()
	seed.Users = []sandbox.SeedUser{{UserName: "alice", GivenName: "Alice", FamilyName: "Admin", Email: "alice@example.com"}}
	_, base := sandboxtest.Start(t, sandbox.Options{Seed: seed, ApproveAs: "alice", AssignmentDelay: -1})
	return base
}

// TestSigninURL signs in to the sandbox's console with real role
// credentials: the login URL lands on the page for alice's role.
func TestSigninURL(t *testing.T) {
	base := startSandbox(t)
	creds := roleCredentials(t, base)
	dest, err := Destination("ec2", "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	fed := base + "/federation"
	got, err := SigninURL(context.Background(), http.DefaultClient, fed, creds, dest, "https://keyless.example/issuer")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme+"://"+u.Host+u.Path != fed || q.Get("Action") != "login" || q.Get("Destination") != dest ||
		q.Get("Issuer") != "https://keyless.example/issuer" || q.Get("SigninToken") == "" {
		t.Fatalf("login URL = %s", got)
	}
	if !strings.HasPrefix(u.RawQuery, "Action=login&Issuer=") {
		t.Errorf("login URL parameters are not in AWS's order: %s", u.RawQuery)
	}
	for _, secret := range []string{creds.SecretAccessKey, creds.SessionToken} {
		if strings.Contains(got, secret) || strings.Contains(got, url.QueryEscape(secret)) {
			t.Errorf("the login URL holds a credential: %s", got)
		}
	}

	resp, err := http.Get(got)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET login URL = %d:\n%s", resp.StatusCode, body)
	}
	for _, want := range []string{
		`<dd id="account">` + account + `</dd>`,
		`<dd id="role">AWSReservedSSO_ConsoleUser_`,
		`<dd id="session">alice</dd>`,
		`<dd id="destination">` + dest + `</dd>`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("landing page has no %s:\n%s", want, body)
		}
	}

	// No issuer and no destination: the console home, no Issuer parameter.
	got, err = SigninURL(context.Background(), nil, fed, creds, "", "")
	if err != nil {
		t.Fatal(err)
	}
	u, _ = url.Parse(got)
	if d := cmp.Diff([]string{"Action", "Destination", "SigninToken"}, keys(u.Query())); d != "" || u.Query().Get("Destination") != "https://console.aws.amazon.com/console/home" {
		t.Errorf("login URL without issuer and destination = %s", got)
	}
}

func keys(v url.Values) []string {
	var k []string
	for n := range v {
		k = append(k, n)
	}
	slices.Sort(k)
	return k
}

// TestSigninURLRefusals: a refused or failed exchange gives an error that
// says what happened and holds no credential.
func TestSigninURLRefusals(t *testing.T) {
	base := startSandbox(t)
	good := roleCredentials(t, base)
	bad := good
	bad.SessionToken = "IQoJb3JpZ2luX2VjEXAMPLEwrongSessionTokenValue0123456789abcdefXYZ/+="
	tests := []struct {
		name  string
		fed   string
		creds Credentials
		want  []string // in the error
	}{
		{"invalid session token", base + "/federation", bad,
			[]string{"console sign-in: " + base + "/federation refused the credentials: 400 Bad Request: ", "not valid temporary credentials", "sign in again"}},
		{"no session token", base + "/federation", Credentials{AccessKeyID: good.AccessKeyID, SecretAccessKey: good.SecretAccessKey},
			[]string{"long-term IAM user keys cannot sign in"}},
		{"endpoint down", "http://127.0.0.1:1/federation", good,
			[]string{"console sign-in: request a sign-in token from http://127.0.0.1:1/federation: ", "connection refused"}},
		{"not a federation endpoint", base + "/start", good,
			[]string{"console sign-in: " + base + "/start"}},
		{"bad federation URL", "ftp://x/federation", good, []string{`federation endpoint "ftp://x/federation" is not an http(s) URL`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SigninURL(context.Background(), http.DefaultClient, tt.fed, tt.creds, "", "")
			if err == nil {
				t.Fatalf("SigninURL = %s, want an error", got)
			}
			msg := err.Error()
			t.Log(msg)
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q has no %q", msg, w)
				}
			}
			for _, s := range []string{tt.creds.SecretAccessKey, tt.creds.SessionToken, url.QueryEscape(tt.creds.SessionToken), "Session=", "sessionKey"} {
				if s != "" && strings.Contains(msg, s) {
					t.Errorf("error %q holds %q", msg, s)
				}
			}
		})
	}
}

// An endpoint that echoes the request back in its error (as proxies and
// misconfigured servers do) must not get the credentials into the error.
func TestSigninURLScrubsEchoedCredentials(t *testing.T) {
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad request: "+r.URL.RawQuery+" session="+r.URL.Query().Get("Session"), http.StatusForbidden)
	}))
	defer echo.Close()
	c := Credentials{AccessKeyID: "ASIAQ3EGYOJ2EXAMPLE1", SecretAccessKey: "s3cr3t-value-that-is-not-key-shaped", SessionToken: "tok-value-not-token-shaped"}
	_, err := SigninURL(context.Background(), echo.Client(), echo.URL+"/federation", c, "", "")
	if err == nil {
		t.Fatal("SigninURL succeeded against an endpoint that refuses")
	}
	msg := err.Error()
	if !strings.Contains(msg, "403 Forbidden: bad request: ") {
		t.Errorf("error %q does not give the status and the answer", msg)
	}
	for _, s := range []string{c.SecretAccessKey, c.SessionToken, c.AccessKeyID} {
		if strings.Contains(msg, s) {
			t.Errorf("error %q holds %q", msg, s)
		}
	}
}

func TestKnown(t *testing.T) {
	for _, s := range []string{"", "home", "ec2", "EC2 ", "cfn", "s3", "dynamodbv2", "https://eu-west-1.console.aws.amazon.com/ec2/home"} {
		if !Known(s) {
			t.Errorf("Known(%q) = false", s)
		}
	}
	for _, s := range []string{"nosuchservice", "ec3", "lamda"} {
		if Known(s) {
			t.Errorf("Known(%q) = true", s)
		}
	}
	names := Names()
	if !slices.Contains(names, "ec2") || !slices.Contains(names, "cfn") || !slices.Contains(names, "iam") || !slices.IsSorted(names) {
		t.Errorf("Names() = %v", names)
	}
}
