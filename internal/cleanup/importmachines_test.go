package cleanup

import (
	"strings"
	"testing"
	"time"

	"github.com/keyless-dev/keyless/internal/audit"
	"github.com/keyless-dev/keyless/internal/config"
	"github.com/keyless-dev/keyless/internal/scan"
	"github.com/keyless-dev/keyless/internal/usage"
)

// calls is n calls of one key from one address and user agent.
func calls(user, key, ip, agent string, n int) *usage.KeyUsage {
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	return &usage.KeyUsage{AccessKeyID: key, Account: "111111111111", User: user, Evidence: usage.Evidence{
		Events: n, Actions: map[string]int{"s3:PutObject": n}, Services: map[string]int{"s3.amazonaws.com": n},
		SourceIPs: map[string]int{ip: n}, UserAgents: map[string]int{agent: n}, Regions: map[string]int{"us-east-1": n},
		PerDay: map[string]int{"2026-11-01": n}, First: at, Last: at}}
}

const ciAgent = "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-1016-azure exe/x86_64.ubuntu.22 prompt/off command/s3.sync"

// A repository mapped on another branch is claimed all the same: the one
// CI user left is not paired with it. An outside service may be mapped to
// a pipeline (a CI server of one's own calls with an SDK from fixed
// addresses); a name too long for keyless-NAME gets role_name; the file
// written validates.
func TestSortMachines(t *testing.T) {
	long := "ci-" + strings.Repeat("x", 58)
	st := &audit.AccountState{AccountID: "111111111111", Users: []audit.IAMUser{
		{Name: "web-bot", AccessKeys: []audit.AccessKey{{ID: "AKIAWEBBOTAAAAAAAAAA"}}},
		{Name: "api-bot", AccessKeys: []audit.AccessKey{{ID: "AKIAAPIBOTAAAAAAAAAA"}}},
		{Name: "jenkins", AccessKeys: []audit.AccessKey{{ID: "AKIAJENKINSAAAAAAAAA"}}},
		{Name: long, AccessKeys: []audit.AccessKey{{ID: "AKIALONGAAAAAAAAAAAA"}}},
	}}
	rep := &usage.Report{From: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), Keys: []*usage.KeyUsage{
		calls("web-bot", "AKIAWEBBOTAAAAAAAAAA", "198.51.100.7", ciAgent, 10),
		calls("api-bot", "AKIAAPIBOTAAAAAAAAAA", "198.51.100.8", ciAgent, 10),
		calls("jenkins", "AKIAJENKINSAAAAAAAAA", "203.0.113.50", "Boto3/1.34.0 md/Botocore#1.34.0", 10),
		calls(long, "AKIALONGAAAAAAAAAAAA", "198.51.100.9", ciAgent, 10),
	}}
	maps, err := ReadMaps([]MapValue{
		{Flag: "--map web-bot=github:acme/web@release", User: "web-bot", Value: "github:acme/web@release"},
		{Flag: "--map jenkins=gitlab:acme/ops", User: "jenkins", Value: "gitlab:acme/ops"},
		{Flag: "--map long", User: long, Value: "github:acme/long"},
	}, []string{"web-bot", "api-bot", "jenkins", long})
	if err != nil {
		t.Fatal(err)
	}
	scans := []ScanResult{{Dir: "web", Findings: []scan.Finding{{Rule: scan.RuleCIKeys, File: "web/.github/workflows/ci.yml", Line: 8,
		Workload: "- name: ci\n  github: {repo: acme/web, branch: main}\n  current_account: true\n  managed_policies: [POLICY_ARN]"}}}}
	ms, err := SortMachines(st, nil, rep, maps, scans)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Machine{}
	for _, m := range ms.List {
		got[m.User] = m
	}
	if m := got["api-bot"]; m.Workload != nil || m.Class != usage.CIPipeline || !strings.Contains(m.Todo, "--map api-bot=PROVIDER:WHERE") {
		t.Errorf("api-bot paired with a claimed repository: %+v", m)
	}
	if m := got["jenkins"]; m.Class != usage.OutsideService || m.Workload == nil || m.Workload.Where != "gitlab:acme/ops@main" {
		t.Errorf("jenkins %+v", m)
	}
	imp := ImportIAM(st, nil, nil, nil, ms)
	text := string(imp.YAML)
	if !strings.Contains(text, "    like_user: "+long+"\n    role_name: "+long+"\n") {
		t.Errorf("no role_name for the long name:\n%s", text)
	}
	c, err := config.Parse("keyless.yaml", imp.YAML)
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	if len(c.Workloads) != 3 || c.Workloads[0].Name != "web-bot" || c.Workloads[0].GitHub.Branch != "release" || c.Workloads[0].LikeUser.Value != "web-bot" {
		t.Errorf("workloads %+v", c.Workloads)
	}

	// Mapped to a pipeline, a user whose calls are AWS's own is refused.
	rep.Keys[2] = calls("jenkins", "AKIAJENKINSAAAAAAAAA", "lambda.amazonaws.com", "Boto3/1.34.0", 10)
	if _, err := SortMachines(st, nil, rep, maps, nil); err == nil || !strings.Contains(err.Error(), "--map jenkins=gitlab:acme/ops: IAM user jenkins is a workload on AWS by its evidence") {
		t.Errorf("error %v", err)
	}
}
