package sandbox

import (
	"net/url"
	"slices"
	"strings"

	"github.com/keyless-dev/keyless/internal/policy"
)

// A group's policies: attached managed policies (at most 10) and inline
// policies (policy.GroupInlineSize together, white space aside), with the
// rules users' have (iam_policies.go).

func iamAttachGroupPolicy(ic *iamCall, form url.Values) (any, error) {
	g, err := ic.group(form)
	if err != nil {
		return nil, err
	}
	g.AttachedPolicies, err = ic.attachPolicy(form, g.AttachedPolicies, "PoliciesPerGroup")
	return nil, err
}

func iamDetachGroupPolicy(ic *iamCall, form url.Values) (any, error) {
	g, err := ic.group(form)
	if err != nil {
		return nil, err
	}
	g.AttachedPolicies, err = detachPolicy(form, g.AttachedPolicies)
	return nil, err
}

func iamListAttachedGroupPolicies(ic *iamCall, form url.Values) (any, error) {
	g, err := ic.group(form)
	if err != nil {
		return nil, err
	}
	return attachedPage(form, g.AttachedPolicies, "attached/"+g.ID)
}

func iamPutGroupPolicy(ic *iamCall, form url.Values) (any, error) {
	g, err := ic.group(form)
	if err != nil {
		return nil, err
	}
	g.InlinePolicies, err = putInline(form, g.InlinePolicies, policy.GroupInlineSize, "group "+g.Name)
	return nil, err
}

// groupInlinePolicy finds the group and the index of the inline policy a
// request names.
func (ic *iamCall) groupInlinePolicy(form url.Values) (*IAMGroup, int, error) {
	g, err := ic.group(form)
	if err != nil {
		return nil, 0, err
	}
	name, err := iamName(form, "PolicyName", "policyName", 128)
	if err != nil {
		return nil, 0, err
	}
	i := slices.IndexFunc(g.InlinePolicies, func(p InlinePolicy) bool { return strings.EqualFold(p.Name, name) })
	if i < 0 {
		return nil, 0, iamNoSuchEntity("The group policy with name %s cannot be found.", name)
	}
	return g, i, nil
}

func iamGetGroupPolicy(ic *iamCall, form url.Values) (any, error) {
	g, i, err := ic.groupInlinePolicy(form)
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
	g, i, err := ic.groupInlinePolicy(form)
	if err != nil {
		return nil, err
	}
	g.InlinePolicies = slices.Delete(g.InlinePolicies, i, i+1)
	return nil, nil
}

func iamListGroupPolicies(ic *iamCall, form url.Values) (any, error) {
	g, err := ic.group(form)
	if err != nil {
		return nil, err
	}
	return inlineNamesPage(form, g.InlinePolicies, "inline/"+g.ID)
}
