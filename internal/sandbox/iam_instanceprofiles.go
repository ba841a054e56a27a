package sandbox

import (
	"net/url"
	"slices"
	"strings"
	"time"
)

// Instance profiles: containers for one role that EC2 instances take on.

const instanceProfilesQuota = 1000 // InstanceProfilesQuota

type iamInstanceProfileOut struct {
	Path                string       `xml:"Path"`
	InstanceProfileName string       `xml:"InstanceProfileName"`
	InstanceProfileId   string       `xml:"InstanceProfileId"`
	Arn                 string       `xml:"Arn"`
	CreateDate          isoTime      `xml:"CreateDate"`
	Roles               []iamRoleOut `xml:"Roles>member"`
	Tags                xmlList[Tag] `xml:"Tags,omitempty"`
}

func (ic *iamCall) profileOut(p *InstanceProfile) iamInstanceProfileOut {
	out := iamInstanceProfileOut{Path: p.Path, InstanceProfileName: p.Name, InstanceProfileId: p.ID,
		Arn:        ic.iamARN("instance-profile", p.Path, p.Name),
		CreateDate: isoTime(p.Created), Tags: p.Tags, Roles: []iamRoleOut{}}
	for _, name := range p.Roles {
		if r := ic.findRole(name); r != nil {
			out.Roles = append(out.Roles, ic.roleOut(r, roleListed))
		}
	}
	return out
}

func (ic *iamCall) findProfile(name string) *InstanceProfile {
	for _, p := range ic.ia.InstanceProfiles {
		if strings.EqualFold(p.Name, name) {
			return p
		}
	}
	return nil
}

func (ic *iamCall) profile(form url.Values) (*InstanceProfile, error) {
	name, err := iamName(form, "InstanceProfileName", "instanceProfileName", 128)
	if err != nil {
		return nil, err
	}
	p := ic.findProfile(name)
	if p == nil {
		return nil, iamNoSuchEntity("Instance Profile %s cannot be found.", name)
	}
	return p, nil
}

// profilesFor lists the instance profiles that hold a role.
func (ic *iamCall) profilesFor(r *IAMRole) []*InstanceProfile {
	var out []*InstanceProfile
	for _, p := range ic.ia.InstanceProfiles {
		if slices.ContainsFunc(p.Roles, func(n string) bool { return strings.EqualFold(n, r.Name) }) {
			out = append(out, p)
		}
	}
	return out
}

func iamCreateInstanceProfile(ic *iamCall, form url.Values) (any, error) {
	name, err := iamName(form, "InstanceProfileName", "instanceProfileName", 128)
	if err != nil {
		return nil, err
	}
	path, err := iamPath(form, "Path", "path")
	if err != nil {
		return nil, err
	}
	tags, err := iamTags(form)
	if err != nil {
		return nil, err
	}
	if ic.findProfile(name) != nil {
		return nil, iamExists("Instance Profile %s already exists.", name)
	}
	if len(ic.ia.InstanceProfiles) >= instanceProfilesQuota {
		return nil, iamLimit("Cannot exceed quota for InstanceProfilesPerAccount: %d", instanceProfilesQuota)
	}
	p := &InstanceProfile{Name: name, Path: path, ID: ic.newID("AIPA", 17), Created: ic.now.UTC().Truncate(time.Second), Tags: tags}
	ic.ia.InstanceProfiles = append(ic.ia.InstanceProfiles, p)
	return struct {
		InstanceProfile iamInstanceProfileOut `xml:"InstanceProfile"`
	}{ic.profileOut(p)}, nil
}

func iamGetInstanceProfile(ic *iamCall, form url.Values) (any, error) {
	p, err := ic.profile(form)
	if err != nil {
		return nil, err
	}
	return struct {
		InstanceProfile iamInstanceProfileOut `xml:"InstanceProfile"`
	}{ic.profileOut(p)}, nil
}

func iamDeleteInstanceProfile(ic *iamCall, form url.Values) (any, error) {
	p, err := ic.profile(form)
	if err != nil {
		return nil, err
	}
	if len(p.Roles) > 0 {
		return nil, iamDeleteConflict("Cannot delete entity, must remove roles from instance profile first.")
	}
	ic.ia.InstanceProfiles = slices.DeleteFunc(ic.ia.InstanceProfiles, func(o *InstanceProfile) bool { return o == p })
	return nil, nil
}

func (ic *iamCall) profilesPage(form url.Values, profiles []*InstanceProfile, kind string) (any, error) {
	pg, pgn, err := iamPage(form, profiles, kind)
	if err != nil {
		return nil, err
	}
	out := struct {
		InstanceProfiles []iamInstanceProfileOut `xml:"InstanceProfiles>member"`
		iamPaging
	}{iamPaging: pgn}
	for _, p := range pg {
		o := ic.profileOut(p)
		o.Tags = nil // listings leave tags out, as AWS does
		out.InstanceProfiles = append(out.InstanceProfiles, o)
	}
	return out, nil
}

func iamListInstanceProfiles(ic *iamCall, form url.Values) (any, error) {
	prefix, err := iamPathPrefix(form)
	if err != nil {
		return nil, err
	}
	var match []*InstanceProfile
	for _, p := range ic.ia.InstanceProfiles {
		if strings.HasPrefix(p.Path, prefix) {
			match = append(match, p)
		}
	}
	return ic.profilesPage(form, match, "profiles"+prefix)
}

func iamListInstanceProfilesForRole(ic *iamCall, form url.Values) (any, error) {
	r, err := ic.role(form)
	if err != nil {
		return nil, err
	}
	return ic.profilesPage(form, ic.profilesFor(r), "role-profiles/"+r.ID)
}

func iamAddRoleToInstanceProfile(ic *iamCall, form url.Values) (any, error) {
	p, err := ic.profile(form)
	if err != nil {
		return nil, err
	}
	r, err := ic.role(form)
	if err != nil {
		return nil, err
	}
	if r.protected() {
		return nil, unmodifiable(r)
	}
	if len(p.Roles) >= 1 {
		return nil, iamLimit("Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
	}
	p.Roles = append(p.Roles, r.Name)
	return nil, nil
}

func iamRemoveRoleFromInstanceProfile(ic *iamCall, form url.Values) (any, error) {
	p, err := ic.profile(form)
	if err != nil {
		return nil, err
	}
	r, err := ic.role(form)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(p.Roles, func(n string) bool { return strings.EqualFold(n, r.Name) })
	if i < 0 {
		return nil, iamNoSuchEntity("The role with name %s cannot be found.", r.Name)
	}
	p.Roles = slices.Delete(p.Roles, i, i+1)
	return nil, nil
}

var iamTagInstanceProfile, iamUntagInstanceProfile, iamListInstanceProfileTags = iamTagOps(func(ic *iamCall, form url.Values) (*[]Tag, string, error) {
	p, err := ic.profile(form)
	if err != nil {
		return nil, "", err
	}
	return &p.Tags, "profile-tags/" + p.ID, nil
})
