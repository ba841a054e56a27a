package sandbox

import (
	"bytes"
	"cmp"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Local CI issuers: the sandbox signs OpenID Connect tokens with the claim
// sets GitHub Actions, GitLab, CircleCI, Bitbucket Pipelines, Buildkite and
// HCP Terraform put in theirs, under their real issuer URLs (and, as
// "oidc", for any other issuer URL a request names), so that a
// pipeline run can be simulated with no internet. POST
// /_sandbox/oidc/PROVIDER/token mints a token; the sandbox serves each
// provider's discovery document and keys under /_sandbox/oidc/PROVIDER/, and
// AssumeRoleWithWebIdentity resolves the keys of a real issuer URL (an IAM
// OIDC provider for https://token.actions.githubusercontent.com) from the
// local issuer instead of the internet (localIssuerTransport). Keys are RS256,
// made on first use and kept for the sandbox's life (not its state).

// ciIssuer is one CI provider's local issuer.
type ciIssuer struct {
	name string
	// issuer is the provider's default issuer URL; match says whether an
	// issuer URL is one of this provider's (CircleCI and Bitbucket have
	// one per organization or workspace).
	issuer string
	match  *lazyRE
	// jwksPath is where, under the issuer URL, the provider's discovery
	// document points for its keys.
	jwksPath string
	// mint reads a token request's provider fields and returns the issuer
	// and the provider's claims (without iss, aud, iat, nbf, exp, jti).
	mint func(body []byte, c *ciTokenCommon) (iss string, claims map[string]any, err error)
	// lifetime is how long a token lives unless the request says: an hour
	// for CircleCI, as its docs say; the others' are the sandbox's choice,
	// short as CI tokens are.
	lifetime time.Duration
}

// ciIssuers are the local issuers, by the name in /_sandbox/oidc/NAME/.
var ciIssuers = []*ciIssuer{
	{name: "github", issuer: "https://token.actions.githubusercontent.com", jwksPath: "/.well-known/jwks",
		mint: mintGitHub, lifetime: 5 * time.Minute},
	{name: "gitlab", issuer: "https://gitlab.com", jwksPath: "/oauth/discovery/keys",
		mint: mintGitLab, lifetime: 5 * time.Minute},
	{name: "circleci", issuer: "https://oidc.circleci.com/org/", match: lazyRegexp(`^https://oidc\.circleci\.com/org/[^/]+$`),
		jwksPath: "/.well-known/jwks-pub.json", mint: mintCircleCI, lifetime: time.Hour},
	{name: "bitbucket", issuer: "https://api.bitbucket.org/2.0/workspaces/",
		match:    lazyRegexp(`^https://api\.bitbucket\.org/2\.0/workspaces/[^/]+/pipelines-config/identity/oidc$`),
		jwksPath: "/keys.json", mint: mintBitbucket, lifetime: time.Hour},
	{name: "buildkite", issuer: "https://agent.buildkite.com", jwksPath: "/.well-known/jwks",
		mint: mintBuildkite, lifetime: 5 * time.Minute},
	{name: "terraform-cloud", issuer: "https://app.terraform.io", jwksPath: "/.well-known/jwks",
		mint: mintTerraformCloud, lifetime: time.Hour},
	// oidc is any other issuer (a workload's generic oidc: entry): it has
	// no default URL, every token request names one.
	{name: "oidc", jwksPath: "/.well-known/jwks.json", mint: mintOIDC, lifetime: 5 * time.Minute},
}

func ciIssuerNamed(name string) *ciIssuer {
	for _, p := range ciIssuers {
		if p.name == name {
			return p
		}
	}
	return nil
}

func ciIssuerNames() string {
	names := make([]string, len(ciIssuers))
	for i, p := range ciIssuers {
		names[i] = p.name
	}
	return strings.Join(names, ", ")
}

// ciKeys holds the local issuers' signing keys, one per provider, and the
// self-managed issuer URLs (GitLab, Terraform Enterprise) tokens were minted
// for, which the sandbox then serves as well.
type ciKeys struct {
	mu       sync.Mutex
	keys     map[string]*jose.JSONWebKey // by provider name
	selfHost map[string]string           // issuer URL -> provider name
}

func (k *ciKeys) key(provider string) (*jose.JSONWebKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if jwk := k.keys[provider]; jwk != nil {
		return jwk, nil
	}
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	jwk := &jose.JSONWebKey{Key: priv, Algorithm: string(jose.RS256), Use: "sig"}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, err
	}
	jwk.KeyID = base64.RawURLEncoding.EncodeToString(tp)
	if k.keys == nil {
		k.keys = map[string]*jose.JSONWebKey{}
	}
	k.keys[provider] = jwk
	return jwk, nil
}

