package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/document"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
)

// storeOf returns the identity store of a target: the sandbox's instance, or
// the one moto creates per account and region (read from sso-admin).
func storeOf(t *testing.T, tg *target) *string {
	t.Helper()
	if tg.srv != nil {
		return aws.String(tg.srv.IdentityStoreID())
	}
	out, err := ssoadmin.NewFromConfig(tg.cfg).ListInstances(context.Background(), &ssoadmin.ListInstancesInput{})
	if err != nil || len(out.Instances) != 1 {
		t.Fatalf("moto ListInstances = %+v, %v", out, err)
	}
	return out.Instances[0].IdentityStoreId
}

func newUserInput(store *string, name string) *identitystore.CreateUserInput {
	return &identitystore.CreateUserInput{
		IdentityStoreId: store,
		UserName:        aws.String(name),
		DisplayName:     aws.String(strings.ToUpper(name[:1]) + name[1:] + " Example"),
		Name:            &istypes.Name{GivenName: aws.String(name), FamilyName: aws.String("Example")},
		Emails:          []istypes.Email{{Value: aws.String(name + "@example.com"), Type: aws.String("work"), Primary: true}},
	}
}

func createUser(t *testing.T, c *identitystore.Client, store *string, name string) string {
	t.Helper()
	out, err := c.CreateUser(context.Background(), newUserInput(store, name))
	if err != nil {
		t.Fatalf("CreateUser %s: %v", name, err)
	}
	if aws.ToString(out.IdentityStoreId) != aws.ToString(store) || aws.ToString(out.UserId) == "" {
		t.Fatalf("CreateUser %s = %+v", name, out)
	}
	return aws.ToString(out.UserId)
}

func createGroup(t *testing.T, c *identitystore.Client, store *string, name string) string {
	t.Helper()
	out, err := c.CreateGroup(context.Background(), &identitystore.CreateGroupInput{IdentityStoreId: store,
		DisplayName: aws.String(name), Description: aws.String("the " + name + " team")})
	if err != nil {
		t.Fatalf("CreateGroup %s: %v", name, err)
	}
	if aws.ToString(out.IdentityStoreId) != aws.ToString(store) || aws.ToString(out.GroupId) == "" {
		t.Fatalf("CreateGroup %s = %+v", name, out)
	}
	return aws.ToString(out.GroupId)
}

// wantNotFound checks a ResourceNotFoundException and its ResourceType.
func wantNotFound(t *testing.T, err error, resourceType istypes.ResourceType) *istypes.ResourceNotFoundException {
	t.Helper()
	var nf *istypes.ResourceNotFoundException
	if !errors.As(err, &nf) || nf.ResourceType != resourceType {
		t.Fatalf("err = %v, want ResourceNotFoundException for %s", err, resourceType)
	}
	return nf
}

// wantValidation checks a ValidationException whose message names field.
func wantConflict(t *testing.T, err error, reason istypes.ConflictExceptionReason) {
	t.Helper()
	var ce *istypes.ConflictException
	if !errors.As(err, &ce) || ce.Reason != reason {
		t.Fatalf("err = %v, want ConflictException with reason %s", err, reason)
	}
}

// listUserNames pages through ListUsers two at a time.
func listUserNames(t *testing.T, c *identitystore.Client, in *identitystore.ListUsersInput) (names []string, pages int) {
	t.Helper()
	p := identitystore.NewListUsersPaginator(c, in)
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, u := range out.Users {
			names = append(names, aws.ToString(u.UserName))
		}
	}
	return names, pages
}

