package elevation

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testCatalog is a catalog as apply compiles it: two rules, every name
// resolved.
func testCatalog() *Catalog {
	return &Catalog{Version: 1, Region: "eu-west-1", HomeAccount: "222222222222",
		InstanceARN: "arn:aws:sso:::instance/ssoins-1111111111111111", IdentityStoreID: "d-1111111111",
		ElevationRoleID: "AROAEXAMPLEELEVATION", MaxSeconds: 8 * 3600,
		Revokers: Principals{Groups: []Principal{{Name: "SecOps", ID: "g-secops"}}},
		Rules: []Rule{
			{Name: "prod-admin", PermissionSet: "AdministratorAccess", PermissionSetARN: "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-aaaaaaaaaaaaaaaa",
				Accounts: []string{"333333333333"}, AccountNames: map[string]string{"333333333333": "prod"}, MaxSeconds: 7200, ReasonRequired: true,
				TicketPattern: "^[A-Z]+-[0-9]+$",
				Eligible:      Principals{Groups: []Principal{{Name: "Developers", ID: "g-dev"}}, Users: []Principal{{Name: "carol@example.com", ID: "u-carol"}}},
				Approvers:     Principals{Groups: []Principal{{Name: "Platform", ID: "g-platform"}}}},
			{Name: "break-glass", PermissionSet: "AdministratorAccess", PermissionSetARN: "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-aaaaaaaaaaaaaaaa",
				Accounts: []string{"333333333333", "444444444444"}, MaxSeconds: 3600, ReasonRequired: true, TicketRequired: true, TicketPattern: "^INC/[0-9]+$",
				Eligible:     Principals{Users: []Principal{{Name: "alice@example.com", ID: "u-alice"}, {Name: "bob@example.com", ID: "u-bob"}}},
				Approvers:    Principals{Groups: []Principal{{Name: "Platform", ID: "g-platform"}}},
				SelfApproval: []Principal{{Name: "alice@example.com", ID: "u-alice"}, {Name: "bob@example.com", ID: "u-bob"}}},
		}}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if diff := cmp.Diff(strings.TrimSuffix(string(want), "\n"), got); diff != "" {
		t.Errorf("%s differs (-golden +now; go test -update rewrites it):\n%s", name, diff)
	}
}

func TestDefinitionsAreTheGoldens(t *testing.T) {
	decide, err := DecideDefinition(testCatalog())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "decide.asl.json", decide)
	end, err := EndDefinition(testCatalog(), map[string]int{"arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-aaaaaaaaaaaaaaaa": 7200})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "end.asl.json", end)
}

// TestDefinitionsAreWhole: every Next, Default and Catch names a state,
// every state is reached, and the rules are compiled in.
func TestDefinitionsAreWhole(t *testing.T) {
	decide, _ := DecideDefinition(testCatalog())
	end, _ := EndDefinition(testCatalog(), nil)
	for name, def := range map[string]string{"decide": decide, "end": end} {
		var d struct {
			StartAt string
			States  map[string]map[string]any
		}
		if err := json.Unmarshal([]byte(def), &d); err != nil {
			t.Fatal(err)
		}
		reached := map[string]bool{d.StartAt: true}
		var targets func(v any)
		targets = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				for k, x := range v {
					if s, ok := x.(string); ok && (k == "Next" || k == "Default") {
						if d.States[s] == nil {
							t.Errorf("%s: %s names no state %q", name, k, s)
						}
						reached[s] = true
					}
					targets(x)
				}
			case []any:
				for _, x := range v {
					targets(x)
				}
			}
		}
		for _, s := range d.States {
			targets(s)
		}
		for s := range d.States {
			if !reached[s] {
				t.Errorf("%s: state %s is never reached", name, s)
			}
		}
	}
	for _, want := range []string{`AROAEXAMPLEELEVATION`, `"u-carol"`, `"g-platform"`, `"max_seconds": 7200`, `/^INC\\/[0-9]+$/`} {
		if !strings.Contains(decide, want) {
			t.Errorf("decide does not hold %s", want)
		}
	}
}

func TestIncompleteCatalogIsNotCompiled(t *testing.T) {
	cat := testCatalog()
	cat.Rules[0].Approvers.Groups[0].ID = ""
	if _, err := DecideDefinition(cat); err == nil || !strings.Contains(err.Error(), "Platform is not in the identity store yet") {
		t.Errorf("err = %v", err)
	}
	cat = testCatalog()
	cat.ElevationRoleID = ""
	if _, err := EndDefinition(cat, nil); err == nil {
		t.Error("compiled without the role id")
	}
}

func TestJSONataRegex(t *testing.T) {
	for in, want := range map[string]string{`^[A-Z]+-[0-9]+$`: `^[A-Z]+-[0-9]+$`, `^INC/\d+$`: `^INC\/\d+$`, `a\/b`: `a\/b`} {
		if got := jsonataRegex(in); got != want {
			t.Errorf("jsonataRegex(%q) = %q, want %q", in, got, want)
		}
		if _, err := regexp.Compile(strings.ReplaceAll(want, `\/`, `/`)); err != nil {
			t.Error(err)
		}
	}
}

// TestFailErrorsAreKnown: every Fail state's error is one the client
// knows (machineErrors), so Retryable never takes a refusal for a
// failure that can pass, and each has words (refusals); and no Catch
// swallows every error (States.ALL), which would turn a throttle into a
// refusal.
func TestFailErrorsAreKnown(t *testing.T) {
	decide, _ := DecideDefinition(testCatalog())
	end, _ := EndDefinition(testCatalog(), nil)
	for name, def := range map[string]string{"decide": decide, "end": end} {
		var d struct{ States map[string]map[string]any }
		if err := json.Unmarshal([]byte(def), &d); err != nil {
			t.Fatal(err)
		}
		for s, st := range d.States {
			if st["Type"] == "Fail" {
				code, _ := st["Error"].(string)
				if Retryable(code) && code != ErrRequestAhead {
					t.Errorf("%s: %s fails with %q, which the client would run again: add it to machineErrors", name, s, code)
				}
				if _, ok := refusals[code]; !ok {
					t.Errorf("%s: %s fails with %q, which refusals does not explain", name, s, code)
				}
			}
			catches, _ := st["Catch"].([]any)
			for _, c := range catches {
				for _, e := range c.(map[string]any)["ErrorEquals"].([]any) {
					if e == "States.ALL" || e == "States.TaskFailed" {
						t.Errorf("%s: %s catches %s: a failure that can pass would become a refusal", name, s, e)
					}
				}
			}
		}
	}
	for _, code := range []string{"DynamoDb.ThrottlingException", "Identitystore.InternalServerException", "States.TaskFailed",
		"States.Timeout", "TIMED_OUT", "ABORTED", ErrRequestAhead} {
		if !Retryable(code) {
			t.Errorf("Retryable(%q) = false", code)
		}
	}
}
