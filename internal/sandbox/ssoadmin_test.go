package sandbox

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
)

// ssoFixture is an sso-admin client and the instance it administers.
type ssoFixture struct {
	c    *ssoadmin.Client
	inst *string
}

func newSSOFixture(t *testing.T, cfg aws.Config) ssoFixture {
	t.Helper()
	c := ssoadmin.NewFromConfig(cfg)
	var arns []string
	p := ssoadmin.NewListInstancesPaginator(c, &ssoadmin.ListInstancesInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range out.Instances {
			arns = append(arns, aws.ToString(in.InstanceArn))
			if in.IdentityStoreId == nil || in.Status != ssotypes.InstanceStatusActive {
				t.Fatalf("instance = %+v", in)
			}
		}
	}
	if len(arns) != 1 {
		t.Fatalf("ListInstances = %v, want one instance", arns)
	}
	return ssoFixture{c: c, inst: aws.String(arns[0])}
}

// createPS creates a permission set. SessionDuration is always sent: moto
// stores an integer when it is omitted, which the SDK cannot decode.
func (f ssoFixture) createPS(t *testing.T, name string) *string {
	t.Helper()
	out, err := f.c.CreatePermissionSet(context.Background(), &ssoadmin.CreatePermissionSetInput{
		InstanceArn: f.inst, Name: aws.String(name), SessionDuration: aws.String("PT1H")})
	if err != nil {
		t.Fatalf("CreatePermissionSet %s: %v", name, err)
	}
	return out.PermissionSet.PermissionSetArn
}

// missingARN is an ARN of the same shape as arn naming nothing.
func missingARN(arn *string) *string {
	s := aws.ToString(arn)
	return aws.String(s[:len(s)-16] + "0000000000000000")
}

func TestConformanceSSOAdminPermissionSets(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		f := newSSOFixture(t, tg.cfg)

		created, err := f.c.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{
			InstanceArn: f.inst, Name: aws.String("Admin"), Description: aws.String("Full access"),
			SessionDuration: aws.String("PT8H"), RelayState: aws.String("https://console.aws.amazon.com/"),
			Tags: []ssotypes.Tag{{Key: aws.String("team"), Value: aws.String("platform")}},
		})
		if err != nil {
			t.Fatal(err)
		}
		admin := created.PermissionSet.PermissionSetArn
		if !strings.Contains(aws.ToString(admin), "/ps-") || created.PermissionSet.CreatedDate == nil {
			t.Fatalf("created = %+v", created.PermissionSet)
		}
		d, err := f.c.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: f.inst, PermissionSetArn: admin})
		if err != nil {
			t.Fatal(err)
		}
		got := d.PermissionSet
		if aws.ToString(got.Name) != "Admin" || aws.ToString(got.Description) != "Full access" ||
			aws.ToString(got.SessionDuration) != "PT8H" || aws.ToString(got.RelayState) != "https://console.aws.amazon.com/" {
			t.Fatalf("described = %+v", got)
		}

		want := []string{aws.ToString(admin)}
		for _, n := range []string{"ReadOnly", "Billing", "Dev"} {
			want = append(want, aws.ToString(f.createPS(t, n)))
		}
		var arns []string
		pages := 0
		p := ssoadmin.NewListPermissionSetsPaginator(f.c, &ssoadmin.ListPermissionSetsInput{InstanceArn: f.inst, MaxResults: aws.Int32(3)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			arns = append(arns, out.PermissionSets...)
		}
		slices.Sort(arns)
		slices.Sort(want)
		if !slices.Equal(arns, want) || pages != 2 {
			t.Fatalf("paged permission sets %v in %d pages, want %v in 2", arns, pages, want)
		}

		// Update only the description.
		update := &ssoadmin.UpdatePermissionSetInput{InstanceArn: f.inst, PermissionSetArn: admin, Description: aws.String("Administrators")}
		if tg.moto {
			// moto differs from AWS: an omitted SessionDuration is stored as the
			// integer 3600, which the SDK cannot decode, so send it.
			update.SessionDuration = aws.String("PT8H")
		}
		if _, err := f.c.UpdatePermissionSet(ctx, update); err != nil {
			t.Fatal(err)
		}
		d, err = f.c.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: f.inst, PermissionSetArn: admin})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(d.PermissionSet.Description) != "Administrators" {
			t.Fatalf("description after update = %+v", d.PermissionSet)
		}
		if tg.moto {
			// moto differs from AWS: UpdatePermissionSet overwrites omitted fields with null.
			if d.PermissionSet.RelayState != nil {
				t.Fatalf("moto kept omitted fields: %+v", d.PermissionSet)
			}
		} else if aws.ToString(d.PermissionSet.SessionDuration) != "PT8H" || aws.ToString(d.PermissionSet.RelayState) == "" {
			t.Fatalf("update changed fields it was not given: %+v", d.PermissionSet)
		}

		_, err = f.c.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: f.inst, Name: aws.String("Admin"), SessionDuration: aws.String("PT1H")})
		if tg.moto {
			// moto differs from AWS: it accepts duplicate permission-set names.
			if err != nil {
				t.Fatalf("moto duplicate name: %v", err)
			}
		} else {
			wantCode(t, err, "ConflictException")
		}

		_, err = f.c.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: f.inst, PermissionSetArn: missingARN(admin)})
		wantCode(t, err, "ResourceNotFoundException")

		if _, err := f.c.DeletePermissionSet(ctx, &ssoadmin.DeletePermissionSetInput{InstanceArn: f.inst, PermissionSetArn: admin}); err != nil {
			t.Fatal(err)
		}
		_, err = f.c.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: f.inst, PermissionSetArn: admin})
		wantCode(t, err, "ResourceNotFoundException")
		_, err = f.c.DeletePermissionSet(ctx, &ssoadmin.DeletePermissionSetInput{InstanceArn: f.inst, PermissionSetArn: admin})
		wantCode(t, err, "ResourceNotFoundException")

		// Validation errors name the field.
		_, err = f.c.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: f.inst, Name: aws.String("has space"), SessionDuration: aws.String("PT1H")})
		if tg.moto {
			// moto differs from AWS: it does not validate permission-set names.
			if err != nil {
				t.Fatalf("moto bad name: %v", err)
			}
		} else {
			wantValidation(t, err, "'name'")
		}
	})
}

