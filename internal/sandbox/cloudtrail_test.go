package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

const (
	ctKeyID  = "AKIACTTESTKEYAAAAAAA"
	ctSecret = "ctTestSecret0000000000000000000000000000"
)

func ctSeed() *Seed {
	s := DefaultSeed()
	s.Accounts[1].IAMUsers = []SeedIAMUser{
		{Name: "bot", Policies: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}, AccessKeys: []SeedAccessKey{{ID: ctKeyID, Secret: ctSecret}}},
		{Name: "nobody", AccessKeys: []SeedAccessKey{{ID: "AKIACTTESTKEYBBBBBBB", Secret: ctSecret}}},
	}
	return s
}

// ctClient is a CloudTrail client signing with key in region.
func ctClient(t *testing.T, url, region, key string) *cloudtrail.Client {
	cfg := sdkConfig(t, url)
	cfg.Region = region
	if key != "" {
		cfg.Credentials = credentials.NewStaticCredentialsProvider(key, ctSecret, "")
	}
	return cloudtrail.NewFromConfig(cfg)
}

func byKey(key string) []cttypes.LookupAttribute {
	return []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyAccessKeyId, AttributeValue: aws.String(key)}}
}

// TestLookupEventsRecordsCalls: calls signed with an IAM user's key are
// events of the user's account, IAM's in us-east-1 and STS's in the region
// they were made in, with the record CloudTrail keeps.
func TestLookupEventsRecordsCalls(t *testing.T) {
	_, url := startSandbox(t, Options{Seed: ctSeed(), LookupEventsTPS: -1})
	ctx := context.Background()
	cfg := sdkConfig(t, url)
	cfg.Credentials = credentials.NewStaticCredentialsProvider(ctKeyID, ctSecret, "")
	cfg.Region = "eu-west-1"
	if _, err := iam.NewFromConfig(cfg).ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	// IAM is global: its event is in us-east-1, whatever region signed it.
	out, err := ctClient(t, url, "us-east-1", ctKeyID).LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: byKey(ctKeyID)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != 1 || aws.ToString(out.Events[0].EventName) != "ListUsers" {
		t.Fatalf("us-east-1 events of the key: %+v", out.Events)
	}
	e := out.Events[0]
	if aws.ToString(e.Username) != "bot" || aws.ToString(e.EventSource) != "iam.amazonaws.com" || aws.ToString(e.ReadOnly) != "true" || aws.ToString(e.AccessKeyId) != ctKeyID {
		t.Errorf("event: %+v", e)
	}
	var rec struct {
		UserIdentity struct {
			Type, AccessKeyID, UserName, AccountID, ARN string
		} `json:"userIdentity"`
		EventSource, EventName, AWSRegion, SourceIPAddress, UserAgent, EventID, EventType, RecipientAccountID, RequestID string
		ReadOnly                                                                                                         bool
	}
	if err := json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &rec); err != nil {
		t.Fatal(err)
	}
	id := rec.UserIdentity
	if id.Type != "IAMUser" || id.UserName != "bot" || id.AccountID != "222222222222" || id.ARN != "arn:aws:iam::222222222222:user/bot" {
		t.Errorf("userIdentity: %+v", id)
	}
	if rec.AWSRegion != "us-east-1" || rec.SourceIPAddress != "127.0.0.1" || !strings.Contains(rec.UserAgent, "aws-sdk-go-v2") ||
		rec.EventType != "AwsApiCall" || rec.RecipientAccountID != "222222222222" || rec.EventID != aws.ToString(e.EventId) || !rec.ReadOnly || rec.RequestID == "" {
		t.Errorf("record: %+v", rec)
	}
	// STS is regional: eu-west-1 holds GetCallerIdentity (and the lookup
	// above, in us-east-1, is not there).
	eu, err := ctClient(t, url, "eu-west-1", ctKeyID).LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: byKey(ctKeyID)})
	if err != nil {
		t.Fatal(err)
	}
	if len(eu.Events) != 1 || aws.ToString(eu.Events[0].EventName) != "GetCallerIdentity" {
		t.Fatalf("eu-west-1 events: %+v", eu.Events)
	}
	// The lookups are recorded too, as AWS does.
	again, err := ctClient(t, url, "us-east-1", ctKeyID).LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{
		{AttributeKey: cttypes.LookupAttributeKeyEventSource, AttributeValue: aws.String("cloudtrail.amazonaws.com")}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Events) != 1 || aws.ToString(again.Events[0].EventName) != "LookupEvents" {
		t.Fatalf("cloudtrail events in us-east-1: %+v", again.Events)
	}
	// Another account's trail does not have them.
	other, err := ctClient(t, url, "us-east-1", "").LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: byKey(ctKeyID)})
	if err != nil {
		t.Fatal(err)
	}
	if len(other.Events) != 0 {
		t.Errorf("the management account sees the member account's events: %+v", other.Events)
	}
}

