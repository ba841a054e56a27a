package policy

import (
	"strings"
	"testing"
)

func mustCompile(t *testing.T, doc string) *Compiled {
	t.Helper()
	c, err := Compile(doc)
	if err != nil {
		t.Fatalf("Compile(%s): %v", doc, err)
	}
	return c
}

// stmt makes a one-statement document.
func stmt(body string) string {
	return `{"Version":"2012-10-17","Statement":[` + body + `]}`
}

const (
	issued  = "2026-12-02T10:00:00Z"
	allowIt = `{"Effect":"Allow","Action":"*","Resource":"*"}`
)

// requestContext is the condition keys of the requests the tests make.
var requestContext = map[string][]string{
	"aws:tokenissuetime":          {issued},
	"aws:currenttime":             {"2026-12-02T11:00:00Z"},
	"aws:epochtime":               {"1796209200"},
	"aws:sourceip":                {"127.0.0.1"},
	"aws:principalarn":            {"arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_ReadOnly_0123456789abcdef"},
	"aws:principalaccount":        {"111111111111"},
	"aws:userid":                  {"AROAEXAMPLE:alice"},
	"aws:requestedregion":         {"eu-west-1"},
	"aws:multifactorauthpresent":  {"false"},
	"aws:principaltag/team":       {"platform"},
	"aws:principaltag/costcenter": {"42"},
	"test:multi":                  {"a", "b"},
}

