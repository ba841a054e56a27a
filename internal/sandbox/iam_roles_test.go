package sandbox

import (
	"context"
	neturl "net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const trustAccount = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`

const trustEC2 = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func createRole(t *testing.T, c *iam.Client, name string) *iamtypes.Role {
	t.Helper()
	return must(c.CreateRole(context.Background(), &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trustEC2)}))(t).Role
}

func decodedDoc(t *testing.T, doc *string) string {
	t.Helper()
	s, err := neturl.QueryUnescape(aws.ToString(doc))
	if err != nil {
		t.Fatalf("policy document %q: %v", aws.ToString(doc), err)
	}
	return s
}

func TestConformanceIAMRoles(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		c := iamClient(tg)
		name := aws.String("deploy")

		r := must(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: name, Path: aws.String("/ci/"), AssumeRolePolicyDocument: aws.String(trustAccount),
			Description: aws.String("Deploys from CI"), MaxSessionDuration: aws.Int32(7200),
			Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("platform")}}}))(t).Role
		if !strings.HasSuffix(aws.ToString(r.Arn), ":role/ci/deploy") || !strings.HasPrefix(aws.ToString(r.RoleId), "AROA") ||
			aws.ToString(r.Description) != "Deploys from CI" || aws.ToInt32(r.MaxSessionDuration) != 7200 || len(r.Tags) != 1 {
			t.Fatalf("CreateRole = %+v", r)
		}
		if doc := decodedDoc(t, r.AssumeRolePolicyDocument); doc != trustAccount {
			t.Errorf("CreateRole's AssumeRolePolicyDocument = %s, want %s", doc, trustAccount)
		}
		_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("DEPLOY"), AssumeRolePolicyDocument: aws.String(trustEC2)})
		if tg.moto {
			// moto differs from AWS: role names differ by case there. AWS's
			// CreateRole: "Role names are not distinguished by case".
			must(c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("DEPLOY")}))(t)
		} else {
			wantCode(t, err, "EntityAlreadyExists")
		}
		if !tg.moto {
			// moto differs from AWS: it takes any MaxSessionDuration; the
			// model's roleMaxSessionDurationType is 3600 to 43200.
			_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("short"), AssumeRolePolicyDocument: aws.String(trustEC2), MaxSessionDuration: aws.Int32(600)})
			wantCode(t, err, "ValidationError")
		}
		// moto differs from AWS: its CreateRole takes any
		// AssumeRolePolicyDocument (only UpdateAssumeRolePolicy checks it).
		for _, bad := range []string{
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"*"}]}`,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`,
			`not json`,
		} {
			if tg.moto {
				break
			}
			_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bad"), AssumeRolePolicyDocument: aws.String(bad)})
			wantCode(t, err, "MalformedPolicyDocument")
		}
		createRole(t, c, "web")

		got := must(c.GetRole(ctx, &iam.GetRoleInput{RoleName: name}))(t).Role
		if aws.ToString(got.Description) != "Deploys from CI" || aws.ToInt32(got.MaxSessionDuration) != 7200 || len(got.Tags) != 1 || got.RoleLastUsed == nil {
			t.Fatalf("GetRole = %+v", got)
		}
		if got.RoleLastUsed.LastUsedDate != nil {
			t.Errorf("RoleLastUsed of a role never used = %+v", got.RoleLastUsed)
		}
		_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("missing")})
		wantCode(t, err, "NoSuchEntity")

		// ListRoles pages, filters by path, and leaves tags out.
		page := must(c.ListRoles(ctx, &iam.ListRolesInput{MaxItems: aws.Int32(1)}))(t)
		if len(page.Roles) != 1 || !page.IsTruncated || page.Marker == nil {
			t.Fatalf("ListRoles MaxItems 1 = %d roles, truncated %v", len(page.Roles), page.IsTruncated)
		}
		rest := must(c.ListRoles(ctx, &iam.ListRolesInput{Marker: page.Marker}))(t)
		if len(rest.Roles) != 1 || rest.IsTruncated || aws.ToString(rest.Roles[0].RoleName) == aws.ToString(page.Roles[0].RoleName) {
			t.Fatalf("ListRoles second page = %+v", rest.Roles)
		}
		ci := must(c.ListRoles(ctx, &iam.ListRolesInput{PathPrefix: aws.String("/ci/")}))(t).Roles
		if len(ci) != 1 || aws.ToString(ci[0].RoleName) != "deploy" || len(ci[0].Tags) != 0 {
			t.Fatalf("ListRoles /ci/ = %+v", ci)
		}

		// Updates.
		must(c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: name, MaxSessionDuration: aws.Int32(43200)}))(t)
		must(c.UpdateRoleDescription(ctx, &iam.UpdateRoleDescriptionInput{RoleName: name, Description: aws.String("Deploys")}))(t)
		must(c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: name, PolicyDocument: aws.String(trustEC2)}))(t)
		_, err = c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: name, PolicyDocument: aws.String(allowAll)})
		wantCode(t, err, "MalformedPolicyDocument") // an identity policy is no trust policy
		got = must(c.GetRole(ctx, &iam.GetRoleInput{RoleName: name}))(t).Role
		if aws.ToString(got.Description) != "Deploys" || aws.ToInt32(got.MaxSessionDuration) != 43200 || decodedDoc(t, got.AssumeRolePolicyDocument) != trustEC2 {
			t.Fatalf("after updates, GetRole = %+v", got)
		}

		// Inline policies.
		must(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: name, PolicyName: aws.String("read"), PolicyDocument: aws.String(allowAll)}))(t)
		_, err = c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: name, PolicyName: aws.String("broken"), PolicyDocument: aws.String("{")})
		wantCode(t, err, "MalformedPolicyDocument")
		if names := must(c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: name}))(t).PolicyNames; !slices.Equal(names, []string{"read"}) {
			t.Fatalf("ListRolePolicies = %v", names)
		}
		rp := must(c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: name, PolicyName: aws.String("read")}))(t)
		if decodedDoc(t, rp.PolicyDocument) != allowAll || aws.ToString(rp.RoleName) != "deploy" {
			t.Fatalf("GetRolePolicy = %+v", rp)
		}
		_, err = c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: name, PolicyName: aws.String("nope")})
		wantCode(t, err, "NoSuchEntity")

		// Managed policies and the boundary.
		pol := must(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("bucket"), PolicyDocument: aws.String(allowAll)}))(t).Policy
		must(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: name, PolicyArn: pol.Arn}))(t)
		attached := must(c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: name}))(t).AttachedPolicies
		if len(attached) != 1 || aws.ToString(attached[0].PolicyName) != "bucket" {
			t.Fatalf("ListAttachedRolePolicies = %+v", attached)
		}
		if n := aws.ToInt32(must(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: pol.Arn}))(t).Policy.AttachmentCount); n != 1 {
			t.Errorf("AttachmentCount = %d, want 1", n)
		}
		must(c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: name, PermissionsBoundary: pol.Arn}))(t)
		got = must(c.GetRole(ctx, &iam.GetRoleInput{RoleName: name}))(t).Role
		if got.PermissionsBoundary == nil || aws.ToString(got.PermissionsBoundary.PermissionsBoundaryArn) != aws.ToString(pol.Arn) ||
			got.PermissionsBoundary.PermissionsBoundaryType != iamtypes.PermissionsBoundaryAttachmentTypePolicy {
			t.Fatalf("GetRole's boundary = %+v", got.PermissionsBoundary)
		}
		must(c.DeleteRolePermissionsBoundary(ctx, &iam.DeleteRolePermissionsBoundaryInput{RoleName: name}))(t)
		if got = must(c.GetRole(ctx, &iam.GetRoleInput{RoleName: name}))(t).Role; got.PermissionsBoundary != nil {
			t.Fatalf("boundary after DeleteRolePermissionsBoundary = %+v", got.PermissionsBoundary)
		}

		// Tags.
		must(c.TagRole(ctx, &iam.TagRoleInput{RoleName: name, Tags: []iamtypes.Tag{{Key: aws.String("env"), Value: aws.String("prod")}, {Key: aws.String("team"), Value: aws.String("infra")}}}))(t)
		must(c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: name, TagKeys: []string{"env"}}))(t)
		tags := must(c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: name}))(t).Tags
		if len(tags) != 1 || aws.ToString(tags[0].Key) != "team" || aws.ToString(tags[0].Value) != "infra" {
			t.Fatalf("ListRoleTags = %+v", tags)
		}

		// DeleteRole wants the instance profiles, managed and inline policies gone first.
		must(c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("deploy")}))(t)
		must(c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("deploy"), RoleName: name}))(t)
		for _, step := range []func(){
			func() {
				must(c.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("deploy"), RoleName: name}))(t)
			},
			func() {
				must(c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: name, PolicyArn: pol.Arn}))(t)
			},
			func() {
				must(c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: name, PolicyName: aws.String("read")}))(t)
			},
		} {
			_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: name})
			wantCode(t, err, "DeleteConflict")
			step()
		}
		_, err = c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: name, PolicyArn: pol.Arn})
		wantCode(t, err, "NoSuchEntity")
		must(c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: name}))(t)
		_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: name})
		wantCode(t, err, "NoSuchEntity")
	})
}

