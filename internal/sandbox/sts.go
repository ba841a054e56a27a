package sandbox

// STS (awsQuery, Version 2011-06-15).

func stsOps() map[string]queryOp {
	return map[string]queryOp{}
}
