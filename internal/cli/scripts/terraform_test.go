package scripts

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/rogpeppe/go-internal/testscript"
)

// scriptAWS is an SDK configuration for the endpoint and keys a script set
// (the sandbox command's).
func scriptAWS(ts *testscript.TestScript) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(ts.Getenv("AWS_ENDPOINT_URL")),
		Credentials:  credentials.NewStaticCredentialsProvider(ts.Getenv("AWS_ACCESS_KEY_ID"), ts.Getenv("AWS_SECRET_ACCESS_KEY"), ""),
	}
}

// moduleVars are the basic Identity Center Terraform module's variables,
// as a terraform.tfvars.json holds them.
type moduleVars struct {
	Users []struct {
		Email      string `json:"email"`
		GivenName  string `json:"given_name"`
		FamilyName string `json:"family_name"`
	} `json:"users"`
	SuperAdmins            []string `json:"super_admins"`
	PowerUsers             []string `json:"power_users"`
	ReadonlyUsers          []string `json:"readonly_users"`
	DefaultAWSRegion       string   `json:"default_aws_region"`
	DefaultSessionDuration string   `json:"default_session_duration"`
}

// cmdTerraformApply VARS.json: make what 'terraform apply' of the basic
// Identity Center module makes with these variables, resource by resource
// as its .tf files declare them, independently of keyless's code: users
// named by email; for each of SuperAdmin, PowerUser and ReadOnly (all three,
// whatever the lists hold) a group <set>@<account> described by the set's
// name, its members, a permission set described by its policy's name with
// the console on the global host as relay state and "PT" + the duration,
// the policy attached, and the group assigned in the caller's account.
func cmdTerraformApply(ts *testscript.TestScript, neg bool, args []string) {
	data, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	var vars moduleVars
	ts.Check(json.Unmarshal(data, &vars))
	if vars.DefaultSessionDuration == "" {
		vars.DefaultSessionDuration = "1H"
	}
	ctx := context.Background()
	cfg := scriptAWS(ts)
	admin, store := ssoadmin.NewFromConfig(cfg), identitystore.NewFromConfig(cfg)
	caller, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	ts.Check(err)
	account := aws.ToString(caller.Account)
	inst, err := admin.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	ts.Check(err)
	instanceARN, storeID := inst.Instances[0].InstanceArn, inst.Instances[0].IdentityStoreId

	userIDs := map[string]*string{}
	for _, u := range vars.Users {
		out, err := store.CreateUser(ctx, &identitystore.CreateUserInput{IdentityStoreId: storeID, UserName: aws.String(u.Email),
			DisplayName: aws.String(u.GivenName + " " + u.FamilyName),
			Name:        &istypes.Name{GivenName: aws.String(u.GivenName), FamilyName: aws.String(u.FamilyName)},
			Emails:      []istypes.Email{{Value: aws.String(u.Email), Primary: true}}})
		ts.Check(err)
		userIDs[u.Email] = out.UserId
	}
	relayState := "https://console.aws.amazon.com/console/home"
	if vars.DefaultAWSRegion != "" {
		relayState += "?region=" + vars.DefaultAWSRegion
	}
	for _, set := range []struct {
		name, policy string
		members      []string
	}{
		{"SuperAdmin", "AdministratorAccess", vars.SuperAdmins},
		{"PowerUser", "PowerUserAccess", vars.PowerUsers},
		{"ReadOnly", "ReadOnlyAccess", vars.ReadonlyUsers},
	} {
		g, err := store.CreateGroup(ctx, &identitystore.CreateGroupInput{IdentityStoreId: storeID,
			DisplayName: aws.String(set.name + "@" + account), Description: aws.String(set.name)})
		ts.Check(err)
		ps, err := admin.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: instanceARN, Name: aws.String(set.name),
			Description: aws.String(set.policy), RelayState: aws.String(relayState), SessionDuration: aws.String("PT" + vars.DefaultSessionDuration)})
		ts.Check(err)
		psARN := ps.PermissionSet.PermissionSetArn
		_, err = admin.AttachManagedPolicyToPermissionSet(ctx, &ssoadmin.AttachManagedPolicyToPermissionSetInput{InstanceArn: instanceARN,
			PermissionSetArn: psARN, ManagedPolicyArn: aws.String("arn:aws:iam::aws:policy/" + set.policy)})
		ts.Check(err)
		a, err := admin.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{InstanceArn: instanceARN, PermissionSetArn: psARN,
			PrincipalType: ssotypes.PrincipalTypeGroup, PrincipalId: g.GroupId, TargetType: ssotypes.TargetTypeAwsAccount, TargetId: aws.String(account)})
		ts.Check(err)
		for status := a.AccountAssignmentCreationStatus; status.Status == ssotypes.StatusValuesInProgress; {
			time.Sleep(10 * time.Millisecond)
			out, err := admin.DescribeAccountAssignmentCreationStatus(ctx, &ssoadmin.DescribeAccountAssignmentCreationStatusInput{
				InstanceArn: instanceARN, AccountAssignmentCreationRequestId: status.RequestId})
			ts.Check(err)
			status = out.AccountAssignmentCreationStatus
		}
		for _, m := range set.members {
			id, ok := userIDs[m]
			if !ok {
				ts.Fatalf("%s: %s is not in users", set.name, m)
			}
			_, err := store.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: storeID,
				GroupId: g.GroupId, MemberId: &istypes.MemberIdMemberUserId{Value: *id}})
			ts.Check(err)
		}
	}
}

