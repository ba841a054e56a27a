package config

import (
	"strings"
	"testing"
)

// A group whose name is refused (a control character) is still defined:
// the assignment that names it is not a second problem saying it is not
// defined, which would send the reader looking for a missing group.
func TestRefusedGroupNameIsStillDefined(t *testing.T) {
	doc := "identity_source: external\ngroups:\n  - name: \"Dev\\e[31m\"\npermission_sets: [{name: Dev}]\nassignments:\n  - {permission_set: Dev, groups: [\"Dev\\e[31m\"], current_account: true}\n"
	_, err := parse(t, doc)
	if err == nil {
		t.Fatal("a group name with a control character was accepted")
	}
	if !strings.Contains(err.Error(), "groups[0].name:") || !strings.Contains(err.Error(), "control character") {
		t.Errorf("the refused name is not reported: %v", err)
	}
	if strings.Contains(err.Error(), "is not defined in this file") {
		t.Errorf("the assignment naming the refused group is reported as undefined too: %v", err)
	}
}
