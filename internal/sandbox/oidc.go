package sandbox

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
	"time"
)

// sso-oidc (restJson1, unsigned): POST /client/register, /device_authorization, /token.
//
// Clients register, then get a token either with the device code grant
// (the user approves on /device) or the authorization code grant with PKCE
// (the browser goes through /authorize, see pages.go). Tokens carrying
// sso:account:access come with a refresh token that rotates on each use;
// tokens without scopes last 8 hours and cannot be refreshed.

func oidcRoutes() []restRoute {
	return []restRoute{
		{method: "POST", path: "/client/register", service: "sso-oidc", op: "RegisterClient", h: oidcRegisterClient},
		{method: "POST", path: "/device_authorization", service: "sso-oidc", op: "StartDeviceAuthorization", h: oidcStartDeviceAuthorization},
		{method: "POST", path: "/token", service: "sso-oidc", op: "CreateToken", h: oidcCreateToken},
	}
}

const (
	oidcGrantDevice  = "urn:ietf:params:oauth:grant-type:device_code"
	oidcGrantCode    = "authorization_code"
	oidcGrantRefresh = "refresh_token"
	oidcScopeAccount = "sso:account:access"

	oidcClientLifetime = 90 * 24 * time.Hour
	oidcCodeLifetime   = 5 * time.Minute
	// oidcUnscopedTTL is the lifetime of a token issued without scopes.
	oidcUnscopedTTL = 8 * time.Hour

	oidcIDChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// oidcErr is an sso-oidc error: the exception name and the RFC 6749 code.
func oidcErr(code, oauth, format string, a ...any) *apiError {
	status := 400
	if code == "InvalidClientException" {
		status = 401
	}
	e := newError(status, code, format, a...)
	e.OAuth = oauth
	return e
}

func oidcInvalidRequest(format string, a ...any) *apiError {
	return oidcErr("InvalidRequestException", "invalid_request", format, a...)
}

func oidcInvalidGrant(format string, a ...any) *apiError {
	return oidcErr("InvalidGrantException", "invalid_grant", format, a...)
}

func oidcInvalidClient(format string, a ...any) *apiError {
	return oidcErr("InvalidClientException", "invalid_client", format, a...)
}

func oidcUnauthorizedClient(grant string) *apiError {
	return oidcErr("UnauthorizedClientException", "unauthorized_client", "Client is not authorized to use the %s grant; register it with grantTypes including it", grant)
}

// oidcDecode decodes a request body; a malformed body is an
// InvalidRequestException, the only validation error sso-oidc models.
func oidcDecode(body []byte, v any) error {
	if err := decodeJSON(body, v); err != nil {
		return oidcInvalidRequest("%s", asAPIError(err).Message)
	}
	return nil
}

// init makes the maps of a world that was built without them.
func (o *OIDCState) init() {
	if o.Clients == nil {
		o.Clients = map[string]*OIDCClient{}
	}
	if o.DeviceAuths == nil {
		o.DeviceAuths = map[string]*DeviceAuth{}
	}
	if o.AuthCodes == nil {
		o.AuthCodes = map[string]*AuthCode{}
	}
	if o.Tokens == nil {
		o.Tokens = map[string]*Token{}
	}
	if o.FormNonces == nil {
		o.FormNonces = map[string]time.Time{}
	}
}

var (
	oidcScopePattern = lazyRegexp(`^[A-Za-z0-9_.\-]+(:[A-Za-z0-9_.*\-]+)*$`)
	oidcVerifier     = lazyRegexp(`^[A-Za-z0-9\-._~]{43,128}$`)
)

type oidcRegisterIn struct {
	ClientName             string   `json:"clientName"`
	ClientType             string   `json:"clientType"`
	Scopes                 []string `json:"scopes"`
	GrantTypes             []string `json:"grantTypes"`
	RedirectURIs           []string `json:"redirectUris"`
	IssuerURL              string   `json:"issuerUrl"`
	EntitledApplicationARN string   `json:"entitledApplicationArn"`
}

func oidcRegisterClient(c *call, body []byte) (int, any, error) {
	var in oidcRegisterIn
	if err := oidcDecode(body, &in); err != nil {
		return 0, nil, err
	}
	switch {
	case in.ClientName == "":
		return 0, nil, oidcInvalidRequest("clientName is required")
	case len(in.ClientName) > 128:
		return 0, nil, oidcInvalidRequest("clientName must be at most 128 characters")
	case in.ClientType == "":
		return 0, nil, oidcInvalidRequest("clientType is required")
	case in.ClientType != "public":
		return 0, nil, oidcErr("InvalidClientMetadataException", "invalid_client_metadata", "Invalid client type: %s; only public clients are supported", truncate(in.ClientType, 64))
	}
	for _, sc := range in.Scopes {
		if !oidcScopePattern.MatchString(sc) || len(sc) > 256 {
			return 0, nil, oidcErr("InvalidScopeException", "invalid_scope", "Invalid scope: %s", truncate(sc, 64))
		}
	}
	for _, g := range in.GrantTypes {
		switch g {
		case oidcGrantDevice, oidcGrantCode, oidcGrantRefresh:
		default:
			return 0, nil, oidcErr("InvalidClientMetadataException", "invalid_client_metadata", "Invalid grant type: %s; use authorization_code, refresh_token or %s", truncate(g, 64), oidcGrantDevice)
		}
	}
	for _, ru := range in.RedirectURIs {
		u, err := url.Parse(ru)
		if err != nil || u.Scheme == "" || u.Host == "" || u.Fragment != "" {
			return 0, nil, oidcErr("InvalidRedirectUriException", "invalid_redirect_uri", "Invalid redirect URI: %s; it must be an absolute URI without a fragment", truncate(ru, 100))
		}
	}
	if slices.Contains(in.GrantTypes, oidcGrantCode) && len(in.RedirectURIs) == 0 {
		return 0, nil, oidcInvalidRequest("redirectUris is required for the authorization_code grant")
	}
	c.w.OIDC.init()
	cl := &OIDCClient{
		ID:           c.rand(22, oidcIDChars),
		Secret:       secret(96),
		Name:         in.ClientName,
		Type:         in.ClientType,
		Scopes:       in.Scopes,
		GrantTypes:   in.GrantTypes,
		RedirectURIs: in.RedirectURIs,
		IssuerURL:    in.IssuerURL,
		IssuedAt:     c.now.UTC().Truncate(time.Second),
	}
	cl.ExpiresAt = cl.IssuedAt.Add(oidcClientLifetime)
	c.w.OIDC.Clients[cl.ID] = cl
	base := c.s.BaseURL()
	return 200, map[string]any{
		"clientId":              cl.ID,
		"clientSecret":          cl.Secret,
		"clientIdIssuedAt":      cl.IssuedAt.Unix(),
		"clientSecretExpiresAt": cl.ExpiresAt.Unix(),
		"authorizationEndpoint": base + "/authorize",
		"tokenEndpoint":         base + "/token",
	}, nil
}

// oidcClient authenticates a client by id and secret.
func (c *call) oidcClient(id, sec string) (*OIDCClient, error) {
	c.w.OIDC.init()
	if id == "" {
		return nil, oidcInvalidRequest("clientId is required")
	}
	if sec == "" {
		return nil, oidcInvalidRequest("clientSecret is required")
	}
	cl := c.w.OIDC.Clients[id]
	if cl == nil || subtle.ConstantTimeCompare([]byte(cl.Secret), []byte(sec)) != 1 {
		return nil, oidcInvalidClient("Invalid client id or client secret")
	}
	if !c.now.Before(cl.ExpiresAt) {
		return nil, oidcInvalidClient("Client registration expired at %s; register the client again", cl.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return cl, nil
}

// allows tells whether the client may use a grant. Clients registered
// without grant types (as botocore's device flow does) may use the device
// code and refresh token grants.
func (cl *OIDCClient) allows(grant string) bool {
	if len(cl.GrantTypes) == 0 {
		return grant != oidcGrantCode
	}
	return slices.Contains(cl.GrantTypes, grant)
}

type oidcDeviceIn struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	StartURL     string `json:"startUrl"`
}

func oidcStartDeviceAuthorization(c *call, body []byte) (int, any, error) {
	var in oidcDeviceIn
	if err := oidcDecode(body, &in); err != nil {
		return 0, nil, err
	}
	cl, err := c.oidcClient(in.ClientID, in.ClientSecret)
	if err != nil {
		return 0, nil, err
	}
	if in.StartURL == "" {
		return 0, nil, oidcInvalidRequest("startUrl is required")
	}
	if u, err := url.Parse(in.StartURL); err != nil || u.Scheme == "" || u.Host == "" {
		return 0, nil, oidcInvalidRequest("Invalid start URL: %s", truncate(in.StartURL, 100))
	}
	if !cl.allows(oidcGrantDevice) {
		return 0, nil, oidcUnauthorizedClient(oidcGrantDevice)
	}
	da := &DeviceAuth{
		DeviceCode: secret(48),
		UserCode:   c.oidcUserCode(),
		ClientID:   cl.ID,
		StartURL:   in.StartURL,
		Interval:   1,
		ExpiresAt:  c.now.Add(c.s.opts.DeviceCodeTTL),
	}
	if name := c.s.opts.ApproveAs; name != "" {
		if u := c.w.userByName(name); u != nil {
			da.UserID = u.ID
		} else {
			c.s.opts.Log.Warn("ApproveAs names no identity-store user; the device authorization stays pending", "user", name)
		}
	}
	c.w.OIDC.DeviceAuths[da.DeviceCode] = da
	verify := c.s.BaseURL() + "/device"
	return 200, map[string]any{
		"deviceCode":              da.DeviceCode,
		"userCode":                da.UserCode,
		"verificationUri":         verify,
		"verificationUriComplete": verify + "?user_code=" + url.QueryEscape(da.UserCode),
		"expiresIn":               int(c.s.opts.DeviceCodeTTL / time.Second),
		"interval":                da.Interval,
	}, nil
}

// oidcUserCode returns a user code (XXXX-XXXX) no live device authorization uses.
func (c *call) oidcUserCode() string {
	for {
		code := c.rand(4, userCodeSet) + "-" + c.rand(4, userCodeSet)
		if c.w.deviceAuthByUserCode(code, c.now) == nil {
			return code
		}
	}
}

// deviceAuthByUserCode finds the unexpired device authorization with a user
// code, accepting lower case and a missing dash.
func (w *World) deviceAuthByUserCode(code string, now time.Time) *DeviceAuth {
	code = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(code), "-", ""))
	if code == "" {
		return nil
	}
	for _, da := range w.OIDC.DeviceAuths {
		if strings.ReplaceAll(da.UserCode, "-", "") == code && now.Before(da.ExpiresAt) {
			return da
		}
	}
	return nil
}