func TestConformanceIAMInstanceProfiles(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		c := iamClient(tg)
		createRole(t, c, "web")
		createRole(t, c, "worker")
		prof := aws.String("web")

		p := must(c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: prof, Path: aws.String("/app/"),
			Tags: []iamtypes.Tag{{Key: aws.String("app"), Value: aws.String("shop")}}}))(t).InstanceProfile
		if !strings.HasSuffix(aws.ToString(p.Arn), ":instance-profile/app/web") || aws.ToString(p.InstanceProfileId) == "" || len(p.Roles) != 0 {
			t.Fatalf("CreateInstanceProfile = %+v", p)
		}
		_, err := c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: prof})
		wantCode(t, err, "EntityAlreadyExists")
		must(c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("batch")}))(t)

		must(c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: prof, RoleName: aws.String("web")}))(t)
		_, err = c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: prof, RoleName: aws.String("worker")})
		wantCode(t, err, "LimitExceeded") // one role per instance profile
		_, err = c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: prof, RoleName: aws.String("missing")})
		wantCode(t, err, "NoSuchEntity")

		got := must(c.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: prof}))(t).InstanceProfile
		if len(got.Roles) != 1 || aws.ToString(got.Roles[0].RoleName) != "web" || !strings.HasSuffix(aws.ToString(got.Roles[0].Arn), ":role/web") {
			t.Fatalf("GetInstanceProfile = %+v", got)
		}
		forRole := must(c.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("web")}))(t).InstanceProfiles
		if len(forRole) != 1 || aws.ToString(forRole[0].InstanceProfileName) != "web" {
			t.Fatalf("ListInstanceProfilesForRole = %+v", forRole)
		}
		app := must(c.ListInstanceProfiles(ctx, &iam.ListInstanceProfilesInput{PathPrefix: aws.String("/app/")}))(t).InstanceProfiles
		want := 1
		if tg.moto {
			want = 2 // moto differs from AWS: ListInstanceProfiles ignores PathPrefix
		}
		if len(app) != want || aws.ToString(app[0].InstanceProfileName) != "web" {
			t.Fatalf("ListInstanceProfiles /app/ = %d profiles, want %d", len(app), want)
		}
		all := must(c.ListInstanceProfiles(ctx, &iam.ListInstanceProfilesInput{}))(t).InstanceProfiles
		if len(all) != 2 {
			t.Fatalf("ListInstanceProfiles = %d profiles, want 2", len(all))
		}
		summary := must(c.GetAccountSummary(ctx, nil))(t).SummaryMap
		if summary["InstanceProfiles"] != 2 || summary["Roles"] != 2 {
			t.Errorf("GetAccountSummary: InstanceProfiles %d, Roles %d, want 2 and 2", summary["InstanceProfiles"], summary["Roles"])
		}

		must(c.TagInstanceProfile(ctx, &iam.TagInstanceProfileInput{InstanceProfileName: prof, Tags: []iamtypes.Tag{{Key: aws.String("tier"), Value: aws.String("front")}}}))(t)
		must(c.UntagInstanceProfile(ctx, &iam.UntagInstanceProfileInput{InstanceProfileName: prof, TagKeys: []string{"app"}}))(t)
		tags := must(c.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: prof}))(t).InstanceProfile.Tags
		if !tg.moto {
			// moto answers ListInstanceProfileTags with HTTP 500.
			tags = must(c.ListInstanceProfileTags(ctx, &iam.ListInstanceProfileTagsInput{InstanceProfileName: prof}))(t).Tags
		}
		if len(tags) != 1 || aws.ToString(tags[0].Key) != "tier" {
			t.Fatalf("instance profile tags = %+v", tags)
		}

		_, err = c.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: prof})
		wantCode(t, err, "DeleteConflict")
		must(c.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: prof, RoleName: aws.String("web")}))(t)
		must(c.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: prof}))(t)
		_, err = c.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: prof})
		wantCode(t, err, "NoSuchEntity")
	})
}

