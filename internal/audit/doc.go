// Package audit checks AWS accounts and this machine for long-lived
// credentials and weak posture: the root user, IAM users and their keys,
// the password policy, Identity Center, roles that trust CI systems' OIDC
// providers (ParseTrust reads their trust policies), and keys lying on the
// machine.
//
// It owns Collect (reading an account into an AccountState through the AWS
// SDK, recording what it was refused), the checks (pure functions from an
// AccountState to Findings), the credential-report parser, and the report
// formats (text, JSON, SARIF, HTML). It must not change anything in AWS or
// on the machine: remediation is other commands' job (cleanup), which build
// on Collect and AccountState.
package audit
