package sandbox

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// orgStart gives the scenario an organization (moto starts without one)
// and returns its management account and root.
func orgStart(t *testing.T, tg *target, org *organizations.Client) (mgmt, root string) {
	t.Helper()
	ctx := context.Background()
	if tg.moto {
		if _, err := org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}); err != nil {
			t.Fatal(err)
		}
	}
	d, err := org.DescribeOrganization(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	roots, err := org.ListRoots(ctx, nil)
	if err != nil || len(roots.Roots) != 1 {
		t.Fatalf("ListRoots = %+v, %v", roots, err)
	}
	return aws.ToString(d.Organization.MasterAccountId), aws.ToString(roots.Roots[0].Id)
}

// wantReason checks an Organizations error's code and Reason member.
func wantReason(t *testing.T, err error, code, reason string) {
	t.Helper()
	wantCode(t, err, code)
	var got string
	var cv *orgtypes.ConstraintViolationException
	var ii *orgtypes.InvalidInputException
	switch {
	case errors.As(err, &cv):
		got = string(cv.Reason)
	case errors.As(err, &ii):
		got = string(ii.Reason)
	}
	if got != reason {
		t.Fatalf("reason = %q (err %v), want %q", got, err, reason)
	}
}

// createAccount creates an account and waits for the request to finish.
func createAccount(t *testing.T, org *organizations.Client, in *organizations.CreateAccountInput) *orgtypes.CreateAccountStatus {
	t.Helper()
	ctx := context.Background()
	out, err := org.CreateAccount(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	st := out.CreateAccountStatus
	if !strings.HasPrefix(aws.ToString(st.Id), "car-") || aws.ToString(st.AccountName) != aws.ToString(in.AccountName) {
		t.Fatalf("CreateAccount = %+v", st)
	}
	for deadline := time.Now().Add(5 * time.Second); st.State == orgtypes.CreateAccountStateInProgress; {
		if time.Now().After(deadline) {
			t.Fatalf("account creation %s still IN_PROGRESS", aws.ToString(st.Id))
		}
		time.Sleep(20 * time.Millisecond)
		d, err := org.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: st.Id})
		if err != nil {
			t.Fatal(err)
		}
		st = d.CreateAccountStatus
	}
	return st
}

