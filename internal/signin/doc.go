// Package signin gets a person from an Identity Center start URL to
// short-lived role credentials, sharing the AWS CLI's files so keyless, the
// AWS CLI and the SDKs see one sign-in:
//
//   - the SSO token cache, ~/.aws/sso/cache/<sha1(session name or start URL)>.json;
//   - the role-credential cache, ~/.aws/cli/cache/<sha1(compact JSON key)>.json.
//
// Sign-in is the OIDC authorization code grant with PKCE (a loopback listener
// and the browser) or the device code grant. Tokens are refreshed inside the
// AWS CLI's windows (advisory with 15 minutes left, mandatory with 10) and
// role credentials with 15 minutes left. Every change to a cache file happens
// under a cross-process lock and re-reads the file first, so a hundred
// processes asking at once cause one sign-in, one refresh, one
// GetRoleCredentials. The lock files and keyless's own records live in
// ~/.aws/keyless, never beside the AWS CLI's files. A cache that cannot be
// written is a warning, not an error: credentials in hand are handed out.
//
// It owns those two caches and nothing in ~/.aws/config (see awsconfig).
// Tokens, refresh tokens, client secrets and credentials never reach logs or
// errors.
package signin
