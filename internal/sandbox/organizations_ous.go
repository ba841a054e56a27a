package sandbox

import (
	"slices"
	"strings"
)

// Organizations: organizational units and the tree below the root.

// Quotas from AWS Organizations' documentation: OUs nest at most five
// levels below the root, and an organization has at most 2,000 of them.
const (
	maxOUDepth = 5
	maxOUs     = 2000
)

var anyStringPattern = lazyRegexp(`^[\s\S]*$`)

func (c *call) ouOut(o *OU) map[string]any {
	return map[string]any{"Id": o.ID, "Arn": c.w.orgARN("ou", o.ID), "Name": o.Name, "Path": c.w.ouIDPath(o)}
}

// ouIDPath is an OU's Path as AWS reports it: o-.../r-.../ou-.../ou-.../.
func (w *World) ouIDPath(o *OU) string {
	ids := []string{o.ID}
	for p := w.ou(o.ParentID); p != nil; p = w.ou(p.ParentID) {
		ids = append(ids, p.ID)
	}
	slices.Reverse(ids)
	return w.Organization.ID + "/" + w.RootID + "/" + strings.Join(ids, "/") + "/"
}

// ouDepth is how many OUs deep a parent is: 0 for the root.
func (w *World) ouDepth(id string) int {
	n := 0
	for p := w.ou(id); p != nil; p = w.ou(p.ParentID) {
		n++
	}
	return n
}

func (c *call) findOU(id string) (*OU, error) {
	switch {
	case id == "":
		return nil, errOrgInput("INPUT_REQUIRED", "OrganizationalUnitId is required")
	case !ouIDPattern.MatchString(id):
		return nil, errOrgInput("INVALID_PATTERN", "You specified an invalid value for OrganizationalUnitId %q: ou-, the root's 4-32 characters, -, and 8-32 lower-case letters or digits", truncate(id, 100))
	}
	o := c.w.ou(id)
	if o == nil {
		return nil, newError(400, "OrganizationalUnitNotFoundException", "We can't find an OU with the OrganizationalUnitId that you specified.")
	}
	return o, nil
}

// checkOUName validates an OU name and refuses one a sibling has.
func (c *call) checkOUName(name, parent string, self *OU) error {
	if err := checkOrgString("Name", name, 1, 128, anyStringPattern); err != nil {
		return err
	}
	for _, o := range c.w.OUs {
		if o != self && o.ParentID == parent && o.Name == name {
			return newError(400, "DuplicateOrganizationalUnitException", "An OU with the same name already exists in the parent %s.", parent)
		}
	}
	return nil
}

func orgCreateOU(c *call, in *struct {
	ParentId, Name string
	Tags           []Tag
}) (any, error) {
	if err := c.requireManagementCaller(); err != nil {
		return nil, err
	}
	if err := c.checkParent(in.ParentId); err != nil {
		return nil, err
	}
	if err := c.checkOUName(in.Name, in.ParentId, nil); err != nil {
		return nil, err
	}
	tags, err := orgTagsIn(in.Tags, nil)
	if err != nil {
		return nil, err
	}
	if c.w.ouDepth(in.ParentId) >= maxOUDepth {
		return nil, errOrgConstraint("OU_DEPTH_LIMIT_EXCEEDED", "You attempted to create an OU tree that is more than %d levels deep.", maxOUDepth)
	}
	if len(c.w.OUs) >= maxOUs {
		return nil, errOrgConstraint("OU_NUMBER_LIMIT_EXCEEDED", "You attempted to exceed the number of OUs that you can have in an organization (%d).", maxOUs)
	}
	id := "ou-" + strings.TrimPrefix(c.w.RootID, "r-") + "-" + c.rand(8, lowerAlnum)
	for c.w.ou(id) != nil {
		id = "ou-" + strings.TrimPrefix(c.w.RootID, "r-") + "-" + c.rand(8, lowerAlnum)
	}
	o := &OU{ID: id, Name: in.Name, ParentID: in.ParentId, Tags: tags}
	c.w.OUs = append(c.w.OUs, o)
	c.w.attachDefaultPolicies(o.ID)
	return map[string]any{"OrganizationalUnit": c.ouOut(o)}, nil
}

func orgDescribeOU(c *call, in *struct{ OrganizationalUnitId string }) (any, error) {
	if err := c.requireManagementCaller(); err != nil {
		return nil, err
	}
	o, err := c.findOU(in.OrganizationalUnitId)
	if err != nil {
		return nil, err
	}
	return map[string]any{"OrganizationalUnit": c.ouOut(o)}, nil
}

func orgUpdateOU(c *call, in *struct {
	OrganizationalUnitId string
	Name                 *string
}) (any, error) {
	if err := c.requireManagementCaller(); err != nil {
		return nil, err
	}
	o, err := c.findOU(in.OrganizationalUnitId)
	if err != nil {
		return nil, err
	}
	if in.Name != nil {
		if err := c.checkOUName(*in.Name, o.ParentID, o); err != nil {
			return nil, err
		}
		o.Name = *in.Name
	}
	return map[string]any{"OrganizationalUnit": c.ouOut(o)}, nil
}

func orgDeleteOU(c *call, in *struct{ OrganizationalUnitId string }) (any, error) {
	if err := c.requireManagementCaller(); err != nil {
		return nil, err
	}
	o, err := c.findOU(in.OrganizationalUnitId)
	if err != nil {
		return nil, err
	}
	if slices.ContainsFunc(c.w.OUs, func(x *OU) bool { return x.ParentID == o.ID }) ||
		slices.ContainsFunc(c.w.Accounts, func(a *Account) bool { return a.ParentID == o.ID }) {
		return nil, newError(400, "OrganizationalUnitNotEmptyException", "The specified OU is not empty. Move all accounts to another root or OU and delete all child OUs, and then try the operation again.")
	}
	c.w.OUs = slices.DeleteFunc(c.w.OUs, func(x *OU) bool { return x == o })
	c.w.detachAll(o.ID)
	return nil, nil
}

func orgListChildren(c *call, in *struct {
	ParentId, ChildType string
	orgPaging
}) (any, error) {
	if err := c.requireManagementCaller(); err != nil {
		return nil, err
	}
	if err := c.checkParent(in.ParentId); err != nil {
		return nil, err
	}
	var ids []string
	switch in.ChildType {
	case "ACCOUNT":
		for _, a := range c.w.Accounts {
			if a.ParentID == in.ParentId {
				ids = append(ids, a.ID)
			}
		}
	case "ORGANIZATIONAL_UNIT":
		for _, o := range c.w.OUs {
			if o.ParentID == in.ParentId {
				ids = append(ids, o.ID)
			}
		}
	case "":
		return nil, errOrgInput("INPUT_REQUIRED", "ChildType is required: ACCOUNT or ORGANIZATIONAL_UNIT")
	default:
		return nil, errOrgInput("INVALID_ENUM", "You specified an invalid value for ChildType: %q; use ACCOUNT or ORGANIZATIONAL_UNIT", truncate(in.ChildType, 100))
	}
	pg, next, err := page(ids, "children:"+in.ParentId+":"+in.ChildType, in.MaxResults, in.NextToken, 20, 20)
	if err != nil {
		return nil, asOrgInput(err)
	}
	out := make([]map[string]any, len(pg))
	for i, id := range pg {
		out[i] = map[string]any{"Id": id, "Type": in.ChildType}
	}
	return map[string]any{"Children": out, "NextToken": next}, nil
}
