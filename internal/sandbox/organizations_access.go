package sandbox

import (
	"slices"
	"strings"
	"time"
)

// Organizations: trusted access for AWS services, and tags on the root,
// OUs, accounts and policies (one model: each carries its own []Tag, which
// seed files fill for accounts and OUs and keyless's account_tags read).

// ServiceAccess is a service given trusted access to the organization.
type ServiceAccess struct {
	Principal string    `json:"service_principal"`
	Enabled   time.Time `json:"date_enabled"`
}

var trustedPrincipalPattern = lazyRegexp(`^[\w+=,.@-]*$`)

// checkTrustedPrincipal refuses what is not an AWS service principal: AWS
// knows its services and answers UNRECOGNIZED_SERVICE_PRINCIPAL for others.
func (c *call) checkTrustedPrincipal(p string) error {
	if err := checkOrgString("ServicePrincipal", p, 1, 128, trustedPrincipalPattern); err != nil {
		return err
	}
	if !strings.HasSuffix(p, ".amazonaws.com") {
		return errOrgInput("UNRECOGNIZED_SERVICE_PRINCIPAL", "You specified an unrecognized service principal %q: use a service's principal such as sso.amazonaws.com", truncate(p, 100))
	}
	if c.w.Organization.FeatureSet != "ALL" {
		return errOrgConstraint("ORGANIZATION_NOT_IN_ALL_FEATURES_MODE", "Trusted access needs an organization with all features enabled.")
	}
	return nil
}

func orgEnableServiceAccess(c *call, in *struct{ ServicePrincipal string }) (any, error) {
	if err := c.requireManagementCaller(); err != nil {
		return nil, err
	}
	if err := c.checkTrustedPrincipal(in.ServicePrincipal); err != nil {
		return nil, err
	}
	c.w.trustService(in.ServicePrincipal, c.now)
	return nil, nil
}

// trustService gives a service trusted access to the organization, as
// EnableAWSServiceAccess does and enabling Identity Center does for sso.
func (w *World) trustService(principal string, now time.Time) {
	o := w.Organization
	if o != nil && !slices.ContainsFunc(o.ServiceAccess, func(s ServiceAccess) bool { return s.Principal == principal }) {
		o.ServiceAccess = append(o.ServiceAccess, ServiceAccess{Principal: principal, Enabled: now.UTC()})
	}
}

func orgDisableServiceAccess(c *call, in *struct{ ServicePrincipal string }) (any, error) {
	if err := c.requireManagementCaller(); err != nil {
		return nil, err
	}
	if err := c.checkTrustedPrincipal(in.ServicePrincipal); err != nil {
		return nil, err
	}
	o := c.w.Organization
	o.ServiceAccess = slices.DeleteFunc(o.ServiceAccess, func(s ServiceAccess) bool { return s.Principal == in.ServicePrincipal })
	return nil, nil
}

func orgListServiceAccess(c *call, in *orgPaging) (any, error) {
	if err := c.requireManagementCaller(); err != nil {
		return nil, err
	}
	pg, next, err := page(c.w.Organization.ServiceAccess, "service-access", in.MaxResults, in.NextToken, 20, 20)
	if err != nil {
		return nil, asOrgInput(err)
	}
	out := make([]map[string]any, len(pg))
	for i, s := range pg {
		out[i] = map[string]any{"ServicePrincipal": s.Principal, "DateEnabled": epoch(s.Enabled)}
	}
	return map[string]any{"EnabledServicePrincipals": out, "NextToken": next}, nil
}

// orgResource is a root, OU, account or policy: what takes tags, and (but
// policies) what policies attach to.
type orgResource struct {
	id, typ, name, arn string
	tags               *[]Tag
}

