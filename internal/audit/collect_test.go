package audit

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/sandbox/sandboxtest"
	"github.com/keyless-dev/keyless/internal/testtool"
)

// now is the sandbox's clock and the audit's.
var now = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func daysAgo(n int) *time.Time {
	t := now.Add(-time.Duration(n) * 24 * time.Hour)
	return &t
}

// seededWorld has one of every finding the account checks can make.
func seededWorld() *sandbox.Seed {
	key := func(created, lastUsed *time.Time) sandbox.SeedAccessKey {
		return sandbox.SeedAccessKey{Created: created, LastUsed: lastUsed, LastUsedService: "s3", LastUsedRegion: "eu-west-1"}
	}
	return &sandbox.Seed{
		ManagementAccount: "111111111111",
		Accounts: []sandbox.SeedAccount{
			{ID: "111111111111", Name: "management", Root: &sandbox.SeedRoot{AccessKeysPresent: true}, IAMUsers: []sandbox.SeedIAMUser{
				{Name: "old-key", Created: daysAgo(300), AccessKeys: []sandbox.SeedAccessKey{key(daysAgo(200), daysAgo(1))}},
				{Name: "unused-key", Created: daysAgo(300), AccessKeys: []sandbox.SeedAccessKey{key(daysAgo(100), daysAgo(60))}},
				{Name: "never-used", Created: daysAgo(300), AccessKeys: []sandbox.SeedAccessKey{key(daysAgo(50), nil)}},
				{Name: "fresh", Created: daysAgo(10), AccessKeys: []sandbox.SeedAccessKey{key(daysAgo(10), nil)}},
				{Name: "two-keys", Created: daysAgo(20), AccessKeys: []sandbox.SeedAccessKey{key(daysAgo(20), daysAgo(0)), key(daysAgo(20), daysAgo(0))}},
				{Name: "console", Created: daysAgo(20), Password: true, PasswordLastUsed: daysAgo(1)},
				{Name: "alice", Created: daysAgo(500), Password: true, MFA: true},
				{Name: "inactive", Created: daysAgo(500), AccessKeys: []sandbox.SeedAccessKey{{Status: "Inactive", Created: daysAgo(400)}}},
			}},
			{ID: "222222222222", Name: "dev", Root: &sandbox.SeedRoot{MFAEnabled: true, PasswordLastUsed: daysAgo(5)}},
			{ID: "333333333333", Name: "prod", Root: &sandbox.SeedRoot{MFAEnabled: true, HardwareMFA: true}},
		},
		Users:          []sandbox.SeedUser{{UserName: "alice", GivenName: "Alice", FamilyName: "Doe", Email: "alice@example.com"}, {UserName: "bob", GivenName: "Bob", FamilyName: "Roe"}},
		Groups:         []sandbox.SeedGroup{{Name: "SuperAdmins", Members: []string{"alice"}}},
		PermissionSets: []sandbox.SeedPermissionSet{{Name: "SuperAdmin"}, {Name: "ReadOnly"}},
		Assignments: []sandbox.SeedAssignment{
			{PermissionSet: "SuperAdmin", Group: "SuperAdmins", Accounts: []string{"all"}},
			{PermissionSet: "ReadOnly", User: "bob", Accounts: []string{"333333333333"}},
		},
	}
}

func sdkConfig(t *testing.T, url string, hc aws.HTTPClient) aws.Config {
	t.Helper()
	opts := []func(*config.LoadOptions) error{
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "")),
		config.WithBaseEndpoint(url),
		config.WithRetryer(testtool.RetryConnectionErrors),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	if hc != nil {
		cfg.HTTPClient = hc
	}
	return cfg
}

// memberConfig acts in a member account through OrganizationAccountAccessRole.
func memberConfig(t *testing.T, cfg aws.Config, account string) aws.Config {
	t.Helper()
	out, err := sts.NewFromConfig(cfg).AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + account + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("audit")})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	m := cfg.Copy()
	m.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	return m
}

