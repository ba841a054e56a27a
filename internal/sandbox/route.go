package sandbox

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// call is one API request as a handler sees it: the world is locked and
// advanced to now.
type call struct {
	s         *Server
	w         *World
	now       time.Time
	r         *http.Request
	requestID string
	region    string
	// accessKeyID is the SigV4 signer's key id, empty when unsigned.
	accessKeyID string
	// arrived is when the request came in (real time): limits count
	// requests as they arrive, not as the world lock lets them through.
	arrived time.Time
	// body is an awsJson request's body, for the condition keys read from
	// it (dynamodb:LeadingKeys, authz_dynamodb.go).
	body []byte
}

// caller is the identity behind a signed request.
type caller struct {
	AccountID string
	ARN       string
	UserID    string
	// IAMUser is set when the request was signed with an IAM user's key.
	IAMUser *IAMUser
	// Session is set for credentials the sandbox issued.
	Session *Session
}

// Administrator identity used for any credentials the sandbox did not issue.
const (
	adminUserName = "sandbox-admin"
	adminUserID   = "AIDASANDBOXADMIN00001"
)

// caller tells who signed the request. Keys the sandbox issued (portal role
// credentials, AssumeRole, IAM users' keys) act as their owner; any other
// key acts as an administrator of the management account, so dummy keys work.
func (c *call) caller() caller {
	if sess, ok := c.w.Sessions[c.accessKeyID]; ok && c.accessKeyID != "" {
		return caller{AccountID: sess.AccountID, ARN: sess.ARN, UserID: sess.UserID, Session: sess}
	}
	if c.accessKeyID != "" {
		for acct, ia := range c.w.IAM {
			for _, u := range ia.Users {
				for _, k := range u.AccessKeys {
					if k.ID == c.accessKeyID {
						return caller{AccountID: acct, ARN: iamUserARN(c.partition(), acct, u), UserID: u.ID, IAMUser: u}
					}
				}
			}
		}
	}
	mgmt := c.w.managementAccountID()
	return caller{AccountID: mgmt, ARN: fmt.Sprintf("arn:%s:iam::%s:user/%s", c.partition(), mgmt, adminUserName), UserID: adminUserID}
}

// authenticate applies AWS's checks on the signing key to every signed
// call: keys the sandbox issued are refused once expired or without their
// session token; IAM users' keys are refused while Inactive, and record
// their last use (service and region) as AWS does. Codes differ by protocol:
// awsJson services answer ExpiredTokenException/UnrecognizedClientException,
// awsQuery ones ExpiredToken/InvalidClientTokenId.
func (c *call) authenticate(query bool, service string) error {
	if c.accessKeyID == "" {
		return nil
	}
	invalid := func() error {
		code := "UnrecognizedClientException"
		if query {
			code = "InvalidClientTokenId"
		}
		return newError(403, code, "The security token included in the request is invalid.")
	}
	if sess, ok := c.w.Sessions[c.accessKeyID]; ok {
		if !c.now.Before(sess.Expiration) {
			code := "ExpiredTokenException"
			if query {
				code = "ExpiredToken"
			}
			return newError(400, code, "The security token included in the request is expired")
		}
		tok := c.r.Header.Get("X-Amz-Security-Token")
		if tok == "" {
			tok = c.r.URL.Query().Get("X-Amz-Security-Token")
		}
		if subtle.ConstantTimeCompare([]byte(tok), []byte(sess.SessionToken)) != 1 || service == "iam" && !sess.iamAllowed() {
			return invalid()
		}
		return nil
	}
	if strings.HasPrefix(c.accessKeyID, "ASIA") {
		// Session keys are only ever issued by the sandbox: one it does not
		// know is long expired (pruned) or made up, never an administrator.
		code := "ExpiredTokenException"
		if query {
			code = "ExpiredToken"
		}
		return newError(400, code, "The security token included in the request is expired")
	}
	if who := c.caller(); who.IAMUser != nil {
		for _, k := range who.IAMUser.AccessKeys {
			if k.ID != c.accessKeyID {
				continue
			}
			if k.Status != "Active" {
				return invalid()
			}
			now := c.now.UTC()
			k.LastUsed, k.LastUsedService, k.LastUsedRegion = &now, service, c.region
		}
	}
	return nil
}

