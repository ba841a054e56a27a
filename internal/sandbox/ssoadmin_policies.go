package sandbox

// The policies of a permission set: AWS managed policies, the inline policy,
// customer managed policy references and the permissions boundary.

import (
	"encoding/json"
	"slices"
	"strings"
)

// Managed policies.

type attachedPolicyOut struct {
	Name string `json:"Name"`
	Arn  string `json:"Arn"`
}

func policyCount(ps *PermissionSet) int {
	return len(ps.ManagedPolicies) + len(ps.CustomerManagedPolicies)
}

func errPolicyQuota(ps *PermissionSet) error {
	return newError(400, "ServiceQuotaExceededException",
		"You have exceeded AWS SSO limits. Cannot attach more than %d managed and customer managed policies to permission set %s. Please refer to https://docs.aws.amazon.com/singlesignon/latest/userguide/limits.html",
		maxPoliciesPerPermissionSet, psID(ps.ARN))
}

type managedPolicyIn struct {
	psRef
	ManagedPolicyArn string
}

func ssoAttachManagedPolicy(c *call, in *managedPolicyIn) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if err := fManagedPolicyARN.required("managedPolicyArn", in.ManagedPolicyArn); err != nil {
		return nil, err
	}
	if slices.Contains(ps.ManagedPolicies, in.ManagedPolicyArn) {
		return nil, errConflict("Permission set with id %s already has a typed link attachment to a managed policy with %s", psID(ps.ARN), in.ManagedPolicyArn)
	}
	if policyCount(ps) >= maxPoliciesPerPermissionSet {
		return nil, errPolicyQuota(ps)
	}
	ps.ManagedPolicies = append(ps.ManagedPolicies, in.ManagedPolicyArn)
	ps.changed()
	return nil, nil
}

func ssoDetachManagedPolicy(c *call, in *managedPolicyIn) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if err := fManagedPolicyARN.required("managedPolicyArn", in.ManagedPolicyArn); err != nil {
		return nil, err
	}
	i := slices.Index(ps.ManagedPolicies, in.ManagedPolicyArn)
	if i < 0 {
		return nil, errNotFound("Could not find ManagedPolicy with arn %s attached to permission set %s", in.ManagedPolicyArn, psID(ps.ARN))
	}
	ps.ManagedPolicies = slices.Delete(ps.ManagedPolicies, i, i+1)
	ps.changed()
	return nil, nil
}

type psPagedRef struct {
	psRef
	ssoPaging
}

func ssoListManagedPolicies(c *call, in *psPagedRef) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	pg, next, err := page(ps.ManagedPolicies, pageKind("managed-policies", ps.ARN), in.MaxResults, in.NextToken, ssoMaxResults, ssoMaxResults)
	if err != nil {
		return nil, err
	}
	out := make([]attachedPolicyOut, len(pg))
	for i, arn := range pg {
		out[i] = attachedPolicyOut{Name: arn[strings.LastIndex(arn, "/")+1:], Arn: arn}
	}
	return map[string]any{"AttachedManagedPolicies": out, "NextToken": next}, nil
}

// Inline policy.

func ssoPutInlinePolicy(c *call, in *struct {
	psRef
	InlinePolicy string
}) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if err := fPolicyDocument.required("inlinePolicy", in.InlinePolicy); err != nil {
		return nil, err
	}
	if err := checkPolicyDocument(in.InlinePolicy); err != nil {
		return nil, err
	}
	ps.InlinePolicy = in.InlinePolicy
	ps.changed()
	return nil, nil
}

// checkPolicyDocument checks that an IAM policy is a JSON object with a
// Statement, as IAM does before it accepts it.
func checkPolicyDocument(doc string) error {
	var v map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return errValidation("The inline policy is not a valid JSON policy document: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if _, ok := v["Statement"]; !ok {
		return errValidation("The inline policy is not a valid policy document: it has no Statement")
	}
	return nil
}

func ssoGetInlinePolicy(c *call, in *psRef) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	return map[string]any{"InlinePolicy": ps.InlinePolicy}, nil
}

func ssoDeleteInlinePolicy(c *call, in *psRef) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if ps.InlinePolicy != "" {
		ps.InlinePolicy = ""
		ps.changed()
	}
	return nil, nil
}

// Customer managed policy references.

type customerRefIn struct {
	Name string
	Path *string
}

