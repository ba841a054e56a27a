package sandbox

// Identity store groups: CreateGroup, DescribeGroup, UpdateGroup,
// DeleteGroup, ListGroups and GetGroupId.

import (
	"slices"
	"strings"
)

func (c *call) checkGroupNameFree(name, self string) error {
	for _, o := range c.w.Groups {
		if o.ID != self && strings.EqualFold(o.DisplayName, name) {
			return errISConflict("UNIQUENESS_CONSTRAINT_VIOLATION", "Duplicate GroupDisplayName")
		}
	}
	return nil
}

func isCreateGroup(c *call, in *struct {
	IdentityStoreId *string
	DisplayName     *string
	Description     *string
}) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	if err := groupNameRule.check("displayName", in.DisplayName); err != nil {
		return nil, err
	}
	if err := sensitiveRule.check("description", in.Description); err != nil {
		return nil, err
	}
	if in.DisplayName == nil {
		return nil, errValidation("displayname: The attribute displayname is required")
	}
	if err := c.checkGroupNameFree(*in.DisplayName, ""); err != nil {
		return nil, err
	}
	by := c.caller().ARN
	g := &Group{ID: c.newObjectID(), DisplayName: *in.DisplayName, Description: deref(in.Description),
		Created: c.now, Updated: c.now, CreatedBy: by, UpdatedBy: by, Revision: 1}
	c.w.Groups = append(c.w.Groups, g)
	return c.revisedOut("group", g.ID, g.Revision), nil
}

func (c *call) groupOut(g *Group) map[string]any {
	created, updated := c.auditTimes(g.Created, g.Updated)
	m := map[string]any{"IdentityStoreId": c.storeID(), "GroupId": g.ID, "GroupArn": objARN("group", g.ID),
		"Revision": revision(g.Revision), "DisplayName": g.DisplayName, "CreatedAt": created, "UpdatedAt": updated}
	for k, v := range map[string]string{"Description": g.Description, "CreatedBy": g.CreatedBy, "UpdatedBy": g.UpdatedBy} {
		if v != "" {
			m[k] = v
		}
	}
	if len(g.ExternalIDs) > 0 {
		m["ExternalIds"] = g.ExternalIDs
	}
	return m
}

func (c *call) findGroup(field string, v *string) (*Group, error) {
	id, err := resourceID(field, "group", v)
	if err != nil {
		return nil, err
	}
	g := c.w.group(id)
	if g == nil {
		return nil, errISNotFound("GROUP", id)
	}
	return g, nil
}

func isDescribeGroup(c *call, in *struct {
	IdentityStoreId *string
	GroupId         *string
}) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	g, err := c.findGroup("groupId", in.GroupId)
	if err != nil {
		return nil, err
	}
	return c.groupOut(g), nil
}

func isUpdateGroup(c *call, in *struct {
	IdentityStoreId *string
	GroupId         *string
	Operations      []isAttributeOperation
	Revision        *string
}) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	g, err := c.findGroup("groupId", in.GroupId)
	if err != nil {
		return nil, err
	}
	if err := checkOperations(in.Operations, in.Operations != nil); err != nil {
		return nil, err
	}
	if err := checkRevision("group", in.Revision, g.Revision); err != nil {
		return nil, err
	}
	next := *g
	for _, o := range in.Operations {
		path := *o.AttributePath
		switch strings.ToLower(path) {
		case "displayname":
			next.DisplayName, err = stringValue(path, o.AttributeValue, groupNameRule)
		case "description":
			next.Description, err = stringValue(path, o.AttributeValue, sensitiveRule)
		default:
			err = errValidation("Invalid attribute path %s: the attribute cannot be updated or does not exist", path)
		}
		if err != nil {
			return nil, err
		}
	}
	if next.DisplayName == "" {
		return nil, errValidation("displayname: The attribute displayname is required")
	}
	if err := c.checkGroupNameFree(next.DisplayName, g.ID); err != nil {
		return nil, err
	}
	next.Revision = max(g.Revision, 1) + 1
	next.Updated = c.now
	next.UpdatedBy = c.caller().ARN
	*g = next
	return c.revisedOut("group", g.ID, g.Revision), nil
}

func isDeleteGroup(c *call, in *struct {
	IdentityStoreId *string
	GroupId         *string
	Revision        *string
}) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	g, err := c.findGroup("groupId", in.GroupId)
	if err != nil {
		return nil, err
	}
	if err := checkRevision("group", in.Revision, g.Revision); err != nil {
		return nil, err
	}
	c.w.Groups = slices.DeleteFunc(c.w.Groups, func(o *Group) bool { return o == g })
	c.w.Memberships = slices.DeleteFunc(c.w.Memberships, func(m *Membership) bool { return m.GroupID == g.ID })
	return nil, nil
}

func isListGroups(c *call, in *struct {
	IdentityStoreId *string
	Filters         []isFilter
	isPaging
}) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	groups, kind, err := filterList(c.w.Groups, "groups", in.Filters, "DisplayName", func(g *Group) string { return g.DisplayName })
	if err != nil {
		return nil, err
	}
	return listOut(groups, kind, in.isPaging, "Groups", c.groupOut)
}

func isGetGroupID(c *call, in *struct {
	IdentityStoreId     *string
	AlternateIdentifier *isAlternateIdentifier
}) (any, error) {
	if err := c.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	ext, path, value, err := resolveAlternate(in.AlternateIdentifier)
	if err != nil {
		return nil, err
	}
	if ext == nil && !strings.EqualFold(path, "displayName") {
		return nil, errValidation("The attribute %s is not a unique attribute", path)
	}
	for _, g := range c.w.Groups {
		if (ext != nil && hasExternalID(g.ExternalIDs, ext)) || (ext == nil && strings.EqualFold(g.DisplayName, value)) {
			return c.idsOut("group", g.ID), nil
		}
	}
	return nil, errISNotFound("GROUP", "")
}
