package sandbox

import (
	"cmp"
	"fmt"
	"net/url"
	"strings"
)

// resourceOf is the ARN a call acts on, as access denied messages and the
// Resource element see it: computed from the request's parameters where
// that is cheap (IAM entities and policies, the role of an assume-role
// call, sso-admin's permission set or instance, identitystore's store,
// organizations' account), else "*" (docs/sandbox.md, "Authorization").
// account is the caller's, which IAM calls act in.
func (c *call) resourceOf(action, account string, param func(string) string) string {
	p := c.partition()
	service, op, _ := strings.Cut(action, ":")
	switch service {
	case "dynamodb":
		if arn := param("ResourceArn"); arn != "" {
			return arn
		}
		if name := param("TableName"); name != "" {
			return c.dynResource(account, name)
		}
	case "iam":
		return iamResource(p, account, op, param)
	case "sts":
		if arn := param("RoleArn"); arn != "" {
			return arn
		}
	case "sso":
		for _, k := range []string{"PermissionSetArn", "InstanceArn"} {
			if arn := param(k); arn != "" {
				return arn
			}
		}
	case "identitystore":
		if id := param("IdentityStoreId"); id != "" {
			return fmt.Sprintf("arn:%s:identitystore::%s:identitystore/%s", p, c.w.Instance.OwnerAccountID, id)
		}
	case "states":
		for _, k := range []string{"stateMachineArn", "executionArn"} {
			if arn := param(k); arn != "" {
				return arn
			}
		}
		if name := param("name"); name != "" && op == "CreateStateMachine" {
			return fmt.Sprintf("arn:%s:states:%s:%s:stateMachine:%s", p, c.region, account, name)
		}
	case "scheduler":
		// REST: the schedule's name is in the path, its group in the body
		// (CreateSchedule, UpdateSchedule) or the query (Get, Delete).
		if c.r == nil {
			break
		}
		if name, ok := strings.CutPrefix(c.r.URL.Path, "/schedules/"); ok && name != "" {
			name, _ = url.PathUnescape(name)
			group := cmp.Or(param("GroupName"), c.r.URL.Query().Get("groupName"), "default")
			return fmt.Sprintf("arn:%s:scheduler:%s:%s:schedule/%s/%s", p, c.region, account, group, name)
		}
		if name, ok := strings.CutPrefix(c.r.URL.Path, "/schedule-groups/"); ok && name != "" {
			name, _ = url.PathUnescape(name)
			return fmt.Sprintf("arn:%s:scheduler:%s:%s:schedule-group/%s", p, c.region, account, name)
		}
	case "organizations":
		if id := param("AccountId"); id != "" && c.w.Organization != nil {
			return fmt.Sprintf("arn:%s:organizations::%s:account/%s/%s", p, c.w.Organization.MasterAccountID, c.w.Organization.ID, id)
		}
	}
	return "*"
}

// resourcesOf is every resource a call acts on, each of which the
// caller's policies must allow: sso-admin's account assignment calls act
// on the instance, the permission set and the account
// (arn:aws:sso:::account/ID), as the Service Authorization Reference lists
// them; any other call on resourceOf's one.
func (c *call) resourcesOf(action, account string, param func(string) string) []string {
	first := c.resourceOf(action, account, param)
	switch action {
	case "sso:CreateAccountAssignment", "sso:DeleteAccountAssignment":
		out := []string{first}
		if inst := param("InstanceArn"); inst != "" && inst != first {
			out = append(out, inst)
		}
		if id := param("TargetId"); id != "" {
			out = append(out, fmt.Sprintf("arn:%s:sso:::account/%s", c.partition(), id))
		}
		return out
	}
	return []string{first}
}

// iamEntityParams name the IAM entity an operation acts on, in the order
// that picks the resource when an operation names two (AddUserToGroup acts
// on the group, AddRoleToInstanceProfile on the instance profile).
var iamEntityParams = []struct{ param, kind string }{
	{"InstanceProfileName", "instance-profile"}, {"GroupName", "group"}, {"RoleName", "role"}, {"UserName", "user"},
}

func iamResource(partition, account, op string, param func(string) string) string {
	arn := func(kind, path, name string) string {
		if path == "" {
			path = "/"
		}
		return fmt.Sprintf("arn:%s:iam::%s:%s%s%s", partition, account, kind, path, name)
	}
	for _, e := range iamEntityParams {
		if name := param(e.param); name != "" {
			path := ""
			if strings.HasPrefix(op, "Create") {
				path = param("Path")
			}
			return arn(e.kind, path, name)
		}
	}
	for _, k := range []string{"PolicyArn", "OpenIDConnectProviderArn", "SAMLProviderArn"} {
		if v := param(k); v != "" {
			return v
		}
	}
	switch op {
	case "CreatePolicy":
		return arn("policy", param("Path"), param("PolicyName"))
	case "ListUsers":
		return arn("user", param("PathPrefix"), "")
	case "ListRoles":
		return arn("role", param("PathPrefix"), "")
	case "ListGroups":
		return arn("group", param("PathPrefix"), "")
	}
	return "*"
}