func TestConformanceIdentityStoreUsers(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		c := identitystore.NewFromConfig(tg.cfg)
		store := storeOf(t, tg)

		alice := createUser(t, c, store, "alice")
		d, err := c.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: store, UserId: aws.String(alice)})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(d.UserName) != "alice" || aws.ToString(d.DisplayName) != "Alice Example" ||
			aws.ToString(d.Name.GivenName) != "alice" || aws.ToString(d.Name.FamilyName) != "Example" ||
			len(d.Emails) != 1 || aws.ToString(d.Emails[0].Value) != "alice@example.com" || !d.Emails[0].Primary ||
			aws.ToString(d.IdentityStoreId) != aws.ToString(store) || aws.ToString(d.UserId) != alice {
			t.Fatalf("DescribeUser = %+v", d)
		}
		if !tg.moto {
			// moto's ids are bare UUIDs; AWS's carry the store's hex digits.
			if !strings.HasPrefix(alice, strings.TrimPrefix(aws.ToString(store), "d-")+"-") ||
				aws.ToString(d.UserArn) != "arn:aws:identitystore:::user/"+alice || d.CreatedAt == nil ||
				d.UserStatus != istypes.UserStatusEnabled {
				t.Fatalf("DescribeUser = %+v", d)
			}
		}

		// Duplicate user names.
		_, err = c.CreateUser(ctx, newUserInput(store, "alice"))
		wantConflict(t, err, istypes.ConflictExceptionReasonUniquenessConstraintViolation)

		// Required attributes, named in the error.
		in := newUserInput(store, "nodisplay")
		in.DisplayName = nil
		_, err = c.CreateUser(ctx, in)
		wantValidation(t, err, "displayname")
		in = newUserInput(store, "nofamily")
		in.Name.FamilyName = nil
		_, err = c.CreateUser(ctx, in)
		wantValidation(t, err, "familyname")
		in = newUserInput(store, "noname")
		in.UserName = nil
		_, err = c.CreateUser(ctx, in)
		wantValidation(t, err, "userName")

		for _, name := range []string{"bob", "carol", "dave"} {
			createUser(t, c, store, name)
		}
		all := []string{"alice", "bob", "carol", "dave"}
		names, pages := listUserNames(t, c, &identitystore.ListUsersInput{IdentityStoreId: store, MaxResults: aws.Int32(3)})
		if !slices.Equal(names, all) || pages != 2 {
			t.Fatalf("ListUsers = %v in %d pages, want %v in 2", names, pages, all)
		}
		// Filters (deprecated, still served): by UserName.
		names, _ = listUserNames(t, c, &identitystore.ListUsersInput{IdentityStoreId: store,
			//lint:ignore SA1019 AWS still serves the deprecated filters, so the sandbox does too
			Filters: []istypes.Filter{{AttributePath: aws.String("UserName"), AttributeValue: aws.String("carol")}}})
		if !slices.Equal(names, []string{"carol"}) {
			t.Fatalf("ListUsers filtered = %v", names)
		}

		// GetUserId by user name and by email.
		for path, value := range map[string]string{"userName": "bob", "emails.value": "bob@example.com"} {
			out, err := c.GetUserId(ctx, &identitystore.GetUserIdInput{IdentityStoreId: store,
				AlternateIdentifier: &istypes.AlternateIdentifierMemberUniqueAttribute{Value: istypes.UniqueAttribute{
					AttributePath: aws.String(path), AttributeValue: document.NewLazyDocument(value)}}})
			if err != nil {
				t.Fatalf("GetUserId %s: %v", path, err)
			}
			if aws.ToString(out.IdentityStoreId) != aws.ToString(store) {
				t.Fatalf("GetUserId %s = %+v", path, out)
			}
			got, err := c.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: store, UserId: out.UserId})
			if err != nil || aws.ToString(got.UserName) != "bob" {
				t.Fatalf("GetUserId %s found %+v, %v", path, got, err)
			}
		}
		_, err = c.GetUserId(ctx, &identitystore.GetUserIdInput{IdentityStoreId: store,
			AlternateIdentifier: &istypes.AlternateIdentifierMemberUniqueAttribute{Value: istypes.UniqueAttribute{
				AttributePath: aws.String("userName"), AttributeValue: document.NewLazyDocument("nobody")}}})
		wantNotFound(t, err, istypes.ResourceTypeUser)
		_, err = c.GetUserId(ctx, &identitystore.GetUserIdInput{IdentityStoreId: store,
			AlternateIdentifier: &istypes.AlternateIdentifierMemberUniqueAttribute{Value: istypes.UniqueAttribute{
				AttributePath: aws.String("title"), AttributeValue: document.NewLazyDocument("x")}}})
		wantValidation(t, err, "title")

		// Unknown ids.
		unknown := "a1b2c3d4-5678-40ab-adef-000000000000"
		_, err = c.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: store, UserId: aws.String(unknown)})
		nf := wantNotFound(t, err, istypes.ResourceTypeUser)
		if !tg.moto && aws.ToString(nf.ResourceId) != unknown {
			t.Fatalf("ResourceId = %q, want %q", aws.ToString(nf.ResourceId), unknown)
		}

		// Delete.
		if _, err := c.DeleteUser(ctx, &identitystore.DeleteUserInput{IdentityStoreId: store, UserId: aws.String(alice)}); err != nil {
			t.Fatal(err)
		}
		_, err = c.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: store, UserId: aws.String(alice)})
		wantNotFound(t, err, istypes.ResourceTypeUser)
		_, err = c.DeleteUser(ctx, &identitystore.DeleteUserInput{IdentityStoreId: store, UserId: aws.String(alice)})
		if tg.moto {
			// moto differs from AWS: deleting an unknown user succeeds.
			if err != nil {
				t.Fatalf("moto DeleteUser of a deleted user: %v", err)
			}
		} else {
			wantNotFound(t, err, istypes.ResourceTypeUser)
		}
		names, _ = listUserNames(t, c, &identitystore.ListUsersInput{IdentityStoreId: store})
		if !slices.Equal(names, all[1:]) {
			t.Fatalf("ListUsers after delete = %v", names)
		}

		// Identity Center rules moto does not enforce.
		upper := newUserInput(store, "BOB")
		_, errCase := c.CreateUser(ctx, upper)
		two := newUserInput(store, "erin")
		two.Emails = append(two.Emails, istypes.Email{Value: aws.String("erin@example.net")})
		_, errEmails := c.CreateUser(ctx, two)
		_, errReserved := c.CreateUser(ctx, newUserInput(store, "Administrator"))
		if tg.moto {
			// moto differs from AWS: user names are case-sensitive, several
			// emails and reserved names are accepted.
			if errCase != nil || errEmails != nil || errReserved != nil {
				t.Fatalf("moto CreateUser: case %v, emails %v, reserved %v", errCase, errEmails, errReserved)
			}
		} else {
			wantConflict(t, errCase, istypes.ConflictExceptionReasonUniquenessConstraintViolation)
			wantValidation(t, errEmails, "emails")
			wantValidation(t, errReserved, "userName")
		}

		// The identity store must exist and be well formed.
		_, err = c.ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: aws.String("d-0000000000")})
		if tg.moto {
			// moto differs from AWS: any identity store id is accepted and
			// an empty store made on the fly.
			if err != nil {
				t.Fatalf("moto ListUsers of another store: %v", err)
			}
		} else {
			wantNotFound(t, err, istypes.ResourceTypeIdentityStore)
			_, err = c.ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: aws.String("not-a-store")})
			wantValidation(t, err, "identityStoreId")
			_, err = c.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: store, UserId: aws.String("nope")})
			wantValidation(t, err, "userId")
			_, err = c.ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: store, MaxResults: aws.Int32(101)})
			wantValidation(t, err, "maxResults")
			_, err = c.ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: store,
				//lint:ignore SA1019 AWS still serves the deprecated filters, so the sandbox does too
				Filters: []istypes.Filter{{AttributePath: aws.String("DisplayName"), AttributeValue: aws.String("x")}}})
			wantValidation(t, err, "DisplayName")
		}
	})
}

