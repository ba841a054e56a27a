package usage_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/sandbox/sandboxtest"
	"github.com/keyless-dev/keyless/internal/usage"
)

const (
	adminKey    = "AKIAIOSFODNN7EXAMPLE"
	adminSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	testSecret  = "usageTestSecret00000000000000000000000000"
)

// httpClient is shared by every client, as one program's would be: a
// client each would hold a connection each to the sandbox, which serves
// 512 at once.
var httpClient = awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) { tr.MaxIdleConnsPerHost = 64 })

func sdkConfig(t testing.TB, url, region string, creds aws.CredentialsProvider) aws.Config {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(region), config.WithCredentialsProvider(creds),
		config.WithBaseEndpoint(url), config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{}),
		config.WithHTTPClient(httpClient))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// roleClients are CloudTrail clients acting in each account through its
// OrganizationAccountAccessRole, as an administrator of the organization
// would (the management account with the administrator's key); accounts
// in keyClients sign with that IAM user key instead. Each account's role
// is assumed once, accounts in parallel.
func roleClients(t testing.TB, url, mgmt string, keyClients map[string]string) usage.Clients {
	base := sdkConfig(t, url, "us-east-1", credentials.NewStaticCredentialsProvider(adminKey, adminSecret, ""))
	stsClient := sts.NewFromConfig(base)
	var mu sync.Mutex
	roles := map[string]func() (aws.Credentials, error){}
	client := func(region string, creds aws.CredentialsProvider) *cloudtrail.Client {
		cfg := base.Copy()
		cfg.Region, cfg.Credentials = region, creds
		return cloudtrail.NewFromConfig(cfg)
	}
	return func(ctx context.Context, account, region string) (usage.LookupAPI, error) {
		if region == "ap-unreachable-1" {
			// A region whose endpoint does not answer.
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return nil, err
			}
			addr := l.Addr().String()
			l.Close()
			cfg := sdkConfig(t, "http://"+addr, region, base.Credentials)
			cfg.RetryMaxAttempts = 1
			return cloudtrail.NewFromConfig(cfg), nil
		}
		if account == mgmt {
			// The sandbox's administrator acts in the management account.
			return client(region, base.Credentials), nil
		}
		if key, ok := keyClients[account]; ok {
			return client(region, credentials.NewStaticCredentialsProvider(key, testSecret, "")), nil
		}
		mu.Lock()
		assume, ok := roles[account]
		if !ok {
			assume = sync.OnceValues(func() (aws.Credentials, error) {
				out, err := stsClient.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + account + ":role/OrganizationAccountAccessRole"),
					RoleSessionName: aws.String("keyless-usage")})
				if err != nil {
					return aws.Credentials{}, err
				}
				return aws.Credentials{AccessKeyID: *out.Credentials.AccessKeyId, SecretAccessKey: *out.Credentials.SecretAccessKey, SessionToken: *out.Credentials.SessionToken}, nil
			})
			roles[account] = assume
		}
		mu.Unlock()
		c, err := assume()
		if err != nil {
			return nil, err
		}
		return client(region, credentials.StaticCredentialsProvider{Value: c}), nil
	}
}

func key(id string) []sandbox.SeedAccessKey {
	return []sandbox.SeedAccessKey{{ID: id, Secret: testSecret}}
}

const (
	botKey    = "AKIAUSAGEDEPLOYBOTAA"
	johnKey   = "AKIAUSAGEJOHNAAAAAAA"
	appKey    = "AKIAUSAGEAPPAAAAAAAA"
	idleKey   = "AKIAUSAGEIDLEAAAAAAA"
	vendorKey = "AKIAUSAGEVENDORAAAAA"
	auditKey  = "AKIAUSAGEAUDITORAAAA"
)