// admit is every protocol's one gate before a handler: authenticate the
// signing key (signing is the service its last use records), then
// authorize the call (authz.go).
func (c *call) admit(proto protocol, signing, service, op string, param func(string) string) error {
	if err := c.authenticate(proto == protoQuery, signing); err != nil {
		return err
	}
	return c.authorize(service, op, proto, param)
}

// unsignedServices take a bearer token (the portal) or no credentials
// (sso-oidc), never a signature (the SDKs send none): a key a client signs
// them with anyway is neither checked nor evaluated. Signed REST services
// go through admit as the others.
var unsignedServices = map[string]bool{"sso": true, "sso-oidc": true}

// jsonParams reads the top-level string members of a JSON request body,
// decoding it on first use.
func jsonParams(body []byte) func(string) string {
	var m map[string]any
	decoded := false
	return func(name string) string {
		if !decoded {
			decoded = true
			_ = json.Unmarshal(body, &m)
		}
		s, _ := m[name].(string)
		return s
	}
}

func iamUserARN(partition, account string, u *IAMUser) string {
	return fmt.Sprintf("arn:%s:iam::%s:user%s%s", partition, account, u.Path, u.Name)
}

// jsonOp handles one awsJson1_1 operation.
type jsonOp func(c *call, body []byte) (any, error)

// queryOp handles one awsQuery operation. It returns the content of the
// <OpResult> element, or nil for operations that have none.
type queryOp func(c *call, form url.Values) (any, error)

// restOp handles one restJson1 operation and returns the status and body.
type restOp func(c *call, body []byte) (int, any, error)

// op adapts a typed handler to a jsonOp.
func op[I any](f func(c *call, in *I) (any, error)) jsonOp {
	return func(c *call, body []byte) (any, error) {
		in := new(I)
		if err := decodeJSON(body, in); err != nil {
			return nil, err
		}
		return f(c, in)
	}
}

type jsonService struct {
	name string // counted as "<name>:<Op>"
	ops  map[string]jsonOp
	// limit is the TPS scope: "service" for one bucket for all operations,
	// "operation" for one bucket per operation.
	limit string
	// json10 is set for awsJson1_0 services (Step Functions, DynamoDB):
	// their responses are application/x-amz-json-1.0.
	json10 bool
	// requestIDInErrors is set for services whose error shapes carry a
	// RequestId member (identitystore's, in its model): the body repeats
	// the x-amzn-RequestId header.
	requestIDInErrors bool
}

type restRoute struct {
	method, path string
	// prefix: path is a prefix, the rest of the path the resource
	// (/schedules/{Name}).
	prefix      bool
	service, op string
	h           restOp
}

type querySvc struct {
	name    string
	version string
	ns      string
	ops     map[string]queryOp
}

// routes is the table of everything the sandbox serves.
type routes struct {
	json  map[string]*jsonService // by X-Amz-Target prefix
	rest  []restRoute
	query map[string]*querySvc // by SigV4 service name
	pages map[string]http.HandlerFunc
}