func TestConformanceOrganizationsCreateAccount(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		org := organizations.NewFromConfig(tg.cfg)
		_, root := orgStart(t, tg, org)

		out, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String("sandbox-one"), Email: aws.String("one@example.com"),
			Tags: []orgtypes.Tag{{Key: aws.String("env"), Value: aws.String("test")}}})
		if err != nil {
			t.Fatal(err)
		}
		// AWS answers at once with IN_PROGRESS and finishes later
		// (API_CreateAccount: "an asynchronous request"); moto finishes
		// before it answers.
		if want := orgtypes.CreateAccountStateInProgress; !tg.moto && out.CreateAccountStatus.State != want {
			t.Fatalf("CreateAccount state = %s, want %s", out.CreateAccountStatus.State, want)
		}
		if !tg.moto && out.CreateAccountStatus.AccountId != nil {
			t.Fatalf("account id %s given before the account exists", aws.ToString(out.CreateAccountStatus.AccountId))
		}
		if !tg.moto {
			pending, err := org.ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{States: []orgtypes.CreateAccountState{orgtypes.CreateAccountStateInProgress}})
			if err != nil || len(pending.CreateAccountStatuses) != 1 {
				t.Fatalf("in-progress requests = %+v, %v", pending, err)
			}
		}
		st := createAccount(t, org, &organizations.CreateAccountInput{AccountName: aws.String("sandbox-two"), Email: aws.String("two@example.com")})
		if st.State != orgtypes.CreateAccountStateSucceeded || len(aws.ToString(st.AccountId)) != 12 || st.CompletedTimestamp == nil {
			t.Fatalf("finished request = %+v", st)
		}
		id := aws.ToString(st.AccountId)
		acct, err := org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: st.AccountId})
		if err != nil || aws.ToString(acct.Account.Email) != "two@example.com" || acct.Account.JoinedMethod != orgtypes.AccountJoinedMethodCreated || acct.Account.Status != orgtypes.AccountStatusActive {
			t.Fatalf("DescribeAccount(new) = %+v, %v", acct, err)
		}
		parents, err := org.ListParents(ctx, &organizations.ListParentsInput{ChildId: st.AccountId})
		if err != nil || aws.ToString(parents.Parents[0].Id) != root {
			t.Fatalf("new account's parent = %+v, %v (root %s)", parents, err, root)
		}

		done, err := org.ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{States: []orgtypes.CreateAccountState{orgtypes.CreateAccountStateSucceeded}})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(done.CreateAccountStatuses, func(s orgtypes.CreateAccountStatus) bool { return aws.ToString(s.AccountId) == id }) {
			t.Fatalf("succeeded requests %+v lack %s", done.CreateAccountStatuses, id)
		}
		// The first request's tags are the account's.
		first, _ := org.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: out.CreateAccountStatus.Id})
		tags, err := org.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: first.CreateAccountStatus.AccountId})
		if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "env" {
			t.Fatalf("new account's tags = %+v, %v", tags, err)
		}

		// An email address that has an account already: AWS accepts the
		// request and fails it with EMAIL_ALREADY_EXISTS
		// (CreateAccountStatus.FailureReason); moto makes a second account.
		dup := createAccount(t, org, &organizations.CreateAccountInput{AccountName: aws.String("again"), Email: aws.String("two@example.com")})
		if tg.moto {
			if dup.State != orgtypes.CreateAccountStateSucceeded {
				t.Fatalf("moto on a taken email: %+v", dup)
			}
		} else if dup.State != orgtypes.CreateAccountStateFailed || dup.FailureReason != orgtypes.CreateAccountFailureReasonEmailAlreadyExists || dup.AccountId != nil {
			t.Fatalf("request with a taken email = %+v, want FAILED EMAIL_ALREADY_EXISTS", dup)
		}

		// A request id nobody made: AWS's CreateAccountStatusNotFoundException;
		// moto answers AccountNotFoundException.
		_, err = org.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: aws.String("car-0123456789abcdef0123456789abcdef")})
		if tg.moto {
			wantCode(t, err, "AccountNotFoundException")
		} else {
			wantCode(t, err, "CreateAccountStatusNotFoundException")
		}

		// Closing: PENDING_CLOSURE, then SUSPENDED (API_CloseAccount); moto
		// suspends at once. Closing again, or the management account, fails.
		if _, err := org.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
		closed, err := org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		want := orgtypes.AccountStatusPendingClosure
		if tg.moto {
			want = orgtypes.AccountStatusSuspended
		}
		if closed.Account.Status != want {
			t.Fatalf("closed account status = %s, want %s", closed.Account.Status, want)
		}
		_, err = org.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String(id)})
		wantCode(t, err, "AccountAlreadyClosedException")
		_, err = org.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String("999999999999")})
		wantCode(t, err, "AccountNotFoundException")
	})
}

