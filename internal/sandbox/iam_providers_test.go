package sandbox

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// Conformance scenarios for IAM's identity providers, policy versions and
// tags, group policies and users' permissions boundaries.

const githubIssuer = "https://token.actions.githubusercontent.com"

func tagMap(tags []iamtypes.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func TestConformanceIAMOIDCProviders(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		c := iamClient(tg)

		// No thumbprint: IAM no longer requires one.
		created := must(c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String(githubIssuer),
			ClientIDList: []string{"sts.amazonaws.com"}, Tags: []iamtypes.Tag{{Key: aws.String("ci"), Value: aws.String("github")}}}))(t)
		arn := aws.ToString(created.OpenIDConnectProviderArn)
		if arn != "arn:aws:iam::"+accountOf(t, tg)+":oidc-provider/token.actions.githubusercontent.com" {
			t.Fatalf("provider ARN = %s", arn)
		}
		_, err := c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String(githubIssuer), ClientIDList: []string{"other"}})
		wantCode(t, err, "EntityAlreadyExists")

		got := must(c.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn)}))(t)
		if aws.ToString(got.Url) != "token.actions.githubusercontent.com" || !slices.Equal(got.ClientIDList, []string{"sts.amazonaws.com"}) ||
			len(got.ThumbprintList) != 0 || got.CreateDate == nil || tagMap(got.Tags)["ci"] != "github" {
			t.Fatalf("GetOpenIDConnectProvider = %+v", got)
		}

		if !tg.moto {
			// moto differs from AWS: it has neither
			// AddClientIDToOpenIDConnectProvider nor
			// RemoveClientIDFromOpenIDConnectProvider (HTTP 500).
			// Client ids: adding one twice and removing an absent one
			// are no-ops (both documented as idempotent).
			for range 2 {
				must(c.AddClientIDToOpenIDConnectProvider(ctx, &iam.AddClientIDToOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn), ClientID: aws.String("keyless")}))(t)
			}
			must(c.RemoveClientIDFromOpenIDConnectProvider(ctx, &iam.RemoveClientIDFromOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn), ClientID: aws.String("sts.amazonaws.com")}))(t)
			must(c.RemoveClientIDFromOpenIDConnectProvider(ctx, &iam.RemoveClientIDFromOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn), ClientID: aws.String("never-added")}))(t)
			got = must(c.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn)}))(t)
			if !slices.Equal(got.ClientIDList, []string{"keyless"}) {
				t.Fatalf("client ids = %v, want [keyless]", got.ClientIDList)
			}
		}

		// Thumbprints are replaced, not merged.
		tp1, tp2 := strings.Repeat("a", 40), strings.Repeat("b", 40)
		must(c.UpdateOpenIDConnectProviderThumbprint(ctx, &iam.UpdateOpenIDConnectProviderThumbprintInput{OpenIDConnectProviderArn: aws.String(arn), ThumbprintList: []string{tp1}}))(t)
		must(c.UpdateOpenIDConnectProviderThumbprint(ctx, &iam.UpdateOpenIDConnectProviderThumbprintInput{OpenIDConnectProviderArn: aws.String(arn), ThumbprintList: []string{tp2}}))(t)
		got = must(c.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn)}))(t)
		if !slices.Equal(got.ThumbprintList, []string{tp2}) {
			t.Fatalf("thumbprints = %v, want [%s]", got.ThumbprintList, tp2)
		}
		_, err = c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://six.example"),
			ThumbprintList: []string{tp1, tp1, tp1, tp1, tp1, tp2}})
		wantCode(t, err, "InvalidInput")
		if !tg.moto {
			// moto differs from AWS: it takes a thumbprint shorter than
			// the model's 40 characters.
			_, err = c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://short.example"), ThumbprintList: []string{"abc"}})
			wantCode(t, err, "ValidationError")
		}

		// Tags.
		must(c.TagOpenIDConnectProvider(ctx, &iam.TagOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn),
			Tags: []iamtypes.Tag{{Key: aws.String("ci"), Value: aws.String("gha")}, {Key: aws.String("team"), Value: aws.String("platform")}}}))(t)
		must(c.UntagOpenIDConnectProvider(ctx, &iam.UntagOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn), TagKeys: []string{"team"}}))(t)
		tags := must(c.ListOpenIDConnectProviderTags(ctx, &iam.ListOpenIDConnectProviderTagsInput{OpenIDConnectProviderArn: aws.String(arn)}))(t).Tags
		if m := tagMap(tags); len(m) != 1 || m["ci"] != "gha" {
			t.Fatalf("provider tags = %v", m)
		}

		// A second issuer with a path; the listing has both, by ARN.
		second := must(c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://gitlab.example.com/ci"),
			ClientIDList: []string{"https://gitlab.example.com"}}))(t).OpenIDConnectProviderArn
		if !strings.HasSuffix(aws.ToString(second), ":oidc-provider/gitlab.example.com/ci") {
			t.Fatalf("provider with a path: ARN %s", aws.ToString(second))
		}
		list := must(c.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{}))(t).OpenIDConnectProviderList
		var arns []string
		for _, e := range list {
			arns = append(arns, aws.ToString(e.Arn))
		}
		slices.Sort(arns)
		if want := []string{aws.ToString(second), arn}; !slices.Equal(arns, want) {
			t.Fatalf("ListOpenIDConnectProviders = %v, want %v", arns, want)
		}

		if !tg.moto {
			// moto differs from AWS: it takes any URL with a scheme and a
			// host (the model's docs: "The URL must begin with https://",
			// and "query parameters are not" allowed).
			for _, bad := range []string{"http://insecure.example", "https://q.example/?a=b", "token.actions.githubusercontent.com"} {
				_, err = c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String(bad)})
				wantCode(t, err, "InvalidInput")
			}
		}

		// Delete; deleting again succeeds: IAM documents the operation as
		// idempotent. Reading it fails.
		for range 2 {
			must(c.DeleteOpenIDConnectProvider(ctx, &iam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn)}))(t)
		}
		_, err = c.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn)})
		wantCode(t, err, "NoSuchEntity")
	})
}