type oidcTokenIn struct {
	ClientID     string   `json:"clientId"`
	ClientSecret string   `json:"clientSecret"`
	GrantType    string   `json:"grantType"`
	DeviceCode   string   `json:"deviceCode"`
	Code         string   `json:"code"`
	RefreshToken string   `json:"refreshToken"`
	Scope        []string `json:"scope"`
	RedirectURI  string   `json:"redirectUri"`
	CodeVerifier string   `json:"codeVerifier"`
}

type oidcTokenOut struct {
	AccessToken  string `json:"accessToken"`
	TokenType    string `json:"tokenType"`
	ExpiresIn    int    `json:"expiresIn"`
	RefreshToken string `json:"refreshToken,omitempty"`
	IDToken      string `json:"idToken,omitempty"`
}

func oidcCreateToken(c *call, body []byte) (int, any, error) {
	var in oidcTokenIn
	if err := oidcDecode(body, &in); err != nil {
		return 0, nil, err
	}
	cl, err := c.oidcClient(in.ClientID, in.ClientSecret)
	if err != nil {
		return 0, nil, err
	}
	var out oidcTokenOut
	switch in.GrantType {
	case "":
		return 0, nil, oidcInvalidRequest("grantType is required")
	case oidcGrantDevice:
		out, err = c.oidcDeviceToken(cl, &in)
	case oidcGrantCode:
		out, err = c.oidcCodeToken(cl, &in)
	case oidcGrantRefresh:
		out, err = c.oidcRefreshToken(cl, &in)
	default:
		return 0, nil, oidcErr("UnsupportedGrantTypeException", "unsupported_grant_type", "Unsupported grant type: %s", truncate(in.GrantType, 64))
	}
	if err != nil {
		return 0, nil, err
	}
	return 200, out, nil
}