func TestConformanceOrganizationsOUs(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		org := organizations.NewFromConfig(tg.cfg)
		mgmt, root := orgStart(t, tg, org)

		ou, err := org.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(root), Name: aws.String("Workloads"),
			Tags: []orgtypes.Tag{{Key: aws.String("owner"), Value: aws.String("platform")}}})
		if err != nil {
			t.Fatal(err)
		}
		wl := aws.ToString(ou.OrganizationalUnit.Id)
		if !ouIDPattern.MatchString(wl) || !strings.HasPrefix(wl, "ou-"+strings.TrimPrefix(root, "r-")+"-") || aws.ToString(ou.OrganizationalUnit.Name) != "Workloads" {
			t.Fatalf("CreateOrganizationalUnit = %+v", ou.OrganizationalUnit)
		}
		prod, err := org.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(wl), Name: aws.String("Prod")})
		if err != nil {
			t.Fatal(err)
		}
		prodID := aws.ToString(prod.OrganizationalUnit.Id)
		// A parent that does not exist: ParentNotFoundException
		// (API_CreateOrganizationalUnit); moto makes an orphan OU.
		if !tg.moto {
			_, err = org.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String("ou-zzzz-zzzzzzzz"), Name: aws.String("x")})
			wantCode(t, err, "ParentNotFoundException")
		}

		d, err := org.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: aws.String(prodID)})
		if err != nil || aws.ToString(d.OrganizationalUnit.Name) != "Prod" {
			t.Fatalf("DescribeOrganizationalUnit = %+v, %v", d, err)
		}
		_, err = org.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: aws.String("ou-zzzz-zzzzzzzz")})
		wantCode(t, err, "OrganizationalUnitNotFoundException")
		up, err := org.UpdateOrganizationalUnit(ctx, &organizations.UpdateOrganizationalUnitInput{OrganizationalUnitId: aws.String(prodID), Name: aws.String("Production")})
		if err != nil || aws.ToString(up.OrganizationalUnit.Name) != "Production" {
			t.Fatalf("UpdateOrganizationalUnit = %+v, %v", up, err)
		}
		// A sibling's name is taken.
		// A sibling's name is taken (DuplicateOrganizationalUnitException,
		// API_CreateOrganizationalUnit); moto checks names only on update.
		dupOU, err := org.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(wl), Name: aws.String("Production")})
		if tg.moto {
			if err != nil {
				t.Fatalf("moto refused a second OU of a name: %v", err)
			}
			if _, err := org.DeleteOrganizationalUnit(ctx, &organizations.DeleteOrganizationalUnitInput{OrganizationalUnitId: dupOU.OrganizationalUnit.Id}); err != nil {
				t.Fatal(err)
			}
		} else {
			wantCode(t, err, "DuplicateOrganizationalUnitException")
		}
		tags, err := org.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: aws.String(wl)})
		if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Value) != "platform" {
			t.Fatalf("OU tags = %+v, %v", tags, err)
		}

		kids, err := org.ListChildren(ctx, &organizations.ListChildrenInput{ParentId: aws.String(root), ChildType: orgtypes.ChildTypeOrganizationalUnit})
		if err != nil || len(kids.Children) != 1 || aws.ToString(kids.Children[0].Id) != wl || kids.Children[0].Type != orgtypes.ChildTypeOrganizationalUnit {
			t.Fatalf("ListChildren(root, OU) = %+v, %v", kids, err)
		}

		// Move an account into Production and back.
		acct := mgmt
		if !tg.moto {
			acct = "222222222222"
		}
		_, err = org.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(acct), SourceParentId: aws.String(root), DestinationParentId: aws.String("ou-zzzz-zzzzzzzz")})
		if tg.moto {
			// MoveAccount's errors in AWS's model have no
			// ParentNotFoundException: it names the destination.
			wantCode(t, err, "ParentNotFoundException")
		} else {
			wantCode(t, err, "DestinationParentNotFoundException")
		}
		if _, err := org.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(acct), SourceParentId: aws.String(root), DestinationParentId: aws.String(prodID)}); err != nil {
			t.Fatal(err)
		}
		in, err := org.ListChildren(ctx, &organizations.ListChildrenInput{ParentId: aws.String(prodID), ChildType: orgtypes.ChildTypeAccount})
		if err != nil || len(in.Children) != 1 || aws.ToString(in.Children[0].Id) != acct {
			t.Fatalf("ListChildren(Production, ACCOUNT) = %+v, %v", in, err)
		}
		parents, err := org.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(acct)})
		if err != nil || aws.ToString(parents.Parents[0].Id) != prodID || parents.Parents[0].Type != orgtypes.ParentTypeOrganizationalUnit {
			t.Fatalf("ListParents(moved) = %+v, %v", parents, err)
		}
		if !tg.moto {
			// AWS looks for the account in the source parent, and refuses a
			// move to where it is (API_MoveAccount: DuplicateAccountException);
			// moto moves whatever the source says.
			_, err = org.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(acct), SourceParentId: aws.String(root), DestinationParentId: aws.String(wl)})
			wantCode(t, err, "AccountNotFoundException")
			_, err = org.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(acct), SourceParentId: aws.String(prodID), DestinationParentId: aws.String(prodID)})
			wantCode(t, err, "DuplicateAccountException")
		}

		// An OU with an account in it is not deleted
		// (OrganizationalUnitNotEmptyException, API_DeleteOrganizationalUnit);
		// moto deletes it, orphaning the account.
		if !tg.moto {
			_, err = org.DeleteOrganizationalUnit(ctx, &organizations.DeleteOrganizationalUnitInput{OrganizationalUnitId: aws.String(prodID)})
			wantCode(t, err, "OrganizationalUnitNotEmptyException")
			_, err = org.DeleteOrganizationalUnit(ctx, &organizations.DeleteOrganizationalUnitInput{OrganizationalUnitId: aws.String(wl)})
			wantCode(t, err, "OrganizationalUnitNotEmptyException")
		}
		if _, err := org.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(acct), SourceParentId: aws.String(prodID), DestinationParentId: aws.String(root)}); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{prodID, wl} {
			if _, err := org.DeleteOrganizationalUnit(ctx, &organizations.DeleteOrganizationalUnitInput{OrganizationalUnitId: aws.String(id)}); err != nil {
				t.Fatalf("delete %s: %v", id, err)
			}
		}
		_, err = org.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: aws.String(wl)})
		wantCode(t, err, "OrganizationalUnitNotFoundException")
	})
}

