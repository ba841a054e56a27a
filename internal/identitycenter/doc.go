// Package identitycenter reads IAM Identity Center (with the Organizations
// data its assignments target) into a State, and applies Changes to it,
// within AWS's quotas: rate limits per service, at most 15 outstanding
// assignment creations, asynchronous operations polled to the end, retries
// with jitter on throttling, conflicts and 5xx.
//
// It owns the ownership markers (what keyless created, see Owned*) and the
// order of operations. It must not decide what to change: that is the plan
// package's job; and it must never touch an object the plan did not name.
package identitycenter