// cmdGroups prints each identity-store group with its member count and the
// permission sets it is assigned, one line each, sorted:
// "SuperAdmin@111111111111 members=1 sets=SuperAdmin:111111111111".
func cmdGroups(ts *testscript.TestScript, neg bool, args []string) {
	ctx := context.Background()
	cfg := scriptAWS(ts)
	admin, store := ssoadmin.NewFromConfig(cfg), identitystore.NewFromConfig(cfg)
	inst, err := admin.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	ts.Check(err)
	instanceARN, storeID := inst.Instances[0].InstanceArn, inst.Instances[0].IdentityStoreId
	sets := map[string][]string{} // group id -> "set:account"
	psList, err := admin.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: instanceARN})
	ts.Check(err)
	for _, arn := range psList.PermissionSets {
		ps, err := admin.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: instanceARN, PermissionSetArn: aws.String(arn)})
		ts.Check(err)
		accts, err := admin.ListAccountsForProvisionedPermissionSet(ctx, &ssoadmin.ListAccountsForProvisionedPermissionSetInput{InstanceArn: instanceARN, PermissionSetArn: aws.String(arn)})
		ts.Check(err)
		for _, acct := range accts.AccountIds {
			as, err := admin.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: instanceARN, PermissionSetArn: aws.String(arn), AccountId: aws.String(acct)})
			ts.Check(err)
			for _, a := range as.AccountAssignments {
				if a.PrincipalType == ssotypes.PrincipalTypeGroup {
					sets[aws.ToString(a.PrincipalId)] = append(sets[aws.ToString(a.PrincipalId)], aws.ToString(ps.PermissionSet.Name)+":"+acct)
				}
			}
		}
	}
	groups, err := store.ListGroups(ctx, &identitystore.ListGroupsInput{IdentityStoreId: storeID})
	ts.Check(err)
	var lines []string
	for _, g := range groups.Groups {
		ms, err := store.ListGroupMemberships(ctx, &identitystore.ListGroupMembershipsInput{IdentityStoreId: storeID, GroupId: g.GroupId})
		ts.Check(err)
		assigned := sets[aws.ToString(g.GroupId)]
		slices.Sort(assigned)
		lines = append(lines, fmt.Sprintf("%s members=%d sets=%s", aws.ToString(g.DisplayName), len(ms.GroupMemberships), strings.Join(assigned, ",")))
	}
	slices.Sort(lines)
	for _, l := range lines {
		fmt.Fprintln(ts.Stdout(), l)
	}
}
