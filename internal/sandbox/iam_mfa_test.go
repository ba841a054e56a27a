package sandbox

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// TestSeededMFADevicesAsAWSListsThem: a seeded virtual device is one
// ListVirtualMFADevices lists, assigned to its user, as AWS lists every
// virtual device; a seeded FIDO security key is listed by ListMFADevices
// only, with its u2f ARN. Audits tell hardware from virtual this way.
func TestSeededMFADevicesAsAWSListsThem(t *testing.T) {
	ctx := context.Background()
	seed := DefaultSeed()
	seed.Accounts[0].IAMUsers = append(seed.Accounts[0].IAMUsers,
		SeedIAMUser{Name: "phone", Password: true, MFA: true},
		SeedIAMUser{Name: "safe", Password: true, HardwareMFA: true})
	_, url := startSandbox(t, Options{Seed: seed})
	c := iam.NewFromConfig(sdkConfig(t, url))
	acct := seed.Accounts[0].ID

	serials := func(user string) []string {
		out := must(c.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String(user)}))(t)
		var s []string
		for _, d := range out.MFADevices {
			s = append(s, aws.ToString(d.SerialNumber))
		}
		return s
	}
	phone, safe := serials("phone"), serials("safe")
	if len(phone) != 1 || phone[0] != "arn:aws:iam::"+acct+":mfa/phone" {
		t.Errorf("ListMFADevices phone = %v", phone)
	}
	if len(safe) != 1 || !strings.HasPrefix(safe[0], "arn:aws:iam::"+acct+":u2f/user/safe/fidosecuritykey-") {
		t.Errorf("ListMFADevices safe = %v, want a FIDO security key's ARN", safe)
	}

	virt := must(c.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{AssignmentStatus: iamtypes.AssignmentStatusTypeAssigned}))(t)
	var listed []string
	for _, d := range virt.VirtualMFADevices {
		listed = append(listed, aws.ToString(d.SerialNumber))
		if aws.ToString(d.SerialNumber) == phone[0] && (d.User == nil || aws.ToString(d.User.UserName) != "phone" || d.EnableDate == nil) {
			t.Errorf("ListVirtualMFADevices: %s has user %+v, enabled %v; want phone's", phone[0], d.User, d.EnableDate)
		}
	}
	if !slices.Contains(listed, phone[0]) || slices.Contains(listed, safe[0]) {
		t.Errorf("ListVirtualMFADevices = %v, want %s and not %s", listed, phone[0], safe[0])
	}

	// The seeded virtual device goes as one made through the API does.
	must(c.DeactivateMFADevice(ctx, &iam.DeactivateMFADeviceInput{UserName: aws.String("phone"), SerialNumber: aws.String(phone[0])}))(t)
	must(c.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(phone[0])}))(t)
	must(c.DeactivateMFADevice(ctx, &iam.DeactivateMFADeviceInput{UserName: aws.String("safe"), SerialNumber: aws.String(safe[0])}))(t)
	if s := serials("safe"); len(s) != 0 {
		t.Errorf("after deactivating, safe has %v", s)
	}
}