// accountOf is the account a target's dummy keys act in.
func accountOf(t *testing.T, tg *target) string {
	t.Helper()
	if tg.moto {
		return "123456789012"
	}
	return defaultManagementAccount
}

// samlMetadataDoc is IdP metadata as an IdP exports it (over 1,000
// characters, as IAM requires), valid until 2030.
func samlMetadataDoc(t *testing.T, entity string) string {
	t.Helper()
	cert := testCertPEM(t)
	cert = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(cert), "-----BEGIN CERTIFICATE-----"), "-----END CERTIFICATE-----"))
	return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="` + entity + `" validUntil="2030-01-02T03:04:05Z">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>` + cert + `</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="` + entity + `/sso/saml"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`
}

func TestConformanceIAMSAMLProviders(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		c := iamClient(tg)
		doc := samlMetadataDoc(t, "https://idp.example.com")

		arn := aws.ToString(must(c.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("Okta"), SAMLMetadataDocument: aws.String(doc),
			Tags: []iamtypes.Tag{{Key: aws.String("idp"), Value: aws.String("okta")}}}))(t).SAMLProviderArn)
		if arn != "arn:aws:iam::"+accountOf(t, tg)+":saml-provider/Okta" {
			t.Fatalf("SAML provider ARN = %s", arn)
		}
		got := must(c.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: aws.String(arn)}))(t)
		if aws.ToString(got.SAMLMetadataDocument) != doc || got.CreateDate == nil {
			t.Fatalf("GetSAMLProvider = %+v", got)
		}
		if !tg.moto {
			// moto differs from AWS: it returns neither tags nor the
			// metadata's validUntil (a fixed 2032 date instead).
			if got.ValidUntil == nil || got.ValidUntil.Year() != 2030 || tagMap(got.Tags)["idp"] != "okta" {
				t.Fatalf("GetSAMLProvider ValidUntil %v, tags %v", got.ValidUntil, tagMap(got.Tags))
			}
		}

		if !tg.moto {
			// moto differs from AWS: it stores any text as metadata; the
			// model bounds it to 1,000-10,000,000 characters and IAM
			// parses it as SAML metadata.
			_, err := c.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("Short"), SAMLMetadataDocument: aws.String("<x/>")})
			wantCode(t, err, "ValidationError")
			notSAML := "<html><body>" + strings.Repeat("not metadata ", 100) + "</body></html>"
			_, err = c.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("Html"), SAMLMetadataDocument: aws.String(notSAML)})
			wantCode(t, err, "InvalidInput")
			_, err = c.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("Okta"), SAMLMetadataDocument: aws.String(doc)})
			wantCode(t, err, "EntityAlreadyExists")
			_, err = c.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("bad name"), SAMLMetadataDocument: aws.String(doc)})
			wantCode(t, err, "ValidationError")
		}

		newDoc := samlMetadataDoc(t, "https://idp2.example.com")
		must(c.UpdateSAMLProvider(ctx, &iam.UpdateSAMLProviderInput{SAMLProviderArn: aws.String(arn), SAMLMetadataDocument: aws.String(newDoc)}))(t)
		got = must(c.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: aws.String(arn)}))(t)
		if aws.ToString(got.SAMLMetadataDocument) != newDoc {
			t.Fatal("UpdateSAMLProvider did not replace the metadata")
		}

		list := must(c.ListSAMLProviders(ctx, &iam.ListSAMLProvidersInput{}))(t).SAMLProviderList
		if len(list) != 1 || aws.ToString(list[0].Arn) != arn {
			t.Fatalf("ListSAMLProviders = %+v", list)
		}

		if !tg.moto {
			// moto differs from AWS: it has no TagSAMLProvider (HTTP 500).
			must(c.TagSAMLProvider(ctx, &iam.TagSAMLProviderInput{SAMLProviderArn: aws.String(arn), Tags: []iamtypes.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}))(t)
			must(c.UntagSAMLProvider(ctx, &iam.UntagSAMLProviderInput{SAMLProviderArn: aws.String(arn), TagKeys: []string{"idp"}}))(t)
			tags := must(c.ListSAMLProviderTags(ctx, &iam.ListSAMLProviderTagsInput{SAMLProviderArn: aws.String(arn)}))(t).Tags
			if m := tagMap(tags); len(m) != 1 || m["env"] != "prod" {
				t.Fatalf("SAML provider tags = %v", m)
			}
		}

		must(c.DeleteSAMLProvider(ctx, &iam.DeleteSAMLProviderInput{SAMLProviderArn: aws.String(arn)}))(t)
		_, err := c.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: aws.String(arn)})
		wantCode(t, err, "NoSuchEntity")
		if !tg.moto {
			// moto differs from AWS: it deletes a missing provider without
			// error; the model lists NoSuchEntity and, unlike
			// DeleteOpenIDConnectProvider's, the docs do not call it
			// idempotent.
			_, err = c.DeleteSAMLProvider(ctx, &iam.DeleteSAMLProviderInput{SAMLProviderArn: aws.String(arn)})
			wantCode(t, err, "NoSuchEntity")
		}
	})
}

func policyDoc(action string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":"*"}]}`
}

