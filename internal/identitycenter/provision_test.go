package identitycenter

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"

	"github.com/keyless-dev/keyless/internal/sandbox"
)

// An update that was never provisioned (an apply stopped in between, or an
// edit in the console) is read as outdated where the set is provisioned,
// and a provision change makes it current.
func TestOutdatedProvisioningIsReadAndProvisioned(t *testing.T) {
	c, rec, _ := sandboxClients(t, sandbox.Options{Seed: seededWorld()}, fastLimits())
	ctx := context.Background()
	if _, err := applier(c).Apply(ctx, mustRead(t, c), creates()); err != nil {
		t.Fatal(err)
	}
	st := mustRead(t, c)
	for _, ps := range st.PermissionSets {
		if len(ps.Outdated) > 0 {
			t.Fatalf("%s outdated right after apply: %v", ps.Name, ps.Outdated)
		}
	}
	admin := find(t, st.PermissionSets, func(p PermissionSet) bool { return p.Name == "Admin" })
	if _, err := c.SSOAdmin.UpdatePermissionSet(ctx, &ssoadmin.UpdatePermissionSetInput{InstanceArn: aws.String(st.InstanceARN),
		PermissionSetArn: aws.String(admin.ARN), SessionDuration: aws.String("PT8H")}); err != nil {
		t.Fatal(err)
	}

	st = mustRead(t, c)
	admin = find(t, st.PermissionSets, func(p PermissionSet) bool { return p.Name == "Admin" })
	if want := []string{"222222222222", "333333333333"}; !slices.Equal(admin.Outdated, want) {
		t.Fatalf("Admin outdated in %v, want %v", admin.Outdated, want)
	}
	if ro := find(t, st.PermissionSets, func(p PermissionSet) bool { return p.Name == "ReadOnly" }); len(ro.Outdated) > 0 {
		t.Errorf("ReadOnly outdated in %v, but it did not change", ro.Outdated)
	}

	res, err := applier(c).Apply(ctx, st, []Change{{Op: Provision, Kind: KindPermissionSet, Name: "Admin", HavePermissionSet: admin, Outdated: admin.Outdated}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Provisioned != 1 || res.Created+res.Updated+res.Deleted != 0 {
		t.Errorf("result %+v, want 1 provisioned and nothing else", res)
	}
	if n := rec.callCount("SWBExternalService.ProvisionPermissionSet"); n != 1 {
		t.Errorf("ProvisionPermissionSet called %d times, want 1", n)
	}
	if admin := find(t, mustRead(t, c).PermissionSets, func(p PermissionSet) bool { return p.Name == "Admin" }); len(admin.Outdated) > 0 {
		t.Errorf("Admin still outdated in %v after provisioning", admin.Outdated)
	}
}

// A description alone is an update of the permission set too, which AWS
// then counts as not provisioned: apply provisions after it.
func TestDescriptionUpdateIsProvisioned(t *testing.T) {
	c, _, _ := sandboxClients(t, sandbox.Options{Seed: seededWorld()}, fastLimits())
	ctx := context.Background()
	if _, err := applier(c).Apply(ctx, mustRead(t, c), creates()); err != nil {
		t.Fatal(err)
	}
	st := mustRead(t, c)
	ro := find(t, st.PermissionSets, func(p PermissionSet) bool { return p.Name == "ReadOnly" })
	want := *ro
	want.Description = "Read everything"
	if _, err := applier(c).Apply(ctx, st, []Change{{Op: Update, Kind: KindPermissionSet, Name: "ReadOnly", HavePermissionSet: ro, WantPermissionSet: &want}}); err != nil {
		t.Fatal(err)
	}
	if ro := find(t, mustRead(t, c).PermissionSets, func(p PermissionSet) bool { return p.Name == "ReadOnly" }); ro.Description != "Read everything [keyless]" || len(ro.Outdated) > 0 {
		t.Errorf("after a description update: %q, outdated in %v", ro.Description, ro.Outdated)
	}
}
