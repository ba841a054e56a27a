// Package cleanup turns what an audit found into actions that remove
// long-lived credentials: a Plan (pure: built from an audit.AccountState,
// the IAM users' tags and this machine's AWS files) and an Executor that
// carries it out through the AWS SDK.
//
// It owns the rules of what may be changed and in which order: access keys
// are deactivated first and deleted only after a grace period; an IAM user
// is deleted only once its person has an Identity Center user with access,
// or, for a machine user, once the workload role keyless.yaml declares for
// it (like_user) was used after its keys last were, after a JSON backup; a
// key CloudTrail shows in use is not deactivated before its replacement is
// shown in use (a person's Identity Center user never is: keyless cannot
// see her sign-ins, and they do not replace a server calling with her
// key); the root user's credentials are removed only through
// sts:AssumeRoot (else the plan prints console steps); long-lived keys leave
// ~/.aws/credentials only once an SSO profile of the same name works. The
// guards refuse anything that would lock the caller out or act on another
// account than the credentials'.
//
// When keyless deactivates a key it tags the key's user with
// keyless:deactivated:<KEYID> = RFC 3339 time: the grace period counts from
// that tag, and deleting the key removes it.
//
// It must not decide how to ask the person (the cli package does) and never
// writes a secret anywhere: backups hold key ids and metadata only.
package cleanup