func TestConformanceIAMPolicyVersions(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		c := iamClient(tg)
		p := must(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("deploy"), PolicyDocument: aws.String(policyDoc("s3:GetObject"))}))(t).Policy
		arn := p.Arn

		v2 := must(c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(policyDoc("s3:PutObject"))}))(t).PolicyVersion
		if aws.ToString(v2.VersionId) != "v2" || v2.IsDefaultVersion {
			t.Fatalf("CreatePolicyVersion = %+v, want v2, not default", v2)
		}
		v3 := must(c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(policyDoc("s3:ListBucket")), SetAsDefault: true}))(t).PolicyVersion
		if aws.ToString(v3.VersionId) != "v3" || !v3.IsDefaultVersion {
			t.Fatalf("CreatePolicyVersion SetAsDefault = %+v", v3)
		}
		if got := must(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: arn}))(t).Policy; aws.ToString(got.DefaultVersionId) != "v3" {
			t.Fatalf("GetPolicy DefaultVersionId = %s, want v3", aws.ToString(got.DefaultVersionId))
		}

		// The document comes back URL-encoded (RFC 3986), as IAM returns it.
		got := must(c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v2")}))(t).PolicyVersion
		doc, err := url.QueryUnescape(aws.ToString(got.Document))
		if err != nil || doc != policyDoc("s3:PutObject") || got.IsDefaultVersion {
			t.Fatalf("GetPolicyVersion v2 = %+v (decoded %q, %v)", got, doc, err)
		}
		_, err = c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v9")})
		wantCode(t, err, "NoSuchEntity")

		// Not the default; then the default changes back.
		_, err = c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v3")})
		wantCode(t, err, "DeleteConflict")
		must(c.SetDefaultPolicyVersion(ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v1")}))(t)
		must(c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v3")}))(t)

		// Five at most; numbers are not reused.
		for _, a := range []string{"s3:A", "s3:B", "s3:C"} {
			must(c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(policyDoc(a))}))(t)
		}
		_, err = c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(policyDoc("s3:D"))})
		wantCode(t, err, "LimitExceeded")
		var ids []string
		var defaults []string
		for _, v := range must(c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: arn}))(t).Versions {
			ids = append(ids, aws.ToString(v.VersionId))
			if v.IsDefaultVersion {
				defaults = append(defaults, aws.ToString(v.VersionId))
			}
		}
		want := []string{"v6", "v5", "v4", "v2", "v1"}
		if tg.moto {
			// moto differs from AWS: it lists oldest first; IAM lists the
			// newest first (the ListPolicyVersions example in the IAM docs
			// shows v2 before v1).
			slices.Reverse(want)
		}
		if !slices.Equal(ids, want) || !slices.Equal(defaults, []string{"v1"}) {
			t.Fatalf("ListPolicyVersions = %v (default %v), want %v (default v1)", ids, defaults, want)
		}

		if !tg.moto {
			// moto differs from AWS: it validates new versions' documents
			// less (IAM applies CreatePolicy's grammar).
			_, err = c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(`{"Statement":[]}`)})
			wantCode(t, err, "MalformedPolicyDocument")
			// moto differs from AWS: it deletes a policy with versions
			// besides the default; IAM's DeletePolicy docs require
			// deleting them first.
			_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: arn})
			wantCode(t, err, "DeleteConflict")
			_, err = c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("1")})
			wantCode(t, err, "ValidationError")
		}

		// Tags.
		must(c.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: arn, Tags: []iamtypes.Tag{{Key: aws.String("owner"), Value: aws.String("ci")}, {Key: aws.String("tmp"), Value: aws.String("1")}}}))(t)
		must(c.UntagPolicy(ctx, &iam.UntagPolicyInput{PolicyArn: arn, TagKeys: []string{"tmp"}}))(t)
		tags := must(c.ListPolicyTags(ctx, &iam.ListPolicyTagsInput{PolicyArn: arn}))(t).Tags
		if m := tagMap(tags); len(m) != 1 || m["owner"] != "ci" {
			t.Fatalf("policy tags = %v", m)
		}
		if gp := must(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: arn}))(t).Policy; tagMap(gp.Tags)["owner"] != "ci" {
			t.Fatalf("GetPolicy tags = %v", tagMap(gp.Tags))
		}
	})
}

