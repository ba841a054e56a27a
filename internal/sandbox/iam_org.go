package sandbox

import (
	"fmt"
	"net/url"
)

// Centralized root access (iam:ListOrganizationsFeatures) and the root
// user's virtual MFA device, which audits read to tell a virtual from a
// hardware root MFA.
//
// ListOrganizationsFeatures answers only in the management account, as AWS
// does for an organization without a delegated administrator; member
// accounts get AccountNotManagementOrDelegatedAdministratorException.

func iamListOrganizationsFeatures(ic *iamCall, _ url.Values) (any, error) {
	org := ic.w.Organization
	if org == nil {
		return nil, newError(400, "OrganizationNotFoundException", "The request failed because AWS Organizations is not enabled for this account.")
	}
	if ic.acct != org.MasterAccountID {
		return nil, newError(400, "AccountNotManagementOrDelegatedAdministratorException",
			"The request was rejected because the account making the request is not the management account or delegated administrator account for centralized root access.")
	}
	return struct {
		OrganizationId  string   `xml:"OrganizationId"`
		EnabledFeatures []string `xml:"EnabledFeatures>member"`
	}{org.ID, org.IAMFeatures}, nil
}

// rootMFAUser marks the root user's device among virtual MFA devices.
const rootMFAUser = "<root_account>"

// rootVirtualMFA is the root user's virtual MFA device, when root has MFA
// that is not a hardware device.
func (ic *iamCall) rootVirtualMFA() []*MFADevice {
	r := ic.ia.Root
	if !r.MFAEnabled || r.HardwareMFA {
		return nil
	}
	return []*MFADevice{{Serial: fmt.Sprintf("arn:aws:iam::%s:mfa/root-account-mfa-device", ic.acct), UserName: rootMFAUser, Enabled: r.Created}}
}

// rootUserOut is the root user as ListVirtualMFADevices shows it: no name,
// the account id as its id.
func (ic *iamCall) rootUserOut() *iamUserOut {
	return &iamUserOut{Path: "", UserId: ic.acct, Arn: ic.iamARN("root"), CreateDate: isoTime(ic.ia.Root.Created)}
}