func (s *Server) routes() *routes {
	cloudtrailService := &jsonService{name: "cloudtrail", ops: guardRootSessionsJSON("cloudtrail", cloudtrailOps())}
	return &routes{
		json: map[string]*jsonService{
			"SWBExternalService":        {name: "sso-admin", ops: guardRootSessionsJSON("sso", ssoAdminOps()), limit: "service"},
			"AWSIdentityStore":          {name: "identitystore", ops: guardRootSessionsJSON("identitystore", identityStoreOps()), limit: "operation", requestIDInErrors: true},
			"AWSOrganizationsV20161128": {name: "organizations", ops: guardRootSessionsJSON("organizations", organizationsOps())},
			// LookupEvents has its own limit, per account and region
			// (cloudtrail_lookup.go). botocore sends the long prefix,
			// aws-sdk-go-v2 the short one.
			"com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101": cloudtrailService,
			"CloudTrail_20131101": cloudtrailService,
			"AWSStepFunctions":    {name: "states", ops: guardRootSessionsJSON("states", statesOps()), json10: true},
			"DynamoDB_20120810":   {name: "dynamodb", ops: guardRootSessionsJSON("dynamodb", dynamoDBOps()), json10: true},
		},
		rest: slices.Concat(oidcRoutes(), portalRoutes(), schedulerRoutes()),
		query: map[string]*querySvc{
			"sts": {name: "sts", version: "2011-06-15", ns: "https://sts.amazonaws.com/doc/2011-06-15/", ops: guardRootSessions("sts", stsOps(), nil)},
			"iam": {name: "iam", version: "2010-05-08", ns: "https://iam.amazonaws.com/doc/2010-05-08/", ops: guardRootSessions("iam", iamOps(), rootIAMOps())},
		},
		pages: s.pages(),
	}
}

var credentialScope = lazyRegexp(`Credential=([^/,\s]+)/\d{8}/([^/,\s]+)/([^/,\s]+)/aws4_request`)

// sigv4 returns the access key id, region and service of a SigV4 request.
func sigv4(r *http.Request) (akid, region, service string) {
	if m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		return m[1], m[2], m[3]
	}
	// Presigned URLs carry the scope in the query. They are GETs (a form
	// post could put one in its action URL) of GetCallerIdentity, the call
	// tools presign (EKS tokens): an <img> in a browser that sends no
	// Sec-Fetch-Site could make one up for any other action.
	q := r.URL.Query()
	if cred := q.Get("X-Amz-Credential"); cred != "" && r.Method == http.MethodGet && q.Get("Action") == "GetCallerIdentity" {
		p := strings.Split(cred, "/")
		if len(p) == 5 {
			return p[0], p[2], p[3]
		}
	}
	return "", "", ""
}

func (s *Server) newRequestID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.uuid()
}

// ServeHTTP routes a request the way AWS's endpoints would: admin paths,
// X-Amz-Target, REST paths, then the query protocol by SigV4 service.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			s.opts.Log.Error("panic in handler", "path", r.URL.Path, "panic", fmt.Sprint(v))
			writeJSONError(w, "application/json", errInternal("internal error"))
		}
	}()
	if s.opts.Log.Enabled(r.Context(), slog.LevelDebug) {
		start := time.Now()
		lw := &loggedWriter{ResponseWriter: w, status: 200}
		w = lw
		defer func() {
			s.opts.Log.Debug("sandbox request", "method", r.Method, "path", r.URL.Path, "op", lw.op,
				"status", lw.status, "duration", time.Since(start).Round(time.Microsecond))
		}()
	}
	if err := checkHost(r); err != nil {
		writeJSONError(w, "application/json", err)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/_sandbox/") {
		if err := refuseBrowser(r, "AccessDenied"); err != nil {
			writeJSONError(w, "application/json", err)
			return
		}
		s.serveAdmin(w, r)
		return
	}
	rt := s.table()
	reqID := s.newRequestID()
	w.Header().Set("x-amzn-RequestId", reqID)
	akid, region, sigService := sigv4(r)
	if region == "" {
		region = "us-east-1"
	}

	if target := r.Header.Get("X-Amz-Target"); target != "" {
		if err := refuseBrowser(r, "AccessDeniedException"); err != nil {
			writeJSONError(w, "application/x-amz-json-1.1", err)
			return
		}
		s.serveJSON(w, r, rt, target, reqID, akid, region, sigService)
		return
	}
	for _, route := range rt.rest {
		if (r.URL.Path == route.path || route.prefix && strings.HasPrefix(r.URL.Path, route.path)) && r.Method == route.method {
			if err := refuseBrowser(r, "AccessDeniedException"); err != nil {
				writeJSONError(w, "application/json", err)
				return
			}
			s.serveREST(w, r, route, reqID, akid, region)
			return
		}
	}
	if h, ok := rt.pages[r.URL.Path]; ok {
		if r.URL.Path == "/federation" {
			s.count(w, "signin", knownOr(r.URL.Query().Get("Action"), "getSigninToken", "login"))
		} else {
			s.count(w, "page", r.URL.Path)
		}
		h(w, r)
		return
	}
	// Unsigned query calls are refused in serveQuery, once their action is
	// known: AWS takes a few unsigned.
	if err := refuseCrossOrigin(r, "AccessDenied"); err != nil {
		writeQueryError(w, reqID, err)
		return
	}
	s.serveQuery(w, r, rt, sigService, reqID, akid, region)
}

