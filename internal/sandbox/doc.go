// Package sandbox is a local AWS IAM Identity Center: the admin APIs
// (organizations, sso-admin, identitystore), the sign-in side (sso-oidc, the
// SSO portal, console federation), STS, IAM, EventBridge Scheduler (which
// runs its due schedules against the sandbox itself), Step Functions
// (which runs state machines whose tasks call the sandbox) and DynamoDB,
// served on one loopback
// address so that the AWS CLI, boto3 and aws-sdk-go-v2 talk to it when
// AWS_ENDPOINT_URL points at it.
//
// It owns the simulated world (plain Go data behind one lock), the three wire
// protocols (awsJson1_0 and 1_1 with X-Amz-Target, restJson1, awsQuery with XML
// replies) and one file per service. It must never reach the real AWS, and it
// binds to loopback unless told otherwise.
//
// Asynchronous work (account assignments, provisioning) is modelled with
// timestamps rather than goroutines: an operation records when it completes
// and every request first advances the world to the current time. That keeps
// the world deterministic under an injected clock.
//
// The exceptions are EventBridge Scheduler's schedules and Step Functions'
// executions: running one is a call to the sandbox's own API (selfcall.go),
// made outside the world's lock, by a ticker while serving
// (Options.ScheduleTick), on POST /_sandbox/scheduler/run, or for an
// execution in a goroutine from StartExecution; a schedule or a Wait state
// is due by the same injected clock.
package sandbox
