package sandbox

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Calls the sandbox makes to itself on behalf of a service principal: an
// EventBridge Scheduler universal target, a Step Functions AWS SDK task.
// Each is a request signed with the role session's keys and served by the
// sandbox's own handler, so authentication and IAM evaluation apply as
// they do to any caller.

// selfService is how the sandbox serves one service to its own calls:
// the name universal targets and SDK tasks give it (ssoadmin), its
// X-Amz-Target prefix, SigV4 signing name, fixed region (organizations is
// global, in us-east-1), JSON protocol version, and for a REST service
// how an operation maps to a method and path.
type selfService struct {
	prefix, signing, region string
	// jsonVersion is "1.0" or "1.1" for awsJson services, "" for REST.
	jsonVersion string
	rest        func(op string, in map[string]any) (method, path string, query url.Values, body map[string]any, ok bool)
	// errorPrefix is Step Functions' PascalCase name of the service in the
	// errors of its SDK integrations (SsoAdmin.AccessDeniedException).
	errorPrefix string
	// modeled are the service's error codes in its API model; any other
	// error is ErrorPrefix + "." + ErrorPrefix + "Exception".
	modeled []string
	// camel: the service's JSON names its members in camelCase (Step
	// Functions' own API), where an SDK task writes PascalCase: the task's
	// arguments and result are renamed.
	camel bool
}

// commonErrors are the errors of the identity services' models.
var commonErrors = []string{"AccessDeniedException", "ConflictException", "InternalServerException", "ResourceNotFoundException",
	"ServiceQuotaExceededException", "ThrottlingException", "ValidationException"}

// selfServices are the services the sandbox calls itself, by the name
// targets use.
var selfServices = map[string]selfService{
	"ssoadmin":      {prefix: "SWBExternalService", signing: "sso", jsonVersion: "1.1", errorPrefix: "SsoAdmin", modeled: commonErrors},
	"identitystore": {prefix: "AWSIdentityStore", signing: "identitystore", jsonVersion: "1.1", errorPrefix: "Identitystore", modeled: commonErrors},
	"organizations": {prefix: "AWSOrganizationsV20161128", signing: "organizations", region: "us-east-1", jsonVersion: "1.1", errorPrefix: "Organizations",
		modeled: []string{"AWSOrganizationsNotInUseException", "AccessDeniedException", "AccountNotFoundException", "ConcurrentModificationException",
			"ConstraintViolationException", "DuplicatePolicyAttachmentException", "InvalidInputException", "OrganizationalUnitNotFoundException",
			"ParentNotFoundException", "PolicyNotFoundException", "ServiceException", "TooManyRequestsException", "TargetNotFoundException"}},
	"dynamodb": {prefix: "DynamoDB_20120810", signing: "dynamodb", jsonVersion: "1.0", errorPrefix: "DynamoDb",
		modeled: []string{"ConditionalCheckFailedException", "InternalServerError", "ItemCollectionSizeLimitExceededException", "LimitExceededException",
			"ProvisionedThroughputExceededException", "RequestLimitExceeded", "ResourceInUseException", "ResourceNotFoundException",
			"ThrottlingException", "TransactionCanceledException", "TransactionConflictException", "TableAlreadyExistsException",
			"TableNotFoundException", "ContinuousBackupsUnavailableException", "IdempotentParameterMismatchException"}},
	"sfn": {prefix: "AWSStepFunctions", signing: "states", jsonVersion: "1.0", errorPrefix: "Sfn",
		modeled: []string{"ExecutionAlreadyExists", "ExecutionDoesNotExist", "ExecutionLimitExceeded", "InvalidArn", "InvalidDefinition",
			"InvalidExecutionInput", "InvalidName", "InvalidToken", "StateMachineAlreadyExists", "StateMachineDeleting", "StateMachineDoesNotExist",
			"StateMachineLimitExceeded", "StateMachineTypeNotSupported", "TooManyTags", "ValidationException", "ConflictException",
			"ServiceQuotaExceededException", "ResourceNotFound", "MissingRequiredParameter"}, camel: true},
	"scheduler": {signing: "scheduler", rest: schedulerREST, errorPrefix: "Scheduler",
		modeled: []string{"ConflictException", "InternalServerException", "ResourceNotFoundException", "ServiceQuotaExceededException",
			"ThrottlingException", "ValidationException"}},
}

