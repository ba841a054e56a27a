package scan

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCISystem(t *testing.T) {
	for p, want := range map[string]string{
		".github/workflows/deploy.yml":      ciGitHub,
		"svc/.github/workflows/ci.yaml":     ciGitHub,
		".github/workflows/README.md":       "",
		".github/deploy.yml":                "",
		"x.github/workflows/deploy.yml":     "",
		".gitlab-ci.yml":                    ciGitLab,
		"sub/.gitlab-ci.yml":                ciGitLab,
		".circleci/config.yml":              ciCircleCI,
		"config.yml":                        "",
		"bitbucket-pipelines.yml":           ciBitbucket,
		"docs/bitbucket-pipelines.yml.orig": "",
	} {
		if got := ciSystem(p); got != want {
			t.Errorf("ciSystem(%q) = %q, want %q", p, got, want)
		}
	}
}

func TestCIUses(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []ciUse
	}{
		{"GitHub env from secrets", "env:\n  AWS_ACCESS_KEY_ID: ${{ secrets.AWS_ACCESS_KEY_ID }}\n  AWS_SECRET_ACCESS_KEY: ${{ secrets.DEPLOY_SECRET }}\n",
			[]ciUse{{2, 3, 20, "AWS_ACCESS_KEY_ID"}, {3, 3, 24, "AWS_SECRET_ACCESS_KEY"}}},
		{"configure-aws-credentials inputs", "      with:\n        aws-access-key-id: ${{ secrets.KEY }}\n        role-to-assume: arn\n",
			[]ciUse{{2, 9, 27, "aws-access-key-id"}}},
		{"GitLab script", "deploy:\n  script:\n    - aws configure set aws_access_key_id \"$AWS_ACCESS_KEY_ID\"\n",
			[]ciUse{{3, 45, 62, "AWS_ACCESS_KEY_ID"}}},
		{"comments, the inline marker and other names do not count", "# AWS_ACCESS_KEY_ID comes from the context\n  MY_AWS_ACCESS_KEY_IDS: x\n  AWS_SECRET_ACCESS_KEY: $K # keyless:ignore\n  role-to-assume: x\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, ciUses([]byte(tc.in))); d != "" {
				t.Errorf("ciUses (-want +got):\n%s", d)
			}
		})
	}
}

func TestRemoteRepo(t *testing.T) {
	for u, want := range map[string]string{
		"https://github.com/acme/app.git\n":          "acme/app",
		"git@github.com:acme/app.git":                "acme/app",
		"ssh://git@gitlab.com/group/sub/project.git": "group/sub/project",
		"https://bitbucket.org/ws/repo":              "ws/repo",
		"/srv/git/app.git":                           "",
		"../app":                                     "",
	} {
		if got := remoteRepo(u); got != want {
			t.Errorf("remoteRepo(%q) = %q, want %q", u, got, want)
		}
	}
}

func TestWorkloadEntry(t *testing.T) {
	for _, tc := range []struct{ system, file, repo, want string }{
		{ciGitHub, ".github/workflows/deploy.yml", "acme/app", "- name: deploy\n  github: {repo: acme/app, branch: main}\n  current_account: true\n  managed_policies: [POLICY_ARN]"},
		{ciGitHub, ".github/workflows/release.yaml", "", "- name: release\n  github: {repo: ORG/REPO, branch: main}\n  current_account: true\n  managed_policies: [POLICY_ARN]"},
		{ciGitLab, ".gitlab-ci.yml", "group/sub/api", "- name: api\n  gitlab: {project: group/sub/api, ref: main}\n  current_account: true\n  managed_policies: [POLICY_ARN]"},
		{ciCircleCI, ".circleci/config.yml", "", "- name: deploy\n  circleci: {organization_id: ORG_ID, project_id: PROJECT_ID}\n  current_account: true\n  managed_policies: [POLICY_ARN]"},
		{ciBitbucket, "bitbucket-pipelines.yml", "ws/web", "- name: web\n  bitbucket: {workspace: ws, repository_uuid: REPO_UUID}\n  current_account: true\n  managed_policies: [POLICY_ARN]"},
	} {
		if got := WorkloadEntry(tc.system, tc.file, tc.repo); got != tc.want {
			t.Errorf("WorkloadEntry(%s, %s, %q) =\n%s\nwant\n%s", tc.system, tc.file, tc.repo, got, tc.want)
		}
	}
}
