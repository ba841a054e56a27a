package sandbox

import (
	"bytes"
	"encoding/json"
	"strings"
)

// partitions maps a region to its ARN partition as the SDK's partitions.json
// does (its regionRegex for each partition, and the "<partition>-global"
// pseudo-regions); any other region is in "aws".
// region is the partition's first region, where the sandbox puts an
// unsigned request in it (unsignedIn).
var partitions = []struct {
	id, region string
	match      *lazyRE
}{
	{"aws-cn", "cn-north-1", lazyRegexp(`^cn-\w+-\d+$`)},
	{"aws-eusc", "eusc-de-east-1", lazyRegexp(`^eusc-(de)-\w+-\d+$`)},
	{"aws-iso", "us-iso-east-1", lazyRegexp(`^us-iso-\w+-\d+$`)},
	{"aws-iso-b", "us-isob-east-1", lazyRegexp(`^us-isob-\w+-\d+$`)},
	{"aws-iso-e", "eu-isoe-west-1", lazyRegexp(`^eu-isoe-\w+-\d+$`)},
	{"aws-iso-f", "us-isof-south-1", lazyRegexp(`^us-isof-\w+-\d+$`)},
	{"aws-us-gov", "us-gov-west-1", lazyRegexp(`^us-gov-\w+-\d+$`)},
}

// partitionOf is the partition of the region a request is signed for.
func partitionOf(region string) string {
	for _, p := range partitions {
		if p.match.MatchString(region) || region == p.id+"-global" {
			return p.id
		}
	}
	return "aws"
}

// partition is the ARN partition of the call's region.
func (c *call) partition() string { return partitionOf(c.region) }

// unsignedIn puts an unsigned request (AssumeRoleWithWebIdentity,
// AssumeRoleWithSAML) in partition p, that of the role it names. AWS knows
// it from the endpoint (sts.cn-north-1.amazonaws.com.cn); the sandbox has
// one endpoint for every partition, and no signature names a region.
func (c *call) unsignedIn(p string) {
	if c.accessKeyID != "" {
		return
	}
	for _, q := range partitions {
		if q.id == p {
			c.region = q.region
		}
	}
}

// iamARN is an ARN of IAM in the caller's account and partition:
// ic.iamARN("user/", path, name) is arn:<partition>:iam::<account>:user/...
func (ic *iamCall) iamARN(parts ...string) string {
	return "arn:" + ic.partition() + ":iam::" + ic.acct + ":" + strings.Join(parts, "")
}

// The world keeps the ARNs of Organizations, sso-admin and identitystore in
// the aws partition, as it has one set of them for every caller; a caller
// signing for another partition's region sees them in its own, as an account
// there would (arn:aws-cn:sso:::instance/...). Its JSON requests come in
// through toStoredPartition and its replies go out through
// toCallerPartition. Both swap the two partitions, so an aws ARN sent by a
// caller in aws-cn names nothing it owns, as on AWS.

// swapPartition swaps an ARN's partition between aws and p; any other
// string is left alone. Only whole values are ARNs: a policy document that
// mentions one is a string that starts with "{".
func swapPartition(s, p string) string {
	if rest, ok := strings.CutPrefix(s, "arn:"+p+":"); ok {
		return "arn:aws:" + rest
	}
	if rest, ok := strings.CutPrefix(s, "arn:aws:"); ok {
		return "arn:" + p + ":" + rest
	}
	return s
}

// swapPartitions swaps the partition of every ARN in a decoded JSON value.
func swapPartitions(v any, p string) any {
	switch v := v.(type) {
	case string:
		return swapPartition(v, p)
	case map[string]any:
		for k, e := range v {
			v[k] = swapPartitions(e, p)
		}
	case []any:
		for i, e := range v {
			v[i] = swapPartitions(e, p)
		}
	}
	return v
}

// swapPartitionsJSON swaps the partition of every ARN in a JSON document.
// A body that does not decode is returned as it is, for the operation to
// report.
func swapPartitionsJSON(b []byte, p string) []byte {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil || dec.More() {
		return b
	}
	out, err := json.Marshal(swapPartitions(v, p))
	if err != nil {
		return b
	}
	return out
}

// toStoredPartition rewrites a request body from partition p to aws.
func toStoredPartition(body []byte, p string) []byte {
	if p == "aws" || len(bytes.TrimSpace(body)) == 0 {
		return body
	}
	return swapPartitionsJSON(body, p)
}

// toCallerPartition rewrites a reply from aws to partition p.
func toCallerPartition(out any, p string) any {
	if p == "aws" {
		return out
	}
	b, err := json.Marshal(out)
	if err != nil {
		return out // writeJSON reports it
	}
	return json.RawMessage(swapPartitionsJSON(b, p))
}

// errInPartition rewrites the aws ARNs an error message names into
// partition p. The caller's own ARN is already in p.
func errInPartition(e *apiError, p string) *apiError {
	if p == "aws" || !strings.Contains(e.Message, "arn:aws:") {
		return e
	}
	in := *e
	in.Message = strings.ReplaceAll(e.Message, "arn:aws:", "arn:"+p+":")
	return &in
}

// arnAfterPartition is what follows an ARN's partition
// (sts::<account>:assumed-role/... for arn:aws-cn:sts::...). Trust policies
// name principals by it: the world has one set of accounts, which a caller
// sees in the partition it signs for, so a policy written in one partition
// names the same principals in another.
func arnAfterPartition(arn string) string {
	rest, ok := strings.CutPrefix(arn, "arn:")
	if !ok {
		return arn
	}
	_, rest, _ = strings.Cut(rest, ":")
	return rest
}