func TestConformanceIAMServiceLinkedRoles(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		c := iamClient(tg)

		r := must(c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("autoscaling.amazonaws.com"), Description: aws.String("scaling")}))(t).Role
		if aws.ToString(r.RoleName) != "AWSServiceRoleForAutoScaling" || aws.ToString(r.Path) != "/aws-service-role/autoscaling.amazonaws.com/" ||
			!strings.Contains(decodedDoc(t, r.AssumeRolePolicyDocument), `"autoscaling.amazonaws.com"`) {
			t.Fatalf("CreateServiceLinkedRole = %+v", r)
		}
		withSuffix := must(c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("autoscaling.amazonaws.com"), CustomSuffix: aws.String("batch")}))(t).Role
		if aws.ToString(withSuffix.RoleName) != "AWSServiceRoleForAutoScaling_batch" {
			t.Fatalf("with a suffix: %s", aws.ToString(withSuffix.RoleName))
		}
		_, err := c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("autoscaling.amazonaws.com")})
		if tg.moto {
			// moto differs from AWS: it calls the taken name EntityAlreadyExists;
			// AWS answers InvalidInput "Service role name ... has been taken in
			// this account, please try a different suffix."
			wantCode(t, err, "EntityAlreadyExists")
		} else {
			wantCode(t, err, "InvalidInput")
			// Only AWS may change a service-linked role (moto lets anyone).
			_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: r.RoleName})
			wantCode(t, err, "UnmodifiableEntity")
			_, err = c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: r.RoleName, PolicyName: aws.String("x"), PolicyDocument: aws.String(allowAll)})
			wantCode(t, err, "UnmodifiableEntity")
			// ECS takes no suffix.
			_, err = c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("ecs.amazonaws.com"), CustomSuffix: aws.String("x")})
			wantCode(t, err, "InvalidInput")
		}

		task := must(c.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: r.RoleName}))(t).DeletionTaskId
		if tg.moto {
			return // moto's task ids are bare UUIDs and its status is always SUCCEEDED
		}
		if !strings.HasPrefix(aws.ToString(task), "task/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling/") {
			t.Fatalf("DeletionTaskId = %s", aws.ToString(task))
		}
		status := iamtypes.DeletionTaskStatusTypeInProgress
		for deadline := time.Now().Add(5 * time.Second); status == iamtypes.DeletionTaskStatusTypeInProgress && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			status = must(c.GetServiceLinkedRoleDeletionStatus(ctx, &iam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: task}))(t).Status
		}
		if status != iamtypes.DeletionTaskStatusTypeSucceeded {
			t.Fatalf("deletion status = %s, want SUCCEEDED", status)
		}
		_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: r.RoleName})
		wantCode(t, err, "NoSuchEntity")
	})
}

