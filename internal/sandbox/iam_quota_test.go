package sandbox

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// IAM's quota is per account: a burst of IAMTPS passes in each account,
// whoever calls, and the next request in that account gets Throttling
// (HTTP 400) while another account's still pass.
func TestIAMTPSPerAccount(t *testing.T) {
	ctx := context.Background()
	srv, url := startSandbox(t, Options{IAMTPS: 3})
	cfg := sdkConfig(t, url)
	mgmt := iam.NewFromConfig(cfg)
	dev := memberIAM(t, cfg, "222222222222")
	for i := range 3 {
		if _, err := mgmt.ListRoles(ctx, nil); err != nil {
			t.Fatalf("management request %d within the burst: %v", i, err)
		}
	}
	_, err := mgmt.GetAccountSummary(ctx, nil)
	var api smithy.APIError
	var resp *smithyhttp.ResponseError
	if !errors.As(err, &api) || api.ErrorCode() != "Throttling" || api.ErrorMessage() != "Rate exceeded" ||
		!errors.As(err, &resp) || resp.HTTPStatusCode() != 400 {
		t.Fatalf("4th request in the burst of 3: %v, want Throttling: Rate exceeded, HTTP 400", err)
	}
	for i := range 3 {
		if _, err := dev.ListRoles(ctx, nil); err != nil {
			t.Fatalf("another account's request %d: %v", i, err)
		}
	}
	calls := srv.Calls()
	for k, want := range map[string]int64{
		"throttled:iam:111111111111": 1, "throttled:iam:222222222222": 0,
		"account:111111111111:iam": 4, "account:222222222222:iam": 3, "iam:ListRoles": 6,
	} {
		if calls[k] != want {
			t.Errorf("calls[%q] = %d, want %d (all: %v)", k, calls[k], want, calls)
		}
	}
}