// ref validates a reference; prefix names the member in messages.
func (r *customerRefIn) ref(prefix string) (CustomerPolicyRef, error) {
	if err := fPolicyName.required(prefix+".name", r.Name); err != nil {
		return CustomerPolicyRef{}, err
	}
	if err := fPolicyPath.optional(prefix+".path", r.Path); err != nil {
		return CustomerPolicyRef{}, err
	}
	path := "/"
	if r.Path != nil {
		path = *r.Path
	}
	return CustomerPolicyRef{Name: r.Name, Path: path}, nil
}

type customerPolicyIn struct {
	psRef
	CustomerManagedPolicyReference *customerRefIn
}

func (in *customerPolicyIn) refFor(c *call) (*PermissionSet, CustomerPolicyRef, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, CustomerPolicyRef{}, err
	}
	if in.CustomerManagedPolicyReference == nil {
		return nil, CustomerPolicyRef{}, errRequired("customerManagedPolicyReference")
	}
	ref, err := in.CustomerManagedPolicyReference.ref("customerManagedPolicyReference")
	return ps, ref, err
}

func ssoAttachCustomerPolicy(c *call, in *customerPolicyIn) (any, error) {
	ps, ref, err := in.refFor(c)
	if err != nil {
		return nil, err
	}
	if slices.Contains(ps.CustomerManagedPolicies, ref) {
		return nil, errConflict("Given customer managed policy with name: %s and path %s already attached", ref.Name, ref.Path)
	}
	if policyCount(ps) >= maxPoliciesPerPermissionSet {
		return nil, errPolicyQuota(ps)
	}
	ps.CustomerManagedPolicies = append(ps.CustomerManagedPolicies, ref)
	ps.changed()
	return nil, nil
}

func ssoDetachCustomerPolicy(c *call, in *customerPolicyIn) (any, error) {
	ps, ref, err := in.refFor(c)
	if err != nil {
		return nil, err
	}
	i := slices.Index(ps.CustomerManagedPolicies, ref)
	if i < 0 {
		return nil, errNotFound("Given managed policy with name: %s and path %s does not exist on PermissionSet", ref.Name, ref.Path)
	}
	ps.CustomerManagedPolicies = slices.Delete(ps.CustomerManagedPolicies, i, i+1)
	ps.changed()
	return nil, nil
}

func ssoListCustomerPolicies(c *call, in *psPagedRef) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	pg, next, err := page(ps.CustomerManagedPolicies, pageKind("customer-policies", ps.ARN), in.MaxResults, in.NextToken, ssoMaxResults, ssoMaxResults)
	if err != nil {
		return nil, err
	}
	return map[string]any{"CustomerManagedPolicyReferences": nonNil(pg), "NextToken": next}, nil
}

// Permissions boundary.

func ssoPutBoundary(c *call, in *struct {
	psRef
	PermissionsBoundary *struct {
		CustomerManagedPolicyReference *customerRefIn
		ManagedPolicyArn               *string
	}
}) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	pb := in.PermissionsBoundary
	if pb == nil {
		return nil, errRequired("permissionsBoundary")
	}
	if (pb.CustomerManagedPolicyReference == nil) == (pb.ManagedPolicyArn == nil) {
		return nil, errValidation("A permissions boundary must have exactly one of CustomerManagedPolicyReference and ManagedPolicyArn")
	}
	b := &Boundary{}
	if pb.ManagedPolicyArn != nil {
		if err := fManagedPolicyARN.required("permissionsBoundary.managedPolicyArn", *pb.ManagedPolicyArn); err != nil {
			return nil, err
		}
		b.ManagedPolicyARN = *pb.ManagedPolicyArn
	} else {
		ref, err := pb.CustomerManagedPolicyReference.ref("permissionsBoundary.customerManagedPolicyReference")
		if err != nil {
			return nil, err
		}
		b.CustomerManaged = &ref
	}
	ps.Boundary = b
	ps.changed()
	return nil, nil
}

func ssoGetBoundary(c *call, in *psRef) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if ps.Boundary == nil {
		return nil, errNotFound("Could not find a permissions boundary attached to PermissionSet %s", psID(ps.ARN))
	}
	out := map[string]any{}
	if ps.Boundary.CustomerManaged != nil {
		out["CustomerManagedPolicyReference"] = ps.Boundary.CustomerManaged
	} else {
		out["ManagedPolicyArn"] = ps.Boundary.ManagedPolicyARN
	}
	return map[string]any{"PermissionsBoundary": out}, nil
}

func ssoDeleteBoundary(c *call, in *psRef) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if ps.Boundary == nil {
		return nil, errNotFound("Could not find a permissions boundary attached to PermissionSet %s", psID(ps.ARN))
	}
	ps.Boundary = nil
	ps.changed()
	return nil, nil
}