// maxSelfHosted bounds the self-managed issuers one sandbox serves: each
// comes from a request, and the sandbox keeps no state without a bound.
const maxSelfHosted = 64

func (k *ciKeys) addSelfHosted(iss, provider string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.selfHost == nil {
		k.selfHost = map[string]string{}
	}
	if other, ok := k.selfHost[iss]; ok && other != provider {
		return newError(400, "ValidationException", "the sandbox already serves %s as a %s issuer; use /_sandbox/oidc/%s/token for it or another issuer URL", truncate(iss, 200), other, other)
	}
	if _, ok := k.selfHost[iss]; !ok && len(k.selfHost) >= maxSelfHosted {
		return newError(400, "ValidationException", "the sandbox serves at most %d self-managed issuers; restart it to serve %s", maxSelfHosted, truncate(iss, 200))
	}
	k.selfHost[iss] = provider
	return nil
}

// builtInIssuer is the provider whose own issuer URL iss is, or nil.
func builtInIssuer(iss string) *ciIssuer {
	for _, p := range ciIssuers {
		if p.issuer != "" && iss == p.issuer || p.match != nil && p.match.MatchString(iss) {
			return p
		}
	}
	return nil
}

// issuer finds the local issuer serving an issuer URL.
func (k *ciKeys) issuer(iss string) *ciIssuer {
	iss = strings.TrimSuffix(iss, "/")
	if p := builtInIssuer(iss); p != nil {
		return p
	}
	k.mu.Lock()
	name := k.selfHost[iss]
	k.mu.Unlock()
	return ciIssuerNamed(name)
}

// jwks is a provider's public key set.
func (k *ciKeys) jwks(provider string) (jose.JSONWebKeySet, error) {
	jwk, err := k.key(provider)
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{jwk.Public()}}, nil
}

// discovery is an issuer's /.well-known/openid-configuration.
func ciDiscovery(iss, jwksURI string) map[string]any {
	return map[string]any{
		"issuer":                                iss,
		"jwks_uri":                              jwksURI,
		"response_types_supported":              []string{"id_token"},
		"subject_types_supported":               []string{"public", "pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid"},
	}
}

// localIssuerTransport answers HTTP requests for a local issuer's discovery
// document and keys in process, and passes every other request on: it is
// what makes a provider registered in IAM under a real CI issuer URL verify
// against the sandbox's key.
type localIssuerTransport struct {
	keys *ciKeys
	next http.RoundTripper
}

func (t localIssuerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if v := t.serve(req.URL); v != nil {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(bytes.NewReader(b)),
			ContentLength: int64(len(b)), Request: req}, nil
	}
	return t.next.RoundTrip(req)
}

// serve is the document a local issuer serves at u, or nil.
func (t localIssuerTransport) serve(u *url.URL) any {
	if u.Scheme != "https" || u.RawQuery != "" {
		return nil
	}
	full := "https://" + u.Host + u.Path
	if iss, ok := strings.CutSuffix(full, "/.well-known/openid-configuration"); ok {
		if p := t.keys.issuer(iss); p != nil {
			return ciDiscovery(iss, iss+p.jwksPath)
		}
	}
	for _, p := range ciIssuers {
		if iss, ok := strings.CutSuffix(full, p.jwksPath); ok && t.keys.issuer(iss) == p {
			if set, err := t.keys.jwks(p.name); err == nil {
				return set
			}
		}
	}
	return nil
}

// ciTokenCommon are the fields every token request may give.
type ciTokenCommon struct {
	// Audience replaces the provider's default audience (a string or a list).
	Audience jwt.Audience `json:"audience"`
	// Expired makes a token whose exp has passed; LifetimeSeconds sets
	// exp - iat (default the provider's).
	Expired         bool `json:"expired"`
	LifetimeSeconds int  `json:"lifetime_seconds"`
	// Claims are set last, over the provider's (to test a trust on an
	// unusual claim); iss, aud and exp are not among them.
	Claims map[string]any `json:"claims"`
}

