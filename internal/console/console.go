// Package console turns temporary role credentials into an AWS console
// sign-in URL through the federation endpoint, and names console pages
// (Destination).
//
// It owns the federation exchange. The credentials travel in a query
// string, so it must never put the request URL, the credentials or the
// sign-in token into an error.
package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/keyless-dev/keyless/internal/lazyre"
	"github.com/keyless-dev/keyless/internal/redact"
)

// Credentials are temporary role credentials. Long-term IAM user keys
// cannot sign in to the console.
type Credentials struct{ AccessKeyID, SecretAccessKey, SessionToken string }

// DefaultFederationURL is AWS's federation endpoint.
const DefaultFederationURL = "https://signin.aws.amazon.com/federation"

// aliases maps short or familiar names to the console's path names.
var aliases = map[string]string{
	"cfn":            "cloudformation",
	"cw":             "cloudwatch",
	"logs":           "cloudwatch",
	"ddb":            "dynamodbv2",
	"dynamodb":       "dynamodbv2",
	"sm":             "secretsmanager",
	"secrets":        "secretsmanager",
	"ssm":            "systems-manager",
	"r53":            "route53",
	"sfn":            "states",
	"stepfunctions":  "states",
	"eb":             "elasticbeanstalk",
	"org":            "organizations",
	"orgs":           "organizations",
	"sso":            "singlesignon",
	"identitycenter": "singlesignon",
}

// global services live at https://console.aws.amazon.com/<svc>/home
// whatever the region.
var global = map[string]bool{
	"iam": true, "s3": true, "route53": true, "cloudfront": true, "organizations": true,
	"billing": true, "support": true, "trustedadvisor": true,
}

// paths are the console's path names keyless knows besides the global ones
// and those aliases name. The console has more, and AWS adds some: a name
// outside the list still opens, and Known lets the command warn about it.
var paths = []string{
	"acm", "acm-pca", "amazon-mq", "amplify", "aos", "apigateway", "apprunner", "appsync", "artifact", "athena",
	"auditmanager", "backup", "batch", "bedrock", "cloud9", "cloudhsm", "cloudshell", "cloudtrail", "codeartifact",
	"codebuild", "codecommit", "codedeploy", "codepipeline", "codesuite", "cognito", "comprehend", "config", "connect",
	"controltower", "cost-management", "datasync", "detective", "directconnect", "dms", "ec2", "ecr", "ecs", "efs",
	"eks", "elasticache", "emr", "events", "firehose", "fsx", "glacier", "glue", "guardduty", "inspector", "iot",
	"kendra", "kinesis", "kms", "lambda", "license-manager", "macie", "mediaconvert", "msk", "mwaa", "pinpoint",
	"polly", "ram", "rds", "redshift", "rekognition", "resource-groups", "sagemaker", "securityhub", "securitylake",
	"servicecatalog", "ses", "sns", "sqs", "storagegateway", "textract", "transcribe", "transfer", "translate", "vpc",
	"wafv2", "wellarchitected", "workspaces", "xray",
}

// Known reports whether service is a page keyless knows: the console
// home, an alias, a path name it knows, or an https:// URL.
func Known(service string) bool {
	svc := strings.ToLower(strings.TrimSpace(service))
	if a, ok := aliases[svc]; ok {
		svc = a
	}
	return svc == "" || svc == "home" || svc == "console" || strings.Contains(svc, "://") || global[svc] ||
		slices.Contains(paths, svc) || slices.Contains(slices.Collect(maps.Values(aliases)), svc)
}

// Names are the service names Known takes (path names and aliases),
// sorted.
func Names() []string {
	out := slices.Concat(paths, slices.Collect(maps.Keys(aliases)), slices.Collect(maps.Values(aliases)), slices.Collect(maps.Keys(global)))
	slices.Sort(out)
	return slices.Compact(out)
}

