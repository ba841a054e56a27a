package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// sts:AssumeRoleWithWebIdentity, unsigned: the OpenID Connect ID token is
// the credential. As AWS does, in this order: the token's issuer must be
// an IAM OIDC provider in the role's account, its audience one of that
// provider's client ids, its signature good under the issuer's published
// keys (its /.well-known/openid-configuration's jwks_uri, fetched over
// HTTP or HTTPS, so a test can serve an issuer on loopback), and it must
// not have expired; then the role's trust policy must allow the provider
// with the token's claims (<issuer>:aud, <issuer>:sub, <issuer>:amr).
// Provider thumbprints are not checked: the sandbox trusts the system's
// certificate authorities, as AWS does for well-known issuers.

const (
	webIdentityTokenMax = 20000
	// issuerKeysTTL is how long an issuer's keys are reused, and
	// issuerRefetch how soon a token naming an unknown key id may make the
	// sandbox fetch them again (key rotation).
	issuerKeysTTL   = 10 * time.Minute
	issuerRefetch   = 10 * time.Second
	issuerFetchTime = 5 * time.Second
	issuerDocMax    = 1 << 20
)

// webIdentityAlgs are the signature algorithms accepted: the asymmetric
// ones AWS documents for OIDC providers (never "none" or HMAC, whose key
// would be public).
var webIdentityAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512,
	jose.PS256, jose.PS384, jose.PS512, jose.ES256, jose.ES384, jose.ES512}

type webIdentityClaims struct {
	Issuer    string           `json:"iss"`
	Subject   string           `json:"sub"`
	Audience  jwt.Audience     `json:"aud"`
	Expiry    *jwt.NumericDate `json:"exp"`
	NotBefore *jwt.NumericDate `json:"nbf"`
	AMR       jwt.Audience     `json:"amr"` // a string or a list of strings, as aud is
}

// invalidToken is InvalidIdentityToken: the token cannot be accepted.
func invalidToken(format string, a ...any) *apiError {
	return newError(400, "InvalidIdentityToken", format, a...)
}

// issuerKey is an issuer as IAM names its provider: without the scheme.
func issuerKey(iss string) string {
	if rest, ok := strings.CutPrefix(iss, "https://"); ok {
		return rest
	}
	return strings.TrimPrefix(iss, "http://")
}

// oidcProvider finds an account's IAM OIDC provider for an issuer.
func (w *World) oidcProvider(account, iss string) *OIDCProvider {
	ia := w.IAM[account]
	if ia == nil {
		return nil
	}
	key := issuerKey(iss)
	for _, p := range ia.OIDCProviders {
		if issuerKey(p.URL) == key {
			return p
		}
	}
	return nil
}

// parseWebIdentityToken reads a token's claims and key id without checking
// its signature.
func parseWebIdentityToken(raw string) (*jwt.JSONWebToken, webIdentityClaims, error) {
	var claims webIdentityClaims
	tok, err := jwt.ParseSigned(raw, webIdentityAlgs)
	if err != nil {
		return nil, claims, invalidToken("The web identity token is not a signed JWT the sandbox accepts (%s): use an OpenID Connect ID token signed with RS256, PS256 or ES256 and their longer variants.", strings.TrimPrefix(err.Error(), "go-jose/go-jose: "))
	}
	if err := tok.UnsafeClaimsWithoutVerification(&claims); err != nil {
		return nil, claims, invalidToken("The web identity token's claims do not parse: %v", err)
	}
	if claims.Issuer == "" {
		return nil, claims, invalidToken("The web identity token has no iss (issuer) claim.")
	}
	return tok, claims, nil
}

// issuerKeys caches issuers' JSON Web Key Sets. Fetching happens outside
// the world lock (prefetchWebIdentityKeys), since an issuer may take
// seconds to answer; the handler only reads the cache.
type issuerKeys struct {
	mu       sync.Mutex
	byIssuer map[string]*issuerKeySet
	client   *http.Client
}

type issuerKeySet struct {
	keys    jose.JSONWebKeySet
	err     *apiError // why the last fetch failed
	fetched time.Time
}

