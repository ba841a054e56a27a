package sandbox

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/keyless-dev/keyless/internal/policy"
)

// Policies. The sandbox carries a few AWS-managed policies; attaching any
// other well-formed arn:aws:iam::aws:policy/... is accepted too, since the
// sandbox does not hold AWS's whole catalogue.

type awsManagedPolicy struct {
	name, id, path, document string
}

var awsManagedPolicies = []awsManagedPolicy{
	{"AdministratorAccess", "ANPAIWMBCKSKIEE64ZLYK", "/", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`},
	{"PowerUserAccess", "ANPAJYRXTHIB4FOVS3ZXS", "/", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*","account:*"],"Resource":"*"}]}`},
	{"ReadOnlyAccess", "ANPAILL3HVNFSB6DCOWYQ", "/", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["*:Describe*","*:Get*","*:List*"],"Resource":"*"}]}`},
	{"IAMUserChangePassword", "ANPAJ4L4MM2A7QIEB56MS", "/", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ChangePassword"],"Resource":["arn:aws:iam::*:user/${aws:username}"]},{"Effect":"Allow","Action":["iam:GetAccountPasswordPolicy"],"Resource":"*"}]}`},
}

type iamPolicyOut struct {
	PolicyName                    string  `xml:"PolicyName"`
	PolicyId                      string  `xml:"PolicyId"`
	Arn                           string  `xml:"Arn"`
	Path                          string  `xml:"Path"`
	DefaultVersionId              string  `xml:"DefaultVersionId"`
	AttachmentCount               int     `xml:"AttachmentCount"`
	PermissionsBoundaryUsageCount int     `xml:"PermissionsBoundaryUsageCount"`
	IsAttachable                  bool    `xml:"IsAttachable"`
	CreateDate                    isoTime `xml:"CreateDate"`
	UpdateDate                    isoTime `xml:"UpdateDate"`
	Tags                          []Tag   `xml:"Tags>member,omitempty"`
}

// policyRef is a managed policy as the sandbox sees it: a customer policy of
// the account or an AWS-managed one.
type policyRef struct {
	arn, name, id, path string
	created             time.Time
	customer            *IAMPolicy
}

// awsEpoch is the creation date the sandbox gives AWS-managed policies.
var awsEpoch = time.Date(2015, 2, 6, 18, 39, 46, 0, time.UTC)

func (ic *iamCall) policyByARN(arn string) (*policyRef, error) {
	m := iamPolicyARN.FindStringSubmatch(arn)
	if m == nil || len(arn) < 20 || len(arn) > 2048 {
		return nil, iamInvalidInput("ARN %s is not valid.", truncate(arn, 2048))
	}
	if m[1] == "aws" {
		for _, p := range awsManagedPolicies {
			if p.name == m[3] && p.path == m[2] {
				return &policyRef{arn: arn, name: p.name, id: p.id, path: p.path, created: awsEpoch}, nil
			}
		}
		return &policyRef{arn: arn, name: m[3], id: "ANPA" + stableID(arn, 17), path: m[2], created: awsEpoch}, nil
	}
	for _, p := range ic.ia.Policies {
		if p.ARN == arn && m[1] == ic.acct {
			return &policyRef{arn: arn, name: p.Name, id: p.ID, path: p.Path, created: p.Created, customer: p}, nil
		}
	}
	return nil, iamNoSuchEntity("Policy %s does not exist or is not attachable.", arn)
}

func (ic *iamCall) attachments(arn string) int {
	n := 0
	for _, u := range ic.ia.Users {
		if slices.Contains(u.AttachedPolicies, arn) {
			n++
		}
	}
	for _, g := range ic.ia.Groups {
		if slices.Contains(g.AttachedPolicies, arn) {
			n++
		}
	}
	return n
}

// boundaryUses counts the entities a policy bounds.
func (ic *iamCall) boundaryUses(arn string) int {
	n := 0
	for _, u := range ic.ia.Users {
		if u.PermissionsBoundary == arn {
			n++
		}
	}
	return n
}