func collect(t *testing.T, cfg aws.Config) *AccountState {
	t.Helper()
	c := NewClients(cfg)
	c.IdentityCenter = ic.NewClients(cfg, ic.Limits{SSOAdmin: 1000, IdentityStore: 1000, Organizations: 1000, MaxAttempts: 1, BaseBackoff: time.Millisecond, MaxBackoff: time.Millisecond})
	st, err := Collect(context.Background(), c, CollectOptions{Now: func() time.Time { return now }, ReportPoll: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// got is a finding reduced to what the table compares.
type got struct{ ID, Status, Account, Resource string }

func reduce(fs []Finding) []got {
	var out []got
	for _, f := range fs {
		r := f.Resource
		// Key ids are the sandbox's; the user is what the table names.
		if i := strings.Index(r, "/access-key/"); i >= 0 {
			r = r[:i] + "/access-key"
		}
		out = append(out, got{f.ID, string(f.Status), f.Account, r})
	}
	slices.SortFunc(out, func(a, b got) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
	return out
}

func TestSeededWorldEveryFinding(t *testing.T) {
	_, url := sandboxtest.Start(t, sandbox.Options{Seed: seededWorld(), Now: func() time.Time { return now }})
	cfg := sdkConfig(t, url, nil)

	// A user with every kind of dependent, for cleanup to build on.
	ctx := context.Background()
	c := iam.NewFromConfig(cfg)
	u := aws.String("alice")
	mustDo(t, func() error {
		_, err := c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("ops")})
		return err
	})
	mustDo(t, func() error {
		_, err := c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("ops"), UserName: u})
		return err
	})
	mustDo(t, func() error {
		_, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: u, PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")})
		return err
	})
	mustDo(t, func() error {
		_, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: u, PolicyName: aws.String("inline"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)})
		return err
	})
	mustDo(t, func() error {
		_, err := c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: u, ServiceName: aws.String("codecommit.amazonaws.com")})
		return err
	})

	mgmt := collect(t, cfg)
	dev := collect(t, memberConfig(t, cfg, "222222222222"))
	prod := collect(t, memberConfig(t, cfg, "333333333333"))
	states := []*AccountState{mgmt, dev, prod}
	Share(states)
	// As a keyless.yaml using the three built-in groups asks (SuperAdmins
	// exists in the seeded world).
	mgmt.IdentityCenter.Wanted = &Wanted{File: "keyless.yaml", Groups: []string{"SuperAdmins", "PowerUsers", "ReadOnlyUsers"}}
	rep := &Report{}
	for _, st := range states {
		rep.Add(Run(st, now))
	}

	const m, d, p = "111111111111", "222222222222", "333333333333"
	user := func(n string) string { return "arn:aws:iam::" + m + ":user/" + n }
	key := func(n string) string { return user(n) + "/access-key" }
	root := func(a string) string { return "arn:aws:iam::" + a + ":root" }
	org := "arn:aws:organizations::" + m + ":organization/o-k3yl3ss000"
	fail := func(id, acct, res string) got { return got{id, "fail", acct, res} }
	want := []got{
		fail("root-access-keys", m, root(m)),
		fail("root-mfa", m, root(m)),
		fail("password-policy-missing", m, root(m)),
		fail("iam-user-active-key", m, key("old-key")),
		fail("iam-user-active-key", m, key("unused-key")),
		fail("iam-user-active-key", m, key("never-used")),
		fail("iam-user-active-key", m, key("fresh")),
		fail("iam-user-active-key", m, key("two-keys")),
		fail("iam-user-active-key", m, key("two-keys")),
		fail("iam-user-key-old", m, key("old-key")),
		fail("iam-user-key-old", m, key("unused-key")),
		fail("iam-user-key-unused", m, key("unused-key")),
		fail("iam-user-key-unused", m, key("never-used")),
		fail("iam-user-two-active-keys", m, user("two-keys")),
		fail("iam-user-console-no-mfa", m, user("console")),
		fail("iam-user-password-unused", m, user("alice")),
		fail("iam-user-no-identity-center", m, user("old-key")),
		fail("iam-user-no-identity-center", m, user("unused-key")),
		fail("iam-user-no-identity-center", m, user("never-used")),
		fail("iam-user-no-identity-center", m, user("fresh")),
		fail("iam-user-no-identity-center", m, user("two-keys")),
		fail("iam-user-no-identity-center", m, user("console")),
		fail("iam-user-no-identity-center", m, user("inactive")),
		fail("ic-keyless-groups", m, "d-1111111111/group/PowerUsers"),
		fail("ic-keyless-groups", m, "d-1111111111/group/ReadOnlyUsers"),
		got{"ic-user-mfa", "not_evaluated", m, root(m)},

		fail("root-virtual-mfa", d, root(d)),
		fail("root-recent-use", d, root(d)),
		fail("root-centralized-access", d, org),
		fail("password-policy-missing", d, root(d)),

		fail("root-centralized-access", p, org),
		fail("password-policy-missing", p, root(p)),
	}
	slices.SortFunc(want, func(a, b got) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
	if diff := cmp.Diff(want, reduce(rep.Findings)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}

	// Everything cleanup needs about a user is collected.
	i := slices.IndexFunc(mgmt.Users, func(u IAMUser) bool { return u.Name == "alice" })
	a := mgmt.Users[i]
	if !slices.Equal(a.Groups, []string{"ops"}) || !slices.Equal(a.AttachedPolicies, []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}) ||
		!slices.Equal(a.InlinePolicies, []string{"inline"}) || len(a.ServiceCredentials) != 1 || len(a.MFADevices) != 1 || a.LoginProfile == nil {
		t.Errorf("alice's dependents = %+v", a)
	}
	if len(mgmt.Gaps)+len(dev.Gaps)+len(prod.Gaps) != 0 {
		t.Errorf("gaps = %v %v %v", mgmt.Gaps, dev.Gaps, prod.Gaps)
	}
	// The counts agree with the findings: a check fails once per account.
	if c := rep.Checks["password-policy-missing"]; c != (CheckCount{Fail: 3}) {
		t.Errorf("password-policy-missing counts = %+v", c)
	}
	if c := rep.Checks["root-mfa"]; c != (CheckCount{Pass: 2, Fail: 1}) {
		t.Errorf("root-mfa counts = %+v", c)
	}

	// The access matrix shows groups and users, with access through groups.
	mx := AccessMatrix(mgmt.IdentityCenter.State)
	alice := mx.Rows[slices.IndexFunc(mx.Rows, func(r MatrixRow) bool { return r.Name == "alice" })]
	bob := mx.Rows[slices.IndexFunc(mx.Rows, func(r MatrixRow) bool { return r.Name == "bob" })]
	if !slices.Equal(alice.Cells[p], []string{"SuperAdmin (via SuperAdmins)"}) || !slices.Equal(bob.Cells[p], []string{"ReadOnly"}) || len(bob.Cells[d]) != 0 {
		t.Errorf("matrix rows alice %v, bob %v", alice.Cells, bob.Cells)
	}
}

