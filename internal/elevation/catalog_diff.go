package elevation

import (
	"encoding/json"
	"slices"
	"strings"
)

// catalogChanges says what differs between the catalog as stored (old, its
// JSON) and want, by rule and field, for plan; nil when old does not decode.
func catalogChanges(old string, want *Catalog) []string {
	var was Catalog
	if json.Unmarshal([]byte(old), &was) != nil {
		return nil
	}
	var out []string
	if f := changedFields(catalogSettings(was), catalogSettings(*want)); len(f) > 0 {
		out = append(out, "settings: "+strings.Join(f, ", "))
	}
	before := map[string]Rule{}
	for _, r := range was.Rules {
		before[r.Name] = r
	}
	for _, r := range want.Rules {
		b, ok := before[r.Name]
		delete(before, r.Name)
		switch f := changedFields(b, r); {
		case !ok:
			out = append(out, "rule "+r.Name+": new")
		case len(f) > 0:
			out = append(out, "rule "+r.Name+": "+strings.Join(f, ", "))
		}
	}
	for _, r := range was.Rules {
		if _, ok := before[r.Name]; ok {
			out = append(out, "rule "+r.Name+": removed")
		}
	}
	return append(out, "running grants keep their end; these rules decide pending and new requests")
}

// catalogSettings is c without its rules.
func catalogSettings(c Catalog) Catalog {
	c.Rules = nil
	return c
}

// changedFields names the JSON fields that differ between a and b, sorted.
func changedFields(a, b any) []string {
	var ma, mb map[string]json.RawMessage
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if json.Unmarshal(ja, &ma) != nil || json.Unmarshal(jb, &mb) != nil {
		return nil
	}
	var out []string
	for k, v := range mb {
		if canonical(string(ma[k])) != canonical(string(v)) {
			out = append(out, yamlField(k))
		}
	}
	for k := range ma {
		if _, ok := mb[k]; !ok {
			out = append(out, yamlField(k))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// yamlField is the keyless.yaml field behind a catalog field.
func yamlField(k string) string {
	switch k {
	case "max_seconds":
		return "max_duration"
	case "request_expiry_seconds":
		return "request_expiry"
	case "reason_required":
		return "reason"
	case "ticket_required", "ticket_pattern":
		return "ticket"
	case "account_names":
		return "accounts"
	case "permission_set_arn":
		return "permission_set"
	case "group_members":
		return "eligible or approver group members"
	}
	return k
}
