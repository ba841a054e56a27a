package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/keyless-dev/keyless/internal/awsconfig"
	"github.com/keyless-dev/keyless/internal/elevation"
)

// elevOptions are the flags every elevation command shares.
type elevOptions struct {
	profile string
	region  string
	poll    time.Duration
}

func (o *elevOptions) addFlags(f *pflag.FlagSet) {
	f.StringVar(&o.profile, "profile", "", "the `PROFILE` of your "+elevation.PermissionSetName+" role (default: the one profile in ~/.aws/config with sso_role_name = "+elevation.PermissionSetName+")")
	f.StringVar(&o.region, "region", "", "`REGION` of the elevation table (default: the profile's)")
	f.DurationVar(&o.poll, "poll", 250*time.Millisecond, "how often to ask whether AWS has acted on a decision")
	_ = f.MarkHidden("poll")
}

// elevationProfile is the profile to use: --profile, else the one SSO
// profile whose role is KeylessElevation.
func elevationProfile(name string) (string, error) {
	if name != "" {
		return name, nil
	}
	path := awsconfig.ConfigPath()
	f, err := awsconfig.Load(path)
	if err != nil {
		return "", err
	}
	var found []string
	for _, p := range ssoProfiles(f) {
		if p.RoleName == elevation.PermissionSetName {
			found = append(found, p.Profile)
		}
	}
	switch len(found) {
	case 0:
		return "", withHint(fmt.Errorf("no profile in %s has sso_role_name = %s, the role elevation commands use", path, elevation.PermissionSetName),
			"run 'keyless profiles sync' (after 'keyless login'); if it writes none, you are not assigned "+elevation.PermissionSetName+": ask who runs keyless apply")
	case 1:
		return found[0], nil
	}
	return "", usageErrorf("several profiles have sso_role_name = %s: %s\nhint: choose one with --profile", elevation.PermissionSetName, strings.Join(found, ", "))
}

// elevationClient opens the elevation table as the person, with their
// KeylessElevation session.
func elevationClient(ctx context.Context, g *globalOptions, o *elevOptions) (*elevation.Client, error) {
	profile, err := elevationProfile(o.profile)
	if err != nil {
		return nil, err
	}
	c, region, err := roleCredentials(ctx, g, profile, true)
	if err != nil {
		return nil, err
	}
	if o.region != "" {
		region = o.region
	}
	cfg, err := loadAWSConfig(ctx, config.WithRegion(region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)))
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	cl, err := elevation.Open(ctx, cfg)
	switch {
	case errors.Is(err, elevation.ErrNoCatalog):
		return nil, withHint(fmt.Errorf("profile %s (region %s): %w", profile, cfg.Region, err), "an administrator runs keyless apply with an elevation: section in keyless.yaml")
	case errors.Is(err, elevation.ErrNotElevationSession):
		return nil, withHint(fmt.Errorf("profile %s: %w", profile, err), "choose the profile of "+elevation.PermissionSetName+" in the elevation home account with --profile")
	case errors.Is(err, elevation.ErrTableDenied) && strings.Contains(err.Error(), "with an explicit deny"):
		// What keyless denies explicitly is the sessions issued before a
		// cut: these credentials stay refused, so the cache must not hand
		// them out again.
		hint := "this " + elevation.PermissionSetName + " session was cut (keyless refuses the sessions issued before a revoke, the end of a grant or an offboarding); "
		if ferr := forgetProfileCredentials(ctx, g, profile); ferr != nil {
			hint += fmt.Sprintf("its cached credentials could not be removed (%v): remove them, then run", ferr)
		} else {
			hint += "its cached credentials are removed: run"
		}
		hint += " the command again for a new session (after 'keyless login' if your sign-in has expired); if that is refused too, you were offboarded or lost " + elevation.PermissionSetName + ": ask who runs keyless apply"
		return nil, withHint(fmt.Errorf("profile %s: %w", profile, err), hint)
	case errors.Is(err, elevation.ErrTableDenied):
		return nil, withHint(fmt.Errorf("profile %s: %w", profile, err),
			"your "+elevation.PermissionSetName+" role may not read the elevation table: an apply changed or removed it, or elevation: left keyless.yaml; run 'keyless profiles sync --prune', and if the profile stays and this repeats, ask who runs keyless apply")
	case err != nil:
		return nil, fmt.Errorf("profile %s: %w", profile, err)
	}
	cl.Poll = o.poll
	if url := cl.Catalog.Webhook; url != "" {
		w := &elevation.Webhook{URL: url, Log: g.Log()}
		cl.Notify = w.Post
	}
	return cl, nil
}

// forgetProfileCredentials removes the role credentials cached for an SSO
// profile.
func forgetProfileCredentials(ctx context.Context, g *globalOptions, profile string) error {
	e, err := newSigninEnv(g)
	if err != nil {
		return err
	}
	f, err := e.loadConfig()
	if err != nil {
		return err
	}
	r, _, err := e.role(f, profile)
	if err != nil {
		return err
	}
	_, err = e.m.ForgetCredentials(ctx, r, time.Time{})
	return err
}

// elevationError names the flag of a request the rules refuse.
func elevationError(err error) error {
	var ie *elevation.InputError
	if !errors.As(err, &ie) {
		return err
	}
	flag := map[string]string{"set": "SET@ACCOUNT", "account": "SET@ACCOUNT", "rule": "--rule", "duration": "--for",
		"reason": "--reason", "ticket": "--ticket", "id": "ID"}[ie.Field]
	hint := "keyless request with no arguments, on a terminal, offers what you may request; keyless requests --rules lists it"
	switch ie.Field {
	case "id":
		hint = "keyless requests lists the requests and their ids"
	case "duration":
		hint = "--for takes a duration from 1m to the rule's maximum, e.g. 30m or 2h; keyless requests --rules lists each rule's maximum under AT MOST"
	case "reason":
		hint = "say why with --reason TEXT: one line, without |, that approvers see"
	case "ticket":
		hint = "give the reference with --ticket TICKET, e.g. OPS-123; keyless requests --rules lists what each rule needs"
	case "rule":
		hint = "keyless requests --rules lists each rule with the sets and accounts it offers and what it needs"
	}
	return usageErrorf("%s: %s\nhint: %s", flag, ie.Msg, hint)
}

// oneID takes a command's one request id, naming it when missing.
func oneID(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return usageErrorf("%s takes one request ID (keyless requests lists them), got %d arguments\nhint: usage: %s", cmd.Name(), len(args), cmd.UseLine())
	}
	return nil
}