func TestConformanceIAMGroupPolicies(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		c := iamClient(tg)
		must(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("devs")}))(t)
		g := aws.String("devs")

		// Inline.
		must(c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: g, PolicyName: aws.String("read"), PolicyDocument: aws.String(policyDoc("s3:GetObject"))}))(t)
		must(c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: g, PolicyName: aws.String("read"), PolicyDocument: aws.String(policyDoc("s3:ListBucket"))}))(t)
		got := must(c.GetGroupPolicy(ctx, &iam.GetGroupPolicyInput{GroupName: g, PolicyName: aws.String("read")}))(t)
		doc, err := url.QueryUnescape(aws.ToString(got.PolicyDocument))
		if err != nil || doc != policyDoc("s3:ListBucket") || aws.ToString(got.GroupName) != "devs" {
			t.Fatalf("GetGroupPolicy = %+v (decoded %q)", got, doc)
		}
		names := must(c.ListGroupPolicies(ctx, &iam.ListGroupPoliciesInput{GroupName: g}))(t).PolicyNames
		if !slices.Equal(names, []string{"read"}) {
			t.Fatalf("ListGroupPolicies = %v", names)
		}
		_, err = c.GetGroupPolicy(ctx, &iam.GetGroupPolicyInput{GroupName: g, PolicyName: aws.String("none")})
		wantCode(t, err, "NoSuchEntity")
		_, err = c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("nobody"), PolicyName: aws.String("x"), PolicyDocument: aws.String(policyDoc("s3:GetObject"))})
		wantCode(t, err, "NoSuchEntity")
		if !tg.moto {
			// moto differs from AWS: it stores a malformed document.
			_, err = c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: g, PolicyName: aws.String("bad"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"GetObject","Resource":"*"}]}`)})
			wantCode(t, err, "MalformedPolicyDocument")
			// moto differs from AWS: it has no GroupPolicySize quota (5,120
			// characters for all of a group's inline policies).
			big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + strings.Repeat("b", 5100) + `"}]}`
			_, err = c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: g, PolicyName: aws.String("big"), PolicyDocument: aws.String(big)})
			wantCode(t, err, "LimitExceeded")
		}

		// Attached.
		admin := aws.String("arn:aws:iam::aws:policy/AdministratorAccess")
		must(c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: g, PolicyArn: admin}))(t)
		att := must(c.ListAttachedGroupPolicies(ctx, &iam.ListAttachedGroupPoliciesInput{GroupName: g}))(t).AttachedPolicies
		if len(att) != 1 || aws.ToString(att[0].PolicyName) != "AdministratorAccess" || aws.ToString(att[0].PolicyArn) != aws.ToString(admin) {
			t.Fatalf("ListAttachedGroupPolicies = %+v", att)
		}
		_, err = c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: g, PolicyArn: aws.String("arn:aws:iam::" + accountOf(t, tg) + ":policy/missing")})
		wantCode(t, err, "NoSuchEntity")

		if !tg.moto {
			// moto differs from AWS: it deletes a group that has policies;
			// the DeleteGroup docs say it "must not ... have any attached
			// policies".
			_, err = c.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: g})
			wantCode(t, err, "DeleteConflict")
		}
		must(c.DeleteGroupPolicy(ctx, &iam.DeleteGroupPolicyInput{GroupName: g, PolicyName: aws.String("read")}))(t)
		_, err = c.DeleteGroupPolicy(ctx, &iam.DeleteGroupPolicyInput{GroupName: g, PolicyName: aws.String("read")})
		wantCode(t, err, "NoSuchEntity")
		must(c.DetachGroupPolicy(ctx, &iam.DetachGroupPolicyInput{GroupName: g, PolicyArn: admin}))(t)
		_, err = c.DetachGroupPolicy(ctx, &iam.DetachGroupPolicyInput{GroupName: g, PolicyArn: admin})
		wantCode(t, err, "NoSuchEntity")
		must(c.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: g}))(t)
	})
}

