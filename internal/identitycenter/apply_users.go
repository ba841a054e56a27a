package identitycenter

// Applying changes to users, groups and group memberships.

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/document"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
)

func (r *run) createUser(ctx context.Context, ch Change) error {
	u := ch.WantUser
	if u == nil {
		return missing(ch)
	}
	in := &identitystore.CreateUserInput{IdentityStoreId: r.store, UserName: aws.String(u.UserName),
		DisplayName: aws.String(u.DisplayName), UserType: aws.String(UserType),
		Name: &istypes.Name{GivenName: aws.String(u.GivenName), FamilyName: aws.String(u.FamilyName)}}
	if u.Email != "" {
		in.Emails = []istypes.Email{{Value: aws.String(u.Email), Type: aws.String("work"), Primary: true}}
	}
	out, err := r.a.C.IdentityStore.CreateUser(ctx, in)
	if isAlreadyConflict(err) {
		// Created by an earlier, interrupted apply, or by someone else meanwhile.
		have, ferr := r.findUser(ctx, u.UserName)
		if ferr != nil {
			return fmt.Errorf("create user: %w; then: %w", err, ferr)
		}
		if !have.Owned() {
			return fmt.Errorf("user %s already exists and keyless does not own it: adopt it with keyless import, or leave it out of keyless.yaml", u.UserName)
		}
		r.remember(r.users, u.UserName, have.ID)
		return r.updateUserFields(ctx, have, u)
	}
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	r.remember(r.users, u.UserName, aws.ToString(out.UserId))
	return nil
}

func (r *run) findUser(ctx context.Context, name string) (*User, error) {
	id, err := r.a.C.IdentityStore.GetUserId(ctx, &identitystore.GetUserIdInput{IdentityStoreId: r.store,
		AlternateIdentifier: &istypes.AlternateIdentifierMemberUniqueAttribute{Value: istypes.UniqueAttribute{
			AttributePath: aws.String("userName"), AttributeValue: document.NewLazyDocument(name)}}})
	if err != nil {
		return nil, fmt.Errorf("look up user %s: %w", name, err)
	}
	d, err := r.a.C.IdentityStore.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: r.store, UserId: id.UserId})
	if err != nil {
		return nil, fmt.Errorf("describe user %s: %w", name, err)
	}
	u := userOf(istypes.User{UserId: d.UserId, UserName: d.UserName, DisplayName: d.DisplayName, Name: d.Name, Emails: d.Emails, UserType: d.UserType})
	return &u, nil
}

func (r *run) updateUser(ctx context.Context, ch Change) error {
	if ch.WantUser == nil || ch.HaveUser == nil {
		return missing(ch)
	}
	return r.updateUserFields(ctx, ch.HaveUser, ch.WantUser)
}

// updateUserFields changes the attributes keyless manages that differ. It
// also sets the owner's user type, which is how import adopts a user.
func (r *run) updateUserFields(ctx context.Context, have, want *User) error {
	var ops []istypes.AttributeOperation
	set := func(path string, v any) {
		ops = append(ops, istypes.AttributeOperation{AttributePath: aws.String(path), AttributeValue: document.NewLazyDocument(v)})
	}
	if want.DisplayName != have.DisplayName {
		set("displayName", want.DisplayName)
	}
	if want.GivenName != have.GivenName {
		set("name.givenName", want.GivenName)
	}
	if want.FamilyName != have.FamilyName {
		set("name.familyName", want.FamilyName)
	}
	if want.Email != have.Email {
		if want.Email == "" {
			set("emails", nil)
		} else {
			set("emails", []map[string]any{{"Value": want.Email, "Type": "work", "Primary": true}})
		}
	}
	if have.UserType != UserType {
		set("userType", UserType)
	}
	if len(ops) == 0 {
		return nil
	}
	id := have.ID
	if id == "" {
		var err error
		if id, err = r.userID(have.UserName); err != nil {
			return err
		}
	}
	if _, err := r.a.C.IdentityStore.UpdateUser(ctx, &identitystore.UpdateUserInput{IdentityStoreId: r.store, UserId: aws.String(id), Operations: ops}); err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	return nil
}

func (r *run) deleteUser(ctx context.Context, ch Change) error {
	if ch.HaveUser == nil {
		return missing(ch)
	}
	_, err := r.a.C.IdentityStore.DeleteUser(ctx, &identitystore.DeleteUserInput{IdentityStoreId: r.store, UserId: aws.String(ch.HaveUser.ID)})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("delete user: %w", err)
	}
	return nil
}

// Groups and memberships.