func TestConformanceSSOAdminPolicies(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		f := newSSOFixture(t, tg.cfg)
		ps := f.createPS(t, "Policies")
		ref := func() (*string, *string) { return f.inst, ps }

		// AWS managed policies.
		readOnly := "arn:aws:iam::aws:policy/ReadOnlyAccess"
		admin := "arn:aws:iam::aws:policy/AdministratorAccess"
		for _, arn := range []string{readOnly, admin} {
			if _, err := f.c.AttachManagedPolicyToPermissionSet(ctx, &ssoadmin.AttachManagedPolicyToPermissionSetInput{
				InstanceArn: f.inst, PermissionSetArn: ps, ManagedPolicyArn: aws.String(arn)}); err != nil {
				t.Fatalf("attach %s: %v", arn, err)
			}
		}
		_, err := f.c.AttachManagedPolicyToPermissionSet(ctx, &ssoadmin.AttachManagedPolicyToPermissionSetInput{
			InstanceArn: f.inst, PermissionSetArn: ps, ManagedPolicyArn: aws.String(readOnly)})
		wantCode(t, err, "ConflictException")

		var attached []ssotypes.AttachedManagedPolicy
		mp := ssoadmin.NewListManagedPoliciesInPermissionSetPaginator(f.c, &ssoadmin.ListManagedPoliciesInPermissionSetInput{
			InstanceArn: f.inst, PermissionSetArn: ps, MaxResults: aws.Int32(1)})
		for mp.HasMorePages() {
			out, err := mp.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			attached = append(attached, out.AttachedManagedPolicies...)
		}
		if len(attached) != 2 || aws.ToString(attached[1].Name) != "AdministratorAccess" || aws.ToString(attached[1].Arn) != admin {
			t.Fatalf("attached managed policies = %+v", attached)
		}
		if _, err := f.c.DetachManagedPolicyFromPermissionSet(ctx, &ssoadmin.DetachManagedPolicyFromPermissionSetInput{
			InstanceArn: f.inst, PermissionSetArn: ps, ManagedPolicyArn: aws.String(readOnly)}); err != nil {
			t.Fatal(err)
		}
		_, err = f.c.DetachManagedPolicyFromPermissionSet(ctx, &ssoadmin.DetachManagedPolicyFromPermissionSetInput{
			InstanceArn: f.inst, PermissionSetArn: ps, ManagedPolicyArn: aws.String(readOnly)})
		wantCode(t, err, "ResourceNotFoundException")

		// Inline policy: put replaces, delete clears.
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`
		for _, d := range []string{`{"Version":"2012-10-17","Statement":[]}`, doc} {
			if _, err := f.c.PutInlinePolicyToPermissionSet(ctx, &ssoadmin.PutInlinePolicyToPermissionSetInput{
				InstanceArn: f.inst, PermissionSetArn: ps, InlinePolicy: aws.String(d)}); err != nil {
				t.Fatal(err)
			}
		}
		inst, psArn := ref()
		in, err := f.c.GetInlinePolicyForPermissionSet(ctx, &ssoadmin.GetInlinePolicyForPermissionSetInput{InstanceArn: inst, PermissionSetArn: psArn})
		if err != nil || aws.ToString(in.InlinePolicy) != doc {
			t.Fatalf("inline policy = %v, %v", aws.ToString(in.InlinePolicy), err)
		}
		if _, err := f.c.DeleteInlinePolicyFromPermissionSet(ctx, &ssoadmin.DeleteInlinePolicyFromPermissionSetInput{InstanceArn: inst, PermissionSetArn: psArn}); err != nil {
			t.Fatal(err)
		}
		in, err = f.c.GetInlinePolicyForPermissionSet(ctx, &ssoadmin.GetInlinePolicyForPermissionSetInput{InstanceArn: inst, PermissionSetArn: psArn})
		if err != nil || aws.ToString(in.InlinePolicy) != "" {
			t.Fatalf("inline policy after delete = %q, %v", aws.ToString(in.InlinePolicy), err)
		}
		_, err = f.c.PutInlinePolicyToPermissionSet(ctx, &ssoadmin.PutInlinePolicyToPermissionSetInput{
			InstanceArn: f.inst, PermissionSetArn: ps, InlinePolicy: aws.String("{not json")})
		if tg.moto {
			// moto differs from AWS: it stores any string as the inline policy.
			if err != nil {
				t.Fatalf("moto invalid inline policy: %v", err)
			}
		} else {
			wantCode(t, err, "ValidationException")
		}

		// Customer managed policy references: the path defaults to "/".
		cmp := func(name string, path *string) *ssotypes.CustomerManagedPolicyReference {
			return &ssotypes.CustomerManagedPolicyReference{Name: aws.String(name), Path: path}
		}
		for _, r := range []*ssotypes.CustomerManagedPolicyReference{cmp("Boundaryless", nil), cmp("TeamPolicy", aws.String("/team/"))} {
			if _, err := f.c.AttachCustomerManagedPolicyReferenceToPermissionSet(ctx, &ssoadmin.AttachCustomerManagedPolicyReferenceToPermissionSetInput{
				InstanceArn: f.inst, PermissionSetArn: ps, CustomerManagedPolicyReference: r}); err != nil {
				t.Fatal(err)
			}
		}
		_, err = f.c.AttachCustomerManagedPolicyReferenceToPermissionSet(ctx, &ssoadmin.AttachCustomerManagedPolicyReferenceToPermissionSetInput{
			InstanceArn: f.inst, PermissionSetArn: ps, CustomerManagedPolicyReference: cmp("Boundaryless", aws.String("/"))})
		wantCode(t, err, "ConflictException")
		var refs []ssotypes.CustomerManagedPolicyReference
		cp := ssoadmin.NewListCustomerManagedPolicyReferencesInPermissionSetPaginator(f.c, &ssoadmin.ListCustomerManagedPolicyReferencesInPermissionSetInput{
			InstanceArn: f.inst, PermissionSetArn: ps, MaxResults: aws.Int32(1)})
		for cp.HasMorePages() {
			out, err := cp.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			refs = append(refs, out.CustomerManagedPolicyReferences...)
		}
		if len(refs) != 2 || aws.ToString(refs[0].Path) != "/" || aws.ToString(refs[1].Path) != "/team/" {
			t.Fatalf("customer managed refs = %+v", refs)
		}
		_, err = f.c.DetachCustomerManagedPolicyReferenceFromPermissionSet(ctx, &ssoadmin.DetachCustomerManagedPolicyReferenceFromPermissionSetInput{
			InstanceArn: f.inst, PermissionSetArn: ps, CustomerManagedPolicyReference: cmp("TeamPolicy", nil)})
		wantCode(t, err, "ResourceNotFoundException")
		if _, err := f.c.DetachCustomerManagedPolicyReferenceFromPermissionSet(ctx, &ssoadmin.DetachCustomerManagedPolicyReferenceFromPermissionSetInput{
			InstanceArn: f.inst, PermissionSetArn: ps, CustomerManagedPolicyReference: cmp("TeamPolicy", aws.String("/team/"))}); err != nil {
			t.Fatal(err)
		}

		// Quota: 20 managed and customer managed policies together.
		// Now attached: AdministratorAccess and Boundaryless.
		for i := range 18 {
			if _, err := f.c.AttachCustomerManagedPolicyReferenceToPermissionSet(ctx, &ssoadmin.AttachCustomerManagedPolicyReferenceToPermissionSetInput{
				InstanceArn: f.inst, PermissionSetArn: ps, CustomerManagedPolicyReference: cmp(fmt.Sprintf("p%d", i), nil)}); err != nil {
				t.Fatalf("policy %d: %v", i+3, err)
			}
		}
		_, err = f.c.AttachCustomerManagedPolicyReferenceToPermissionSet(ctx, &ssoadmin.AttachCustomerManagedPolicyReferenceToPermissionSetInput{
			InstanceArn: f.inst, PermissionSetArn: ps, CustomerManagedPolicyReference: cmp("one-too-many", nil)})
		wantCode(t, err, "ServiceQuotaExceededException")

		if tg.moto {
			// moto does not implement permissions boundaries or tagging (HTTP 500).
			return
		}
		_, err = f.c.GetPermissionsBoundaryForPermissionSet(ctx, &ssoadmin.GetPermissionsBoundaryForPermissionSetInput{InstanceArn: f.inst, PermissionSetArn: ps})
		wantCode(t, err, "ResourceNotFoundException")
		_, err = f.c.PutPermissionsBoundaryToPermissionSet(ctx, &ssoadmin.PutPermissionsBoundaryToPermissionSetInput{InstanceArn: f.inst, PermissionSetArn: ps,
			PermissionsBoundary: &ssotypes.PermissionsBoundary{ManagedPolicyArn: aws.String(readOnly), CustomerManagedPolicyReference: cmp("B", nil)}})
		wantCode(t, err, "ValidationException")
		if _, err := f.c.PutPermissionsBoundaryToPermissionSet(ctx, &ssoadmin.PutPermissionsBoundaryToPermissionSetInput{InstanceArn: f.inst, PermissionSetArn: ps,
			PermissionsBoundary: &ssotypes.PermissionsBoundary{CustomerManagedPolicyReference: cmp("Boundary", nil)}}); err != nil {
			t.Fatal(err)
		}
		b, err := f.c.GetPermissionsBoundaryForPermissionSet(ctx, &ssoadmin.GetPermissionsBoundaryForPermissionSetInput{InstanceArn: f.inst, PermissionSetArn: ps})
		if err != nil || b.PermissionsBoundary.CustomerManagedPolicyReference == nil ||
			aws.ToString(b.PermissionsBoundary.CustomerManagedPolicyReference.Path) != "/" || b.PermissionsBoundary.ManagedPolicyArn != nil {
			t.Fatalf("boundary = %+v, %v", b, err)
		}
		if _, err := f.c.PutPermissionsBoundaryToPermissionSet(ctx, &ssoadmin.PutPermissionsBoundaryToPermissionSetInput{InstanceArn: f.inst, PermissionSetArn: ps,
			PermissionsBoundary: &ssotypes.PermissionsBoundary{ManagedPolicyArn: aws.String(readOnly)}}); err != nil {
			t.Fatal(err)
		}
		b, err = f.c.GetPermissionsBoundaryForPermissionSet(ctx, &ssoadmin.GetPermissionsBoundaryForPermissionSetInput{InstanceArn: f.inst, PermissionSetArn: ps})
		if err != nil || aws.ToString(b.PermissionsBoundary.ManagedPolicyArn) != readOnly || b.PermissionsBoundary.CustomerManagedPolicyReference != nil {
			t.Fatalf("boundary after replace = %+v, %v", b, err)
		}
		if _, err := f.c.DeletePermissionsBoundaryFromPermissionSet(ctx, &ssoadmin.DeletePermissionsBoundaryFromPermissionSetInput{InstanceArn: f.inst, PermissionSetArn: ps}); err != nil {
			t.Fatal(err)
		}
		_, err = f.c.GetPermissionsBoundaryForPermissionSet(ctx, &ssoadmin.GetPermissionsBoundaryForPermissionSetInput{InstanceArn: f.inst, PermissionSetArn: ps})
		wantCode(t, err, "ResourceNotFoundException")
	})
}

func TestConformanceSSOAdminTags(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		if tg.moto {
			t.Skip("moto does not implement TagResource or ListTagsForResource (HTTP 500)")
		}
		ctx := context.Background()
		f := newSSOFixture(t, tg.cfg)
		out, err := f.c.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: f.inst, Name: aws.String("Tagged"),
			SessionDuration: aws.String("PT1H"), Tags: []ssotypes.Tag{{Key: aws.String("b"), Value: aws.String("2")}}})
		if err != nil {
			t.Fatal(err)
		}
		ps := out.PermissionSet.PermissionSetArn
		tag := func(k, v string) ssotypes.Tag { return ssotypes.Tag{Key: aws.String(k), Value: aws.String(v)} }
		for _, arn := range []*string{ps, f.inst} {
			if _, err := f.c.TagResource(ctx, &ssoadmin.TagResourceInput{InstanceArn: f.inst, ResourceArn: arn,
				Tags: []ssotypes.Tag{tag("a", "1"), tag("b", "3")}}); err != nil {
				t.Fatal(err)
			}
		}
		list := func(arn *string) map[string]string {
			t.Helper()
			m := map[string]string{}
			p := ssoadmin.NewListTagsForResourcePaginator(f.c, &ssoadmin.ListTagsForResourceInput{InstanceArn: f.inst, ResourceArn: arn})
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, tg := range out.Tags {
					m[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
				}
			}
			return m
		}
		if got := list(ps); len(got) != 2 || got["a"] != "1" || got["b"] != "3" {
			t.Fatalf("permission set tags = %v", got)
		}
		if got := list(f.inst); len(got) != 2 {
			t.Fatalf("instance tags = %v", got)
		}
		if _, err := f.c.UntagResource(ctx, &ssoadmin.UntagResourceInput{InstanceArn: f.inst, ResourceArn: ps, TagKeys: []string{"a", "absent"}}); err != nil {
			t.Fatal(err)
		}
		if got := list(ps); len(got) != 1 || got["b"] != "3" {
			t.Fatalf("tags after untag = %v", got)
		}
		many := make([]ssotypes.Tag, 50)
		for i := range many {
			many[i] = tag(fmt.Sprintf("k%02d", i), "v")
		}
		_, err = f.c.TagResource(ctx, &ssoadmin.TagResourceInput{InstanceArn: f.inst, ResourceArn: ps, Tags: many})
		wantCode(t, err, "ServiceQuotaExceededException")
		_, err = f.c.TagResource(ctx, &ssoadmin.TagResourceInput{InstanceArn: f.inst, ResourceArn: ps, Tags: []ssotypes.Tag{tag("aws:reserved", "x")}})
		wantCode(t, err, "ValidationException")
		_, err = f.c.ListTagsForResource(ctx, &ssoadmin.ListTagsForResourceInput{InstanceArn: f.inst, ResourceArn: missingARN(ps)})
		wantCode(t, err, "ResourceNotFoundException")
	})
}

// addPrincipals puts identity-store users into a sandbox's world (the
// identity store API is another file's job) and returns their ids.
func addPrincipals(t *testing.T, srv *Server, names ...string) []string {
	t.Helper()
	var ids []string
	srv.withWorld(func(w *World, _ time.Time) {
		for _, n := range names {
			u := &User{ID: storeUUID(w.Instance.IdentityStoreID, "user/"+n), UserName: n, DisplayName: n}
			w.Users = append(w.Users, u)
			ids = append(ids, u.ID)
		}
	})
	return ids
}

// waitAssignment polls an assignment operation until it leaves IN_PROGRESS.
func waitAssignment(t *testing.T, f ssoFixture, requestID *string, deletion bool) *ssotypes.AccountAssignmentOperationStatus {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var st *ssotypes.AccountAssignmentOperationStatus
		if deletion {
			out, err := f.c.DescribeAccountAssignmentDeletionStatus(ctx, &ssoadmin.DescribeAccountAssignmentDeletionStatusInput{
				InstanceArn: f.inst, AccountAssignmentDeletionRequestId: requestID})
			if err != nil {
				t.Fatal(err)
			}
			st = out.AccountAssignmentDeletionStatus
		} else {
			out, err := f.c.DescribeAccountAssignmentCreationStatus(ctx, &ssoadmin.DescribeAccountAssignmentCreationStatusInput{
				InstanceArn: f.inst, AccountAssignmentCreationRequestId: requestID})
			if err != nil {
				t.Fatal(err)
			}
			st = out.AccountAssignmentCreationStatus
		}
		if st.Status != ssotypes.StatusValuesInProgress {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("assignment operation %s still IN_PROGRESS after 5s", aws.ToString(requestID))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestConformanceSSOAdminAssignments(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		f := newSSOFixture(t, tg.cfg)
		ps := f.createPS(t, "Developer")
		const account = "222222222222"
		// moto does not check principals; any identity-store shaped id will do.
		user := "906722c4-1011-70b2-9da6-1b4c5e4d1a11"
		if !tg.moto {
			user = addPrincipals(t, tg.srv, "alice")[0]
		}
		assign := func() *ssoadmin.CreateAccountAssignmentInput {
			return &ssoadmin.CreateAccountAssignmentInput{InstanceArn: f.inst, PermissionSetArn: ps, TargetId: aws.String(account),
				TargetType: ssotypes.TargetTypeAwsAccount, PrincipalType: ssotypes.PrincipalTypeUser, PrincipalId: aws.String(user)}
		}

		out, err := f.c.CreateAccountAssignment(ctx, assign())
		if err != nil {
			t.Fatal(err)
		}
		st := out.AccountAssignmentCreationStatus
		if aws.ToString(st.TargetId) != account || aws.ToString(st.PrincipalId) != user || st.RequestId == nil {
			t.Fatalf("creation status = %+v", st)
		}
		if tg.moto {
			// moto differs from AWS: assignments complete synchronously.
			if st.Status != ssotypes.StatusValuesSucceeded {
				t.Fatalf("moto status = %s", st.Status)
			}
		} else if st.Status != ssotypes.StatusValuesInProgress {
			t.Fatalf("status = %s, want IN_PROGRESS", st.Status)
		}
		if done := waitAssignment(t, f, st.RequestId, false); done.Status != ssotypes.StatusValuesSucceeded {
			t.Fatalf("creation finished %s: %s", done.Status, aws.ToString(done.FailureReason))
		}
		_, err = f.c.DescribeAccountAssignmentCreationStatus(ctx, &ssoadmin.DescribeAccountAssignmentCreationStatusInput{
			InstanceArn: f.inst, AccountAssignmentCreationRequestId: aws.String("00000000-0000-4000-8000-000000000000")})
		wantCode(t, err, "ResourceNotFoundException")

		// A duplicate succeeds.
		dup, err := f.c.CreateAccountAssignment(ctx, assign())
		if err != nil {
			t.Fatal(err)
		}
		if done := waitAssignment(t, f, dup.AccountAssignmentCreationStatus.RequestId, false); done.Status != ssotypes.StatusValuesSucceeded {
			t.Fatalf("duplicate finished %s", done.Status)
		}
		listed := func() []ssotypes.AccountAssignment {
			t.Helper()
			var all []ssotypes.AccountAssignment
			in := &ssoadmin.ListAccountAssignmentsInput{InstanceArn: f.inst, AccountId: aws.String(account), PermissionSetArn: ps, MaxResults: aws.Int32(1)}
			if tg.moto {
				// moto's paging keys items by their attributes, so its tokens
				// cycle over the duplicate assignment it stores: one page only.
				in.MaxResults = nil
			}
			p := ssoadmin.NewListAccountAssignmentsPaginator(f.c, in)
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, out.AccountAssignments...)
			}
			return all
		}
		as := listed()
		wantN := 1
		if tg.moto {
			// moto differs from AWS: a duplicate assignment is stored twice.
			wantN = 2
		}
		if len(as) != wantN || aws.ToString(as[0].PrincipalId) != user || as[0].PrincipalType != ssotypes.PrincipalTypeUser {
			t.Fatalf("assignments = %+v, want %d", as, wantN)
		}
		forP, err := f.c.ListAccountAssignmentsForPrincipal(ctx, &ssoadmin.ListAccountAssignmentsForPrincipalInput{InstanceArn: f.inst,
			PrincipalId: aws.String(user), PrincipalType: ssotypes.PrincipalTypeUser, Filter: &ssotypes.ListAccountAssignmentsFilter{AccountId: aws.String(account)}})
		if err != nil || len(forP.AccountAssignments) != wantN || aws.ToString(forP.AccountAssignments[0].PermissionSetArn) != aws.ToString(ps) {
			t.Fatalf("assignments for principal = %+v, %v", forP, err)
		}
		other, err := f.c.ListAccountAssignmentsForPrincipal(ctx, &ssoadmin.ListAccountAssignmentsForPrincipalInput{InstanceArn: f.inst,
			PrincipalId: aws.String(user), PrincipalType: ssotypes.PrincipalTypeUser, Filter: &ssotypes.ListAccountAssignmentsFilter{AccountId: aws.String("333333333333")}})
		if err != nil || len(other.AccountAssignments) != 0 {
			t.Fatalf("assignments in another account = %+v, %v", other, err)
		}

		_, err = f.c.DeletePermissionSet(ctx, &ssoadmin.DeletePermissionSetInput{InstanceArn: f.inst, PermissionSetArn: ps})
		if tg.moto {
			// moto differs from AWS: it deletes a permission set that still has assignments.
			if err != nil {
				t.Fatalf("moto delete assigned permission set: %v", err)
			}
			return
		}
		wantCode(t, err, "ConflictException")

		del, err := f.c.DeleteAccountAssignment(ctx, &ssoadmin.DeleteAccountAssignmentInput{InstanceArn: f.inst, PermissionSetArn: ps,
			TargetId: aws.String(account), TargetType: ssotypes.TargetTypeAwsAccount, PrincipalType: ssotypes.PrincipalTypeUser, PrincipalId: aws.String(user)})
		if err != nil {
			t.Fatal(err)
		}
		if done := waitAssignment(t, f, del.AccountAssignmentDeletionStatus.RequestId, true); done.Status != ssotypes.StatusValuesSucceeded {
			t.Fatalf("deletion finished %s", done.Status)
		}
		if as := listed(); len(as) != 0 {
			t.Fatalf("assignments after delete = %+v", as)
		}
		if _, err := f.c.DeletePermissionSet(ctx, &ssoadmin.DeletePermissionSetInput{InstanceArn: f.inst, PermissionSetArn: ps}); err != nil {
			t.Fatal(err)
		}

		// Validation names the field.
		bad := assign()
		bad.TargetId = aws.String("12345")
		_, err = f.c.CreateAccountAssignment(ctx, bad)
		wantValidation(t, err, "'targetId'")
		bad = assign()
		bad.PrincipalId = aws.String("alice")
		_, err = f.c.CreateAccountAssignment(ctx, bad)
		wantValidation(t, err, "'principalId'")
	})
}

func TestConformanceSSOAdminProvisioning(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		f := newSSOFixture(t, tg.cfg)
		ps := f.createPS(t, "Provisioned")
		const account = "333333333333"
		out, err := f.c.ProvisionPermissionSet(ctx, &ssoadmin.ProvisionPermissionSetInput{InstanceArn: f.inst, PermissionSetArn: ps,
			TargetType: ssotypes.ProvisionTargetTypeAwsAccount, TargetId: aws.String(account)})
		if err != nil {
			t.Fatal(err)
		}
		st := out.PermissionSetProvisioningStatus
		if aws.ToString(st.PermissionSetArn) != aws.ToString(ps) || st.RequestId == nil {
			t.Fatalf("provisioning status = %+v", st)
		}
		if tg.moto {
			// moto differs from AWS: provisioning completes synchronously, always
			// into moto's own account whatever the target, and it does not
			// implement the provisioning status calls (HTTP 500).
			if st.Status != ssotypes.StatusValuesSucceeded {
				t.Fatalf("moto status = %s", st.Status)
			}
			accts, err := f.c.ListAccountsForProvisionedPermissionSet(ctx, &ssoadmin.ListAccountsForProvisionedPermissionSetInput{InstanceArn: f.inst, PermissionSetArn: ps})
			if err != nil || len(accts.AccountIds) != 1 || accts.AccountIds[0] == account {
				t.Fatalf("moto accounts = %+v, %v", accts, err)
			}
			return
		}
		if st.Status != ssotypes.StatusValuesInProgress || aws.ToString(st.AccountId) != account {
			t.Fatalf("status = %+v, want IN_PROGRESS for %s", st, account)
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			d, err := f.c.DescribePermissionSetProvisioningStatus(ctx, &ssoadmin.DescribePermissionSetProvisioningStatusInput{
				InstanceArn: f.inst, ProvisionPermissionSetRequestId: st.RequestId})
			if err != nil {
				t.Fatal(err)
			}
			if d.PermissionSetProvisioningStatus.Status == ssotypes.StatusValuesSucceeded {
				break
			}
			if d.PermissionSetProvisioningStatus.Status == ssotypes.StatusValuesFailed || time.Now().After(deadline) {
				t.Fatalf("provisioning = %+v", d.PermissionSetProvisioningStatus)
			}
			time.Sleep(10 * time.Millisecond)
		}
		accts, err := f.c.ListAccountsForProvisionedPermissionSet(ctx, &ssoadmin.ListAccountsForProvisionedPermissionSetInput{InstanceArn: f.inst, PermissionSetArn: ps})
		if err != nil || !slices.Equal(accts.AccountIds, []string{account}) {
			t.Fatalf("accounts = %+v, %v", accts, err)
		}
		sets, err := f.c.ListPermissionSetsProvisionedToAccount(ctx, &ssoadmin.ListPermissionSetsProvisionedToAccountInput{InstanceArn: f.inst, AccountId: aws.String(account)})
		if err != nil || !slices.Equal(sets.PermissionSets, []string{aws.ToString(ps)}) {
			t.Fatalf("provisioned to account = %+v, %v", sets, err)
		}
		statuses, err := f.c.ListPermissionSetProvisioningStatus(ctx, &ssoadmin.ListPermissionSetProvisioningStatusInput{InstanceArn: f.inst,
			Filter: &ssotypes.OperationStatusFilter{Status: ssotypes.StatusValuesSucceeded}})
		if err != nil || len(statuses.PermissionSetsProvisioningStatus) != 1 {
			t.Fatalf("provisioning statuses = %+v, %v", statuses, err)
		}
		_, err = f.c.ProvisionPermissionSet(ctx, &ssoadmin.ProvisionPermissionSetInput{InstanceArn: f.inst, PermissionSetArn: ps,
			TargetType: ssotypes.ProvisionTargetTypeAwsAccount})
		wantValidation(t, err, "'targetId'")
	})
}

// ssoSandbox starts a sandbox on a fake clock with seeded users.
func ssoSandbox(t *testing.T, users ...string) (*Server, ssoFixture, *fakeClock, []string) {
	t.Helper()
	clock := newFakeClock()
	seed := DefaultSeed()
	for _, u := range users {
		seed.Users = append(seed.Users, SeedUser{UserName: u, GivenName: u, FamilyName: "Test"})
	}
	srv, url := startSandbox(t, Options{Seed: seed, Now: clock.Now, AssignmentDelay: time.Minute})
	var ids []string
	srv.withWorld(func(w *World, _ time.Time) {
		for _, u := range users {
			ids = append(ids, w.userByName(u).ID)
		}
	})
	return srv, newSSOFixture(t, sdkConfig(t, url)), clock, ids
}

func (f ssoFixture) assign(t *testing.T, ps *string, account, user string) *ssotypes.AccountAssignmentOperationStatus {
	t.Helper()
	out, err := f.c.CreateAccountAssignment(context.Background(), &ssoadmin.CreateAccountAssignmentInput{InstanceArn: f.inst, PermissionSetArn: ps,
		TargetId: aws.String(account), TargetType: ssotypes.TargetTypeAwsAccount, PrincipalType: ssotypes.PrincipalTypeUser, PrincipalId: aws.String(user)})
	if err != nil {
		t.Fatalf("CreateAccountAssignment %s %s: %v", account, user, err)
	}
	return out.AccountAssignmentCreationStatus
}

func (f ssoFixture) creationStatus(t *testing.T, id *string) *ssotypes.AccountAssignmentOperationStatus {
	t.Helper()
	out, err := f.c.DescribeAccountAssignmentCreationStatus(context.Background(), &ssoadmin.DescribeAccountAssignmentCreationStatusInput{
		InstanceArn: f.inst, AccountAssignmentCreationRequestId: id})
	if err != nil {
		t.Fatal(err)
	}
	return out.AccountAssignmentCreationStatus
}

func TestSSOAdminAssignmentLifecycleAndRoles(t *testing.T) {
	ctx := context.Background()
	srv, f, clock, users := ssoSandbox(t, "alice")
	ps := f.createPS(t, "Developer")
	st := f.assign(t, ps, "222222222222", users[0])

	if got := f.creationStatus(t, st.RequestId); got.Status != ssotypes.StatusValuesInProgress {
		t.Fatalf("status before the delay = %s", got.Status)
	}
	as, err := f.c.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: f.inst, AccountId: aws.String("222222222222"), PermissionSetArn: ps})
	if err != nil || len(as.AccountAssignments) != 0 {
		t.Fatalf("assignment listed while IN_PROGRESS: %+v, %v", as, err)
	}
	inProgress, err := f.c.ListAccountAssignmentCreationStatus(ctx, &ssoadmin.ListAccountAssignmentCreationStatusInput{InstanceArn: f.inst,
		Filter: &ssotypes.OperationStatusFilter{Status: ssotypes.StatusValuesInProgress}})
	if err != nil || len(inProgress.AccountAssignmentsCreationStatus) != 1 {
		t.Fatalf("in-progress creations = %+v, %v", inProgress, err)
	}

	clock.Add(time.Minute)
	if got := f.creationStatus(t, st.RequestId); got.Status != ssotypes.StatusValuesSucceeded || got.FailureReason != nil {
		t.Fatalf("status after the delay = %+v", got)
	}
	as, err = f.c.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: f.inst, AccountId: aws.String("222222222222"), PermissionSetArn: ps})
	if err != nil || len(as.AccountAssignments) != 1 {
		t.Fatalf("assignments = %+v, %v", as, err)
	}

	// The assignment provisioned the permission set: its role is in the account.
	var roleName, rolePath string
	srv.withWorld(func(w *World, _ time.Time) {
		p := w.permissionSet(aws.ToString(ps))
		for _, r := range w.iamAccount("222222222222").Roles {
			if strings.HasPrefix(r.Name, "AWSReservedSSO_") {
				roleName, rolePath = r.Name, r.Path
			}
		}
		if len(p.RoleSuffix) != 16 || roleName != "AWSReservedSSO_Developer_"+p.RoleSuffix {
			t.Errorf("role %q, suffix %q", roleName, p.RoleSuffix)
		}
	})
	if rolePath != "/aws-reserved/sso.amazonaws.com/" {
		t.Fatalf("role path = %q", rolePath)
	}
	sets, err := f.c.ListPermissionSetsProvisionedToAccount(ctx, &ssoadmin.ListPermissionSetsProvisionedToAccountInput{InstanceArn: f.inst, AccountId: aws.String("222222222222")})
	if err != nil || !slices.Equal(sets.PermissionSets, []string{aws.ToString(ps)}) {
		t.Fatalf("provisioned = %+v, %v", sets, err)
	}

	// Deleting an assignment is asynchronous too; it leaves the role.
	del, err := f.c.DeleteAccountAssignment(ctx, &ssoadmin.DeleteAccountAssignmentInput{InstanceArn: f.inst, PermissionSetArn: ps,
		TargetId: aws.String("222222222222"), TargetType: ssotypes.TargetTypeAwsAccount, PrincipalType: ssotypes.PrincipalTypeUser, PrincipalId: aws.String(users[0])})
	if err != nil || del.AccountAssignmentDeletionStatus.Status != ssotypes.StatusValuesInProgress {
		t.Fatalf("DeleteAccountAssignment = %+v, %v", del, err)
	}
	_, err = f.c.DeletePermissionSet(ctx, &ssoadmin.DeletePermissionSetInput{InstanceArn: f.inst, PermissionSetArn: ps})
	wantCode(t, err, "ConflictException")
	clock.Add(time.Minute)
	if _, err := f.c.DeletePermissionSet(ctx, &ssoadmin.DeletePermissionSetInput{InstanceArn: f.inst, PermissionSetArn: ps}); err != nil {
		t.Fatal(err)
	}
	srv.withWorld(func(w *World, _ time.Time) {
		for _, r := range w.iamAccount("222222222222").Roles {
			if r.Name == roleName {
				t.Errorf("role %s survived DeletePermissionSet", roleName)
			}
		}
	})
}

func TestSSOAdminAssignmentFailures(t *testing.T) {
	_, f, clock, users := ssoSandbox(t, "alice")
	ps := f.createPS(t, "Developer")
	unknownAccount := f.assign(t, ps, "999999999999", users[0])
	unknownUser := f.assign(t, ps, "222222222222", "1111111111-00000000-0000-4000-8000-000000000000")
	clock.Add(time.Minute)
	for _, c := range []struct {
		id   *string
		want string
	}{{unknownAccount.RequestId, "999999999999"}, {unknownUser.RequestId, "does not exist"}} {
		got := f.creationStatus(t, c.id)
		if got.Status != ssotypes.StatusValuesFailed || !strings.Contains(aws.ToString(got.FailureReason), c.want) {
			t.Fatalf("status = %s, reason %q; want FAILED mentioning %q", got.Status, aws.ToString(got.FailureReason), c.want)
		}
	}
	out, err := f.c.ListAccountAssignmentsForPrincipal(context.Background(), &ssoadmin.ListAccountAssignmentsForPrincipalInput{InstanceArn: f.inst,
		PrincipalId: aws.String(users[0]), PrincipalType: ssotypes.PrincipalTypeUser})
	if err != nil || len(out.AccountAssignments) != 0 {
		t.Fatalf("failed assignment listed: %+v, %v", out, err)
	}

	prov, err := f.c.ProvisionPermissionSet(context.Background(), &ssoadmin.ProvisionPermissionSetInput{InstanceArn: f.inst, PermissionSetArn: ps,
		TargetType: ssotypes.ProvisionTargetTypeAwsAccount, TargetId: aws.String("999999999999")})
	if err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Minute)
	d, err := f.c.DescribePermissionSetProvisioningStatus(context.Background(), &ssoadmin.DescribePermissionSetProvisioningStatusInput{InstanceArn: f.inst,
		ProvisionPermissionSetRequestId: prov.PermissionSetProvisioningStatus.RequestId})
	if err != nil || d.PermissionSetProvisioningStatus.Status != ssotypes.StatusValuesFailed || d.PermissionSetProvisioningStatus.FailureReason == nil {
		t.Fatalf("provisioning to an unknown account = %+v, %v", d, err)
	}
}

func TestSSOAdminOutstandingCreationLimit(t *testing.T) {
	names := make([]string, 16)
	for i := range names {
		names[i] = fmt.Sprintf("user%02d", i)
	}
	_, f, clock, users := ssoSandbox(t, names...)
	ps := f.createPS(t, "Developer")
	for _, u := range users[:15] {
		f.assign(t, ps, "222222222222", u)
	}
	_, err := f.c.CreateAccountAssignment(context.Background(), &ssoadmin.CreateAccountAssignmentInput{InstanceArn: f.inst, PermissionSetArn: ps,
		TargetId: aws.String("222222222222"), TargetType: ssotypes.TargetTypeAwsAccount, PrincipalType: ssotypes.PrincipalTypeUser, PrincipalId: aws.String(users[15])})
	wantCode(t, err, "ConflictException")
	clock.Add(time.Minute)
	if st := f.assign(t, ps, "222222222222", users[15]); st.Status != ssotypes.StatusValuesInProgress {
		t.Fatalf("16th after the others finished = %+v", st)
	}
}

func TestSSOAdminOutdatedUntilProvisioned(t *testing.T) {
	ctx := context.Background()
	_, f, clock, users := ssoSandbox(t, "alice")
	ps := f.createPS(t, "Developer")
	f.assign(t, ps, "222222222222", users[0])
	f.assign(t, ps, "333333333333", users[0])
	clock.Add(time.Minute)

	listFor := func(account string, status ssotypes.ProvisioningStatus) []string {
		t.Helper()
		out, err := f.c.ListPermissionSetsProvisionedToAccount(ctx, &ssoadmin.ListPermissionSetsProvisionedToAccountInput{InstanceArn: f.inst,
			AccountId: aws.String(account), ProvisioningStatus: status})
		if err != nil {
			t.Fatal(err)
		}
		return out.PermissionSets
	}
	accountsWith := func(status ssotypes.ProvisioningStatus) []string {
		t.Helper()
		var all []string
		p := ssoadmin.NewListAccountsForProvisionedPermissionSetPaginator(f.c, &ssoadmin.ListAccountsForProvisionedPermissionSetInput{InstanceArn: f.inst,
			PermissionSetArn: ps, ProvisioningStatus: status, MaxResults: aws.Int32(1)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, out.AccountIds...)
		}
		return all
	}
	if got := accountsWith(ssotypes.ProvisioningStatusLatestPermissionSetNotProvisioned); len(got) != 0 {
		t.Fatalf("outdated before any change: %v", got)
	}
	if _, err := f.c.UpdatePermissionSet(ctx, &ssoadmin.UpdatePermissionSetInput{InstanceArn: f.inst, PermissionSetArn: ps, SessionDuration: aws.String("PT4H")}); err != nil {
		t.Fatal(err)
	}
	if got := accountsWith(ssotypes.ProvisioningStatusLatestPermissionSetNotProvisioned); !slices.Equal(got, []string{"222222222222", "333333333333"}) {
		t.Fatalf("outdated accounts after update = %v", got)
	}
	if got := listFor("222222222222", ssotypes.ProvisioningStatusLatestPermissionSetProvisioned); len(got) != 0 {
		t.Fatalf("current in 222222222222 after update: %v", got)
	}

	out, err := f.c.ProvisionPermissionSet(ctx, &ssoadmin.ProvisionPermissionSetInput{InstanceArn: f.inst, PermissionSetArn: ps,
		TargetType: ssotypes.ProvisionTargetTypeAllProvisionedAccounts})
	if err != nil || out.PermissionSetProvisioningStatus.Status != ssotypes.StatusValuesInProgress {
		t.Fatalf("ProvisionPermissionSet = %+v, %v", out, err)
	}
	if got := accountsWith(ssotypes.ProvisioningStatusLatestPermissionSetNotProvisioned); len(got) != 2 {
		t.Fatalf("outdated while provisioning = %v", got)
	}
	clock.Add(time.Minute)
	if got := accountsWith(ssotypes.ProvisioningStatusLatestPermissionSetNotProvisioned); len(got) != 0 {
		t.Fatalf("outdated after provisioning = %v", got)
	}
	if got := listFor("333333333333", ssotypes.ProvisioningStatusLatestPermissionSetProvisioned); !slices.Equal(got, []string{aws.ToString(ps)}) {
		t.Fatalf("current in 333333333333 = %v", got)
	}
	d, err := f.c.DescribePermissionSetProvisioningStatus(ctx, &ssoadmin.DescribePermissionSetProvisioningStatusInput{InstanceArn: f.inst,
		ProvisionPermissionSetRequestId: out.PermissionSetProvisioningStatus.RequestId})
	if err != nil || d.PermissionSetProvisioningStatus.Status != ssotypes.StatusValuesSucceeded {
		t.Fatalf("provisioning status = %+v, %v", d, err)
	}
}

func TestSSOAdminValidation(t *testing.T) {
	ctx := context.Background()
	_, f, _, _ := ssoSandbox(t)
	ps := f.createPS(t, "Valid")
	create := func(mod func(*ssoadmin.CreatePermissionSetInput)) error {
		in := &ssoadmin.CreatePermissionSetInput{InstanceArn: f.inst, Name: aws.String("X"), SessionDuration: aws.String("PT1H")}
		mod(in)
		_, err := f.c.CreatePermissionSet(ctx, in)
		return err
	}
	for _, c := range []struct {
		name  string
		mod   func(*ssoadmin.CreatePermissionSetInput)
		field string
	}{
		{"long name", func(in *ssoadmin.CreatePermissionSetInput) { in.Name = aws.String(strings.Repeat("a", 33)) }, "'name'"},
		{"bad duration", func(in *ssoadmin.CreatePermissionSetInput) { in.SessionDuration = aws.String("1 hour") }, "'sessionDuration'"},
		{"duration over 12h", func(in *ssoadmin.CreatePermissionSetInput) { in.SessionDuration = aws.String("PT13H") }, "PT12H"},
		{"duration under 1h", func(in *ssoadmin.CreatePermissionSetInput) { in.SessionDuration = aws.String("PT30M") }, "PT1H"},
		{"long relay state", func(in *ssoadmin.CreatePermissionSetInput) { in.RelayState = aws.String(strings.Repeat("a", 241)) }, "'relayState'"},
		{"long description", func(in *ssoadmin.CreatePermissionSetInput) { in.Description = aws.String(strings.Repeat("a", 701)) }, "'description'"},
		{"malformed instance", func(in *ssoadmin.CreatePermissionSetInput) {
			in.InstanceArn = aws.String("arn:aws:sso:::instance/nope")
		}, "'instanceArn'"},
		{"reserved tag", func(in *ssoadmin.CreatePermissionSetInput) {
			in.Tags = []ssotypes.Tag{{Key: aws.String("aws:x"), Value: aws.String("v")}}
		}, "aws:"},
	} {
		t.Run(c.name, func(t *testing.T) { wantValidation(t, create(c.mod), c.field) })
	}
	if err := create(func(in *ssoadmin.CreatePermissionSetInput) { in.SessionDuration = aws.String("PT90M") }); err != nil {
		t.Fatalf("PT90M: %v", err)
	}
	err := create(func(in *ssoadmin.CreatePermissionSetInput) {
		in.InstanceArn = aws.String("arn:aws:sso:::instance/ssoins-9999999999999999")
	})
	wantCode(t, err, "ResourceNotFoundException")

	_, err = f.c.UpdatePermissionSet(ctx, &ssoadmin.UpdatePermissionSetInput{InstanceArn: f.inst, PermissionSetArn: ps, SessionDuration: aws.String("PT0H")})
	wantValidation(t, err, "PT1H")
	_, err = f.c.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: f.inst, PermissionSetArn: aws.String("arn:aws:sso:::permissionSet/x")})
	wantValidation(t, err, "'permissionSetArn'")
	_, err = f.c.AttachManagedPolicyToPermissionSet(ctx, &ssoadmin.AttachManagedPolicyToPermissionSetInput{InstanceArn: f.inst, PermissionSetArn: ps,
		ManagedPolicyArn: aws.String("arn:aws:iam::123456789012:policy/Mine")})
	wantValidation(t, err, "'managedPolicyArn'")
	_, err = f.c.AttachCustomerManagedPolicyReferenceToPermissionSet(ctx, &ssoadmin.AttachCustomerManagedPolicyReferenceToPermissionSetInput{InstanceArn: f.inst,
		PermissionSetArn: ps, CustomerManagedPolicyReference: &ssotypes.CustomerManagedPolicyReference{Name: aws.String("P"), Path: aws.String("no-slash")}})
	wantValidation(t, err, "'customerManagedPolicyReference.path'")
	_, err = f.c.PutInlinePolicyToPermissionSet(ctx, &ssoadmin.PutInlinePolicyToPermissionSetInput{InstanceArn: f.inst, PermissionSetArn: ps,
		InlinePolicy: aws.String(`{"Statement":[` + strings.Repeat(" ", 32768) + `]}`)})
	wantValidation(t, err, "'inlinePolicy'")
	_, err = f.c.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: f.inst, MaxResults: aws.Int32(101)})
	wantValidation(t, err, "'maxResults'")
	_, err = f.c.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: f.inst, NextToken: aws.String("garbage")})
	wantCode(t, err, "ValidationException")
	_, err = f.c.ListPermissionSetsProvisionedToAccount(ctx, &ssoadmin.ListPermissionSetsProvisionedToAccountInput{InstanceArn: f.inst,
		AccountId: aws.String("222222222222"), ProvisioningStatus: "SOMETIMES"})
	wantValidation(t, err, "'provisioningStatus'")
	_, err = f.c.DescribeAccountAssignmentCreationStatus(ctx, &ssoadmin.DescribeAccountAssignmentCreationStatusInput{InstanceArn: f.inst,
		AccountAssignmentCreationRequestId: aws.String("not-a-uuid")})
	wantValidation(t, err, "'accountAssignmentCreationRequestId'")
}

func TestSSOAdminMalformedRequests(t *testing.T) {
	_, url := startSandbox(t, Options{})
	for _, body := range []string{
		`{"InstanceArn":`,
		`{"InstanceArn":42}`,
		`{"InstanceArn":"arn:aws:sso:::instance/ssoins-1111111111111111","Tags":[{"Key":null}],"Name":"A"}`,
		`{"InstanceArn":"arn:aws:sso:::instance/ssoins-1111111111111111","PermissionsBoundary":"x"}`,
		`[]`,
	} {
		for _, target := range []string{"CreatePermissionSet", "PutPermissionsBoundaryToPermissionSet", "ListAccountAssignmentsForPrincipal"} {
			req, err := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Amz-Target", "SWBExternalService."+target)
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode < 400 || resp.StatusCode >= 500 || !strings.Contains(string(b), `"__type"`) {
				t.Errorf("%s %s: HTTP %d %s, want a 4xx AWS error", target, body, resp.StatusCode, b)
			}
		}
	}
}