func TestEvaluate(t *testing.T) {
	ctx := requestContext
	tests := []struct {
		name     string
		identity []string
		boundary string
		session  []string // nil: no session policy
		action   string
		resource string
		want     Decision
	}{
		{name: "no policy", action: "iam:CreateUser", want: Decision{Kind: Identity}},
		{name: "allow all", identity: []string{stmt(allowIt)}, action: "iam:CreateUser", want: Decision{Allowed: true}},
		{name: "deny wins over allow", identity: []string{stmt(allowIt), stmt(`{"Effect":"Deny","Action":"iam:*","Resource":"*"}`)},
			action: "iam:CreateUser", want: Decision{ExplicitDeny: true, Kind: Identity}},
		{name: "deny of another action", identity: []string{stmt(allowIt + `,{"Effect":"Deny","Action":"iam:Delete*","Resource":"*"}`)},
			action: "iam:CreateUser", want: Decision{Allowed: true}},
		{name: "actions ignore case", identity: []string{stmt(`{"Effect":"Allow","Action":"IAM:createuser","Resource":"*"}`)},
			action: "iam:CreateUser", want: Decision{Allowed: true}},
		{name: "action wildcard *", identity: []string{stmt(`{"Effect":"Allow","Action":["*:Get*","*:List*","*:Describe*"],"Resource":"*"}`)},
			action: "sso:ListPermissionSets", want: Decision{Allowed: true}},
		{name: "read-only refuses a write", identity: []string{stmt(`{"Effect":"Allow","Action":["*:Get*","*:List*","*:Describe*"],"Resource":"*"}`)},
			action: "sso:CreatePermissionSet", want: Decision{Kind: Identity}},
		{name: "action wildcard ?", identity: []string{stmt(`{"Effect":"Allow","Action":"iam:?etUser","Resource":"*"}`)},
			action: "iam:GetUser", want: Decision{Allowed: true}},
		{name: "? is one character", identity: []string{stmt(`{"Effect":"Allow","Action":"iam:?etUser","Resource":"*"}`)},
			action: "iam:ResetUser", want: Decision{Kind: Identity}},
		{name: "NotAction allows the others", identity: []string{stmt(`{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}`)},
			action: "sso:CreatePermissionSet", want: Decision{Allowed: true}},
		{name: "NotAction leaves out its own", identity: []string{stmt(`{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}`)},
			action: "iam:CreateUser", want: Decision{Kind: Identity}},
		{name: "deny with NotAction", identity: []string{stmt(allowIt + `,{"Effect":"Deny","NotAction":"iam:Get*","Resource":"*"}`)},
			action: "iam:CreateUser", want: Decision{ExplicitDeny: true, Kind: Identity}},
		{name: "resource matches", identity: []string{stmt(`{"Effect":"Allow","Action":"iam:CreateUser","Resource":"arn:aws:iam::*:user/dev-*"}`)},
			action: "iam:CreateUser", resource: "arn:aws:iam::111111111111:user/dev-x", want: Decision{Allowed: true}},
		{name: "resource does not match", identity: []string{stmt(`{"Effect":"Allow","Action":"iam:CreateUser","Resource":"arn:aws:iam::*:user/dev-*"}`)},
			action: "iam:CreateUser", resource: "arn:aws:iam::111111111111:user/prod-x", want: Decision{Kind: Identity}},
		{name: "resources are case sensitive", identity: []string{stmt(`{"Effect":"Allow","Action":"iam:CreateUser","Resource":"arn:aws:iam::*:user/Dev-*"}`)},
			action: "iam:CreateUser", resource: "arn:aws:iam::111111111111:user/dev-x", want: Decision{Kind: Identity}},
		{name: "NotResource", identity: []string{stmt(`{"Effect":"Allow","Action":"iam:*","NotResource":"arn:aws:iam::*:user/admin"}`)},
			action: "iam:DeleteUser", resource: "arn:aws:iam::111111111111:user/admin", want: Decision{Kind: Identity}},
		{name: "policy variable in resource", identity: []string{stmt(`{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam::*:user/${aws:PrincipalTag/team}-*"}`)},
			action: "iam:CreateUser", resource: "arn:aws:iam::111111111111:user/platform-bot", want: Decision{Allowed: true}},
		{name: "policy variable of an absent key matches nothing", identity: []string{stmt(`{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam::*:user/${aws:username}"}`)},
			action: "iam:CreateUser", resource: "arn:aws:iam::111111111111:user/", want: Decision{Kind: Identity}},
		{name: "policy variable default", identity: []string{stmt(`{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam::*:user/${aws:username, 'nobody'}"}`)},
			action: "iam:CreateUser", resource: "arn:aws:iam::111111111111:user/nobody", want: Decision{Allowed: true}},
		{name: "variables are literal in version 2008", identity: []string{`{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam::*:user/${aws:PrincipalTag/team}"}]}`},
			action: "iam:CreateUser", resource: "arn:aws:iam::111111111111:user/platform", want: Decision{Kind: Identity}},

		// Boundaries and session policies.
		{name: "boundary allows", identity: []string{stmt(allowIt)}, boundary: stmt(`{"Effect":"Allow","Action":"iam:*","Resource":"*"}`),
			action: "iam:CreateUser", want: Decision{Allowed: true}},
		{name: "boundary allows nothing of it", identity: []string{stmt(allowIt)}, boundary: stmt(`{"Effect":"Allow","Action":"sso:*","Resource":"*"}`),
			action: "iam:CreateUser", want: Decision{Kind: Boundary}},
		{name: "boundary alone grants nothing", boundary: stmt(allowIt), action: "iam:CreateUser", want: Decision{Kind: Identity}},
		{name: "boundary denies", identity: []string{stmt(allowIt)}, boundary: stmt(allowIt + `,{"Effect":"Deny","Action":"iam:*","Resource":"*"}`),
			action: "iam:CreateUser", want: Decision{ExplicitDeny: true, Kind: Boundary}},
		{name: "session policy narrows", identity: []string{stmt(allowIt)}, session: []string{stmt(`{"Effect":"Allow","Action":"sso:List*","Resource":"*"}`)},
			action: "iam:CreateUser", want: Decision{Kind: Session}},
		{name: "session policy allows", identity: []string{stmt(allowIt)}, session: []string{stmt(`{"Effect":"Allow","Action":"sso:List*","Resource":"*"}`)},
			action: "sso:ListInstances", want: Decision{Allowed: true}},
		{name: "session policy denies", identity: []string{stmt(allowIt)}, session: []string{stmt(allowIt + `,{"Effect":"Deny","Action":"sso:*","Resource":"*"}`)},
			action: "sso:ListInstances", want: Decision{ExplicitDeny: true, Kind: Session}},
		{name: "session policy does not grant", session: []string{stmt(allowIt)}, action: "sso:ListInstances", want: Decision{Kind: Identity}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p Policies
			for _, d := range tt.identity {
				p.Identity = append(p.Identity, mustCompile(t, d))
			}
			if tt.boundary != "" {
				p.Boundary = mustCompile(t, tt.boundary)
			}
			if tt.session != nil {
				p.Session = []*Compiled{}
				for _, d := range tt.session {
					p.Session = append(p.Session, mustCompile(t, d))
				}
			}
			res := tt.resource
			if res == "" {
				res = "*"
			}
			got := p.Evaluate(&Request{Action: tt.action, Resource: res, Context: ctx})
			if got != tt.want {
				t.Errorf("Evaluate(%s on %s) = %+v, want %+v", tt.action, res, got, tt.want)
			}
		})
	}
}