// TestLookupEventsHistory: a seeded history is paged newest first, 50 at
// most, and only its last 90 days are seen.
func TestLookupEventsHistory(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	seed := ctSeed()
	seed.CloudTrail = []SeedEvents{
		{User: "bot", EventName: "UpdateService", EventSource: "ecs.amazonaws.com", Region: "eu-west-1", From: "-100d", To: "-1h", Every: "1h",
			SourceIPs: []string{"198.51.100.1", "198.51.100.2"}, UserAgent: "aws-cli/2.15.30 md/command#ecs.update-service"},
		{User: "bot", EventName: "DescribeServices", EventSource: "ecs.amazonaws.com", Region: "eu-west-1", From: "-10d", To: "-1d", Count: 10},
	}
	_, url := startSandbox(t, Options{Seed: seed, Now: func() time.Time { return now }, LookupEventsTPS: -1})
	ctx := context.Background()
	// The key's last use agrees with its history (before the lookups
	// below, signed with it, use it).
	other := sdkConfig(t, url)
	other.Credentials = credentials.NewStaticCredentialsProvider("AKIACTTESTKEYBBBBBBB", ctSecret, "")
	u, err := iam.NewFromConfig(other).GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(ctKeyID)})
	if err != nil {
		t.Fatal(err)
	}
	if got := u.AccessKeyLastUsed.LastUsedDate; got == nil || !got.Equal(now.Add(-time.Hour)) {
		t.Errorf("last used %v, want %v", got, now.Add(-time.Hour))
	}
	// The bot's own key reads its account's trail (the sandbox's admin key
	// would read the management account's).
	c := ctClient(t, url, "eu-west-1", ctKeyID)
	var events []cttypes.Event
	pages := 0
	p := cloudtrail.NewLookupEventsPaginator(c, &cloudtrail.LookupEventsInput{LookupAttributes: byKey(ctKeyID)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(out.Events) > 50 {
			t.Fatalf("page of %d events", len(out.Events))
		}
		events = append(events, out.Events...)
	}
	// Hourly from 100 days back: the last 90 days hold 90*24 of them, and
	// the 10 DescribeServices.
	if want := 90*24 + 10; len(events) != want {
		t.Fatalf("%d events, want %d", len(events), want)
	}
	if want := (90*24 + 10 + 49) / 50; pages != want {
		t.Errorf("%d pages, want %d", pages, want)
	}
	seen := map[string]bool{}
	for i, e := range events {
		if seen[aws.ToString(e.EventId)] {
			t.Fatalf("event %s twice", aws.ToString(e.EventId))
		}
		seen[aws.ToString(e.EventId)] = true
		if i > 0 && e.EventTime.After(*events[i-1].EventTime) {
			t.Fatalf("event %d is newer than the one before it", i)
		}
		if now.Sub(*e.EventTime) > 90*24*time.Hour {
			t.Fatalf("event of %s is older than 90 days", e.EventTime)
		}
	}
	// A time range and an attribute narrow it.
	start, end := now.Add(-10*24*time.Hour), now.Add(-24*time.Hour)
	out, err := c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{StartTime: &start, EndTime: &end, MaxResults: aws.Int32(50),
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("DescribeServices")}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != 10 || out.NextToken != nil {
		t.Errorf("DescribeServices in 10 days: %d events, token %v", len(out.Events), out.NextToken)
	}
}

func ctErrorCode(t *testing.T, err error) string {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an API error", err)
	}
	return ae.ErrorCode()
}

