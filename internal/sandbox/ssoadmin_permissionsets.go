package sandbox

// Permission sets: CreatePermissionSet, Describe, List, Update and Delete.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

type psOut struct {
	Name             string  `json:"Name"`
	PermissionSetArn string  `json:"PermissionSetArn"`
	Description      string  `json:"Description,omitempty"`
	CreatedDate      float64 `json:"CreatedDate"`
	SessionDuration  string  `json:"SessionDuration,omitempty"`
	RelayState       string  `json:"RelayState,omitempty"`
}

func permissionSetOut(ps *PermissionSet) map[string]any {
	return map[string]any{"PermissionSet": psOut{Name: ps.Name, PermissionSetArn: ps.ARN, Description: ps.Description,
		CreatedDate: epoch(ps.Created), SessionDuration: ps.SessionDuration, RelayState: ps.RelayState}}
}

type psRef struct {
	InstanceArn      string
	PermissionSetArn string
}

func ssoCreatePermissionSet(c *call, in *struct {
	InstanceArn     string
	Name            string
	Description     *string
	SessionDuration *string
	RelayState      *string
	Tags            []Tag
}) (any, error) {
	inst, err := c.instance(in.InstanceArn)
	if err != nil {
		return nil, err
	}
	if err := fPermissionSetName.required("name", in.Name); err != nil {
		return nil, err
	}
	if err := fDescription.optional("description", in.Description); err != nil {
		return nil, err
	}
	if err := fRelayState.optional("relayState", in.RelayState); err != nil {
		return nil, err
	}
	duration := "PT1H"
	if in.SessionDuration != nil {
		if err := checkSessionDuration(*in.SessionDuration); err != nil {
			return nil, err
		}
		duration = *in.SessionDuration
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	tags, err := mergeTags(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	for _, ps := range c.w.PermissionSets {
		if ps.Name == in.Name {
			return nil, errConflict("PermissionSet with name %s already exists.", in.Name)
		}
	}
	instID := inst.ARN[strings.LastIndex(inst.ARN, "/")+1:]
	partition := strings.Split(inst.ARN, ":")[1]
	ps := &PermissionSet{
		ARN:             fmt.Sprintf("arn:%s:sso:::permissionSet/%s/ps-%s", partition, instID, c.rand(16, lowerHex)),
		Name:            in.Name,
		Description:     deref(in.Description),
		SessionDuration: duration,
		RelayState:      deref(in.RelayState),
		Created:         c.now.UTC(),
		Tags:            tags,
		RoleSuffix:      c.rand(16, lowerHex),
	}
	c.w.PermissionSets = append(c.w.PermissionSets, ps)
	return permissionSetOut(ps), nil
}

func ssoDescribePermissionSet(c *call, in *psRef) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	return permissionSetOut(ps), nil
}

func ssoListPermissionSets(c *call, in *struct {
	InstanceArn string
	ssoPaging
}) (any, error) {
	if _, err := c.instance(in.InstanceArn); err != nil {
		return nil, err
	}
	arns := make([]string, len(c.w.PermissionSets))
	for i, ps := range c.w.PermissionSets {
		arns[i] = ps.ARN
	}
	pg, next, err := page(arns, "permission-sets", in.MaxResults, in.NextToken, ssoMaxResults, ssoMaxResults)
	if err != nil {
		return nil, err
	}
	return map[string]any{"PermissionSets": nonNil(pg), "NextToken": next}, nil
}

func ssoUpdatePermissionSet(c *call, in *struct {
	psRef
	Description     *string
	SessionDuration *string
	RelayState      *string
}) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if err := fDescription.optional("description", in.Description); err != nil {
		return nil, err
	}
	if err := fRelayState.optional("relayState", in.RelayState); err != nil {
		return nil, err
	}
	if in.SessionDuration != nil {
		if err := checkSessionDuration(*in.SessionDuration); err != nil {
			return nil, err
		}
	}
	// Only the members given change.
	if in.Description != nil {
		ps.Description = *in.Description
	}
	if in.SessionDuration != nil {
		ps.SessionDuration = *in.SessionDuration
	}
	if in.RelayState != nil {
		ps.RelayState = *in.RelayState
	}
	ps.changed()
	return nil, nil
}

func ssoDeletePermissionSet(c *call, in *psRef) (any, error) {
	ps, err := c.permissionSet(in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if slices.ContainsFunc(c.w.Assignments, func(a *Assignment) bool { return a.PermissionSetARN == ps.ARN }) {
		return nil, errConflict("PermissionSet %s is assigned to principals in accounts; delete its account assignments first.", psID(ps.ARN))
	}
	if slices.ContainsFunc(c.w.AssignmentOps, func(o *AssignmentOp) bool {
		return o.PermissionSetARN == ps.ARN && o.Status == "IN_PROGRESS"
	}) {
		return nil, errConflict("PermissionSet %s has account assignment operations in progress; retry when they complete.", psID(ps.ARN))
	}
	if slices.ContainsFunc(c.w.ProvisionOps, func(o *ProvisionOp) bool {
		return o.PermissionSetARN == ps.ARN && o.Status == "IN_PROGRESS"
	}) {
		return nil, errConflict("PermissionSet %s is being provisioned; retry when provisioning completes.", psID(ps.ARN))
	}
	name := ps.roleName()
	for _, acct := range ps.ProvisionedTo {
		if ia := c.w.IAM[acct]; ia != nil {
			ia.Roles = slices.DeleteFunc(ia.Roles, func(r *IAMRole) bool { return r.Name == name && r.Path == ssoRolePath })
		}
	}
	c.w.PermissionSets = slices.DeleteFunc(c.w.PermissionSets, func(p *PermissionSet) bool { return p == ps })
	return nil, nil
}

// checkSessionDuration validates an ISO-8601 duration and Identity Center's
// range of 1 to 12 hours.
func checkSessionDuration(v string) error {
	if err := fDuration.check("sessionDuration", v); err != nil {
		return err
	}
	m := fDuration.re.FindStringSubmatch(v)
	// m: 1 sign, 2 years, 3 months, 4 days/weeks, 5 D|W, 6 hours, 7 minutes, 8 seconds.
	if v == "P" || strings.HasSuffix(v, "T") || m == nil {
		return errConstraint("sessionDuration", v, "Member must satisfy regular expression pattern: "+fDuration.pattern)
	}
	num := func(s string) float64 {
		f, _ := strconv.ParseFloat(s, 64)
		return f
	}
	days := num(m[4])
	if m[5] == "W" {
		days *= 7
	}
	secs := num(m[2])*365*86400 + num(m[3])*30*86400 + days*86400 + num(m[6])*3600 + num(m[7])*60 + num(m[8])
	if m[1] == "-" {
		secs = -secs
	}
	if secs < 3600 || secs > 12*3600 {
		return errValidation("SessionDuration %s is out of range: a permission set's session lasts from 1 hour (PT1H) to 12 hours (PT12H)", v)
	}
	return nil
}