// TestConditions runs each operator against the request context of
// TestEvaluate, in an Allow statement: want is whether it allows.
func TestConditions(t *testing.T) {
	ctx := requestContext
	tests := []struct {
		cond string
		want bool
	}{
		{`"StringEquals":{"aws:RequestedRegion":"eu-west-1"}`, true},
		{`"StringEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}`, true},
		{`"StringEquals":{"aws:RequestedRegion":"EU-WEST-1"}`, false},
		{`"StringEquals":{"AWS:REQUESTEDREGION":"eu-west-1"}`, true}, // keys ignore case
		{`"StringNotEquals":{"aws:RequestedRegion":"us-east-1"}`, true},
		{`"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}`, false},
		{`"StringEqualsIgnoreCase":{"aws:RequestedRegion":"EU-WEST-1"}`, true},
		{`"StringNotEqualsIgnoreCase":{"aws:RequestedRegion":"EU-WEST-1"}`, false},
		{`"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_ReadOnly_*"}`, true},
		{`"StringLike":{"aws:RequestedRegion":"eu-????-1"}`, true},
		{`"StringLike":{"aws:RequestedRegion":"us-*"}`, false},
		{`"StringNotLike":{"aws:RequestedRegion":"us-*"}`, true},
		{`"StringEquals":{"aws:PrincipalTag/team":"${aws:PrincipalTag/team}"}`, true},
		{`"NumericEquals":{"aws:PrincipalTag/costcenter":"42"}`, true},
		{`"NumericNotEquals":{"aws:PrincipalTag/costcenter":"42"}`, false},
		{`"NumericLessThan":{"aws:PrincipalTag/costcenter":"43"}`, true},
		{`"NumericLessThanEquals":{"aws:PrincipalTag/costcenter":"42"}`, true},
		{`"NumericGreaterThan":{"aws:PrincipalTag/costcenter":"42"}`, false},
		{`"NumericGreaterThanEquals":{"aws:PrincipalTag/costcenter":42}`, true},
		{`"NumericEquals":{"aws:PrincipalTag/team":"1"}`, false}, // not a number
		{`"DateLessThan":{"aws:TokenIssueTime":"2026-12-02T10:30:00Z"}`, true},
		{`"DateLessThan":{"aws:TokenIssueTime":"2026-12-02T10:00:00Z"}`, false},
		{`"DateLessThanEquals":{"aws:TokenIssueTime":"2026-12-02T10:00:00Z"}`, true},
		{`"DateGreaterThan":{"aws:TokenIssueTime":"2026-12-02"}`, true},
		{`"DateGreaterThanEquals":{"aws:CurrentTime":"2026-12-02T12:00:00+01:00"}`, true},
		{`"DateEquals":{"aws:EpochTime":"2026-12-02T11:00:00Z"}`, true},
		{`"DateNotEquals":{"aws:CurrentTime":"1796209200"}`, false}, // epoch seconds in the policy
		{`"DateLessThan":{"aws:CurrentTime":"not a date"}`, false},
		{`"Bool":{"aws:MultiFactorAuthPresent":"false"}`, true},
		{`"Bool":{"aws:MultiFactorAuthPresent":true}`, false},
		{`"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}`, true},
		{`"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.0.2.7"]}`, false},
		{`"IpAddress":{"aws:SourceIp":"127.0.0.1"}`, true},
		{`"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}`, true},
		{`"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/*"}`, true},
		{`"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::2222*:role/*"}`, false},
		{`"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_ReadOnly_0123456789abcdef"}`, true},
		{`"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/aws-reserved/*"}`, false},
		{`"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/other"}`, true},
		{`"Null":{"aws:username":"true"}`, true},
		{`"Null":{"aws:SourceIp":"true"}`, false},
		{`"Null":{"aws:SourceIp":"false"}`, true},
		{`"StringEquals":{"aws:RequestedRegion":"eu-west-1","aws:PrincipalTag/team":"other"}`, false}, // keys are ANDed

		// Absent keys: positive operators fail, negated ones hold,
		// IfExists holds, ForAllValues holds, ForAnyValue fails.
		{`"StringEquals":{"aws:username":"alice"}`, false},
		{`"StringNotEquals":{"aws:username":"alice"}`, true},
		{`"StringEqualsIfExists":{"aws:username":"alice"}`, true},
		{`"StringEqualsIfExists":{"aws:RequestedRegion":"us-east-1"}`, false}, // present: compared
		{`"DateLessThanIfExists":{"aws:TokenIssueTime":"2026-12-02T09:00:00Z"}`, false},
		{`"BoolIfExists":{"aws:ViaAWSService":"false"}`, true},
		{`"ForAllValues:StringEquals":{"aws:TagKeys":"x"}`, true},
		{`"ForAnyValue:StringEquals":{"aws:TagKeys":"x"}`, false},

		// Multivalued keys.
		{`"ForAnyValue:StringEquals":{"test:multi":["b","c"]}`, true},
		{`"ForAnyValue:StringEquals":{"test:multi":["c"]}`, false},
		{`"ForAllValues:StringEquals":{"test:multi":["a","b","c"]}`, true},
		{`"ForAllValues:StringEquals":{"test:multi":["a"]}`, false},
		{`"ForAllValues:StringNotEquals":{"test:multi":["c"]}`, true},
		{`"ForAnyValue:StringNotEquals":{"test:multi":["a"]}`, true},
		{`"ForAnyValue:StringLike":{"test:multi":["?"]}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.cond, func(t *testing.T) {
			doc := stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{` + tt.cond + `}}`)
			p := Policies{Identity: []*Compiled{mustCompile(t, doc)}}
			got := p.Evaluate(&Request{Action: "sts:GetCallerIdentity", Resource: "*", Context: ctx})
			if got.Allowed != tt.want {
				t.Errorf("condition {%s}: allowed = %v, want %v", tt.cond, got.Allowed, tt.want)
			}
		})
	}
}

