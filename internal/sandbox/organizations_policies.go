package sandbox

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Organizations: policies (SCPs, tag policies, ...), the policy types
// enabled on the root, and what policies are attached to.

// OrgPolicy is an Organizations policy. Targets are the root, OU and
// account ids it is attached to.
type OrgPolicy struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Type        string   `json:"type"`
	Content     string   `json:"content"`
	AWSManaged  bool     `json:"aws_managed,omitempty"`
	Targets     []string `json:"targets,omitempty"`
	Tags        []Tag    `json:"tags,omitempty"`
}

// orgPolicyTypes are the policy types of the API with the largest document
// each takes (AWS Organizations quotas, in characters as sent: the API does
// not strip white space) and how many of a type one target may have.
var orgPolicyTypes = map[string]struct{ maxContent, maxPerTarget int }{
	"SERVICE_CONTROL_POLICY":           {5120, 5},
	"RESOURCE_CONTROL_POLICY":          {5120, 5},
	"TAG_POLICY":                       {10000, 10},
	"BACKUP_POLICY":                    {10000, 10},
	"AISERVICES_OPT_OUT_POLICY":        {2500, 5},
	"CHATBOT_POLICY":                   {10000, 5},
	"DECLARATIVE_POLICY_EC2":           {10000, 10},
	"SECURITYHUB_POLICY":               {10000, 10},
	"INSPECTOR_POLICY":                 {10000, 10},
	"UPGRADE_ROLLOUT_POLICY":           {10000, 10},
	"BEDROCK_POLICY":                   {10000, 10},
	"S3_POLICY":                        {10000, 10},
	"NETWORK_SECURITY_DIRECTOR_POLICY": {10000, 10},
}

