package sandbox

import (
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/keyless-dev/keyless/internal/policy"
)

// Managed policies' versions and tags.
//
// A customer managed policy holds up to five versions, one of them the
// default (the one in effect); version numbers only grow. The AWS-managed
// policies the sandbox carries have their one document as v1; other
// AWS-managed ARNs, which the sandbox accepts without knowing their
// documents, have no versions to read. AWS-managed policies cannot be
// changed or tagged.

const maxPolicyVersions = 5

var iamVersionIDPattern = lazyRegexp(`^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$`)

type iamPolicyVersionOut struct {
	Document         string  `xml:"Document,omitempty"`
	VersionId        string  `xml:"VersionId"`
	IsDefaultVersion bool    `xml:"IsDefaultVersion"`
	CreateDate       isoTime `xml:"CreateDate"`
}

// versionOut describes a version; the document only when doc is set, as
// GetPolicyVersion returns it and CreatePolicyVersion and ListPolicyVersions
// do not.
func versionOut(p *IAMPolicy, v *PolicyVersion, doc bool) iamPolicyVersionOut {
	out := iamPolicyVersionOut{VersionId: v.ID, IsDefaultVersion: v.ID == p.DefaultVersion, CreateDate: isoTime(v.Created)}
	if doc {
		out.Document = rfc3986(v.Document)
	}
	return out
}

// policyVersions is the policy a request names with its versions: a
// customer policy's own, or an AWS-managed one's the sandbox knows.
func (ic *iamCall) policyVersions(form url.Values) (*IAMPolicy, error) {
	p, err := ic.requestPolicy(form)
	if err != nil {
		return nil, err
	}
	if p.customer != nil {
		return p.customer, nil
	}
	out := &IAMPolicy{Name: p.name, ID: p.id, ARN: p.arn, Path: p.path, Created: p.created, Updated: p.created}
	for _, m := range awsManagedPolicies {
		if "arn:aws:iam::aws:policy"+m.path+m.name == p.arn {
			out.Versions = []*PolicyVersion{{ID: "v1", Document: m.document, Created: awsEpoch}}
			out.DefaultVersion = "v1"
		}
	}
	return out, nil
}

// customerPolicy is the customer managed policy a request changes; an
// AWS-managed one is refused as IAM refuses it.
func (ic *iamCall) customerPolicy(form url.Values, op string) (*IAMPolicy, error) {
	p, err := ic.requestPolicy(form)
	if err != nil {
		return nil, err
	}
	if p.customer == nil {
		return nil, newError(403, "AccessDenied", "User: %s is not authorized to perform: iam:%s on resource: policy %s", ic.who.ARN, op, p.arn)
	}
	return p.customer, nil
}

func iamVersionID(form url.Values) (string, error) {
	id, err := iamRequired(form, "VersionId", "versionId")
	if err != nil {
		return "", err
	}
	if !iamVersionIDPattern.MatchString(id) {
		return "", iamConstraint("versionId", id, `Member must satisfy regular expression pattern: v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`)
	}
	return id, nil
}

// version finds a version of p by the request's VersionId.
func version(p *IAMPolicy, form url.Values) (*PolicyVersion, error) {
	id, err := iamVersionID(form)
	if err != nil {
		return nil, err
	}
	for _, v := range p.Versions {
		if v.ID == id {
			return v, nil
		}
	}
	return nil, iamNoSuchEntity("Policy %s version %s does not exist or is not attachable.", p.ARN, id)
}

func iamCreatePolicyVersion(ic *iamCall, form url.Values) (any, error) {
	p, err := ic.customerPolicy(form, "CreatePolicyVersion")
	if err != nil {
		return nil, err
	}
	doc, err := iamRequired(form, "PolicyDocument", "policyDocument")
	if err != nil {
		return nil, err
	}
	setDefault, err := iamBool(form, "SetAsDefault")
	if err != nil {
		return nil, err
	}
	if err := validatePolicy(doc, policy.ManagedSize); err != nil {
		return nil, err
	}
	if len(p.Versions) >= maxPolicyVersions {
		return nil, iamLimit("A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", maxPolicyVersions)
	}
	now := ic.now.UTC().Truncate(time.Second)
	v := &PolicyVersion{ID: fmt.Sprintf("v%d", p.NextVersion), Document: doc, Created: now}
	p.Versions = append(p.Versions, v)
	p.NextVersion++
	if setDefault {
		p.DefaultVersion, p.Updated = v.ID, now
	}
	return struct {
		PolicyVersion iamPolicyVersionOut `xml:"PolicyVersion"`
	}{versionOut(p, v, false)}, nil
}

func iamGetPolicyVersion(ic *iamCall, form url.Values) (any, error) {
	p, err := ic.policyVersions(form)
	if err != nil {
		return nil, err
	}
	v, err := version(p, form)
	if err != nil {
		return nil, err
	}
	return struct {
		PolicyVersion iamPolicyVersionOut `xml:"PolicyVersion"`
	}{versionOut(p, v, true)}, nil
}

func iamListPolicyVersions(ic *iamCall, form url.Values) (any, error) {
	p, err := ic.policyVersions(form)
	if err != nil {
		return nil, err
	}
	// Newest first, as IAM lists them.
	vs := slices.Clone(p.Versions)
	slices.Reverse(vs)
	pg, pgn, err := iamPage(form, vs, "versions/"+p.ID)
	if err != nil {
		return nil, err
	}
	out := struct {
		Versions []iamPolicyVersionOut `xml:"Versions>member"`
		iamPaging
	}{iamPaging: pgn}
	for _, v := range pg {
		out.Versions = append(out.Versions, versionOut(p, v, false))
	}
	return out, nil
}

func iamDeletePolicyVersion(ic *iamCall, form url.Values) (any, error) {
	p, err := ic.customerPolicy(form, "DeletePolicyVersion")
	if err != nil {
		return nil, err
	}
	v, err := version(p, form)
	if err != nil {
		return nil, err
	}
	if v.ID == p.DefaultVersion {
		return nil, iamDeleteConflict("Cannot delete the default version of a policy.")
	}
	p.Versions = slices.DeleteFunc(p.Versions, func(o *PolicyVersion) bool { return o == v })
	return nil, nil
}

func iamSetDefaultPolicyVersion(ic *iamCall, form url.Values) (any, error) {
	p, err := ic.customerPolicy(form, "SetDefaultPolicyVersion")
	if err != nil {
		return nil, err
	}
	v, err := version(p, form)
	if err != nil {
		return nil, err
	}
	if p.DefaultVersion != v.ID {
		p.DefaultVersion, p.Updated = v.ID, ic.now.UTC().Truncate(time.Second)
	}
	return nil, nil
}

// Tags: AWS-managed policies have none and take none.
var (
	iamTagPolicy, _, _   = iamTagOps(customerPolicyTags("TagPolicy"))
	_, iamUntagPolicy, _ = iamTagOps(customerPolicyTags("UntagPolicy"))
)

func customerPolicyTags(op string) func(*iamCall, url.Values) (*[]Tag, string, error) {
	return func(ic *iamCall, form url.Values) (*[]Tag, string, error) {
		p, err := ic.customerPolicy(form, op)
		if err != nil {
			return nil, "", err
		}
		return &p.Tags, "policy-tags/" + p.ID, nil
	}
}

var _, _, iamListPolicyTags = iamTagOps(func(ic *iamCall, form url.Values) (*[]Tag, string, error) {
	p, err := ic.policyVersions(form)
	if err != nil {
		return nil, "", err
	}
	return &p.Tags, "policy-tags/" + p.ID, nil
})
