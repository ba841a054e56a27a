package sandbox

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/google/go-cmp/cmp"
)

// Users and groups an identity provider pushes through SCIM carry
// ExternalIds, which the identity store API cannot set (CreateUser and
// CreateGroup have no ExternalIds member in botocore's identitystore
// model): the sandbox takes them from the seed or POST /_sandbox/scim, and
// answers them in Describe*, List* and Get*Id by ExternalId.
func TestConformanceIdentityStoreExternalIds(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		c := identitystore.NewFromConfig(tg.cfg)
		store := storeOf(t, tg)
		okta := &istypes.AlternateIdentifierMemberExternalId{Value: istypes.ExternalId{Issuer: aws.String("https://example.okta.com"), Id: aws.String("00g1admins")}}

		// Both: a group the API makes has no ExternalIds, and none matches.
		made := createGroup(t, c, store, "console-made")
		d, err := c.DescribeGroup(ctx, &identitystore.DescribeGroupInput{IdentityStoreId: store, GroupId: aws.String(made)})
		if err != nil || len(d.ExternalIds) != 0 {
			t.Fatalf("DescribeGroup = %+v, %v", d, err)
		}
		_, err = c.GetGroupId(ctx, &identitystore.GetGroupIdInput{IdentityStoreId: store, AlternateIdentifier: okta})
		wantNotFound(t, err, istypes.ResourceTypeGroup)

		if tg.moto {
			// moto has no way to make a SCIM group (no API takes ExternalIds).
			return
		}
		var pushed map[string]int
		body := `{"users":[{"user_name":"alice@example.com","given_name":"Alice","family_name":"Doe","email":"alice@example.com",
			"external_ids":[{"issuer":"https://example.okta.com","id":"00u1alice"}]}],
			"groups":[{"name":"AWS Admins","members":["alice@example.com"],"external_ids":[{"issuer":"https://example.okta.com","id":"00g1admins"}]}]}`
		if code := postJSON(t, tg.url+"/_sandbox/scim", body, &pushed); code != 200 || pushed["users"] != 1 || pushed["groups"] != 1 {
			t.Fatalf("POST /_sandbox/scim = %d %v", code, pushed)
		}
		id, err := c.GetGroupId(ctx, &identitystore.GetGroupIdInput{IdentityStoreId: store, AlternateIdentifier: okta})
		if err != nil {
			t.Fatal(err)
		}
		want := []istypes.ExternalId{{Issuer: aws.String("https://example.okta.com"), Id: aws.String("00g1admins")}}
		d, err = c.DescribeGroup(ctx, &identitystore.DescribeGroupInput{IdentityStoreId: store, GroupId: id.GroupId})
		if err != nil || aws.ToString(d.DisplayName) != "AWS Admins" || !cmp.Equal(want, d.ExternalIds, cmp.AllowUnexported(istypes.ExternalId{})) {
			t.Fatalf("DescribeGroup = %+v, %v", d, err)
		}
		groups, err := c.ListGroups(ctx, &identitystore.ListGroupsInput{IdentityStoreId: store})
		if err != nil {
			t.Fatal(err)
		}
		var withIDs []string
		for _, g := range groups.Groups {
			if len(g.ExternalIds) > 0 {
				withIDs = append(withIDs, aws.ToString(g.DisplayName))
			}
		}
		if !cmp.Equal([]string{"AWS Admins"}, withIDs) {
			t.Fatalf("groups with ExternalIds: %v", withIDs)
		}
		uid, err := c.GetUserId(ctx, &identitystore.GetUserIdInput{IdentityStoreId: store, AlternateIdentifier: &istypes.AlternateIdentifierMemberExternalId{
			Value: istypes.ExternalId{Issuer: aws.String("https://example.okta.com"), Id: aws.String("00u1alice")}}})
		if err != nil {
			t.Fatal(err)
		}
		u, err := c.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: store, UserId: uid.UserId})
		if err != nil || aws.ToString(u.UserName) != "alice@example.com" || len(u.ExternalIds) != 1 || aws.ToString(u.ExternalIds[0].Id) != "00u1alice" {
			t.Fatalf("DescribeUser = %+v, %v", u, err)
		}
		m, err := c.ListGroupMemberships(ctx, &identitystore.ListGroupMembershipsInput{IdentityStoreId: store, GroupId: id.GroupId})
		if err != nil || len(m.GroupMemberships) != 1 {
			t.Fatalf("ListGroupMemberships = %+v, %v", m, err)
		}

		// A name taken, or a member who is not a user, refuses the push whole.
		var e map[string]string
		if code := postJSON(t, tg.url+"/_sandbox/scim", `{"groups":[{"name":"aws admins"},{"name":"New","members":["nobody"]}]}`, &e); code != 400 ||
			!strings.Contains(e["Message"]+e["message"], `groups[0].name: "aws admins"`) || !strings.Contains(e["Message"]+e["message"], `groups[1].members[0]: "nobody" is not a user`) {
			t.Fatalf("bad push = %d %v", code, e)
		}
		if _, err := c.GetGroupId(ctx, &identitystore.GetGroupIdInput{IdentityStoreId: store, AlternateIdentifier: &istypes.AlternateIdentifierMemberExternalId{
			Value: istypes.ExternalId{Issuer: aws.String("scim"), Id: aws.String("New")}}}); err == nil {
			t.Fatal("a refused push made a group")
		}
	})
}

func TestSeedExternalIds(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "world.yaml")
	doc := `users:
  - user_name: alice
    external_ids: [{issuer: https://example.okta.com, id: 00u1}, {issuer: https://example.okta.com, id: 00u1}]
groups:
  - name: devs
    external_ids: [{issuer: "", id: "has space"}]
`
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadSeed(path)
	for _, want := range []string{
		`users[0].external_ids[1]: https://example.okta.com 00u1 appears twice`,
		`groups[0].external_ids[0].issuer: an issuer is 1 to 256 printable characters`,
		`groups[0].external_ids[0].id: an id is 1 to 256 printable characters without spaces`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}

	doc = "users:\n  - user_name: alice\n    external_ids: [{issuer: https://example.okta.com, id: 00u1}]\n"
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	seed, err := LoadSeed(path)
	if err != nil {
		t.Fatal(err)
	}
	srv, url := startSandbox(t, Options{Seed: seed})
	c := identitystore.NewFromConfig(sdkConfig(t, url))
	out, err := c.ListUsers(context.Background(), &identitystore.ListUsersInput{IdentityStoreId: aws.String(srv.IdentityStoreID())})
	if err != nil || len(out.Users) != 1 || len(out.Users[0].ExternalIds) != 1 || aws.ToString(out.Users[0].ExternalIds[0].Issuer) != "https://example.okta.com" {
		t.Fatalf("ListUsers = %+v, %v", out, err)
	}
	// And they survive a reset, as the rest of the seed does.
	if code := postJSON(t, url+"/_sandbox/reset", `{}`, nil); code != 200 {
		t.Fatalf("reset = %d", code)
	}
	var state struct {
		Users []User `json:"users"`
	}
	if code := getJSON(t, url+"/_sandbox/state", &state); code != 200 || len(state.Users) != 1 || len(state.Users[0].ExternalIDs) != 1 {
		t.Fatalf("state = %d %+v", code, state)
	}
}
