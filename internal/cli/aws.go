package cli

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/pflag"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
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
	f.StringVar(&o.region, "region", "", "AWS region of Identity Center (default: AWS_REGION, the profile's, or keyless.yaml's region)")
	f.Float64Var(&o.ssoAdminTPS, "sso-admin-tps", 20, "requests/s to sso-admin, all operations together (AWS's quota)")
	f.Float64Var(&o.identityStoreTPS, "identitystore-tps", 20, "requests/s to each identitystore operation (AWS's quota)")
}

// clients loads the AWS configuration and builds rate-limited clients.
// fallbackRegion is used when neither the flag nor the environment names one.
func (o *awsOptions) clients(ctx context.Context, fallbackRegion string) (*ic.Clients, aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if o.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.profile))
	}
	if o.region != "" {
		opts = append(opts, config.WithRegion(o.region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
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
