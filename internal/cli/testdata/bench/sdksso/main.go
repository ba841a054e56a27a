// Command sdksso is the cold credential-process comparator: aws-sdk-go-v2's
// own SSO credential provider, which aws-vault and Granted both use on this
// path (config.LoadDefaultConfig with the SSO profile, ssocreds with the
// cached SSO token, sso:GetRoleCredentials), printing credential_process
// JSON. It keeps no role credentials cache, so every run is cold.
//
//	sdksso PROFILE
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: sdksso PROFILE")
		os.Exit(64)
	}
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithSharedConfigProfile(os.Args[1]))
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdksso:", err)
		os.Exit(1)
	}
	c, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdksso:", err)
		os.Exit(1)
	}
	_ = json.NewEncoder(os.Stdout).Encode(struct {
		Version         int
		AccessKeyID     string `json:"AccessKeyId"`
		SecretAccessKey string
		SessionToken    string
		Expiration      string
	}{1, c.AccessKeyID, c.SecretAccessKey, c.SessionToken, c.Expires.UTC().Format(time.RFC3339)})
}