// policyOut describes a policy as GetPolicy does; the listings leave Tags
// out, as IAM's do.
func (ic *iamCall) policyOut(p *policyRef) iamPolicyOut {
	out := iamPolicyOut{PolicyName: p.name, PolicyId: p.id, Arn: p.arn, Path: p.path, DefaultVersionId: "v1",
		AttachmentCount: ic.attachments(p.arn), PermissionsBoundaryUsageCount: ic.boundaryUses(p.arn), IsAttachable: true,
		CreateDate: isoTime(p.created), UpdateDate: isoTime(p.created)}
	if c := p.customer; c != nil {
		out.DefaultVersionId, out.UpdateDate, out.Tags = c.DefaultVersion, isoTime(c.Updated), c.Tags
	}
	return out
}

// validatePolicy checks an identity-based policy document (managed, or
// inline on a user, group or role) with IAM's grammar and maxSize (a
// policy.*Size quota, 0 for none).
func validatePolicy(doc string, maxSize int) error {
	if err := policyLength(doc); err != nil {
		return err
	}
	return policyError(policy.ValidateIdentity(doc, maxSize))
}

// validateTrustPolicy checks a role's trust policy (AssumeRolePolicyDocument).
func validateTrustPolicy(doc string) error {
	if err := policyLength(doc); err != nil {
		return err
	}
	return policyError(policy.ValidateTrust(doc))
}

// policyLength is the API's own bound on a policy document parameter.
func policyLength(doc string) error {
	if len(doc) < 1 || len(doc) > 131072 {
		return iamConstraint("policyDocument", truncate(doc, 64), "Member must have length less than or equal to 131072 and greater than or equal to 1")
	}
	return nil
}

// policyError turns the validator's error into IAM's reply.
func policyError(err error) error {
	var pe *policy.Error
	if !errors.As(err, &pe) {
		return err
	}
	if pe.Code == policy.CodeLimit {
		return iamLimit("%s", pe.Message)
	}
	return iamMalformedPolicy("%s", pe.Message)
}

func iamCreatePolicy(ic *iamCall, form url.Values) (any, error) {
	name, err := iamName(form, "PolicyName", "policyName", 128)
	if err != nil {
		return nil, err
	}
	path, err := iamPath(form, "Path", "path")
	if err != nil {
		return nil, err
	}
	doc, err := iamRequired(form, "PolicyDocument", "policyDocument")
	if err != nil {
		return nil, err
	}
	tags, err := iamTags(form)
	if err != nil {
		return nil, err
	}
	if err := validatePolicy(doc, policy.ManagedSize); err != nil {
		return nil, err
	}
	arn := fmt.Sprintf("arn:aws:iam::%s:policy%s%s", ic.acct, path, name)
	for _, p := range ic.ia.Policies {
		if strings.EqualFold(p.Name, name) {
			return nil, iamExists("A policy called %s already exists. Duplicate names are not allowed.", name)
		}
	}
	if len(ic.ia.Policies) >= 1500 {
		return nil, iamLimit("Cannot exceed quota for PoliciesPerAccount: 1500")
	}
	now := ic.now.UTC().Truncate(time.Second)
	p := &IAMPolicy{Name: name, ID: ic.newID("ANPA", 17), ARN: arn, Path: path, Created: now, Updated: now, Tags: tags,
		Versions: []*PolicyVersion{{ID: "v1", Document: doc, Created: now}}, DefaultVersion: "v1", NextVersion: 2}
	ic.ia.Policies = append(ic.ia.Policies, p)
	return struct {
		Policy iamPolicyOut `xml:"Policy"`
	}{ic.policyOut(&policyRef{arn: arn, name: name, id: p.ID, path: path, created: p.Created, customer: p})}, nil
}

// requestPolicy is the managed policy the request's PolicyArn names.
func (ic *iamCall) requestPolicy(form url.Values) (*policyRef, error) {
	arn, err := iamRequired(form, "PolicyArn", "policyArn")
	if err != nil {
		return nil, err
	}
	return ic.policyByARN(arn)
}

func iamGetPolicy(ic *iamCall, form url.Values) (any, error) {
	p, err := ic.requestPolicy(form)
	if err != nil {
		return nil, err
	}
	return struct {
		Policy iamPolicyOut `xml:"Policy"`
	}{ic.policyOut(p)}, nil
}

