package sandbox

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func TestTrustAllows(t *testing.T) {
	const acct = "123456789012"
	admin := caller{AccountID: acct, ARN: "arn:aws:iam::" + acct + ":user/sandbox-admin"}
	alice := caller{AccountID: acct, ARN: "arn:aws:iam::" + acct + ":user/team/alice", IAMUser: &IAMUser{Name: "alice"}}
	session := caller{AccountID: acct, ARN: "arn:aws:sts::" + acct + ":assumed-role/deployer/ci", Session: &Session{}}
	other := caller{AccountID: "210987654321", ARN: "arn:aws:iam::210987654321:user/mallory"}
	stmt := func(s string) string { return `{"Version":"2012-10-17","Statement":[` + s + `]}` }
	for _, tc := range []struct {
		name, policy string
		who          caller
		keys         map[string][]string
		want         bool
	}{
		{"account root names the account", stmt(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}`), admin, nil, true},
		{"account id names the account", stmt(`{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}`), session, nil, true},
		{"another account", stmt(`{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}`), other, nil, false},
		{"star", stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}`), other, nil, true},
		{"the user by ARN", stmt(`{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:user/team/alice"]},"Action":"sts:AssumeRole"}`), alice, nil, true},
		{"another user", stmt(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/team/alice"},"Action":"sts:AssumeRole"}`), admin, nil, false},
		{"a role names its sessions", stmt(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/ops/deployer"},"Action":"sts:AssumeRole"}`), session, nil, true},
		{"a role is not a user", stmt(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/deployer"},"Action":"sts:AssumeRole"}`), admin, nil, false},
		{"the session by ARN", stmt(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:sts::123456789012:assumed-role/deployer/ci"},"Action":"sts:AssumeRole"}`), session, nil, true},
		{"a service never signs", stmt(`{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}`), admin, nil, false},
		{"another action", stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRoleWithSAML"}`), admin, nil, false},
		{"wildcard action", stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:Assume*"}`), admin, nil, true},
		{"NotAction", stmt(`{"Effect":"Allow","Principal":"*","NotAction":"sts:TagSession"}`), admin, nil, true},
		{"deny wins", stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":{"AWS":"210987654321"},"Action":"sts:*"}`), other, nil, false},
		{"NotPrincipal", stmt(`{"Effect":"Allow","NotPrincipal":{"AWS":"210987654321"},"Action":"sts:AssumeRole"}`), other, nil, false},
		{"external id matches", stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x1"}}}`), admin, map[string][]string{"sts:externalid": {"x1"}}, true},
		{"external id absent", stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x1"}}}`), admin, nil, false},
		{"IfExists and absent", stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringEqualsIfExists":{"sts:ExternalId":"x1"}}}`), admin, nil, true},
		{"negated and absent", stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringNotEquals":{"sts:ExternalId":"x1"}}}`), admin, nil, true},
		{"Null", stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"Null":{"sts:ExternalId":"false"}}}`), admin, nil, false},
		{"StringLike across slashes", stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/*"}}}`), alice,
			map[string][]string{"aws:principalarn": {alice.ARN}}, true},
		{"unknown operator grants nothing", stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}`), admin,
			map[string][]string{"aws:sourceip": {"10.1.2.3"}}, false},
		{"Bool written as JSON true", stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":true}}}`), admin,
			map[string][]string{"aws:multifactorauthpresent": {"true"}}, true},
		{"not JSON", `{`, admin, nil, false},
	} {
		w := &World{}
		r := &IAMRole{Name: "r", Path: "/", TrustPolicy: tc.policy}
		if got := w.trustAllows(acct, r, trustRequest{who: tc.who, action: "sts:AssumeRole", keys: tc.keys}); got != tc.want {
			t.Errorf("%s: trustAllows = %v, want %v", tc.name, got, tc.want)
		}
	}

	// Federated principals, as AssumeRoleWithWebIdentity and AssumeRoleWithSAML
	// ask: the provider's ARN and the token's claims as <issuer>:aud/sub/amr.
	const provider = "arn:aws:iam::222222222222:oidc-provider/token.example.com"
	web := trustRequest{action: "sts:AssumeRoleWithWebIdentity", federated: provider, keys: map[string][]string{
		"token.example.com:aud": {"sts.amazonaws.com"}, "token.example.com:sub": {"repo:acme/app:ref:refs/heads/main"},
		"token.example.com:amr": {"authenticated", "mfa"}}}
	allow := func(cond string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + provider + `"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":` + cond + `}]}`
	}
	for _, tc := range []struct {
		name, doc string
		want      bool
	}{
		{"federated: no condition", allow(`{}`), true},
		{"federated: StringEquals aud", allow(`{"StringEquals":{"token.example.com:aud":"sts.amazonaws.com"}}`), true},
		{"federated: keys are case-insensitive", allow(`{"StringEquals":{"Token.Example.com:AUD":"sts.amazonaws.com"}}`), true},
		{"federated: StringEquals wrong aud", allow(`{"StringEquals":{"token.example.com:aud":"other"}}`), false},
		{"federated: StringLike sub", allow(`{"StringLike":{"token.example.com:sub":"repo:acme/*"}}`), true},
		{"federated: StringLike any of a list", allow(`{"StringLike":{"token.example.com:sub":["repo:x/*","repo:acme/app:ref:refs/heads/ma?n"]}}`), true},
		{"federated: StringLike does not match", allow(`{"StringLike":{"token.example.com:sub":"repo:acme/*:environment:prod"}}`), false},
		{"federated: StringNotLike", allow(`{"StringNotLike":{"token.example.com:sub":"repo:evil/*"}}`), true},
		{"federated: StringNotEquals matching", allow(`{"StringNotEquals":{"token.example.com:aud":"sts.amazonaws.com"}}`), false},
		{"federated: absent key, positive operator", allow(`{"StringEquals":{"token.example.com:job":"x"}}`), false},
		{"federated: absent key, IfExists", allow(`{"StringEqualsIfExists":{"token.example.com:job":"x"}}`), true},
		{"federated: Null true on an absent key", allow(`{"Null":{"token.example.com:job":"true"}}`), true},
		{"federated: Null false on an absent key", allow(`{"Null":{"token.example.com:job":"false"}}`), false},
		{"federated: ForAnyValue", allow(`{"ForAnyValue:StringEquals":{"token.example.com:amr":"mfa"}}`), true},
		{"federated: ForAllValues not all", allow(`{"ForAllValues:StringEquals":{"token.example.com:amr":"mfa"}}`), false},
		{"federated: ForAllValues all", allow(`{"ForAllValues:StringEquals":{"token.example.com:amr":["mfa","authenticated"]}}`), true},
		{"federated: an unknown operator grants nothing", allow(`{"DateGreaterThan":{"token.example.com:aud":"x"}}`), false},
		{"federated: another provider", stmt(`{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::222222222222:oidc-provider/other"},"Action":"sts:AssumeRoleWithWebIdentity"}`), false},
		{"federated: an AWS principal is not the provider", stmt(`{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"sts:AssumeRoleWithWebIdentity"}`), false},
		{"federated: AWS star is anyone", stmt(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRoleWithWebIdentity"}`), true},
		{"federated: another action", stmt(`{"Effect":"Allow","Principal":{"Federated":"` + provider + `"},"Action":"sts:AssumeRole"}`), false},
		{"federated: action wildcard", stmt(`{"Effect":"Allow","Principal":{"Federated":["x","` + provider + `"]},"Action":"sts:AssumeRoleWith*"}`), true},
		{"federated: deny wins", stmt(`{"Effect":"Allow","Principal":"*","Action":"*"},{"Effect":"Deny","Principal":{"Federated":"` + provider + `"},"Action":"sts:*"}`), false},
	} {
		r := &IAMRole{Name: "ci", Path: "/", TrustPolicy: tc.doc}
		if got := (&World{}).trustAllows("222222222222", r, web); got != tc.want {
			t.Errorf("%s: trustAllows = %v, want %v", tc.name, got, tc.want)
		}
	}
	// A signed caller is not the provider, even with the provider's keys.
	signed := trustRequest{who: caller{AccountID: "222222222222", ARN: "arn:aws:iam::222222222222:user/ci"}, action: "sts:AssumeRoleWithWebIdentity", keys: web.keys}
	if (&World{}).trustAllows("222222222222", &IAMRole{Name: "ci", Path: "/", TrustPolicy: allow(`{}`)}, signed) {
		t.Error("a Federated principal let a signed caller in")
	}
}

func TestWildcardMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"a*c", "abbbc", true},
		{"a*c", "abbbd", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"arn:*:user/*", "arn:aws:iam::1:user/a/b", true},
		{"**a", "bbba", true},
		{"*a*b*c*d*e*f", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
	} {
		if got := wildcardMatch(tc.pattern, tc.s); got != tc.want {
			t.Errorf("wildcardMatch(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

// TestIAMRolesInTheWorld: roles Identity Center provisions are protected,
// record their use through the portal, and trust policies must name
// principals that exist.
func TestIAMRolesInTheWorld(t *testing.T) {
	e := newSigninEnv(t, Options{})
	ctx := context.Background()
	c := iam.NewFromConfig(e.cfg)

	e.srv.withWorld(func(w *World, now time.Time) {
		for _, ps := range w.PermissionSets {
			if ps.Name == "AdministratorAccess" {
				ps.ManagedPolicies = []string{"arn:aws:iam::aws:policy/AdministratorAccess"}
				ps.InlinePolicy = allowAll
				w.provision(ps, mgmtAcct, now)
			}
		}
	})
	alice := e.deviceLogin(t, "alice", "sso:account:access")
	must(e.sso.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: alice.AccessToken, AccountId: aws.String(mgmtAcct), RoleName: aws.String("AdministratorAccess")}))(t)
	roles := must(c.ListRoles(ctx, &iam.ListRolesInput{PathPrefix: aws.String("/aws-reserved/sso.amazonaws.com/")}))(t).Roles
	if len(roles) == 0 {
		t.Fatal("no AWSReservedSSO_ roles in the management account")
	}
	var ssoRole string
	for _, r := range roles {
		got := must(c.GetRole(ctx, &iam.GetRoleInput{RoleName: r.RoleName}))(t).Role
		if got.RoleLastUsed != nil && got.RoleLastUsed.LastUsedDate != nil {
			ssoRole = aws.ToString(r.RoleName)
			if !got.RoleLastUsed.LastUsedDate.Equal(e.clock.Now().Truncate(time.Second)) || aws.ToString(got.RoleLastUsed.Region) != "us-east-1" {
				t.Errorf("RoleLastUsed of %s = %+v", ssoRole, got.RoleLastUsed)
			}
		}
	}
	if ssoRole == "" {
		t.Fatal("GetRoleCredentials recorded no RoleLastUsed")
	}
	// The role is what its permission set says.
	if got := must(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(ssoRole)}))(t).Role; aws.ToInt32(got.MaxSessionDuration) != 12*3600 {
		t.Errorf("%s's MaxSessionDuration = %d, want the permission set's PT12H", ssoRole, aws.ToInt32(got.MaxSessionDuration))
	}
	attached := must(c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(ssoRole)}))(t).AttachedPolicies
	inline := must(c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(ssoRole)}))(t).PolicyNames
	if len(attached) != 1 || aws.ToString(attached[0].PolicyName) != "AdministratorAccess" || !slices.Equal(inline, []string{"AwsSSOInlinePolicy"}) {
		t.Errorf("%s's policies: attached %+v, inline %v", ssoRole, attached, inline)
	}
	_, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(ssoRole), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")})
	wantCode(t, err, "UnmodifiableEntity")
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(ssoRole)})
	wantCode(t, err, "UnmodifiableEntity")
	must(c.UpdateRoleDescription(ctx, &iam.UpdateRoleDescriptionInput{RoleName: aws.String(ssoRole), Description: aws.String("described")}))(t)

	// CreateRole's boundary must be a managed policy that exists; it counts as
	// the policy's boundary use.
	for arn, code := range map[string]string{"arn:aws:iam::111111111111:policy/missing": "NoSuchEntity", "not-an-arn-at-all-really": "InvalidInput"} {
		_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bounded"), AssumeRolePolicyDocument: aws.String(trustEC2), PermissionsBoundary: aws.String(arn)})
		wantCode(t, err, code)
	}
	pol := must(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("limit"), PolicyDocument: aws.String(allowAll)}))(t).Policy
	bounded := must(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bounded"), AssumeRolePolicyDocument: aws.String(trustEC2), PermissionsBoundary: pol.Arn}))(t).Role
	if bounded.PermissionsBoundary == nil || aws.ToString(bounded.PermissionsBoundary.PermissionsBoundaryArn) != aws.ToString(pol.Arn) {
		t.Errorf("CreateRole's boundary = %+v", bounded.PermissionsBoundary)
	}
	if n := aws.ToInt32(must(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: pol.Arn}))(t).Policy.PermissionsBoundaryUsageCount); n != 1 {
		t.Errorf("PermissionsBoundaryUsageCount = %d, want 1", n)
	}
	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: pol.Arn})
	wantCode(t, err, "DeleteConflict") // as AWS refuses to delete a boundary in use

	// A role's inline policies share 10,240 characters, white space aside.
	createRole(t, c, "big")
	var res []string
	for i := range 200 {
		res = append(res, fmt.Sprintf(`"arn:aws:s3:::bucket-%04d/*"`, i))
	}
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":[` + strings.Join(res, ",") + `]}]}`
	must(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("big"), PolicyName: aws.String("one"), PolicyDocument: aws.String(big)}))(t)
	_, err = c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("big"), PolicyName: aws.String("two"), PolicyDocument: aws.String(big)})
	wantCode(t, err, "LimitExceeded")
	must(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("big"), PolicyName: aws.String("ONE"), PolicyDocument: aws.String(big)}))(t) // replaces "one"

	// A trust policy naming a user that does not exist is refused; once
	// the user exists, it names only that user.
	trustDev := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/dev"},"Action":"sts:AssumeRole"}]}`
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("for-dev"), AssumeRolePolicyDocument: aws.String(trustDev)})
	wantCode(t, err, "MalformedPolicyDocument")
	createIAMUser(t, c, "dev")
	createIAMUser(t, c, "ops")
	role := must(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("for-dev"), AssumeRolePolicyDocument: aws.String(trustDev)}))(t).Role
	for user, wantErr := range map[string]string{"dev": "", "ops": "AccessDenied"} {
		key := must(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)}))(t).AccessKey
		_, err := sts.NewFromConfig(keyConfig(t, e.url, key)).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role.Arn, RoleSessionName: aws.String(user)})
		if errorCode(err) != wantErr {
			t.Errorf("%s assumes for-dev: %v, want %q", user, err, wantErr)
		}
	}
}