func TestConformanceIdentityStoreGroups(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		c := identitystore.NewFromConfig(tg.cfg)
		store := storeOf(t, tg)

		eng := createGroup(t, c, store, "engineering")
		for _, name := range []string{"ops", "sales"} {
			createGroup(t, c, store, name)
		}
		_, err := c.CreateGroup(ctx, &identitystore.CreateGroupInput{IdentityStoreId: store, DisplayName: aws.String("ops")})
		wantConflict(t, err, istypes.ConflictExceptionReasonUniquenessConstraintViolation)

		d, err := c.DescribeGroup(ctx, &identitystore.DescribeGroupInput{IdentityStoreId: store, GroupId: aws.String(eng)})
		if err != nil || aws.ToString(d.DisplayName) != "engineering" || aws.ToString(d.Description) != "the engineering team" ||
			aws.ToString(d.IdentityStoreId) != aws.ToString(store) {
			t.Fatalf("DescribeGroup = %+v, %v", d, err)
		}

		var names []string
		pages := 0
		p := identitystore.NewListGroupsPaginator(c, &identitystore.ListGroupsInput{IdentityStoreId: store, MaxResults: aws.Int32(1)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, g := range out.Groups {
				names = append(names, aws.ToString(g.DisplayName))
			}
		}
		if !slices.Equal(names, []string{"engineering", "ops", "sales"}) || pages != 3 {
			t.Fatalf("ListGroups = %v in %d pages", names, pages)
		}
		f, err := c.ListGroups(ctx, &identitystore.ListGroupsInput{IdentityStoreId: store,
			//lint:ignore SA1019 AWS still serves the deprecated filters, so the sandbox does too
			Filters: []istypes.Filter{{AttributePath: aws.String("DisplayName"), AttributeValue: aws.String("sales")}}})
		if err != nil || len(f.Groups) != 1 || aws.ToString(f.Groups[0].DisplayName) != "sales" {
			t.Fatalf("ListGroups filtered = %+v, %v", f, err)
		}

		id, err := c.GetGroupId(ctx, &identitystore.GetGroupIdInput{IdentityStoreId: store,
			AlternateIdentifier: &istypes.AlternateIdentifierMemberUniqueAttribute{Value: istypes.UniqueAttribute{
				AttributePath: aws.String("displayName"), AttributeValue: document.NewLazyDocument("engineering")}}})
		if err != nil || aws.ToString(id.GroupId) != eng || aws.ToString(id.IdentityStoreId) != aws.ToString(store) {
			t.Fatalf("GetGroupId = %+v, %v", id, err)
		}
		_, err = c.GetGroupId(ctx, &identitystore.GetGroupIdInput{IdentityStoreId: store,
			AlternateIdentifier: &istypes.AlternateIdentifierMemberUniqueAttribute{Value: istypes.UniqueAttribute{
				AttributePath: aws.String("displayName"), AttributeValue: document.NewLazyDocument("marketing")}}})
		wantNotFound(t, err, istypes.ResourceTypeGroup)

		if !tg.moto {
			// moto does not implement UpdateGroup (HTTP 500): sandbox only.
			up, err := c.UpdateGroup(ctx, &identitystore.UpdateGroupInput{IdentityStoreId: store, GroupId: aws.String(eng),
				Operations: []istypes.AttributeOperation{
					{AttributePath: aws.String("displayName"), AttributeValue: document.NewLazyDocument("platform")},
					{AttributePath: aws.String("description"), AttributeValue: document.NewLazyDocument("builds the platform")},
				}})
			if err != nil || aws.ToString(up.Revision) != "2" {
				t.Fatalf("UpdateGroup = %+v, %v", up, err)
			}
			d, err := c.DescribeGroup(ctx, &identitystore.DescribeGroupInput{IdentityStoreId: store, GroupId: aws.String(eng)})
			if err != nil || aws.ToString(d.DisplayName) != "platform" || aws.ToString(d.Description) != "builds the platform" {
				t.Fatalf("DescribeGroup after update = %+v, %v", d, err)
			}
			_, err = c.UpdateGroup(ctx, &identitystore.UpdateGroupInput{IdentityStoreId: store, GroupId: aws.String(eng),
				Operations: []istypes.AttributeOperation{{AttributePath: aws.String("displayName"), AttributeValue: document.NewLazyDocument("OPS")}}})
			wantConflict(t, err, istypes.ConflictExceptionReasonUniquenessConstraintViolation)
			_, err = c.UpdateGroup(ctx, &identitystore.UpdateGroupInput{IdentityStoreId: store, GroupId: aws.String(eng),
				Operations: []istypes.AttributeOperation{{AttributePath: aws.String("displayName")}}})
			wantValidation(t, err, "displayname")
			_, err = c.UpdateGroup(ctx, &identitystore.UpdateGroupInput{IdentityStoreId: store, GroupId: aws.String(eng),
				Operations: []istypes.AttributeOperation{{AttributePath: aws.String("members"), AttributeValue: document.NewLazyDocument("x")}}})
			wantValidation(t, err, "members")
			_, err = c.UpdateGroup(ctx, &identitystore.UpdateGroupInput{IdentityStoreId: store, GroupId: aws.String(eng),
				Revision: aws.String("1"), Operations: []istypes.AttributeOperation{{AttributePath: aws.String("description")}}})
			wantConflict(t, err, istypes.ConflictExceptionReasonConcurrentModification)
			_, err = c.CreateGroup(ctx, &identitystore.CreateGroupInput{IdentityStoreId: store})
			wantValidation(t, err, "displayname")
		}

		if _, err := c.DeleteGroup(ctx, &identitystore.DeleteGroupInput{IdentityStoreId: store, GroupId: aws.String(eng)}); err != nil {
			t.Fatal(err)
		}
		_, err = c.DescribeGroup(ctx, &identitystore.DescribeGroupInput{IdentityStoreId: store, GroupId: aws.String(eng)})
		wantNotFound(t, err, istypes.ResourceTypeGroup)
	})
}