var (
	servicePattern = lazyre.New(`^[a-z0-9][a-z0-9-]*$`)
	regionPattern  = lazyre.New(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
)

// Destination returns the console URL for a service: "" is the console
// home; names like ec2, lambda or cloudformation (and aliases such as cfn
// or cw) map to https://<region>.console.aws.amazon.com/<svc>/home?region=<region>;
// global services (iam, s3, route53, ...) to https://console.aws.amazon.com/<svc>/home.
// An unknown name is used as the path (see Known), and a full https URL is
// returned as it is. Without a region, regional pages open in the console's last region.
func Destination(service, region string) (string, error) {
	service = strings.TrimSpace(service)
	if region != "" && !regionPattern.MatchString(region) {
		return "", fmt.Errorf("region %q is not a region name like eu-west-1", region)
	}
	if strings.Contains(service, "://") {
		u, err := url.Parse(service)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return "", fmt.Errorf("console page %q: give an https:// URL or a service name like ec2", service)
		}
		return service, nil
	}
	svc := strings.ToLower(service)
	if a, ok := aliases[svc]; ok {
		svc = a
	}
	switch {
	case svc == "" || svc == "home" || svc == "console":
		svc = "console"
	case !servicePattern.MatchString(svc):
		return "", fmt.Errorf("console page %q: give a service name like ec2 or s3 (letters, digits and -) or an https:// URL", service)
	}
	if global[svc] || region == "" {
		return "https://console.aws.amazon.com/" + svc + "/home", nil
	}
	return "https://" + region + ".console.aws.amazon.com/" + svc + "/home?region=" + region, nil
}

// maxBody bounds what is read of the federation endpoint's answer.
const maxBody = 1 << 20

// SigninURL trades credentials for a sign-in token at federationURL and
// returns the URL that opens the console at destination ("" is the console
// home) with issuer (may be empty) as the page to return to on sign-out.
// The returned URL holds a sign-in token valid for 15 minutes: open it, do
// not log it.
func SigninURL(ctx context.Context, hc *http.Client, federationURL string, c Credentials, destination, issuer string) (string, error) {
	if c.AccessKeyID == "" || c.SecretAccessKey == "" || c.SessionToken == "" {
		return "", errors.New("console sign-in needs temporary credentials with a session token; long-term IAM user keys cannot sign in: use a role profile")
	}
	fed, err := url.Parse(federationURL)
	if err != nil || (fed.Scheme != "https" && fed.Scheme != "http") || fed.Host == "" {
		return "", fmt.Errorf("federation endpoint %q is not an http(s) URL", federationURL)
	}
	where := fed.Scheme + "://" + fed.Host + fed.Path // safe to show: no query
	if destination == "" {
		destination, _ = Destination("", "")
	}
	if hc == nil {
		hc = http.DefaultClient
	}

	session, err := json.Marshal(map[string]string{
		"sessionId": c.AccessKeyID, "sessionKey": c.SecretAccessKey, "sessionToken": c.SessionToken})
	if err != nil {
		return "", fmt.Errorf("console sign-in: %w", err)
	}
	q := fed.Query()
	q.Set("Action", "getSigninToken")
	q.Set("Session", string(session))
	tokenURL := *fed
	tokenURL.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, tokenURL.String(), nil)
	if err != nil {
		return "", fmt.Errorf("console sign-in: build the request to %s", where)
	}
	resp, err := hc.Do(req)
	if err != nil {
		// *url.Error names the whole URL, credentials included: keep only
		// what went wrong.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("console sign-in: request a sign-in token from %s: %w", where, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return "", fmt.Errorf("console sign-in: read the answer of %s: %w", where, err)
	}
	if resp.StatusCode != http.StatusOK {
		line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
		if len(line) > 300 {
			line = line[:300] + "..."
		}
		return "", fmt.Errorf("console sign-in: %s refused the credentials: %s: %s (sign in again to get fresh credentials)",
			where, resp.Status, scrub(line, c))
	}
	var out struct{ SigninToken string }
	if err := json.Unmarshal(body, &out); err != nil || out.SigninToken == "" {
		return "", fmt.Errorf("console sign-in: %s answered without a sign-in token (is the federation URL right?)", where)
	}

	// Built by hand to keep AWS's documented parameter order.
	login := *fed
	lq := fed.Query()
	raw := "Action=login"
	if issuer != "" {
		raw += "&Issuer=" + url.QueryEscape(issuer)
	}
	raw += "&Destination=" + url.QueryEscape(destination) + "&SigninToken=" + url.QueryEscape(out.SigninToken)
	if len(lq) > 0 {
		raw = lq.Encode() + "&" + raw
	}
	login.RawQuery = raw
	return login.String(), nil
}

// scrub removes the credentials and anything shaped like a secret from text
// an endpoint sent back.
func scrub(s string, c Credentials) string {
	for _, v := range []string{c.SecretAccessKey, c.SessionToken, c.AccessKeyID} {
		if v != "" {
			s = strings.ReplaceAll(s, v, redact.Mask)
			s = strings.ReplaceAll(s, url.QueryEscape(v), redact.Mask)
		}
	}
	return redact.String(s)
}
