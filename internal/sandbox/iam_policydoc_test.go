package sandbox

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
)

// TestConformancePolicyDocuments sends malformed policies to CreatePolicy and
// PutUserPolicy: both targets refuse them with IAM's MalformedPolicyDocument
// message (moto's messages were recorded from IAM).
func TestConformancePolicyDocuments(t *testing.T) {
	stmt := func(s string) string { return `{"Version":"2012-10-17","Statement":` + s + `}` }
	cases := []struct {
		doc, want   string
		motoAccepts bool // moto lacks this check; AWS makes it (see the comment on the case)
	}{
		{`not json`, "Syntax errors in policy.", false},
		{`{"Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}}`, "Policy document must be version 2012-10-17 or greater.", false},
		{`{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}}`, "Policy document must be version 2012-10-17 or greater.", false},
		{stmt(`{"Effect":"Allow","Action":"ListBucket","Resource":"*"}`), "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.", false},
		{stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"bucket"}`), `Resource bucket must be in ARN format or "*".`, false},
		{stmt(`{"Effect":"Allow","Action":"s3:ListBucket","NotAction":"s3:Get*","Resource":"*"}`), "Syntax errors in policy.", false},
		{stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"StringEquals":"a"}}`), "Syntax errors in policy.", false},
		{stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"tomorrow"}}}`), "The policy failed legacy parsing", false},
		{stmt(`{"Effect":"allow","Action":"s3:ListBucket","Resource":"*"}`), "The policy failed legacy parsing", false},
		{stmt(`[{"Sid":"A","Effect":"Allow","Action":"s3:ListBucket","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"s3:Get*","Resource":"*"}]`), "Statement IDs (SID) in a single policy must be unique.", false},
		{stmt(`{"Effect":"Allow","Action":"s3:ListBucket"}`), "Policy statement must contain resources.", false},
		{stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:iam::111122223333:bob"}`), `IAM resource path must either be "*" or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.`, false},
		// AWS: "You cannot use the Principal element in an identity-based
		// policy" (IAM JSON policy elements: Principal); moto accepts it.
		{stmt(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:ListBucket","Resource":"*"}`), "Policy document should not specify a principal.", true},
		// AWS: a Sid "supports ASCII uppercase letters (A-Z), lowercase
		// letters (a-z), and numbers (0-9)" (IAM JSON policy elements: Sid);
		// moto accepts any string.
		{stmt(`{"Sid":"read only","Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}`), "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*", true},
	}
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		c := iamClient(tg)
		createIAMUser(t, c, "pat")
		for i, cs := range cases {
			_, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(fmt.Sprint("p", i)), PolicyDocument: aws.String(cs.doc)})
			_, err2 := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("pat"), PolicyName: aws.String(fmt.Sprint("p", i)), PolicyDocument: aws.String(cs.doc)})
			for op, err := range map[string]error{"CreatePolicy": err, "PutUserPolicy": err2} {
				if tg.moto && cs.motoAccepts {
					if err != nil {
						t.Errorf("moto now refuses %s(%s): %v: drop motoAccepts", op, cs.doc, err)
					}
					continue
				}
				var ae smithy.APIError
				if !errors.As(err, &ae) || ae.ErrorCode() != "MalformedPolicyDocument" || ae.ErrorMessage() != cs.want {
					t.Errorf("%s(%s) = %v, want MalformedPolicyDocument: %s", op, cs.doc, err, cs.want)
				}
			}
		}
		// A well-formed policy in the forms people write passes on both.
		good := stmt(`[{"Sid":"List","Effect":"Allow","Action":["s3:ListBucket","s3:Get*"],"Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"ForAnyValue:StringLikeIfExists":{"s3:prefix":["home/"]},"Bool":{"aws:SecureTransport":"true"}}},{"Effect":"Deny","NotAction":"iam:*","NotResource":"arn:aws:iam::*:user/${aws:username}"}]`)
		must(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("good"), PolicyDocument: aws.String(good)}))(t)
		must(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("pat"), PolicyName: aws.String("good"), PolicyDocument: aws.String(good)}))(t)
	})
}
