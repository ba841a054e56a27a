// Package interop holds the interop suite: the AWS CLI v1 (botocore) and
// boto3, independent implementations of AWS's clients, talk to the sandbox
// for every service, and read the ~/.aws/config and SSO token cache files a
// test writes. It runs with `go test -tags interop ./internal/interop/`;
// the outside tools are required in CI (CI set) and skipped elsewhere.
package interop
