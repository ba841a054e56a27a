package audit

import (
	"context"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/google/go-cmp/cmp"

	"github.com/keyless-dev/keyless/internal/testtool"
)

var moto testtool.Moto

func TestMain(m *testing.M) {
	code := m.Run()
	moto.Stop()
	os.Exit(code)
}

// moto is a second, independent implementation of IAM. It differs from
// AWS in ways the test names: GetAccountSummary's root fields are always 0
// (so root-mfa fails there), the credential report has no <root_account>
// row, ListServiceSpecificCredentials is not implemented, and it has no
// organization.
func TestMotoIAM(t *testing.T) {
	url := moto.URL(t)
	cfg := sdkConfig(t, url, nil)
	// moto now and then closes a kept-alive connection: one per request.
	cfg.HTTPClient = awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) { tr.DisableKeepAlives = true })
	c := iam.NewFromConfig(cfg)
	ctx := context.Background()
	do := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"console", "keys", "dependents"} {
		_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)})
		do(err)
	}
	_, err := c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("console"), Password: aws.String("Correct-Horse-42!")})
	do(err)
	for range 2 {
		_, err = c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("keys")})
		do(err)
	}
	_, err = c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("ops")})
	do(err)
	_, err = c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("ops"), UserName: aws.String("dependents")})
	do(err)
	_, err = c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("dependents"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)})
	do(err)
	_, err = c.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(8), PasswordReusePrevention: aws.Int32(24)})
	do(err)

	cl := NewClients(cfg)
	cl.IdentityCenter = nil // moto's Identity Center is the identitycenter package's to test
	st, err := Collect(ctx, cl, CollectOptions{ReportPoll: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// moto differs from AWS: ListServiceSpecificCredentials is not
	// implemented (HTTP 500), which Collect records as a gap, not a failure.
	for _, g := range st.Gaps {
		if g.Action != "iam:ListServiceSpecificCredentials" || g.Denied {
			t.Errorf("gap %s: %s", g.Action, g.Err)
		}
	}
	// Keys and passwords were created just now: judge them 50 days later,
	// never used, so they count from their creation.
	rep := Run(st, time.Now().Add(50*24*time.Hour))
	var got []string
	for _, f := range rep.Findings {
		got = append(got, f.ID+" "+f.Resource[len("arn:aws:iam::"+st.AccountID+":"):])
	}
	got = slices.Compact(got) // two keys' findings differ only by key id
	key := "user/keys/access-key/"
	want := []string{
		"root-mfa root", // moto differs from AWS: AccountMFAEnabled is always 0
		"iam-user-console-no-mfa user/console",
		"iam-user-active-key " + key + st.Users[slices.IndexFunc(st.Users, func(u IAMUser) bool { return u.Name == "keys" })].AccessKeys[0].ID,
		"iam-user-active-key " + key + st.Users[slices.IndexFunc(st.Users, func(u IAMUser) bool { return u.Name == "keys" })].AccessKeys[1].ID,
		"iam-user-key-unused " + key + st.Users[slices.IndexFunc(st.Users, func(u IAMUser) bool { return u.Name == "keys" })].AccessKeys[0].ID,
		"iam-user-key-unused " + key + st.Users[slices.IndexFunc(st.Users, func(u IAMUser) bool { return u.Name == "keys" })].AccessKeys[1].ID,
		"iam-user-two-active-keys user/keys",
		"iam-user-password-unused user/console",
		"password-policy-length root",
	}
	slices.Sort(want)
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	i := slices.IndexFunc(st.Users, func(u IAMUser) bool { return u.Name == "dependents" })
	if d := st.Users[i]; !slices.Equal(d.Groups, []string{"ops"}) || !slices.Equal(d.InlinePolicies, []string{"p"}) {
		t.Errorf("dependents = %+v", d)
	}
}

// TestMotoBreakGlassMFA: against moto, a device enabled from
// CreateVirtualMFADevice is virtual (ListVirtualMFADevices lists it) and a
// hardware token's plain serial is not, as in AWS.
func TestMotoBreakGlassMFA(t *testing.T) {
	url := moto.URL(t)
	cfg := sdkConfig(t, url, nil)
	cfg.HTTPClient = awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) { tr.DisableKeepAlives = true })
	c := iam.NewFromConfig(cfg)
	ctx := context.Background()
	do := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"phone-bg", "token-bg"} {
		do(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}))
		do(c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String(name), Password: aws.String("Correct-Horse-42!")}))
	}
	dev, err := c.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("phone-bg")})
	do(dev, err)
	do(c.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("phone-bg"), SerialNumber: dev.VirtualMFADevice.SerialNumber,
		AuthenticationCode1: aws.String("123456"), AuthenticationCode2: aws.String("654321")}))
	do(c.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("token-bg"), SerialNumber: aws.String("GAHT12345678"),
		AuthenticationCode1: aws.String("123456"), AuthenticationCode2: aws.String("654321")}))

	cl := NewClients(cfg)
	cl.IdentityCenter = nil
	st, err := Collect(ctx, cl, CollectOptions{ReportPoll: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for user, wantVirtual := range map[string]bool{"phone-bg": true, "token-bg": false} {
		st.Declared = &Declared{File: "keyless.yaml", BreakGlass: &BreakGlass{User: user, Where: "keyless.yaml:2"}}
		got := statusOf(Run(st, time.Now()), "break-glass-virtual-mfa")
		if (len(got) == 1) != wantVirtual {
			t.Errorf("break glass %s: break-glass-virtual-mfa %v, want a failure: %v", user, got, wantVirtual)
		}
		if got := statusOf(Run(st, time.Now()), "break-glass-no-mfa"); len(got) != 0 {
			t.Errorf("break glass %s: break-glass-no-mfa %v", user, got)
		}
	}
}