func TestConformanceOrganizationsPolicies(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		org := organizations.NewFromConfig(tg.cfg)
		mgmt, root := orgStart(t, tg, org)
		scp := orgtypes.PolicyTypeServiceControlPolicy
		const deny = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}`

		p, err := org.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("no-leaving"), Description: aws.String("stay"), Type: scp, Content: aws.String(deny),
			Tags: []orgtypes.Tag{{Key: aws.String("team"), Value: aws.String("security")}}})
		if err != nil {
			t.Fatal(err)
		}
		id := p.Policy.PolicySummary.Id
		if !policyIDPattern.MatchString(aws.ToString(id)) || p.Policy.PolicySummary.AwsManaged || aws.ToString(p.Policy.Content) != deny {
			t.Fatalf("CreatePolicy = %+v", p.Policy)
		}
		_, err = org.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("no-leaving"), Description: aws.String(""), Type: scp, Content: aws.String(deny)})
		wantCode(t, err, "DuplicatePolicyException")

		// Documents AWS refuses, which moto stores: not JSON
		// (MalformedPolicyDocumentException) and over an SCP's 5,120
		// characters (ConstraintViolationException, AWS Organizations quotas).
		if !tg.moto {
			_, err = org.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("broken"), Description: aws.String(""), Type: scp, Content: aws.String(`{"Statement": [`)})
			wantCode(t, err, "MalformedPolicyDocumentException")
			big := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Sid":"` + strings.Repeat("x", 5100) + `"}]}`
			_, err = org.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("big"), Description: aws.String(""), Type: scp, Content: aws.String(big)})
			wantReason(t, err, "ConstraintViolationException", "POLICY_CONTENT_LIMIT_EXCEEDED")
		}

		// SCPs not enabled yet: AWS refuses to attach (AttachPolicy:
		// PolicyTypeNotEnabledException) and its roots list no types; moto
		// attaches and has FullAWSAccess attached from the start.
		roots, _ := org.ListRoots(ctx, nil)
		if len(roots.Roots[0].PolicyTypes) != 0 {
			t.Fatalf("root policy types before enabling = %+v", roots.Roots[0].PolicyTypes)
		}
		before, err := org.ListPoliciesForTarget(ctx, &organizations.ListPoliciesForTargetInput{TargetId: aws.String(root), Filter: scp})
		if err != nil {
			t.Fatal(err)
		}
		if tg.moto {
			if len(before.Policies) != 1 {
				t.Fatalf("moto's SCPs on the root before enabling = %+v", before.Policies)
			}
		} else {
			if len(before.Policies) != 0 {
				t.Fatalf("SCPs on the root before enabling = %+v", before.Policies)
			}
			_, err = org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: id, TargetId: aws.String(root)})
			wantCode(t, err, "PolicyTypeNotEnabledException")
		}
		en, err := org.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: aws.String(root), PolicyType: scp})
		if err != nil {
			t.Fatal(err)
		}
		if len(en.Root.PolicyTypes) != 1 || en.Root.PolicyTypes[0].Type != scp || en.Root.PolicyTypes[0].Status != orgtypes.PolicyTypeStatusEnabled {
			t.Fatalf("EnablePolicyType root = %+v", en.Root)
		}
		_, err = org.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: aws.String(root), PolicyType: scp})
		wantCode(t, err, "PolicyTypeAlreadyEnabledException")
		_, err = org.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: aws.String("r-zzzz"), PolicyType: scp})
		wantCode(t, err, "RootNotFoundException")

		// FullAWSAccess is on the root and the accounts.
		for _, target := range []string{root, mgmt} {
			on, err := org.ListPoliciesForTarget(ctx, &organizations.ListPoliciesForTargetInput{TargetId: aws.String(target), Filter: scp})
			if err != nil || len(on.Policies) != 1 || aws.ToString(on.Policies[0].Name) != "FullAWSAccess" || !on.Policies[0].AwsManaged {
				t.Fatalf("SCPs on %s = %+v, %v", target, on, err)
			}
		}
		all, err := org.ListPolicies(ctx, &organizations.ListPoliciesInput{Filter: scp})
		if err != nil || len(all.Policies) != 2 {
			t.Fatalf("ListPolicies(SCP) = %+v, %v", all, err)
		}

		ou, err := org.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(root), Name: aws.String("Sandbox")})
		if err != nil {
			t.Fatal(err)
		}
		ouID := ou.OrganizationalUnit.Id
		if _, err := org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: id, TargetId: ouID}); err != nil {
			t.Fatal(err)
		}
		// Attaching again: DuplicatePolicyAttachmentException (API_AttachPolicy);
		// moto accepts it and changes nothing.
		_, err = org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: id, TargetId: ouID})
		if tg.moto {
			if err != nil {
				t.Fatalf("moto refused a second attach: %v", err)
			}
		} else {
			wantCode(t, err, "DuplicatePolicyAttachmentException")
		}
		targets, err := org.ListTargetsForPolicy(ctx, &organizations.ListTargetsForPolicyInput{PolicyId: id})
		if err != nil || len(targets.Targets) != 1 || aws.ToString(targets.Targets[0].TargetId) != aws.ToString(ouID) ||
			targets.Targets[0].Type != orgtypes.TargetTypeOrganizationalUnit || aws.ToString(targets.Targets[0].Name) != "Sandbox" {
			t.Fatalf("ListTargetsForPolicy = %+v, %v", targets, err)
		}
		_, err = org.DeletePolicy(ctx, &organizations.DeletePolicyInput{PolicyId: id})
		wantCode(t, err, "PolicyInUseException")

		up, err := org.UpdatePolicy(ctx, &organizations.UpdatePolicyInput{PolicyId: id, Description: aws.String("members stay")})
		if err != nil || aws.ToString(up.Policy.PolicySummary.Description) != "members stay" || aws.ToString(up.Policy.Content) != deny {
			t.Fatalf("UpdatePolicy = %+v, %v", up, err)
		}
		if _, err := org.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: id, TargetId: ouID}); err != nil {
			t.Fatal(err)
		}
		// Detaching what is not attached: PolicyNotAttachedException
		// (API_DetachPolicy); moto accepts it.
		_, err = org.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: id, TargetId: ouID})
		if tg.moto {
			if err != nil {
				t.Fatalf("moto refused to detach what is not attached: %v", err)
			}
		} else {
			wantCode(t, err, "PolicyNotAttachedException")
			// Nor can a target lose its last SCP while SCPs are enabled
			// (MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED).
			_, err = org.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String("p-FullAWSAccess"), TargetId: ouID})
			wantReason(t, err, "ConstraintViolationException", "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED")
			_, err = org.DeletePolicy(ctx, &organizations.DeletePolicyInput{PolicyId: aws.String("p-FullAWSAccess")})
			wantReason(t, err, "InvalidInputException", "IMMUTABLE_POLICY")
		}
		if _, err := org.DeletePolicy(ctx, &organizations.DeletePolicyInput{PolicyId: id}); err != nil {
			t.Fatal(err)
		}
		_, err = org.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: id})
		wantCode(t, err, "PolicyNotFoundException")

		// Tag policies: a type of their own.
		tp, err := org.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("cost-center"), Description: aws.String(""), Type: orgtypes.PolicyTypeTagPolicy,
			Content: aws.String(`{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"}}}}`)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := org.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: aws.String(root), PolicyType: orgtypes.PolicyTypeTagPolicy}); err != nil {
			t.Fatal(err)
		}
		if _, err := org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: tp.Policy.PolicySummary.Id, TargetId: aws.String(root)}); err != nil {
			t.Fatal(err)
		}
		onRoot, err := org.ListPoliciesForTarget(ctx, &organizations.ListPoliciesForTargetInput{TargetId: aws.String(root), Filter: orgtypes.PolicyTypeTagPolicy})
		if err != nil || len(onRoot.Policies) != 1 || aws.ToString(onRoot.Policies[0].Name) != "cost-center" {
			t.Fatalf("tag policies on the root = %+v, %v", onRoot, err)
		}

		dis, err := org.DisablePolicyType(ctx, &organizations.DisablePolicyTypeInput{RootId: aws.String(root), PolicyType: orgtypes.PolicyTypeTagPolicy})
		if err != nil || len(dis.Root.PolicyTypes) != 1 || dis.Root.PolicyTypes[0].Type != scp {
			t.Fatalf("DisablePolicyType = %+v, %v", dis, err)
		}
		_, err = org.DisablePolicyType(ctx, &organizations.DisablePolicyTypeInput{RootId: aws.String(root), PolicyType: orgtypes.PolicyTypeTagPolicy})
		wantCode(t, err, "PolicyTypeNotEnabledException")
	})
}