func TestConformanceIAMUserBoundary(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		c := iamClient(tg)
		if tg.moto {
			// moto differs from AWS: it has neither PutUserPermissionsBoundary
			// nor DeleteUserPermissionsBoundary (HTTP 500).
			t.Skip("moto has no user permissions boundaries")
		}
		createIAMUser(t, c, "bounded")
		u := aws.String("bounded")
		if b := must(c.GetUser(ctx, &iam.GetUserInput{UserName: u}))(t).User.PermissionsBoundary; b != nil {
			t.Fatalf("a new user has boundary %+v", b)
		}
		pol := must(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("cap"), PolicyDocument: aws.String(policyDoc("s3:*"))}))(t).Policy.Arn

		must(c.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: u, PermissionsBoundary: pol}))(t)
		b := must(c.GetUser(ctx, &iam.GetUserInput{UserName: u}))(t).User.PermissionsBoundary
		if b == nil || aws.ToString(b.PermissionsBoundaryArn) != aws.ToString(pol) || b.PermissionsBoundaryType != iamtypes.PermissionsBoundaryAttachmentTypePolicy {
			t.Fatalf("GetUser PermissionsBoundary = %s %s, want %s", aws.ToString(b.PermissionsBoundaryArn), b.PermissionsBoundaryType, aws.ToString(pol))
		}
		// Listings leave the boundary out, as the ListUsers docs say.
		for _, lu := range must(c.ListUsers(ctx, &iam.ListUsersInput{}))(t).Users {
			if lu.PermissionsBoundary != nil {
				t.Fatalf("ListUsers shows a boundary: %+v", lu)
			}
		}
		if n := must(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: pol}))(t).Policy.PermissionsBoundaryUsageCount; aws.ToInt32(n) != 1 {
			t.Fatalf("PermissionsBoundaryUsageCount = %d, want 1", aws.ToInt32(n))
		}
		_, err := c.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: u, PermissionsBoundary: aws.String("arn:aws:iam::" + accountOf(t, tg) + ":policy/missing")})
		wantCode(t, err, "NoSuchEntity")
		_, err = c.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("nobody"), PermissionsBoundary: pol})
		wantCode(t, err, "NoSuchEntity")

		// Deleting it, then deleting the user (a boundary does not block that).
		must(c.DeleteUserPermissionsBoundary(ctx, &iam.DeleteUserPermissionsBoundaryInput{UserName: u}))(t)
		if b := must(c.GetUser(ctx, &iam.GetUserInput{UserName: u}))(t).User.PermissionsBoundary; b != nil {
			t.Fatalf("boundary after DeleteUserPermissionsBoundary = %+v", b)
		}
		must(c.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: u, PermissionsBoundary: pol}))(t)
		must(c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: u}))(t)

		// CreateUser sets one too.
		power := aws.String("arn:aws:iam::aws:policy/PowerUserAccess")
		nu := must(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("capped"), PermissionsBoundary: power}))(t).User
		if nu.PermissionsBoundary == nil || aws.ToString(nu.PermissionsBoundary.PermissionsBoundaryArn) != aws.ToString(power) {
			t.Fatalf("CreateUser PermissionsBoundary = %+v", nu.PermissionsBoundary)
		}
		_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("capped2"), PermissionsBoundary: aws.String("not-an-arn-at-all-really")})
		wantCode(t, err, "InvalidInput")
	})
}