// TestTokenIssueTimeDeny is how a grant's revocation cuts sessions: a deny
// of everything for sessions issued before the revocation.
func TestTokenIssueTimeDeny(t *testing.T) {
	doc := stmt(allowIt + `,{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"2026-12-02T10:30:00Z"}}}`)
	p := Policies{Identity: []*Compiled{mustCompile(t, doc)}}
	for issued, want := range map[string]bool{"2026-12-02T10:00:00Z": false, "2026-12-02T10:29:59Z": false, "2026-12-02T10:30:00Z": true, "2026-12-02T11:00:00Z": true} {
		got := p.Evaluate(&Request{Action: "sso:ListInstances", Resource: "*", Context: map[string][]string{"aws:tokenissuetime": {issued}}})
		if got.Allowed != want {
			t.Errorf("session issued %s: allowed = %v, want %v", issued, got.Allowed, want)
		}
	}
	// A session without the key (none the sandbox issues) is not denied by
	// DateLessThan, as in AWS.
	if got := p.Evaluate(&Request{Action: "sso:ListInstances", Resource: "*"}); !got.Allowed {
		t.Errorf("session without aws:TokenIssueTime: %+v, want allowed", got)
	}
}

func TestReason(t *testing.T) {
	for d, want := range map[Decision]string{
		{Kind: Identity}:                     "because no identity-based policy allows the iam:CreateUser action",
		{Kind: Boundary}:                     "because no permissions boundary allows the iam:CreateUser action",
		{Kind: Session}:                      "because no session policy allows the iam:CreateUser action",
		{ExplicitDeny: true, Kind: Identity}: "with an explicit deny in an identity-based policy",
		{ExplicitDeny: true, Kind: Boundary}: "with an explicit deny in a permissions boundary",
		{ExplicitDeny: true, Kind: Session}:  "with an explicit deny in a session policy",
	} {
		if got := d.Reason("iam:CreateUser"); got != want {
			t.Errorf("%+v.Reason = %q, want %q", d, got, want)
		}
	}
}

