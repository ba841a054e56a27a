package sandbox

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
)

// TestConformanceDelegatedAdministrators runs Organizations' delegated
// administrator operations against the sandbox and moto.
func TestConformanceDelegatedAdministrators(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		org := organizations.NewFromConfig(tg.cfg)
		var member string
		if tg.moto {
			if _, err := org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}); err != nil {
				t.Fatal(err)
			}
			out, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String("dev"), Email: aws.String("dev@example.com")})
			if err != nil {
				t.Fatal(err)
			}
			member = aws.ToString(out.CreateAccountStatus.AccountId)
		}
		d, err := org.DescribeOrganization(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		mgmt := aws.ToString(d.Organization.MasterAccountId)
		if !tg.moto {
			member = "222222222222" // the default world's dev account
		}
		const svc = "guardduty.amazonaws.com" // one both know

		reg := func(account, sp string) error {
			_, err := org.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: aws.String(account), ServicePrincipal: aws.String(sp)})
			return err
		}
		dereg := func(account, sp string) error {
			_, err := org.DeregisterDelegatedAdministrator(ctx, &organizations.DeregisterDelegatedAdministratorInput{AccountId: aws.String(account), ServicePrincipal: aws.String(sp)})
			return err
		}
		if err := reg(member, svc); err != nil {
			t.Fatal(err)
		}
		wantCode(t, reg(member, svc), "AccountAlreadyRegisteredException")
		wantCode(t, reg(mgmt, svc), "ConstraintViolationException")
		wantCode(t, reg("999999999999", svc), "AccountNotFoundException")
		wantCode(t, reg(member, "nothing.example.com"), "InvalidInputException")

		admins, err := org.ListDelegatedAdministrators(ctx, &organizations.ListDelegatedAdministratorsInput{ServicePrincipal: aws.String(svc)})
		if err != nil {
			t.Fatal(err)
		}
		if len(admins.DelegatedAdministrators) != 1 || aws.ToString(admins.DelegatedAdministrators[0].Id) != member ||
			admins.DelegatedAdministrators[0].DelegationEnabledDate == nil || !strings.HasSuffix(aws.ToString(admins.DelegatedAdministrators[0].Arn), member) {
			t.Fatalf("ListDelegatedAdministrators = %+v", admins.DelegatedAdministrators)
		}
		services, err := org.ListDelegatedServicesForAccount(ctx, &organizations.ListDelegatedServicesForAccountInput{AccountId: aws.String(member)})
		if err != nil {
			t.Fatal(err)
		}
		if len(services.DelegatedServices) != 1 || aws.ToString(services.DelegatedServices[0].ServicePrincipal) != svc {
			t.Fatalf("ListDelegatedServicesForAccount = %+v", services.DelegatedServices)
		}
		_, err = org.ListDelegatedServicesForAccount(ctx, &organizations.ListDelegatedServicesForAccountInput{AccountId: aws.String(mgmt)})
		wantCode(t, err, "AccountNotRegisteredException")

		if err := dereg(member, svc); err != nil {
			t.Fatal(err)
		}
		wantCode(t, dereg(member, svc), "AccountNotRegisteredException")
		if tg.moto {
			// moto keeps a deregistered account on ListDelegatedAdministrators
			// with no services left; AWS lists only accounts that are a
			// delegated administrator of some service (the operation's doc:
			// "Lists the Amazon Web Services accounts that are designated as
			// delegated administrators"), as the sandbox does.
			return
		}
		admins, err = org.ListDelegatedAdministrators(ctx, &organizations.ListDelegatedAdministratorsInput{})
		if err != nil || len(admins.DelegatedAdministrators) != 0 {
			t.Fatalf("ListDelegatedAdministrators after deregistering = %+v, %v", admins, err)
		}
		// IAM Identity Center takes a delegated administrator (moto lists
		// no sso.amazonaws.com among its services), one at a time.
		if err := reg(member, ssoServicePrincipal); err != nil {
			t.Fatal(err)
		}
		wantCode(t, reg("333333333333", ssoServicePrincipal), "ConstraintViolationException")
	})
}

// memberConfig signs as an IAM user of a member account.
func memberConfig(t *testing.T, url, keyID, secret string) aws.Config {
	cfg := sdkConfig(t, url)
	cfg.Credentials = credentials.NewStaticCredentialsProvider(keyID, secret, "")
	return cfg
}

