package sandbox

// Identity store (awsJson1_1, X-Amz-Target: AWSIdentityStore.<Op>).

func identityStoreOps() map[string]jsonOp {
	return map[string]jsonOp{}
}
