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
// sandbox does not hold AWS's whole catalogue (such a policy then grants
// nothing, authz.go).
//
// AdministratorAccess, PowerUserAccess and IAMUserChangePassword are AWS's
// documents. ReadOnlyAccess and job-function/ViewOnlyAccess stand for
// AWS's, which list hundreds of services' read actions one by one: the
// read actions by their prefixes (Get, List, Describe; View only lists and
// describes), plus the read actions of the services the sandbox serves
// that have no such prefix (iam:Generate*, iam:Simulate*,
// identitystore:IsMemberInGroups, cloudtrail:LookupEvents).

type awsManagedPolicy struct {
	name, id, path, document string
}

var awsManagedPolicies = []awsManagedPolicy{
	{"AdministratorAccess", "ANPAIWMBCKSKIEE64ZLYK", "/", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`},
	{"PowerUserAccess", "ANPAJYRXTHIB4FOVS3ZXS", "/", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*","account:*"],"Resource":"*"},{"Effect":"Allow","Action":["account:GetAccountInformation","account:GetPrimaryEmail","account:ListRegions","iam:CreateServiceLinkedRole","iam:DeleteServiceLinkedRole","iam:ListRoles","organizations:DescribeOrganization"],"Resource":"*"}]}`},
	{"ReadOnlyAccess", "ANPAILL3HVNFSB6DCOWYQ", "/", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["*:Describe*","*:Get*","*:List*","iam:Generate*","iam:Simulate*","identitystore:IsMemberInGroups","cloudtrail:LookupEvents"],"Resource":"*"}]}`},
	{"ViewOnlyAccess", "ANPAID22R6XPJATWOFDK6", "/job-function/", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["*:Describe*","*:List*","iam:GetAccountSummary","iam:GetLoginProfile","identitystore:IsMemberInGroups","cloudtrail:LookupEvents"],"Resource":"*"}]}`},
	{"IAMUserChangePassword", "ANPAJ4L4MM2A7QIEB56MS", "/", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ChangePassword"],"Resource":["arn:aws:iam::*:user/${aws:username}"]},{"Effect":"Allow","Action":["iam:GetAccountPasswordPolicy"],"Resource":"*"}]}`},
}

type iamPolicyOut struct {
	PolicyName                    string       `xml:"PolicyName"`
	PolicyId                      string       `xml:"PolicyId"`
	Arn                           string       `xml:"Arn"`
	Path                          string       `xml:"Path"`
	Description                   string       `xml:"Description,omitempty"`
	DefaultVersionId              string       `xml:"DefaultVersionId"`
	AttachmentCount               int          `xml:"AttachmentCount"`
	PermissionsBoundaryUsageCount int          `xml:"PermissionsBoundaryUsageCount"`
	IsAttachable                  bool         `xml:"IsAttachable"`
	CreateDate                    isoTime      `xml:"CreateDate"`
	UpdateDate                    isoTime      `xml:"UpdateDate"`
	Tags                          xmlList[Tag] `xml:"Tags,omitempty"`
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
	for _, r := range ic.ia.Roles {
		if slices.Contains(r.AttachedPolicies, arn) {
			n++
		}
	}
	return n
}

// boundaryUses counts the users and roles a managed policy bounds.
func (ic *iamCall) boundaryUses(arn string) int {
	n := 0
	for _, u := range ic.ia.Users {
		if u.PermissionsBoundary == arn {
			n++
		}
	}
	for _, r := range ic.ia.Roles {
		if r.Boundary == arn {
			n++
		}
	}
	return n
}

// policyOut describes a policy as the listings do.
func (ic *iamCall) policyOut(p *policyRef) iamPolicyOut {
	out := iamPolicyOut{PolicyName: p.name, PolicyId: p.id, Arn: p.arn, Path: p.path, DefaultVersionId: "v1",
		AttachmentCount: ic.attachments(p.arn), PermissionsBoundaryUsageCount: ic.boundaryUses(p.arn), IsAttachable: true,
		CreateDate: isoTime(p.created), UpdateDate: isoTime(p.created)}
	if c := p.customer; c != nil {
		out.DefaultVersionId, out.UpdateDate = c.DefaultVersion, isoTime(c.Updated)
	}
	return out
}