func (k *issuerKeys) get(iss string) *issuerKeySet {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.byIssuer[iss]
}

// refresh fetches iss's keys unless the cached ones are fresh and hold kid.
func (k *issuerKeys) refresh(ctx context.Context, iss, kid string, now time.Time) {
	if ks := k.get(iss); ks != nil && ks.err == nil {
		age := now.Sub(ks.fetched)
		known := kid == "" || len(ks.keys.Key(kid)) > 0
		if age < issuerKeysTTL && (known || age < issuerRefetch) {
			return
		}
	}
	ks := &issuerKeySet{fetched: now}
	ks.keys, ks.err = k.fetch(ctx, iss)
	k.mu.Lock()
	if k.byIssuer == nil {
		k.byIssuer = map[string]*issuerKeySet{}
	}
	k.byIssuer[iss] = ks
	k.mu.Unlock()
}

// fetch reads the issuer's discovery document and the key set it names.
func (k *issuerKeys) fetch(ctx context.Context, iss string) (jose.JSONWebKeySet, *apiError) {
	var set jose.JSONWebKeySet
	base := iss
	if !strings.Contains(base, "://") {
		base = "https://" + base
	}
	var disco struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := k.getJSON(ctx, strings.TrimSuffix(base, "/")+"/.well-known/openid-configuration", &disco); err != nil {
		return set, err
	}
	if disco.JWKSURI == "" {
		return set, invalidToken("Couldn't retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements (%s/.well-known/openid-configuration has no jwks_uri)", strings.TrimSuffix(base, "/"))
	}
	if err := k.getJSON(ctx, disco.JWKSURI, &set); err != nil {
		return set, err
	}
	return set, nil
}

func (k *issuerKeys) getJSON(ctx context.Context, u string, v any) *apiError {
	cant := func(why string) *apiError {
		return invalidToken("Couldn't retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements (%s: %s)", truncate(u, 200), why)
	}
	ctx, cancel := context.WithTimeout(ctx, issuerFetchTime)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return cant("not a URL")
	}
	req.Header.Set("Accept", "application/json")
	client := k.client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return newError(400, "IDPCommunicationError", "The identity provider could not be reached: %s. Retry; if it persists, check that the issuer serves %s.", truncate(err.Error(), 200), truncate(u, 200))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return cant(fmt.Sprintf("HTTP %d", resp.StatusCode))
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, issuerDocMax+1))
	if err != nil {
		return cant(err.Error())
	}
	if len(b) > issuerDocMax {
		return cant("larger than 1 MiB")
	}
	if err := json.Unmarshal(b, v); err != nil {
		return cant("not JSON: " + err.Error())
	}
	return nil
}

// prefetchWebIdentityKeys makes sure the issuer keys an
// AssumeRoleWithWebIdentity request needs are cached, without holding the
// world. Only issuers registered as an IAM OIDC provider in the role's
// account are fetched: a caller cannot make the sandbox fetch any URL.
func (s *Server) prefetchWebIdentityKeys(ctx context.Context, form url.Values) {
	tok, claims, err := parseWebIdentityToken(form.Get("WebIdentityToken"))
	if err != nil {
		return
	}
	m := stsRoleARN.FindStringSubmatch(form.Get("RoleArn"))
	if m == nil {
		return
	}
	var known bool
	var now time.Time
	s.withWorld(func(w *World, t time.Time) { known, now = w.oidcProvider(m[2], claims.Issuer) != nil, t })
	if known {
		s.issuerKeys.refresh(ctx, claims.Issuer, tok.Headers[0].KeyID, now)
	}
}

type stsWebIdentityOut struct {
	stsAssumeRoleOut
	SubjectFromWebIdentityToken string `xml:"SubjectFromWebIdentityToken"`
	Audience                    string `xml:"Audience"`
	Provider                    string `xml:"Provider"`
	PackedPolicySize            *int   `xml:"PackedPolicySize,omitempty"`
}

