package sandbox

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/smithy-go"
)

// errorCode returns the AWS error code of err, or "" when it has none.
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := errorCode(err); got != code {
		t.Fatalf("error code = %q (err %v), want %q", got, err, code)
	}
}

// wantValidation checks for a ValidationException whose message names field.
func wantValidation(t *testing.T, err error, field string) {
	t.Helper()
	wantCode(t, err, "ValidationException")
	var ae smithy.APIError
	if errors.As(err, &ae) && !strings.Contains(ae.ErrorMessage(), field) {
		t.Fatalf("validation message %q does not name %s", ae.ErrorMessage(), field)
	}
}

func TestConformanceOrganizations(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		org := organizations.NewFromConfig(tg.cfg)

		if tg.moto {
			// moto starts without an organization; the sandbox's default world has one.
			if _, err := org.DescribeOrganization(ctx, nil); errorCode(err) != "AWSOrganizationsNotInUseException" {
				t.Fatalf("moto DescribeOrganization before create: %v", err)
			}
			if _, err := org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}); err != nil {
				t.Fatal(err)
			}
		}
		d, err := org.DescribeOrganization(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		mgmt := aws.ToString(d.Organization.MasterAccountId)
		if len(mgmt) != 12 || d.Organization.FeatureSet != orgtypes.OrganizationFeatureSetAll {
			t.Fatalf("organization = %+v", d.Organization)
		}
		_, err = org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{})
		wantCode(t, err, "AlreadyInOrganizationException")

		roots, err := org.ListRoots(ctx, &organizations.ListRootsInput{})
		if err != nil || len(roots.Roots) != 1 {
			t.Fatalf("ListRoots = %v, %v", roots, err)
		}
		rootID := aws.ToString(roots.Roots[0].Id)

		// Paging: every account exactly once across pages of 1.
		var ids []string
		p := organizations.NewListAccountsPaginator(org, &organizations.ListAccountsInput{MaxResults: aws.Int32(1)})
		pages := 0
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, a := range out.Accounts {
				ids = append(ids, aws.ToString(a.Id))
			}
		}
		if pages != len(ids) || !slices.Contains(ids, mgmt) {
			t.Fatalf("paged accounts %v in %d pages, want the management account %s, one per page", ids, pages, mgmt)
		}
		if !tg.moto && len(ids) != 3 {
			t.Fatalf("default world has %d accounts (%v), want 3", len(ids), ids)
		}

		acct, err := org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(mgmt)})
		if err != nil || aws.ToString(acct.Account.Id) != mgmt || acct.Account.JoinedTimestamp == nil {
			t.Fatalf("DescribeAccount = %+v, %v", acct, err)
		}
		_, err = org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String("999999999999")})
		wantCode(t, err, "AccountNotFoundException")

		parents, err := org.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(mgmt)})
		if err != nil || len(parents.Parents) != 1 || aws.ToString(parents.Parents[0].Id) != rootID || parents.Parents[0].Type != orgtypes.ParentTypeRoot {
			t.Fatalf("ListParents = %+v, %v", parents, err)
		}
		inRoot, err := org.ListAccountsForParent(ctx, &organizations.ListAccountsForParentInput{ParentId: aws.String(rootID)})
		if err != nil || len(inRoot.Accounts) == 0 {
			t.Fatalf("ListAccountsForParent(root) = %+v, %v", inRoot, err)
		}
		ous, err := org.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(rootID)})
		if err != nil {
			t.Fatal(err)
		}
		if len(ous.OrganizationalUnits) != 0 {
			t.Fatalf("default world has OUs: %+v", ous.OrganizationalUnits)
		}
		_, err = org.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String("ou-zzzz-zzzzzzzz")})
		wantCode(t, err, "ParentNotFoundException")

		tags, err := org.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: aws.String(mgmt)})
		if err != nil {
			t.Fatal(err)
		}
		if len(tags.Tags) != 0 {
			t.Fatalf("tags = %+v", tags.Tags)
		}
	})
}

func TestOrganizationsSeededOUsAndTags(t *testing.T) {
	ctx := context.Background()
	seed := &Seed{Accounts: []SeedAccount{
		{ID: "012345678901", Name: "mgmt"},
		{ID: "000000000042", Name: "leading-zeros", OU: "Workloads/Prod", Tags: map[string]string{"env": "prod", "team": "a"}},
	}, OUTags: map[string]map[string]string{"Workloads": {"kind": "workloads"}}}
	_, url := startSandbox(t, Options{Seed: seed})
	org := organizations.NewFromConfig(sdkConfig(t, url))

	d, err := org.DescribeOrganization(ctx, nil)
	if err != nil || aws.ToString(d.Organization.MasterAccountId) != "012345678901" {
		t.Fatalf("DescribeOrganization = %+v, %v", d, err)
	}
	roots, _ := org.ListRoots(ctx, nil)
	rootID := roots.Roots[0].Id
	top, err := org.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: rootID})
	if err != nil || len(top.OrganizationalUnits) != 1 || aws.ToString(top.OrganizationalUnits[0].Name) != "Workloads" {
		t.Fatalf("top OUs = %+v, %v", top, err)
	}
	wl := top.OrganizationalUnits[0].Id
	sub, err := org.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: wl})
	if err != nil || len(sub.OrganizationalUnits) != 1 {
		t.Fatalf("sub OUs = %+v, %v", sub, err)
	}
	prod := sub.OrganizationalUnits[0].Id
	accts, err := org.ListAccountsForParent(ctx, &organizations.ListAccountsForParentInput{ParentId: prod})
	if err != nil || len(accts.Accounts) != 1 || aws.ToString(accts.Accounts[0].Id) != "000000000042" {
		t.Fatalf("accounts in Prod = %+v, %v", accts, err)
	}
	parents, err := org.ListParents(ctx, &organizations.ListParentsInput{ChildId: prod})
	if err != nil || aws.ToString(parents.Parents[0].Id) != aws.ToString(wl) || parents.Parents[0].Type != orgtypes.ParentTypeOrganizationalUnit {
		t.Fatalf("parents of Prod = %+v, %v", parents, err)
	}
	tags, err := org.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: aws.String("000000000042")})
	if err != nil || len(tags.Tags) != 2 || aws.ToString(tags.Tags[0].Key) != "env" {
		t.Fatalf("account tags = %+v, %v", tags, err)
	}
	ouTags, err := org.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: wl})
	if err != nil || len(ouTags.Tags) != 1 {
		t.Fatalf("OU tags = %+v, %v", ouTags, err)
	}
	_, err = org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String("12345")})
	wantCode(t, err, "InvalidInputException")
	_, err = org.ListAccounts(ctx, &organizations.ListAccountsInput{NextToken: aws.String("garbage")})
	wantCode(t, err, "InvalidInputException")
}

func TestOrganizationsNoOrganizationThenCreate(t *testing.T) {
	ctx := context.Background()
	no := false
	_, url := startSandbox(t, Options{Seed: &Seed{Organization: &no}})
	org := organizations.NewFromConfig(sdkConfig(t, url))
	_, err := org.ListAccounts(ctx, nil)
	wantCode(t, err, "AWSOrganizationsNotInUseException")
	if _, err := org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: "BOGUS"}); errorCode(err) != "InvalidInputException" {
		t.Fatalf("bad feature set: %v", err)
	}
	out, err := org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{})
	if err != nil || aws.ToString(out.Organization.MasterAccountId) != defaultManagementAccount {
		t.Fatalf("CreateOrganization = %+v, %v", out, err)
	}
}