func (r *run) createGroup(ctx context.Context, ch Change) error {
	g := ch.WantGroup
	if g == nil {
		return missing(ch)
	}
	out, err := r.a.C.IdentityStore.CreateGroup(ctx, &identitystore.CreateGroupInput{IdentityStoreId: r.store,
		DisplayName: aws.String(g.Name), Description: aws.String(MarkDescription(g.Description))})
	if isAlreadyConflict(err) {
		have, ferr := r.findGroup(ctx, g.Name)
		if ferr != nil {
			return fmt.Errorf("create group: %w; then: %w", err, ferr)
		}
		if !have.Owned() {
			return fmt.Errorf("group %s already exists and keyless does not own it: adopt it with keyless import, or leave it out of keyless.yaml", g.Name)
		}
		r.remember(r.groups, g.Name, have.ID)
		return r.updateGroupFields(ctx, have, g)
	}
	if err != nil {
		return fmt.Errorf("create group: %w", err)
	}
	r.remember(r.groups, g.Name, aws.ToString(out.GroupId))
	return nil
}

func (r *run) findGroup(ctx context.Context, name string) (*Group, error) {
	id, err := r.a.C.IdentityStore.GetGroupId(ctx, &identitystore.GetGroupIdInput{IdentityStoreId: r.store,
		AlternateIdentifier: &istypes.AlternateIdentifierMemberUniqueAttribute{Value: istypes.UniqueAttribute{
			AttributePath: aws.String("displayName"), AttributeValue: document.NewLazyDocument(name)}}})
	if err != nil {
		return nil, fmt.Errorf("look up group %s: %w", name, err)
	}
	d, err := r.a.C.IdentityStore.DescribeGroup(ctx, &identitystore.DescribeGroupInput{IdentityStoreId: r.store, GroupId: id.GroupId})
	if err != nil {
		return nil, fmt.Errorf("describe group %s: %w", name, err)
	}
	return &Group{ID: aws.ToString(d.GroupId), Name: aws.ToString(d.DisplayName), Description: aws.ToString(d.Description)}, nil
}

func (r *run) updateGroup(ctx context.Context, ch Change) error {
	if ch.WantGroup == nil || ch.HaveGroup == nil {
		return missing(ch)
	}
	return r.updateGroupFields(ctx, ch.HaveGroup, ch.WantGroup)
}

func (r *run) updateGroupFields(ctx context.Context, have *Group, want *DesiredGroup) error {
	desc := MarkDescription(want.Description)
	if desc == have.Description {
		return nil
	}
	_, err := r.a.C.IdentityStore.UpdateGroup(ctx, &identitystore.UpdateGroupInput{IdentityStoreId: r.store, GroupId: aws.String(have.ID),
		Operations: []istypes.AttributeOperation{{AttributePath: aws.String("description"), AttributeValue: document.NewLazyDocument(desc)}}})
	if err != nil {
		return fmt.Errorf("update group: %w", err)
	}
	return nil
}

func (r *run) deleteGroup(ctx context.Context, ch Change) error {
	if ch.HaveGroup == nil {
		return missing(ch)
	}
	_, err := r.a.C.IdentityStore.DeleteGroup(ctx, &identitystore.DeleteGroupInput{IdentityStoreId: r.store, GroupId: aws.String(ch.HaveGroup.ID)})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("delete group: %w", err)
	}
	return nil
}

func (r *run) membershipIDs(m *MembershipRef) (group, user string, err error) {
	group, user = m.GroupID, m.UserID
	if group == "" {
		if group, err = r.groupID(m.Group); err != nil {
			return "", "", err
		}
	}
	if user == "" {
		if user, err = r.userID(m.User); err != nil {
			return "", "", err
		}
	}
	return group, user, nil
}

func (r *run) addMember(ctx context.Context, ch Change) error {
	if ch.Membership == nil {
		return missing(ch)
	}
	group, user, err := r.membershipIDs(ch.Membership)
	if err != nil {
		return err
	}
	_, err = r.a.C.IdentityStore.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: r.store,
		GroupId: aws.String(group), MemberId: &istypes.MemberIdMemberUserId{Value: user}})
	if err != nil && !isAlreadyConflict(err) { // already a member: done
		return fmt.Errorf("add member: %w", err)
	}
	return nil
}

func (r *run) removeMember(ctx context.Context, ch Change) error {
	m := ch.Membership
	if m == nil {
		return missing(ch)
	}
	id := m.MembershipID
	if id == "" {
		group, user, err := r.membershipIDs(m)
		if err != nil {
			return err
		}
		out, err := r.a.C.IdentityStore.GetGroupMembershipId(ctx, &identitystore.GetGroupMembershipIdInput{IdentityStoreId: r.store,
			GroupId: aws.String(group), MemberId: &istypes.MemberIdMemberUserId{Value: user}})
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("look up membership: %w", err)
		}
		id = aws.ToString(out.MembershipId)
	}
	_, err := r.a.C.IdentityStore.DeleteGroupMembership(ctx, &identitystore.DeleteGroupMembershipInput{IdentityStoreId: r.store, MembershipId: aws.String(id)})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("remove member: %w", err)
	}
	return nil
}