func stsAssumeRoleWithWebIdentity(c *call, form url.Values) (any, error) {
	target, err := stsTargetRole(form)
	if err != nil {
		return nil, err
	}
	c.unsignedIn(target.partition)
	session, err := stsSessionNameParam(form)
	if err != nil {
		return nil, err
	}
	raw, err := stsRequired(form, "WebIdentityToken", "webIdentityToken")
	if err != nil {
		return nil, err
	}
	if err := stsLength(raw, "webIdentityToken", 4, webIdentityTokenMax); err != nil {
		return nil, err
	}
	duration, err := stsDuration(form, stsChainedMax, stsMaxDuration)
	if err != nil {
		return nil, err
	}
	packed, err := stsSessionPolicies(form)
	if err != nil {
		return nil, err
	}
	tok, claims, err := parseWebIdentityToken(raw)
	if err != nil {
		return nil, err
	}
	provider := c.w.oidcProvider(target.account, claims.Issuer)
	if provider == nil {
		return nil, invalidToken("No OpenIDConnect provider found in your account for %s", truncate(claims.Issuer, 200))
	}
	aud := ""
	for _, a := range claims.Audience {
		if slices.Contains(provider.ClientIDs, a) {
			aud = a
			break
		}
	}
	if aud == "" {
		return nil, invalidToken("Incorrect token audience")
	}
	if err := c.s.verifyWebIdentity(tok, claims.Issuer); err != nil {
		return nil, err
	}
	switch {
	case claims.Expiry == nil:
		return nil, invalidToken("The web identity token has no exp (expiry) claim.")
	case !c.now.Before(claims.Expiry.Time()):
		return nil, newError(400, "ExpiredTokenException", "Token expired: current date/time %d must be before the expiration date/time %d", c.now.Unix(), claims.Expiry.Time().Unix())
	case claims.NotBefore != nil && c.now.Before(claims.NotBefore.Time()):
		return nil, newError(403, "IDPRejectedClaim", "The web identity token is not valid before %s (nbf).", claims.NotBefore.Time().UTC().Format(time.RFC3339))
	case len(claims.Subject) < 6 || len(claims.Subject) > 255:
		// The model's webIdentitySubjectType: AWS returns sub verbatim.
		return nil, newError(403, "IDPRejectedClaim", "The web identity token's sub claim must have 6 to 255 characters, has %d.", len(claims.Subject))
	}
	// Provider is the provider's ARN in AWS's replies (the API reference
	// says the iss claim; real replies carry the ARN).
	providerARN := fmt.Sprintf("arn:%s:iam::%s:oidc-provider/%s", c.partition(), target.account, issuerKey(provider.URL))
	prefix := strings.ToLower(issuerKey(provider.URL)) + ":"
	keys := map[string][]string{prefix + "aud": {aud}, prefix + "sub": {claims.Subject}}
	if len(claims.AMR) > 0 {
		keys[prefix+"amr"] = []string(claims.AMR)
	}
	assumed, err := c.federatedRole(target, trustRequest{action: "sts:AssumeRoleWithWebIdentity", federated: providerARN, keys: keys}, session, duration, "web-identity", sessionLimitsOf(form, nil))
	if err != nil {
		return nil, err
	}
	c.recordWebIdentity(target.account, target.arn, providerARN, claims.Subject)
	out := stsWebIdentityOut{stsAssumeRoleOut: assumed, SubjectFromWebIdentityToken: claims.Subject, Audience: aud, Provider: providerARN}
	if packed >= 0 {
		out.PackedPolicySize = &packed
	}
	return out, nil
}

// verifyWebIdentity checks a token's signature with its issuer's cached keys.
func (s *Server) verifyWebIdentity(tok *jwt.JSONWebToken, iss string) error {
	ks := s.issuerKeys.get(iss)
	if ks == nil {
		return invalidToken("Couldn't retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements")
	}
	if ks.err != nil {
		return ks.err
	}
	candidates := ks.keys.Keys
	if kid := tok.Headers[0].KeyID; kid != "" {
		candidates = ks.keys.Key(kid)
	}
	var claims webIdentityClaims
	for _, k := range candidates {
		if tok.Claims(k.Key, &claims) == nil {
			return nil
		}
	}
	return invalidToken("The web identity token's signature does not verify with any of %s's published keys (kid %q).", truncate(iss, 200), tok.Headers[0].KeyID)
}