// unknownOp is the one counter for all operations a service does not have:
// their names are the caller's to choose, so they are not kept.
const unknownOp = "(unknown)"

// knownOr returns name if it is one of known, else unknownOp.
func knownOr(name string, known ...string) string {
	if slices.Contains(known, name) {
		return name
	}
	return unknownOp
}

// signingName is the service name AWS records for a key's last use: the
// SigV4 scope's, else the sandbox's name for the service.
func signingName(scope, fallback string) string {
	if scope != "" {
		return scope
	}
	return fallback
}

func (s *Server) table() *routes {
	s.routesOnce.Do(func() { s.rt = s.routes() })
	return s.rt
}

func (s *Server) serveJSON(w http.ResponseWriter, r *http.Request, rt *routes, target, reqID, akid, region, sigService string) {
	ct := "application/x-amz-json-1.1"
	// The prefix may have dots (CloudTrail's, in botocore), the operation not.
	prefix, opName := target, ""
	if i := strings.LastIndex(target, "."); i >= 0 {
		prefix, opName = target[:i], target[i+1:]
	}
	svc, ok := rt.json[prefix]
	if !ok {
		writeJSONError(w, ct, newError(400, "UnknownOperationException", "unknown X-Amz-Target %q", truncate(target, 100)))
		return
	}
	if svc.json10 {
		ct = "application/x-amz-json-1.0"
	}
	h, ok := svc.ops[opName]
	if !ok {
		s.count(w, svc.name, unknownOp)
		writeJSONError(w, ct, newError(400, "UnknownOperationException", "%s does not support the operation %q", svc.name, truncate(opName, 100)))
		return
	}
	if r.Method != http.MethodPost {
		writeJSONError(w, ct, newError(405, "UnknownOperationException", "%s operations must be sent with POST", svc.name))
		return
	}
	s.count(w, svc.name, opName)
	arrived := time.Now()
	bucket := svc.name
	if svc.limit == "operation" {
		bucket += ":" + opName
	}
	// The body first: --latency must not eat into the time the client has
	// to send it.
	partition := partitionOf(region)
	fail := func(err error) {
		ae := errInPartition(asAPIError(err), partition)
		if svc.requestIDInErrors {
			withID := *ae
			withID.Fields = map[string]any{"RequestId": reqID}
			for k, v := range ae.Fields {
				withID.Fields[k] = v
			}
			ae = &withID
		}
		writeJSONError(w, ct, ae)
	}
	body, err := readBody(r)
	if err != nil {
		fail(err)
		return
	}
	if err := s.faults(r, svc.name, bucket, svc.limit != ""); err != nil {
		fail(err)
		return
	}
	body = toStoredPartition(body, partition)
	var out any
	s.withWorld(func(wd *World, now time.Time) {
		c := &call{s: s, w: wd, now: now, r: r, requestID: reqID, region: region, accessKeyID: akid, arrived: arrived, body: body}
		if err = c.admit(protoJSON, signingName(sigService, svc.name), svc.name, opName, jsonParams(body)); err == nil {
			who := c.caller()
			out, err = h(c, body)
			c.record(who, svc.name, opName, err, nil)
		}
	})
	if err != nil {
		s.opts.Log.Debug("request failed", "service", svc.name, "op", opName, "err", err)
		fail(err)
		return
	}
	if out == nil {
		out = struct{}{}
	}
	writeJSON(w, 200, ct, toCallerPartition(out, partition))
}

