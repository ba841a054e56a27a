package sandbox

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// The protocol fuzzers drive the whole handler in memory: any body for any
// operation must get an AWS-shaped answer, never a panic or a 5xx.

func fuzzServer(f *testing.F) *Server {
	srv, err := New(Options{Seed: &Seed{
		Users:  []SeedUser{{UserName: "alice", GivenName: "A", FamilyName: "B", Email: "alice@example.com"}},
		Groups: []SeedGroup{{Name: "g", Members: []string{"alice"}}},
	}})
	if err != nil {
		f.Fatal(err)
	}
	return srv
}

func jsonTargets(srv *Server) []string {
	var out []string
	for prefix, svc := range srv.table().json {
		for op := range svc.ops {
			out = append(out, prefix+"."+op)
		}
	}
	slices.Sort(out)
	return out
}

func FuzzJSONProtocol(f *testing.F) {
	srv := fuzzServer(f)
	targets := jsonTargets(srv)
	seeds := []string{`{}`, ``, `{"InstanceArn":"arn:aws:sso:::instance/ssoins-1111111111111111"}`,
		`{"IdentityStoreId":"d-1111111111","UserName":"x","DisplayName":"x","Name":{"GivenName":"a","FamilyName":"b"}}`,
		`{"MaxResults":0}`, `{"MaxResults":-1,"NextToken":"!!"}`, `{"AccountId":"000000000000"}`, `[]`, `null`, `{"a":`,
		`{"Operations":[{"AttributePath":"name","AttributeValue":{"GivenName":1}}]}`, `{"Filters":[{}]}`,
		`{"TableName":"tbl","Item":{"pk":{"S":"a"},"x":{"L":[{"M":{"y":{"NS":["1","1.0"]}}},null]}},"ConditionExpression":"attribute_not_exists(pk)"}`,
		`{"TableName":"tbl","Key":{"pk":null},"UpdateExpression":"SET a = :v","ExpressionAttributeValues":{":v":{"N":"1e999"}}}`,
		`{"TableName":"tbl","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"a"}},"ExclusiveStartKey":{"pk":{"B":"!!"}}}`}
	for i := range targets {
		for _, s := range seeds {
			f.Add(uint16(i), []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, idx uint16, body []byte) {
		if len(targets) == 0 {
			t.Skip("no JSON operations")
		}
		target := targets[int(idx)%len(targets)]
		req := httptest.NewRequest("POST", "http://127.0.0.1/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", target)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q: HTTP %d %s", target, body, rec.Code, rec.Body)
		}
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %q: reply is not a JSON object: %s", target, body, rec.Body)
		}
		if rec.Code >= 400 && (out["__type"] == nil || out["message"] == nil) {
			t.Fatalf("%s %q: error without __type and message: %s", target, body, rec.Body)
		}
	})
}

func FuzzQueryProtocol(f *testing.F) {
	srv := fuzzServer(f)
	for _, s := range []string{
		"Action=GetCallerIdentity&Version=2011-06-15",
		"Action=CreateUser&Version=2010-05-08&UserName=bob",
		"Action=CreateAccessKey&Version=2010-05-08&UserName=bob",
		"Action=DeleteUser&Version=2010-05-08&UserName=bob",
		"Action=ListUsers&Version=2010-05-08&MaxItems=0&Marker=zz",
		"Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::222222222222:role/OrganizationAccountAccessRole&RoleSessionName=s&DurationSeconds=1",
		"Action=TagUser&Version=2010-05-08&UserName=bob&Tags.member.1.Key=k&Tags.member.999999999999.Value=v",
		"Action=PutUserPolicy&Version=2010-05-08&UserName=bob&PolicyName=p&PolicyDocument=%7B",
		"Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument=" + url.QueryEscape(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringLike":{"sts:ExternalId":"*?*"}}}]}`),
		"Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::111111111111:role/r&RoleSessionName=s&ExternalId=x",
		"Action=CreateInstanceProfile&Version=2010-05-08&InstanceProfileName=p",
		"Action=AddRoleToInstanceProfile&Version=2010-05-08&InstanceProfileName=p&RoleName=r",
		"Action=CreateServiceLinkedRole&Version=2010-05-08&AWSServiceName=autoscaling.amazonaws.com&CustomSuffix=x",
		"Action=GetCredentialReport&Version=2010-05-08", "Action=%zz", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest("POST", "http://127.0.0.1/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		// Signed as the SDK would, so that the handlers behind run; the
		// sandbox reads the credential scope, not the signature.
		service := "iam"
		if strings.Contains(body, "2011-06-15") {
			service = "sts"
		}
		req.Header.Set("Authorization", signedAs(service))
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%q: HTTP %d %s", body, rec.Code, rec.Body)
		}
		if err := xml.Unmarshal(rec.Body.Bytes(), new(struct{})); err != nil {
			t.Fatalf("%q: reply is not XML: %s", body, rec.Body)
		}
		if rec.Code >= 400 && !bytes.HasPrefix(rec.Body.Bytes(), []byte("<ErrorResponse><Error><Type>")) {
			t.Fatalf("%q: error not in the query shape: %s", body, rec.Body)
		}
	})
}

func FuzzRESTProtocol(f *testing.F) {
	srv := fuzzServer(f)
	routes := srv.table().rest
	for i := range routes {
		for _, s := range []string{`{}`, ``, `{"clientName":"x","clientType":"public"}`, `{"grantType":"refresh_token","refreshToken":"x"}`,
			`{"clientId":1}`, `{"a":`, `{"ScheduleExpression":"cron(0/5 L * ? * 2026)","FlexibleTimeWindow":{"Mode":"OFF"},"Target":{"Arn":"a","RoleArn":"r"}}`,
			`{"ScheduleExpression":"at(2026-01-01T00:00:00)","ScheduleExpressionTimezone":"Europe/Paris","StartDate":1e300,"FlexibleTimeWindow":{"Mode":"OFF"}}`} {
			f.Add(uint8(i), "account_id=222222222222&role_name=x&max_result=0", []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, idx uint8, query string, body []byte) {
		if len(routes) == 0 {
			t.Skip("no REST operations")
		}
		rt := routes[int(idx)%len(routes)]
		req := httptest.NewRequest(rt.method, "http://127.0.0.1/", bytes.NewReader(body))
		req.URL.Path = rt.path
		if rt.prefix {
			req.URL.Path += "name-1"
		}
		req.URL.RawQuery = query
		req.Header.Set("x-amz-sso_bearer_token", "bogus")
		if rt.service == "scheduler" {
			req.Header.Set("Authorization", signedAs(rt.service)) // else refused unsigned
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s?%s %q: HTTP %d %s", rt.method, rt.path, query, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %s: error body is not JSON: %s", rt.method, rt.path, rec.Body)
		}
	})
}

func FuzzPageToken(f *testing.F) {
	f.Add("accounts", encodeToken("accounts", 3))
	f.Add("users", "!!!")
	f.Fuzz(func(t *testing.T, kind, tok string) {
		items := []int{1, 2, 3, 4, 5}
		pg, next, err := page(items, kind, nil, &tok, 2, 100)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.Code != "ValidationException" {
				t.Fatalf("page error %v is not a ValidationException", err)
			}
			return
		}
		if len(pg) > 2 || (next != nil && *next == "") {
			t.Fatalf("page = %v, %v", pg, next)
		}
	})
}
