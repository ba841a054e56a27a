// Package usage owns the evidence of what a credential does, from
// CloudTrail: for each IAM access key, the calls made with it in the last
// 90 days (LookupEvents by AccessKeyId, in every region asked), aggregated
// into services, actions, source addresses, user agents, first and last
// use and a count per day; and, from that evidence, what kind of caller
// each IAM user is (a person, a CI pipeline, a workload on AWS, an outside
// service) with the replacement that fits it.
//
// It says plainly what it could not see: a region where LookupEvents was
// denied or could not be reached makes a key "not evaluated" there, never
// "unused". It stays under CloudTrail's limit of 2 LookupEvents requests a
// second per account and region, in parallel across accounts and regions.
//
// It only reads: it never changes a key or a user, and it does not decide
// what to retire (audit and cleanup do, from its Report).
package usage