func TestConformanceIdentityStoreMemberships(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		c := identitystore.NewFromConfig(tg.cfg)
		store := storeOf(t, tg)

		alice := createUser(t, c, store, "alice")
		bob := createUser(t, c, store, "bob")
		eng := createGroup(t, c, store, "engineering")
		ops := createGroup(t, c, store, "ops")

		add := func(group, user string) string {
			t.Helper()
			out, err := c.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: store,
				GroupId: aws.String(group), MemberId: &istypes.MemberIdMemberUserId{Value: user}})
			if err != nil {
				t.Fatalf("CreateGroupMembership: %v", err)
			}
			if aws.ToString(out.IdentityStoreId) != aws.ToString(store) {
				t.Fatalf("CreateGroupMembership = %+v", out)
			}
			return aws.ToString(out.MembershipId)
		}
		aliceEng := add(eng, alice)
		add(eng, bob)
		add(ops, alice)

		members := func(group string) []string {
			t.Helper()
			var ids []string
			p := identitystore.NewListGroupMembershipsPaginator(c, &identitystore.ListGroupMembershipsInput{
				IdentityStoreId: store, GroupId: aws.String(group), MaxResults: aws.Int32(1)})
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range out.GroupMemberships {
					if aws.ToString(m.GroupId) != group || aws.ToString(m.IdentityStoreId) != aws.ToString(store) {
						t.Fatalf("membership of %s = %+v", group, m)
					}
					ids = append(ids, m.MemberId.(*istypes.MemberIdMemberUserId).Value)
				}
			}
			return ids
		}
		groupsOf := func(user string) []string {
			t.Helper()
			var ids []string
			p := identitystore.NewListGroupMembershipsForMemberPaginator(c, &identitystore.ListGroupMembershipsForMemberInput{
				IdentityStoreId: store, MemberId: &istypes.MemberIdMemberUserId{Value: user}, MaxResults: aws.Int32(1)})
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range out.GroupMemberships {
					ids = append(ids, aws.ToString(m.GroupId))
				}
			}
			return ids
		}
		if got := members(eng); !slices.Equal(got, []string{alice, bob}) {
			t.Fatalf("members of engineering = %v, want alice and bob", got)
		}
		if got := groupsOf(alice); !slices.Equal(got, []string{eng, ops}) {
			t.Fatalf("groups of alice = %v, want engineering and ops", got)
		}

		unknown := "a1b2c3d4-5678-40ab-adef-000000000000"
		_, err := c.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: store,
			GroupId: aws.String(unknown), MemberId: &istypes.MemberIdMemberUserId{Value: bob}})
		wantNotFound(t, err, istypes.ResourceTypeGroup)
		_, err = c.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: store,
			GroupId: aws.String(ops), MemberId: &istypes.MemberIdMemberUserId{Value: unknown}})
		wantNotFound(t, err, istypes.ResourceTypeUser)

		_, err = c.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: store,
			GroupId: aws.String(eng), MemberId: &istypes.MemberIdMemberUserId{Value: alice}})
		if tg.moto {
			// moto differs from AWS: a duplicate membership is created.
			if err != nil {
				t.Fatalf("moto duplicate CreateGroupMembership: %v", err)
			}
		} else {
			wantConflict(t, err, istypes.ConflictExceptionReasonUniquenessConstraintViolation)
		}

		if !tg.moto {
			// moto does not implement DescribeGroupMembership,
			// GetGroupMembershipId or IsMemberInGroups (HTTP 500): sandbox only.
			dm, err := c.DescribeGroupMembership(ctx, &identitystore.DescribeGroupMembershipInput{IdentityStoreId: store, MembershipId: aws.String(aliceEng)})
			if err != nil || aws.ToString(dm.GroupId) != eng || dm.MemberId.(*istypes.MemberIdMemberUserId).Value != alice {
				t.Fatalf("DescribeGroupMembership = %+v, %v", dm, err)
			}
			gm, err := c.GetGroupMembershipId(ctx, &identitystore.GetGroupMembershipIdInput{IdentityStoreId: store,
				GroupId: aws.String(eng), MemberId: &istypes.MemberIdMemberUserId{Value: alice}})
			if err != nil || aws.ToString(gm.MembershipId) != aliceEng {
				t.Fatalf("GetGroupMembershipId = %+v, %v", gm, err)
			}
			_, err = c.GetGroupMembershipId(ctx, &identitystore.GetGroupMembershipIdInput{IdentityStoreId: store,
				GroupId: aws.String(ops), MemberId: &istypes.MemberIdMemberUserId{Value: bob}})
			wantNotFound(t, err, istypes.ResourceTypeGroupMembership)
			in, err := c.IsMemberInGroups(ctx, &identitystore.IsMemberInGroupsInput{IdentityStoreId: store,
				MemberId: &istypes.MemberIdMemberUserId{Value: bob}, GroupIds: []string{eng, ops}})
			if err != nil || len(in.Results) != 2 || !in.Results[0].MembershipExists || in.Results[1].MembershipExists ||
				aws.ToString(in.Results[1].GroupId) != ops {
				t.Fatalf("IsMemberInGroups = %+v, %v", in, err)
			}
			_, err = c.IsMemberInGroups(ctx, &identitystore.IsMemberInGroupsInput{IdentityStoreId: store,
				MemberId: &istypes.MemberIdMemberUserId{Value: bob}, GroupIds: []string{}})
			wantValidation(t, err, "groupIds")
			_, err = c.DeleteGroupMembership(ctx, &identitystore.DeleteGroupMembershipInput{IdentityStoreId: store, MembershipId: aws.String(unknown)})
			wantNotFound(t, err, istypes.ResourceTypeGroupMembership)
			_, err = c.ListGroupMemberships(ctx, &identitystore.ListGroupMembershipsInput{IdentityStoreId: store, GroupId: aws.String(unknown)})
			wantNotFound(t, err, istypes.ResourceTypeGroup)
			_, err = c.ListGroupMembershipsForMember(ctx, &identitystore.ListGroupMembershipsForMemberInput{IdentityStoreId: store,
				MemberId: &istypes.MemberIdMemberUserId{Value: unknown}})
			wantNotFound(t, err, istypes.ResourceTypeUser)
		}

		if _, err := c.DeleteGroupMembership(ctx, &identitystore.DeleteGroupMembershipInput{IdentityStoreId: store, MembershipId: aws.String(aliceEng)}); err != nil {
			t.Fatal(err)
		}
		want := []string{bob}
		if tg.moto {
			want = []string{bob, alice} // the duplicate made above
		}
		if got := members(eng); !slices.Equal(got, want) {
			t.Fatalf("members of engineering after delete = %v, want %v", got, want)
		}

		// Deleting a user removes its memberships.
		if _, err := c.DeleteUser(ctx, &identitystore.DeleteUserInput{IdentityStoreId: store, UserId: aws.String(bob)}); err != nil {
			t.Fatal(err)
		}
		got := members(eng)
		if tg.moto {
			// moto differs from AWS: a deleted user's memberships stay.
			if !slices.Contains(got, bob) {
				t.Fatalf("moto members of engineering after DeleteUser = %v", got)
			}
		} else if len(got) != 0 {
			t.Fatalf("members of engineering after DeleteUser = %v, want none", got)
		}

		// Deleting a group removes its memberships.
		if _, err := c.DeleteGroup(ctx, &identitystore.DeleteGroupInput{IdentityStoreId: store, GroupId: aws.String(ops)}); err != nil {
			t.Fatal(err)
		}
		got = groupsOf(alice)
		if tg.moto {
			// moto differs from AWS: a deleted group's memberships stay.
			if !slices.Contains(got, ops) {
				t.Fatalf("moto groups of alice after DeleteGroup = %v", got)
			}
		} else if len(got) != 0 {
			t.Fatalf("groups of alice after DeleteGroup = %v, want none", got)
		}
	})
}