// policyDetail is a policy as CreatePolicy and GetPolicy return it: with
// its description and tags, which listings leave out.
func (ic *iamCall) policyDetail(p *policyRef) iamPolicyOut {
	out := ic.policyOut(p)
	if p.customer != nil {
		out.Description = p.customer.Description
		out.Tags = p.customer.Tags
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
	desc := form.Get("Description")
	if len(desc) > 1000 {
		return nil, iamConstraint("description", desc, "Member must have length less than or equal to 1000")
	}
	tags, err := iamTags(form)
	if err != nil {
		return nil, err
	}
	if err := validatePolicy(doc, policy.ManagedSize); err != nil {
		return nil, err
	}
	arn := ic.iamARN("policy", path, name)
	for _, p := range ic.ia.Policies {
		if strings.EqualFold(p.Name, name) {
			return nil, iamExists("A policy called %s already exists. Duplicate names are not allowed.", name)
		}
	}
	if len(ic.ia.Policies) >= 1500 {
		return nil, iamLimit("Cannot exceed quota for PoliciesPerAccount: 1500")
	}
	now := ic.now.UTC().Truncate(time.Second)
	p := &IAMPolicy{Name: name, ID: ic.newID("ANPA", 17), ARN: arn, Path: path, Description: desc, Created: now, Updated: now, Tags: tags,
		Versions: []*PolicyVersion{{ID: "v1", Document: doc, Created: now}}, DefaultVersion: "v1", NextVersion: 2}
	ic.ia.Policies = append(ic.ia.Policies, p)
	return struct {
		Policy iamPolicyOut `xml:"Policy"`
	}{ic.policyDetail(&policyRef{arn: arn, name: name, id: p.ID, path: path, created: p.Created, customer: p})}, nil
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
	}{ic.policyDetail(p)}, nil
}

