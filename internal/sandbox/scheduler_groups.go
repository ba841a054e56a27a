package sandbox

import (
	"fmt"
	"slices"
	"strings"
)

// EventBridge Scheduler's schedule groups and their tags (scheduler.go has
// the schedules). Every account has a "default" group in every region,
// which is never stored: it cannot be created, deleted or tagged.

func schedCreateGroup(c *call, rest string, body []byte) (any, error) {
	name, err := schedPathName(rest)
	if err != nil {
		return nil, err
	}
	var in struct {
		ClientToken *string `json:"ClientToken"`
		Tags        []Tag   `json:"Tags"`
	}
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	if err := schedClientToken("clientToken", in.ClientToken); err != nil {
		return nil, err
	}
	if err := validateSchedTags(in.Tags); err != nil {
		return nil, err
	}
	account := c.schedAccount()
	if g := c.schedGroup(account, name); g != nil || name == "default" {
		if g != nil && in.ClientToken != nil && g.ClientToken == *in.ClientToken {
			return map[string]string{"ScheduleGroupArn": g.ARN}, nil
		}
		return nil, errConflict("Schedule group %s already exists.", name)
	}
	g := &ScheduleGroup{Account: account, Region: c.region, Name: name, ARN: c.schedGroupARN(account, name), Created: c.now, Tags: in.Tags}
	if in.ClientToken != nil {
		g.ClientToken = *in.ClientToken
	}
	c.w.Scheduler.Groups = append(c.w.Scheduler.Groups, g)
	return map[string]string{"ScheduleGroupArn": g.ARN}, nil
}

func validateSchedTags(tags []Tag) error {
	if len(tags) > 200 {
		return errConstraint("tags", fmt.Sprintf("[%d tags]", len(tags)), "Member must have length less than or equal to 200")
	}
	for i, t := range tags {
		if err := validateSchedString(fmt.Sprintf("tags.%d.member.key", i+1), t.Key, 1, 128); err != nil {
			return err
		}
		if err := validateSchedString(fmt.Sprintf("tags.%d.member.value", i+1), t.Value, 1, 256); err != nil {
			return err
		}
	}
	return nil
}

type scheduleGroupOut struct {
	Arn                  string     `json:"Arn"`
	CreationDate         *epochTime `json:"CreationDate,omitempty"`
	LastModificationDate *epochTime `json:"LastModificationDate,omitempty"`
	Name                 string     `json:"Name"`
	State                string     `json:"State"`
}

// schedGroupOut describes a group; nil g is the account's default group.
func (c *call) schedGroupOut(account string, g *ScheduleGroup) scheduleGroupOut {
	if g == nil {
		return scheduleGroupOut{Arn: c.schedGroupARN(account, "default"), Name: "default", State: "ACTIVE"}
	}
	return scheduleGroupOut{Arn: g.ARN, CreationDate: schedTime(g.Created), LastModificationDate: schedTime(g.Created), Name: g.Name, State: "ACTIVE"}
}

func schedGetGroup(c *call, rest string, _ []byte) (any, error) {
	name, err := schedPathName(rest)
	if err != nil {
		return nil, err
	}
	account := c.schedAccount()
	if err := c.requireSchedGroup(account, name); err != nil {
		return nil, err
	}
	return c.schedGroupOut(account, c.schedGroup(account, name)), nil
}

// schedDeleteGroup deletes a group and its schedules. AWS does it in the
// background (State DELETING); the sandbox at once.
func schedDeleteGroup(c *call, rest string, _ []byte) (any, error) {
	name, err := schedPathName(rest)
	if err != nil {
		return nil, err
	}
	if tok := c.r.URL.Query().Get("clientToken"); tok != "" {
		if err := schedClientToken("clientToken", &tok); err != nil {
			return nil, err
		}
	}
	if name == "default" {
		return nil, errValidation("The default schedule group cannot be deleted.")
	}
	account := c.schedAccount()
	g := c.schedGroup(account, name)
	if g == nil {
		return nil, errNotFound("Schedule group %s does not exist.", name)
	}
	c.w.Scheduler.Groups = slices.DeleteFunc(c.w.Scheduler.Groups, func(x *ScheduleGroup) bool { return x == g })
	c.w.Scheduler.Schedules = slices.DeleteFunc(c.w.Scheduler.Schedules, func(s *Schedule) bool {
		return s.Account == account && s.Region == c.region && s.GroupName == name
	})
	return nil, nil
}