// schedulerREST maps the Scheduler operations elevation calls to their
// REST routes: {Name} in the path, the group (and client token) in the
// query for reads and deletes.
func schedulerREST(op string, in map[string]any) (string, string, url.Values, map[string]any, bool) {
	name, _ := in["Name"].(string)
	path := "/schedules/" + url.PathEscape(name)
	body := map[string]any{}
	for k, v := range in {
		if k != "Name" {
			body[k] = v
		}
	}
	q := url.Values{}
	for _, k := range []string{"GroupName", "ClientToken"} {
		if v, ok := in[k].(string); ok {
			q.Set(string(unicode.ToLower(rune(k[0])))+k[1:], v)
		}
	}
	switch op {
	case "CreateSchedule":
		return http.MethodPost, path, nil, body, true
	case "UpdateSchedule":
		return http.MethodPut, path, nil, body, true
	case "GetSchedule":
		q.Del("clientToken")
		return http.MethodGet, path, q, nil, true
	case "DeleteSchedule":
		return http.MethodDelete, path, q, nil, true
	}
	return "", "", nil, nil, false
}

// selfResult is the answer to a self call.
type selfResult struct {
	status int
	body   []byte
	// code and message are AWS's error, when status is not 2xx (code is
	// UnsupportedTarget when the sandbox cannot make the call).
	code, message, requestID string
}

func (r selfResult) ok() bool { return r.code == "" && r.status >= 200 && r.status < 300 }

// selfCall calls op ("DeleteAccountAssignment", or the apiAction's
// spelling "deleteAccountAssignment") of service as creds, at now, with
// input as the request's parameters.
func (s *Server) selfCall(ctx context.Context, service, op string, input []byte, creds aws.Credentials, region string, now time.Time) selfResult {
	svc, ok := selfServices[service]
	if !ok {
		return selfResult{code: "UnsupportedTarget", message: "the sandbox does not serve " + service +
			" to its own calls: it serves ssoadmin, identitystore, organizations, dynamodb, sfn and scheduler"}
	}
	o := []rune(op)
	o[0] = unicode.ToUpper(o[0])
	op = string(o)
	if len(bytes.TrimSpace(input)) == 0 {
		input = []byte("{}")
	}
	method, path, query, body := http.MethodPost, "/", url.Values(nil), input
	if svc.rest != nil {
		var in map[string]any
		if err := json.Unmarshal(input, &in); err != nil {
			return selfResult{code: "ValidationException", message: "the input is not a JSON object: " + err.Error()}
		}
		var restBody map[string]any
		if method, path, query, restBody, ok = svc.rest(op, in); !ok {
			return selfResult{code: "UnsupportedTarget", message: "the sandbox does not call " + service + ":" + op + " for itself"}
		}
		body = nil
		if restBody != nil {
			body, _ = json.Marshal(restBody)
		}
	}
	u := s.BaseURL() + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return selfResult{code: "InternalServerException", message: err.Error()}
	}
	if svc.rest == nil {
		req.Header.Set("Content-Type", "application/x-amz-json-"+svc.jsonVersion)
		req.Header.Set("X-Amz-Target", svc.prefix+"."+op)
	} else if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), svc.signing, cmp.Or(svc.region, region), now); err != nil {
		return selfResult{code: "InternalServerException", message: err.Error()}
	}
	rec := &recordedResponse{header: http.Header{}, status: http.StatusOK}
	s.ServeHTTP(rec, req)
	res := selfResult{status: rec.status, body: rec.body.Bytes(), requestID: rec.header.Get("x-amzn-RequestId")}
	if res.status < 300 {
		return res
	}
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(res.body, &e)
	res.code, res.message = cmp.Or(rec.header.Get("x-amzn-ErrorType"), e.Type, http.StatusText(rec.status)), e.Message
	return res
}

// recordedResponse is the ResponseWriter of a call the sandbox makes to
// itself.
type recordedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recordedResponse) Header() http.Header         { return r.header }
func (r *recordedResponse) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recordedResponse) WriteHeader(code int)        { r.status = code }
