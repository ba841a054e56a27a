package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
)

// recorder keeps the body and headers of the last reply a client read, so a
// scenario can check the wire format the SDK hides.
type recorder struct {
	mu     sync.Mutex
	body   []byte
	header http.Header
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	tr := &http.Transport{DisableKeepAlives: true}
	resp, err := tr.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.body, r.header = b, resp.Header.Clone()
	r.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

func (r *recorder) last() ([]byte, http.Header) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.body, r.header
}

// recording is tg's config with every reply recorded.
func recording(tg *target) (aws.Config, *recorder) {
	rec := &recorder{}
	cfg := tg.cfg.Copy()
	cfg.HTTPClient = &http.Client{Transport: rec}
	return cfg, rec
}

func TestConformanceIAMPolicyDescriptionAndTags(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		cfg, rec := recording(tg)
		c := iam.NewFromConfig(cfg)
		doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}}`
		created := must(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("described"), PolicyDocument: aws.String(doc),
			Description: aws.String("Lists buckets"), Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("data")}}}))(t).Policy
		// AWS documents Description as returned by GetPolicy (the Policy
		// shape); CreatePolicy's reply is checked for the tags only, as moto
		// leaves the description out there.
		if len(created.Tags) != 1 || aws.ToString(created.Tags[0].Key) != "team" {
			t.Errorf("CreatePolicy = tags %+v", created.Tags)
		}
		got := must(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: created.Arn}))(t).Policy
		if aws.ToString(got.Description) != "Lists buckets" || len(got.Tags) != 1 || aws.ToString(got.Tags[0].Value) != "data" {
			t.Errorf("GetPolicy = description %q, tags %+v", aws.ToString(got.Description), got.Tags)
		}

		// Without tags, AWS leaves the Tags element out (it is optional in
		// the User and Policy shapes); an empty <Tags/> is not what it sends.
		plain := must(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("plain"), PolicyDocument: aws.String(doc)}))(t).Policy
		if body, _ := rec.last(); bytes.Contains(body, []byte("<Tags")) {
			t.Errorf("CreatePolicy without tags sent a Tags element: %s", body)
		}
		must(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: plain.Arn}))(t)
		// moto differs from AWS: it sends <Tags/> in GetPolicy's reply.
		if body, _ := rec.last(); !tg.moto && bytes.Contains(body, []byte("<Tags")) {
			t.Errorf("GetPolicy without tags sent a Tags element: %s", body)
		}
		createIAMUser(t, c, "untagged")
		if body, _ := rec.last(); bytes.Contains(body, []byte("<Tags")) {
			t.Errorf("CreateUser without tags sent a Tags element: %s", body)
		}
		must(c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("untagged")}))(t)
		if body, _ := rec.last(); bytes.Contains(body, []byte("<Tags")) {
			t.Errorf("GetUser without tags sent a Tags element: %s", body)
		}
	})
}

func TestConformanceIAMAccessKeyWithoutUserName(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		c := iamClient(tg)
		createIAMUser(t, c, "kim")
		k1 := must(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("kim")}))(t).AccessKey
		k2 := must(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("kim")}))(t).AccessKey

		// Signed with kim's own key, UserName defaults to kim.
		kim := iam.NewFromConfig(keyConfig(t, tg.url, k1))
		must(kim.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{AccessKeyId: k2.AccessKeyId, Status: iamtypes.StatusTypeInactive}))(t)
		keys := must(c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("kim")}))(t).AccessKeyMetadata
		for _, k := range keys {
			if aws.ToString(k.AccessKeyId) == aws.ToString(k2.AccessKeyId) && k.Status != iamtypes.StatusTypeInactive {
				t.Errorf("UpdateAccessKey without UserName left %s %s", aws.ToString(k.AccessKeyId), k.Status)
			}
		}
		must(kim.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: k2.AccessKeyId}))(t)
		keys = must(c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("kim")}))(t).AccessKeyMetadata
		if len(keys) != 1 || aws.ToString(keys[0].AccessKeyId) != aws.ToString(k1.AccessKeyId) {
			t.Errorf("after DeleteAccessKey without UserName: %+v", keys)
		}
		// A key that is not kim's is not found among kim's: AWS takes the
		// signer as the user ("If you do not specify a user name, IAM
		// determines the user name implicitly based on the access key ID
		// signing the request", DeleteAccessKey). moto differs: it finds the
		// key's owner and deletes it.
		if !tg.moto {
			createIAMUser(t, c, "lee")
			k3 := must(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("lee")}))(t).AccessKey
			_, err := kim.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: k3.AccessKeyId})
			wantCode(t, err, "NoSuchEntity")
		}
		// With credentials that are no IAM user of the target (the
		// sandbox's stand-in administrator, moto's default account), the
		// key id names its owner.
		must(c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{AccessKeyId: k1.AccessKeyId, Status: iamtypes.StatusTypeInactive}))(t)
		keys = must(c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("kim")}))(t).AccessKeyMetadata
		if len(keys) != 1 || keys[0].Status != iamtypes.StatusTypeInactive {
			t.Errorf("UpdateAccessKey without UserName by the administrator: %+v", keys)
		}
		must(c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: k1.AccessKeyId}))(t)
		if keys = must(c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("kim")}))(t).AccessKeyMetadata; len(keys) != 0 {
			t.Errorf("DeleteAccessKey without UserName by the administrator left %+v", keys)
		}
	})
}

func TestConformanceIAMTagValidation(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		if tg.moto {
			// moto differs from AWS: it checks no tag on CreateUser or
			// TagUser. botocore's model
			// (tagKeyType, tagValueType, tagListType) gives the pattern,
			// the lengths and the limit of 50 that AWS enforces.
			t.Skip("moto does not validate IAM tags")
		}
		ctx := context.Background()
		c := iamClient(tg)
		tag := func(k, v string) iamtypes.Tag { return iamtypes.Tag{Key: aws.String(k), Value: aws.String(v)} }
		for _, tc := range []struct {
			name string
			tags []iamtypes.Tag
			code string
		}{
			{"key with a star", []iamtypes.Tag{tag("cost*center", "a")}, "ValidationError"},
			{"key too long", []iamtypes.Tag{tag(strings.Repeat("k", 129), "a")}, "ValidationError"},
			{"value too long", []iamtypes.Tag{tag("k", strings.Repeat("v", 257))}, "ValidationError"},
			{"aws prefix", []iamtypes.Tag{tag("aws:team", "a")}, "InvalidInput"},
			{"same key twice", []iamtypes.Tag{tag("team", "a"), tag("Team", "b")}, "InvalidInput"},
		} {
			_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u"), Tags: tc.tags})
			if errorCode(err) != tc.code {
				t.Errorf("CreateUser with %s: %v, want %s", tc.name, err, tc.code)
			}
		}
		createIAMUser(t, c, "tagged")
		var many []iamtypes.Tag
		for i := range 51 {
			many = append(many, tag(fmt.Sprint("k", i), "v"))
		}
		_, err := c.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("tagged"), Tags: many})
		wantCode(t, err, "ValidationError")
		_, err = c.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("tagged"), Tags: []iamtypes.Tag{tag("bad#key", "v")}})
		wantCode(t, err, "ValidationError")
		// Letters of any script, spaces and _.:/=+-@ are fine.
		must(c.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("tagged"), Tags: []iamtypes.Tag{tag("équipe données", "a b_c.d:e/f=g+h-i@j")}}))(t)
	})
}

func TestConformanceIAMSigningCertificateQuota(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		c := iamClient(tg)
		createIAMUser(t, c, "signer")
		for range 2 {
			must(c.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: aws.String("signer"), CertificateBody: aws.String(testCertPEM(t))}))(t)
		}
		_, err := c.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: aws.String("signer"), CertificateBody: aws.String(testCertPEM(t))})
		wantCode(t, err, "LimitExceeded")
		if !strings.Contains(err.Error(), "Cannot exceed quota for CertificatesPerUser: 2") {
			t.Errorf("third certificate: %v", err)
		}
	})
}

func TestConformanceIAMPartition(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := context.Background()
		for region, partition := range map[string]string{"cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov", "eu-west-1": "aws"} {
			cfg := tg.cfg.Copy()
			cfg.Region = region
			c := iam.NewFromConfig(cfg)
			name := "p-" + region
			u := createIAMUser(t, c, name)
			if want := "arn:" + partition + ":iam::"; !strings.HasPrefix(aws.ToString(u.Arn), want) {
				t.Errorf("CreateUser signed for %s: Arn %s, want %s...", region, aws.ToString(u.Arn), want)
			}
			p := must(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(name),
				PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}}`)}))(t).Policy
			if want := "arn:" + partition + ":iam::"; !strings.HasPrefix(aws.ToString(p.Arn), want) {
				t.Errorf("CreatePolicy signed for %s: Arn %s, want %s...", region, aws.ToString(p.Arn), want)
			}
			must(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(name), PolicyArn: p.Arn}))(t)
		}
	})
}

func TestConformanceIdentityStoreErrorRequestID(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg *target) {
		cfg, rec := recording(tg)
		c := identitystore.NewFromConfig(cfg)
		_, err := c.DescribeUser(context.Background(), &identitystore.DescribeUserInput{IdentityStoreId: storeOf(t, tg), UserId: aws.String("00000000-0000-0000-0000-000000000000")})
		wantCode(t, err, "ResourceNotFoundException")
		body, header := rec.last()
		var v map[string]any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("error body %s: %v", body, err)
		}
		// identitystore's error shapes have a RequestId member (its model);
		// AWS fills it with the request's id.
		if tg.moto {
			// moto leaves it out.
			return
		}
		if id := header.Get("x-amzn-RequestId"); v["RequestId"] != id || id == "" {
			t.Errorf("error body RequestId %v, header %q: %s", v["RequestId"], id, body)
		}
	})
}
