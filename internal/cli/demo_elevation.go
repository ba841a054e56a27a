package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/smithy-go"
	"github.com/spf13/cobra"

	"github.com/keyless-dev/keyless/internal/sandbox"
)

// demoElevationYAML gives John a read-only standing role in prod and
// AdministratorAccess there only by elevation, which Jane approves.
const demoElevationYAML = `permission_sets:
  - {name: AdministratorAccess, managed_policies: [AdministratorAccess]}
assignments:   # John's standing role in prod: read-only
  - {permission_set: ReadOnly, users: [john@example.com], accounts: ["333333333333"]}
elevation:     # AdministratorAccess in prod: held by nobody until an approval
  rules:
    - name: prod-admin
      permission_set: AdministratorAccess
      accounts: ["333333333333"]
      eligible: {users: [john@example.com]}
      approvers: {users: [jane@example.com]}
      max_duration: 2h
`

// demoWriteUser is the IAM user the demo's write makes in prod (and deletes).
const demoWriteUser = "made-by-john"

// demoElevation is no standing admin in prod: AdministratorAccess there
// is an elevation rule, John's ReadOnly session is refused a write by the
// sandbox's IAM evaluation, Jane approves his request, the same write
// works as AdministratorAccess, and revoke ends both the assignment and the
// session already issued for it.
func demoElevation(ctx context.Context, d *demoRun, admin []string, url, startURL string) error {
	done := d.stepf("No standing admin: administrator access to prod only by an elevation that Jane approves")
	f, err := os.OpenFile(filepath.Join(d.dir, "keyless.yaml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(demoElevationYAML)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	d.say("%s", indent(demoElevationYAML))
	out, errOut, err := d.run(ctx, admin, "apply", "-f", "keyless.yaml", "--yes")
	if err != nil {
		return err
	}
	d.say("   $ keyless apply -f keyless.yaml --yes\n   %s", lineWith(errOut+out, "Apply complete"))
	done()

	done = d.stepf("John's standing role in prod is ReadOnly: IAM refuses him a write")
	if _, _, err := d.run(ctx, nil, "profiles", "sync", "--prune"); err != nil {
		return err
	}
	out, _, err = d.run(ctx, nil, "profiles", "list")
	if err != nil {
		return err
	}
	d.say("   $ keyless profiles sync --prune && keyless profiles list\n%s", indent(out))
	ro, err := d.credentials(ctx, url, "ReadOnly-333333333333")
	if err != nil {
		return err
	}
	msg, err := demoRefused(ctx, ro)
	if err != nil {
		return err
	}
	d.say("   iam CreateUser %s as ReadOnly-333333333333 (aws-sdk-go-v2, the credentials keyless gives):\n   %s", demoWriteUser, msg)
	done()

	done = d.stepf("John asks for AdministratorAccess in prod for an hour; Jane signs in and approves")
	reason := "rotate the deploy role's trust policy"
	out, errOut, err = d.run(ctx, nil, "request", "AdministratorAccess@prod", "--for", "1h", "--reason", reason)
	if err != nil {
		return err
	}
	id := strings.TrimSpace(out)
	d.say("   $ keyless request AdministratorAccess@prod --for 1h --reason %q\n   %s\n   %s", reason, id, lineWith(errOut, "Requested"))
	jane := filepath.Join(d.dir, "jane")
	asJane := append(d.browserAs("jane@example.com"), "HOME="+jane, "AWS_CONFIG_FILE="+filepath.Join(jane, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(jane, ".aws", "credentials"))
	if _, _, err := d.run(ctx, asJane, "login", "--start-url", startURL, "--region", "us-east-1"); err != nil {
		return err
	}
	_, errOut, err = d.run(ctx, asJane, "approve", id)
	if err != nil {
		return err
	}
	d.say("   jane$ keyless login --start-url %s && keyless approve %s\n   %s", startURL, id, lineWith(errOut, "Approved:"))
	done()

	done = d.stepf("The same write as AdministratorAccess: allowed while the grant lasts")
	if _, _, err := d.run(ctx, nil, "profiles", "sync"); err != nil {
		return err
	}
	elevated, err := d.credentials(ctx, url, "AdministratorAccess-333333333333")
	if err != nil {
		return err
	}
	arn, err := demoCreateUser(ctx, elevated)
	if err != nil {
		return fmt.Errorf("the approved AdministratorAccess session cannot write: %w", err)
	}
	if _, err := iam.NewFromConfig(elevated).DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String(demoWriteUser)}); err != nil {
		return err
	}
	d.say("   $ keyless profiles sync\n   iam CreateUser %s as AdministratorAccess-333333333333: %s (and DeleteUser: gone again)", demoWriteUser, arn)
	done()

	done = d.stepf("John revokes it when done: the assignment goes, and so does the session issued for it")
	_, errOut, err = d.run(ctx, nil, "revoke", id)
	if err != nil {
		return err
	}
	d.say("   $ keyless revoke %s\n   %s", id, lineWith(errOut, "Revoked"))
	msg, err = demoRefused(ctx, elevated)
	if err != nil {
		return fmt.Errorf("after revoke: %w", err)
	}
	d.say("   the AdministratorAccess session from before the revoke, iam CreateUser:\n   %s", msg)
	if _, _, err := d.run(ctx, nil, "profiles", "sync", "--prune"); err != nil {
		return err
	}
	out, _, err = d.run(ctx, nil, "profiles", "list")
	if err != nil {
		return err
	}
	if strings.Contains(out, "AdministratorAccess") {
		return fmt.Errorf("after revoke the portal still lists AdministratorAccess for John:\n%s", out)
	}
	n, err := demoAssignments(ctx, url, admin, "AdministratorAccess")
	if err != nil {
		return err
	}
	if n != 0 {
		return fmt.Errorf("after revoke AdministratorAccess still has %d assignment(s) in prod", n)
	}
	d.say("   $ keyless profiles sync --prune && keyless profiles list\n%s", indent(out))
	d.say("   sso-admin: AdministratorAccess has 0 account assignments in prod; nobody holds it standing.")
	done()
	return nil
}

// credentials gets profile's role credentials as the SDKs' credential_process would.
func (d *demoRun) credentials(ctx context.Context, url, profile string) (aws.Config, error) {
	out, _, err := d.run(ctx, nil, "credential-process", "--profile", profile)
	if err != nil {
		return aws.Config{}, err
	}
	var c struct{ AccessKeyId, SecretAccessKey, SessionToken string }
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		return aws.Config{}, fmt.Errorf("keyless credential-process --profile %s: %w", profile, err)
	}
	return aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider(c.AccessKeyId, c.SecretAccessKey, c.SessionToken)}, nil
}

