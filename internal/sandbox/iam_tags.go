package sandbox

import (
	"net/url"
	"slices"
	"strings"
)

// Tags of IAM resources: every resource's TagX merges (keys compared
// without regard to case), UntagX removes, ListXTags pages.

// iamTagOps makes the Tag, Untag and ListTags operations of a resource
// whose tags (and paging key) find returns.
func iamTagOps(find func(ic *iamCall, form url.Values) (*[]Tag, string, error)) (tag, untag, list func(*iamCall, url.Values) (any, error)) {
	tag = func(ic *iamCall, form url.Values) (any, error) {
		tags, _, err := find(ic, form)
		if err != nil {
			return nil, err
		}
		add, err := iamRequiredTags(form)
		if err != nil {
			return nil, err
		}
		merged, err := iamMergeTags(*tags, add)
		if err != nil {
			return nil, err
		}
		*tags = merged
		return nil, nil
	}
	untag = func(ic *iamCall, form url.Values) (any, error) {
		tags, _, err := find(ic, form)
		if err != nil {
			return nil, err
		}
		keys, err := iamTagKeys(form)
		if err != nil {
			return nil, err
		}
		*tags = iamUntag(*tags, keys)
		return nil, nil
	}
	list = func(ic *iamCall, form url.Values) (any, error) {
		tags, kind, err := find(ic, form)
		if err != nil {
			return nil, err
		}
		pg, p, err := iamPage(form, *tags, kind)
		if err != nil {
			return nil, err
		}
		return struct {
			Tags []Tag `xml:"Tags>member"`
			iamPaging
		}{pg, p}, nil
	}
	return tag, untag, list
}

// iamMergeTags adds tags to held, replacing those with the same key (keys
// compare without regard to case), within IAM's 50.
func iamMergeTags(held, add []Tag) ([]Tag, error) {
	merged := slices.Clone(held)
	for _, t := range add {
		if i := slices.IndexFunc(merged, func(o Tag) bool { return strings.EqualFold(o.Key, t.Key) }); i >= 0 {
			merged[i] = t
		} else {
			merged = append(merged, t)
		}
	}
	if len(merged) > 50 {
		return nil, iamLimit("The number of tags has reached the maximum limit of 50.")
	}
	return merged, nil
}

// iamUntag removes the tags whose keys are named.
func iamUntag(tags []Tag, keys []string) []Tag {
	return slices.DeleteFunc(tags, func(t Tag) bool {
		return slices.ContainsFunc(keys, func(k string) bool { return strings.EqualFold(k, t.Key) })
	})
}
