package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParsePerson(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    initPerson
		wantErr string
	}{
		{in: "john@example.com:John:Doe:super_admin", want: initPerson{"john@example.com", "John", "Doe", "super_admin"}},
		{in: " jane@example.com : Jane : Roe : readonly ", want: initPerson{"jane@example.com", "Jane", "Roe", "readonly"}},
		{in: "bob@example.com:Bob:Ray", wantErr: `"bob@example.com:Bob:Ray" is not EMAIL:GIVEN:FAMILY:ROLE`},
		{in: "bob@example.com:Bob:Ray:admin", wantErr: `"bob@example.com:Bob:Ray:admin": role "admin" is not one of super_admin, power_user, readonly`},
	} {
		got, err := parsePerson(tc.in)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if gotErr != tc.wantErr {
			t.Errorf("parsePerson(%q) error = %q, want %q", tc.in, gotErr, tc.wantErr)
		}
		if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(initPerson{})); diff != "" {
			t.Errorf("parsePerson(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestIsRootARN(t *testing.T) {
	for arn, want := range map[string]bool{
		"arn:aws:iam::111111111111:root":                                true,
		"arn:aws-us-gov:iam::111111111111:root":                         true,
		"arn:aws:iam::111111111111:user/root":                           false,
		"arn:aws:sts::111111111111:assumed-role/AdministratorAccess/me": false,
	} {
		if got := isRootARN(arn); got != want {
			t.Errorf("isRootARN(%s) = %v, want %v", arn, got, want)
		}
	}
}

func TestPeopleError(t *testing.T) {
	people := []initPerson{{"john@example.com", "John", "Doe", "super_admin"}, {"nope", "", "Roe", "readonly"}}
	_, err := peopleYAML("keyless.yaml", "us-east-1", people)
	if err == nil {
		t.Fatal("peopleYAML accepted a bad email and a missing given name")
	}
	got := peopleError(people, err).Error()
	want := `nope: "nope" is not a valid email address; nope: Identity Center requires a given name`
	if got != want {
		t.Errorf("peopleError = %q, want %q", got, want)
	}
}

func TestShellLine(t *testing.T) {
	type line struct {
		Line, RC string
		OK       bool
	}
	for sh, want := range map[string]line{
		"bash": {`eval "$(keyless shell-init bash)"`, "~/.bashrc", true},
		"zsh":  {`eval "$(keyless shell-init zsh)"`, "~/.zshrc", true},
		"fish": {"keyless shell-init fish | source", "~/.config/fish/config.fish", true},
		"pwsh": {"keyless shell-init powershell | Invoke-Expression", "$PROFILE", true},
		"tcsh": {},
	} {
		l, rc, ok := shellLine(sh)
		if diff := cmp.Diff(want, line{l, rc, ok}); diff != "" {
			t.Errorf("shellLine(%s) (-want +got):\n%s", sh, diff)
		}
	}
}

// A mistyped role is asked again with what was wrong and what is taken.
func TestInitAskPeopleRole(t *testing.T) {
	var out strings.Builder
	in := strings.NewReader("jane@example.com\nJane\nDoe\nadmin\nSuper_Admin\nsuper_admin\n\n")
	r := &initRun{w: &out, ask: &prompter{tty: true, in: in, out: &out}}
	people, err := r.askPeople(context.Background(), filepath.Join(t.TempDir(), "keyless.yaml"), "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(people) != 1 || people[0].role != "super_admin" {
		t.Fatalf("people = %+v, want jane as super_admin", people)
	}
	for _, want := range []string{
		`   "admin" is not a role: type super_admin, power_user or readonly (or press Enter for super_admin).` + "\n",
		`   "Super_Admin" is not a role: type super_admin, power_user or readonly (or press Enter for super_admin).` + "\n",
		"Added Jane Doe <jane@example.com> as super_admin.",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in:\n%s", want, out.String())
		}
	}
}
