// Package elevation owns just-in-time access: the rules of who may ask for which
// permission set in which account, for how long, and who approves; the AWS
// resources that enforce them (a DynamoDB table of requests, decisions and
// grants; two Step Functions state machines that are the only non-administrator
// principals able to create or end an elevation assignment; EventBridge
// Scheduler schedules that end each grant inside AWS; the IAM roles they run
// as); and the client side of requesting, approving, denying, revoking and
// listing.
//
// The client is a convenience, never the control: every decision is taken by
// the state machines and IAM inside AWS (docs/elevation.md has the policies and
// the threat model). This package must not grant, extend or end access with
// the caller's own sso-admin rights except where an administrator acts
// (offboarding).
package elevation