func TestConformanceOrganizationsServiceAccessAndTags(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		org := organizations.NewFromConfig(tg.cfg)
		_, root := orgStart(t, tg, org)

		had, err := org.ListAWSServiceAccessForOrganization(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		// The sandbox's organization has Identity Center, which has trusted
		// access (sso.amazonaws.com), as on AWS; moto's new one has none.
		if want := 1; !tg.moto && len(had.EnabledServicePrincipals) != want {
			t.Fatalf("trusted services = %+v, want sso.amazonaws.com", had.EnabledServicePrincipals)
		}
		if _, err := org.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("config.amazonaws.com")}); err != nil {
			t.Fatal(err)
		}
		got, err := org.ListAWSServiceAccessForOrganization(ctx, nil)
		if err != nil || len(got.EnabledServicePrincipals) != len(had.EnabledServicePrincipals)+1 ||
			!slices.ContainsFunc(got.EnabledServicePrincipals, func(s orgtypes.EnabledServicePrincipal) bool {
				return aws.ToString(s.ServicePrincipal) == "config.amazonaws.com" && s.DateEnabled != nil
			}) {
			t.Fatalf("trusted services after enabling config = %+v, %v", got, err)
		}
		if _, err := org.DisableAWSServiceAccess(ctx, &organizations.DisableAWSServiceAccessInput{ServicePrincipal: aws.String("config.amazonaws.com")}); err != nil {
			t.Fatal(err)
		}
		_, err = org.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("not-a-service")})
		wantCode(t, err, "InvalidInputException")

		// Tags on the root.
		if _, err := org.TagResource(ctx, &organizations.TagResourceInput{ResourceId: aws.String(root), Tags: []orgtypes.Tag{
			{Key: aws.String("b"), Value: aws.String("2")}, {Key: aws.String("a"), Value: aws.String("1")}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := org.TagResource(ctx, &organizations.TagResourceInput{ResourceId: aws.String(root), Tags: []orgtypes.Tag{{Key: aws.String("a"), Value: aws.String("one")}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := org.UntagResource(ctx, &organizations.UntagResourceInput{ResourceId: aws.String(root), TagKeys: []string{"b"}}); err != nil {
			t.Fatal(err)
		}
		tags, err := org.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: aws.String(root)})
		if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "a" || aws.ToString(tags.Tags[0].Value) != "one" {
			t.Fatalf("root tags = %+v, %v", tags, err)
		}
		_, err = org.TagResource(ctx, &organizations.TagResourceInput{ResourceId: aws.String("999999999999"), Tags: []orgtypes.Tag{{Key: aws.String("a"), Value: aws.String("1")}}})
		wantCode(t, err, "TargetNotFoundException")
	})
}

// Only the management account manages the organization: a member
// account's role gets AccessDeniedException (as AWS: "This operation can be
// called only from the organization's management account"), and an
// account CreateAccount made can be entered through the role it made.
func TestOrganizationsManagementOnly(t *testing.T) {
	ctx := context.Background()
	_, url := startSandbox(t, Options{AssignmentDelay: -1})
	cfg := sdkConfig(t, url)
	org := organizations.NewFromConfig(cfg)
	st := createAccount(t, org, &organizations.CreateAccountInput{AccountName: aws.String("new"), Email: aws.String("new@example.com"), RoleName: aws.String("Admin")})
	if st.State != orgtypes.CreateAccountStateSucceeded {
		t.Fatalf("CreateAccount with no delay = %+v", st)
	}

	stsc := sts.NewFromConfig(cfg)
	for _, role := range []string{"arn:aws:iam::222222222222:role/OrganizationAccountAccessRole", "arn:aws:iam::" + aws.ToString(st.AccountId) + ":role/Admin"} {
		out, err := stsc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("member")})
		if err != nil {
			t.Fatalf("assume %s: %v", role, err)
		}
		member := cfg.Copy()
		c := out.Credentials
		member.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
		morg := organizations.NewFromConfig(member)
		_, err = morg.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(defaultRootID), Name: aws.String("x")})
		wantCode(t, err, "AccessDeniedException")
		_, err = morg.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String("x"), Email: aws.String("x@example.com")})
		wantCode(t, err, "AccessDeniedException")
	}

	// Once removed from the organization, the account is in none.
	if _, err := org.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: st.AccountId}); err != nil {
		t.Fatal(err)
	}
	out, err := stsc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + aws.ToString(st.AccountId) + ":role/Admin"), RoleSessionName: aws.String("gone")})
	if err != nil {
		t.Fatal(err)
	}
	gone := cfg.Copy()
	gone.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(out.Credentials.AccessKeyId), aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken))
	_, err = organizations.NewFromConfig(gone).ListPolicies(ctx, &organizations.ListPoliciesInput{Filter: orgtypes.PolicyTypeServiceControlPolicy})
	wantCode(t, err, "AWSOrganizationsNotInUseException")
}

