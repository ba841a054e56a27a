package cli

import (
	"cmp"
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/logging"
	"github.com/spf13/pflag"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
	"github.com/keyless-dev/keyless/internal/usage"
)

// awsOptions are the flags of commands that call AWS.
type awsOptions struct {
	profile          string
	region           string
	ssoAdminTPS      float64
	identityStoreTPS float64
}

func (o *awsOptions) addFlags(f *pflag.FlagSet) {
	f.StringVar(&o.profile, "profile", "", "AWS profile to use (default: AWS_PROFILE or the default chain)")
	f.StringVar(&o.region, "region", "", "AWS region of Identity Center (default: keyless.yaml's region, then AWS_REGION, then the profile's)")
	f.Float64Var(&o.ssoAdminTPS, "sso-admin-tps", 20, "requests/s to sso-admin, all operations together (AWS's quota)")
	f.Float64Var(&o.identityStoreTPS, "identitystore-tps", 20, "requests/s to each identitystore operation (AWS's quota)")
}

// clients loads the AWS configuration and builds rate-limited clients.
// The region is, first to last: --region, fileRegion (keyless.yaml's
// region:, where the Identity Center instance lives), the SDK's own
// (AWS_REGION, AWS_DEFAULT_REGION, the profile's region), fallbackRegion.
func (o *awsOptions) clients(ctx context.Context, fileRegion, fallbackRegion string) (*ic.Clients, aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if o.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.profile))
	}
	if region := cmp.Or(o.region, fileRegion); region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := loadAWSConfig(ctx, opts...)
	if err != nil {
		return nil, aws.Config{}, withHint(fmt.Errorf("load AWS configuration: %w", err), "check --profile and ~/.aws/config")
	}
	if cfg.Region == "" {
		cfg.Region = fallbackRegion
	}
	if cfg.Region == "" {
		return nil, aws.Config{}, usageErrorf("no AWS region\nhint: pass --region, set AWS_REGION, or set region: in keyless.yaml")
	}
	if o.ssoAdminTPS <= 0 || o.identityStoreTPS <= 0 {
		return nil, aws.Config{}, usageErrorf("--sso-admin-tps and --identitystore-tps must be positive")
	}
	l := ic.DefaultLimits()
	l.SSOAdmin, l.IdentityStore = o.ssoAdminTPS, o.identityStoreTPS
	return ic.NewClients(cfg, l), cfg, nil
}

// loadAWSConfig is config.LoadDefaultConfig, except that the endpoint
// override (AWS_ENDPOINT_URL, a profile's endpoint_url) also reaches the
// clients the SDK builds to get credentials: the SSO portal and OIDC calls
// of an SSO profile, and the STS calls of role_arn and web identity
// profiles. The SDK resolves the override only after the credentials, so
// without this a profile exported for real work sends those calls to AWS
// while everything else goes to the sandbox. The AWS CLI sends them to the
// override. A service's own variable (AWS_ENDPOINT_URL_STS) still wins.
func loadAWSConfig(ctx context.Context, opts ...func(*config.LoadOptions) error) (aws.Config, error) {
	// The clients are built during the load, but call AWS only once
	// credentials are asked for, after the load has resolved the endpoint.
	base := new(*string)
	opts = append(withSDKLogger(ctx), opts...)
	opts = append(opts,
		config.WithSSOProviderOptions(func(o *ssocreds.Options) { o.Client = portalAt{o.Client, base} }),
		config.WithSSOTokenProviderOptions(func(o *ssocreds.SSOTokenProviderOptions) {
			o.ClientOptions = append(o.ClientOptions, func(so *ssooidc.Options) { so.BaseEndpoint = cmp.Or(so.BaseEndpoint, *base) })
		}),
		config.WithAssumeRoleCredentialOptions(func(o *stscreds.AssumeRoleOptions) { o.Client = assumeRoleAt{o.Client, base} }),
		// The SDK applies these options twice, first with no client (it
		// then makes one unless the options did) and again with the
		// client: wrap a client, and only once.
		config.WithWebIdentityRoleCredentialOptions(func(o *stscreds.WebIdentityRoleOptions) {
			if _, wrapped := o.Client.(webIdentityAt); o.Client != nil && !wrapped {
				o.Client = webIdentityAt{o.Client, base}
			}
		}),
	)
	// The user agent's app/keyless tells keyless's own calls apart in
	// CloudTrail, where the import and the audit classify a key by them.
	appID := usage.AppID
	if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
		appID = usage.CIAppID
	}
	opts = append(opts, config.WithAppID(appID))
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, err
	}
	*base = cfg.BaseEndpoint
	return cfg, nil
}

// LoadAWSConfig is loadAWSConfig for programs outside this package: the
// end-to-end scripts' awsgo, a pipeline written with aws-sdk-go-v2 whose
// web identity call must reach the sandbox like everything else.
func LoadAWSConfig(ctx context.Context) (aws.Config, error) { return loadAWSConfig(ctx) }

// portalAt, assumeRoleAt and webIdentityAt send a credential provider's
// calls to *base when the client has no endpoint of its own.
type portalAt struct {
	ssocreds.GetRoleCredentialsAPIClient
	base **string
}

func (c portalAt) GetRoleCredentials(ctx context.Context, in *sso.GetRoleCredentialsInput, optFns ...func(*sso.Options)) (*sso.GetRoleCredentialsOutput, error) {
	return c.GetRoleCredentialsAPIClient.GetRoleCredentials(ctx, in, append(optFns, func(o *sso.Options) { o.BaseEndpoint = cmp.Or(o.BaseEndpoint, *c.base) })...)
}

type assumeRoleAt struct {
	stscreds.AssumeRoleAPIClient
	base **string
}

func (c assumeRoleAt) AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	return c.AssumeRoleAPIClient.AssumeRole(ctx, in, append(optFns, func(o *sts.Options) { o.BaseEndpoint = cmp.Or(o.BaseEndpoint, *c.base) })...)
}

type webIdentityAt struct {
	stscreds.AssumeRoleWithWebIdentityAPIClient
	base **string
}

func (c webIdentityAt) AssumeRoleWithWebIdentity(ctx context.Context, in *sts.AssumeRoleWithWebIdentityInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleWithWebIdentityOutput, error) {
	return c.AssumeRoleWithWebIdentityAPIClient.AssumeRoleWithWebIdentity(ctx, in, append(optFns, func(o *sts.Options) { o.BaseEndpoint = cmp.Or(o.BaseEndpoint, *c.base) })...)
}

// sdkLogger sends the SDK's own log lines (a retry, a response body it
// could not drain) to keyless's --debug log: on stderr, where the SDK's
// default logger writes them, they are noise in a command's output that
// the person can do nothing about. Formatting happens only when the SDK
// logs, which a successful call does not.
type sdkLogger struct{ g *globalOptions }

func (l sdkLogger) Logf(c logging.Classification, format string, v ...any) {
	l.g.Log().Debug(fmt.Sprintf(format, v...), "from", "aws-sdk-go-v2", "sdk_level", string(c))
}

// sdkLoggerKey holds Main's sdkLogger in the command's context.
type sdkLoggerKey struct{}

// withSDKLogger is the load option that installs Main's sdkLogger; none
// outside Main (the SDK's default then applies). Callers' own options come
// after it, so they win.
func withSDKLogger(ctx context.Context) []func(*config.LoadOptions) error {
	if l, ok := ctx.Value(sdkLoggerKey{}).(sdkLogger); ok {
		return []func(*config.LoadOptions) error{config.WithLogger(l)}
	}
	return nil
}
