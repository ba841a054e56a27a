package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"
)

// TestSDKLogsGoToDebug: what the SDK logs by itself (here a warning, as it
// gives when it cannot drain a response body) reaches stderr only with
// --debug, through keyless's log, from both of keyless's SDK loaders.
func TestSDKLogsGoToDebug(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_PROFILE", "")
	loaders := map[string]func(ctx context.Context) (aws.Config, error){
		"loadAWSConfig": func(ctx context.Context) (aws.Config, error) {
			return loadAWSConfig(ctx, config.WithRegion("us-east-1"))
		},
		"sdkConfig": func(ctx context.Context) (aws.Config, error) { return sdkConfig(ctx, "us-east-1") },
	}
	for name, load := range loaders {
		for _, debug := range []bool{false, true} {
			var errb bytes.Buffer
			g := &globalOptions{streams: Streams{Err: &errb}, debug: debug}
			cfg, err := load(context.WithValue(context.Background(), sdkLoggerKey{}, sdkLogger{g}))
			if err != nil {
				t.Fatal(err)
			}
			cfg.Logger.Logf(logging.Warn, "failed to discard remaining HTTP response body, %s", "read tcp: use of closed network connection")
			got := errb.String()
			if debug != strings.Contains(got, "failed to discard remaining HTTP response body") {
				t.Errorf("%s, --debug=%v: stderr = %q", name, debug, got)
			}
			if debug && !strings.Contains(got, "aws-sdk-go-v2") {
				t.Errorf("%s: the debug line does not say it comes from the SDK: %q", name, got)
			}
		}
	}
}
