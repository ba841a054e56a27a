package policy

import (
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const gh = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"

func TestReadTrust(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      []WebIdentity
	}{
		{"statement as object, aud and sub with StringEquals", `{"Statement":{"Effect":"Allow","Principal":{"Federated":"` + gh + `"},"Action":"sts:AssumeRoleWithWebIdentity",
			"Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:sub":["repo:o/r:ref:refs/heads/main","repo:o@1/r@2:ref:refs/heads/main"]}}}}`,
			[]WebIdentity{{Provider: gh, Issuer: "token.actions.githubusercontent.com", Aud: []string{"sts.amazonaws.com"}, Sub: []string{"repo:o/r:ref:refs/heads/main", "repo:o@1/r@2:ref:refs/heads/main"}}}},
		{"aud only", `{"Statement":[{"Effect":"Allow","Principal":{"Federated":["` + gh + `"]},"Action":["sts:AssumeRoleWithWebIdentity","sts:TagSession"],
			"Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}}]}`,
			[]WebIdentity{{Provider: gh, Issuer: "token.actions.githubusercontent.com", Aud: []string{"sts.amazonaws.com"}}}},
		{"ForAnyValue:StringLike sub, key in another case", `{"Statement":[{"Effect":"Allow","Principal":{"Federated":"` + gh + `"},"Action":"sts:AssumeRoleWithWebIdentity",
			"Condition":{"ForAnyValue:StringLike":{"Token.Actions.GithubUserContent.com:Sub":"repo:o/*"},"Bool":{"aws:SecureTransport":true}}}]}`,
			[]WebIdentity{{Provider: gh, Issuer: "token.actions.githubusercontent.com", Sub: []string{"repo:o/*"}, SubLike: true,
				Other: []string{"Bool aws:SecureTransport"}}}},
		{"another issuer's keys do not count", `{"Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::1:oidc-provider/gitlab.com"},"Action":"sts:AssumeRoleWithWebIdentity",
			"Condition":{"StringEquals":{"token.actions.githubusercontent.com:sub":"repo:o/r:ref:refs/heads/main","gitlab.com:aud":"https://gitlab.com"}}}]}`,
			[]WebIdentity{{Provider: "arn:aws:iam::1:oidc-provider/gitlab.com", Issuer: "gitlab.com", Aud: []string{"https://gitlab.com"},
				Other: []string{"StringEquals token.actions.githubusercontent.com:sub"}}}},
		{"Deny, SAML and account principals are not web identity", `{"Statement":[
			{"Effect":"Deny","Principal":{"Federated":"` + gh + `"},"Action":"sts:AssumeRoleWithWebIdentity"},
			{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::1:saml-provider/okta"},"Action":"sts:AssumeRoleWithSAML"},
			{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:root"},"Action":"sts:AssumeRole"},
			{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadTrust(tc.doc)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got.WebIdentity); d != "" {
				t.Errorf("ReadTrust (-want +got):\n%s", d)
			}
		})
	}
	if _, err := ReadTrust(`{"Statement":`); err == nil {
		t.Error("ReadTrust of truncated JSON: no error")
	}
}

// TestReadTrustEncoded: IAM returns documents URL-encoded; ReadTrust reads
// them so, counts every statement, and a + in a decoded document stays.
func TestReadTrustEncoded(t *testing.T) {
	doc := `{"Statement":[{"Effect":"Allow","Principal":{"Federated":"` + gh + `"},"Action":"sts:AssumeRoleWithWebIdentity",
		"Condition":{"StringEquals":{"token.actions.githubusercontent.com:sub":"repo:o/r+x:ref:refs/heads/a b"}}},
		{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:root"},"Action":"sts:AssumeRole"}]}`
	for _, d := range []string{doc, url.QueryEscape(doc)} {
		got, err := ReadTrust(d)
		if err != nil {
			t.Fatal(err)
		}
		want := TrustPolicy{Statements: 2, WebIdentity: []WebIdentity{{Provider: gh, Issuer: "token.actions.githubusercontent.com",
			Sub: []string{"repo:o/r+x:ref:refs/heads/a b"}}}}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("ReadTrust (-want +got):\n%s", d)
		}
	}
	if got := Decode("%7B%22a%22%3A1%7D"); got != `{"a":1}` {
		t.Errorf("Decode = %q", got)
	}
	if got := Decode(`{"a":"x+y"}`); got != `{"a":"x+y"}` {
		t.Errorf("Decode of JSON = %q, want it unchanged", got)
	}
}
