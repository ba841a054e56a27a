package usage

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/keyless-dev/keyless/internal/plural"
)

// Class is what kind of caller an IAM user is.
type Class string

const (
	Person         Class = "person"
	CIPipeline     Class = "ci-pipeline"
	AWSWorkload    Class = "aws-workload"
	OutsideService Class = "outside-service"
	Unknown        Class = "unknown"
)

// Replacement is what takes the place of a user's access keys, by class.
var Replacement = map[Class]string{
	Person:         "an Identity Center user (keyless.yaml users:), signing in with keyless login",
	CIPipeline:     "a workloads: entry in keyless.yaml: the pipeline's OIDC token assumes a role, no key",
	AWSWorkload:    "the workload's own role: an instance profile (EC2), a task role (ECS) or an execution role (Lambda)",
	OutsideService: "IAM Roles Anywhere for a server of yours, or a cross-account role with an external id for a vendor",
	Unknown:        "none yet: keep the user, name an owner, and look again",
}

// Hints are what is known of a user besides its calls.
type Hints struct {
	// ConsolePassword: the user has a console password it has used.
	ConsolePassword bool
	// KeyInCI names where scan found the user's key in a repository's CI
	// configuration (.github/workflows/deploy.yml), if it did.
	KeyInCI string
	// CIRanges are the CI system's runner address ranges (for GitHub-hosted
	// runners, the "actions" list of https://api.github.com/meta).
	CIRanges []netip.Prefix
}

// Classification is a user's class, with the evidence it rests on.
type Classification struct {
	Class Class `json:"class"`
	// Reasons are the evidence, in words.
	Reasons []string `json:"reasons"`
	// Replacement is what to replace the user's keys with.
	Replacement string `json:"replacement"`
}

// The thresholds of Classify: a kind of call must be at least half of a
// user's calls to decide its class; a person works from a few addresses,
// an outside server from fewer.
const (
	majority         = 0.5
	personMaxIPs     = 5
	serverMaxIPs     = 3
	reasonsAgentsMax = 2
)

// ciAgents are user-agent marks of CI systems. "-azure" in the Linux
// kernel version the AWS CLI and SDKs report is GitHub-hosted runners'
// (they are Azure VMs); a weaker sign, so it counts only with the others'
// absence of interactive use.
var ciAgents = []string{"github-actions", "githubactions", "configure-aws-credentials", "gitlab", "jenkins", "circleci",
	"buildkite", "bitbucket-pipelines", "travis", "teamcity", "azure-pipelines", "drone", "codefresh", "spacelift", "atlantis",
	"-azure exe/", "-azure md/", "-azure ", "md/ci#", "app/" + CIAppID}

// AppID and CIAppID are the application ids keyless gives the AWS SDK,
// which ends its user agent with app/keyless (app/keyless-ci where CI is
// set, as CI systems set it): an administrator who runs keyless with an
// IAM user's key is a person at a terminal, not the SDK program the
// calls' user agent would otherwise make them (classified outside-service
// by the import, the audit and cleanup keyless itself runs).
const (
	AppID   = "keyless"
	CIAppID = "keyless-ci"
)

// interactiveAgents are tools a person runs.
var interactiveAgents = []string{"aws-cli/", "console.amazonaws.com", "signin.amazonaws.com", "mozilla/", "aws-internal/3 aws-sdk-java",
	"app/" + AppID}

// sdkAgents are libraries programs call AWS with.
var sdkAgents = []string{"aws-sdk-", "boto3/", "botocore/", "terraform/", "hashicorp", "pulumi", "aws-cdk"}

// awsExecAgents mark SDK calls from inside AWS compute.
var awsExecAgents = []string{"exec-env/aws_lambda", "exec-env/aws_ecs", "exec-env#aws_lambda", "exec-env#aws_ecs", "exec-env/aws_batch", "exec-env/cloudshell"}

