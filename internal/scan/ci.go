package scan

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/keyless-dev/keyless/internal/lazyre"
)

// RuleCIKeys is CI configuration that hands a long-lived AWS key to its
// jobs: not a secret itself, but the place a workload role would replace one.
const RuleCIKeys Rule = "ci-long-lived-keys"

// CI systems whose configuration scan reads for key variables.
const (
	ciGitHub    = "github"
	ciGitLab    = "gitlab"
	ciCircleCI  = "circleci"
	ciBitbucket = "bitbucket"
)

// ciSystem names the CI system whose configuration path p (slash-separated,
// relative to the root) is, "" for any other file: only these are parsed.
func ciSystem(p string) string {
	dir, base := path.Split(p)
	switch {
	case strings.HasSuffix("/"+dir, "/.github/workflows/") && (strings.HasSuffix(base, ".yml") || strings.HasSuffix(base, ".yaml")):
		return ciGitHub
	case base == ".gitlab-ci.yml":
		return ciGitLab
	case strings.HasSuffix("/"+dir, "/.circleci/") && base == "config.yml":
		return ciCircleCI
	case base == "bitbucket-pipelines.yml":
		return ciBitbucket
	}
	return ""
}

// ciKeyUse matches the variables and action inputs that carry a key:
// secrets.AWS_ACCESS_KEY_ID, $AWS_SECRET_ACCESS_KEY, and
// aws-actions/configure-aws-credentials' aws-access-key-id: input.
var ciKeyUse = lazyre.New(`\bAWS_(?:ACCESS_KEY_ID|SECRET_ACCESS_KEY)\b|\baws-(?:access-key-id|secret-access-key)\s*:`)

// ciUse is one line of CI configuration that uses a key.
type ciUse struct {
	Line, Column, EndColumn int
	What                    string
}

// ciUses finds the lines of a CI configuration that use a long-lived key,
// one per line; comment lines do not count.
func ciUses(data []byte) []ciUse {
	var out []ciUse
	for n, line := range bytes.Split(data, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) == 0 || t[0] == '#' || bytes.Contains(line, marker) {
			continue
		}
		loc := ciKeyUse.FindIndex(line)
		if loc == nil {
			continue
		}
		what := strings.TrimSpace(strings.TrimSuffix(string(line[loc[0]:loc[1]]), ":"))
		col := utf8.RuneCount(line[:loc[0]]) + 1
		out = append(out, ciUse{Line: n + 1, Column: col, EndColumn: col + utf8.RuneCount(line[loc[0]:loc[1]]), What: what})
	}
	return out
}

// WorkloadEntry is the keyless.yaml workloads: entry that would replace
// the key a CI configuration file uses. repo is ORG/REPO (or the GitLab
// project, the Bitbucket workspace/repository), "" when unknown.
func WorkloadEntry(system, file, repo string) string {
	name := strings.TrimSuffix(strings.TrimSuffix(path.Base(file), ".yml"), ".yaml")
	if system != ciGitHub {
		name = path.Base(repo)
		if repo == "" {
			name = "deploy"
		}
	}
	// A whole entry (a target and what the role may do are required); the
	// upper-case words are for the person to fill in.
	const rest = "\n  current_account: true\n  managed_policies: [POLICY_ARN]"
	switch system {
	case ciGitHub:
		return fmt.Sprintf("- name: %s\n  github: {repo: %s, branch: main}", name, or(repo, "ORG/REPO")) + rest
	case ciGitLab:
		return fmt.Sprintf("- name: %s\n  gitlab: {project: %s, ref: main}", name, or(repo, "GROUP/PROJECT")) + rest
	case ciCircleCI:
		return fmt.Sprintf("- name: %s\n  circleci: {organization_id: ORG_ID, project_id: PROJECT_ID}", name) + rest
	default:
		ws, _, _ := strings.Cut(repo, "/")
		return fmt.Sprintf("- name: %s\n  bitbucket: {workspace: %s, repository_uuid: REPO_UUID}", name, or(ws, "WORKSPACE")) + rest
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// remoteRepo turns a git remote URL into OWNER/NAME (GROUP/SUB/PROJECT for
// GitLab): https://github.com/o/r.git and git@github.com:o/r.git give o/r.
func remoteRepo(u string) string {
	u = strings.TrimSuffix(strings.TrimSpace(u), "/")
	u = strings.TrimSuffix(u, ".git")
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
		_, u, _ = strings.Cut(u, "/") // host
	} else if _, after, ok := strings.Cut(u, ":"); ok && !strings.Contains(u[:strings.Index(u, ":")], "/") {
		u = after // scp form user@host:path
	} else {
		return "" // a local path
	}
	if strings.Count(u, "/") < 1 || strings.Contains(u, " ") {
		return ""
	}
	return u
}

// originRepos caches each directory's origin repository.
type originRepos struct {
	mu    sync.Mutex
	byDir map[string]string
}

// of returns the repository git's origin remote names for the checkout
// holding dir, "" when there is none or git is not installed.
func (o *originRepos) of(dir string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if r, ok := o.byDir[dir]; ok {
		return r
	}
	if o.byDir == nil {
		o.byDir = map[string]string{}
	}
	out, err := gitOutput(context.Background(), dir, "remote", "get-url", "origin")
	r := ""
	if err == nil {
		r = remoteRepo(out)
	}
	o.byDir[dir] = r
	return r
}

// ciFindings reports the lines of a CI configuration file that hand a
// long-lived key to jobs, each with the workloads: entry to use instead.
func (c *collector) ciFindings(src source, data []byte) []Finding {
	system := ciSystem(src.path)
	if system == "" || src.commit != "" {
		return nil
	}
	uses := ciUses(data)
	if len(uses) == 0 {
		return nil
	}
	entry := WorkloadEntry(system, src.path, c.origins.of(filepath.Dir(src.display)))
	var out []Finding
	for _, u := range uses {
		out = append(out, Finding{Rule: RuleCIKeys, File: src.display, Path: src.path, Line: u.Line, Column: u.Column, EndColumn: u.EndColumn,
			Uses: u.What, Workload: entry, Fingerprint: fmt.Sprintf("%s:%s:%d", RuleCIKeys, src.path, u.Line)})
	}
	return out
}
