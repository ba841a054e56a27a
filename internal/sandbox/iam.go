package sandbox

// IAM (awsQuery, Version 2010-05-08), per account: the caller's.

func iamOps() map[string]queryOp {
	return map[string]queryOp{}
}