func (c *call) oidcDeviceToken(cl *OIDCClient, in *oidcTokenIn) (oidcTokenOut, error) {
	if !cl.allows(oidcGrantDevice) {
		return oidcTokenOut{}, oidcUnauthorizedClient(oidcGrantDevice)
	}
	if in.DeviceCode == "" {
		return oidcTokenOut{}, oidcInvalidRequest("deviceCode is required for the device_code grant")
	}
	da := c.w.OIDC.DeviceAuths[in.DeviceCode]
	switch {
	case da == nil || da.ClientID != cl.ID:
		return oidcTokenOut{}, oidcInvalidGrant("Invalid device code provided")
	case !c.now.Before(da.ExpiresAt):
		return oidcTokenOut{}, oidcErr("ExpiredTokenException", "expired_token", "Device code has expired")
	case da.Used:
		return oidcTokenOut{}, oidcInvalidGrant("Device code has already been used")
	case da.Denied:
		return oidcTokenOut{}, oidcErr("AccessDeniedException", "access_denied", "The user denied the authorization request")
	}
	if da.UserID == "" {
		// RFC 8628 section 3.5: polling faster than the interval is
		// slow_down, and the interval grows by 5 seconds from then on.
		tooFast := !da.LastPoll.IsZero() && c.now.Sub(da.LastPoll) < time.Duration(da.Interval)*time.Second
		da.LastPoll = c.now
		if tooFast {
			da.Interval += 5
			return oidcTokenOut{}, oidcErr("SlowDownException", "slow_down", "Client is polling too fast; wait %d seconds between requests", da.Interval)
		}
		return oidcTokenOut{}, oidcErr("AuthorizationPendingException", "authorization_pending", "Authorization is still pending")
	}
	if c.w.user(da.UserID) == nil {
		return oidcTokenOut{}, oidcInvalidGrant("The user who approved the device code no longer exists")
	}
	da.Used = true
	return c.oidcIssue(cl, da.UserID, cl.Scopes, time.Time{}), nil
}

