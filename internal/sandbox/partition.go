package sandbox

import "strings"

// partitions maps a region to its ARN partition as the SDK's partitions.json
// does (its regionRegex for each partition, and the "<partition>-global"
// pseudo-regions); any other region is in "aws".
var partitions = []struct {
	id    string
	match *lazyRE
}{
	{"aws-cn", lazyRegexp(`^cn-\w+-\d+$`)},
	{"aws-eusc", lazyRegexp(`^eusc-(de)-\w+-\d+$`)},
	{"aws-iso", lazyRegexp(`^us-iso-\w+-\d+$`)},
	{"aws-iso-b", lazyRegexp(`^us-isob-\w+-\d+$`)},
	{"aws-iso-e", lazyRegexp(`^eu-isoe-\w+-\d+$`)},
	{"aws-iso-f", lazyRegexp(`^us-isof-\w+-\d+$`)},
	{"aws-us-gov", lazyRegexp(`^us-gov-\w+-\d+$`)},
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

// iamARN is an ARN of IAM in the caller's account and partition:
// ic.iamARN("user/", path, name) is arn:<partition>:iam::<account>:user/...
func (ic *iamCall) iamARN(parts ...string) string {
	return "arn:" + ic.partition() + ":iam::" + ic.acct + ":" + strings.Join(parts, "")
}
