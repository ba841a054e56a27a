package usage_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"

	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/sandbox/sandboxtest"
	"github.com/keyless-dev/keyless/internal/usage"
)

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
	// 6 keys of 2 pages each: 12 requests, at 2 a second, at least 5.5 s.
	if rep.Pages != 12 || time.Since(start) < 5*time.Second {
		t.Errorf("%d pages in %s", rep.Pages, time.Since(start))
	}
	for k, n := range srv.Calls() {
		if strings.HasPrefix(k, "throttled:") {
			t.Errorf("%s: %d", k, n)
		}
	}
}