// TestConformanceAssumeRoleTrust: AssumeRole follows the role's trust
// policy and MaxSessionDuration, and the role records its last use.
func TestConformanceAssumeRoleTrust(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		c := iamClient(tg)
		stsc := sts.NewFromConfig(tg.cfg)
		acct := aws.ToString(must(stsc.GetCallerIdentity(ctx, nil))(t).Account)
		trustSelf := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"s3cret"}}}]}`
		self := must(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("self"), AssumeRolePolicyDocument: aws.String(trustSelf)}))(t).Role
		ec2 := createRole(t, c, "ec2-only")

		assume := func(arn *string, externalID string, seconds int32) error {
			in := &sts.AssumeRoleInput{RoleArn: arn, RoleSessionName: aws.String("s1")}
			if externalID != "" {
				in.ExternalId = aws.String(externalID)
			}
			if seconds != 0 {
				in.DurationSeconds = aws.Int32(seconds)
			}
			_, err := stsc.AssumeRole(ctx, in)
			return err
		}
		if err := assume(self.Arn, "s3cret", 0); err != nil {
			t.Fatalf("AssumeRole with the external id: %v", err)
		}
		if tg.moto {
			// moto differs from AWS: its AssumeRole ignores the trust policy
			// and the role's MaxSessionDuration, and RoleLastUsed stays empty.
			return
		}
		for _, tc := range []struct {
			name, externalID string
			arn              *string
			seconds          int32
			code             string
		}{
			{"without the external id", "", self.Arn, 0, "AccessDenied"},
			{"with another external id", "guess", self.Arn, 0, "AccessDenied"},
			{"a role only EC2 may assume", "", ec2.Arn, 0, "AccessDenied"},
			{"past the role's MaxSessionDuration", "s3cret", self.Arn, 7200, "ValidationError"},
		} {
			wantCode(t, assume(tc.arn, tc.externalID, tc.seconds), tc.code)
		}
		used := must(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("self")}))(t).Role.RoleLastUsed
		if used == nil || used.LastUsedDate == nil || aws.ToString(used.Region) != "us-east-1" {
			t.Fatalf("RoleLastUsed after AssumeRole = %+v", used)
		}
	})
}

// TestSeedRoles: a seed's roles are in the world, its state dump and its
// reset, and a bad one is refused with the field named.
func TestSeedRoles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "world.yaml")
	const doc = `accounts:
  - id: "111111111111"
    roles:
      - name: ci-deploy
        path: /ci/
        description: Deploys from CI
        trust_policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}]}'
        max_session_duration: 7200
        policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]
        inline_policies:
          read: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}'
        tags: {team: platform}
        last_used: 2026-11-01T00:00:00Z
  - id: "222222222222"