// CITokenResponse is the answer of POST /_sandbox/oidc/PROVIDER/token.
type CITokenResponse struct {
	Token     string         `json:"token"`
	Issuer    string         `json:"issuer"`
	Subject   string         `json:"subject"`
	Audience  []string       `json:"audience"`
	ExpiresAt time.Time      `json:"expires_at"`
	Claims    map[string]any `json:"claims"`
}

// serveCIIssuer answers /_sandbox/oidc/PROVIDER/{token,
// .well-known/openid-configuration, jwks}.
func (s *Server) serveCIIssuer(w http.ResponseWriter, r *http.Request) {
	const ct = "application/json"
	name, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/_sandbox/oidc/"), "/")
	p := ciIssuerNamed(name)
	if p == nil {
		writeJSONError(w, ct, newError(404, "NotFound", "no local OIDC issuer %q; use one of %s", truncate(name, 50), ciIssuerNames()))
		return
	}
	switch rest {
	case "token":
		s.serveCIToken(w, r, p)
	case ".well-known/openid-configuration":
		// Issuers with a URL per organization (CircleCI, Bitbucket) have no
		// one issuer: the document names the provider's prefix.
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		writeJSON(w, 200, ct, ciDiscovery(p.issuer, scheme+"://"+r.Host+"/_sandbox/oidc/"+p.name+"/jwks"))
	case "jwks":
		set, err := s.ciKeys.jwks(p.name)
		if err != nil {
			writeJSONError(w, ct, errInternal("make %s key: %v", p.name, err))
			return
		}
		writeJSON(w, 200, ct, set)
	default:
		writeJSONError(w, ct, newError(404, "NotFound", "no sandbox endpoint %s; try /_sandbox/oidc/%s/token, /jwks or /.well-known/openid-configuration", truncate(r.URL.Path, 100), p.name))
	}
}

func (s *Server) serveCIToken(w http.ResponseWriter, r *http.Request, p *ciIssuer) {
	const ct = "application/json"
	if r.Method != http.MethodPost {
		writeJSONError(w, ct, newError(405, "MethodNotAllowed", "use POST %s with a JSON body", r.URL.Path))
		return
	}
	body, err := readBody(r)
	if err != nil {
		writeJSONError(w, ct, asAPIError(err))
		return
	}
	var common ciTokenCommon
	if err := json.Unmarshal(bodyOrEmpty(body), &common); err != nil {
		writeJSONError(w, ct, newError(400, "ValidationException", "%s: %v", r.URL.Path, err))
		return
	}
	iss, claims, err := p.mint(bodyOrEmpty(body), &common)
	if err != nil {
		writeJSONError(w, ct, asAPIError(err))
		return
	}
	out, err := s.signCIToken(p, iss, claims, common)
	if err != nil {
		writeJSONError(w, ct, asAPIError(err))
		return
	}
	writeJSON(w, 200, ct, out)
}

func bodyOrEmpty(b []byte) []byte {
	if len(bytes.TrimSpace(b)) == 0 {
		return []byte("{}")
	}
	return b
}

// signCIToken adds the registered claims and signs.
func (s *Server) signCIToken(p *ciIssuer, iss string, claims map[string]any, c ciTokenCommon) (*CITokenResponse, error) {
	if b := builtInIssuer(iss); b != nil && b != p {
		return nil, newError(400, "ValidationException", "%s is %s's issuer; use /_sandbox/oidc/%s/token", truncate(iss, 100), b.name, b.name)
	}
	if p.match != nil && !p.match.MatchString(iss) || p.match == nil && iss != p.issuer {
		if err := s.ciKeys.addSelfHosted(iss, p.name); err != nil {
			return nil, err
		}
	}
	now := s.opts.Now().Truncate(time.Second)
	life := p.lifetime
	if c.LifetimeSeconds > 0 {
		life = time.Duration(c.LifetimeSeconds) * time.Second
	}
	iat := now
	if c.Expired {
		iat = now.Add(-life - time.Minute)
	}
	exp := iat.Add(life)
	for k, v := range c.Claims {
		switch k {
		case "iss", "aud", "exp":
			return nil, newError(400, "ValidationException", "claims.%s: set it with the request's issuer, audience or expired fields", k)
		}
		claims[k] = v
	}
	aud := []string(c.Audience)
	claims["iss"] = iss
	claims["aud"] = audienceClaim(aud)
	claims["iat"] = iat.Unix()
	claims["nbf"] = iat.Unix()
	claims["exp"] = exp.Unix()
	claims["jti"] = randomUUID()
	jwk, err := s.ciKeys.key(p.name)
	if err != nil {
		return nil, errInternal("make %s key: %v", p.name, err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: *jwk}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, errInternal("signer: %v", err)
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		return nil, errInternal("sign: %v", err)
	}
	sub, _ := claims["sub"].(string)
	return &CITokenResponse{Token: tok, Issuer: iss, Subject: sub, Audience: aud, ExpiresAt: exp.UTC(), Claims: claims}, nil
}

