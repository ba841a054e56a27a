package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
	"github.com/keyless-dev/keyless/internal/workloads"
)

const workloadBase = "users: [{email: a@example.com, given_name: A, family_name: B}]\nsuper_admins: [a@example.com]\n"

func TestWorkloadIsRead(t *testing.T) {
	c, err := parse(t, workloadBase+`workloads:
  - name: deploy
    github: {repo: acme/deploy, branch: main, repo_id: "42", owner_id: "7"}
    accounts: ["111122223333", Prod]
    ous: [/Workloads]
    managed_policies: [ReadOnlyAccess]
    inline_policy: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:PutObject", Resource: "arn:aws:s3:::site/*"}]}
    permissions_boundary: {managed_policy: PowerUserAccess}
    like_user: deploy-bot
    path: /ci/
    max_session_duration: PT2H
`)
	if err != nil {
		t.Fatal(err)
	}
	w := c.Workloads[0]
	if diff := cmp.Diff(&workloads.GitHub{Repo: "acme/deploy", Branch: "main", RepoID: "42", OwnerID: "7"}, w.GitHub); diff != "" {
		t.Error(diff)
	}
	var accounts []string
	for _, r := range w.Target.Accounts {
		accounts = append(accounts, r.Value)
	}
	if diff := cmp.Diff([]string{"111122223333", "Prod"}, accounts); diff != "" {
		t.Error(diff)
	}
	if w.RoleNameOf() != "keyless-deploy" || w.RolePath != "/ci/" || w.MaxSessionDuration != 2*time.Hour ||
		w.LikeUser.Value != "deploy-bot" || w.Boundary.ManagedPolicy != "arn:aws:iam::aws:policy/PowerUserAccess" ||
		w.ManagedPolicies[0] != "arn:aws:iam::aws:policy/ReadOnlyAccess" || !strings.Contains(w.InlinePolicy, `"s3:PutObject"`) {
		t.Errorf("%+v", w)
	}
}

func TestWorkloadProblems(t *testing.T) {
	for _, tc := range []struct{ name, entry, want string }{
		{"unknown provider", "  - name: d\n    jenkins: {job: x}\n    all_accounts: true\n    like_user: bot\n",
			`5:5: workloads[0].jenkins: unknown field "jenkins"`},
		{"no provider", "  - name: d\n    all_accounts: true\n    like_user: bot\n",
			"4:5: workloads[0]: the workload names no provider"},
		{"two providers", "  - name: d\n    github: {repo: a/b, branch: main}\n    gitlab: {project: a/b, ref: main}\n    all_accounts: true\n    like_user: bot\n",
			"6:5: workloads[0].gitlab: the workload names 2 providers (github, gitlab)"},
		{"malformed repo", "  - name: d\n    github:\n      repo: acme\n      branch: main\n    all_accounts: true\n    like_user: bot\n",
			`6:7: workloads[0].github.repo: "acme" is not a GitHub repository`},
		{"malformed project", "  - name: d\n    gitlab:\n      project: deploy\n      ref: main\n    all_accounts: true\n    like_user: bot\n",
			`6:7: workloads[0].gitlab.project: "deploy" is not a GitLab project path`},
		{"too broad", "  - name: d\n    github:\n      repo: acme/*\n      branch: main\n    subject_pattern_allowed: true\n    all_accounts: true\n    like_user: bot\n",
			`6:7: workloads[0].github.repo: "acme/*" is a wildcard: it would admit every matching repository`},
		{"wildcard not allowed", "  - name: d\n    github:\n      repo: acme/deploy\n      branch: release/*\n    all_accounts: true\n    like_user: bot\n",
			`7:7: workloads[0].github.branch: "release/*" is a wildcard`},
		{"trust over 2048", "  - name: d\n    oidc:\n      issuer: https://ci.example.com/" + strings.Repeat("p", 1000) + "\n      audience: aws\n      claims: {sub: " + strings.Repeat("s", 700) + "}\n    all_accounts: true\n    like_user: bot\n",
			"5:5: workloads[0].oidc: the trust policy is"},
		{"bad inline policy", "  - name: d\n    github: {repo: a/b, branch: main}\n    all_accounts: true\n    inline_policy: {Version: \"2012-10-17\", Statement: [{Effect: Allow, Action: \"s3:*\"}]}\n",
			"7:20: workloads[0].inline_policy: the inline policy is malformed"},
		{"no target", "  - name: d\n    github: {repo: a/b, branch: main}\n    like_user: bot\n",
			"4:5: workloads[0]: a workload needs a target"},
		{"no policies", "  - name: d\n    github: {repo: a/b, branch: main}\n    all_accounts: true\n",
			"4:5: workloads[0]: the workload may do nothing"},
		{"role name too long", "  - name: " + strings.Repeat("n", 60) + "\n    github: {repo: a/b, branch: main}\n    all_accounts: true\n    like_user: bot\n",
			"4:5: workloads[0].name: "},
		{"bad account id", "  - name: d\n    github: {repo: a/b, branch: main}\n    accounts: [12345]\n    like_user: bot\n",
			"6:16: workloads[0].accounts[0]: account id 12345 is not 12 digits"},
		{"session too long", "  - name: d\n    github: {repo: a/b, branch: main}\n    all_accounts: true\n    like_user: bot\n    max_session_duration: PT13H\n",
			"8:27: workloads[0].max_session_duration: PT13H is outside AWS's range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantProblem(t, workloadBase+"workloads:\n"+tc.entry, tc.want)
		})
	}
}

// TestWorkloadTargets: a workload's targets resolve as an assignment's do,
// account tags included (which makes plan read them).
func TestWorkloadTargets(t *testing.T) {
	c, err := parse(t, workloadBase+`workloads:
  - name: deploy
    github: {repo: acme/deploy, branch: main}
    accounts: [shop]
    account_tags: {env: prod}
    managed_policies: [ReadOnlyAccess]
`)
	if err != nil {
		t.Fatal(err)
	}
	if !c.UsesAccountTags() {
		t.Error("UsesAccountTags: false")
	}
	st := &ic.State{Accounts: []ic.Account{{ID: "111111111111", Name: "management"}, {ID: "222222222222", Name: "shop"},
		{ID: "333333333333", Name: "data", Tags: map[string]string{"env": "prod"}}}}
	roles, err := c.WorkloadRoles(st, "aws")
	if err != nil {
		t.Fatal(err)
	}
	if len(roles) != 2 || len(roles["222222222222"]) != 1 || len(roles["333333333333"]) != 1 {
		t.Fatalf("%v", roles)
	}
	r := roles["333333333333"][0]
	if r.Name != "keyless-deploy" || !strings.Contains(r.Trust.Document, "arn:aws:iam::333333333333:oidc-provider/token.actions.githubusercontent.com") {
		t.Errorf("%+v", r)
	}
}
