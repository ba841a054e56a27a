package sandbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/binary"
	"encoding/csv"
	"encoding/pem"
	"math/big"
	neturl "net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`

// iamClient is an IAM client for a conformance target. Against moto it
// opens a connection per request: moto's server now and then closes a kept-alive
// connection while the SDK reads the reply ("use of closed network connection").
func iamClient(tg *target) *iam.Client { return iam.NewFromConfig(tg.cfg) }

// must turns a call's (out, err) into out, failing the test on err:
// must(c.GetUser(ctx, in))(t).
func must[T any](out T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
}

// isRootDevice tells the root user's virtual MFA device.
func isRootDevice(d iamtypes.VirtualMFADevice) bool {
	return d.User != nil && strings.HasSuffix(aws.ToString(d.User.Arn), ":root")
}

func createIAMUser(t *testing.T, c *iam.Client, name string) *iamtypes.User {
	t.Helper()
	return must(c.CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String(name)}))(t).User
}

// testCertPEM is a fresh self-signed certificate, as UploadSigningCertificate wants.
func testCertPEM(t *testing.T) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "keyless test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// testSSHKey is a fresh "ssh-rsa AAAA..." public key line.
func testSSHKey(t *testing.T) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	var blob bytes.Buffer
	put := func(b []byte) {
		_ = binary.Write(&blob, binary.BigEndian, uint32(len(b)))
		blob.Write(b)
	}
	mpint := func(n *big.Int) []byte {
		b := n.Bytes()
		if len(b) > 0 && b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	put([]byte("ssh-rsa"))
	put(mpint(big.NewInt(int64(key.PublicKey.E))))
	put(mpint(key.PublicKey.N))
	return "ssh-rsa " + base64.StdEncoding.EncodeToString(blob.Bytes()) + " test@keyless"
}

func TestConformanceIAMUsers(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		c := iamClient(tg)

		u := must(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice"), Path: aws.String("/eng/"),
			Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("a")}}}))(t).User
		if aws.ToString(u.Path) != "/eng/" || !strings.HasSuffix(aws.ToString(u.Arn), ":user/eng/alice") || u.CreateDate == nil {
			t.Fatalf("CreateUser = %+v", u)
		}
		// moto differs from AWS: user ids are random lower-case strings, not AIDA....
		if !tg.moto && !regexp.MustCompile(`^AIDA[A-Z2-7]{17}$`).MatchString(aws.ToString(u.UserId)) {
			t.Fatalf("UserId = %q, want AIDA and 17 of A-Z2-7", aws.ToString(u.UserId))
		}
		_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")})
		wantCode(t, err, "EntityAlreadyExists")
		if !tg.moto {
			// moto differs from AWS: it accepts any user name.
			_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bad name!")})
			wantCode(t, err, "ValidationError")
		}

		got := must(c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")}))(t).User
		if aws.ToString(got.Arn) != aws.ToString(u.Arn) || len(got.Tags) != 1 || aws.ToString(got.Tags[0].Value) != "a" {
			t.Fatalf("GetUser = %+v", got)
		}
		_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("nobody")})
		wantCode(t, err, "NoSuchEntity")

		for _, n := range []string{"bob", "carol"} {
			createIAMUser(t, c, n)
		}
		var names []string
		pages := 0
		p := iam.NewListUsersPaginator(c, &iam.ListUsersInput{MaxItems: aws.Int32(1)})
		for p.HasMorePages() {
			out := must(p.NextPage(ctx))(t)
			pages++
			for _, u := range out.Users {
				names = append(names, aws.ToString(u.UserName))
			}
		}
		slices.Sort(names)
		wantPages := 3
		if tg.moto {
			// moto differs from AWS: ListUsers ignores MaxItems and returns one page.
			wantPages = 1
		}
		if !slices.Equal(names, []string{"alice", "bob", "carol"}) || pages != wantPages {
			t.Fatalf("paged users %v in %d pages", names, pages)
		}
		eng := must(c.ListUsers(ctx, &iam.ListUsersInput{PathPrefix: aws.String("/eng/")}))(t)
		if len(eng.Users) != 1 || aws.ToString(eng.Users[0].UserName) != "alice" || eng.IsTruncated {
			t.Fatalf("ListUsers /eng/ = %+v", eng.Users)
		}
		if !tg.moto {
			// moto differs from AWS: it parses the marker as a number and fails with HTTP 500.
			_, err = c.ListUsers(ctx, &iam.ListUsersInput{Marker: aws.String("garbage")})
			wantCode(t, err, "ValidationError")
		}

		// Tags.
		must(c.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("alice"), Tags: []iamtypes.Tag{
			{Key: aws.String("team"), Value: aws.String("b")}, {Key: aws.String("cost"), Value: aws.String("1")}}}))(t)
		tags := must(c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String("alice")}))(t).Tags
		tm := map[string]string{}
		for _, tag := range tags {
			tm[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
		}
		if len(tm) != 2 || tm["team"] != "b" || tm["cost"] != "1" {
			t.Fatalf("tags after TagUser = %v", tm)
		}
		must(c.UntagUser(ctx, &iam.UntagUserInput{UserName: aws.String("alice"), TagKeys: []string{"team"}}))(t)
		tags = must(c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String("alice")}))(t).Tags
		if len(tags) != 1 || aws.ToString(tags[0].Key) != "cost" {
			t.Fatalf("tags after UntagUser = %+v", tags)
		}

		// Rename and move.
		must(c.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("bob"), NewUserName: aws.String("robert"), NewPath: aws.String("/ops/")}))(t)
		_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("bob")})
		wantCode(t, err, "NoSuchEntity")
		r := must(c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("robert")}))(t).User
		if aws.ToString(r.Path) != "/ops/" || !strings.HasSuffix(aws.ToString(r.Arn), ":user/ops/robert") {
			t.Fatalf("renamed user = %+v", r)
		}
		if !tg.moto {
			// moto differs from AWS: it renames a user onto an existing user's name.
			_, err = c.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("robert"), NewUserName: aws.String("carol")})
			wantCode(t, err, "EntityAlreadyExists")
		}

		must(c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("robert")}))(t)
		_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("robert")})
		wantCode(t, err, "NoSuchEntity")
	})
}

