package elevation

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestCatalogChanges(t *testing.T) {
	rule := func(name string, max int) Rule {
		return Rule{Name: name, PermissionSet: "AdministratorAccess", Accounts: []string{"333333333333"}, MaxSeconds: max,
			Approvers: Principals{Groups: []Principal{{Name: "Platform", ID: "g-1"}}}}
	}
	was := Catalog{Version: 1, MaxSeconds: 28800, Rules: []Rule{rule("prod-admin", 7200), rule("dev-admin", 3600)}}
	old, err := json.Marshal(was)
	if err != nil {
		t.Fatal(err)
	}
	want := Catalog{Version: 1, MaxSeconds: 14400, Rules: []Rule{rule("prod-admin", 1800), rule("new-rule", 600)}}
	want.Rules[0].TicketRequired, want.Rules[0].TicketPattern = true, "^X-[0-9]+$"
	got := catalogChanges(string(old), &want)
	exp := []string{"settings: max_duration", "rule prod-admin: max_duration, ticket", "rule new-rule: new", "rule dev-admin: removed",
		"running grants keep their end; these rules decide pending and new requests"}
	if !slices.Equal(got, exp) {
		t.Errorf("catalogChanges =\n%q\nwant\n%q", got, exp)
	}
	if got := catalogChanges("not json", &want); got != nil {
		t.Errorf("catalogChanges of an undecodable catalog = %q, want nil", got)
	}
}
