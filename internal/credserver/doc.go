// Package credserver serves one role's temporary credentials to the AWS
// SDKs' container credential provider (AWS_CONTAINER_CREDENTIALS_FULL_URI
// with AWS_CONTAINER_AUTHORIZATION_TOKEN), so a long job or a container gets
// fresh credentials for as long as it runs instead of a copy that expires.
//
// It owns the endpoint: the loopback-only listener (127.0.0.1, never all
// interfaces nor the instance or container metadata addresses), the random
// bearer token compared in constant time, and the JSON the SDKs read. It
// does not get credentials itself: the caller passes a function (keyless's
// credential path, with its caches and locks). The token and the
// credentials never reach logs or errors.
package credserver