func TestMatchWildcards(t *testing.T) {
	for _, tt := range []struct {
		pattern, s string
		fold, want bool
	}{
		{"*", "", false, true},
		{"a*b*c", "aXbYc", false, true},
		{"a*b*c", "aXbY", false, false},
		{"a?c", "abc", false, true},
		{"a?c", "ac", false, false},
		{"*:get*", "IAM:GetUser", true, true},
		{"*:get*", "IAM:GetUser", false, false},
		{`a\*`, "a*", false, true},
		{`a\*`, "ab", false, false},
		{"**x", "yyx", false, true},
		{"é?", "éé", false, true},
	} {
		if got := matchWildcards(tt.pattern, tt.s, tt.fold); got != tt.want {
			t.Errorf("matchWildcards(%q, %q, %v) = %v, want %v", tt.pattern, tt.s, tt.fold, got, tt.want)
		}
	}
}

func TestCompileRefusesBadSyntax(t *testing.T) {
	for _, doc := range []string{`{`, `{"Statement":[]}`, stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":{"nested":1}}}}`)} {
		if _, err := Compile(doc); err == nil || !strings.Contains(err.Error(), "Syntax errors") {
			t.Errorf("Compile(%s) = %v, want a syntax error", doc, err)
		}
	}
}

// BenchmarkEvaluate is one call of a ReadOnly permission set's session with
// an aws:TokenIssueTime deny, as the sandbox evaluates it on every call.
func BenchmarkEvaluate(b *testing.B) {
	ro, err := Compile(stmt(`{"Effect":"Allow","Action":["*:Describe*","*:Get*","*:List*","iam:Generate*","iam:Simulate*","identitystore:IsMemberInGroups"],"Resource":"*"}`))
	if err != nil {
		b.Fatal(err)
	}
	deny, err := Compile(stmt(`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"2026-12-02T10:30:00Z"}}}`))
	if err != nil {
		b.Fatal(err)
	}
	p := Policies{Identity: []*Compiled{ro, deny}}
	r := &Request{Action: "iam:ListUsers", Resource: "arn:aws:iam::111111111111:user/", Context: map[string][]string{"aws:tokenissuetime": {"2026-12-02T11:00:00Z"}}}
	for b.Loop() {
		if !p.Evaluate(r).Allowed {
			b.Fatal("refused")
		}
	}
}
