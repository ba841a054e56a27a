package sandbox

import (
	"net/url"

	"github.com/keyless-dev/keyless/internal/policy"
)

// A group's policies: attached managed policies (at most 10) and inline
// policies (5,120 characters together, without white space), with the
// rules users' have (iam_policies.go).

func groupHolder(g *IAMGroup) policyHolder {
	return policyHolder{"group", g.Name, g.ID, &g.AttachedPolicies, &g.InlinePolicies, "PoliciesPerGroup", policy.GroupInlineSize}
}

func iamAttachGroupPolicy(ic *iamCall, form url.Values) (any, error) {
	g, err := ic.group(form)
	if err != nil {
		return nil, err
	}
	return nil, groupHolder(g).attach(ic, form)
}

func iamDetachGroupPolicy(ic *iamCall, form url.Values) (any, error) {
	g, err := ic.group(form)
	if err != nil {
		return nil, err
	}
	return nil, groupHolder(g).detach(form)
}

func iamListAttachedGroupPolicies(ic *iamCall, form url.Values) (any, error) {
	g, err := ic.group(form)
	if err != nil {
		return nil, err
	}
	return groupHolder(g).listAttached(form)
}

func iamPutGroupPolicy(ic *iamCall, form url.Values) (any, error) {
	g, err := ic.group(form)
	if err != nil {
		return nil, err
	}
	return nil, groupHolder(g).put(form)
}

func iamGetGroupPolicy(ic *iamCall, form url.Values) (any, error) {
	g, err := ic.group(form)
	if err != nil {
		return nil, err
	}
	i, err := groupHolder(g).find(form)
	if err != nil {
		return nil, err
	}
	p := g.InlinePolicies[i]
	return struct {
		GroupName      string `xml:"GroupName"`
		PolicyName     string `xml:"PolicyName"`
		PolicyDocument string `xml:"PolicyDocument"`
	}{g.Name, p.Name, rfc3986(p.Document)}, nil
}

func iamDeleteGroupPolicy(ic *iamCall, form url.Values) (any, error) {
	g, err := ic.group(form)
	if err != nil {
		return nil, err
	}
	return nil, groupHolder(g).deleteInline(form)
}

func iamListGroupPolicies(ic *iamCall, form url.Values) (any, error) {
	g, err := ic.group(form)
	if err != nil {
		return nil, err
	}
	return groupHolder(g).listInline(form)
}