func iamDeletePolicy(ic *iamCall, form url.Values) (any, error) {
	p, err := ic.customerPolicy(form, "DeletePolicy")
	if err != nil {
		return nil, err
	}
	if ic.attachments(p.ARN) > 0 {
		return nil, iamDeleteConflict("Cannot delete a policy attached to entities.")
	}
	if len(p.Versions) > 1 {
		return nil, iamDeleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
	}
	ic.ia.Policies = slices.DeleteFunc(ic.ia.Policies, func(o *IAMPolicy) bool { return o == p })
	return nil, nil
}

func iamListPolicies(ic *iamCall, form url.Values) (any, error) {
	scope := form.Get("Scope")
	switch scope {
	case "":
		scope = "All"
	case "All", "AWS", "Local":
	default:
		return nil, iamConstraint("scope", scope, "Member must satisfy enum value set: [All, AWS, Local]")
	}
	prefix, err := iamPathPrefix(form)
	if err != nil {
		return nil, err
	}
	onlyAttached, err := iamBool(form, "OnlyAttached")
	if err != nil {
		return nil, err
	}
	var all []*policyRef
	if scope != "Local" {
		for _, p := range awsManagedPolicies {
			arn := "arn:aws:iam::aws:policy" + p.path + p.name
			all = append(all, &policyRef{arn: arn, name: p.name, id: p.id, path: p.path, created: awsEpoch})
		}
	}
	if scope != "AWS" {
		for _, p := range ic.ia.Policies {
			all = append(all, &policyRef{arn: p.ARN, name: p.Name, id: p.ID, path: p.Path, created: p.Created, customer: p})
		}
	}
	var match []iamPolicyOut
	for _, p := range all {
		o := ic.policyOut(p)
		o.Tags = nil
		if strings.HasPrefix(p.path, prefix) && (!onlyAttached || o.AttachmentCount > 0) {
			match = append(match, o)
		}
	}
	pg, pgn, err := iamPage(form, match, fmt.Sprintf("policies/%s/%t/%s", scope, onlyAttached, prefix))
	if err != nil {
		return nil, err
	}
	return struct {
		Policies []iamPolicyOut `xml:"Policies>member"`
		iamPaging
	}{pg, pgn}, nil
}

// Policies attached to a user or a group, and their inline policies: the
// same rules with their own quotas and words.

// policyHolder is a user or a group as the policy operations see it.
type policyHolder struct {
	kind, name, id string // kind: user or group
	attached       *[]string
	inline         *[]InlinePolicy
	// attachQuotaName names the quota of 10 attached policies
	// (PoliciesPerUser, PoliciesPerGroup); inlineQuota is the size all
	// inline policies together may have (policy.UserInlineSize, ...).
	attachQuotaName string
	inlineQuota     int
}

func userHolder(u *IAMUser) policyHolder {
	return policyHolder{"user", u.Name, u.ID, &u.AttachedPolicies, &u.InlinePolicies, "PoliciesPerUser", policy.UserInlineSize}
}

func (h policyHolder) attach(ic *iamCall, form url.Values) error {
	arn, err := iamRequired(form, "PolicyArn", "policyArn")
	if err != nil {
		return err
	}
	if _, err := ic.policyByARN(arn); err != nil {
		return err
	}
	if slices.Contains(*h.attached, arn) {
		return nil
	}
	if len(*h.attached) >= 10 {
		return iamLimit("Cannot exceed quota for %s: 10", h.attachQuotaName)
	}
	*h.attached = append(*h.attached, arn)
	return nil
}

func (h policyHolder) detach(form url.Values) error {
	arn, err := iamRequired(form, "PolicyArn", "policyArn")
	if err != nil {
		return err
	}
	if !iamPolicyARN.MatchString(arn) {
		return iamInvalidInput("ARN %s is not valid.", truncate(arn, 2048))
	}
	if !slices.Contains(*h.attached, arn) {
		return iamNoSuchEntity("Policy %s was not found.", arn)
	}
	*h.attached = slices.DeleteFunc(*h.attached, func(a string) bool { return a == arn })
	return nil
}

