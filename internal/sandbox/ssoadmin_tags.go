package sandbox

// Tags of instances and permission sets: TagResource, UntagResource and
// ListTagsForResource, and the tag checks CreatePermissionSet and
// CreateInstance share.

import (
	"fmt"
	"slices"
	"strings"
)

// taggable finds the tags of an instance or permission set ARN.
func (c *call) taggable(instanceARN *string, resourceARN string) (*[]Tag, error) {
	if instanceARN != nil {
		if _, err := c.instance(*instanceARN); err != nil {
			return nil, err
		}
	}
	if err := fTaggableARN.required("resourceArn", resourceARN); err != nil {
		return nil, err
	}
	if inst := c.w.findInstance(resourceARN); inst != nil {
		return &inst.Tags, nil
	}
	if ps := c.w.permissionSet(resourceARN); ps != nil {
		return &ps.Tags, nil
	}
	return nil, errNotFound("Could not find resource with arn %s", resourceARN)
}

func ssoTagResource(c *call, in *struct {
	InstanceArn *string
	ResourceArn string
	Tags        []Tag
}) (any, error) {
	tags, err := c.taggable(in.InstanceArn, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	if in.Tags == nil {
		return nil, errRequired("tags")
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	merged, err := mergeTags(*tags, in.Tags)
	if err != nil {
		return nil, err
	}
	*tags = merged
	return nil, nil
}

func ssoUntagResource(c *call, in *struct {
	InstanceArn *string
	ResourceArn string
	TagKeys     []string
}) (any, error) {
	tags, err := c.taggable(in.InstanceArn, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	if in.TagKeys == nil {
		return nil, errRequired("tagKeys")
	}
	if len(in.TagKeys) < 1 || len(in.TagKeys) > 75 {
		return nil, errConstraint("tagKeys", fmt.Sprintf("[%d keys]", len(in.TagKeys)), "Member must have length less than or equal to 75 and greater than or equal to 1")
	}
	for i, k := range in.TagKeys {
		if err := fTagKey.required(fmt.Sprintf("tagKeys.%d.member", i+1), k); err != nil {
			return nil, err
		}
	}
	*tags = slices.DeleteFunc(*tags, func(t Tag) bool { return slices.Contains(in.TagKeys, t.Key) })
	return nil, nil
}

func ssoListTagsForResource(c *call, in *struct {
	InstanceArn *string
	ResourceArn string
	NextToken   *string
}) (any, error) {
	tags, err := c.taggable(in.InstanceArn, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	pg, next, err := page(*tags, pageKind("tags", in.ResourceArn), nil, in.NextToken, maxTagsPerResource, maxTagsPerResource)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Tags": nonNil(pg), "NextToken": next}, nil
}

func checkTags(tags []Tag) error {
	if len(tags) > 75 {
		return errConstraint("tags", fmt.Sprintf("[%d tags]", len(tags)), "Member must have length less than or equal to 75")
	}
	seen := map[string]bool{}
	for i, t := range tags {
		if err := fTagKey.required(fmt.Sprintf("tags.%d.member.key", i+1), t.Key); err != nil {
			return err
		}
		if err := fTagValue.check(fmt.Sprintf("tags.%d.member.value", i+1), t.Value); err != nil {
			return err
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return errValidation("Tag keys starting with 'aws:' are reserved for AWS use: %s", t.Key)
		}
		if seen[t.Key] {
			return errValidation("Duplicate tag key %s in the request", t.Key)
		}
		seen[t.Key] = true
	}
	return nil
}

// mergeTags adds or replaces tags, enforcing the per-resource quota.
func mergeTags(have, add []Tag) ([]Tag, error) {
	out := upsertTags(have, add)
	if len(out) > maxTagsPerResource {
		return nil, newError(400, "ServiceQuotaExceededException", "A resource can have at most %d tags; this request would leave it with %d", maxTagsPerResource, len(out))
	}
	return out, nil
}

// upsertTags returns have with add's keys set to add's values, sorted by key.
func upsertTags(have, add []Tag) []Tag {
	out := slices.Clone(have)
	for _, t := range add {
		i := slices.IndexFunc(out, func(o Tag) bool { return o.Key == t.Key })
		if i >= 0 {
			out[i].Value = t.Value
		} else {
			out = append(out, t)
		}
	}
	sortTags(out)
	return out
}