// delegatedWorld has a delegated administrator for Identity Center (dev,
// 222222222222), a member that is not one (prod, 333333333333, with an
// account instance), and a permission set provisioned to the management
// account beside one that is not.
func delegatedWorld() *Seed {
	key := func(id, secret string) []SeedIAMUser {
		return []SeedIAMUser{{Name: "admin", AccessKeys: []SeedAccessKey{{ID: id, Secret: secret}}}}
	}
	return &Seed{
		ManagementAccount: "111111111111",
		Accounts: []SeedAccount{
			{ID: "111111111111", Name: "management"},
			{ID: "222222222222", Name: "dev", DelegatedAdministratorFor: []string{ssoServicePrincipal}, IAMUsers: key("AKIADEVDEVDEVDEVDEV2", strings.Repeat("d", 40))},
			{ID: "333333333333", Name: "prod", IAMUsers: key("AKIAPRODPRODPRODPRO3", strings.Repeat("p", 40))},
		},
		AccountInstances: []SeedAccountInstance{{Account: "333333333333", Name: "prod-apps"}},
		Users:            []SeedUser{{UserName: "alice"}},
		PermissionSets:   []SeedPermissionSet{{Name: "Admin"}, {Name: "Dev"}},
		Assignments: []SeedAssignment{
			{PermissionSet: "Admin", User: "alice", Accounts: []string{"111111111111"}},
			{PermissionSet: "Dev", User: "alice", Accounts: []string{"222222222222"}},
		},
	}
}

func TestSSOAdminDelegatedAdministrator(t *testing.T) {
	_, url := startSandbox(t, Options{Seed: delegatedWorld(), AssignmentDelay: -1})
	ctx := context.Background()
	sso := ssoadmin.NewFromConfig(memberConfig(t, url, "AKIADEVDEVDEVDEVDEV2", strings.Repeat("d", 40)))
	insts, err := sso.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	if err != nil || len(insts.Instances) != 1 || aws.ToString(insts.Instances[0].OwnerAccountId) != "111111111111" {
		t.Fatalf("the delegated administrator's ListInstances = %+v, %v", insts, err)
	}
	inst := insts.Instances[0].InstanceArn
	sets := map[string]string{}
	list, err := sso.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: inst})
	if err != nil {
		t.Fatal(err)
	}
	for _, arn := range list.PermissionSets {
		d, err := sso.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: inst, PermissionSetArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		sets[aws.ToString(d.PermissionSet.Name)] = arn
	}

	// Out of reach: the set provisioned to the management account, anywhere,
	// and any assignment in the management account.
	_, err = sso.UpdatePermissionSet(ctx, &ssoadmin.UpdatePermissionSetInput{InstanceArn: inst, PermissionSetArn: aws.String(sets["Admin"]), Description: aws.String("x")})
	wantCode(t, err, "AccessDeniedException")
	_, err = sso.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{InstanceArn: inst, PermissionSetArn: aws.String(sets["Admin"]),
		PrincipalType: ssotypes.PrincipalTypeUser, PrincipalId: aws.String("x"), TargetType: ssotypes.TargetTypeAwsAccount, TargetId: aws.String("222222222222")})
	wantCode(t, err, "AccessDeniedException")
	_, err = sso.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{InstanceArn: inst, PermissionSetArn: aws.String(sets["Dev"]),
		PrincipalType: ssotypes.PrincipalTypeUser, PrincipalId: aws.String("x"), TargetType: ssotypes.TargetTypeAwsAccount, TargetId: aws.String("111111111111")})
	wantCode(t, err, "AccessDeniedException")
	// Within reach: the other set.
	if _, err := sso.UpdatePermissionSet(ctx, &ssoadmin.UpdatePermissionSetInput{InstanceArn: inst, PermissionSetArn: aws.String(sets["Dev"]), Description: aws.String("x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := sso.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: inst, Name: aws.String("New")}); err != nil {
		t.Fatal(err)
	}

	// A member that is not the delegated administrator sees only its own
	// account instance, and is refused the organization instance.
	prod := ssoadmin.NewFromConfig(memberConfig(t, url, "AKIAPRODPRODPRODPRO3", strings.Repeat("p", 40)))
	_, err = prod.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: inst})
	wantCode(t, err, "AccessDeniedException")
	mine, err := prod.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	if err != nil || len(mine.Instances) != 1 || aws.ToString(mine.Instances[0].OwnerAccountId) != "333333333333" || aws.ToString(mine.Instances[0].Name) != "prod-apps" {
		t.Fatalf("prod's ListInstances = %+v, %v", mine, err)
	}
	_, err = identitystore.NewFromConfig(memberConfig(t, url, "AKIAPRODPRODPRODPRO3", strings.Repeat("p", 40))).ListUsers(ctx,
		&identitystore.ListUsersInput{IdentityStoreId: aws.String("d-1111111111")})
	wantCode(t, err, "AccessDeniedException")
	if _, err := identitystore.NewFromConfig(memberConfig(t, url, "AKIADEVDEVDEVDEVDEV2", strings.Repeat("d", 40))).ListUsers(ctx,
		&identitystore.ListUsersInput{IdentityStoreId: aws.String("d-1111111111")}); err != nil {
		t.Fatalf("the delegated administrator's ListUsers: %v", err)
	}
	// An account instance holds no permission sets.
	_, err = prod.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: mine.Instances[0].InstanceArn, Name: aws.String("New")})
	wantCode(t, err, "ValidationException")
	if _, err := prod.DescribeInstance(ctx, &ssoadmin.DescribeInstanceInput{InstanceArn: mine.Instances[0].InstanceArn}); err != nil {
		t.Fatal(err)
	}
	// One account instance per account; none in the management account.
	_, err = prod.CreateInstance(ctx, &ssoadmin.CreateInstanceInput{Name: aws.String("again")})
	wantCode(t, err, "ConflictException")
	_, err = ssoadmin.NewFromConfig(sdkConfig(t, url)).CreateInstance(ctx, &ssoadmin.CreateInstanceInput{})
	wantCode(t, err, "ValidationException")
	created, err := sso.CreateInstance(ctx, &ssoadmin.CreateInstanceInput{Name: aws.String("dev-apps")})
	if err != nil {
		t.Fatal(err)
	}
	both, err := sso.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	if err != nil || len(both.Instances) != 2 || aws.ToString(both.Instances[1].InstanceArn) != aws.ToString(created.InstanceArn) {
		t.Fatalf("ListInstances after CreateInstance = %+v, %v", both, err)
	}

	// Only the management account registers delegated administrators.
	org := organizations.NewFromConfig(memberConfig(t, url, "AKIAPRODPRODPRODPRO3", strings.Repeat("p", 40)))
	_, err = org.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: aws.String("333333333333"), ServicePrincipal: aws.String(ssoServicePrincipal)})
	wantCode(t, err, "AccessDeniedException")
}