func (h policyHolder) listAttached(form url.Values) (any, error) {
	prefix, err := iamPathPrefix(form)
	if err != nil {
		return nil, err
	}
	type attached struct {
		PolicyName string `xml:"PolicyName"`
		PolicyArn  string `xml:"PolicyArn"`
	}
	var match []attached
	for _, arn := range *h.attached {
		m := iamPolicyARN.FindStringSubmatch(arn)
		if m != nil && strings.HasPrefix(m[2], prefix) {
			match = append(match, attached{m[3], arn})
		}
	}
	pg, p, err := iamPage(form, match, "attached/"+h.id+prefix)
	if err != nil {
		return nil, err
	}
	return struct {
		AttachedPolicies []attached `xml:"AttachedPolicies>member"`
		iamPaging
	}{pg, p}, nil
}

// put adds or replaces an inline policy. The quota is on all of the
// holder's inline policies together, counted without white space.
func (h policyHolder) put(form url.Values) error {
	name, err := iamName(form, "PolicyName", "policyName", 128)
	if err != nil {
		return err
	}
	doc, err := iamRequired(form, "PolicyDocument", "policyDocument")
	if err != nil {
		return err
	}
	if err := validatePolicy(doc, 0); err != nil {
		return err
	}
	total := policy.Size(doc)
	for _, p := range *h.inline {
		if !strings.EqualFold(p.Name, name) {
			total += policy.Size(p.Document)
		}
	}
	if total > h.inlineQuota {
		return iamLimit("Maximum policy size of %d bytes exceeded for %s %s", h.inlineQuota, h.kind, h.name)
	}
	for i, p := range *h.inline {
		if strings.EqualFold(p.Name, name) {
			(*h.inline)[i].Document = doc
			return nil
		}
	}
	*h.inline = append(*h.inline, InlinePolicy{Name: name, Document: doc})
	return nil
}

// find is the index of the inline policy the request names.
func (h policyHolder) find(form url.Values) (int, error) {
	name, err := iamName(form, "PolicyName", "policyName", 128)
	if err != nil {
		return 0, err
	}
	i := slices.IndexFunc(*h.inline, func(p InlinePolicy) bool { return strings.EqualFold(p.Name, name) })
	if i < 0 {
		return 0, iamNoSuchEntity("The %s policy with name %s cannot be found.", h.kind, name)
	}
	return i, nil
}

func (h policyHolder) deleteInline(form url.Values) error {
	i, err := h.find(form)
	if err != nil {
		return err
	}
	*h.inline = slices.Delete(*h.inline, i, i+1)
	return nil
}

func (h policyHolder) listInline(form url.Values) (any, error) {
	var names []string
	for _, p := range *h.inline {
		names = append(names, p.Name)
	}
	pg, p, err := iamPage(form, names, "inline/"+h.id)
	if err != nil {
		return nil, err
	}
	return struct {
		PolicyNames []string `xml:"PolicyNames>member"`
		iamPaging
	}{pg, p}, nil
}

// rfc3986 percent-encodes a policy document as IAM returns it.
func rfc3986(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

func iamAttachUserPolicy(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	return nil, userHolder(u).attach(ic, form)
}

func iamDetachUserPolicy(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	return nil, userHolder(u).detach(form)
}

func iamListAttachedUserPolicies(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	return userHolder(u).listAttached(form)
}

func iamPutUserPolicy(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	return nil, userHolder(u).put(form)
}

func iamGetUserPolicy(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	i, err := userHolder(u).find(form)
	if err != nil {
		return nil, err
	}
	p := u.InlinePolicies[i]
	return struct {
		UserName       string `xml:"UserName"`
		PolicyName     string `xml:"PolicyName"`
		PolicyDocument string `xml:"PolicyDocument"`
	}{u.Name, p.Name, rfc3986(p.Document)}, nil
}

func iamDeleteUserPolicy(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	return nil, userHolder(u).deleteInline(form)
}

func iamListUserPolicies(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	return userHolder(u).listInline(form)
}