func hasAny(s string, marks []string) bool {
	s = strings.ToLower(s)
	for _, m := range marks {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

// awsInternalSource reports whether a sourceIPAddress is AWS calling for a
// workload: a service's name (ec2.amazonaws.com, lambda.amazonaws.com) or
// "AWS Internal". Calls from an instance's own address are not told apart
// from any other address: AWS's published ranges are not consulted.
func awsInternalSource(ip string) bool {
	return strings.HasSuffix(ip, ".amazonaws.com") || ip == "AWS Internal"
}

// Classify says what kind of caller a user is from its keys' evidence and
// hints, first match wins: a key found in CI configuration; calls mostly
// from AWS's own sources or SDKs running in AWS compute; mostly CI user
// agents or runner ranges; mostly interactive tools from at most 5
// addresses (or a used console password); mostly SDKs from at most 3
// addresses; else unknown.
func Classify(ev Evidence, h Hints) Classification {
	c := Classification{Class: Unknown}
	decide := func(cl Class, reasons ...string) Classification {
		c.Class, c.Reasons, c.Replacement = cl, append(c.Reasons, reasons...), Replacement[cl]
		return c
	}
	if h.KeyInCI != "" {
		return decide(CIPipeline, "its key is in CI configuration: "+h.KeyInCI)
	}
	if ev.Events == 0 {
		if h.ConsolePassword {
			return decide(Person, "no call with its keys in the window, and it signs in to the console with a password")
		}
		return decide(Unknown, "no call with its keys in the window to tell from")
	}
	var awsN, ciN, interactiveN, sdkN int
	var outsideIPs int
	for ip, n := range ev.SourceIPs {
		if awsInternalSource(ip) {
			awsN += n
			continue
		}
		outsideIPs++
		if addr, err := netip.ParseAddr(ip); err == nil {
			for _, p := range h.CIRanges {
				if p.Contains(addr) {
					ciN += n
					break
				}
			}
		}
	}
	ciAgentN := 0
	for ua, n := range ev.UserAgents {
		switch {
		case hasAny(ua, awsExecAgents):
			awsN += n
		case hasAny(ua, ciAgents):
			ciAgentN += n
		case hasAny(ua, interactiveAgents):
			interactiveN += n
		case hasAny(ua, sdkAgents):
			sdkN += n
		}
	}
	ciN = max(ciN, ciAgentN)
	share := func(n int) float64 { return float64(n) / float64(ev.Events) }
	pct := func(n int) string { return fmt.Sprintf("%d of %s", n, plural.Count(ev.Events, "call", "calls")) }
	agents := topAgents(ev)
	switch {
	case share(awsN) >= majority:
		return decide(AWSWorkload, pct(awsN)+" came from AWS itself (a service's address, or an SDK in Lambda/ECS): "+topIPs(ev))
	case share(ciN) >= majority:
		return decide(CIPipeline, pct(ciN)+" came from CI ("+agents+")", "from "+plural.Count(outsideIPs, "address", "addresses"))
	case share(interactiveN) >= majority && outsideIPs <= personMaxIPs:
		r := []string{pct(interactiveN) + " came from interactive tools (" + agents + ")", "from " + topIPs(ev)}
		if h.ConsolePassword {
			r = append(r, "it signs in to the console with a password")
		}
		return decide(Person, r...)
	case share(sdkN) >= majority && outsideIPs <= serverMaxIPs:
		return decide(OutsideService, pct(sdkN)+" came from SDKs ("+agents+")", "from fixed addresses: "+topIPs(ev))
	case h.ConsolePassword && share(interactiveN) >= majority:
		return decide(Person, pct(interactiveN)+" came from interactive tools", "from "+plural.Count(outsideIPs, "address", "addresses"), "it signs in to the console with a password")
	}
	return decide(Unknown, fmt.Sprintf("no kind of call is most of its %s: %s from %s", plural.Count(ev.Events, "call", "calls"), agents, plural.Count(outsideIPs, "address", "addresses")))
}

func topAgents(ev Evidence) string {
	var s []string
	for _, c := range Top(ev.UserAgents, reasonsAgentsMax) {
		s = append(s, fmt.Sprintf("%s: %d", truncate(c.Value, 60), c.N))
	}
	return strings.Join(s, "; ")
}

func topIPs(ev Evidence) string {
	var s []string
	for _, c := range Top(ev.SourceIPs, 3) {
		s = append(s, fmt.Sprintf("%s: %d", c.Value, c.N))
	}
	if len(ev.SourceIPs) > 3 {
		s = append(s, fmt.Sprintf("and %d more", len(ev.SourceIPs)-3))
	}
	return strings.Join(s, ", ")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// User is one IAM user's evidence: all its keys', merged.
type User struct {
	Account string      `json:"account"`
	User    string      `json:"user"`
	Keys    []*KeyUsage `json:"keys"`
	Evidence
	// NotEvaluated: a region of one of its keys could not be seen.
	NotEvaluated bool `json:"not_evaluated,omitempty"`
}

// Users groups the report's keys by account and user, in the report's order.
func (r *Report) Users() []*User {
	var out []*User
	idx := map[string]*User{}
	for _, k := range r.Keys {
		id := k.Account + "/" + k.User
		u := idx[id]
		if u == nil {
			u = &User{Account: k.Account, User: k.User}
			idx[id] = u
			out = append(out, u)
		}
		u.Keys = append(u.Keys, k)
		u.merge(k.Evidence)
		u.NotEvaluated = u.NotEvaluated || len(k.Gaps) > 0
	}
	return out
}

// Classify classifies the user. A user whose keys show no call while a
// region was not evaluated is unknown, never taken for idle.
func (u *User) Classify(h Hints) Classification {
	c := Classify(u.Evidence, h)
	if u.NotEvaluated {
		c.Reasons = append(c.Reasons, "some regions were not evaluated: the evidence is partial")
		if u.Events == 0 && h.KeyInCI == "" {
			c.Class, c.Replacement = Unknown, Replacement[Unknown]
		}
	}
	return c
}
