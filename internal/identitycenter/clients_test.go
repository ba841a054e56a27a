package identitycenter

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

func TestFullJitterStaysUnderTheCap(t *testing.T) {
	j := fullJitter{base: 100 * time.Millisecond, max: 2 * time.Second}
	for attempt := range 40 {
		ceil := min(j.max, j.base<<min(attempt, 20))
		var maxSeen time.Duration
		for range 200 {
			d, err := j.BackoffDelay(attempt, nil)
			if err != nil {
				t.Fatal(err)
			}
			if d < 0 || d >= ceil {
				t.Fatalf("attempt %d: delay %v outside [0, %v)", attempt, d, ceil)
			}
			maxSeen = max(maxSeen, d)
		}
		// Full jitter spreads over the whole range: 200 draws reach its top half.
		if maxSeen < ceil/2 {
			t.Errorf("attempt %d: largest of 200 delays %v, want some above %v", attempt, maxSeen, ceil/2)
		}
	}
}

func TestRetryableConflict(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want aws.Ternary
	}{
		{"sso-admin busy", &ssotypes.ConflictException{Message: aws.String("Too many concurrent operations: at most 15 ...")}, aws.TrueTernary},
		{"sso-admin in progress", &ssotypes.ConflictException{Message: aws.String("PermissionSet ps-1 has account assignment operations in progress")}, aws.TrueTernary},
		{"sso-admin exists", &ssotypes.ConflictException{Message: aws.String("PermissionSet with name Admin already exists.")}, aws.FalseTernary},
		{"sso-admin attached", &ssotypes.ConflictException{Message: aws.String("Permission set with id ps-1 already has a typed link attachment")}, aws.FalseTernary},
		{"identitystore concurrent", &istypes.ConflictException{Reason: istypes.ConflictExceptionReasonConcurrentModification}, aws.TrueTernary},
		{"identitystore duplicate", &istypes.ConflictException{Reason: istypes.ConflictExceptionReasonUniquenessConstraintViolation}, aws.FalseTernary},
		{"generic conflict", &smithy.GenericAPIError{Code: "ConflictException", Message: "busy"}, aws.TrueTernary},
		{"other", &smithy.GenericAPIError{Code: "AccessDeniedException"}, aws.UnknownTernary},
		{"not aws", errors.New("boom"), aws.UnknownTernary},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := (retryableConflict{}).IsErrorRetryable(tc.err); got != tc.want {
				t.Errorf("IsErrorRetryable = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseCaller(t *testing.T) {
	for _, tc := range []struct {
		arn  string
		want Caller
	}{
		{"arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/alice@example.com",
			Caller{AccountID: "111111111111", ARN: "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/alice@example.com",
				SSOPermissionSet: "AdministratorAccess", SSOUserName: "alice@example.com"}},
		{"arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Read_Only_0123456789abcdef/bob",
			Caller{AccountID: "111111111111", ARN: "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Read_Only_0123456789abcdef/bob",
				SSOPermissionSet: "Read_Only", SSOUserName: "bob"}},
		{"arn:aws:sts::111111111111:assumed-role/OrganizationAccountAccessRole/ci",
			Caller{AccountID: "111111111111", ARN: "arn:aws:sts::111111111111:assumed-role/OrganizationAccountAccessRole/ci"}},
		{"arn:aws:iam::111111111111:user/admin", Caller{AccountID: "111111111111", ARN: "arn:aws:iam::111111111111:user/admin"}},
	} {
		if diff := cmp.Diff(tc.want, parseCaller("111111111111", tc.arn)); diff != "" {
			t.Errorf("parseCaller(%s) (-want +got):\n%s", tc.arn, diff)
		}
	}
}

func TestPickInstance(t *testing.T) {
	one := ssotypes.InstanceMetadata{InstanceArn: aws.String("arn:aws:sso:::instance/ssoins-1"), IdentityStoreId: aws.String("d-1")}
	two := ssotypes.InstanceMetadata{InstanceArn: aws.String("arn:aws:sso:::instance/ssoins-2"), IdentityStoreId: aws.String("d-2")}
	for _, tc := range []struct {
		name    string
		all     []ssotypes.InstanceMetadata
		want    string
		arn     string
		errWant []string
	}{
		{name: "only one", all: []ssotypes.InstanceMetadata{one}, arn: "arn:aws:sso:::instance/ssoins-1"},
		{name: "asked for", all: []ssotypes.InstanceMetadata{one, two}, want: "arn:aws:sso:::instance/ssoins-2", arn: "arn:aws:sso:::instance/ssoins-2"},
		{name: "none", errWant: []string{"not enabled", "https://console.aws.amazon.com/singlesignon/home", "eu-west-1"}},
		{name: "two", all: []ssotypes.InstanceMetadata{one, two}, errWant: []string{"2 identity center instances", "instance_arn", "ssoins-2"}},
		{name: "unknown", all: []ssotypes.InstanceMetadata{one}, want: "arn:aws:sso:::instance/ssoins-9", errWant: []string{"ssoins-9 not found", "ssoins-1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := pickInstance(tc.all, tc.want, "eu-west-1")
			if tc.errWant != nil {
				if err == nil {
					t.Fatalf("got %v, want an error", aws.ToString(got.InstanceArn))
				}
				msg := err.Error()
				if h, ok := err.(interface{ Hint() string }); ok {
					msg += "\nhint: " + h.Hint()
				}
				for _, s := range tc.errWant {
					if !strings.Contains(msg, s) {
						t.Errorf("error %q does not say %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(got.InstanceArn) != tc.arn {
				t.Errorf("picked %s, want %s", aws.ToString(got.InstanceArn), tc.arn)
			}
		})
	}
}

func TestDiffs(t *testing.T) {
	add, drop := diff([]string{"c", "a", "b"}, []string{"b", "d"})
	if diff := cmp.Diff([][]string{{"a", "c"}, {"d"}}, [][]string{add, drop}); diff != "" {
		t.Errorf("diff (-want +got):\n%s", diff)
	}
	addR, dropR := diffRefs([]PolicyRef{{Name: "x"}, {Name: "y", Path: "/p/"}}, []PolicyRef{{Name: "x", Path: "/"}, {Name: "z", Path: "/"}})
	if diff := cmp.Diff([][]PolicyRef{{{Name: "y", Path: "/p/"}}, {{Name: "z", Path: "/"}}}, [][]PolicyRef{addR, dropR}); diff != "" {
		t.Errorf("diffRefs (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		a, b *Boundary
		eq   bool
	}{
		{nil, nil, true},
		{&Boundary{ManagedPolicyARN: "arn:x"}, nil, false},
		{&Boundary{ManagedPolicyARN: "arn:x"}, &Boundary{ManagedPolicyARN: "arn:x"}, true},
		{&Boundary{CustomerManaged: &PolicyRef{Name: "b"}}, &Boundary{CustomerManaged: &PolicyRef{Name: "b", Path: "/"}}, true},
		{&Boundary{CustomerManaged: &PolicyRef{Name: "b"}}, &Boundary{CustomerManaged: &PolicyRef{Name: "c"}}, false},
	} {
		if got := boundaryEqual(tc.a, tc.b); got != tc.eq {
			t.Errorf("boundaryEqual(%+v, %+v) = %v", tc.a, tc.b, got)
		}
	}
}

func TestCompactPolicy(t *testing.T) {
	got, err := CompactPolicy("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": []\n}\n")
	if err != nil || got != `{"Version":"2012-10-17","Statement":[]}` {
		t.Errorf("CompactPolicy = %q, %v", got, err)
	}
	if got, err := CompactPolicy("  "); got != "" || err != nil {
		t.Errorf("CompactPolicy(blank) = %q, %v", got, err)
	}
	if _, err := CompactPolicy("{"); err == nil {
		t.Error("CompactPolicy accepted bad JSON")
	}
}

func TestRetriesAWSErrorsButNotHTMLPages(t *testing.T) {
	for _, tc := range []struct {
		name, ctype, body string
		wantCalls         int
	}{
		{"aws internal failure", "application/x-amz-json-1.1", `{"__type":"InternalFailure","message":"try again"}`, 3},
		{"html 500 (moto: not implemented)", "text/html", "<!doctype html><title>500 Internal Server Error</title>", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.Header().Set("Content-Type", tc.ctype)
				w.WriteHeader(500)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			l := fastLimits()
			l.MaxAttempts = 3
			c := NewClients(sdkConfig(t, srv.URL, newRecorder(), true), l)
			if _, err := c.SSOAdmin.ListInstances(context.Background(), nil); err == nil {
				t.Fatal("no error from a 500")
			}
			if got := int(calls.Load()); got != tc.wantCalls {
				t.Fatalf("%d requests, want %d", got, tc.wantCalls)
			}
		})
	}
}

// Nothing listening: one attempt and a prompt error, not a minute of
// retries.
func TestUnreachableIsNotRetried(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // now nothing listens there
	var attempts atomic.Int32
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr),
		Credentials: credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "x", ""),
		HTTPClient:  countingClient{n: &attempts, c: http.DefaultClient}}
	c := NewClients(cfg, Limits{})
	_, err = c.SSOAdmin.ListInstances(context.Background(), &ssoadmin.ListInstancesInput{})
	if err == nil || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("err = %v, want connection refused", err)
	}
	if n := attempts.Load(); n != 1 {
		t.Errorf("%d attempts, want 1: connection refused was retried", n)
	}
}

type countingClient struct {
	n *atomic.Int32
	c *http.Client
}

func (c countingClient) Do(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.c.Do(r)
}