func mustDo(t *testing.T, f func() error) {
	t.Helper()
	if err := f(); err != nil {
		t.Fatal(err)
	}
}

// deny answers AccessDenied, as IAM does, for one IAM action, and passes
// every other request on.
type deny struct {
	action string
	next   http.RoundTripper
}

func (d deny) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Method == http.MethodPost {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		if form.Get("Action") == d.action {
			msg := `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>AccessDenied</Code>` +
				`<Message>User: arn:aws:iam::111111111111:user/auditor is not authorized to perform: iam:` + d.action + `</Message></Error><RequestId>r1</RequestId></ErrorResponse>`
			return &http.Response{StatusCode: 403, Status: "403 Forbidden", Header: http.Header{"Content-Type": {"text/xml"}},
				Body: io.NopCloser(strings.NewReader(msg)), Request: r}, nil
		}
	}
	return d.next.RoundTrip(r)
}

func TestAccessDeniedIsNotEvaluated(t *testing.T) {
	_, url := sandboxtest.Start(t, sandbox.Options{Seed: seededWorld(), Now: func() time.Time { return now }})
	for _, tc := range []struct {
		action string
		want   []string // checks reported not evaluated
	}{
		{"GetAccountSummary", []string{"root-access-keys", "root-mfa", "root-virtual-mfa"}},
		{"ListAccessKeys", []string{"iam-user-active-key", "iam-user-key-old", "iam-user-key-unused", "iam-user-two-active-keys"}},
		{"GetCredentialReport", []string{"root-recent-use"}},
		{"GetAccountPasswordPolicy", []string{"password-policy-missing", "password-policy-length", "password-policy-reuse"}},
	} {
		t.Run(tc.action, func(t *testing.T) {
			cfg := sdkConfig(t, url, &http.Client{Transport: deny{tc.action, http.DefaultTransport}})
			st := collect(t, cfg)
			rep := Run(st, now)
			var ne []string
			for _, f := range rep.Findings {
				if f.Status != NotEvaluated || f.ID == "ic-user-mfa" {
					continue
				}
				ne = append(ne, f.ID)
				if f.Permission != "iam:"+tc.action || !strings.Contains(f.Evidence, "AccessDenied") {
					t.Errorf("%s: permission %q, evidence %q", f.ID, f.Permission, f.Evidence)
				}
				if rep.Checks[f.ID].Pass != 0 || rep.Checks[f.ID].NotEvaluated != 1 {
					t.Errorf("%s counts %+v", f.ID, rep.Checks[f.ID])
				}
			}
			slices.Sort(ne)
			slices.Sort(tc.want)
			if diff := cmp.Diff(tc.want, ne); diff != "" {
				t.Errorf("not evaluated (-want +got):\n%s", diff)
			}
		})
	}
}

// Uncovered names the organization's active accounts no state covers, from
// the state that read Identity Center.
func TestUncovered(t *testing.T) {
	icState := &ic.State{Accounts: []ic.Account{{ID: "111111111111", Status: "ACTIVE"}, {ID: "333333333333", Status: "ACTIVE"},
		{ID: "222222222222", Status: "ACTIVE"}, {ID: "444444444444", Status: "SUSPENDED"}}}
	mgmt := &AccountState{AccountID: "111111111111", IdentityCenter: &IdentityCenter{Account: "111111111111", Enabled: true, State: icState}}
	dev := &AccountState{AccountID: "222222222222", IdentityCenter: mgmt.IdentityCenter}
	if diff := cmp.Diff([]string{"333333333333"}, Uncovered([]*AccountState{mgmt, dev})); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// Without the state that read Identity Center, no account is known.
	if got := Uncovered([]*AccountState{dev}); got != nil {
		t.Errorf("without the management account: %v", got)
	}
}
