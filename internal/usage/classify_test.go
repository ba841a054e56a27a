package usage

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

// ev builds evidence of n calls per (address, user agent) pair.
func ev(calls ...any) Evidence {
	var e Evidence
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i+2 < len(calls); i += 3 {
		ip, ua, n := calls[i].(string), calls[i+1].(string), calls[i+2].(int)
		for range n {
			e.add("ecs.amazonaws.com", "UpdateService", "us-east-1", ip, ua, at)
			at = at.Add(time.Hour)
		}
	}
	return e
}

const (
	cliUA    = "aws-cli/2.15.30 Python/3.11.8 Darwin/23.4.0 exe/x86_64 prompt/off command/s3.ls"
	ghUA     = "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-1016-azure exe/x86_64.ubuntu.22 prompt/off command/ecs.update-service"
	actionUA = "configure-aws-credentials-for-github-actions"
	sdkUA    = "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#5.15 md/arch#x86_64 lang/python#3.11.6"
	lambdaUA = "aws-sdk-go-v2/1.30.0 os/linux lang/go#1.22 md/GOOS#linux exec-env/AWS_Lambda_provided.al2023"
	// keyless's own calls, as aws-sdk-go-v2 sends them with its AppID.
	keylessUA   = "aws-sdk-go-v2/1.48.0 ua/2.1 os/linux lang/go#1.26.8 md/GOOS#linux md/GOARCH#amd64 api/iam#1.64.9 m/E,n app/keyless"
	keylessCIUA = "aws-sdk-go-v2/1.48.0 ua/2.1 os/linux lang/go#1.26.8 md/GOOS#linux md/GOARCH#amd64 api/iam#1.64.9 m/E,n app/keyless-ci"
)

func TestClassify(t *testing.T) {
	runners := []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}
	for _, tc := range []struct {
		name   string
		ev     Evidence
		hints  Hints
		want   Class
		reason string
	}{
		{"cli from two addresses", ev("203.0.113.5", cliUA, 40, "203.0.113.9", cliUA, 3), Hints{}, Person, "interactive tools"},
		{"cli from many addresses", ev("203.0.113.1", cliUA, 5, "203.0.113.2", cliUA, 5, "203.0.113.3", cliUA, 5, "203.0.113.4", cliUA, 5,
			"203.0.113.5", cliUA, 5, "203.0.113.6", cliUA, 5), Hints{}, Unknown, "no kind of call"},
		{"cli from many addresses with a console password", ev("203.0.113.1", cliUA, 5, "203.0.113.2", cliUA, 5, "203.0.113.3", cliUA, 5,
			"203.0.113.4", cliUA, 5, "203.0.113.5", cliUA, 5, "203.0.113.6", cliUA, 5), Hints{ConsolePassword: true}, Person, "console with a password"},
		{"github runner cli", ev("198.51.100.7", ghUA, 30, "198.51.100.8", ghUA, 30), Hints{}, CIPipeline, "came from CI"},
		{"configure-aws-credentials", ev("192.0.2.1", actionUA, 10, "192.0.2.2", sdkUA, 2), Hints{}, CIPipeline, "came from CI"},
		{"runner range only", ev("198.51.100.7", sdkUA, 10, "198.51.100.99", sdkUA, 10, "198.51.100.3", sdkUA, 1, "198.51.100.4", sdkUA, 1),
			Hints{CIRanges: runners}, CIPipeline, "came from CI"},
		{"key in CI configuration", ev("203.0.113.5", sdkUA, 3), Hints{KeyInCI: "acme/deploy .github/workflows/deploy.yml"}, CIPipeline, "acme/deploy"},
		{"from EC2", ev("ec2.amazonaws.com", sdkUA, 20, "203.0.113.5", cliUA, 2), Hints{}, AWSWorkload, "came from AWS itself"},
		{"AWS Internal", ev("AWS Internal", sdkUA, 20), Hints{}, AWSWorkload, "AWS Internal"},
		{"SDK in Lambda", ev("3.80.1.2", lambdaUA, 20), Hints{}, AWSWorkload, "came from AWS itself"},
		{"SDK from a fixed server", ev("203.0.113.50", sdkUA, 100, "203.0.113.51", sdkUA, 90), Hints{}, OutsideService, "fixed addresses"},
		{"SDK from many addresses", ev("203.0.113.1", sdkUA, 10, "203.0.113.2", sdkUA, 10, "203.0.113.3", sdkUA, 10, "203.0.113.4", sdkUA, 10),
			Hints{}, Unknown, "no kind of call"},
		{"an administrator running keyless with the key", ev("127.0.0.1", keylessUA, 120, "192.0.2.5", cliUA, 29), Hints{ConsolePassword: true}, Person, "interactive tools"},
		{"keyless in CI with the key", ev("198.51.100.7", keylessCIUA, 40), Hints{}, CIPipeline, "came from CI"},
		{"no calls", Evidence{}, Hints{}, Unknown, "no call"},
		{"no calls, console password", Evidence{}, Hints{ConsolePassword: true}, Person, "password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Classify(tc.ev, tc.hints)
			if got.Class != tc.want {
				t.Fatalf("class %s, want %s; reasons %q", got.Class, tc.want, got.Reasons)
			}
			if !strings.Contains(strings.Join(got.Reasons, "; "), tc.reason) {
				t.Errorf("reasons %q lack %q", got.Reasons, tc.reason)
			}
			if got.Replacement != Replacement[tc.want] || got.Replacement == "" {
				t.Errorf("replacement %q", got.Replacement)
			}
		})
	}
}

// TestUserNotEvaluated: a user with no call seen while a region was not
// evaluated is unknown, and its key not "unused".
func TestUserNotEvaluated(t *testing.T) {
	k := &KeyUsage{AccessKeyID: "AKIAEXAMPLEKEYAAAAAA", Account: "111111111111", User: "bob",
		Gaps: []Gap{{"111111111111", "eu-west-1", deniedReason + "111111111111/eu-west-1"}}}
	if got := k.Status(); got != "not evaluated" {
		t.Errorf("status %q", got)
	}
	r := &Report{Keys: []*KeyUsage{k}}
	u := r.Users()[0]
	c := u.Classify(Hints{ConsolePassword: true})
	if c.Class != Unknown || !strings.Contains(strings.Join(c.Reasons, ";"), "not evaluated") {
		t.Errorf("classification %+v", c)
	}
	if got := k.Limits(time.Now().Add(-Window)); len(got) != 2 || got[0] != "not evaluated (missing cloudtrail:LookupEvents in 111111111111/eu-west-1)" {
		t.Errorf("limits %q", got)
	}
}

// TestRecent: the evidence keeps the newest calls, newest first, across
// merges; After picks those after a time.
func TestRecent(t *testing.T) {
	a := ev("203.0.113.5", cliUA, 4)
	b := ev("198.51.100.7", ghUA, 4)
	// b's calls are the same hours as a's: shift them a day later.
	for i := range b.Recent {
		b.Recent[i].Time = b.Recent[i].Time.Add(24 * time.Hour)
	}
	a.merge(b)
	if len(a.Recent) != RecentMax || a.Recent[0].SourceIP != "198.51.100.7" || !a.Recent[0].Time.After(a.Recent[1].Time) {
		t.Fatalf("recent %+v", a.Recent)
	}
	after := a.After(time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC))
	if len(after) != 4 || after[3].SourceIP != "198.51.100.7" {
		t.Errorf("after %+v", after)
	}
}