// What the operations make is in /_sandbox/state and goes on reset.
func TestOrganizationsStateAndReset(t *testing.T) {
	ctx := context.Background()
	srv, url := startSandbox(t, Options{AssignmentDelay: -1})
	org := organizations.NewFromConfig(sdkConfig(t, url))
	st := createAccount(t, org, &organizations.CreateAccountInput{AccountName: aws.String("kept"), Email: aws.String("kept@example.com")})
	if _, err := org.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: aws.String(defaultRootID), PolicyType: orgtypes.PolicyTypeServiceControlPolicy}); err != nil {
		t.Fatal(err)
	}
	if _, err := org.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(defaultRootID), Name: aws.String("Kept")}); err != nil {
		t.Fatal(err)
	}
	var state struct {
		Organization struct {
			PolicyTypes []string `json:"policy_types"`
		} `json:"organization"`
		OUs      []OU                `json:"organizational_units"`
		Policies []OrgPolicy         `json:"organization_policies"`
		Requests []CreateAccountReq  `json:"create_account_requests"`
		IAM      map[string]struct{} `json:"iam"`
	}
	getJSON(t, url+"/_sandbox/state", &state)
	if len(state.Organization.PolicyTypes) != 1 || len(state.OUs) != 1 || len(state.Requests) != 1 || state.Requests[0].AccountID != aws.ToString(st.AccountId) {
		t.Fatalf("state = %+v", state)
	}
	if _, ok := state.IAM[aws.ToString(st.AccountId)]; !ok {
		t.Fatalf("state has no IAM for the new account %s", aws.ToString(st.AccountId))
	}
	full := state.Policies[slices.IndexFunc(state.Policies, func(p OrgPolicy) bool { return p.ID == "p-FullAWSAccess" })]
	if len(full.Targets) != 1+1+4 { // the root, the OU, three seeded accounts and the new one
		t.Fatalf("FullAWSAccess targets = %v", full.Targets)
	}
	if err := srv.Reset(); err != nil {
		t.Fatal(err)
	}
	_, err := org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: st.AccountId})
	wantCode(t, err, "AccountNotFoundException")
	roots, _ := org.ListRoots(ctx, nil)
	if len(roots.Roots[0].PolicyTypes) != 0 {
		t.Fatalf("policy types after reset = %+v", roots.Roots[0].PolicyTypes)
	}
}