func (c *call) oidcCodeToken(cl *OIDCClient, in *oidcTokenIn) (oidcTokenOut, error) {
	if !cl.allows(oidcGrantCode) {
		return oidcTokenOut{}, oidcUnauthorizedClient(oidcGrantCode)
	}
	switch {
	case in.Code == "":
		return oidcTokenOut{}, oidcInvalidRequest("code is required for the authorization_code grant")
	case in.RedirectURI == "":
		return oidcTokenOut{}, oidcInvalidRequest("redirectUri is required for the authorization_code grant")
	}
	ac := c.w.OIDC.AuthCodes[in.Code]
	if ac == nil || ac.UserID == "" || ac.ClientID != cl.ID {
		return oidcTokenOut{}, oidcInvalidGrant("Invalid authorization code provided")
	}
	// A code is good for one attempt, successful or not (RFC 6749 section 4.1.2).
	used := ac.Used
	ac.Used = true
	switch {
	case used:
		return oidcTokenOut{}, oidcInvalidGrant("Authorization code has already been used")
	case !c.now.Before(ac.ExpiresAt):
		return oidcTokenOut{}, oidcInvalidGrant("Authorization code has expired")
	case in.RedirectURI != ac.RedirectURI:
		return oidcTokenOut{}, oidcInvalidGrant("redirectUri does not match the redirect_uri of the authorization request")
	case !oidcVerifier.MatchString(in.CodeVerifier):
		return oidcTokenOut{}, oidcInvalidGrant("codeVerifier must be 43 to 128 characters of [A-Za-z0-9-._~]")
	case subtle.ConstantTimeCompare([]byte(pkceChallenge(in.CodeVerifier)), []byte(ac.Challenge)) != 1:
		return oidcTokenOut{}, oidcInvalidGrant("codeVerifier does not match the code_challenge of the authorization request")
	case c.w.user(ac.UserID) == nil:
		return oidcTokenOut{}, oidcInvalidGrant("The user who approved the request no longer exists")
	}
	return c.oidcIssue(cl, ac.UserID, ac.Scopes, time.Time{}), nil
}