// audienceClaim is aud as providers send it: a string for one audience.
func audienceClaim(aud []string) any {
	if len(aud) == 1 {
		return aud[0]
	}
	return aud
}

// decodeCIRequest reads a provider's fields, refusing unknown ones (a
// misspelt "enviroment" must not silently mint a token without it).
func decodeCIRequest(body []byte, v any) error {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(body, &all); err != nil {
		return newError(400, "ValidationException", "the token request is not a JSON object: %v", err)
	}
	for _, k := range []string{"audience", "expired", "lifetime_seconds", "claims"} {
		delete(all, k)
	}
	rest, _ := json.Marshal(all)
	dec := json.NewDecoder(bytes.NewReader(rest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return newError(400, "ValidationException", "token request: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

func requireField(provider, field, value string) error {
	if value == "" {
		return newError(400, "ValidationException", "%s token request: %s is required", provider, field)
	}
	return nil
}

// numericID is a numeric id derived from a name, so that the same
// repository gets the same id in every token unless the request gives one.
func numericID(name string) string {
	h := fnv.New32a()
	h.Write([]byte(name))
	return fmt.Sprint(h.Sum32()%900000000 + 100000000)
}

func defaultAudience(c *ciTokenCommon, aud ...string) {
	if len(c.Audience) == 0 {
		c.Audience = aud
	}
}

var ownerRepo = lazyRegexp(`^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$`)

// GitHubTokenRequest is a GitHub Actions job's token request. The claims
// follow https://docs.github.com/en/actions/reference/security/oidc; the
// subject is repo:OWNER/REPO (or, with immutable_subject, the form with ids
// new repositories get since 2026-07-15,
// repo:OWNER@OWNER_ID/REPO@REPO_ID) then :environment:NAME for a job with an
// environment, :pull_request for pull_request events, else :ref:REF.
type GitHubTokenRequest struct {
	Repo              string `json:"repo"`
	RepositoryID      string `json:"repository_id"`
	OwnerID           string `json:"repository_owner_id"`
	Ref               string `json:"ref"` // refs/heads/main (default), refs/tags/v1, or a bare branch name
	Environment       string `json:"environment"`
	EventName         string `json:"event_name"` // push (default), pull_request, workflow_dispatch...
	Actor             string `json:"actor"`
	JobWorkflowRef    string `json:"job_workflow_ref"`
	RunID             string `json:"run_id"`
	SHA               string `json:"sha"`
	ImmutableSubject  bool   `json:"immutable_subject"`
	RunnerEnvironment string `json:"runner_environment"`
}

func mintGitHub(body []byte, c *ciTokenCommon) (string, map[string]any, error) {
	var in GitHubTokenRequest
	if err := decodeCIRequest(body, &in); err != nil {
		return "", nil, err
	}
	if !ownerRepo.MatchString(in.Repo) {
		return "", nil, newError(400, "ValidationException", "github token request: repo must be OWNER/NAME, got %q", truncate(in.Repo, 100))
	}
	owner, name, _ := strings.Cut(in.Repo, "/")
	in.RepositoryID = cmp.Or(in.RepositoryID, numericID(in.Repo))
	in.OwnerID = cmp.Or(in.OwnerID, numericID(owner))
	in.Ref = cmp.Or(in.Ref, "refs/heads/main")
	if !strings.HasPrefix(in.Ref, "refs/") {
		in.Ref = "refs/heads/" + in.Ref
	}
	in.EventName = cmp.Or(in.EventName, "push")
	in.SHA = cmp.Or(in.SHA, strings.Repeat("a1b2c3d4e5", 4))
	refType := "branch"
	if strings.HasPrefix(in.Ref, "refs/tags/") {
		refType = "tag"
	}
	sub := "repo:" + in.Repo
	if in.ImmutableSubject {
		sub = "repo:" + owner + "@" + in.OwnerID + "/" + name + "@" + in.RepositoryID
	}
	switch {
	case in.Environment != "":
		sub += ":environment:" + in.Environment
	case in.EventName == "pull_request" || in.EventName == "pull_request_target":
		sub += ":pull_request"
	default:
		sub += ":ref:" + in.Ref
	}
	// configure-aws-credentials asks for sts.amazonaws.com; GitHub's own
	// default would be https://github.com/OWNER.
	defaultAudience(c, "sts.amazonaws.com")
	workflow := in.Repo + "/.github/workflows/deploy.yml@" + in.Ref
	claims := map[string]any{
		"sub": sub, "repository": in.Repo, "repository_id": in.RepositoryID, "repository_owner": owner,
		"repository_owner_id": in.OwnerID, "repository_visibility": "private",
		"ref": in.Ref, "ref_type": refType, "ref_protected": "false", "sha": in.SHA,
		"actor": cmp.Or(in.Actor, "octocat"), "actor_id": numericID(cmp.Or(in.Actor, "octocat")),
		"event_name": in.EventName, "workflow": "deploy", "workflow_ref": workflow, "workflow_sha": in.SHA,
		"job_workflow_ref": cmp.Or(in.JobWorkflowRef, workflow), "job_workflow_sha": in.SHA,
		"run_id": cmp.Or(in.RunID, "4242424242"), "run_number": "1", "run_attempt": "1",
		"runner_environment": cmp.Or(in.RunnerEnvironment, "github-hosted"), "head_ref": "", "base_ref": "",
	}
	if in.Environment != "" {
		claims["environment"] = in.Environment
	}
	return "https://token.actions.githubusercontent.com", claims, nil
}

// GitLabTokenRequest is a GitLab CI job's id_tokens request, claims per
// https://docs.gitlab.com/ci/secrets/id_token_authentication: sub is
// project_path:GROUP/PROJECT:ref_type:branch|tag:ref:NAME. Issuer is the
// instance URL for self-managed GitLab (default https://gitlab.com).
type GitLabTokenRequest struct {
	Issuer         string `json:"issuer"`
	Project        string `json:"project"`
	ProjectID      string `json:"project_id"`
	NamespaceID    string `json:"namespace_id"`
	Ref            string `json:"ref"`
	RefType        string `json:"ref_type"`
	Environment    string `json:"environment"`
	PipelineSource string `json:"pipeline_source"`
	UserLogin      string `json:"user_login"`
}

var gitlabProject = lazyRegexp(`^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$`)

func mintGitLab(body []byte, c *ciTokenCommon) (string, map[string]any, error) {
	var in GitLabTokenRequest
	if err := decodeCIRequest(body, &in); err != nil {
		return "", nil, err
	}
	if !gitlabProject.MatchString(in.Project) {
		return "", nil, newError(400, "ValidationException", "gitlab token request: project must be GROUP/PROJECT (subgroups allowed), got %q", truncate(in.Project, 100))
	}
	iss := strings.TrimSuffix(cmp.Or(in.Issuer, "https://gitlab.com"), "/")
	if u, err := url.Parse(iss); err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" {
		return "", nil, newError(400, "ValidationException", "gitlab token request: issuer must be an https:// URL, got %q", truncate(iss, 100))
	}
	in.Ref = cmp.Or(in.Ref, "main")
	in.RefType = cmp.Or(in.RefType, "branch")
	if in.RefType != "branch" && in.RefType != "tag" {
		return "", nil, newError(400, "ValidationException", "gitlab token request: ref_type must be branch or tag, got %q", truncate(in.RefType, 50))
	}
	ns := in.Project[:strings.LastIndex(in.Project, "/")]
	refPath := "refs/heads/" + in.Ref
	if in.RefType == "tag" {
		refPath = "refs/tags/" + in.Ref
	}
	defaultAudience(c, "sts.amazonaws.com")
	user := cmp.Or(in.UserLogin, "ci-bot")
	claims := map[string]any{
		"sub":          "project_path:" + in.Project + ":ref_type:" + in.RefType + ":ref:" + in.Ref,
		"namespace_id": cmp.Or(in.NamespaceID, numericID(ns)), "namespace_path": ns,
		"project_id": cmp.Or(in.ProjectID, numericID(in.Project)), "project_path": in.Project,
		"user_id": numericID(user), "user_login": user, "user_email": user + "@example.com", "user_access_level": "developer",
		"pipeline_id": "1001", "pipeline_source": cmp.Or(in.PipelineSource, "push"), "job_id": "2002",
		"ref": in.Ref, "ref_type": in.RefType, "ref_path": refPath, "ref_protected": "true",
		"runner_id": 3003, "runner_environment": "gitlab-hosted", "sha": strings.Repeat("a1b2c3d4e5", 4),
		"project_visibility": "private", "ci_config_ref_uri": strings.TrimPrefix(iss, "https://") + "/" + in.Project + "//.gitlab-ci.yml@" + refPath,
	}
	if in.Environment != "" {
		claims["environment"] = in.Environment
		claims["environment_protected"] = "false"
		claims["deployment_tier"] = "production"
	}
	return iss, claims, nil
}

// CircleCITokenRequest is a CircleCI job's $CIRCLE_OIDC_TOKEN, per
// https://circleci.com/docs/openid-connect-tokens/: the issuer and the
// audience are the organization, sub org/ORG/project/PROJECT/user/USER,
// and the token lives an hour.
type CircleCITokenRequest struct {
	OrganizationID string   `json:"organization_id"`
	ProjectID      string   `json:"project_id"`
	UserID         string   `json:"user_id"`
	ContextIDs     []string `json:"context_ids"`
	VCSOrigin      string   `json:"vcs_origin"`
	VCSRef         string   `json:"vcs_ref"`
}

var uuidPattern = lazyRegexp(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func mintCircleCI(body []byte, c *ciTokenCommon) (string, map[string]any, error) {
	var in CircleCITokenRequest
	if err := decodeCIRequest(body, &in); err != nil {
		return "", nil, err
	}
	for _, f := range []struct{ name, v string }{{"organization_id", in.OrganizationID}, {"project_id", in.ProjectID}} {
		if !uuidPattern.MatchString(f.v) {
			return "", nil, newError(400, "ValidationException", "circleci token request: %s must be a UUID, got %q", f.name, truncate(f.v, 60))
		}
	}
	in.UserID = cmp.Or(in.UserID, "5f0c2a3e-1a2b-4c3d-8e9f-0a1b2c3d4e5f")
	defaultAudience(c, in.OrganizationID)
	claims := map[string]any{
		"sub":                          "org/" + in.OrganizationID + "/project/" + in.ProjectID + "/user/" + in.UserID,
		"oidc.circleci.com/project-id": in.ProjectID,
		"oidc.circleci.com/vcs-origin": cmp.Or(in.VCSOrigin, "github.com/acme/app"),
		"oidc.circleci.com/vcs-ref":    cmp.Or(in.VCSRef, "refs/heads/main"),
		"oidc.circleci.com/ssh-rerun":  false,
	}
	if len(in.ContextIDs) > 0 {
		claims["oidc.circleci.com/context-ids"] = in.ContextIDs
	}
	return "https://oidc.circleci.com/org/" + in.OrganizationID, claims, nil
}

// BitbucketTokenRequest is a Bitbucket Pipelines step's
// $BITBUCKET_STEP_OIDC_TOKEN, per
// https://support.atlassian.com/bitbucket-cloud/docs/integrate-pipelines-with-resource-servers-using-oidc/:
// the issuer is the workspace's, the audience
// ari:cloud:bitbucket::workspace/WORKSPACE_UUID, sub {REPO_UUID}:{STEP_UUID}
// or, in a deployment step, {REPO_UUID}:{ENV_UUID}:{STEP_UUID}.
type BitbucketTokenRequest struct {
	Workspace                 string `json:"workspace"`
	WorkspaceUUID             string `json:"workspace_uuid"`
	RepositoryUUID            string `json:"repository_uuid"`
	DeploymentEnvironmentUUID string `json:"deployment_environment_uuid"`
	StepUUID                  string `json:"step_uuid"`
	Branch                    string `json:"branch"`
}

var bitbucketSlug = lazyRegexp(`^[a-z0-9_.-]+$`)

// braced is a UUID as Bitbucket writes it, in braces.
func braced(id string) string {
	return "{" + strings.Trim(id, "{}") + "}"
}

func mintBitbucket(body []byte, c *ciTokenCommon) (string, map[string]any, error) {
	var in BitbucketTokenRequest
	if err := decodeCIRequest(body, &in); err != nil {
		return "", nil, err
	}
	if !bitbucketSlug.MatchString(in.Workspace) {
		return "", nil, newError(400, "ValidationException", "bitbucket token request: workspace must be the workspace's slug, got %q", truncate(in.Workspace, 60))
	}
	for _, f := range []struct{ name, v string }{{"workspace_uuid", in.WorkspaceUUID}, {"repository_uuid", in.RepositoryUUID}} {
		if !uuidPattern.MatchString(strings.Trim(f.v, "{}")) {
			return "", nil, newError(400, "ValidationException", "bitbucket token request: %s must be a UUID, got %q", f.name, truncate(f.v, 60))
		}
	}
	repo, step := braced(in.RepositoryUUID), braced(cmp.Or(in.StepUUID, randomUUID()))
	sub := repo + ":" + step
	defaultAudience(c, "ari:cloud:bitbucket::workspace/"+strings.Trim(in.WorkspaceUUID, "{}"))
	claims := map[string]any{
		"workspaceUuid": braced(in.WorkspaceUUID), "repositoryUuid": repo, "stepUuid": step,
		"pipelineUuid": braced(randomUUID()), "accountUuid": braced(in.WorkspaceUUID), "branchName": cmp.Or(in.Branch, "main"),
	}
	if in.DeploymentEnvironmentUUID != "" {
		env := braced(in.DeploymentEnvironmentUUID)
		sub = repo + ":" + env + ":" + step
		claims["deploymentEnvironmentUuid"] = env
	}
	claims["sub"] = sub
	return "https://api.bitbucket.org/2.0/workspaces/" + in.Workspace + "/pipelines-config/identity/oidc", claims, nil
}

// BuildkiteTokenRequest is `buildkite-agent oidc request-token`, per
// https://buildkite.com/docs/agent/v3/cli-oidc and
// https://buildkite.com/docs/pipelines/security/oidc: sub
// organization:ORG:pipeline:PIPELINE:ref:REF:commit:SHA:step:KEY.
type BuildkiteTokenRequest struct {
	Organization string `json:"organization"`
	Pipeline     string `json:"pipeline"`
	Branch       string `json:"branch"`
	Tag          string `json:"tag"`
	Commit       string `json:"commit"`
	StepKey      string `json:"step_key"`
	BuildNumber  int    `json:"build_number"`
}

func mintBuildkite(body []byte, c *ciTokenCommon) (string, map[string]any, error) {
	var in BuildkiteTokenRequest
	if err := decodeCIRequest(body, &in); err != nil {
		return "", nil, err
	}
	for _, f := range []struct{ name, v string }{{"organization", in.Organization}, {"pipeline", in.Pipeline}} {
		if !bitbucketSlug.MatchString(f.v) {
			return "", nil, newError(400, "ValidationException", "buildkite token request: %s must be a slug, got %q", f.name, truncate(f.v, 60))
		}
	}
	ref := "refs/heads/" + cmp.Or(in.Branch, "main")
	if in.Tag != "" {
		ref = "refs/tags/" + in.Tag
	}
	in.Commit = cmp.Or(in.Commit, strings.Repeat("a1b2c3d4e5", 4))
	// buildkite-agent's default audience is https://buildkite.com/ORG; AWS
	// pipelines pass --audience sts.amazonaws.com.
	defaultAudience(c, "sts.amazonaws.com")
	claims := map[string]any{
		"sub":               "organization:" + in.Organization + ":pipeline:" + in.Pipeline + ":ref:" + ref + ":commit:" + in.Commit + ":step:" + in.StepKey,
		"organization_slug": in.Organization, "pipeline_slug": in.Pipeline,
		"build_number": max(in.BuildNumber, 1), "build_branch": cmp.Or(in.Branch, "main"), "build_commit": in.Commit,
		"step_key": in.StepKey, "job_id": randomUUID(), "agent_id": randomUUID(),
	}
	if in.Tag != "" {
		claims["build_tag"] = in.Tag
	}
	return "https://agent.buildkite.com", claims, nil
}

// TerraformCloudTokenRequest is an HCP Terraform run phase's workload
// identity token, per
// https://developer.hashicorp.com/terraform/cloud-docs/workspaces/dynamic-provider-credentials/workload-identity-tokens:
// audience aws.workload.identity, sub
// organization:ORG:project:PROJECT:workspace:WS:run_phase:plan|apply.
// Issuer is the Terraform Enterprise URL where it is not app.terraform.io.
type TerraformCloudTokenRequest struct {
	Issuer       string `json:"issuer"`
	Organization string `json:"organization"`
	Project      string `json:"project"`
	Workspace    string `json:"workspace"`
	RunPhase     string `json:"run_phase"`
}

func mintTerraformCloud(body []byte, c *ciTokenCommon) (string, map[string]any, error) {
	var in TerraformCloudTokenRequest
	if err := decodeCIRequest(body, &in); err != nil {
		return "", nil, err
	}
	if err := requireField("terraform-cloud", "organization", in.Organization); err != nil {
		return "", nil, err
	}
	if err := requireField("terraform-cloud", "workspace", in.Workspace); err != nil {
		return "", nil, err
	}
	iss := strings.TrimSuffix(cmp.Or(in.Issuer, "https://app.terraform.io"), "/")
	if u, err := url.Parse(iss); err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" {
		return "", nil, newError(400, "ValidationException", "terraform-cloud token request: issuer must be an https:// URL, got %q", truncate(iss, 100))
	}
	in.Project = cmp.Or(in.Project, "Default Project")
	in.RunPhase = cmp.Or(in.RunPhase, "apply")
	if in.RunPhase != "plan" && in.RunPhase != "apply" {
		return "", nil, newError(400, "ValidationException", "terraform-cloud token request: run_phase must be plan or apply, got %q", truncate(in.RunPhase, 50))
	}
	defaultAudience(c, "aws.workload.identity")
	full := "organization:" + in.Organization + ":project:" + in.Project + ":workspace:" + in.Workspace
	claims := map[string]any{
		"sub":                         full + ":run_phase:" + in.RunPhase,
		"terraform_organization_id":   "org-" + numericID(in.Organization),
		"terraform_organization_name": in.Organization,
		"terraform_project_id":        "prj-" + numericID(in.Organization+"/"+in.Project),
		"terraform_project_name":      in.Project,
		"terraform_workspace_id":      "ws-" + numericID(in.Organization+"/"+in.Workspace),
		"terraform_workspace_name":    in.Workspace,
		"terraform_full_workspace":    full,
		"terraform_run_id":            "run-" + numericID(randomUUID()),
		"terraform_run_phase":         in.RunPhase,
	}
	return iss, claims, nil
}

// OIDCTokenRequest is a token from any other issuer, for a workload's
// generic oidc: entry: the issuer URL, the subject, and the audience (the
// common field, required: such an issuer has no default) are the request's.
type OIDCTokenRequest struct {
	Issuer  string `json:"issuer"`
	Subject string `json:"subject"`
}

func mintOIDC(body []byte, c *ciTokenCommon) (string, map[string]any, error) {
	var in OIDCTokenRequest
	if err := decodeCIRequest(body, &in); err != nil {
		return "", nil, err
	}
	iss := strings.TrimSuffix(in.Issuer, "/")
	if u, err := url.Parse(iss); err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" {
		return "", nil, newError(400, "ValidationException", "oidc token request: issuer must be an https:// URL, got %q", truncate(iss, 100))
	}
	if err := requireField("oidc", "subject", in.Subject); err != nil {
		return "", nil, err
	}
	if len(c.Audience) == 0 {
		return "", nil, newError(400, "ValidationException", "oidc token request: audience is required (the aud the workload's tokens carry)")
	}
	return iss, map[string]any{"sub": in.Subject}, nil
}

// randomUUID is a version-4 UUID for a token's jti and per-run ids; unlike
// Server.uuid it needs no lock.
func randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