func demoCreateUser(ctx context.Context, cfg aws.Config) (string, error) {
	out, err := iam.NewFromConfig(cfg).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(demoWriteUser)})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.User.Arn), nil
}

// demoRefused makes the demo's write and wants it refused: it returns
// AWS's AccessDenied code and message.
func demoRefused(ctx context.Context, cfg aws.Config) (string, error) {
	_, err := demoCreateUser(ctx, cfg)
	var apiErr smithy.APIError
	switch {
	case err == nil:
		return "", fmt.Errorf("iam CreateUser %s was allowed; the session should be refused", demoWriteUser)
	case !errors.As(err, &apiErr) || apiErr.ErrorCode() != "AccessDenied":
		return "", fmt.Errorf("iam CreateUser: want AccessDenied, got %w", err)
	}
	return apiErr.ErrorCode() + ": " + apiErr.ErrorMessage(), nil
}

// demoAssignments counts the account assignments of the permission set
// named set in prod (333333333333), as sso-admin lists them.
func demoAssignments(ctx context.Context, url string, admin []string, set string) (int, error) {
	key, _ := strings.CutPrefix(admin[0], "AWS_ACCESS_KEY_ID=")
	secret, _ := strings.CutPrefix(admin[1], "AWS_SECRET_ACCESS_KEY=")
	c := ssoadmin.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, "")})
	inst, err := c.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	if err != nil || len(inst.Instances) == 0 {
		return 0, fmt.Errorf("sso-admin ListInstances: %v", err)
	}
	instance := inst.Instances[0].InstanceArn
	sets, err := c.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: instance})
	if err != nil {
		return 0, err
	}
	for _, ps := range sets.PermissionSets {
		desc, err := c.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: instance, PermissionSetArn: aws.String(ps)})
		if err != nil {
			return 0, err
		}
		if aws.ToString(desc.PermissionSet.Name) != set {
			continue
		}
		as, err := c.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: instance,
			PermissionSetArn: aws.String(ps), AccountId: aws.String("333333333333")})
		if err != nil {
			return 0, err
		}
		return len(as.AccountAssignments), nil
	}
	return 0, fmt.Errorf("no permission set %s", set)
}

// newDemoBrowserCommand is the demo's browser: a person choosing USER on
// the sandbox's sign-in page at URL ($BROWSER appends the URL).
func newDemoBrowserCommand() *cobra.Command {
	return &cobra.Command{
		Use:    "browser USER URL",
		Hidden: true,
		Args:   cobra.ExactArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			return sandbox.Browse(args[1], args[0])
		},
	}
}
