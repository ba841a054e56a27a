package sandbox

import "time"

// IAM Identity Center administration (awsJson1_1, X-Amz-Target: SWBExternalService.<Op>).

func ssoAdminOps() map[string]jsonOp {
	return map[string]jsonOp{}
}

// advanceSSOAdmin completes assignment and provisioning operations whose time has come.
func (w *World) advanceSSOAdmin(now time.Time) {}