func (s *Server) serveREST(w http.ResponseWriter, r *http.Request, route restRoute, reqID, akid, region string) {
	const ct = "application/json"
	s.count(w, route.service, route.op)
	// The portal has one quota for all its operations, as sso-admin does;
	// OIDC has none.
	portal := route.service == "sso"
	body, err := readBody(r)
	if err != nil {
		writeJSONError(w, ct, asAPIError(err))
		return
	}
	if err := s.faults(r, route.service, route.service, portal); err != nil {
		if portal && err.Code == "ThrottlingException" {
			err = errTooManyRequests() // the portal's name for throttling
		}
		writeJSONError(w, ct, err)
		return
	}
	var (
		status int
		out    any
	)
	s.withWorld(func(wd *World, now time.Time) {
		c := &call{s: s, w: wd, now: now, r: r, requestID: reqID, region: region, accessKeyID: akid}
		if !unsignedServices[route.service] {
			err = c.admit(protoREST, route.service, route.service, route.op, jsonParams(body))
		}
		if err == nil {
			status, out, err = route.h(c, body)
		}
	})
	if err != nil {
		s.opts.Log.Debug("request failed", "service", route.service, "op", route.op, "err", err)
		writeJSONError(w, ct, asAPIError(err))
		return
	}
	if out == nil {
		out = struct{}{}
	}
	if status == 0 {
		status = 200
	}
	writeJSON(w, status, ct, out)
}

// stsActions are the actions that identify STS when a query request is unsigned.
var stsActions = map[string]bool{
	"GetCallerIdentity": true, "AssumeRole": true, "GetAccessKeyInfo": true, "GetSessionToken": true,
	"AssumeRoleWithWebIdentity": true, "AssumeRoleWithSAML": true, "GetFederationToken": true, "AssumeRoot": true,
	"DecodeAuthorizationMessage": true,
}

// unsignedActions are the STS actions AWS answers without a signature:
// the token in the request is the credential.
var unsignedActions = map[string]bool{"AssumeRoleWithWebIdentity": true, "AssumeRoleWithSAML": true}