// TestCollectFromSandbox: seeded histories of a pipeline, a person, a
// workload on EC2 and an idle key are collected from two regions,
// counted, and classified; an account where LookupEvents is denied and a
// region that does not answer are "not evaluated"; the sandbox never
// throttles.
func TestCollectFromSandbox(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	seed := sandbox.DefaultSeed()
	seed.Accounts[1].IAMUsers = []sandbox.SeedIAMUser{
		{Name: "deploy-bot", AccessKeys: key(botKey)},
		{Name: "john", Password: true, AccessKeys: key(johnKey)},
		{Name: "app", AccessKeys: key(appKey)},
		{Name: "idle", AccessKeys: key(idleKey)},
	}
	seed.Accounts[2].IAMUsers = []sandbox.SeedIAMUser{
		{Name: "vendor", AccessKeys: key(vendorKey)},
		{Name: "auditor", AccessKeys: key(auditKey)}, // no policy: LookupEvents is denied
	}
	runners := []string{"198.51.100.7", "198.51.100.23", "198.51.100.42", "198.51.100.77"}
	ghUA := "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-1016-azure exe/x86_64.ubuntu.22 prompt/off command/ecs.update-service"
	seed.CloudTrail = []sandbox.SeedEvents{
		{User: "deploy-bot", EventName: "UpdateService", EventSource: "ecs.amazonaws.com", Region: "eu-west-1", From: "-89d", To: "-1d", Every: "6h", SourceIPs: runners, UserAgent: ghUA},
		{User: "deploy-bot", EventName: "GetAuthorizationToken", EventSource: "ecr.amazonaws.com", Region: "us-east-1", From: "-89d", To: "-1d", Every: "12h", SourceIPs: runners, UserAgent: ghUA},
		{User: "john", EventName: "DescribeInstances", EventSource: "ec2.amazonaws.com", Region: "us-east-1", From: "-60d", To: "-2d", Count: 40,
			SourceIPs: []string{"203.0.113.5", "203.0.113.9"}, UserAgent: "aws-cli/2.15.30 Python/3.11.8 Darwin/23.4.0 exe/x86_64 prompt/off command/ec2.describe-instances"},
		{User: "app", EventName: "GetParameter", EventSource: "ssm.amazonaws.com", Region: "eu-west-1", From: "-30d", To: "-1h", Every: "1d", SourceIPs: []string{"ec2.amazonaws.com"}},
		{User: "app", EventName: "GetParameter", EventSource: "ssm.amazonaws.com", Region: "eu-west-1", From: "-200d", To: "-100d", Every: "1d", SourceIPs: []string{"ec2.amazonaws.com"}},
		{User: "vendor", EventName: "ListBuckets", EventSource: "s3.amazonaws.com", Region: "us-east-1", From: "-30d", To: "-1d", Count: 30, SourceIPs: []string{"192.0.2.10"}},
	}
	const tps = 10
	srv, url := sandboxtest.Start(t, sandbox.Options{Seed: seed, Now: func() time.Time { return now }, LookupEventsTPS: tps})

	keys := []usage.Key{
		{AccessKeyID: botKey, Account: "222222222222", User: "deploy-bot"},
		{AccessKeyID: johnKey, Account: "222222222222", User: "john", Regions: []string{"us-east-1", "eu-west-1", "ap-unreachable-1"}},
		{AccessKeyID: appKey, Account: "222222222222", User: "app"},
		{AccessKeyID: idleKey, Account: "222222222222", User: "idle", Created: now.AddDate(0, 0, -30)},
		{AccessKeyID: vendorKey, Account: "333333333333", User: "vendor"},
	}
	var progress []usage.Progress
	var pmu sync.Mutex
	srv.ResetCalls()
	rep, err := usage.Collect(context.Background(), roleClients(t, url, "111111111111", map[string]string{"333333333333": auditKey}), keys, usage.Options{
		Regions: []string{"us-east-1", "eu-west-1"}, Rate: tps, Now: func() time.Time { return now },
		Progress: func(p usage.Progress) { pmu.Lock(); progress = append(progress, p); pmu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	for k, n := range srv.Calls() {
		if strings.HasPrefix(k, "throttled:") {
			t.Errorf("the sandbox throttled %d requests (%s)", n, k)
		}
	}
	bot, john, app, idle, vendor := rep.Keys[0], rep.Keys[1], rep.Keys[2], rep.Keys[3], rep.Keys[4]

	// Every 6h over 88 days, and every 12h: 353 and 177 calls.
	if bot.Events != 353+177 || bot.Regions["eu-west-1"] != 353 || bot.Actions["ecs:UpdateService"] != 353 || bot.Actions["ecr:GetAuthorizationToken"] != 177 {
		t.Errorf("deploy-bot: %d events, regions %v, actions %v", bot.Events, bot.Regions, bot.Actions)
	}
	if len(bot.SourceIPs) != 4 || bot.UserAgents[ghUA] != 530 || len(bot.PerDay) != 89 || bot.Status() != "used" {
		t.Errorf("deploy-bot: addresses %v, agents %v, %d days, %s", bot.SourceIPs, bot.UserAgents, len(bot.PerDay), bot.Status())
	}
	if want := now.AddDate(0, 0, -89); !bot.First.Equal(want) || !bot.Last.Equal(now.AddDate(0, 0, -1)) {
		t.Errorf("deploy-bot first %s last %s", bot.First, bot.Last)
	}
	// john's unreachable region is named, and his calls still counted.
	if john.Events != 40 || len(john.Gaps) != 1 || !strings.Contains(john.Gaps[0].String(), "not evaluated (region ap-unreachable-1 not reachable in 222222222222") {
		t.Errorf("john: %d events, gaps %v", john.Events, john.Gaps)
	}
	// app's calls before the 90 days are not seen.
	if app.Events != 30 || app.SourceIPs["ec2.amazonaws.com"] != 30 {
		t.Errorf("app: %d events from %v", app.Events, app.SourceIPs)
	}
	if idle.Events != 0 || idle.Status() != "unused in the last 90 days" || len(idle.Limits(rep.From)) != 0 {
		t.Errorf("idle: %d events, %s, limits %q", idle.Events, idle.Status(), idle.Limits(rep.From))
	}
	// The vendor's account denies LookupEvents: not evaluated, not unused.
	if vendor.Events != 0 || vendor.Status() != "not evaluated" || len(vendor.Gaps) != 2 ||
		vendor.Gaps[0].String() != "not evaluated (missing cloudtrail:LookupEvents in 333333333333/eu-west-1)" {
		t.Errorf("vendor: %d events, %s, gaps %v", vendor.Events, vendor.Status(), vendor.Gaps)
	}

	classes := map[string]usage.Class{}
	for _, u := range rep.Users() {
		classes[u.User] = u.Classify(usage.Hints{ConsolePassword: u.User == "john"}).Class
	}
	want := map[string]usage.Class{"deploy-bot": usage.CIPipeline, "john": usage.Person, "app": usage.AWSWorkload, "idle": usage.Unknown, "vendor": usage.Unknown}
	if fmt.Sprint(classes) != fmt.Sprint(want) {
		t.Errorf("classes %v, want %v", classes, want)
	}
	// Progress reached every key and region: 4 keys x 2 regions, john's
	// third region, the vendor's 2.
	if n := len(progress); n != 11 || progress[n-1].Done != 11 || progress[n-1].Total != 11 || progress[n-1].Pages != rep.Pages {
		t.Errorf("progress: %d calls, last %+v, report pages %d", n, progress[len(progress)-1], rep.Pages)
	}
}

// TestCollectLimit: six keys with 90 days of calls each, read at once
// through the sandbox's LookupEvents at AWS's limit (2 a second per
// account and region): every event is counted, and the sandbox throttles
// nothing.
func TestCollectLimit(t *testing.T) {
	seed := &sandbox.Seed{ManagementAccount: "111111111111", Accounts: []sandbox.SeedAccount{{ID: "111111111111", Name: "management"}}}
	var keys []usage.Key
	for i := range 6 {
		name := fmt.Sprintf("u%d", i)
		id := fmt.Sprintf("AKIACOLLECTLIMITKEY%c", 'A'+i)
		seed.Accounts[0].IAMUsers = append(seed.Accounts[0].IAMUsers, sandbox.SeedIAMUser{Name: name, AccessKeys: []sandbox.SeedAccessKey{{ID: id}}})
		seed.CloudTrail = append(seed.CloudTrail, sandbox.SeedEvents{User: name, EventSource: "s3.amazonaws.com", EventName: "GetObject", Every: "1d", To: "-1h", From: "-89d"})
		keys = append(keys, usage.Key{AccessKeyID: id, Account: "111111111111", User: name, Regions: []string{"us-east-1"}})
	}
	srv, url := sandboxtest.Start(t, sandbox.Options{Seed: seed})
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("us-east-1"), config.WithBaseEndpoint(url),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "x", "")))
	if err != nil {
		t.Fatal(err)
	}
	clients := func(context.Context, string, string) (usage.LookupAPI, error) {
		return cloudtrail.NewFromConfig(cfg), nil
	}
	start := time.Now()
	rep, err := usage.Collect(context.Background(), clients, keys, usage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range rep.Keys {
		if k.Events != 89 || len(k.Gaps) > 0 {
			t.Errorf("%s: %d events, gaps %v", k.AccessKeyID, k.Events, k.Gaps)
		}
	}
	// 6 keys of 2 pages each: 12 requests, at 2 a second. The SDK may
	// retry one on a busy machine (a reset connection); retries count as
	// pages and wait their turn too, so n pages take at least (n-1)/2 s.
	elapsed := time.Since(start)
	calls := srv.Calls()
	served := calls["cloudtrail:LookupEvents"]
	if rep.Pages < 12 || served < 12 || served > int64(rep.Pages) || elapsed < time.Duration(rep.Pages-1)*time.Second/2-100*time.Millisecond {
		t.Errorf("%d pages sent, %d served, in %s", rep.Pages, served, elapsed)
	}
	for k, n := range calls {
		if strings.HasPrefix(k, "throttled:") {
			t.Errorf("%s: %d", k, n)
		}
	}
}