// orgResource finds a resource by id, TargetNotFoundException when none.
func (c *call) orgResource(id string) (*orgResource, error) {
	w := c.w
	switch {
	case id == w.RootID:
		return &orgResource{id: id, typ: "ROOT", name: "Root", arn: w.orgARN("root", id), tags: &w.Organization.RootTags}, nil
	case accountIDPattern.MatchString(id):
		if a := w.account(id); a != nil {
			return &orgResource{id: id, typ: "ACCOUNT", name: a.Name, arn: w.orgARN("account", id), tags: &a.Tags}, nil
		}
	case ouIDPattern.MatchString(id):
		if o := w.ou(id); o != nil {
			return &orgResource{id: id, typ: "ORGANIZATIONAL_UNIT", name: o.Name, arn: w.orgARN("ou", id), tags: &o.Tags}, nil
		}
	case policyIDPattern.MatchString(id):
		for _, p := range w.OrgPolicies {
			if p.ID == id {
				return &orgResource{id: id, typ: "POLICY", name: p.Name, arn: w.policyARN(p), tags: &p.Tags}, nil
			}
		}
	}
	return nil, newError(400, "TargetNotFoundException", "We can't find a root, OU, account, or policy with the TargetId that you specified.")
}

var taggableIDPattern = lazyRegexp(`^(r-[0-9a-z]{4,32}|\d{12}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|p-[0-9a-zA-Z_]{8,128}|rp-[0-9a-zA-Z_]{4,128}|rt-[0-9a-zA-Z_]{8,32})$`)

// orgTaggable finds a resource TagResource and its kin act on.
func (c *call) orgTaggable(id string) (*orgResource, error) {
	if id == "" {
		return nil, errOrgInput("INPUT_REQUIRED", "ResourceId is required")
	}
	if len(id) > 130 || !taggableIDPattern.MatchString(id) {
		return nil, errOrgInput("INVALID_PATTERN", "You specified an invalid value for ResourceId %q: use a root, OU, account or policy id", truncate(id, 100))
	}
	return c.orgResource(id)
}

var orgTagPattern = lazyRegexp(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

// maxOrgTags is how many tags one resource takes.
const maxOrgTags = 50

// orgTagsIn validates tags given to a resource that has have, and returns
// the resource's tags with them set, sorted by key.
func orgTagsIn(tags, have []Tag) ([]Tag, error) {
	seen := map[string]bool{}
	for _, t := range tags {
		if err := checkOrgString("Tags.Key", t.Key, 1, 128, orgTagPattern); err != nil {
			return nil, err
		}
		if err := checkOrgString("Tags.Value", t.Value, 0, 256, orgTagPattern); err != nil {
			return nil, err
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return nil, errOrgInput("INVALID_SYSTEM_TAGS_PARAMETER", "You specified a tag key %q that starts with aws:, which AWS reserves.", truncate(t.Key, 100))
		}
		if seen[t.Key] {
			return nil, errOrgInput("DUPLICATE_TAG_KEY", "You specified the tag key %q more than once.", truncate(t.Key, 100))
		}
		seen[t.Key] = true
	}
	out := upsertTags(have, tags)
	if len(out) > maxOrgTags {
		return nil, errOrgConstraint("MAX_TAG_LIMIT_EXCEEDED", "You have exceeded the maximum number of tags allowed on this resource (%d).", maxOrgTags)
	}
	return out, nil
}

func orgTagResource(c *call, in *struct {
	ResourceId string
	Tags       []Tag
}) (any, error) {
	if err := c.requireManagementCaller(); err != nil {
		return nil, err
	}
	r, err := c.orgTaggable(in.ResourceId)
	if err != nil {
		return nil, err
	}
	if in.Tags == nil {
		return nil, errOrgInput("INPUT_REQUIRED", "Tags is required")
	}
	tags, err := orgTagsIn(in.Tags, *r.tags)
	if err != nil {
		return nil, err
	}
	*r.tags = tags
	return nil, nil
}

func orgUntagResource(c *call, in *struct {
	ResourceId string
	TagKeys    []string
}) (any, error) {
	if err := c.requireManagementCaller(); err != nil {
		return nil, err
	}
	r, err := c.orgTaggable(in.ResourceId)
	if err != nil {
		return nil, err
	}
	if in.TagKeys == nil {
		return nil, errOrgInput("INPUT_REQUIRED", "TagKeys is required")
	}
	for _, k := range in.TagKeys {
		if err := checkOrgString("TagKeys", k, 1, 128, orgTagPattern); err != nil {
			return nil, err
		}
	}
	*r.tags = slices.DeleteFunc(*r.tags, func(t Tag) bool { return slices.Contains(in.TagKeys, t.Key) })
	return nil, nil
}
