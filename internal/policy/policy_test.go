package policy

import (
	"strings"
	"testing"
)

// doc wraps statements in a 2012-10-17 document.
func doc(statements string) string {
	return `{"Version":"2012-10-17","Statement":` + statements + `}`
}

const (
	listBucket = `"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"`
	iamPaths   = `IAM resource path must either be "*" or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.`
	noVendor   = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
	syntax     = "Syntax errors in policy."
	legacy     = "The policy failed legacy parsing"
	oldVersion = "Policy document must be version 2012-10-17 or greater."
)

// malformedIdentity are documents IAM refuses as identity policies, with the
// message it gives (AWS's, as recorded from IAM's replies).
var malformedIdentity = []struct{ name, doc, want string }{
	{"not json", `This is not a json document`, syntax},
	{"json array", `[{"Version":"2012-10-17"}]`, syntax},
	{"trailing data", doc(`{`+listBucket+`}`) + `{}`, syntax},
	{"no version", `{"Statement":{` + listBucket + `}}`, oldVersion},
	{"old version", `{"Version":"2008-10-17","Statement":{` + listBucket + `}}`, oldVersion},
	{"unknown version", `{"Version":"2013-10-17","Statement":{` + listBucket + `}}`, syntax},
	{"version not a string", `{"Version":20121017,"Statement":{` + listBucket + `}}`, syntax},
	{"no statement", `{"Version":"2012-10-17"}`, syntax},
	{"statement a string", doc(`"afd"`), syntax},
	{"statement list of strings", doc(`["afd"]`), syntax},
	{"empty statement list", doc(`[]`), syntax},
	{"unknown top element", `{"Version":"2012-10-17","Statement":{` + listBucket + `},"Extra field":"value"}`, syntax},
	{"unknown statement element", doc(`{` + listBucket + `,"Extra field":"value"}`), syntax},
	{"id a list", `{"Version":"2012-10-17","Id":["cd3a"],"Statement":{` + listBucket + `}}`, syntax},
	{"id an object", `{"Version":"2012-10-17","Id":{},"Statement":{` + listBucket + `}}`, syntax},
	{"unknown effect", doc(`{"Effect":"invalid","Action":"s3:ListBucket","Resource":"*"}`), syntax},
	{"no effect", doc(`{"Action":"s3:ListBucket","Resource":"*"}`), syntax},
	{"effect a list", doc(`{"Effect":["Allow"],"Action":"s3:ListBucket","Resource":"*"}`), syntax},
	{"effect lower case", doc(`{"Effect":"denY","Action":"s3:ListBucket","Resource":"*"}`), legacy},
	{"effect lower case, no version", `{"Statement":{"Effect":"denY","Action":"s3:ListBucket","Resource":"*"}}`, oldVersion},
	{"effect lower case before resource region", doc(`{"Effect":"allow","Resource":"arn:aws:s3:us-east-1::example_bucket"}`), legacy},
	{"effect lower case before duplicate sid", doc(`[{"Sid":"sdf","Effect":"aLLow","Action":"s3:ListBucket","Resource":"*"},{"Sid":"sdf","Effect":"Allow"}]`), legacy},
	{"action without vendor", doc(`{"Effect":"Allow","Action":"invalid","Resource":"*"}`), noVendor},
	{"action without vendor in a list", doc(`{"Effect":"Allow","Action":["s3:Get*","ListBucket"],"Resource":"*"}`), noVendor},
	{"empty not action", doc(`{"Effect":"Allow","NotAction":"","Resource":"*"}`), noVendor},
	{"vendor with a space", doc(`{"Effect":"Allow","Action":"a a:ListBucket","Resource":"*"}`), "Vendor a a is not valid"},
	{"vendor with an underscore", doc(`{"Effect":"Allow","Action":"s_3:ListBucket","Resource":"*"}`), "Vendor s_3 is not valid"},
	{"two colons", doc(`{"Effect":"Allow","Action":"s3:List:Bucket","Resource":"*"}`), "Actions/Condition can contain only one colon."},
	{"two colons in a later statement", doc(`[{"Effect":"Allow","Action":"s3s:ListBucket","Resource":"*"},{"Effect":"Allow","Action":"s:3s:ListBucket","Resource":"*"}]`), "Actions/Condition can contain only one colon."},
	{"action and not action", doc(`{"Effect":"Allow","NotAction":"s3:ListBucket","Action":"iam:dsf","Resource":"*"}`), syntax},
	{"action and empty not action", doc(`{"Effect":"Allow","NotAction":"s3s:ListBucket","Action":[],"Resource":"*"}`), syntax},
	{"resource and not resource", doc(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","NotResource":"*"}`), syntax},
	{"resource and empty not resource", doc(`{"Effect":"Allow","NotAction":"s3:ListBucket","Resource":"*","NotResource":[]}`), syntax},
	{"action an object", doc(`{"Effect":"Allow","Action":{},"Resource":"*"}`), syntax},
	{"action a nested list", doc(`{"Effect":"Deny","Action":[[]],"Resource":"*"}`), syntax},
	{"action a number", doc(`{"Effect":"Deny","Action":3,"Resource":"*"}`), syntax},
	{"resource an object", doc(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":{"a":"arn:aws:s3:::example_bucket"}}`), syntax},
	{"resource list with an object", doc(`{"Effect":"Deny","Action":"s3:ListBucket","Resource":["adfdf",{}]}`), syntax},
	{"no action", doc(`{"Effect":"Allow","Resource":"arn:aws:s3:::example_bucket"}`), "Policy statement must contain actions."},
	{"effect only", doc(`{"Effect":"Allow"}`), "Policy statement must contain actions."},
	{"empty action list", doc(`{"Effect":"Allow","Action":[],"Resource":"*"}`), "Policy statement must contain actions."},
	{"one statement without action", doc(`[{"Effect":"Deny"},{` + listBucket + `}]`), "Policy statement must contain actions."},
	{"no resource", doc(`{"Effect":"Allow","Action":"s3:ListBucket"}`), "Policy statement must contain resources."},
	{"empty resource list", doc(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":[]}`), "Policy statement must contain resources."},
	{"no resource, action without vendor", doc(`{"Effect":"Allow","Action":"invalid"}`), noVendor},
	{"resource not an arn", doc(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"invalid resource"}`), `Resource invalid resource must be in ARN format or "*".`},
	{"empty resource", doc(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":""}`), `Resource  must be in ARN format or "*".`},
	{"empty resources in two statements", doc(`[{"Sid":"A","Effect":"Allow","Action":["account:EnableRegion"],"Resource":"","Condition":{"StringEquals":{"account:TargetRegion":"ap-east-1"}}},{"Sid":"B","Effect":"Allow","Action":"account:ListRegions","Resource":""}]`), `Resource  must be in ARN format or "*".`},
	{"resource error before action error", doc(`{"Effect":"Allow","Action":"s:3:ListBucket","Resource":"sdfsadf"}`), `Resource sdfsadf must be in ARN format or "*".`},
	{"resource list not an arn", doc(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":["adf"]}`), `Resource adf must be in ARN format or "*".`},
	{"unknown partition", doc(`{"Effect":"Allow","NotAction":"s3s:ListBucket","Resource":"a:bsdfdsafsad"}`), `Partition "bsdfdsafsad" is not valid for resource "arn:bsdfdsafsad:*:*:*:*".`},
	{"unknown partition, service", doc(`{"Effect":"Allow","NotAction":"s3s:ListBucket","Resource":"a:b:cadfsdf"}`), `Partition "b" is not valid for resource "arn:b:cadfsdf:*:*:*".`},
	{"unknown partition, many parts", doc(`{"Effect":"Allow","NotAction":"s3s:ListBucket","Resource":"a:b:c:d:e:f:g:h"}`), `Partition "b" is not valid for resource "arn:b:c:d:e:f:g:h".`},
	{"arn prefix missing", doc(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"aws:s3:::example_bucket"}`), `Partition "s3" is not valid for resource "arn:s3:::example_bucket:*".`},
	{"unknown partition in a list", doc(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":["arn:error:s3:::example_bucket","arn:error:s3::example_bucket"]}`), `Partition "error" is not valid for resource "arn:error:s3:::example_bucket".`},
	{"no vendor in resource", doc(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws"}`), "Resource vendor must be fully qualified and cannot contain regexes."},
	{"iam resource without type", doc(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:iam:::example_bucket"}`), iamPaths},
	{"iam resource with region", doc(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:iam:us-east-1::example_bucket"}`), "IAM resource arn:aws:iam:us-east-1::example_bucket cannot contain region information."},
	{"s3 resource with region", doc(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:us-east-1::example_bucket"}`), "Resource arn:aws:s3:us-east-1::example_bucket can not contain region information."},
	{"arn missing a part", doc(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3::example_bucket"}`), legacy},
	{"arn missing a part, no action", doc(`{"Effect":"Allow","Resource":"arn:aws:s3::example_bucket"}`), legacy},
	{"not resource missing a part", doc(`{"Effect":"Allow","Action":"s3:ListBucket","NotResource":"arn:aws:s3::example_bucket"}`), legacy},
	{"arn without service", doc(`{"Effect":"Allow","NotAction":"s3:ListBucket","Resource":"arn:aws::::example_bucket"}`), legacy},
	{"arn with empty service", doc(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws::fdsasf"}`), legacy},
	{"condition a list", doc(`{` + listBucket + `,"Condition":[]}`), syntax},
	{"condition a string", doc(`{` + listBucket + `,"Condition":"a"}`), syntax},
	{"condition block a string", doc(`{` + listBucket + `,"Condition":{"a":"b"}}`), syntax},
	{"condition operator a string", doc(`{` + listBucket + `,"Condition":{"DateGreaterThan":"b"}}`), syntax},
	{"condition operator a list", doc(`{` + listBucket + `,"Condition":{"DateGreaterThan":[]}}`), syntax},
	{"condition value an object", doc(`{` + listBucket + `,"Condition":{"DateGreaterThan":{"a":{}}}}`), syntax},
	{"condition value an object, no action", doc(`{"Effect":"Allow","Resource":"*","Condition":{"DateGreaterThan":{"a":{}}}}`), syntax},
	{"condition value null", doc(`{` + listBucket + `,"Condition":{"StringEquals":{"a":null}}}`), syntax},
	{"unknown operator", doc(`{` + listBucket + `,"Condition":{"x":{"a":"1"}}}`), syntax},
	{"operator with two colons", doc(`{` + listBucket + `,"Condition":{"ForAnyValue::StringEqualsIfExists":{"a":"asf"}}}`), syntax},
	{"operator with two set prefixes", doc(`{` + listBucket + `,"Condition":{"ForAnyValue:ForAllValues:StringEquals":{"a":"asf"}}}`), syntax},
	{"operator with suffix first", doc(`{` + listBucket + `,"Condition":{"IfExistsStringEquals":{"a":"asf"}}}`), syntax},
	{"condition a list of blocks", doc(`{` + listBucket + `,"Condition":[{"ForAllValues:StringEquals":{"aws:TagKeys":"Department"}}]}`), syntax},
	{"date not a date", doc(`{` + listBucket + `,"Condition":{"DateGreaterThan":{"a":"sdfdsf"}}}`), legacy},
	{"date not a date, no version", `{"Statement":{` + listBucket + `,"Condition":{"DateGreaterThan":{"a":"sdfdsf"}}}}`, oldVersion},
	{"date not a date, no action", doc(`{"Effect":"Allow","Condition":{"DateGreaterThan":{"a":"sdfdsf"}}}`), legacy},
	{"date not a date before partition", doc(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:error:s3:::example_bucket","Condition":{"DateGreaterThan":{"a":"sdfdsf"}}}`), legacy},
	{"date month 13", doc(`{` + listBucket + `,"Condition":{"DateLessThanEquals":{"a":"234-13"}}}`), legacy},
	{"date offset one digit", doc(`{` + listBucket + `,"Condition":{"DateLessThanEquals":{"a":"2016-12-13t2:00:00.593194+1"}}}`), legacy},
	{"date fraction ten digits", doc(`{` + listBucket + `,"Condition":{"DateLessThanEquals":{"a":"2016-12-13t2:00:00.1999999999+10:59"}}}`), legacy},
	{"epoch too large", doc(`{` + listBucket + `,"Condition":{"DateLessThan":{"a":"9223372036854775808"}}}`), legacy},
	{"date in a list", doc(`{` + listBucket + `,"Condition":{"ForAnyValue:DateEqualsIfExists":{"a":["2019-01-01","2019-02-30x"]}}}`), legacy},
	{"sid an object", doc(`{"Sid":{},` + listBucket + `}`), syntax},
	{"sid a list", doc(`{"Sid":[],` + listBucket + `}`), syntax},
	{"duplicate sid", doc(`[{"Sid":"sdf",` + listBucket + `},{"Sid":"sdf","Effect":"Allow"}]`), "Statement IDs (SID) in a single policy must be unique."},
	{"duplicate sid, no version", `{"Statement":[{"Sid":"sdf",` + listBucket + `},{"Sid":"sdf","Effect":"Allow"}]}`, oldVersion},
	{"sid with a space", doc(`{"Sid":"my statement",` + listBucket + `}`), "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"},
	{"principal", doc(`{` + listBucket + `,"Principal":{"AWS":"*"}}`), "Policy document should not specify a principal."},
	{"not principal", doc(`{` + listBucket + `,"NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"}}`), "Policy document should not specify a principal."},
	{"principal a number", doc(`{` + listBucket + `,"Principal":1}`), syntax},
}

var validIdentity = []struct{ name, doc string }{
	{"resource list", doc(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":["arn:aws:s3:::example_bucket"]}`)},
	{"spaces in action name", doc(`{"Effect":"Allow","Action":"iam: asdf safdsf af ","Resource":"*"}`)},
	{"star action", doc(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::example_bucket"}`)},
	{"statement list", doc(`[{` + listBucket + `}]`)},
	{"dates", doc(`{"Effect":"Allow","Action":"service-prefix:action-name","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2017-07-01T00:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2017-12-31T23:59:59Z"}}}`)},
	{"iam user resource", doc(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:iam:::user/example_bucket"}`)},
	{"unknown service resource", doc(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:invalid-service:us-east-1::example_bucket"}`)},
	{"short arn", doc(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:fdsasf"}`)},
	{"ec2 with region", doc(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:ec2:us-east-1::example_bucket"}`)},
	{"s3 access point with region", doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:us-east-1:111122223333:accesspoint/ap"}`)},
	{"china partition", doc(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws-cn:s3:::example_bucket"}`)},
	{"govcloud partition", doc(`{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws-us-gov:iam::111122223333:user/bob"}`)},
	{"empty condition", doc(`{` + listBucket + `,"Condition":{}}`)},
	{"unknown operator, empty", doc(`{` + listBucket + `,"Condition":{"x":{},"y":{}}}`)},
	{"set operator", doc(`{` + listBucket + `,"Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":"Department"}}}`)},
	{"if exists", doc(`{` + listBucket + `,"Condition":{"ForAnyValue:StringEqualsIfExists":{"a":"asf"},"BoolIfExists":{"aws:MultiFactorAuthPresent":false}}}`)},
	{"numeric value", doc(`{` + listBucket + `,"Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":3600}}}`)},
	{"empty date list", doc(`{` + listBucket + `,"Condition":{"DateGreaterThan":{"a":[]}}}`)},
	{"dates in many forms", doc(`{` + listBucket + `,"Condition":{"DateLessThanEquals":{"a":["01T","2016-12-13T21:20:37.593194+00:00","2016-12-13t2:00:00.593194+23","-292275054","1700000000"]}}}`)},
	{"sid", doc(`[{"Sid":"ConsoleDisplay",` + listBucket + `},{"Sid":"",` + listBucket + `},{` + listBucket + `}]`)},
	{"id", `{"Version":"2012-10-17","Id":"sdfsdfsdf","Statement":{"Effect":"Allow","NotAction":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"}}`},
	{"not action, not resource", doc(`{"Effect":"Deny","NotAction":"s3:ListBucket","NotResource":["arn:aws:s3:::HRBucket/Payroll","*"]}`)},
	{"vendors with dots and dashes", doc(`{"Effect":"Allow","Action":["s3-s:ListBucket","s3.s:ListBucket","aws-portal:ViewAccount"],"Resource":"*"}`)},
	{"policy variables", doc(`{"Effect":"Allow","Action":"iam:ChangePassword","Resource":"arn:aws:iam::*:user/${aws:username}"}`)},
	{"wildcard arns", doc(`{"Effect":"Allow","Action":"dynamodb:Get*","Resource":["arn:aws:dynamodb:*:*:table/MyTable","arn:*:s3:::b"]}`)},
	{"null resource in list", doc(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":[null,"*"]}`)},
	{"white space", "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [ { \"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\" } ]\n}\n"},
}

func TestValidateIdentityRefuses(t *testing.T) {
	if len(malformedIdentity) < 78 {
		t.Errorf("only %d malformed kinds", len(malformedIdentity))
	}
	for _, c := range malformedIdentity {
		t.Run(c.name, func(t *testing.T) {
			err := ValidateIdentity(c.doc, 0)
			if err == nil {
				t.Fatalf("ValidateIdentity(%s) accepted it, want %q", c.doc, c.want)
			}
			if err.Error() != c.want || err.(*Error).Code != CodeMalformed {
				t.Errorf("ValidateIdentity(%s)\n got %s: %q\nwant MalformedPolicyDocument: %q", c.doc, err.(*Error).Code, err, c.want)
			}
		})
	}
}

func TestValidateIdentityAccepts(t *testing.T) {
	for _, c := range validIdentity {
		t.Run(c.name, func(t *testing.T) {
			if err := ValidateIdentity(c.doc, ManagedSize); err != nil {
				t.Errorf("ValidateIdentity(%s): %v", c.doc, err)
			}
		})
	}
}

func TestValidateIdentitySize(t *testing.T) {
	// The quota counts characters other than white space.
	pad := func(n int) string {
		d := doc(`{"Sid":"S","Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}`)
		return strings.Replace(d, `"S"`, `"`+strings.Repeat("a", n-Size(d)+1)+`"`, 1)
	}
	if d := pad(UserInlineSize); Size(d) != UserInlineSize {
		t.Fatalf("pad: size %d", Size(d))
	}
	if err := ValidateIdentity(pad(UserInlineSize)+strings.Repeat(" ", 500), UserInlineSize); err != nil {
		t.Errorf("a policy at the quota, with white space: %v", err)
	}
	err := ValidateIdentity(pad(ManagedSize+1), ManagedSize)
	if e, ok := err.(*Error); !ok || e.Code != CodeLimit || e.Message != "Cannot exceed quota for PolicySize: 6144" {
		t.Errorf("a policy over the quota: %v", err)
	}
}

const trustEC2 = `"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"`

func TestValidateTrust(t *testing.T) {
	for _, c := range []struct{ name, doc, want string }{
		{"service", doc(`{` + trustEC2 + `}`), ""},
		{"account and arn", doc(`[{"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:root"]},"Action":["sts:AssumeRole","sts:TagSession"]}]`), ""},
		{"saml", doc(`{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:saml-provider/okta"},"Action":"sts:AssumeRoleWithSAML","Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}`), ""},
		{"web identity", doc(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity"}`), ""},
		{"anyone", doc(`{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole"}`), ""},
		{"no principal", doc(`{"Effect":"Allow","Action":"sts:AssumeRole"}`), "Missing required field Principal"},
		{"resource", doc(`{` + trustEC2 + `,"Resource":"*"}`), "Has prohibited field Resource."},
		{"not an sts action", doc(`{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"s3:GetObject"}`), "Trust Policy statement actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity"},
		{"unknown principal kind", doc(`{"Effect":"Allow","Principal":{"User":"bob"},"Action":"sts:AssumeRole"}`), `Invalid principal in policy: "User"`},
		{"aws principal not an arn", doc(`{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"sts:AssumeRole"}`), `Invalid principal in policy: "AWS":"bob"`},
		{"principal a string", doc(`{"Effect":"Allow","Principal":"bob","Action":"sts:AssumeRole"}`), `Invalid principal in policy: "bob"`},
		{"principal a list", doc(`{"Effect":"Allow","Principal":["*"],"Action":"sts:AssumeRole"}`), syntax},
		{"empty principal", doc(`{"Effect":"Allow","Principal":{},"Action":"sts:AssumeRole"}`), syntax},
		{"no version", `{"Statement":{` + trustEC2 + `}}`, oldVersion},
		{"no action", doc(`{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"}}`), "Policy statement must contain actions."},
		{"too long", doc(`{"Sid":"` + strings.Repeat("a", TrustSize) + `",` + trustEC2 + `}`), "Cannot exceed quota for ACLSizePerRole: 2048"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := ValidateTrust(c.doc)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != c.want {
				t.Errorf("ValidateTrust(%s)\n got %q\nwant %q", c.doc, got, c.want)
			}
		})
	}
}
