package sandbox

import "testing"

func TestTrustAllows(t *testing.T) {
	const provider = "arn:aws:iam::222222222222:oidc-provider/token.example.com"
	req := trustRequest{action: "sts:AssumeRoleWithWebIdentity", federated: provider, keys: map[string][]string{
		"token.example.com:aud": {"sts.amazonaws.com"}, "token.example.com:sub": {"repo:acme/app:ref:refs/heads/main"},
		"token.example.com:amr": {"authenticated", "mfa"}}}
	allow := func(cond string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + provider + `"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":` + cond + `}]}`
	}
	tests := []struct {
		name, doc string
		want      bool
	}{
		{"no condition", allow(`{}`), true},
		{"StringEquals aud", allow(`{"StringEquals":{"token.example.com:aud":"sts.amazonaws.com"}}`), true},
		{"keys are case-insensitive", allow(`{"StringEquals":{"Token.Example.com:AUD":"sts.amazonaws.com"}}`), true},
		{"StringEquals wrong aud", allow(`{"StringEquals":{"token.example.com:aud":"other"}}`), false},
		{"StringLike sub", allow(`{"StringLike":{"token.example.com:sub":"repo:acme/*"}}`), true},
		{"StringLike any of a list", allow(`{"StringLike":{"token.example.com:sub":["repo:x/*","repo:acme/app:ref:refs/heads/ma?n"]}}`), true},
		{"StringLike does not match", allow(`{"StringLike":{"token.example.com:sub":"repo:acme/*:environment:prod"}}`), false},
		{"StringNotLike", allow(`{"StringNotLike":{"token.example.com:sub":"repo:evil/*"}}`), true},
		{"StringNotEquals matching", allow(`{"StringNotEquals":{"token.example.com:aud":"sts.amazonaws.com"}}`), false},
		{"absent key, positive operator", allow(`{"StringEquals":{"token.example.com:job":"x"}}`), false},
		{"absent key, IfExists", allow(`{"StringEqualsIfExists":{"token.example.com:job":"x"}}`), true},
		{"Null true on an absent key", allow(`{"Null":{"token.example.com:job":"true"}}`), true},
		{"Null false on an absent key", allow(`{"Null":{"token.example.com:job":"false"}}`), false},
		{"ForAnyValue", allow(`{"ForAnyValue:StringEquals":{"token.example.com:amr":"mfa"}}`), true},
		{"ForAllValues not all", allow(`{"ForAllValues:StringEquals":{"token.example.com:amr":"mfa"}}`), false},
		{"an unknown operator grants nothing", allow(`{"DateGreaterThan":{"token.example.com:aud":"x"}}`), false},
		{"another provider", `{"Statement":{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::222222222222:oidc-provider/other"},"Action":"sts:AssumeRoleWithWebIdentity"}}`, false},
		{"another action", `{"Statement":{"Effect":"Allow","Principal":{"Federated":"` + provider + `"},"Action":"sts:AssumeRole"}}`, false},
		{"action wildcard", `{"Statement":{"Effect":"Allow","Principal":{"Federated":["x","` + provider + `"]},"Action":"sts:AssumeRoleWith*"}}`, true},
		{"deny wins", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*"},{"Effect":"Deny","Principal":{"Federated":"` + provider + `"},"Action":"sts:*"}]}`, false},
		{"not JSON", `{`, false},
	}
	for _, tc := range tests {
		if got := trustAllows(tc.doc, req); got != tc.want {
			t.Errorf("%s: trustAllows = %v, want %v", tc.name, got, tc.want)
		}
	}
}