func (s *Server) serveQuery(w http.ResponseWriter, r *http.Request, rt *routes, sigService, reqID, akid, region string) {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		writeQueryError(w, reqID, newError(405, "InvalidAction", "method %s is not supported", r.Method))
		return
	}
	body, err := readBody(r)
	if err != nil {
		writeQueryError(w, reqID, asAPIError(err))
		return
	}
	form, err := parseForm(r, body)
	if err != nil {
		writeQueryError(w, reqID, asAPIError(err))
		return
	}
	action := form.Get("Action")
	svc := rt.query[sigService]
	if svc == nil {
		switch {
		case form.Get("Version") == "2011-06-15" || stsActions[action]:
			svc = rt.query["sts"]
		case form.Get("Version") == "2010-05-08":
			svc = rt.query["iam"]
		}
	}
	if svc == nil {
		if action == "" && r.URL.Path == "/" && r.Method == http.MethodGet {
			http.Redirect(w, r, "/start", http.StatusFound)
			return
		}
		writeQueryError(w, reqID, newError(400, "UnknownOperationException", "no service here answers %s %s (service %q, action %q)", r.Method, truncate(r.URL.Path, 100), sigService, truncate(action, 100)))
		return
	}
	if action == "" {
		writeQueryError(w, reqID, newError(400, "MissingAction", "the request must contain the parameter Action"))
		return
	}
	h, ok := svc.ops[action]
	if !ok {
		s.count(w, svc.name, unknownOp)
		writeQueryError(w, reqID, newError(400, "InvalidAction", "The action %s is not valid for this web service.", truncate(action, 100)))
		return
	}
	s.count(w, svc.name, action)
	if akid == "" && !unsignedActions[action] {
		// Unsigned calls would act as the administrator, and a web page can
		// send them: a form post, or a GET from an <img>.
		writeQueryError(w, reqID, newError(403, "MissingAuthenticationToken",
			"Request is missing Authentication Token: the sandbox accepts any access key, but the request must be signed (SigV4) so that a web page cannot send it"))
		return
	}
	if err := s.faults(r, svc.name, svc.name, false); err != nil {
		if err.Code == "ThrottlingException" {
			err.Code = "Throttling"
		}
		writeQueryError(w, reqID, err)
		return
	}
	if svc.name == "sts" && action == "AssumeRoleWithWebIdentity" {
		// The issuer's keys come over the network: not while holding the world.
		s.prefetchWebIdentityKeys(r.Context(), form)
	}
	var out any
	s.withWorld(func(wd *World, now time.Time) {
		c := &call{s: s, w: wd, now: now, r: r, requestID: reqID, region: region, accessKeyID: akid}
		if err = c.admit(protoQuery, svc.name, svc.name, action, form.Get); err == nil && svc.name == "iam" {
			err = c.iamQuota()
		}
		if err == nil {
			who := c.caller()
			out, err = h(c, form)
			c.record(who, svc.name, action, err, queryResource(svc.name, form))
		}
	})
	if err != nil {
		s.opts.Log.Debug("request failed", "service", svc.name, "op", action, "err", err)
		writeQueryError(w, reqID, asAPIError(err))
		return
	}
	writeQuery(w, reqID, queryResponse{op: action, ns: svc.ns, inner: out})
}

// faults applies --latency, --tps, --throttle and --fail5xx to an API request.
func (s *Server) faults(r *http.Request, service, bucket string, quota bool) *apiError {
	if s.opts.Latency > 0 {
		select {
		case <-time.After(s.opts.Latency):
		case <-r.Context().Done():
		}
	}
	if quota && s.opts.TPS > 0 && !s.limiter(bucket, s.opts.TPS).Allow() {
		s.countThrottled(bucket)
		return errThrottling(service)
	}
	if s.opts.Throttle > 0 || s.opts.Fail5xx > 0 {
		s.faultMu.Lock()
		p := s.faultRng.Float64()
		s.faultMu.Unlock()
		switch {
		case p < s.opts.Throttle:
			return errThrottling(service)
		case p < s.opts.Throttle+s.opts.Fail5xx:
			return errInternal("injected failure (--fail5xx)")
		}
	}
	return nil
}

// iamQuota counts an IAM request against its account, the caller's, and
// applies --iam-tps: IAM's quota is per account, whoever calls. The count
// is "account:<id>:iam", a refusal "throttled:iam:<id>".
func (c *call) iamQuota() error {
	acct := c.caller().AccountID
	s := c.s
	s.callsMu.Lock()
	s.calls["account:"+acct+":iam"]++
	s.callsMu.Unlock()
	if s.opts.IAMTPS > 0 && !s.limiter("iam:"+acct, s.opts.IAMTPS).Allow() {
		s.countThrottled("iam:" + acct)
		// IAM's throttling error: code Throttling with HTTP 400, as
		// botocore's _retry.json matches it ("Throttling: Rate exceeded,
		// status code: 400" in AWS's knowledge center).
		return newError(400, "Throttling", "Rate exceeded")
	}
	return nil
}

func (s *Server) countThrottled(bucket string) {
	s.callsMu.Lock()
	s.calls["throttled:"+bucket]++
	s.callsMu.Unlock()
}

// loggedWriter remembers what the debug log line needs. Request bodies,
// tokens and keys are never logged.
type loggedWriter struct {
	http.ResponseWriter
	status int
	op     string
}

func (w *loggedWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}