func schedListGroups(c *call, _ string, _ []byte) (any, error) {
	max, tok, err := c.schedListParams()
	if err != nil {
		return nil, err
	}
	q := c.r.URL.Query()
	prefix := q.Get("NamePrefix")
	if q.Has("NamePrefix") {
		if err := schedName("namePrefix", prefix); err != nil {
			return nil, err
		}
	}
	account := c.schedAccount()
	var all []scheduleGroupOut
	if strings.HasPrefix("default", prefix) {
		all = append(all, c.schedGroupOut(account, nil))
	}
	for _, g := range c.w.Scheduler.Groups {
		if g.Account == account && g.Region == c.region && strings.HasPrefix(g.Name, prefix) {
			all = append(all, c.schedGroupOut(account, g))
		}
	}
	items, next, err := page(all, "schedule-groups:"+prefix, max, tok, 100, 100)
	if err != nil {
		return nil, err
	}
	return struct {
		ScheduleGroups []scheduleGroupOut `json:"ScheduleGroups"`
		NextToken      *string            `json:"NextToken,omitempty"`
	}{append([]scheduleGroupOut{}, items...), next}, nil
}

// tagGroup finds the group a /tags/{ResourceArn} path names. Only groups
// take tags (the model's TagResourceArn).
func (c *call) tagGroup(arn string) (*ScheduleGroup, error) {
	if len(arn) > 1011 || !schedGroupARNPattern.MatchString(arn) {
		return nil, errConstraint("resourceArn", truncate(arn, 100), `Member must satisfy regular expression pattern: ^arn:aws(-[a-z]+)?:scheduler:[a-z0-9\-]+:\d{12}:schedule-group\/[0-9a-zA-Z-_.]+$`)
	}
	m := schedGroupARNPattern.FindStringSubmatch(arn)
	for _, g := range c.w.Scheduler.Groups {
		if g.ARN == arn && g.Account == c.schedAccount() && g.Region == m[2] {
			return g, nil
		}
	}
	return nil, errNotFound("Schedule group %s does not exist.", m[4])
}

func schedTagResource(c *call, arn string, body []byte) (any, error) {
	g, err := c.tagGroup(arn)
	if err != nil {
		return nil, err
	}
	var in struct{ Tags []Tag }
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	if in.Tags == nil {
		return nil, errRequired("tags")
	}
	if err := validateSchedTags(in.Tags); err != nil {
		return nil, err
	}
	merged := slices.Clone(g.Tags)
	for _, t := range in.Tags {
		i := slices.IndexFunc(merged, func(x Tag) bool { return x.Key == t.Key })
		if i >= 0 {
			merged[i] = t
		} else {
			merged = append(merged, t)
		}
	}
	if err := validateSchedTags(merged); err != nil {
		return nil, err
	}
	g.Tags = merged
	return nil, nil
}

func schedUntagResource(c *call, arn string, _ []byte) (any, error) {
	g, err := c.tagGroup(arn)
	if err != nil {
		return nil, err
	}
	q := c.r.URL.Query()
	if !q.Has("TagKeys") {
		return nil, errRequired("tagKeys")
	}
	keys := q["TagKeys"]
	if len(keys) > 200 {
		return nil, errConstraint("tagKeys", fmt.Sprintf("[%d keys]", len(keys)), "Member must have length less than or equal to 200")
	}
	g.Tags = slices.DeleteFunc(g.Tags, func(t Tag) bool { return slices.Contains(keys, t.Key) })
	return nil, nil
}

func schedListTags(c *call, arn string, _ []byte) (any, error) {
	g, err := c.tagGroup(arn)
	if err != nil {
		return nil, err
	}
	return map[string][]Tag{"Tags": append([]Tag{}, g.Tags...)}, nil
}
