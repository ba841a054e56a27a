package scripts

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/keyless-dev/keyless/internal/cli"
)

// cmdCIToken is citoken PROVIDER JSON: a simulated pipeline run's OIDC
// token from the sandbox's local issuer (POST /_sandbox/oidc/PROVIDER/token)
// into $AWS_WEB_IDENTITY_TOKEN_FILE, as the CI system hands it to the job.
// It prints the token's sub.
func cmdCIToken(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: citoken PROVIDER JSON")
	}
	resp, err := http.Post(ts.Getenv("AWS_ENDPOINT_URL")+"/_sandbox/oidc/"+args[0]+"/token", "application/json", strings.NewReader(args[1]))
	ts.Check(err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	ts.Check(err)
	if resp.StatusCode != 200 {
		ts.Fatalf("POST /_sandbox/oidc/%s/token: %s: %s", args[0], resp.Status, body)
	}
	var out struct{ Token, Subject string }
	ts.Check(json.Unmarshal(body, &out))
	file := ts.Getenv("AWS_WEB_IDENTITY_TOKEN_FILE")
	if file == "" {
		ts.Fatalf("citoken: set AWS_WEB_IDENTITY_TOKEN_FILE")
	}
	ts.Check(os.WriteFile(file, []byte(out.Token), 0o600))
	fmt.Fprintln(ts.Stdout(), out.Subject)
}

// goCallerIdentity is the program awsgo: what a pipeline written with
// aws-sdk-go-v2 does, the default config from the environment (here
// AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE, so the SDK's web identity
// provider) then sts GetCallerIdentity; it prints the ARN. The config is
// keyless's own (cli.LoadAWSConfig), LoadDefaultConfig with AWS_ENDPOINT_URL reaching
// the web identity STS client too (the SDK alone would send that call to
// AWS). awsgo list-users calls iam ListUsers instead, which a policy can
// refuse (GetCallerIdentity never is), and prints how many users it saw.
func goCallerIdentity() int {
	ctx := context.Background()
	cfg, err := cli.LoadAWSConfig(ctx)
	if err == nil && len(os.Args) > 1 && os.Args[1] == "list-users" {
		var out *iam.ListUsersOutput
		if out, err = iam.NewFromConfig(cfg).ListUsers(ctx, &iam.ListUsersInput{}); err == nil {
			fmt.Println(len(out.Users), "users")
			return 0
		}
	} else if err == nil {
		var out *sts.GetCallerIdentityOutput
		if out, err = sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err == nil {
			fmt.Println(aws.ToString(out.Arn))
			return 0
		}
	}
	fmt.Fprintln(os.Stderr, "awsgo:", err)
	return 1
}