// TestIdentityStoreUpdateUser covers UpdateUser, which moto does not
// implement (HTTP 500).
func TestIdentityStoreUpdateUser(t *testing.T) {
	ctx := context.Background()
	srv, url := startSandbox(t, Options{})
	c := identitystore.NewFromConfig(sdkConfig(t, url))
	store := aws.String(srv.IdentityStoreID())
	alice := createUser(t, c, store, "alice")
	createUser(t, c, store, "bob")

	update := func(rev *string, ops ...istypes.AttributeOperation) (*identitystore.UpdateUserOutput, error) {
		return c.UpdateUser(ctx, &identitystore.UpdateUserInput{IdentityStoreId: store, UserId: aws.String(alice), Revision: rev, Operations: ops})
	}
	set := func(path string, v any) istypes.AttributeOperation {
		op := istypes.AttributeOperation{AttributePath: aws.String(path)}
		if v != nil {
			op.AttributeValue = document.NewLazyDocument(v)
		}
		return op
	}
	out, err := update(aws.String("1"),
		set("displayName", "Alice Liddell"),
		set("name.familyName", "Liddell"),
		set("title", "Engineer"),
		set("emails", []map[string]any{{"Value": "alice@example.org", "Type": "work", "Primary": true}}),
		set("locale", "en-GB"),
	)
	if err != nil || aws.ToString(out.Revision) != "2" || aws.ToString(out.UserId) != alice || aws.ToString(out.IdentityStoreId) != aws.ToString(store) {
		t.Fatalf("UpdateUser = %+v, %v", out, err)
	}
	d, err := c.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: store, UserId: aws.String(alice)})
	if err != nil || aws.ToString(d.DisplayName) != "Alice Liddell" || aws.ToString(d.Name.FamilyName) != "Liddell" ||
		aws.ToString(d.Name.GivenName) != "alice" || aws.ToString(d.Title) != "Engineer" || aws.ToString(d.Locale) != "en-GB" ||
		len(d.Emails) != 1 || aws.ToString(d.Emails[0].Value) != "alice@example.org" {
		t.Fatalf("DescribeUser after update = %+v, %v", d, err)
	}
	if _, err := update(nil, set("title", nil)); err != nil {
		t.Fatal(err)
	}
	if d, _ := c.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: store, UserId: aws.String(alice)}); d.Title != nil {
		t.Fatalf("title after removal = %q", aws.ToString(d.Title))
	}

	for _, tc := range []struct {
		name  string
		ops   []istypes.AttributeOperation
		field string
	}{
		{"unknown path", []istypes.AttributeOperation{set("shoeSize", "42")}, "shoeSize"},
		{"remove required", []istypes.AttributeOperation{set("displayName", nil)}, "displayname"},
		{"remove given name", []istypes.AttributeOperation{set("name.givenName", nil)}, "givenname"},
		{"wrong type", []istypes.AttributeOperation{set("title", 42)}, "title"},
		{"two emails", []istypes.AttributeOperation{set("emails", []map[string]any{{"Value": "a@x"}, {"Value": "b@x"}})}, "emails"},
		{"no operations", []istypes.AttributeOperation{}, "operations"},
		{"user name too long", []istypes.AttributeOperation{set("userName", strings.Repeat("a", 129))}, "userName"},
	} {
		_, err := update(nil, tc.ops...)
		wantValidation(t, err, tc.field)
	}
	_, err = update(nil, set("userName", "BOB"))
	wantConflict(t, err, istypes.ConflictExceptionReasonUniquenessConstraintViolation)
	_, err = update(aws.String("1"), set("title", "Stale"))
	wantConflict(t, err, istypes.ConflictExceptionReasonConcurrentModification)
	// A failing request changes nothing: the first operation is not applied.
	_, err = update(nil, set("nickName", "Al"), set("shoeSize", "42"))
	wantValidation(t, err, "shoeSize")
	if d, _ := c.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: store, UserId: aws.String(alice)}); d.NickName != nil || aws.ToString(d.Revision) != "3" {
		t.Fatalf("user after a failed update = %+v", d)
	}
	if _, err := update(nil, set("userName", "alice.liddell")); err != nil {
		t.Fatal(err)
	}
	id, err := c.GetUserId(ctx, &identitystore.GetUserIdInput{IdentityStoreId: store,
		AlternateIdentifier: &istypes.AlternateIdentifierMemberUniqueAttribute{Value: istypes.UniqueAttribute{
			AttributePath: aws.String("userName"), AttributeValue: document.NewLazyDocument("ALICE.LIDDELL")}}})
	if err != nil || aws.ToString(id.UserId) != alice {
		t.Fatalf("GetUserId after rename = %+v, %v", id, err)
	}
}