// The new IAM resources are in the state dump, come from the seed, and go
// back to it on reset.
func TestIAMProvidersSeedStateAndReset(t *testing.T) {
	seed := &Seed{Accounts: []SeedAccount{{ID: defaultManagementAccount, Name: "management",
		IAMGroups: []SeedIAMGroup{{Name: "Admins", Policies: []string{"arn:aws:iam::aws:policy/AdministratorAccess"},
			InlinePolicies: map[string]string{"deny": `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}`}}},
		IAMUsers:      []SeedIAMUser{{Name: "ops", Groups: []string{"Admins"}, PermissionsBoundary: "arn:aws:iam::aws:policy/PowerUserAccess"}},
		OIDCProviders: []SeedOIDCProvider{{URL: githubIssuer, ClientIDs: []string{"sts.amazonaws.com"}}},
	}}}
	_, url := startSandbox(t, Options{Seed: seed})
	ctx := context.Background()
	c := iam.NewFromConfig(sdkConfig(t, url))

	oidcARN := "arn:aws:iam::" + defaultManagementAccount + ":oidc-provider/token.actions.githubusercontent.com"
	if got := must(c.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(oidcARN)}))(t); !slices.Equal(got.ClientIDList, []string{"sts.amazonaws.com"}) {
		t.Fatalf("seeded provider = %+v", got)
	}
	if names := must(c.ListGroupPolicies(ctx, &iam.ListGroupPoliciesInput{GroupName: aws.String("admins")}))(t).PolicyNames; !slices.Equal(names, []string{"deny"}) {
		t.Fatalf("seeded group inline policies = %v", names)
	}
	if gs := must(c.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: aws.String("ops")}))(t).Groups; len(gs) != 1 || aws.ToString(gs[0].GroupName) != "Admins" {
		t.Fatalf("seeded user's groups = %+v", gs)
	}
	if b := must(c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("ops")}))(t).User.PermissionsBoundary; b == nil || aws.ToString(b.PermissionsBoundaryArn) != "arn:aws:iam::aws:policy/PowerUserAccess" {
		t.Fatalf("seeded boundary = %+v", b)
	}

	// Made through the API: in the state dump, gone after reset.
	must(c.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("Okta"), SAMLMetadataDocument: aws.String(samlMetadataDoc(t, "https://okta.example"))}))(t)
	pol := must(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("p"), PolicyDocument: aws.String(policyDoc("s3:GetObject"))}))(t).Policy.Arn
	must(c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: pol, PolicyDocument: aws.String(policyDoc("s3:PutObject")), SetAsDefault: true}))(t)
	var state struct {
		IAM map[string]IAMAccount `json:"iam"`
	}
	getJSON(t, url+"/_sandbox/state", &state)
	ia := state.IAM[defaultManagementAccount]
	if len(ia.SAMLProviders) != 1 || len(ia.OIDCProviders) != 1 || len(ia.Policies) != 1 || len(ia.Policies[0].Versions) != 2 || ia.Policies[0].DefaultVersion != "v2" {
		t.Fatalf("state: SAML %+v, OIDC %+v, policies %+v", ia.SAMLProviders, ia.OIDCProviders, ia.Policies)
	}
	if code := postJSON(t, url+"/_sandbox/reset", "", nil); code != 200 {
		t.Fatalf("reset = %d", code)
	}
	state.IAM = nil
	getJSON(t, url+"/_sandbox/state", &state)
	ia = state.IAM[defaultManagementAccount]
	if len(ia.SAMLProviders) != 0 || len(ia.Policies) != 0 || len(ia.OIDCProviders) != 1 || len(ia.Groups) != 1 || len(ia.Groups[0].InlinePolicies) != 1 {
		t.Fatalf("after reset: SAML %+v, OIDC %+v, policies %+v, groups %+v", ia.SAMLProviders, ia.OIDCProviders, ia.Policies, ia.Groups)
	}
}

