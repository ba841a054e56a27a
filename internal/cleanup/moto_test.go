package cleanup

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/keyless-dev/keyless/internal/audit"
	ic "github.com/keyless-dev/keyless/internal/identitycenter"
	"github.com/keyless-dev/keyless/internal/testtool"
)

var moto testtool.Moto

func TestMain(m *testing.M) {
	code := m.Run()
	moto.Stop()
	os.Exit(code)
}

// motoKey is what the test signs with: moto knows no such IAM key, so it
// never shows up as the caller's key or as used.
const motoKey, motoSecret = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

// TestMotoCleanup runs cleanup's IAM parts against moto, a second,
// independent implementation of IAM: deactivating keys, then deleting a user
// with every kind of dependent once its keys waited out the grace period.
// Where moto differs from AWS the test says so.
func TestMotoCleanup(t *testing.T) {
	u := moto.URL(t)
	cfg := motoConfig(t, u, motoKey, motoSecret, false)
	c := iam.NewFromConfig(cfg)
	ctx := context.Background()
	name := aws.String

	// carol has moved to Identity Center and has every dependent IAM knows.
	for _, n := range []string{"carol", "bob", "busy"} {
		_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: name(n)})
		must(t, err)
	}
	keys := map[string]iamtypes.AccessKey{}
	for _, n := range []string{"carol", "bob", "busy"} {
		out, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: name(n)})
		must(t, err)
		keys[n] = *out.AccessKey
	}
	carol := name("carol")
	_, err := c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: carol, Password: name("Correct-Horse-42!")})
	must(t, err)
	mfa, err := c.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: carol})
	must(t, err)
	serial := mfa.VirtualMFADevice.SerialNumber
	_, err = c.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: carol, SerialNumber: serial, AuthenticationCode1: name("123456"), AuthenticationCode2: name("654321")})
	must(t, err)
	_, err = c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: name("ops")})
	must(t, err)
	_, err = c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: name("ops"), UserName: carol})
	must(t, err)
	_, err = c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: carol, PolicyName: name("inline"),
		PolicyDocument: name(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)})
	must(t, err)
	const readOnly = "arn:aws:iam::aws:policy/ReadOnlyAccess"
	_, err = c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: carol, PolicyArn: name(readOnly)})
	must(t, err)
	cert, err := c.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: carol, CertificateBody: name(testCert(t))})
	must(t, err)
	ssh, err := c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: carol, SSHPublicKeyBody: name(testSSHKey(t))})
	must(t, err)
	// moto differs from AWS: CreateServiceSpecificCredential is not
	// implemented, so carol has none (the sandbox test covers them).

	// Identity Center is not moto's here (the identitycenter package tests
	// moto's): carol's person is carol.roe, with an assignment, and the
	// mapping names her; bob and busy have no one.
	now := time.Now().UTC()
	plan := func(t *testing.T, at time.Time) *Plan {
		t.Helper()
		cl := audit.NewClients(cfg)
		cl.IdentityCenter = nil
		st, err := audit.Collect(ctx, cl, audit.CollectOptions{ReportPoll: 10 * time.Millisecond})
		must(t, err)
		st.IdentityCenter = &audit.IdentityCenter{Account: st.AccountID, Enabled: true, State: &ic.State{
			Users:       []ic.User{{ID: "u-carol", UserName: "carol.roe", Email: "carol@example.com"}},
			Assignments: []ic.Assignment{{AccountID: st.AccountID, PermissionSetARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-1", PrincipalType: "USER", PrincipalID: "u-carol"}},
		}}
		var names []string
		for _, u := range st.Users {
			names = append(names, u.Name)
		}
		tags, err := ReadTags(ctx, c, names)
		must(t, err)
		return Build(Input{State: st, Tags: tags, CallerKeyID: motoKey, Now: at, DeleteAfter: DefaultDeleteAfter, Map: map[string]string{"carol": "carol.roe"}})
	}
	home := t.TempDir()
	executor := func(c *iam.Client, at time.Time) *Executor {
		return &Executor{IAM: c, STS: sts.NewFromConfig(cfg), Now: func() time.Time { return at },
			BackupDir: home + "/backups", Log: &AuditLog{Path: home + "/audit.log"}}
	}
	status := func(user string) iamtypes.StatusType {
		t.Helper()
		for _, k := range keyOf(t, c, user) {
			return k.Status
		}
		return "none"
	}

	// The keys were created just now and never used: judge them 50 days
	// later, so they count as unused since their creation.
	first := now.Add(50 * 24 * time.Hour)
	p := plan(t, first)
	want := []row{
		// moto differs from AWS: GetAccountSummary's AccountMFAEnabled is
		// always 0, so the root user looks like it has no MFA.
		{"root-console-steps", "root", "manual"},
		{"deactivate-key", "carol/key", "ready"},
		{"delete-user", "carol", "waiting"},
		{"deactivate-key", "bob/key", "ready"},
		{"delete-user", "bob", "refused"},
		{"deactivate-key", "busy/key", "ready"},
		{"delete-user", "busy", "refused"},
	}
	if diff := cmp.Diff(want, rows(p)); diff != "" {
		t.Fatalf("first plan (-want +got):\n%s", diff)
	}
	// busy's key signs a request after the plan: moto records the use
	// (as AWS does, but at once, where AWS lags by hours), and the executor
	// leaves the key alone.
	busyCfg := motoConfig(t, u, aws.ToString(keys["busy"].AccessKeyId), aws.ToString(keys["busy"].SecretAccessKey), false)
	_, err = sts.NewFromConfig(busyCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	must(t, err)

	results, err := executor(c, first).Run(ctx, p)
	must(t, err)
	outcomes := func(results []Result) []string {
		var out []string
		for _, r := range results {
			out = append(out, r.Outcome+" "+string(r.Action.Kind)+" "+r.Action.User)
		}
		return out
	}
	if diff := cmp.Diff([]string{"manual root-console-steps ", "done deactivate-key carol", "waiting delete-user carol",
		"done deactivate-key bob", "refused delete-user bob", "skipped deactivate-key busy", "refused delete-user busy"}, outcomes(results)); diff != "" {
		t.Fatalf("first run (-want +got):\n%s", diff)
	}
	for user, want := range map[string]iamtypes.StatusType{"bob": iamtypes.StatusTypeInactive, "busy": iamtypes.StatusTypeActive, "carol": iamtypes.StatusTypeInactive} {
		if got := status(user); got != want {
			t.Errorf("%s's key is %s, want %s", user, got, want)
		}
	}
	tags, err := c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: name("bob")})
	must(t, err)
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != DeactivatedTag(aws.ToString(keys["bob"].AccessKeyId)) || aws.ToString(tags.Tags[0].Value) != first.Format(time.RFC3339) {
		t.Errorf("bob's tags = %+v, want keyless's deactivation time", tags.Tags)
	}

	// Past the grace period carol can go; bob's key is deleted.
	second := first.Add(8 * 24 * time.Hour)
	p = plan(t, second)
	want = []row{
		{"root-console-steps", "root", "manual"},
		{"delete-user", "carol", "ready"},
		{"delete-key", "bob/key", "ready"},
		{"delete-user", "bob", "refused"},
		{"deactivate-key", "busy/key", "ready"},
		{"delete-user", "busy", "refused"},
	}
	if diff := cmp.Diff(want, rows(p)); diff != "" {
		t.Fatalf("second plan (-want +got):\n%s", diff)
	}
	carolOnly := &Plan{Account: p.Account, CallerARN: p.CallerARN, Made: p.Made,
		Actions: slices.DeleteFunc(slices.Clone(p.Actions), func(a Action) bool { return a.User != "carol" })}

	// moto differs from AWS: ListServiceSpecificCredentials is not
	// implemented (HTTP 500). The backup fails, and a user is never deleted
	// with a partial backup.
	_, err = executor(c, second).Run(ctx, carolOnly)
	if err == nil || !strings.Contains(err.Error(), "back up carol: list service-specific credentials") {
		t.Fatalf("deleting carol through moto's missing call: err = %v, want the backup's failure", err)
	}
	if _, err := c.GetUser(ctx, &iam.GetUserInput{UserName: carol}); err != nil {
		t.Fatalf("carol after a failed backup: %v", err)
	}
	if entries, _ := os.ReadDir(home + "/backups/" + p.Account); len(entries) != 0 {
		t.Fatalf("a failed backup left %d files", len(entries))
	}

	// With that one call answered "none" (what AWS says for a user without
	// them), the deletion runs in IAM's order against moto.
	// moto differs from AWS: DeleteUser refuses only while policies are
	// attached or inline; AWS refuses for keys, password, MFA, certificates,
	// SSH keys and groups too, so moto checks the order only in part.
	withSvc := iam.NewFromConfig(motoConfig(t, u, motoKey, motoSecret, true))
	results, err = executor(withSvc, second).Run(ctx, p)
	must(t, err)
	if diff := cmp.Diff([]string{"manual root-console-steps ", "done delete-user carol", "done delete-key bob",
		"refused delete-user bob", "done deactivate-key busy", "refused delete-user busy"}, outcomes(results)); diff != "" {
		t.Fatalf("second run (-want +got):\n%s", diff)
	}
	_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: carol})
	if !isNoSuchEntity(err) {
		t.Fatalf("carol after her deletion: err = %v, want NoSuchEntity", err)
	}
	if got := status("bob"); got != "none" {
		t.Errorf("bob's key after its deletion: %s", got)
	}
	if tags, err := c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: name("bob")}); err != nil || len(tags.Tags) != 0 {
		t.Errorf("bob's tags after the key's deletion: %+v, %v", tags, err)
	}
	vmfa, err := c.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{})
	must(t, err)
	if len(vmfa.VirtualMFADevices) != 0 {
		t.Errorf("carol's virtual MFA device outlived her: %+v", vmfa.VirtualMFADevices)
	}
	group, err := c.GetGroup(ctx, &iam.GetGroupInput{GroupName: name("ops")})
	must(t, err)
	if len(group.Users) != 0 {
		t.Errorf("group ops still lists %+v", group.Users)
	}

	// The backup holds everything carol had, and no secret.
	var bk Backup
	b, err := os.ReadFile(results[1].Backup)
	must(t, err)
	must(t, json.Unmarshal(b, &bk))
	got := map[string]any{
		"groups": bk.Groups, "attached": bk.AttachedPolicies, "inline": len(bk.InlinePolicies), "keys": len(bk.AccessKeys),
		"mfa": len(bk.MFADevices), "login": bk.LoginProfile != nil, "cert": len(bk.SigningCertificates), "ssh": len(bk.SSHPublicKeys),
	}
	wantBackup := map[string]any{
		"groups": []string{"ops"}, "attached": []string{readOnly}, "inline": 1, "keys": 1, "mfa": 1, "login": true, "cert": 1, "ssh": 1,
	}
	if diff := cmp.Diff(wantBackup, got); diff != "" {
		t.Errorf("backup (-want +got):\n%s", diff)
	}
	if bk.MFADevices[0].Serial != aws.ToString(serial) || bk.SigningCertificates[0].ID != aws.ToString(cert.Certificate.CertificateId) ||
		bk.SSHPublicKeys[0].ID != aws.ToString(ssh.SSHPublicKey.SSHPublicKeyId) {
		t.Errorf("backup names other dependents: %+v", bk)
	}
	if bytes.Contains(b, []byte(aws.ToString(keys["carol"].SecretAccessKey))) {
		t.Error("the backup holds carol's secret access key")
	}
}

// motoConfig signs with the given key. moto now and then closes a
// kept-alive connection, so each request has its own. With svcCreds, the
// one IAM call moto lacks that the backup needs,
// ListServiceSpecificCredentials, is answered with none.
func motoConfig(t *testing.T, u, id, secret string, svcCreds bool) aws.Config {
	cfg := sdkConfig(t, u, id, secret)
	client := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) { tr.DisableKeepAlives = true })
	if !svcCreds {
		cfg.HTTPClient = client
		return cfg
	}
	cfg.HTTPClient = noServiceCredentials{client}
	return cfg
}

type noServiceCredentials struct{ next aws.HTTPClient }

func (n noServiceCredentials) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		if form, err := url.ParseQuery(string(b)); err == nil && form.Get("Action") == "ListServiceSpecificCredentials" {
			const body = `<ListServiceSpecificCredentialsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">` +
				`<ListServiceSpecificCredentialsResult><ServiceSpecificCredentials/></ListServiceSpecificCredentialsResult>` +
				`<ResponseMetadata><RequestId>none</RequestId></ResponseMetadata></ListServiceSpecificCredentialsResponse>`
			return &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
				Header: http.Header{"Content-Type": {"text/xml"}}, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
		}
	}
	return n.next.Do(r)
}