`
	if err := os.WriteFile(good, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	seed, err := LoadSeed(good)
	if err != nil {
		t.Fatal(err)
	}
	_, url := startSandbox(t, Options{Seed: seed})
	ctx := context.Background()
	c := iam.NewFromConfig(sdkConfig(t, url))
	check := func() {
		t.Helper()
		r := must(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("ci-deploy")}))(t).Role
		if aws.ToString(r.Arn) != "arn:aws:iam::111111111111:role/ci/ci-deploy" || aws.ToInt32(r.MaxSessionDuration) != 7200 ||
			aws.ToString(r.Description) != "Deploys from CI" || len(r.Tags) != 1 || r.RoleLastUsed == nil || r.RoleLastUsed.LastUsedDate == nil {
			t.Fatalf("seeded role = %+v", r)
		}
		names := must(c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("ci-deploy")}))(t).PolicyNames
		attached := must(c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("ci-deploy")}))(t).AttachedPolicies
		if !slices.Equal(names, []string{"read"}) || len(attached) != 1 {
			t.Fatalf("seeded role's policies: inline %v, attached %+v", names, attached)
		}
	}
	check()
	var state struct {
		IAM map[string]struct {
			Roles []IAMRole `json:"roles"`
		} `json:"iam"`
	}
	getJSON(t, url+"/_sandbox/state", &state)
	if roles := state.IAM["111111111111"].Roles; len(roles) != 1 || roles[0].TrustPolicy == "" || roles[0].MaxSessionDuration != 7200 {
		t.Fatalf("state's roles = %+v", roles)
	}
	if roles := state.IAM["222222222222"].Roles; len(roles) != 1 || roles[0].Name != "OrganizationAccountAccessRole" || !strings.Contains(roles[0].TrustPolicy, "111111111111:root") {
		t.Fatalf("member account's roles in the state = %+v", roles)
	}
	must(c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("ci-deploy"), PolicyName: aws.String("read")}))(t)
	must(c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("tmp")}))(t)
	if code := postJSON(t, url+"/_sandbox/reset", "", nil); code != 200 {
		t.Fatalf("reset: %d", code)
	}
	check()
	if ps := must(c.ListInstanceProfiles(ctx, &iam.ListInstanceProfilesInput{}))(t).InstanceProfiles; len(ps) != 0 {
		t.Fatalf("instance profiles after reset = %d", len(ps))
	}

	bad := filepath.Join(dir, "bad.yaml")
	const badDoc = `accounts:
  - id: "111111111111"
    roles:
      - name: a
        trust_policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}'
        max_session_duration: 60
      - name: A
`
	if err := os.WriteFile(bad, []byte(badDoc), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadSeed(bad)
	for _, want := range []string{
		"accounts[0].roles[0].trust_policy: MalformedPolicyDocument: Missing required field Principal",
		"accounts[0].roles[0].max_session_duration: 60: use 3600 to 43200 seconds",
		`accounts[0].roles[1].name: "A" appears twice`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("LoadSeed error %v lacks %q", err, want)
		}
	}
}
