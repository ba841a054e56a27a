package sandbox

// Group memberships: CreateGroupMembership, Describe, Delete, the two lists,
// GetGroupMembershipId and IsMemberInGroups.

import (
	"fmt"
	"slices"
	"time"
)

type isMemberID struct {
	UserId *string
}

// findMember validates a MemberId union and looks the user up.
func (c *call) findMember(m *isMemberID) (*User, error) {
	if m == nil {
		return nil, errRequired("memberId")
	}
	return c.findUser("memberId.userId", m.UserId)
}

func (c *call) membershipOut(m *Membership) map[string]any {
	created, _ := c.auditTimes(m.Created, time.Time{})
	out := map[string]any{"IdentityStoreId": c.storeID(), "MembershipId": m.ID, "MembershipArn": objARN("membership", m.ID),
		"GroupId": m.GroupID, "MemberId": map[string]string{"UserId": m.UserID}, "CreatedAt": created, "UpdatedAt": created}
	if m.CreatedBy != "" {
		out["CreatedBy"] = m.CreatedBy
		out["UpdatedBy"] = m.CreatedBy
	}
	return out
}

func (w *World) membership(groupID, userID string) *Membership {
	for _, m := range w.Memberships {
		if m.GroupID == groupID && m.UserID == userID {
			return m
		}
	}
	return nil
}

// isGroupMemberIn names a group and a member, for CreateGroupMembership and
// GetGroupMembershipId.
type isGroupMemberIn struct {
	IdentityStoreId *string
	GroupId         *string
	MemberId        *isMemberID
}

// find checks the store, then looks the group and the member up.
func (in *isGroupMemberIn) find(c *call) (*Group, *User, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, nil, err
	}
	g, err := c.findGroup("groupId", in.GroupId)
	if err != nil {
		return nil, nil, err
	}
	u, err := c.findMember(in.MemberId)
	if err != nil {
		return nil, nil, err
	}
	return g, u, nil
}

func isCreateGroupMembership(c *call, in *isGroupMemberIn) (any, error) {
	g, u, err := in.find(c)
	if err != nil {
		return nil, err
	}
	if c.w.membership(g.ID, u.ID) != nil {
		return nil, errISConflict("UNIQUENESS_CONSTRAINT_VIOLATION", "Member is already in the group")
	}
	m := &Membership{ID: c.newObjectID(), GroupID: g.ID, UserID: u.ID, Created: c.now, CreatedBy: c.caller().ARN}
	c.w.Memberships = append(c.w.Memberships, m)
	return c.idsOut("membership", m.ID), nil
}

func (c *call) findMembership(v *string) (*Membership, error) {
	id, err := resourceID("membershipId", "membership", v)
	if err != nil {
		return nil, err
	}
	for _, m := range c.w.Memberships {
		if m.ID == id {
			return m, nil
		}
	}
	return nil, errISNotFound("GROUP_MEMBERSHIP", id)
}

func isDescribeGroupMembership(c *call, in *struct {
	IdentityStoreId *string
	MembershipId    *string
}) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	m, err := c.findMembership(in.MembershipId)
	if err != nil {
		return nil, err
	}
	return c.membershipOut(m), nil
}

func isDeleteGroupMembership(c *call, in *struct {
	IdentityStoreId *string
	MembershipId    *string
}) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	m, err := c.findMembership(in.MembershipId)
	if err != nil {
		return nil, err
	}
	c.w.Memberships = slices.DeleteFunc(c.w.Memberships, func(o *Membership) bool { return o == m })
	return nil, nil
}

func isListGroupMemberships(c *call, in *struct {
	IdentityStoreId *string
	GroupId         *string
	isPaging
}) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	g, err := c.findGroup("groupId", in.GroupId)
	if err != nil {
		return nil, err
	}
	var ms []*Membership
	for _, m := range c.w.Memberships {
		if m.GroupID == g.ID {
			ms = append(ms, m)
		}
	}
	return listOut(ms, "members:"+g.ID, in.isPaging, "GroupMemberships", c.membershipOut)
}

func isListGroupMembershipsForMember(c *call, in *struct {
	IdentityStoreId *string
	MemberId        *isMemberID
	isPaging
}) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	u, err := c.findMember(in.MemberId)
	if err != nil {
		return nil, err
	}
	var ms []*Membership
	for _, m := range c.w.Memberships {
		if m.UserID == u.ID {
			ms = append(ms, m)
		}
	}
	return listOut(ms, "memberof:"+u.ID, in.isPaging, "GroupMemberships", c.membershipOut)
}

func isGetGroupMembershipID(c *call, in *isGroupMemberIn) (any, error) {
	g, u, err := in.find(c)
	if err != nil {
		return nil, err
	}
	m := c.w.membership(g.ID, u.ID)
	if m == nil {
		return nil, errISNotFound("GROUP_MEMBERSHIP", "")
	}
	return c.idsOut("membership", m.ID), nil
}

func isIsMemberInGroups(c *call, in *struct {
	IdentityStoreId *string
	MemberId        *isMemberID
	GroupIds        []*string
}) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	u, err := c.findMember(in.MemberId)
	if err != nil {
		return nil, err
	}
	switch {
	case in.GroupIds == nil:
		return nil, errRequired("groupIds")
	case len(in.GroupIds) == 0:
		return nil, errConstraint("groupIds", "[]", "Member must have length greater than or equal to 1")
	case len(in.GroupIds) > 100:
		return nil, errConstraint("groupIds", fmt.Sprintf("[%d group ids]", len(in.GroupIds)), "Member must have length less than or equal to 100")
	}
	results := make([]map[string]any, 0, len(in.GroupIds))
	for i, gid := range in.GroupIds {
		id, err := resourceID(fmt.Sprintf("groupIds.%d.member", i+1), "group", gid)
		if err != nil {
			return nil, err
		}
		results = append(results, map[string]any{"GroupId": id, "MemberId": map[string]string{"UserId": u.ID},
			"MembershipExists": c.w.membership(id, u.ID) != nil})
	}
	return map[string]any{"Results": results}, nil
}