// pkceChallenge is the S256 code challenge of a verifier (RFC 7636).
func pkceChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func (c *call) oidcRefreshToken(cl *OIDCClient, in *oidcTokenIn) (oidcTokenOut, error) {
	if !cl.allows(oidcGrantRefresh) {
		return oidcTokenOut{}, oidcUnauthorizedClient(oidcGrantRefresh)
	}
	if in.RefreshToken == "" {
		return oidcTokenOut{}, oidcInvalidRequest("refreshToken is required for the refresh_token grant")
	}
	var old *Token
	for _, t := range c.w.OIDC.Tokens {
		if t.RefreshToken != "" && subtle.ConstantTimeCompare([]byte(t.RefreshToken), []byte(in.RefreshToken)) == 1 {
			old = t
			break
		}
	}
	switch {
	case old == nil || old.ClientID != cl.ID:
		return oidcTokenOut{}, oidcInvalidGrant("Invalid refresh token provided")
	case old.Revoked:
		return oidcTokenOut{}, oidcInvalidGrant("Refresh token has been revoked (the user signed out)")
	case old.RefreshRevoked:
		return oidcTokenOut{}, oidcInvalidGrant("Refresh token has been revoked")
	case !c.now.Before(old.RefreshExpiresAt):
		return oidcTokenOut{}, oidcInvalidGrant("Refresh token has expired; sign in again")
	case c.w.user(old.UserID) == nil:
		return oidcTokenOut{}, oidcInvalidGrant("The user of this refresh token no longer exists")
	}
	// Rotation: the old refresh token stops working; its access token
	// stays valid until it expires, as on AWS.
	old.RefreshToken = ""
	return c.oidcIssue(cl, old.UserID, old.Scopes, old.RefreshExpiresAt), nil
}

// oidcIssue makes a token for a user. sessionEnd is when the Identity
// Center session ends (zero for a new sign-in): refreshed tokens keep the
// session's end.
func (c *call) oidcIssue(cl *OIDCClient, userID string, scopes []string, sessionEnd time.Time) oidcTokenOut {
	t := &Token{AccessToken: "aoa" + secret(96), ClientID: cl.ID, UserID: userID, Scopes: scopes}
	ttl := oidcUnscopedTTL
	if len(scopes) > 0 {
		ttl = c.s.opts.AccessTokenTTL
		if sessionEnd.IsZero() {
			sessionEnd = c.now.Add(c.s.opts.RefreshTokenTTL)
		}
		if slices.Contains(scopes, oidcScopeAccount) || slices.Contains(cl.GrantTypes, oidcGrantRefresh) {
			t.RefreshToken = "aor" + secret(96)
			t.RefreshExpiresAt = sessionEnd
		}
		if sessionEnd.Sub(c.now) < ttl {
			ttl = sessionEnd.Sub(c.now)
		}
	}
	t.ExpiresAt = c.now.Add(ttl)
	c.w.OIDC.Tokens[t.AccessToken] = t
	return oidcTokenOut{AccessToken: t.AccessToken, TokenType: "Bearer", ExpiresIn: int(ttl / time.Second), RefreshToken: t.RefreshToken}
}

// revokeRefreshTokens revokes the live refresh tokens of a user (every
// user's when userID is empty) and returns how many it revoked. Their
// access tokens keep working until they expire.
func (o *OIDCState) revokeRefreshTokens(userID string) int {
	n := 0
	for _, t := range o.Tokens {
		if t.RefreshToken == "" || t.RefreshRevoked || (userID != "" && t.UserID != userID) {
			continue
		}
		t.RefreshRevoked = true
		n++
	}
	return n
}
