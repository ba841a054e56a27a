package sandbox

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Service-linked roles: roles an AWS service owns, named and trusted as the
// service defines, under /aws-service-role/<service principal>/. Each
// service picks its role's name, so the sandbox knows the services below
// and refuses others rather than invent a name.

type linkedService struct {
	role   string // the role's name
	suffix bool   // whether CustomSuffix is allowed
}

var linkedServices = map[string]linkedService{
	"access-analyzer.amazonaws.com":      {"AWSServiceRoleForAccessAnalyzer", false},
	"autoscaling.amazonaws.com":          {"AWSServiceRoleForAutoScaling", true},
	"cloudtrail.amazonaws.com":           {"AWSServiceRoleForCloudTrail", false},
	"config.amazonaws.com":               {"AWSServiceRoleForConfig", false},
	"ecs.amazonaws.com":                  {"AWSServiceRoleForECS", false},
	"eks.amazonaws.com":                  {"AWSServiceRoleForAmazonEKS", false},
	"elasticbeanstalk.amazonaws.com":     {"AWSServiceRoleForElasticBeanstalk", false},
	"elasticloadbalancing.amazonaws.com": {"AWSServiceRoleForElasticLoadBalancing", false},
	"es.amazonaws.com":                   {"AWSServiceRoleForAmazonElasticsearchService", false},
	"guardduty.amazonaws.com":            {"AWSServiceRoleForAmazonGuardDuty", false},
	"organizations.amazonaws.com":        {"AWSServiceRoleForOrganizations", false},
	"rds.amazonaws.com":                  {"AWSServiceRoleForRDS", false},
	"securityhub.amazonaws.com":          {"AWSServiceRoleForSecurityHub", false},
	"sso.amazonaws.com":                  {"AWSServiceRoleForSSO", false},
	"support.amazonaws.com":              {"AWSServiceRoleForSupport", false},
	"trustedadvisor.amazonaws.com":       {"AWSServiceRoleForTrustedAdvisor", false},
}

func iamCreateServiceLinkedRole(ic *iamCall, form url.Values) (any, error) {
	service, err := iamName(form, "AWSServiceName", "aWSServiceName", 128)
	if err != nil {
		return nil, err
	}
	desc, err := roleDescription(form)
	if err != nil {
		return nil, err
	}
	var suffix string
	if _, ok := form["CustomSuffix"]; ok {
		if suffix, err = iamName(form, "CustomSuffix", "customSuffix", 64); err != nil {
			return nil, err
		}
	}
	ls, ok := linkedServices[service]
	if !ok {
		known := slices.Sorted(maps.Keys(linkedServices))
		return nil, iamInvalidInput("The sandbox does not know the service-linked role of %s; it knows those of %s.", service, strings.Join(known, ", "))
	}
	if suffix != "" && !ls.suffix {
		return nil, iamInvalidInput("Custom suffix is not allowed for %s", service)
	}
	name := ls.role
	if suffix != "" {
		name += "_" + suffix
	}
	if len(name) > 64 {
		return nil, iamConstraint("customSuffix", suffix, "Member must have length less than or equal to "+fmt.Sprint(64-len(ls.role)-1))
	}
	if ic.findRole(name) != nil {
		return nil, iamInvalidInput("Service role name %s has been taken in this account, please try a different suffix.", name)
	}
	if len(ic.ia.Roles) >= rolesQuota {
		return nil, iamLimit("Cannot exceed quota for RolesPerAccount: %d", rolesQuota)
	}
	r := &IAMRole{Name: name, Path: "/aws-service-role/" + service + "/", ID: ic.newID("AROA", 17),
		Created: ic.now.UTC().Truncate(time.Second), TrustPolicy: serviceTrust(service), Description: desc, LinkedService: service}
	ic.ia.Roles = append(ic.ia.Roles, r)
	return struct {
		Role iamRoleOut `xml:"Role"`
	}{ic.roleOut(r, roleCreated)}, nil
}

func iamDeleteServiceLinkedRole(ic *iamCall, form url.Values) (any, error) {
	r, err := ic.role(form)
	if err != nil {
		return nil, err
	}
	if r.LinkedService == "" {
		return nil, iamNoSuchEntity("The role with name %s is not a service-linked role.", r.Name)
	}
	for _, d := range ic.ia.RoleDeletions {
		if d.RoleName == r.Name && d.Status == "IN_PROGRESS" {
			return struct {
				DeletionTaskId string `xml:"DeletionTaskId"`
			}{d.TaskID}, nil
		}
	}
	d := &RoleDeletion{TaskID: fmt.Sprintf("task/aws-service-role/%s/%s/%s", r.LinkedService, r.Name, ic.uuid()),
		RoleName: r.Name, Status: "IN_PROGRESS", DoneAt: ic.now.Add(ic.s.opts.AssignmentDelay)}
	ic.ia.RoleDeletions = append(ic.ia.RoleDeletions, d)
	ic.w.advanceRoleDeletions(ic.now)
	return struct {
		DeletionTaskId string `xml:"DeletionTaskId"`
	}{d.TaskID}, nil
}

func iamGetServiceLinkedRoleDeletionStatus(ic *iamCall, form url.Values) (any, error) {
	id, err := iamRequired(form, "DeletionTaskId", "deletionTaskId")
	if err != nil {
		return nil, err
	}
	if len(id) > 1000 {
		return nil, iamConstraint("deletionTaskId", id, "Member must have length less than or equal to 1000")
	}
	if !strings.HasPrefix(id, "task/aws-service-role/") {
		return nil, iamInvalidInput("Invalid deletion task id: %s", truncate(id, 200))
	}
	for _, d := range ic.ia.RoleDeletions {
		if d.TaskID == id {
			return struct {
				Status string `xml:"Status"`
			}{d.Status}, nil
		}
	}
	return nil, iamNoSuchEntity("Deletion task %s cannot be found.", truncate(id, 200))
}

// advanceRoleDeletions deletes the service-linked roles whose deletion
// time has come. The sandbox's services hold no resources that use them,
// so deletion always succeeds.
func (w *World) advanceRoleDeletions(now time.Time) {
	for _, ia := range w.IAM {
		for _, d := range ia.RoleDeletions {
			if d.Status != "IN_PROGRESS" || now.Before(d.DoneAt) {
				continue
			}
			d.Status = "SUCCEEDED"
			ia.Roles = slices.DeleteFunc(ia.Roles, func(r *IAMRole) bool { return r.Name == d.RoleName && r.LinkedService != "" })
		}
	}
}