func TestLoadSeedIAMGroupsAndProviders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.yaml")
	const doc = `accounts:
  - id: "111111111111"
    iam_groups:
      - name: Admins
        policies: [AdministratorAccess]
        inline_policies:
          bad: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"GetObject","Resource":"*"}]}'
    iam_users:
      - name: ops
        groups: [Admins, Nobody]
        permissions_boundary: PowerUserAccess
    oidc_providers:
      - url: http://token.actions.githubusercontent.com
        thumbprints: [abc]
`
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadSeed(path)
	if err == nil {
		t.Fatal("LoadSeed accepted a bad seed")
	}
	for _, want := range []string{
		`:5: accounts[0].iam_groups[0].policies[0]: "AdministratorAccess" is not a managed policy ARN`,
		`accounts[0].iam_groups[0].inline_policies.bad: `,
		`:10: accounts[0].iam_users[0].groups[1]: "Nobody" is not in the account's iam_groups`,
		`:11: accounts[0].iam_users[0].permissions_boundary: "PowerUserAccess" is not a managed policy ARN`,
		`:13: accounts[0].oidc_providers[0].url: Invalid Open ID Connect Provider URL`,
		`:14: accounts[0].oidc_providers[0].thumbprints[0]: "abc" is not a thumbprint`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// Provisioning a permission set into an account creates Identity Center's
// SAML provider there, the one its roles trust, as AWS does.
func TestProvisioningCreatesIdentityCenterSAMLProvider(t *testing.T) {
	seed := DefaultSeed()
	seed.Users = []SeedUser{{UserName: "alice", GivenName: "A", FamilyName: "B", Email: "alice@example.com"}}
	seed.PermissionSets = []SeedPermissionSet{{Name: "ReadOnly"}}
	seed.Assignments = []SeedAssignment{{PermissionSet: "ReadOnly", User: "alice", Accounts: []string{"222222222222"}}}
	_, endpoint := startSandbox(t, Options{Seed: seed})
	ctx := context.Background()
	cfg := sdkConfig(t, endpoint)

	if list := must(iam.NewFromConfig(cfg).ListSAMLProviders(ctx, &iam.ListSAMLProvidersInput{}))(t).SAMLProviderList; len(list) != 0 {
		t.Fatalf("the management account, not provisioned to, has SAML providers %+v", list)
	}
	c := memberIAM(t, cfg, "222222222222")
	list := must(c.ListSAMLProviders(ctx, &iam.ListSAMLProvidersInput{}))(t).SAMLProviderList
	if len(list) != 1 || !regexp.MustCompile(`^arn:aws:iam::222222222222:saml-provider/AWSSSO_[a-z2-7]{16}_DO_NOT_DELETE$`).MatchString(aws.ToString(list[0].Arn)) {
		t.Fatalf("ListSAMLProviders = %+v", list)
	}
	arn := aws.ToString(list[0].Arn)
	roles := must(c.ListRoles(ctx, &iam.ListRolesInput{PathPrefix: aws.String("/aws-reserved/")}))(t).Roles
	if len(roles) != 1 {
		t.Fatalf("reserved roles = %+v", roles)
	}
	trust, err := url.QueryUnescape(aws.ToString(roles[0].AssumeRolePolicyDocument))
	if err != nil || !strings.Contains(trust, `"Federated":"`+arn+`"`) {
		t.Fatalf("role trust %s does not name %s", trust, arn)
	}
	doc := aws.ToString(must(c.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: aws.String(arn)}))(t).SAMLMetadataDocument)
	if _, err := samlMetadata(doc); err != nil {
		t.Fatalf("Identity Center's metadata is not metadata IAM takes: %v", err)
	}
}

