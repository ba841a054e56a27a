package workloads

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/sandbox/sandboxtest"
	"github.com/keyless-dev/keyless/internal/testtool"
)

func sandboxIAM(t *testing.T) *iam.Client {
	t.Helper()
	_, c := sandboxIAMServer(t)
	return c
}

// sandboxIAMServer is a sandbox with one account and an IAM client for it.
func sandboxIAMServer(t *testing.T) (*sandbox.Server, *iam.Client) {
	t.Helper()
	srv, u := sandboxtest.Start(t, sandbox.Options{Seed: &sandbox.Seed{ManagementAccount: "111111111111",
		Accounts: []sandbox.SeedAccount{{ID: "111111111111", Name: "management"}}}})
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "")),
		config.WithBaseEndpoint(u), config.WithRetryer(testtool.RetryConnectionErrors),
		config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{}))
	if err != nil {
		t.Fatal(err)
	}
	return srv, iam.NewFromConfig(cfg)
}

// lagging is the sandbox's IAM as AWS behaves right after a provider or
// role is made: CreateRole is refused while the new provider is not yet
// visible, AttachRolePolicy while the new role is not.
type lagging struct {
	*iam.Client
	createRefusals, attachRefusals int
	refusal                        error
}

func (l *lagging) CreateRole(ctx context.Context, in *iam.CreateRoleInput, o ...func(*iam.Options)) (*iam.CreateRoleOutput, error) {
	if l.createRefusals > 0 {
		l.createRefusals--
		return nil, l.refusal
	}
	return l.Client.CreateRole(ctx, in, o...)
}

func (l *lagging) AttachRolePolicy(ctx context.Context, in *iam.AttachRolePolicyInput, o ...func(*iam.Options)) (*iam.AttachRolePolicyOutput, error) {
	if l.attachRefusals > 0 {
		l.attachRefusals--
		return nil, &smithy.GenericAPIError{Code: "NoSuchEntity", Message: "The role with name keyless-deploy cannot be found."}
	}
	return l.Client.AttachRolePolicy(ctx, in, o...)
}

func deployRole(t *testing.T) Role {
	t.Helper()
	tr, probs := (&Entry{GitHub: &GitHub{Repo: "acme/deploy", Branch: "main"}}).Plan("aws", "111111111111")
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	return Role{Workload: "deploy", Name: "keyless-deploy", Trust: tr, ManagedPolicies: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}}
}

func TestApplyRetriesWhileIAMCatchesUp(t *testing.T) {
	ctx := context.Background()
	c := &lagging{Client: sandboxIAM(t), createRefusals: 2, attachRefusals: 1,
		refusal: &smithy.GenericAPIError{Code: "MalformedPolicyDocument", Message: "Invalid principal in policy: \"Federated\":\"arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com\""}}
	changes, err := PlanAccount(ctx, c, "aws", "111111111111", []Role{deployRole(t)})
	if err != nil {
		t.Fatal(err)
	}
	var slept []time.Duration
	sleep := func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	if err := Apply(ctx, c, "aws", changes, sleep); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{250 * time.Millisecond, 500 * time.Millisecond, 250 * time.Millisecond}, slept); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	again, err := PlanAccount(ctx, c, "aws", "111111111111", []Role{deployRole(t)})
	if err != nil || len(again) != 0 {
		t.Errorf("after apply: %v %+v", err, again)
	}
	got, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("keyless-deploy")})
	if err != nil {
		t.Fatal(err)
	}
	if doc, _ := url.QueryUnescape(aws.ToString(got.Role.AssumeRolePolicyDocument)); canonical(doc) != canonical(deployRole(t).Trust.Document) {
		t.Errorf("trust %s", doc)
	}
}

func TestApplyDoesNotRetryOtherErrors(t *testing.T) {
	ctx := context.Background()
	c := &lagging{Client: sandboxIAM(t), createRefusals: 1,
		refusal: &smithy.GenericAPIError{Code: "AccessDenied", Message: "not authorized to perform iam:CreateRole"}}
	changes, err := PlanAccount(ctx, c, "aws", "111111111111", []Role{deployRole(t)})
	if err != nil {
		t.Fatal(err)
	}
	sleep := func(context.Context, time.Duration) error { t.Error("slept"); return nil }
	err = Apply(ctx, c, "aws", changes, sleep)
	if err == nil || !strings.Contains(err.Error(), "account 111111111111: role keyless-deploy: create: ") {
		t.Errorf("err = %v", err)
	}
}

func TestLineDiff(t *testing.T) {
	got := lineDiff([]string{"a", "b", "c"}, []string{"a", "x", "c", "d"})
	want := []string{"  a", "- b", "+ x", "  c", "+ d"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
}

func TestInlineNameFitsIAM(t *testing.T) {
	long := "group-" + strings.Repeat("g", 128) + "-p"
	for _, tc := range []struct{ in, want string }{
		{"user-s3", "keyless-user-s3"},
		{long, (InlinePrefix + long)[:128]},
	} {
		if got := inlineName(tc.in); got != tc.want {
			t.Errorf("inlineName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
