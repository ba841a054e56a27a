package cleanup

import (
	"strings"

	"github.com/keyless-dev/keyless/internal/awsconfig"
)

// Chain is what the caller's own credentials stand on, as the AWS SDK
// resolves them: the long-lived access keys signing somewhere in the chain
// (a role_arn profile's source_profile, its source_profile, ... down to
// static keys), each with why it is the caller's, and the links keyless
// cannot see through (credential_process, instance metadata).
type Chain struct {
	// Keys maps an access key id to why the caller depends on it.
	Keys map[string]string
	// Opaque says, per link, why keyless cannot tell which key it uses.
	Opaque []string
}

// ChainInput is where the SDK looks for credentials.
type ChainInput struct {
	// Profile is --profile ("" when not given).
	Profile string
	// Config and Credentials are ~/.aws/config and ~/.aws/credentials.
	Config, Credentials *awsconfig.File
	Getenv              func(string) string
}

// maxChain bounds a source_profile chain; the SDK refuses loops too.
const maxChain = 10

// ResolveChain follows the caller's credentials the way aws-sdk-go-v2
// does: a profile given on the command line first, else keys in the
// environment, else AWS_PROFILE (or default), then role_arn's
// source_profile (or credential_source = Environment) to the static keys.
func ResolveChain(in ChainInput) Chain {
	c := Chain{Keys: map[string]string{}}
	envKey := strings.TrimSpace(in.Getenv("AWS_ACCESS_KEY_ID"))
	if in.Profile == "" && envKey != "" {
		c.Keys[envKey] = "it is the access key these credentials use (AWS_ACCESS_KEY_ID): deactivating it would lock you out"
		return c
	}
	profile := in.Profile
	if profile == "" {
		profile = strings.TrimSpace(in.Getenv("AWS_PROFILE"))
	}
	if profile == "" {
		profile = "default"
	}
	first := profile
	seen := map[string]bool{}
	for depth := 0; depth < maxChain && !seen[profile]; depth++ {
		seen[profile] = true
		get := func(name string) string {
			if s, ok := in.Credentials.Section(profile); ok {
				if v, ok := s.Get(name); ok {
					return strings.TrimSpace(v)
				}
			}
			if s, ok := in.Config.Profile(profile); ok {
				if v, ok := s.Get(name); ok {
					return strings.TrimSpace(v)
				}
			}
			return ""
		}
		via := "profile " + profile
		if profile != first {
			via += " (the source_profile under profile " + first + ")"
		}
		why := via + " signs with it: deactivating it would lock you out"
		keyID, source := get("aws_access_key_id"), get("source_profile")
		switch {
		case source != "" && get("role_arn") != "":
			if source == profile {
				// A profile that is its own source signs with its own keys.
				if keyID != "" {
					c.Keys[keyID] = why
				}
				return c
			}
			profile = source
			continue
		case keyID != "":
			c.Keys[keyID] = why
		case get("credential_source") == "Environment" && envKey != "":
			c.Keys[envKey] = via + " takes its source credentials from AWS_ACCESS_KEY_ID: deactivating it would lock you out"
		case get("credential_source") != "":
			c.Opaque = append(c.Opaque, via+" gets its source credentials from "+get("credential_source")+", which keyless cannot read")
		case get("credential_process") != "":
			c.Opaque = append(c.Opaque, via+" runs credential_process; keyless cannot tell which access key it returns")
		}
		return c
	}
	return c
}