// TestLookupEventsRefuses: AWS's errors for what LookupEvents does not take.
func TestLookupEventsRefuses(t *testing.T) {
	_, url := startSandbox(t, Options{Seed: ctSeed(), LookupEventsTPS: -1})
	ctx := context.Background()
	c := ctClient(t, url, "us-east-1", "")
	later, earlier := time.Now(), time.Now().Add(-time.Hour)
	okToken, err := func() (*string, error) {
		for range 3 { // make events, so that a page of one has a token
			if _, err := c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{}); err != nil {
				return nil, err
			}
		}
		out, err := c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(1)})
		return out.NextToken, err
	}()
	if err != nil || okToken == nil {
		t.Fatalf("token %v, err %v", okToken, err)
	}
	for _, tc := range []struct {
		name string
		in   cloudtrail.LookupEventsInput
		code string
	}{
		{"two attributes", cloudtrail.LookupEventsInput{LookupAttributes: append(byKey(ctKeyID), byKey(ctKeyID)...)}, "InvalidLookupAttributesException"},
		{"unknown attribute", cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: "Color", AttributeValue: aws.String("x")}}}, "InvalidLookupAttributesException"},
		{"max results", cloudtrail.LookupEventsInput{MaxResults: aws.Int32(51)}, "InvalidMaxResultsException"},
		{"time range", cloudtrail.LookupEventsInput{StartTime: &later, EndTime: &earlier}, "InvalidTimeRangeException"},
		{"made-up token", cloudtrail.LookupEventsInput{NextToken: aws.String("not-a-token")}, "InvalidNextTokenException"},
		{"token of another lookup", cloudtrail.LookupEventsInput{NextToken: okToken, LookupAttributes: byKey(ctKeyID)}, "InvalidNextTokenException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.LookupEvents(ctx, &tc.in)
			if got := ctErrorCode(t, err); got != tc.code {
				t.Errorf("code %s, want %s (%v)", got, tc.code, err)
			}
		})
	}
	// The token works with the lookup that made it.
	if _, err := c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(1), NextToken: okToken}); err != nil {
		t.Errorf("its own token: %v", err)
	}
	// A user whose policies do not allow it is denied; ReadOnlyAccess allows it.
	_, err = ctClient(t, url, "us-east-1", "AKIACTTESTKEYBBBBBBB").LookupEvents(ctx, &cloudtrail.LookupEventsInput{})
	if got := ctErrorCode(t, err); got != "AccessDeniedException" {
		t.Errorf("a user without cloudtrail:LookupEvents: %s (%v)", got, err)
	}
	if _, err := ctClient(t, url, "us-east-1", ctKeyID).LookupEvents(ctx, &cloudtrail.LookupEventsInput{}); err != nil {
		t.Errorf("a user with ReadOnlyAccess: %v", err)
	}
}

// TestLookupEventsThrottles: two requests a second per account and region,
// counted in Calls; another region has its own.
func TestLookupEventsThrottles(t *testing.T) {
	srv, url := startSandbox(t, Options{Seed: ctSeed()})
	ctx := context.Background()
	c := ctClient(t, url, "us-east-1", "")
	throttled := 0
	for range 6 {
		if _, err := c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{}); err != nil {
			if ctErrorCode(t, err) != "ThrottlingException" {
				t.Fatal(err)
			}
			throttled++
		}
	}
	if throttled < 3 {
		t.Errorf("%d of 6 quick lookups throttled, want at least 3", throttled)
	}
	if got := srv.Calls()["throttled:cloudtrail:111111111111:us-east-1"]; got != int64(throttled) {
		t.Errorf("throttles counted: %d, want %d", got, throttled)
	}
	if _, err := ctClient(t, url, "eu-west-1", "").LookupEvents(ctx, &cloudtrail.LookupEventsInput{}); err != nil {
		t.Errorf("eu-west-1 has its own limit: %v", err)
	}
}

// TestSeedCloudTrailRefuses: bad history entries name the field and line.
func TestSeedCloudTrailRefuses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seed.yaml")
	if err := os.WriteFile(path, []byte(`accounts:
  - id: "111111111111"
    iam_users:
      - name: bot
cloudtrail:
  - user: bot
    event_name: UpdateService
    event_source: ecs.amazonaws.com
    every: 6h
    count: 3
  - user: ghost
    event_name: ListUsers
    event_source: iam.amazonaws.com
    every: 1d
  - user: bot
    event_name: ListUsers
    event_source: iam.amazonaws.com
    every: 1d
    from: yesterday
    source_ips: [not-an-address]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadSeed(path)
	if err == nil {
		t.Fatal("seed accepted")
	}
	for _, want := range []string{
		"seed.yaml:9: cloudtrail[0].every: give every or count",
		`seed.yaml:11: cloudtrail[1]: user "ghost" is not among the accounts' iam_users`,
		`cloudtrail[2].source_ips[0]: "not-an-address" is not an IP address`,
		`seed.yaml:19: cloudtrail[2].from: "yesterday" is neither`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