// Enabling Identity Center gives it trusted access, as the console's
// "Enable" does in an organization.
func TestOrganizationsTrustedAccessFollowsIdentityCenter(t *testing.T) {
	ctx := context.Background()
	seed := DefaultSeed()
	off := false
	seed.IdentityCenter = &off
	_, url := startSandbox(t, Options{Seed: seed})
	org := organizations.NewFromConfig(sdkConfig(t, url))
	before, err := org.ListAWSServiceAccessForOrganization(ctx, nil)
	if err != nil || len(before.EnabledServicePrincipals) != 0 {
		t.Fatalf("trusted services without Identity Center = %+v, %v", before, err)
	}
	if code := postJSON(t, url+"/_sandbox/identity-center", `{"enabled": true}`, nil); code != 200 {
		t.Fatalf("enable Identity Center: %d", code)
	}
	after, err := org.ListAWSServiceAccessForOrganization(ctx, nil)
	if err != nil || len(after.EnabledServicePrincipals) != 1 || aws.ToString(after.EnabledServicePrincipals[0].ServicePrincipal) != "sso.amazonaws.com" {
		t.Fatalf("trusted services with Identity Center = %+v, %v", after, err)
	}
}

// Requests AWS refuses, with the code and Reason the model gives.
func TestOrganizationsRefusesWhatAWSRefuses(t *testing.T) {
	ctx := context.Background()
	_, url := startSandbox(t, Options{AssignmentDelay: -1})
	org := organizations.NewFromConfig(sdkConfig(t, url))
	tag := func(k, v string) []orgtypes.Tag { return []orgtypes.Tag{{Key: aws.String(k), Value: aws.String(v)}} }
	many := make([]orgtypes.Tag, 51)
	for i := range many {
		many[i] = orgtypes.Tag{Key: aws.String(fmt.Sprintf("k%d", i)), Value: aws.String("v")}
	}
	// Five levels of OUs below the root, the most AWS allows.
	parent := defaultRootID
	for i := range 5 {
		ou, err := org.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(parent), Name: aws.String(fmt.Sprintf("level%d", i+1))})
		if err != nil {
			t.Fatal(err)
		}
		parent = aws.ToString(ou.OrganizationalUnit.Id)
	}
	for _, tc := range []struct {
		name         string
		call         func() error
		code, reason string
	}{
		{"tag key aws:", func() error {
			_, err := org.TagResource(ctx, &organizations.TagResourceInput{ResourceId: aws.String("222222222222"), Tags: tag("aws:x", "v")})
			return err
		}, "InvalidInputException", "INVALID_SYSTEM_TAGS_PARAMETER"},
		{"tag key with a comma", func() error {
			_, err := org.TagResource(ctx, &organizations.TagResourceInput{ResourceId: aws.String("222222222222"), Tags: tag("a,b", "v")})
			return err
		}, "InvalidInputException", "INVALID_PATTERN"},
		{"51 tags", func() error {
			_, err := org.TagResource(ctx, &organizations.TagResourceInput{ResourceId: aws.String("222222222222"), Tags: many})
			return err
		}, "ConstraintViolationException", "MAX_TAG_LIMIT_EXCEEDED"},
		{"tag a made-up resource id", func() error {
			_, err := org.TagResource(ctx, &organizations.TagResourceInput{ResourceId: aws.String("i-123"), Tags: tag("a", "b")})
			return err
		}, "InvalidInputException", "INVALID_PATTERN"},
		{"sixth OU level", func() error {
			_, err := org.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(parent), Name: aws.String("level6")})
			return err
		}, "ConstraintViolationException", "OU_DEPTH_LIMIT_EXCEEDED"},
		{"OU name of 129", func() error {
			_, err := org.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(defaultRootID), Name: aws.String(strings.Repeat("n", 129))})
			return err
		}, "InvalidInputException", "MAX_LENGTH_EXCEEDED"},
		{"account email without a domain", func() error {
			_, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String("x"), Email: aws.String("nobody@home")})
			return err
		}, "InvalidInputException", "INVALID_PATTERN"},
		{"account role name with a space", func() error {
			_, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String("x"), Email: aws.String("x@example.com"), RoleName: aws.String("a b")})
			return err
		}, "InvalidInputException", "INVALID_ROLE_NAME"},
		{"unknown policy type", func() error {
			_, err := org.ListPolicies(ctx, &organizations.ListPoliciesInput{Filter: "NOT_A_POLICY"})
			return err
		}, "InvalidInputException", "INVALID_ENUM_POLICY_TYPE"},
		{"bad policy id", func() error {
			_, err := org.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: aws.String("policy-1")})
			return err
		}, "InvalidInputException", "INVALID_SYNTAX_POLICY_ID"},
		{"close the management account", func() error {
			_, err := org.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String(defaultManagementAccount)})
			return err
		}, "ConstraintViolationException", "CANNOT_CLOSE_MANAGEMENT_ACCOUNT"},
		{"unknown service principal", func() error {
			_, err := org.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("example.com")})
			return err
		}, "InvalidInputException", "UNRECOGNIZED_SERVICE_PRINCIPAL"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantReason(t, tc.call(), tc.code, tc.reason) })
	}
	_, err := org.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: aws.String(defaultManagementAccount)})
	wantCode(t, err, "MasterCannotLeaveOrganizationException")
	if _, err := org.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: aws.String("333333333333")}); err != nil {
		t.Fatal(err)
	}
	_, err = org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String("333333333333")})
	wantCode(t, err, "AccountNotFoundException")
}