// TestIdentityStoreSeededWorld checks that seeded users and groups are
// served, found by alternate identifiers and by ARN.
func TestIdentityStoreSeededWorld(t *testing.T) {
	ctx := context.Background()
	seed := DefaultSeed()
	seed.Users = []SeedUser{{UserName: "ada", GivenName: "Ada", FamilyName: "Lovelace", Email: "ada@example.com"}}
	seed.Groups = []SeedGroup{{Name: "admins", Members: []string{"ada"}}}
	srv, url := startSandbox(t, Options{Seed: seed})
	c := identitystore.NewFromConfig(sdkConfig(t, url))
	store := aws.String(srv.IdentityStoreID())

	id, err := c.GetUserId(ctx, &identitystore.GetUserIdInput{IdentityStoreId: store,
		AlternateIdentifier: &istypes.AlternateIdentifierMemberUniqueAttribute{Value: istypes.UniqueAttribute{
			AttributePath: aws.String("emails.value"), AttributeValue: document.NewLazyDocument("ada@example.com")}}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: aws.String("arn:aws:identitystore::111111111111:identitystore/" + *store),
		UserId: aws.String("arn:aws:identitystore:::user/" + aws.ToString(id.UserId))})
	if err != nil || aws.ToString(d.DisplayName) != "Ada Lovelace" || d.CreatedAt == nil || aws.ToString(d.Revision) != "1" {
		t.Fatalf("DescribeUser by ARN = %+v, %v", d, err)
	}
	gs, err := c.ListGroupMembershipsForMember(ctx, &identitystore.ListGroupMembershipsForMemberInput{IdentityStoreId: store,
		MemberId: &istypes.MemberIdMemberUserId{Value: aws.ToString(id.UserId)}})
	if err != nil || len(gs.GroupMemberships) != 1 {
		t.Fatalf("memberships of ada = %+v, %v", gs, err)
	}
	g, err := c.DescribeGroup(ctx, &identitystore.DescribeGroupInput{IdentityStoreId: store, GroupId: gs.GroupMemberships[0].GroupId})
	if err != nil || aws.ToString(g.DisplayName) != "admins" {
		t.Fatalf("DescribeGroup = %+v, %v", g, err)
	}
}