var accessKeyShape = regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`)

func TestConformanceIAMAccessKeys(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		c := iamClient(tg)
		createIAMUser(t, c, "keys")
		user := aws.String("keys")

		var ids []string
		for range 2 {
			k := must(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: user}))(t).AccessKey
			if !accessKeyShape.MatchString(aws.ToString(k.AccessKeyId)) || len(aws.ToString(k.SecretAccessKey)) != 40 ||
				k.Status != iamtypes.StatusTypeActive || aws.ToString(k.UserName) != "keys" {
				t.Fatalf("CreateAccessKey = %+v", k)
			}
			ids = append(ids, aws.ToString(k.AccessKeyId))
		}
		_, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: user})
		wantCode(t, err, "LimitExceeded")

		list := must(c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: user}))(t).AccessKeyMetadata
		if len(list) != 2 || !slices.Contains(ids, aws.ToString(list[0].AccessKeyId)) || list[0].CreateDate == nil {
			t.Fatalf("ListAccessKeys = %+v", list)
		}

		must(c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: user, AccessKeyId: aws.String(ids[0]), Status: iamtypes.StatusTypeInactive}))(t)
		list = must(c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: user}))(t).AccessKeyMetadata
		for _, k := range list {
			want := iamtypes.StatusTypeActive
			if aws.ToString(k.AccessKeyId) == ids[0] {
				want = iamtypes.StatusTypeInactive
			}
			if k.Status != want {
				t.Fatalf("key %s status %s, want %s", aws.ToString(k.AccessKeyId), k.Status, want)
			}
		}

		lu := must(c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(ids[1])}))(t)
		if aws.ToString(lu.UserName) != "keys" || lu.AccessKeyLastUsed == nil || lu.AccessKeyLastUsed.LastUsedDate != nil ||
			aws.ToString(lu.AccessKeyLastUsed.ServiceName) != "N/A" || aws.ToString(lu.AccessKeyLastUsed.Region) != "N/A" {
			t.Fatalf("GetAccessKeyLastUsed of an unused key = %+v %+v", lu, lu.AccessKeyLastUsed)
		}

		must(c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: user, AccessKeyId: aws.String(ids[0])}))(t)
		_, err = c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: user, AccessKeyId: aws.String(ids[0])})
		wantCode(t, err, "NoSuchEntity")
		_, err = c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: user, AccessKeyId: aws.String("AKIAAAAAAAAAAAAAAAAA"), Status: iamtypes.StatusTypeInactive})
		wantCode(t, err, "NoSuchEntity")
		list = must(c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: user}))(t).AccessKeyMetadata
		if len(list) != 1 || aws.ToString(list[0].AccessKeyId) != ids[1] {
			t.Fatalf("keys after delete = %+v", list)
		}
	})
}

func TestConformanceIAMLoginProfileAndMFA(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		c := iamClient(tg)
		createIAMUser(t, c, "console")
		user := aws.String("console")

		_, err := c.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: user})
		wantCode(t, err, "NoSuchEntity")
		lp := must(c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: user, Password: aws.String("Correct-Horse-1"), PasswordResetRequired: true}))(t).LoginProfile
		// moto differs from AWS: it ignores PasswordResetRequired on create.
		if aws.ToString(lp.UserName) != "console" || lp.PasswordResetRequired == tg.moto || lp.CreateDate == nil {
			t.Fatalf("CreateLoginProfile = %+v", lp)
		}
		_, err = c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: user, Password: aws.String("Correct-Horse-2")})
		wantCode(t, err, "EntityAlreadyExists")
		// moto differs from AWS: an update without Password deletes the password, so send one.
		must(c.UpdateLoginProfile(ctx, &iam.UpdateLoginProfileInput{UserName: user, Password: aws.String("Correct-Horse-3"), PasswordResetRequired: aws.Bool(false)}))(t)
		got := must(c.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: user}))(t).LoginProfile
		if got.PasswordResetRequired {
			t.Fatalf("PasswordResetRequired still set: %+v", got)
		}
		must(c.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: user}))(t)
		_, err = c.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: user})
		wantCode(t, err, "NoSuchEntity")

		dev := must(c.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("console-phone")}))(t).VirtualMFADevice
		serial := aws.ToString(dev.SerialNumber)
		if !strings.HasSuffix(serial, ":mfa/console-phone") || len(dev.Base32StringSeed) == 0 || len(dev.QRCodePNG) == 0 {
			t.Fatalf("CreateVirtualMFADevice = %+v", dev)
		}
		// moto differs from AWS: QRCodePNG is random bytes, not a PNG.
		if !tg.moto && !bytes.HasPrefix(dev.QRCodePNG, []byte("\x89PNG")) {
			t.Fatalf("QRCodePNG is not a PNG: %q", dev.QRCodePNG[:min(8, len(dev.QRCodePNG))])
		}
		_, err = c.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("console-phone")})
		wantCode(t, err, "EntityAlreadyExists")

		unassigned := must(c.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{AssignmentStatus: iamtypes.AssignmentStatusTypeUnassigned}))(t).VirtualMFADevices
		if len(unassigned) != 1 || aws.ToString(unassigned[0].SerialNumber) != serial {
			t.Fatalf("unassigned devices = %+v", unassigned)
		}
		must(c.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: user, SerialNumber: aws.String(serial),
			AuthenticationCode1: aws.String("123456"), AuthenticationCode2: aws.String("654321")}))(t)
		assigned := must(c.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{AssignmentStatus: iamtypes.AssignmentStatusTypeAssigned}))(t).VirtualMFADevices
		// The default world's management root has a virtual MFA device, listed
		// as AWS lists it; moto differs from AWS: it lists none for root.
		assigned = slices.DeleteFunc(assigned, isRootDevice)
		if len(assigned) != 1 || assigned[0].User == nil || aws.ToString(assigned[0].User.UserName) != "console" || assigned[0].EnableDate == nil {
			t.Fatalf("assigned devices = %+v", assigned)
		}
		mine := must(c.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: user}))(t).MFADevices
		if len(mine) != 1 || aws.ToString(mine[0].SerialNumber) != serial || mine[0].EnableDate == nil {
			t.Fatalf("ListMFADevices = %+v", mine)
		}
		if !tg.moto {
			// moto differs from AWS: it deletes an assigned device.
			_, err = c.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serial)})
			wantCode(t, err, "DeleteConflict")
		}

		must(c.DeactivateMFADevice(ctx, &iam.DeactivateMFADeviceInput{UserName: user, SerialNumber: aws.String(serial)}))(t)
		mine = must(c.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: user}))(t).MFADevices
		if len(mine) != 0 {
			t.Fatalf("devices after deactivate = %+v", mine)
		}
		must(c.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serial)}))(t)
		all := must(c.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{}))(t).VirtualMFADevices
		if all = slices.DeleteFunc(all, isRootDevice); len(all) != 0 {
			t.Fatalf("devices after delete = %+v", all)
		}
		_, err = c.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serial)})
		wantCode(t, err, "NoSuchEntity")
	})
}

func TestConformanceIAMGroupsAndPolicies(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		c := iamClient(tg)
		createIAMUser(t, c, "dev")
		user := aws.String("dev")

		g := must(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("devs"), Path: aws.String("/teams/")}))(t).Group
		if !strings.HasSuffix(aws.ToString(g.Arn), ":group/teams/devs") || aws.ToString(g.GroupId) == "" {
			t.Fatalf("CreateGroup = %+v", g)
		}
		_, err := c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("devs")})
		wantCode(t, err, "EntityAlreadyExists")
		must(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("ops")}))(t)
		must(c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: user}))(t)

		gg := must(c.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("devs")}))(t)
		if len(gg.Users) != 1 || aws.ToString(gg.Users[0].UserName) != "dev" || aws.ToString(gg.Group.GroupName) != "devs" {
			t.Fatalf("GetGroup = %+v", gg)
		}
		groups := must(c.ListGroups(ctx, &iam.ListGroupsInput{PathPrefix: aws.String("/teams/")}))(t).Groups
		want := 1
		if tg.moto {
			// moto differs from AWS: ListGroups ignores PathPrefix.
			want = 2
		}
		if len(groups) != want || aws.ToString(groups[0].GroupName) != "devs" {
			t.Fatalf("ListGroups /teams/ = %d groups, first %s; want %d", len(groups), aws.ToString(groups[0].GroupName), want)
		}
		forUser := must(c.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: user}))(t).Groups
		if len(forUser) != 1 || aws.ToString(forUser[0].GroupName) != "devs" {
			t.Fatalf("ListGroupsForUser = %+v", forUser)
		}
		if !tg.moto {
			// moto differs from AWS: it deletes a group that still has members.
			_, err = c.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String("devs")})
			wantCode(t, err, "DeleteConflict")
		}
		must(c.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("devs"), UserName: user}))(t)
		must(c.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String("devs")}))(t)
		_, err = c.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("devs")})
		wantCode(t, err, "NoSuchEntity")

		// Managed policies.
		_, err = c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("broken"), PolicyDocument: aws.String("{not json")})
		wantCode(t, err, "MalformedPolicyDocument")
		pol := must(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("read-bucket"), PolicyDocument: aws.String(allowAll)}))(t).Policy
		polARN := aws.ToString(pol.Arn)
		if !strings.HasSuffix(polARN, ":policy/read-bucket") || aws.ToString(pol.DefaultVersionId) != "v1" {
			t.Fatalf("CreatePolicy = %+v", pol)
		}
		const admin = "arn:aws:iam::aws:policy/AdministratorAccess"
		ap := must(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(admin)}))(t).Policy
		if aws.ToString(ap.PolicyName) != "AdministratorAccess" {
			t.Fatalf("GetPolicy AdministratorAccess = %+v", ap)
		}
		local := must(c.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal}))(t).Policies
		if len(local) != 1 || aws.ToString(local[0].Arn) != polARN {
			t.Fatalf("ListPolicies Local = %+v", local)
		}

		for _, arn := range []string{polARN, admin} {
			must(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: user, PolicyArn: aws.String(arn)}))(t)
		}
		_, err = c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: user, PolicyArn: aws.String(strings.Replace(polARN, "read-bucket", "missing", 1))})
		wantCode(t, err, "NoSuchEntity")
		attached := must(c.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: user}))(t).AttachedPolicies
		var arns []string
		for _, a := range attached {
			arns = append(arns, aws.ToString(a.PolicyArn))
		}
		slices.Sort(arns)
		if want := []string{polARN, admin}; !slices.Equal(arns, slices.Sorted(slices.Values(want))) {
			t.Fatalf("attached = %v, want %v", arns, want)
		}
		if n := aws.ToInt32(must(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(polARN)}))(t).Policy.AttachmentCount); n != 1 {
			t.Fatalf("AttachmentCount = %d, want 1", n)
		}
		if !tg.moto {
			// moto differs from AWS: it deletes a policy that is still attached.
			_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(polARN)})
			wantCode(t, err, "DeleteConflict")
		}
		must(c.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: user, PolicyArn: aws.String(polARN)}))(t)
		_, err = c.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: user, PolicyArn: aws.String(polARN)})
		wantCode(t, err, "NoSuchEntity")
		must(c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(polARN)}))(t)

		// Inline policies.
		_, err = c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: user, PolicyName: aws.String("inline"), PolicyDocument: aws.String("nope")})
		wantCode(t, err, "MalformedPolicyDocument")
		must(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: user, PolicyName: aws.String("inline"), PolicyDocument: aws.String(allowAll)}))(t)
		names := must(c.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: user}))(t).PolicyNames
		if !slices.Equal(names, []string{"inline"}) {
			t.Fatalf("ListUserPolicies = %v", names)
		}
		doc := aws.ToString(must(c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: user, PolicyName: aws.String("inline")}))(t).PolicyDocument)
		if dec, err := neturl.QueryUnescape(doc); err != nil || dec != allowAll {
			t.Fatalf("GetUserPolicy document %q decodes to %q (%v), want the URL-encoded original", doc, dec, err)
		}
		must(c.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: user, PolicyName: aws.String("inline")}))(t)
		_, err = c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: user, PolicyName: aws.String("inline")})
		wantCode(t, err, "NoSuchEntity")
	})
}

func TestConformanceIAMCertificatesAndSSHKeys(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		c := iamClient(tg)
		createIAMUser(t, c, "git")
		user := aws.String("git")

		_, err := c.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: user, CertificateBody: aws.String("not a cert")})
		wantCode(t, err, "MalformedCertificate")
		cert := must(c.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: user, CertificateBody: aws.String(testCertPEM(t))}))(t).Certificate
		if cert.Status != iamtypes.StatusTypeActive || aws.ToString(cert.CertificateId) == "" {
			t.Fatalf("UploadSigningCertificate = %+v", cert)
		}
		must(c.UpdateSigningCertificate(ctx, &iam.UpdateSigningCertificateInput{UserName: user, CertificateId: cert.CertificateId, Status: iamtypes.StatusTypeInactive}))(t)
		certs := must(c.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{UserName: user}))(t).Certificates
		if len(certs) != 1 || certs[0].Status != iamtypes.StatusTypeInactive {
			t.Fatalf("ListSigningCertificates = %+v", certs)
		}
		must(c.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{UserName: user, CertificateId: cert.CertificateId}))(t)
		if certs := must(c.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{UserName: user}))(t).Certificates; len(certs) != 0 {
			t.Fatalf("certificates after delete = %+v", certs)
		}

		body := testSSHKey(t)
		key := must(c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: user, SSHPublicKeyBody: aws.String(body)}))(t).SSHPublicKey
		if !strings.HasPrefix(aws.ToString(key.SSHPublicKeyId), "APKA") || aws.ToString(key.Fingerprint) == "" || key.Status != iamtypes.StatusTypeActive {
			t.Fatalf("UploadSSHPublicKey = %+v", key)
		}
		got := must(c.GetSSHPublicKey(ctx, &iam.GetSSHPublicKeyInput{UserName: user, SSHPublicKeyId: key.SSHPublicKeyId, Encoding: iamtypes.EncodingTypeSsh}))(t).SSHPublicKey
		if aws.ToString(got.SSHPublicKeyBody) != body {
			t.Fatalf("GetSSHPublicKey body = %q", aws.ToString(got.SSHPublicKeyBody))
		}
		must(c.UpdateSSHPublicKey(ctx, &iam.UpdateSSHPublicKeyInput{UserName: user, SSHPublicKeyId: key.SSHPublicKeyId, Status: iamtypes.StatusTypeInactive}))(t)
		keys := must(c.ListSSHPublicKeys(ctx, &iam.ListSSHPublicKeysInput{UserName: user}))(t).SSHPublicKeys
		if len(keys) != 1 || keys[0].Status != iamtypes.StatusTypeInactive {
			t.Fatalf("ListSSHPublicKeys = %+v", keys)
		}
		must(c.DeleteSSHPublicKey(ctx, &iam.DeleteSSHPublicKeyInput{UserName: user, SSHPublicKeyId: key.SSHPublicKeyId}))(t)
		_, err = c.GetSSHPublicKey(ctx, &iam.GetSSHPublicKeyInput{UserName: user, SSHPublicKeyId: key.SSHPublicKeyId, Encoding: iamtypes.EncodingTypeSsh})
		wantCode(t, err, "NoSuchEntity")
	})
}

func TestConformanceIAMServiceSpecificCredentials(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		if tg.moto {
			// moto 5.2.1 does not implement service-specific credentials (HTTP 500).
			t.Skip("moto does not implement service-specific credentials")
		}
		ctx := context.Background()
		c := iamClient(tg)
		createIAMUser(t, c, "cc")
		user := aws.String("cc")

		_, err := c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: user, ServiceName: aws.String("s3.amazonaws.com")})
		wantCode(t, err, "NotSupportedService")
		var first *iamtypes.ServiceSpecificCredential
		for range 2 {
			cred := must(c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: user, ServiceName: aws.String("codecommit.amazonaws.com")}))(t).ServiceSpecificCredential
			if aws.ToString(cred.ServicePassword) == "" || !strings.HasPrefix(aws.ToString(cred.ServiceUserName), "cc-at-") || cred.Status != iamtypes.StatusTypeActive {
				t.Fatalf("CreateServiceSpecificCredential = %+v", cred)
			}
			if first == nil {
				first = cred
			}
		}
		_, err = c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: user, ServiceName: aws.String("codecommit.amazonaws.com")})
		wantCode(t, err, "LimitExceeded")

		list := must(c.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: user}))(t).ServiceSpecificCredentials
		if len(list) != 2 {
			t.Fatalf("ListServiceSpecificCredentials = %+v", list)
		}
		reset := must(c.ResetServiceSpecificCredential(ctx, &iam.ResetServiceSpecificCredentialInput{UserName: user, ServiceSpecificCredentialId: first.ServiceSpecificCredentialId}))(t).ServiceSpecificCredential
		if aws.ToString(reset.ServicePassword) == aws.ToString(first.ServicePassword) {
			t.Fatal("ResetServiceSpecificCredential kept the password")
		}
		must(c.UpdateServiceSpecificCredential(ctx, &iam.UpdateServiceSpecificCredentialInput{UserName: user, ServiceSpecificCredentialId: first.ServiceSpecificCredentialId, Status: iamtypes.StatusTypeInactive}))(t)
		list = must(c.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: user}))(t).ServiceSpecificCredentials
		for _, cr := range list {
			if aws.ToString(cr.ServiceSpecificCredentialId) == aws.ToString(first.ServiceSpecificCredentialId) && cr.Status != iamtypes.StatusTypeInactive {
				t.Fatalf("credential after update = %+v", cr)
			}
		}
		must(c.DeleteServiceSpecificCredential(ctx, &iam.DeleteServiceSpecificCredentialInput{UserName: user, ServiceSpecificCredentialId: first.ServiceSpecificCredentialId}))(t)
		_, err = c.DeleteServiceSpecificCredential(ctx, &iam.DeleteServiceSpecificCredentialInput{UserName: user, ServiceSpecificCredentialId: first.ServiceSpecificCredentialId})
		wantCode(t, err, "NoSuchEntity")
	})
}

func TestConformanceIAMAccountSettings(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		c := iamClient(tg)

		// Password policy.
		_, err := c.GetAccountPasswordPolicy(ctx, nil)
		wantCode(t, err, "NoSuchEntity")
		must(c.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(14),
			PasswordReusePrevention: aws.Int32(24), RequireSymbols: true, MaxPasswordAge: aws.Int32(90)}))(t)
		pp := must(c.GetAccountPasswordPolicy(ctx, nil))(t).PasswordPolicy
		if aws.ToInt32(pp.MinimumPasswordLength) != 14 || aws.ToInt32(pp.PasswordReusePrevention) != 24 || !pp.RequireSymbols ||
			pp.RequireNumbers || !pp.ExpirePasswords || aws.ToInt32(pp.MaxPasswordAge) != 90 {
			t.Fatalf("password policy = %+v", pp)
		}
		_, err = c.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(200)})
		wantCode(t, err, "ValidationError")
		must(c.DeleteAccountPasswordPolicy(ctx, nil))(t)
		_, err = c.GetAccountPasswordPolicy(ctx, nil)
		wantCode(t, err, "NoSuchEntity")

		// Aliases.
		must(c.CreateAccountAlias(ctx, &iam.CreateAccountAliasInput{AccountAlias: aws.String("keyless-test")}))(t)
		aliases := must(c.ListAccountAliases(ctx, nil))(t).AccountAliases
		if !slices.Equal(aliases, []string{"keyless-test"}) {
			t.Fatalf("aliases = %v", aliases)
		}
		must(c.DeleteAccountAlias(ctx, &iam.DeleteAccountAliasInput{AccountAlias: aws.String("keyless-test")}))(t)
		if aliases := must(c.ListAccountAliases(ctx, nil))(t).AccountAliases; len(aliases) != 0 {
			t.Fatalf("aliases after delete = %v", aliases)
		}

		// Summary.
		createIAMUser(t, c, "counted")
		must(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g")}))(t)
		sum := must(c.GetAccountSummary(ctx, nil))(t).SummaryMap
		if sum["Users"] != 1 || sum["Groups"] != 1 || sum["AccessKeysPerUserQuota"] != 2 || sum["UsersQuota"] != 5000 {
			t.Fatalf("summary = %v", sum)
		}
		if tg.moto {
			// moto differs from AWS: the root fields are always 0.
			if sum["AccountMFAEnabled"] != 0 {
				t.Fatalf("moto AccountMFAEnabled = %d", sum["AccountMFAEnabled"])
			}
		} else if sum["AccountMFAEnabled"] != 1 || sum["AccountAccessKeysPresent"] != 0 {
			// The default world's management account root has MFA and no keys.
			t.Fatalf("root fields = %v", sum)
		}

		// Credential report.
		_, err = c.GetCredentialReport(ctx, nil)
		wantCode(t, err, "ReportNotPresent")
		gen := must(c.GenerateCredentialReport(ctx, nil))(t)
		if gen.State != iamtypes.ReportStateTypeStarted {
			t.Fatalf("first GenerateCredentialReport state = %s", gen.State)
		}
		if gen = must(c.GenerateCredentialReport(ctx, nil))(t); gen.State != iamtypes.ReportStateTypeComplete {
			t.Fatalf("second GenerateCredentialReport state = %s", gen.State)
		}
		rep := must(c.GetCredentialReport(ctx, nil))(t)
		rows, err := csv.NewReader(bytes.NewReader(rep.Content)).ReadAll()
		if err != nil {
			t.Fatalf("report is not CSV: %v\n%s", err, rep.Content)
		}
		if rep.ReportFormat != iamtypes.ReportFormatTypeTextCsv || len(rows[0]) != 22 || rows[0][0] != "user" {
			t.Fatalf("report format %s, header %v", rep.ReportFormat, rows[0])
		}
		users := rows[1:]
		if !tg.moto {
			// moto differs from AWS: no <root_account> row.
			if users[0][0] != "<root_account>" {
				t.Fatalf("first row = %v, want the root account", users[0])
			}
			users = users[1:]
		}
		if len(users) != 1 || users[0][0] != "counted" || users[0][3] != "false" {
			t.Fatalf("user rows = %v", users)
		}
	})
}

func TestConformanceIAMDeleteUserConflict(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		c := iamClient(tg)
		createIAMUser(t, c, "leaver")
		user := aws.String("leaver")
		k := must(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: user}))(t).AccessKey
		must(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: user, PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}))(t)

		// Both refuse while a policy is attached.
		_, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: user})
		wantCode(t, err, "DeleteConflict")
		must(c.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: user, PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}))(t)

		_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: user})
		if tg.moto {
			// moto differs from AWS: it deletes a user that still has access keys.
			if err != nil {
				t.Fatalf("moto DeleteUser with a key: %v", err)
			}
			return
		}
		wantCode(t, err, "DeleteConflict")
		if !strings.Contains(err.Error(), "must delete access keys first") {
			t.Fatalf("DeleteUser message: %v", err)
		}
		must(c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: user, AccessKeyId: k.AccessKeyId}))(t)
		must(c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: user}))(t)
	})
}

func TestIAMDeleteUserRefusesUntilEachRemoved(t *testing.T) {
	ctx := context.Background()
	_, url := startSandbox(t, Options{})
	c := iam.NewFromConfig(sdkConfig(t, url))
	must(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g")}))(t)
	pol := must(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("p"), PolicyDocument: aws.String(allowAll)}))(t).Policy.Arn

	type step func(t *testing.T, user *string)
	cases := []struct {
		kind        string
		message     string
		add, remove step
	}{
		{"access key", "must delete access keys first", func(t *testing.T, u *string) {
			must(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: u}))(t)
		}, func(t *testing.T, u *string) {
			k := must(c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: u}))(t).AccessKeyMetadata[0]
			must(c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: u, AccessKeyId: k.AccessKeyId}))(t)
		}},
		{"signing certificate", "must delete signing certificates first", func(t *testing.T, u *string) {
			must(c.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: u, CertificateBody: aws.String(testCertPEM(t))}))(t)
		}, func(t *testing.T, u *string) {
			cert := must(c.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{UserName: u}))(t).Certificates[0]
			must(c.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{UserName: u, CertificateId: cert.CertificateId}))(t)
		}},
		{"SSH key", "must delete SSH public keys first", func(t *testing.T, u *string) {
			must(c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: u, SSHPublicKeyBody: aws.String(testSSHKey(t))}))(t)
		}, func(t *testing.T, u *string) {
			k := must(c.ListSSHPublicKeys(ctx, &iam.ListSSHPublicKeysInput{UserName: u}))(t).SSHPublicKeys[0]
			must(c.DeleteSSHPublicKey(ctx, &iam.DeleteSSHPublicKeyInput{UserName: u, SSHPublicKeyId: k.SSHPublicKeyId}))(t)
		}},
		{"service-specific credential", "must delete service specific credentials first", func(t *testing.T, u *string) {
			must(c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: u, ServiceName: aws.String("cassandra.amazonaws.com")}))(t)
		}, func(t *testing.T, u *string) {
			cr := must(c.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: u}))(t).ServiceSpecificCredentials[0]
			must(c.DeleteServiceSpecificCredential(ctx, &iam.DeleteServiceSpecificCredentialInput{UserName: u, ServiceSpecificCredentialId: cr.ServiceSpecificCredentialId}))(t)
		}},
		{"login profile", "must delete login profile first", func(t *testing.T, u *string) {
			must(c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: u, Password: aws.String("Correct-Horse-1")}))(t)
		}, func(t *testing.T, u *string) {
			must(c.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: u}))(t)
		}},
		{"MFA device", "must delete MFA device first", func(t *testing.T, u *string) {
			d := must(c.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: u}))(t).VirtualMFADevice
			must(c.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: u, SerialNumber: d.SerialNumber,
				AuthenticationCode1: aws.String("111111"), AuthenticationCode2: aws.String("222222")}))(t)
		}, func(t *testing.T, u *string) {
			d := must(c.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: u}))(t).MFADevices[0]
			must(c.DeactivateMFADevice(ctx, &iam.DeactivateMFADeviceInput{UserName: u, SerialNumber: d.SerialNumber}))(t)
		}},
		{"group membership", "must remove user from all groups first", func(t *testing.T, u *string) {
			must(c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{UserName: u, GroupName: aws.String("g")}))(t)
		}, func(t *testing.T, u *string) {
			must(c.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{UserName: u, GroupName: aws.String("g")}))(t)
		}},
		{"inline policy", "must delete policies first", func(t *testing.T, u *string) {
			must(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: u, PolicyName: aws.String("inline"), PolicyDocument: aws.String(allowAll)}))(t)
		}, func(t *testing.T, u *string) {
			must(c.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: u, PolicyName: aws.String("inline")}))(t)
		}},
		{"attached policy", "must detach all policies first", func(t *testing.T, u *string) {
			must(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: u, PolicyArn: pol}))(t)
		}, func(t *testing.T, u *string) {
			must(c.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: u, PolicyArn: pol}))(t)
		}},
	}
	for i, tc := range cases {
		t.Run(tc.kind, func(t *testing.T) {
			user := aws.String("leaver" + string(rune('a'+i)))
			createIAMUser(t, c, *user)
			tc.add(t, user)
			_, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: user})
			wantCode(t, err, "DeleteConflict")
			if !strings.Contains(err.Error(), tc.message) {
				t.Fatalf("DeleteUser with a %s: %v, want %q", tc.kind, err, tc.message)
			}
			tc.remove(t, user)
			must(c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: user}))(t)
		})
	}
}

// testClock is an injectable clock the test moves by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time       { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Add(d time.Duration)  { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }
func newTestClock(t time.Time) *testClock { return &testClock{now: t} }

func TestIAMCredentialReport(t *testing.T) {
	ctx := context.Background()
	clock := newTestClock(time.Date(2026, 11, 24, 8, 39, 9, 0, time.UTC))
	srv, url := startSandbox(t, Options{Now: clock.Now})
	c := iam.NewFromConfig(sdkConfig(t, url))
	used := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	srv.withWorld(func(w *World, _ time.Time) {
		w.iamAccount(defaultManagementAccount).Root = RootState{AccessKeysPresent: true, MFAEnabled: false,
			Created: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC), PasswordLastUsed: &used}
	})
	createIAMUser(t, c, "reported")
	key := must(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("reported")}))(t).AccessKey
	must(c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("reported"), Password: aws.String("Correct-Horse-1")}))(t)

	if s := must(c.GenerateCredentialReport(ctx, nil))(t).State; s != iamtypes.ReportStateTypeStarted {
		t.Fatalf("state = %s, want STARTED", s)
	}
	rep := must(c.GetCredentialReport(ctx, nil))(t)
	if !rep.GeneratedTime.Equal(clock.Now()) {
		t.Fatalf("GeneratedTime = %v, want %v", rep.GeneratedTime, clock.Now())
	}
	r := csv.NewReader(bytes.NewReader(rep.Content))
	r.FieldsPerRecord = 22
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("report: %v\n%s", err, rep.Content)
	}
	if got := strings.Join(rows[0], ","); got != strings.Join(credentialReportColumns, ",") || len(rows) != 3 {
		t.Fatalf("header %s, %d rows", got, len(rows))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	root, user := rows[1], rows[2]
	for h, want := range map[string]string{
		"user": "<root_account>", "arn": "arn:aws:iam::111111111111:root", "user_creation_time": "2020-01-02T03:04:05+00:00",
		"password_enabled": "not_supported", "password_last_used": "2026-11-01T12:00:00+00:00", "mfa_active": "false",
		"access_key_1_active": "true", "access_key_2_active": "false", "cert_1_active": "false",
	} {
		if root[col[h]] != want {
			t.Errorf("root %s = %q, want %q", h, root[col[h]], want)
		}
	}
	for h, want := range map[string]string{
		"user": "reported", "arn": "arn:aws:iam::111111111111:user/reported", "password_enabled": "true",
		"password_last_used": "no_information", "password_last_changed": "2026-11-24T08:39:09+00:00", "password_next_rotation": "N/A",
		"mfa_active": "false", "access_key_1_active": "true", "access_key_1_last_rotated": "2026-11-24T08:39:09+00:00",
		"access_key_1_last_used_date": "N/A", "access_key_1_last_used_region": "N/A", "access_key_1_last_used_service": "N/A",
		"access_key_2_active": "false", "access_key_2_last_rotated": "N/A", "cert_1_active": "false", "cert_2_last_rotated": "N/A",
	} {
		if user[col[h]] != want {
			t.Errorf("user %s = %q, want %q", h, user[col[h]], want)
		}
	}

	// The report is a snapshot: use the key, and the report keeps N/A until regenerated.
	keyClient := iam.NewFromConfig(keyConfig(t, url, key))
	must(keyClient.ListUsers(ctx, nil))(t)
	clock.Add(time.Hour)
	if s := must(c.GenerateCredentialReport(ctx, nil))(t).State; s != iamtypes.ReportStateTypeComplete {
		t.Fatalf("state within 4h = %s, want COMPLETE", s)
	}
	if rep := must(c.GetCredentialReport(ctx, nil))(t); strings.Contains(string(rep.Content), "2026-11-24T08:39:09+00:00,N/A") == false {
		t.Fatalf("report changed within 4 hours:\n%s", rep.Content)
	}
	clock.Add(4 * time.Hour)
	_, err = c.GetCredentialReport(ctx, nil)
	wantCode(t, err, "ReportExpired")
	if s := must(c.GenerateCredentialReport(ctx, nil))(t).State; s != iamtypes.ReportStateTypeStarted {
		t.Fatalf("state after 4h = %s, want STARTED", s)
	}
	rows, err = csv.NewReader(bytes.NewReader(must(c.GetCredentialReport(ctx, nil))(t).Content)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := rows[2][col["access_key_1_last_used_date"]]; got != "2026-11-24T08:39:09+00:00" || rows[2][col["access_key_1_last_used_service"]] != "iam" {
		t.Fatalf("regenerated report: key last used %q, service %q", got, rows[2][col["access_key_1_last_used_service"]])
	}
}

// keyConfig is an SDK config signing with an IAM user's access key.
func keyConfig(t *testing.T, url string, k *iamtypes.AccessKey) aws.Config {
	t.Helper()
	cfg := sdkConfig(t, url)
	cfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(k.AccessKeyId), aws.ToString(k.SecretAccessKey), "")
	cfg.Region = "eu-west-1"
	return cfg
}

func TestIAMAccessKeyLastUsedWhenSigned(t *testing.T) {
	ctx := context.Background()
	_, url := startSandbox(t, Options{})
	admin := iam.NewFromConfig(sdkConfig(t, url))
	createIAMUser(t, admin, "worker")
	key := must(admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("worker")}))(t).AccessKey

	lu := must(admin.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: key.AccessKeyId}))(t).AccessKeyLastUsed
	if lu.LastUsedDate != nil {
		t.Fatalf("unused key has LastUsedDate %v", lu.LastUsedDate)
	}
	worker := iam.NewFromConfig(keyConfig(t, url, key))
	before := time.Now().Add(-time.Second)
	me := must(worker.GetUser(ctx, nil))(t).User
	if aws.ToString(me.UserName) != "worker" {
		t.Fatalf("GetUser without a name signed by worker = %+v", me)
	}
	lu = must(admin.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: key.AccessKeyId}))(t).AccessKeyLastUsed
	if lu.LastUsedDate == nil || lu.LastUsedDate.Before(before) || aws.ToString(lu.ServiceName) != "iam" || aws.ToString(lu.Region) != "eu-west-1" {
		t.Fatalf("last used after a signed call = %+v", lu)
	}
	// The worker's own key operations default to the worker.
	keys := must(worker.ListAccessKeys(ctx, nil))(t).AccessKeyMetadata
	if len(keys) != 1 || aws.ToString(keys[0].AccessKeyId) != aws.ToString(key.AccessKeyId) {
		t.Fatalf("ListAccessKeys as worker = %+v", keys)
	}

	// Any service records the key's use, not only IAM.
	who := must(sts.NewFromConfig(keyConfig(t, url, key)).GetCallerIdentity(ctx, nil))(t)
	if aws.ToString(who.Arn) != "arn:aws:iam::111111111111:user/worker" {
		t.Fatalf("GetCallerIdentity as worker = %+v", who)
	}
	lu = must(admin.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: key.AccessKeyId}))(t).AccessKeyLastUsed
	if aws.ToString(lu.ServiceName) != "sts" {
		t.Fatalf("last used after an STS call = %+v", lu)
	}

	must(admin.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("worker"), AccessKeyId: key.AccessKeyId, Status: iamtypes.StatusTypeInactive}))(t)
	_, err := worker.GetUser(ctx, nil)
	wantCode(t, err, "InvalidClientTokenId")
	_, err = organizations.NewFromConfig(keyConfig(t, url, key)).ListRoots(ctx, nil)
	wantCode(t, err, "UnrecognizedClientException")

	// The accept-anything administrator keys answer as sandbox-admin.
	self := must(admin.GetUser(ctx, nil))(t).User
	if aws.ToString(self.UserName) != adminUserName || aws.ToString(self.Arn) != "arn:aws:iam::111111111111:user/sandbox-admin" {
		t.Fatalf("GetUser as the administrator = %+v", self)
	}
}

func TestIAMRolesAndValidation(t *testing.T) {
	ctx := context.Background()
	srv, url := startSandbox(t, Options{})
	c := iam.NewFromConfig(sdkConfig(t, url))
	srv.withWorld(func(w *World, now time.Time) {
		ia := w.iamAccount(defaultManagementAccount)
		ia.Roles = append(ia.Roles, &IAMRole{Name: "AWSReservedSSO_Admin_0123456789abcdef", ID: "AROAEXAMPLE0000000001",
			Path: "/aws-reserved/sso.amazonaws.com/", Created: now})
	})
	roles := must(c.ListRoles(ctx, &iam.ListRolesInput{PathPrefix: aws.String("/aws-reserved/")}))(t).Roles
	if len(roles) != 1 || aws.ToString(roles[0].Arn) != "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef" {
		t.Fatalf("ListRoles = %+v", roles)
	}
	doc, err := neturl.QueryUnescape(aws.ToString(roles[0].AssumeRolePolicyDocument))
	if err != nil || !strings.Contains(doc, "sts:AssumeRoleWithSAML") {
		t.Fatalf("trust policy %q (%v)", doc, err)
	}
	r := must(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("awsreservedsso_admin_0123456789abcdef")}))(t).Role
	if aws.ToString(r.RoleId) != "AROAEXAMPLE0000000001" {
		t.Fatalf("GetRole (case-insensitive) = %+v", r)
	}
	_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("missing")})
	wantCode(t, err, "NoSuchEntity")

	_, err = c.ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(0)})
	wantCode(t, err, "ValidationError")
	_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("x"), Path: aws.String("no-slash")})
	wantCode(t, err, "ValidationError")
	_, err = c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("x"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")})
	wantCode(t, err, "NoSuchEntity")
	createIAMUser(t, c, "x")
	_, err = c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("x"), PolicyArn: aws.String("not-an-arn")})
	wantCode(t, err, "InvalidInput")
	_, err = c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("x"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`)})
	wantCode(t, err, "MalformedPolicyDocument")
	_, err = c.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("x"), SerialNumber: aws.String("arn:aws:iam::111111111111:mfa/none"),
		AuthenticationCode1: aws.String("12345"), AuthenticationCode2: aws.String("123456")})
	wantCode(t, err, "ValidationError")
	must(c.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(14)}))(t)
	_, err = c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("x"), Password: aws.String("short")})
	wantCode(t, err, "PasswordPolicyViolation")
}

// TestIAMWithAWSCLI checks the replies parse in botocore too.
func TestIAMWithAWSCLI(t *testing.T) {
	bin := requireTool(t, "aws")
	_, url := startSandbox(t, Options{})
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"iam", "--output", "json"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ENDPOINT_URL="+url, "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
			"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AWS_DEFAULT_REGION=us-east-1",
			"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_MAX_ATTEMPTS=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws iam %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	run("create-user", "--user-name", "cli", "--tags", "Key=k,Value=v")
	if out := run("list-users"); !strings.Contains(out, `"UserName": "cli"`) || !strings.Contains(out, `"CreateDate": "`) {
		t.Fatalf("list-users: %s", out)
	}
	if out := run("get-account-summary"); !strings.Contains(out, `"AccountMFAEnabled": 1`) {
		t.Fatalf("get-account-summary: %s", out)
	}
	run("generate-credential-report")
	if out := run("get-credential-report"); !strings.Contains(out, `"ReportFormat": "text/csv"`) {
		t.Fatalf("get-credential-report: %s", out)
	}
}