// apiCode is the code of an error the sandbox's handlers return, "" for none.
func apiCode(err error) string {
	if e, ok := errors.AsType[*apiError](err); ok {
		return e.Code
	}
	return ""
}

func TestOIDCIssuer(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		code     string
	}{
		{"https://token.actions.githubusercontent.com", "token.actions.githubusercontent.com", ""},
		{"https://gitlab.example.com/ci/", "gitlab.example.com/ci", ""},
		{"https://oidc.eks.us-east-1.amazonaws.com/id/ABC123", "oidc.eks.us-east-1.amazonaws.com/id/ABC123", ""},
		{"http://token.actions.githubusercontent.com", "", "InvalidInput"},
		{"token.actions.githubusercontent.com", "", "InvalidInput"},
		{"https://issuer.example/?aud=x", "", "InvalidInput"},
		{"https://issuer.example/?", "", "InvalidInput"},
		{"https://issuer.example/#frag", "", "InvalidInput"},
		{"https://user@issuer.example", "", "InvalidInput"},
		{"https://", "", "InvalidInput"},
		{"", "", "ValidationError"},
		{"https://" + strings.Repeat("a", 250), "", "ValidationError"},
	} {
		got, err := oidcIssuer(tc.in)
		if code := apiCode(err); got != tc.want || code != tc.code {
			t.Errorf("oidcIssuer(%q) = %q, %v; want %q, code %q", tc.in, got, err, tc.want, tc.code)
		}
	}
}

func TestSAMLMetadata(t *testing.T) {
	good := samlMetadataDoc(t, "https://idp.example.com")
	pad := func(s string) string { return s + "<!--" + strings.Repeat(" ", 1000) + "-->" }
	for _, tc := range []struct {
		name, doc string
		until     string // RFC 3339, "" for none
		code      string
	}{
		{"IdP metadata", good, "2030-01-02T03:04:05Z", ""},
		{"in an EntitiesDescriptor, no validUntil", pad(`<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"><EntityDescriptor entityID="x"/></EntitiesDescriptor>`), "", ""},
		{"no EntityDescriptor", pad(`<html><body>metadata</body></html>`), "", "InvalidInput"},
		{"not XML", pad(`{"EntityDescriptor": true}`), "", "InvalidInput"},
		{"unclosed", pad(`<EntityDescriptor entityID="x"><IDPSSODescriptor>`), "", "InvalidInput"},
		{"bad validUntil", pad(`<EntityDescriptor entityID="x" validUntil="next year"/>`), "", "InvalidInput"},
		{"too short", `<EntityDescriptor entityID="x"/>`, "", "ValidationError"},
	} {
		until, err := samlMetadata(tc.doc)
		if code := apiCode(err); code != tc.code {
			t.Errorf("%s: error %v, want code %q", tc.name, err, tc.code)
			continue
		}
		var got string
		if until != nil {
			got = until.Format(time.RFC3339)
		}
		if got != tc.until {
			t.Errorf("%s: validUntil %q, want %q", tc.name, got, tc.until)
		}
	}
}
