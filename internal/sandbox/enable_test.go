package sandbox

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
)

// TestIdentityCenterNotEnabled: with identity_center: false the account
// has no instance, as before someone enables it in the console; the admin
// endpoint enables it, and everything keyless calls works from then on.
func TestIdentityCenterNotEnabled(t *testing.T) {
	ctx := context.Background()
	off := false
	seed := DefaultSeed()
	seed.IdentityCenter = &off
	_, url := startSandbox(t, Options{Seed: seed})
	cfg := sdkConfig(t, url)
	admin, ids := ssoadmin.NewFromConfig(cfg), identitystore.NewFromConfig(cfg)
	inst, store := aws.String(defaultInstanceARN), aws.String(defaultIdentityStoreID)

	list, err := admin.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	if err != nil || len(list.Instances) != 0 {
		t.Fatalf("ListInstances before enabling = %+v, %v; want none", list, err)
	}
	_, err = admin.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: inst})
	wantCode(t, err, "ResourceNotFoundException")
	_, err = ids.ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: store})
	wantCode(t, err, "ResourceNotFoundException")

	var st IdentityCenterState
	if code := getJSON(t, url+"/_sandbox/identity-center", &st); code != 200 || st.Enabled {
		t.Fatalf("GET identity-center = %d %+v, want disabled", code, st)
	}
	if code := postJSON(t, url+"/_sandbox/identity-center", `{}`, nil); code != 400 {
		t.Fatalf("POST without enabled = %d, want 400", code)
	}
	if code := postJSON(t, url+"/_sandbox/identity-center", `{"enabled": true}`, &st); code != 200 || !st.Enabled || st.InstanceARN != defaultInstanceARN {
		t.Fatalf("POST enabled = %d %+v", code, st)
	}

	list, err = admin.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	if err != nil || len(list.Instances) != 1 || aws.ToString(list.Instances[0].InstanceArn) != defaultInstanceARN {
		t.Fatalf("ListInstances after enabling = %+v, %v", list, err)
	}
	if _, err := admin.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: inst}); err != nil {
		t.Fatalf("ListPermissionSets after enabling: %v", err)
	}
	if _, err := ids.ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: store}); err != nil {
		t.Fatalf("ListUsers after enabling: %v", err)
	}
}

func TestIdentityCenterEnabledByDefault(t *testing.T) {
	_, url := startSandbox(t, Options{})
	var st IdentityCenterState
	if code := getJSON(t, url+"/_sandbox/identity-center", &st); code != 200 || !st.Enabled {
		t.Fatalf("GET identity-center = %d %+v, want enabled", code, st)
	}
	list, err := ssoadmin.NewFromConfig(sdkConfig(t, url)).ListInstances(context.Background(), &ssoadmin.ListInstancesInput{})
	if err != nil || len(list.Instances) != 1 {
		t.Fatalf("ListInstances = %+v, %v", list, err)
	}
}
