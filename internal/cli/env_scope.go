package cli

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"

	"github.com/keyless-dev/keyless/internal/awsconfig"
	"github.com/keyless-dev/keyless/internal/scoped"
	"github.com/keyless-dev/keyless/internal/signin"
)

// narrowOptions are env's --scope, --ttl and --role-arn.
type narrowOptions struct {
	scope   []string
	ttl     time.Duration
	roleARN string

	on     bool
	policy string
}

func (o *narrowOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringArrayVar(&o.scope, "scope", nil, "narrow the credentials to `SCOPE`: actions and resource ARNs, comma-separated (s3:GetObject,arn:aws:s3:::logs/*), or file://POLICY.json")
	f.DurationVar(&o.ttl, "ttl", 0, "with --scope, how long the credentials last: `DURATION` from 15m to 1h (default 15m)")
	f.StringVar(&o.roleARN, "role-arn", "", "the role to assume for --scope (`ARN`; default: the profile's "+scoped.RoleKey+")")
}

// check validates the flags before any credentials are fetched.
func (o *narrowOptions) check(cmd *cobra.Command) error {
	f := cmd.Flags()
	o.on = f.Changed("scope") || f.Changed("ttl") || f.Changed("role-arn")
	if !o.on {
		return nil
	}
	if len(o.scope) == 0 {
		return usageErrorf("--ttl and --role-arn go with --scope: say what the credentials may do (--scope s3:GetObject,s3:ListBucket)")
	}
	if !f.Changed("ttl") {
		o.ttl = scoped.MinTTL
	}
	if err := scoped.CheckTTL(o.ttl); err != nil {
		return usageErrorf("%v", err)
	}
	if o.roleARN != "" {
		if err := scoped.CheckRole(o.roleARN); err != nil {
			return usageErrorf("--role-arn: %v", err)
		}
	}
	p, err := scoped.Policy("--scope", o.scope)
	if err != nil {
		return usageErrorf("%v", err)
	}
	o.policy = p
	return nil
}

// assume trades the profile's role credentials for scoped ones.
func (o *narrowOptions) assume(ctx context.Context, g *globalOptions, profile, region string, c signin.Credentials) (signin.Credentials, error) {
	role := o.roleARN
	if role == "" {
		path := awsconfig.ConfigPath()
		f, err := awsconfig.Load(path)
		if err != nil {
			return c, err
		}
		sec, ok := f.Profile(profile)
		if ok {
			role, _ = sec.Get(scoped.RoleKey)
		}
		if role == "" {
			return c, withHint(fmt.Errorf("--scope needs a role to assume: profile %s has no %s, and no --role-arn was given", profile, scoped.RoleKey),
				fmt.Sprintf("create a role whose trust allows the permission set's role (docs/scoped-credentials.md), then add `%s = ARN` to [profile %s] in %s", scoped.RoleKey, profile, path))
		}
		if err := scoped.CheckRole(role); err != nil {
			return c, fmt.Errorf("%s:%d: %s: %v", path, sec.KeyLine(scoped.RoleKey), scoped.RoleKey, err)
		}
	}
	cfg, err := loadAWSConfig(ctx, config.WithRegion(region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)))
	if err != nil {
		return c, fmt.Errorf("load AWS SDK configuration: %w", err)
	}
	out, err := scoped.Assume(ctx, sts.NewFromConfig(cfg), scoped.Request{
		RoleARN: role, SessionName: sessionName(profile), Policy: o.policy, TTL: o.ttl,
	})
	if err != nil {
		return c, err
	}
	fmt.Fprintf(g.streams.Err, "Scoped credentials as %s, until %s: %s\n", out.AssumedRoleARN, out.Expiration.Format(time.RFC3339), strings.Join(o.scope, " "))
	return signin.Credentials{AccessKeyID: out.AccessKeyID, SecretAccessKey: out.SecretAccessKey, SessionToken: out.SessionToken, Expiration: out.Expiration}, nil
}

// sessionName is the role session's name: keyless-scoped-PROFILE, in
// AssumeRole's [\w+=,.@-]{2,64}, so CloudTrail tells these calls apart.
func sessionName(profile string) string {
	name := "keyless-scoped-" + regexp.MustCompile(`[^\w+=,.@-]`).ReplaceAllString(profile, "-")
	return name[:min(len(name), 64)]
}