// TestIdentityStoreMalformedRequests sends bodies no SDK would: every one
// gets a 400 with a JSON error, never a 500.
func TestIdentityStoreMalformedRequests(t *testing.T) {
	srv, url := startSandbox(t, Options{})
	store := srv.IdentityStoreID()
	for _, tc := range []struct {
		op, body, code string
	}{
		{"ListUsers", `{`, "SerializationException"},
		{"ListUsers", `[]`, "SerializationException"},
		{"ListUsers", `"x"`, "SerializationException"},
		{"ListUsers", `{"IdentityStoreId": 7}`, "SerializationException"},
		{"ListUsers", `{"IdentityStoreId": "` + store + `"} {}`, "SerializationException"},
		{"ListUsers", `{}`, "ValidationException"},
		{"ListUsers", `{"IdentityStoreId": null}`, "ValidationException"},
		{"ListUsers", `{"IdentityStoreId": "` + store + `", "MaxResults": "ten"}`, "SerializationException"},
		{"ListUsers", `{"IdentityStoreId": "` + store + `", "MaxResults": 0}`, "ValidationException"},
		{"ListUsers", `{"IdentityStoreId": "` + store + `", "MaxResults": 1e40}`, "SerializationException"},
		{"ListUsers", `{"IdentityStoreId": "` + store + `", "NextToken": "garbage"}`, "ValidationException"},
		{"ListUsers", `{"IdentityStoreId": "` + store + `", "Filters": {}}`, "SerializationException"},
		{"ListUsers", `{"IdentityStoreId": "` + store + `", "Filters": [{}, {}]}`, "ValidationException"},
		{"ListUsers", `{"IdentityStoreId": "` + store + `", "Filters": [{"AttributePath": "UserName"}]}`, "ValidationException"},
		{"ListUsers", `{"IdentityStoreId": "` + store + `", "Filters": [null]}`, "ValidationException"},
		{"CreateUser", `{"IdentityStoreId": "` + store + `", "UserName": ["a"]}`, "SerializationException"},
		{"CreateUser", `{"IdentityStoreId": "` + store + `", "UserName": "a", "Name": "x"}`, "SerializationException"},
		{"CreateUser", `{"IdentityStoreId": "` + store + `", "UserName": "a b", "DisplayName": "A", "Name": {"GivenName": "a", "FamilyName": "b"}}`, "ValidationException"},
		{"CreateUser", `{"IdentityStoreId": "` + store + `", "UserName": "a", "DisplayName": "", "Name": {"GivenName": "a", "FamilyName": "b"}}`, "ValidationException"},
		{"CreateUser", `{"IdentityStoreId": "` + store + `", "UserName": "a", "DisplayName": "A", "Name": {"GivenName": "a", "FamilyName": "b"}, "Emails": []}`, "ValidationException"},
		{"CreateUser", `{"IdentityStoreId": "` + store + `", "UserName": "a", "DisplayName": "A", "Name": {"GivenName": "a", "FamilyName": "b"}, "Emails": [{"Primary": "yes"}]}`, "SerializationException"},
		{"DescribeUser", `{"IdentityStoreId": "` + store + `", "UserId": ""}`, "ValidationException"},
		{"DescribeUser", `{"IdentityStoreId": "` + store + `", "UserId": "` + strings.Repeat("a", 5000) + `"}`, "ValidationException"},
		{"UpdateUser", `{"IdentityStoreId": "` + store + `", "UserId": "a1b2c3d4-5678-40ab-adef-000000000000", "Operations": "x"}`, "SerializationException"},
		{"UpdateUser", `{"IdentityStoreId": "` + store + `", "UserId": "a1b2c3d4-5678-40ab-adef-000000000000", "Operations": [{"AttributePath": "title"}]}`, "ResourceNotFoundException"},
		{"GetUserId", `{"IdentityStoreId": "` + store + `"}`, "ValidationException"},
		{"GetUserId", `{"IdentityStoreId": "` + store + `", "AlternateIdentifier": {}}`, "ValidationException"},
		{"GetUserId", `{"IdentityStoreId": "` + store + `", "AlternateIdentifier": {"UniqueAttribute": {"AttributePath": "userName", "AttributeValue": {"a": 1}}}}`, "ValidationException"},
		{"GetUserId", `{"IdentityStoreId": "` + store + `", "AlternateIdentifier": {"UniqueAttribute": {"AttributePath": "userName"}}}`, "ValidationException"},
		{"GetUserId", `{"IdentityStoreId": "` + store + `", "AlternateIdentifier": {"ExternalId": {"Issuer": "x"}}}`, "ValidationException"},
		{"GetGroupId", `{"IdentityStoreId": "` + store + `", "AlternateIdentifier": {"UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": null}}}`, "ValidationException"},
		{"CreateGroupMembership", `{"IdentityStoreId": "` + store + `", "GroupId": "a1b2c3d4-5678-40ab-adef-000000000000"}`, "ResourceNotFoundException"},
		{"CreateGroupMembership", `{"IdentityStoreId": "` + store + `", "GroupId": 1, "MemberId": {}}`, "SerializationException"},
		{"ListGroupMembershipsForMember", `{"IdentityStoreId": "` + store + `", "MemberId": {}}`, "ValidationException"},
		{"IsMemberInGroups", `{"IdentityStoreId": "` + store + `", "MemberId": {"UserId": "a1b2c3d4-5678-40ab-adef-000000000000"}, "GroupIds": [null]}`, "ResourceNotFoundException"},
		{"CreateGroup", `{"IdentityStoreId": "` + store + `", "DisplayName": "bad\u0000name"}`, "ValidationException"},
		{"CreateGroup", `{"IdentityStoreId": "` + store + `", "DisplayName": "` + strings.Repeat("g", 1025) + `"}`, "ValidationException"},
	} {
		t.Run(tc.op+" "+truncate(tc.body, 60), func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Amz-Target", "AWSIdentityStore."+tc.op)
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			var body struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(b, &body); err != nil {
				t.Fatalf("status %d, body %q is not JSON: %v", resp.StatusCode, b, err)
			}
			if resp.StatusCode != 400 || body.Type != tc.code || body.Message == "" {
				t.Fatalf("status %d, body %s; want 400 %s", resp.StatusCode, b, tc.code)
			}
		})
	}
}