func TestSeedDelegatedAdministratorsAndAccountInstances(t *testing.T) {
	s := delegatedWorld()
	s.Accounts[0].DelegatedAdministratorFor = []string{ssoServicePrincipal}
	s.Accounts[2].DelegatedAdministratorFor = []string{"nothing.example.com"}
	s.AccountInstances = append(s.AccountInstances, SeedAccountInstance{Account: "111111111111"}, SeedAccountInstance{Account: "333333333333"},
		SeedAccountInstance{Account: "999999999999"})
	err := s.validate()
	for _, want := range []string{
		"accounts[0].delegated_administrator_for[0]: the management account cannot be a delegated administrator",
		`accounts[2].delegated_administrator_for[0]: "nothing.example.com" is not a service that takes a delegated administrator`,
		"account_instances[1].account: the management account cannot have an account instance",
		"account_instances[2].account: account 333333333333 has an account instance already",
		`account_instances[3].account: "999999999999" is not among accounts`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("seed problems %v lack %q", err, want)
		}
	}

	// A seeded world keeps them in its state, so reset and the state dump see them.
	srv, err := New(Options{Seed: delegatedWorld()})
	if err != nil {
		t.Fatal(err)
	}
	w := srv.world
	if len(w.DelegatedAdmins) != 1 || w.DelegatedAdmins[0].AccountID != "222222222222" || len(w.AccountInstances) != 1 || w.AccountInstances[0].Name != "prod-apps" {
		t.Fatalf("world: delegated %+v, account instances %+v", w.DelegatedAdmins, w.AccountInstances)
	}
}