func iamDeletePolicy(ic *iamCall, form url.Values) (any, error) {
	p, err := ic.customerPolicy(form, "DeletePolicy")
	if err != nil {
		return nil, err
	}
	if ic.attachments(p.ARN) > 0 || ic.boundaryUses(p.ARN) > 0 { // a boundary counts as an attachment here
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
			arn := "arn:" + ic.partition() + ":iam::aws:policy" + p.path + p.name
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

func iamAttachUserPolicy(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	u.AttachedPolicies, err = ic.attachPolicy(form, u.AttachedPolicies, "PoliciesPerUser")
	return nil, err
}

// attachedPoliciesQuota is IAM's AttachedPoliciesPerUserQuota, and the
// per-group and per-role ones, in the names LimitExceeded gives them.
const attachedPoliciesQuota = 10

// attachPolicy adds the request's PolicyArn to attached, which is left as
// it was on error.
func (ic *iamCall) attachPolicy(form url.Values, attached []string, quota string) ([]string, error) {
	arn, err := iamRequired(form, "PolicyArn", "policyArn")
	if err != nil {
		return attached, err
	}
	if _, err := ic.policyByARN(arn); err != nil {
		return attached, err
	}
	if slices.Contains(attached, arn) {
		return attached, nil
	}
	if len(attached) >= attachedPoliciesQuota {
		return attached, iamLimit("Cannot exceed quota for %s: %d", quota, attachedPoliciesQuota)
	}
	return append(attached, arn), nil
}

func iamDetachUserPolicy(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	u.AttachedPolicies, err = detachPolicy(form, u.AttachedPolicies)
	return nil, err
}

// detachPolicy removes the request's PolicyArn from attached, which is left
// as it was on error.
func detachPolicy(form url.Values, attached []string) ([]string, error) {
	arn, err := iamRequired(form, "PolicyArn", "policyArn")
	if err != nil {
		return attached, err
	}
	if !iamPolicyARN.MatchString(arn) {
		return attached, iamInvalidInput("ARN %s is not valid.", truncate(arn, 2048))
	}
	if !slices.Contains(attached, arn) {
		return attached, iamNoSuchEntity("Policy %s was not found.", arn)
	}
	return slices.DeleteFunc(attached, func(a string) bool { return a == arn }), nil
}

func iamListAttachedUserPolicies(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	return attachedPage(form, u.AttachedPolicies, "attached/"+u.ID)
}

// attachedPolicy is a member of a ListAttached*Policies reply.
type attachedPolicy struct {
	PolicyName string `xml:"PolicyName"`
	PolicyArn  string `xml:"PolicyArn"`
}

// attachedPage is one page of a ListAttached*Policies reply: the attached
// ARNs under the request's PathPrefix.
func attachedPage(form url.Values, arns []string, kind string) (any, error) {
	prefix, err := iamPathPrefix(form)
	if err != nil {
		return nil, err
	}
	var match []attachedPolicy
	for _, arn := range arns {
		m := iamPolicyARN.FindStringSubmatch(arn)
		if m != nil && strings.HasPrefix(m[2], prefix) {
			match = append(match, attachedPolicy{m[3], arn})
		}
	}
	pg, p, err := iamPage(form, match, kind+prefix)
	if err != nil {
		return nil, err
	}
	return struct {
		AttachedPolicies []attachedPolicy `xml:"AttachedPolicies>member"`
		iamPaging
	}{pg, p}, nil
}

func iamPutUserPolicy(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	u.InlinePolicies, err = putInline(form, u.InlinePolicies, policy.UserInlineSize, "user "+u.Name)
	return nil, err
}

// putInline applies a Put*Policy request to an entity's inline policies
// (left as they were on error): quota is what all of them together may
// hold, white space aside; entity ("user alice") words the error.
func putInline(form url.Values, policies []InlinePolicy, quota int, entity string) ([]InlinePolicy, error) {
	name, err := iamName(form, "PolicyName", "policyName", 128)
	if err != nil {
		return policies, err
	}
	doc, err := iamRequired(form, "PolicyDocument", "policyDocument")
	if err != nil {
		return policies, err
	}
	if err := validatePolicy(doc, 0); err != nil {
		return policies, err
	}
	total := policy.Size(doc)
	for _, p := range policies {
		if !strings.EqualFold(p.Name, name) {
			total += policy.Size(p.Document)
		}
	}
	if total > quota {
		return policies, iamLimit("Maximum policy size of %d bytes exceeded for %s", quota, entity)
	}
	if i := slices.IndexFunc(policies, func(p InlinePolicy) bool { return strings.EqualFold(p.Name, name) }); i >= 0 {
		policies[i].Document = doc
		return policies, nil
	}
	return append(policies, InlinePolicy{Name: name, Document: doc}), nil
}

func (ic *iamCall) inlinePolicy(form url.Values) (*IAMUser, int, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, 0, err
	}
	name, err := iamName(form, "PolicyName", "policyName", 128)
	if err != nil {
		return nil, 0, err
	}
	i := slices.IndexFunc(u.InlinePolicies, func(p InlinePolicy) bool { return strings.EqualFold(p.Name, name) })
	if i < 0 {
		return nil, 0, iamNoSuchEntity("The user policy with name %s cannot be found.", name)
	}
	return u, i, nil
}

// rfc3986 percent-encodes a policy document as IAM returns it.
func rfc3986(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

func iamGetUserPolicy(ic *iamCall, form url.Values) (any, error) {
	u, i, err := ic.inlinePolicy(form)
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
	u, i, err := ic.inlinePolicy(form)
	if err != nil {
		return nil, err
	}
	u.InlinePolicies = slices.Delete(u.InlinePolicies, i, i+1)
	return nil, nil
}

func iamListUserPolicies(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	return inlineNamesPage(form, u.InlinePolicies, "inline/"+u.ID)
}

// inlineNamesPage is one page of a List*Policies reply: inline policies' names.
func inlineNamesPage(form url.Values, policies []InlinePolicy, kind string) (any, error) {
	var names []string
	for _, p := range policies {
		names = append(names, p.Name)
	}
	pg, p, err := iamPage(form, names, kind)
	if err != nil {
		return nil, err
	}
	return struct {
		PolicyNames []string `xml:"PolicyNames>member"`
		iamPaging
	}{pg, p}, nil
}