// awsManagedOrgPolicies are attached to the root, every OU and every account
// while their type is enabled, as AWS does (and refuses to detach the last
// policy of such a type from a target).
var awsManagedOrgPolicies = []OrgPolicy{
	{ID: "p-FullAWSAccess", Name: "FullAWSAccess", Description: "Allows access to every operation", Type: "SERVICE_CONTROL_POLICY",
		Content: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, AWSManaged: true},
	{ID: "p-RCPFullAWSAccess", Name: "RCPFullAWSAccess", Description: "Allows access to every resource", Type: "RESOURCE_CONTROL_POLICY",
		Content: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`, AWSManaged: true},
}

var policyIDPattern = lazyRegexp(`^p-[0-9a-zA-Z_]{8,128}$`)

// newOrgPolicies are the AWS managed policies an organization starts with.
func newOrgPolicies() []*OrgPolicy {
	out := make([]*OrgPolicy, len(awsManagedOrgPolicies))
	for i, p := range awsManagedOrgPolicies {
		out[i] = &p
	}
	return out
}

func (w *World) policyTypeEnabled(typ string) bool {
	return w.Organization != nil && slices.Contains(w.Organization.PolicyTypes, typ)
}

// attachDefaultPolicies attaches the AWS managed policies of the enabled
// types to a new root, OU or account.
func (w *World) attachDefaultPolicies(target string) {
	for _, p := range w.OrgPolicies {
		if p.AWSManaged && w.policyTypeEnabled(p.Type) && !slices.Contains(p.Targets, target) {
			p.Targets = append(p.Targets, target)
		}
	}
}

// detachAll detaches every policy from a target that is going away.
func (w *World) detachAll(target string) {
	for _, p := range w.OrgPolicies {
		p.Targets = slices.DeleteFunc(p.Targets, func(t string) bool { return t == target })
	}
}

func (w *World) policyARN(p *OrgPolicy) string {
	if p.AWSManaged {
		return fmt.Sprintf("arn:aws:organizations::aws:policy/%s/%s", strings.ToLower(p.Type), p.ID)
	}
	return fmt.Sprintf("arn:aws:organizations::%s:policy/%s/%s/%s", w.Organization.MasterAccountID, w.Organization.ID, strings.ToLower(p.Type), p.ID)
}

func (w *World) policySummary(p *OrgPolicy) map[string]any {
	return map[string]any{"Id": p.ID, "Arn": w.policyARN(p), "Name": p.Name, "Description": p.Description,
		"Type": p.Type, "AwsManaged": p.AWSManaged}
}

func (w *World) rootOut() map[string]any {
	types := []map[string]string{}
	for _, t := range w.Organization.PolicyTypes {
		types = append(types, map[string]string{"Type": t, "Status": "ENABLED"})
	}
	return map[string]any{"Id": w.RootID, "Arn": w.orgARN("root", w.RootID), "Name": "Root", "PolicyTypes": types}
}

func checkPolicyType(field, typ string) error {
	if typ == "" {
		return errOrgInput("INPUT_REQUIRED", "%s is required", field)
	}
	if _, ok := orgPolicyTypes[typ]; !ok {
		return errOrgInput("INVALID_ENUM_POLICY_TYPE", "You specified an invalid value for %s: %q, not a policy type such as SERVICE_CONTROL_POLICY or TAG_POLICY", field, truncate(typ, 100))
	}
	return nil
}

func (c *call) root(id string) error {
	switch {
	case id == "":
		return errOrgInput("INPUT_REQUIRED", "RootId is required")
	case !rootIDPattern.MatchString(id):
		return errOrgInput("INVALID_PATTERN", "You specified an invalid value for RootId %q: r- and 4-32 lower-case letters or digits", truncate(id, 100))
	case id != c.w.RootID:
		return newError(400, "RootNotFoundException", "We can't find a root with the RootId that you specified.")
	}
	return nil
}

// checkPolicyTypeAvailable refuses policies in an organization without all
// features.
func (c *call) checkPolicyTypeAvailable() error {
	if c.w.Organization.FeatureSet != "ALL" {
		return newError(400, "PolicyTypeNotAvailableForOrganizationException", "You can't use the specified policy type with the feature set currently enabled for this organization: enable all features.")
	}
	return nil
}

func orgEnablePolicyType(c *call, in *struct{ RootId, PolicyType string }) (any, error) {
	if err := c.requireManagementCaller(); err != nil {
		return nil, err
	}
	if err := c.root(in.RootId); err != nil {
		return nil, err
	}
	if err := checkPolicyType("PolicyType", in.PolicyType); err != nil {
		return nil, err
	}
	if err := c.checkPolicyTypeAvailable(); err != nil {
		return nil, err
	}
	if c.w.policyTypeEnabled(in.PolicyType) {
		return nil, newError(400, "PolicyTypeAlreadyEnabledException", "The specified policy type is already enabled.")
	}
	c.w.Organization.PolicyTypes = append(c.w.Organization.PolicyTypes, in.PolicyType)
	c.w.attachDefaultPolicies(c.w.RootID)
	for _, o := range c.w.OUs {
		c.w.attachDefaultPolicies(o.ID)
	}
	for _, a := range c.w.Accounts {
		c.w.attachDefaultPolicies(a.ID)
	}
	return map[string]any{"Root": c.w.rootOut()}, nil
}

func orgDisablePolicyType(c *call, in *struct{ RootId, PolicyType string }) (any, error) {
	if err := c.requireManagementCaller(); err != nil {
		return nil, err
	}
	if err := c.root(in.RootId); err != nil {
		return nil, err
	}
	if err := checkPolicyType("PolicyType", in.PolicyType); err != nil {
		return nil, err
	}
	if !c.w.policyTypeEnabled(in.PolicyType) {
		return nil, newError(400, "PolicyTypeNotEnabledException", "This operation can be performed only for enabled policy types.")
	}
	c.w.Organization.PolicyTypes = slices.DeleteFunc(c.w.Organization.PolicyTypes, func(t string) bool { return t == in.PolicyType })
	// AWS detaches every policy of the type from every target.
	for _, p := range c.w.OrgPolicies {
		if p.Type == in.PolicyType {
			p.Targets = nil
		}
	}
	return map[string]any{"Root": c.w.rootOut()}, nil
}

// checkPolicyContent refuses what is not a JSON object of the type's
// shape, or is longer than the type allows.
func checkPolicyContent(typ, content string) error {
	if content == "" {
		return errOrgInput("INPUT_REQUIRED", "Content is required")
	}
	if n, limit := len([]rune(content)), orgPolicyTypes[typ].maxContent; n > limit {
		return errOrgConstraint("POLICY_CONTENT_LIMIT_EXCEEDED", "You provided a policy document of %d characters; a %s takes at most %d.", n, typ, limit)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(content), &doc); err != nil {
		return newError(400, "MalformedPolicyDocumentException", "The provided policy document doesn't meet the requirements of the specified policy type: it is not a JSON object (%v).", err)
	}
	if typ == "SERVICE_CONTROL_POLICY" || typ == "RESOURCE_CONTROL_POLICY" {
		if _, ok := doc["Statement"]; !ok {
			return newError(400, "MalformedPolicyDocumentException", "The provided policy document doesn't meet the requirements of the specified policy type: it has no Statement.")
		}
	}
	return nil
}

func (c *call) checkPolicyName(name, typ string, self *OrgPolicy) error {
	if err := checkOrgString("Name", name, 1, 128, anyStringPattern); err != nil {
		return err
	}
	for _, p := range c.w.OrgPolicies {
		if p != self && p.Type == typ && p.Name == name {
			return newError(400, "DuplicatePolicyException", "A policy with the same name already exists.")
		}
	}
	return nil
}

func orgCreatePolicy(c *call, in *struct {
	Content, Name, Type string
	Description         *string
	Tags                []Tag
}) (any, error) {
	if err := c.requireManagementCaller(); err != nil {
		return nil, err
	}
	if err := checkPolicyType("Type", in.Type); err != nil {
		return nil, err
	}
	if err := c.checkPolicyTypeAvailable(); err != nil {
		return nil, err
	}
	if err := c.checkPolicyName(in.Name, in.Type, nil); err != nil {
		return nil, err
	}
	if in.Description == nil {
		return nil, errOrgInput("INPUT_REQUIRED", "Description is required")
	}
	if err := checkOrgString("Description", *in.Description, 0, 512, anyStringPattern); err != nil {
		return nil, err
	}
	if err := checkPolicyContent(in.Type, in.Content); err != nil {
		return nil, err
	}
	tags, err := orgTagsIn(in.Tags, nil)
	if err != nil {
		return nil, err
	}
	p := &OrgPolicy{ID: "p-" + c.rand(8, lowerAlnum), Name: in.Name, Description: *in.Description, Type: in.Type,
		Content: in.Content, Tags: tags}
	c.w.OrgPolicies = append(c.w.OrgPolicies, p)
	return map[string]any{"Policy": map[string]any{"PolicySummary": c.w.policySummary(p), "Content": p.Content}}, nil
}

func (c *call) orgPolicy(id string) (*OrgPolicy, error) {
	switch {
	case id == "":
		return nil, errOrgInput("INPUT_REQUIRED", "PolicyId is required")
	case !policyIDPattern.MatchString(id):
		return nil, errOrgInput("INVALID_SYNTAX_POLICY_ID", "You specified an invalid value for PolicyId %q: p- and 8-128 letters, digits or _", truncate(id, 100))
	}
	for _, p := range c.w.OrgPolicies {
		if p.ID == id {
			return p, nil
		}
	}
	return nil, newError(400, "PolicyNotFoundException", "We can't find a policy with the PolicyId that you specified.")
}

func orgDescribePolicy(c *call, in *struct{ PolicyId string }) (any, error) {
	if err := c.requireManagementCaller(); err != nil {
		return nil, err
	}
	p, err := c.orgPolicy(in.PolicyId)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Policy": map[string]any{"PolicySummary": c.w.policySummary(p), "Content": p.Content}}, nil
}

func errImmutablePolicy() *apiError {
	return errOrgInput("IMMUTABLE_POLICY", "You specified a policy that is managed by AWS and can't be modified.")
}

func orgUpdatePolicy(c *call, in *struct {
	PolicyId                   string
	Name, Description, Content *string
}) (any, error) {
	if err := c.requireManagementCaller(); err != nil {
		return nil, err
	}
	p, err := c.orgPolicy(in.PolicyId)
	if err != nil {
		return nil, err
	}
	if p.AWSManaged {
		return nil, errImmutablePolicy()
	}
	if in.Name != nil {
		if err := c.checkPolicyName(*in.Name, p.Type, p); err != nil {
			return nil, err
		}
	}
	if in.Description != nil {
		if err := checkOrgString("Description", *in.Description, 0, 512, anyStringPattern); err != nil {
			return nil, err
		}
	}
	if in.Content != nil {
		if err := checkPolicyContent(p.Type, *in.Content); err != nil {
			return nil, err
		}
	}
	if in.Name != nil {
		p.Name = *in.Name
	}
	if in.Description != nil {
		p.Description = *in.Description
	}
	if in.Content != nil {
		p.Content = *in.Content
	}
	return map[string]any{"Policy": map[string]any{"PolicySummary": c.w.policySummary(p), "Content": p.Content}}, nil
}

func orgDeletePolicy(c *call, in *struct{ PolicyId string }) (any, error) {
	if err := c.requireManagementCaller(); err != nil {
		return nil, err
	}
	p, err := c.orgPolicy(in.PolicyId)
	if err != nil {
		return nil, err
	}
	if p.AWSManaged {
		return nil, errImmutablePolicy()
	}
	if len(p.Targets) > 0 {
		return nil, newError(400, "PolicyInUseException", "The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.")
	}
	c.w.OrgPolicies = slices.DeleteFunc(c.w.OrgPolicies, func(x *OrgPolicy) bool { return x == p })
	return nil, nil
}

func (c *call) pagePolicies(ps []*OrgPolicy, kind string, in *orgPaging) (any, error) {
	pg, next, err := page(ps, kind, in.MaxResults, in.NextToken, 20, 20)
	if err != nil {
		return nil, asOrgInput(err)
	}
	out := make([]map[string]any, len(pg))
	for i, p := range pg {
		out[i] = c.w.policySummary(p)
	}
	return map[string]any{"Policies": out, "NextToken": next}, nil
}

func orgListPolicies(c *call, in *struct {
	Filter string
	orgPaging
}) (any, error) {
	if err := c.requireManagementCaller(); err != nil {
		return nil, err
	}
	if err := checkPolicyType("Filter", in.Filter); err != nil {
		return nil, err
	}
	var ps []*OrgPolicy
	for _, p := range c.w.OrgPolicies {
		if p.Type == in.Filter {
			ps = append(ps, p)
		}
	}
	return c.pagePolicies(ps, "policies:"+in.Filter, &in.orgPaging)
}

// policyTarget checks a root, OU or account id a policy is attached to.
func (c *call) policyTarget(id string) (*orgResource, error) {
	if id == "" {
		return nil, errOrgInput("INPUT_REQUIRED", "TargetId is required")
	}
	if !rootIDPattern.MatchString(id) && !ouIDPattern.MatchString(id) && !accountIDPattern.MatchString(id) {
		return nil, errOrgInput("INVALID_PATTERN_TARGET_ID", "You specified an invalid value for TargetId %q: use a root id (r-...), an OU id (ou-...) or an account id (12 digits)", truncate(id, 100))
	}
	return c.orgResource(id)
}

func orgAttachPolicy(c *call, in *struct{ PolicyId, TargetId string }) (any, error) {
	if err := c.requireManagementCaller(); err != nil {
		return nil, err
	}
	p, err := c.orgPolicy(in.PolicyId)
	if err != nil {
		return nil, err
	}
	if _, err := c.policyTarget(in.TargetId); err != nil {
		return nil, err
	}
	if !c.w.policyTypeEnabled(p.Type) {
		return nil, newError(400, "PolicyTypeNotEnabledException", "This operation can be performed only for enabled policy types: enable %s on the root first (EnablePolicyType).", p.Type)
	}
	if slices.Contains(p.Targets, in.TargetId) {
		return nil, newError(400, "DuplicatePolicyAttachmentException", "The selected policy is already attached to the specified target.")
	}
	n := 0
	for _, q := range c.w.OrgPolicies {
		if q.Type == p.Type && slices.Contains(q.Targets, in.TargetId) {
			n++
		}
	}
	if limit := orgPolicyTypes[p.Type].maxPerTarget; n >= limit {
		return nil, errOrgConstraint("MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED", "You attempted to attach more than %d policies of type %s to %s.", limit, p.Type, in.TargetId)
	}
	p.Targets = append(p.Targets, in.TargetId)
	return nil, nil
}

func orgDetachPolicy(c *call, in *struct{ PolicyId, TargetId string }) (any, error) {
	if err := c.requireManagementCaller(); err != nil {
		return nil, err
	}
	p, err := c.orgPolicy(in.PolicyId)
	if err != nil {
		return nil, err
	}
	if _, err := c.policyTarget(in.TargetId); err != nil {
		return nil, err
	}
	if !slices.Contains(p.Targets, in.TargetId) {
		return nil, newError(400, "PolicyNotAttachedException", "The policy isn't attached to the specified target in the specified root.")
	}
	if p.Type == "SERVICE_CONTROL_POLICY" || p.Type == "RESOURCE_CONTROL_POLICY" {
		n := 0
		for _, q := range c.w.OrgPolicies {
			if q.Type == p.Type && slices.Contains(q.Targets, in.TargetId) {
				n++
			}
		}
		if n == 1 {
			return nil, errOrgConstraint("MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED", "You attempted to detach the last %s from %s: every root, OU and account must have at least one; attach another first, or disable the policy type.", p.Type, in.TargetId)
		}
	}
	p.Targets = slices.DeleteFunc(p.Targets, func(t string) bool { return t == in.TargetId })
	return nil, nil
}

func orgListPoliciesForTarget(c *call, in *struct {
	TargetId, Filter string
	orgPaging
}) (any, error) {
	if err := c.requireManagementCaller(); err != nil {
		return nil, err
	}
	if _, err := c.policyTarget(in.TargetId); err != nil {
		return nil, err
	}
	if err := checkPolicyType("Filter", in.Filter); err != nil {
		return nil, err
	}
	var ps []*OrgPolicy
	for _, p := range c.w.OrgPolicies {
		if p.Type == in.Filter && slices.Contains(p.Targets, in.TargetId) {
			ps = append(ps, p)
		}
	}
	return c.pagePolicies(ps, "policies:"+in.TargetId+":"+in.Filter, &in.orgPaging)
}

func orgListTargetsForPolicy(c *call, in *struct {
	PolicyId string
	orgPaging
}) (any, error) {
	if err := c.requireManagementCaller(); err != nil {
		return nil, err
	}
	p, err := c.orgPolicy(in.PolicyId)
	if err != nil {
		return nil, err
	}
	pg, next, err := page(p.Targets, "targets:"+p.ID, in.MaxResults, in.NextToken, 20, 20)
	if err != nil {
		return nil, asOrgInput(err)
	}
	out := []map[string]any{}
	for _, id := range pg {
		r, err := c.orgResource(id)
		if err != nil {
			continue
		}
		out = append(out, map[string]any{"TargetId": r.id, "Arn": r.arn, "Name": r.name, "Type": r.typ})
	}
	return map[string]any{"Targets": out, "NextToken": next}, nil
}
