package sandbox

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// BenchmarkSandboxMix measures sandbox throughput over real HTTP through
// aws-sdk-go-v2 for a typical mix: what `plan` reads (organizations,
// identitystore, sso-admin), what `login`/`credential-process` call (portal
// GetRoleCredentials) and what tools check (STS, IAM). Results in
// docs/benchmarks.md; run with:
//
//	go test -run '^$' -bench SandboxMix -benchtime 5s ./internal/sandbox/
func BenchmarkSandboxMix(b *testing.B) {
	ctx := context.Background()
	seed := DefaultSeed()
	seed.Users = []SeedUser{{UserName: "alice", GivenName: "Alice", FamilyName: "Doe", Email: "alice@example.com"}}
	srv, url := startSandbox(b, Options{Seed: seed, AssignmentDelay: -1, ApproveAs: "alice"})
	cfg := sdkConfig(b, url)
	cfg.HTTPClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

	admin := ssoadmin.NewFromConfig(cfg)
	inst, err := admin.ListInstances(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	arn := inst.Instances[0].InstanceArn
	ps, err := admin.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: arn, Name: aws.String("Dev"), SessionDuration: aws.String("PT1H")})
	if err != nil {
		b.Fatal(err)
	}
	var aliceID string
	srv.withWorld(func(w *World, _ time.Time) { aliceID = w.userByName("alice").ID })
	if _, err := admin.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{InstanceArn: arn, PermissionSetArn: ps.PermissionSet.PermissionSetArn,
		TargetId: aws.String("222222222222"), TargetType: "AWS_ACCOUNT", PrincipalType: "USER", PrincipalId: aws.String(aliceID)}); err != nil {
		b.Fatal(err)
	}
	oidc := ssooidc.NewFromConfig(cfg)
	reg, err := oidc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("bench"), ClientType: aws.String("public"), Scopes: []string{"sso:account:access"}})
	if err != nil {
		b.Fatal(err)
	}
	dev, err := oidc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(url + "/start")})
	if err != nil {
		b.Fatal(err)
	}
	tok, err := oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: dev.DeviceCode})
	if err != nil {
		b.Fatal(err)
	}

	org := organizations.NewFromConfig(cfg)
	ids := identitystore.NewFromConfig(cfg)
	portal := sso.NewFromConfig(cfg)
	stsc := sts.NewFromConfig(cfg)
	iamc := iam.NewFromConfig(cfg)
	mix := []func() error{
		func() error { _, err := org.ListAccounts(ctx, nil); return err },
		func() error {
			_, err := ids.ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: aws.String(defaultIdentityStoreID)})
			return err
		},
		func() error {
			_, err := admin.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: arn})
			return err
		},
		func() error {
			_, err := admin.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: arn, PermissionSetArn: ps.PermissionSet.PermissionSetArn})
			return err
		},
		func() error {
			_, err := portal.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken, AccountId: aws.String("222222222222"), RoleName: aws.String("Dev")})
			return err
		},
		func() error { _, err := stsc.GetCallerIdentity(ctx, nil); return err },
		func() error { _, err := iamc.ListUsers(ctx, nil); return err },
	}
	runMix(b, mix)
}

// BenchmarkAdminMix runs the read mix of the admin APIs (what `plan` does)
// against the sandbox and, for comparison, moto:
//
//	go test -run '^$' -bench AdminMix -benchtime 3s ./internal/sandbox/
func BenchmarkAdminMix(b *testing.B) {
	run := func(b *testing.B, cfg aws.Config) {
		ctx := context.Background()
		admin := ssoadmin.NewFromConfig(cfg)
		inst, err := admin.ListInstances(ctx, nil)
		if err != nil || len(inst.Instances) == 0 {
			b.Fatalf("ListInstances = %v, %v", inst, err)
		}
		arn, store := inst.Instances[0].InstanceArn, inst.Instances[0].IdentityStoreId
		if _, err := admin.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: arn, Name: aws.String("Bench"), SessionDuration: aws.String("PT1H")}); err != nil {
			b.Fatal(err)
		}
		ids := identitystore.NewFromConfig(cfg)
		iamc := iam.NewFromConfig(cfg)
		stsc := sts.NewFromConfig(cfg)
		mix := []func() error{
			func() error {
				_, err := ids.ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: store})
				return err
			},
			func() error {
				_, err := ids.ListGroups(ctx, &identitystore.ListGroupsInput{IdentityStoreId: store})
				return err
			},
			func() error {
				_, err := admin.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: arn})
				return err
			},
			func() error { _, err := iamc.ListUsers(ctx, nil); return err },
			func() error { _, err := stsc.GetCallerIdentity(ctx, nil); return err },
		}
		runMix(b, mix)
	}
	b.Run("sandbox", func(b *testing.B) {
		_, url := startSandbox(b, Options{})
		cfg := sdkConfig(b, url)
		cfg.HTTPClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
		run(b, cfg)
	})
	b.Run("moto", func(b *testing.B) {
		url := motoURL(b)
		cfg := sdkConfig(b, url)
		cfg.HTTPClient = awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) { tr.DisableKeepAlives = true })
		run(b, cfg)
	})
}

// runMix calls the operations of mix round-robin from 4 goroutines per CPU
// and reports requests per second.
func runMix(b *testing.B, mix []func() error) {
	b.SetParallelism(4)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if err := mix[i%len(mix)](); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkSessionAuthorization measures what evaluating a role session's
// policies costs: IAM ListUsers signed by the administrator's dummy keys
// (not evaluated) and by a ReadOnly permission set's session whose role
// also has an inline policy with a condition (evaluated):
//
//	go test -run '^$' -bench SessionAuthorization -benchtime 3s ./internal/sandbox/
func BenchmarkSessionAuthorization(b *testing.B) {
	ctx := context.Background()
	srv, url := startSandbox(b, Options{AssignmentDelay: -1})
	cfg := sdkConfig(b, url)
	cfg.HTTPClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var sess *Session
	srv.withWorld(func(w *World, now time.Time) {
		ps := &PermissionSet{ARN: "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-bench", Name: "ReadOnly", RoleSuffix: "0000111122223333",
			ManagedPolicies: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"},
			InlinePolicy:    `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"2020-01-01T00:00:00Z"}}}]}`}
		w.PermissionSets = append(w.PermissionSets, ps)
		w.provision(ps, defaultManagementAccount, now)
		c := &call{s: srv, w: w, now: now, region: "us-east-1"}
		sess = c.issueSession(defaultManagementAccount, ps.roleName(), "bench", "AROABENCH", now.Add(time.Hour), "portal")
	})
	session := cfg.Copy()
	session.Credentials = credentials.NewStaticCredentialsProvider(sess.AccessKeyID, sess.SecretAccessKey, sess.SessionToken)
	for name, cfg := range map[string]aws.Config{"admin": cfg, "session": session} {
		b.Run(name, func(b *testing.B) {
			c := iam.NewFromConfig(cfg)
			runMix(b, []func() error{func() error { _, err := c.ListUsers(ctx, nil); return err }})
		})
	}
}
