package elevation

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// docBlocks are the ```json blocks of docs/elevation.md, in order, after
// the heading that starts with heading.
func docBlocks(t *testing.T, heading string) []string {
	t.Helper()
	page, err := os.ReadFile("../../docs/elevation.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(page)
	i := strings.Index(text, "\n### "+heading)
	if i < 0 {
		t.Fatalf("docs/elevation.md has no heading %q", heading)
	}
	text = text[i+1:]
	if j := strings.Index(text[4:], "\n### "); j >= 0 {
		text = text[:j+4]
	}
	var out []string
	for {
		start := strings.Index(text, "```json\n")
		if start < 0 {
			return out
		}
		text = text[start+len("```json\n"):]
		end := strings.Index(text, "```")
		out = append(out, text[:end])
		text = text[end+3:]
	}
}

// fill puts the test catalog's values in a block of the page: HOME,
// REGION, INSTANCE, d-XXXXXXXXXX, and the list elements SETS and
// ACCOUNTS spliced in.
func fill(t *testing.T, block string) any {
	t.Helper()
	cat := testCatalog()
	r := strings.NewReplacer("REGION", cat.Region, "HOME", cat.HomeAccount, "ssoins-…", "ssoins-1111111111111111",
		"instance/INSTANCE", "instance/ssoins-1111111111111111", "d-XXXXXXXXXX", cat.IdentityStoreID)
	var v any
	if err := json.Unmarshal([]byte(r.Replace(block)), &v); err != nil {
		t.Fatalf("%v in\n%s", err, block)
	}
	sets, accounts := cat.setsAndAccounts()
	var splice func(v any) any
	splice = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				v[k] = splice(x)
			}
		case []any:
			var out []any
			for _, x := range v {
				switch x {
				case "SETS":
					for _, s := range sets {
						out = append(out, s)
					}
				case "ACCOUNTS":
					for _, a := range accounts {
						out = append(out, a)
					}
				default:
					out = append(out, splice(x))
				}
			}
			return out
		}
		return v
	}
	return splice(v)
}

func asAny(t *testing.T, d Document) any {
	var v any
	if err := json.Unmarshal([]byte(d.JSON()), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func role(name string) Role {
	for _, r := range Roles(testCatalog()) {
		if r.Name == name {
			return r
		}
	}
	panic(name)
}

// TestPoliciesAreThePages: the policies apply writes are docs/elevation.md's,
// filled in.
func TestPoliciesAreThePages(t *testing.T) {
	cat := testCatalog()
	requester := docBlocks(t, "`KeylessElevation` inline policy")
	got, _ := RequesterPolicy(cat.Region, cat.HomeAccount)
	var v any
	_ = json.Unmarshal([]byte(got), &v)
	if diff := cmp.Diff(fill(t, requester[0]), v); diff != "" {
		t.Errorf("KeylessElevation's policy (-page +apply):\n%s", diff)
	}
	referee := docBlocks(t, "`keyless-elevation-referee`")
	if diff := cmp.Diff(fill(t, referee[0]), asAny(t, role(RefereeRole).Trust)); diff != "" {
		t.Errorf("referee trust (-page +apply):\n%s", diff)
	}
	if diff := cmp.Diff(fill(t, referee[1]), asAny(t, role(RefereeRole).Policy)); diff != "" {
		t.Errorf("referee permissions (-page +apply):\n%s", diff)
	}
	ender := docBlocks(t, "`keyless-elevation-ender`")
	if diff := cmp.Diff(fill(t, ender[0]), asAny(t, role(EnderRole).Trust)); diff != "" {
		t.Errorf("ender trust (-page +apply):\n%s", diff)
	}
	if diff := cmp.Diff(fill(t, ender[1]), asAny(t, role(EnderRole).Policy)); diff != "" {
		t.Errorf("ender permissions (-page +apply):\n%s", diff)
	}
	expire := docBlocks(t, "`keyless-elevation-expire`")
	if diff := cmp.Diff(fill(t, expire[0]), asAny(t, role(ExpireRole).Trust)); diff != "" {
		t.Errorf("expire trust (-page +apply):\n%s", diff)
	}
	if diff := cmp.Diff(fill(t, expire[1]), asAny(t, role(ExpireRole).Policy)); diff != "" {
		t.Errorf("expire permissions (-page +apply):\n%s", diff)
	}
	invoke := docBlocks(t, "`keyless-elevation-invoke`")
	if diff := cmp.Diff(fill(t, invoke[0]), asAny(t, role(InvokeRole).Trust)); diff != "" {
		t.Errorf("invoke trust (-page +apply):\n%s", diff)
	}
	if diff := cmp.Diff(fill(t, invoke[1]), asAny(t, role(InvokeRole).Policy)); diff != "" {
		t.Errorf("invoke permissions (-page +apply):\n%s", diff)
	}
}

// TestHomeOf: the home account and region are read back from the
// KeylessElevation set's policy (how plan finds the table once elevation:
// has left keyless.yaml), also with keyless's session cuts appended.
func TestHomeOf(t *testing.T) {
	doc, err := RequesterPolicy("eu-west-1", "222222222222")
	if err != nil {
		t.Fatal(err)
	}
	withCut := strings.TrimSuffix(doc, "]}") + `,{"Sid":"KeylessCutX","Effect":"Deny","Action":"*","Resource":"*"}]}`
	for _, d := range []string{doc, withCut} {
		if region, home, ok := HomeOf(d); !ok || region != "eu-west-1" || home != "222222222222" {
			t.Errorf("HomeOf(%s) = %q, %q, %v", d, region, home, ok)
		}
	}
	for _, d := range []string{"", "{}", `{"Statement":[{"Sid":"Read","Resource":"arn:aws:dynamodb:eu-west-1:222222222222:table/other"}]}`} {
		if _, _, ok := HomeOf(d); ok {
			t.Errorf("HomeOf(%q) found a home", d)
		}
	}
}
