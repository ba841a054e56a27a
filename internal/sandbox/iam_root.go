package sandbox

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"net/url"
	"time"
)

// IAM as a root session (sts:AssumeRoot) sees it: calls without UserName
// act on the account's root user. Its access key is synthesized from
// RootState.AccessKeysPresent (one key with a stable id), its password is
// there unless RootState.NoPassword, and its MFA device is the one
// RootState describes. Naming an IAM user is refused: root task policies
// are about the root user's credentials only.

func rootIAMOps() map[string]queryOp {
	ops := map[string]func(*iamCall, url.Values) (any, error){
		"GetUser": rootGetUser, "ListAccessKeys": rootListAccessKeys, "DeleteAccessKey": rootDeleteAccessKey,
		"ListSigningCertificates": rootListSigningCertificates, "DeleteSigningCertificate": rootDeleteSigningCertificate,
		"GetLoginProfile": rootGetLoginProfile, "DeleteLoginProfile": rootDeleteLoginProfile, "CreateLoginProfile": rootCreateLoginProfile,
		"ListMFADevices": rootListMFADevices, "DeactivateMFADevice": rootDeactivateMFADevice,
	}
	// Naming a user is outside every root task policy.
	return iamQueryOps(ops, func(ic *iamCall, op string, form url.Values) error {
		if form.Get("UserName") != "" {
			return rootDenied(ic.who, "iam:"+op)
		}
		return nil
	})
}

// rootKeyID is the root user's access key id: stable per account.
func rootKeyID(account string) string {
	sum := sha256.Sum256([]byte("root-access-key/" + account))
	return "AKIA" + base32.StdEncoding.EncodeToString(sum[:])[:16]
}

func rootGetUser(ic *iamCall, _ url.Values) (any, error) {
	return struct {
		User iamUserOut `xml:"User"`
	}{*ic.rootUserOut()}, nil
}

func rootListAccessKeys(ic *iamCall, _ url.Values) (any, error) {
	out := struct {
		AccessKeyMetadata []iamAccessKeyOut `xml:"AccessKeyMetadata>member"`
		iamPaging
	}{}
	if ic.ia.Root.AccessKeysPresent {
		out.AccessKeyMetadata = []iamAccessKeyOut{{AccessKeyId: rootKeyID(ic.acct), Status: "Active", CreateDate: isoTime(ic.ia.Root.Created)}}
	}
	return out, nil
}

func rootDeleteAccessKey(ic *iamCall, form url.Values) (any, error) {
	id, err := iamRequired(form, "AccessKeyId", "accessKeyId")
	if err != nil {
		return nil, err
	}
	if !ic.ia.Root.AccessKeysPresent || id != rootKeyID(ic.acct) {
		return nil, iamNoSuchEntity("The Access Key with id %s cannot be found.", id)
	}
	ic.ia.Root.AccessKeysPresent, ic.ia.Root.KeyLastUsed = false, nil
	return nil, nil
}

// The root user's signing certificates: the sandbox seeds none
// (GetAccountSummary's AccountSigningCertificatesPresent is 0).
func rootListSigningCertificates(ic *iamCall, _ url.Values) (any, error) {
	return struct {
		Certificates []iamCertOut `xml:"Certificates>member"`
		iamPaging
	}{}, nil
}

func rootDeleteSigningCertificate(ic *iamCall, form url.Values) (any, error) {
	return nil, iamNoSuchEntity("The Certificate with id %s cannot be found.", form.Get("CertificateId"))
}

func rootGetLoginProfile(ic *iamCall, _ url.Values) (any, error) {
	if ic.ia.Root.NoPassword {
		return nil, iamNoSuchEntity("Login Profile for User root cannot be found.")
	}
	return struct {
		LoginProfile iamLoginProfileOut `xml:"LoginProfile"`
	}{iamLoginProfileOut{"", isoTime(ic.ia.Root.Created), false}}, nil
}

func rootDeleteLoginProfile(ic *iamCall, _ url.Values) (any, error) {
	if ic.ia.Root.NoPassword {
		return nil, iamNoSuchEntity("Login Profile for User root cannot be found.")
	}
	ic.ia.Root.NoPassword = true
	return nil, nil
}

func rootCreateLoginProfile(ic *iamCall, _ url.Values) (any, error) {
	if !ic.ia.Root.NoPassword {
		return nil, iamExists("Login Profile for User root already exists.")
	}
	ic.ia.Root.NoPassword = false
	return struct {
		LoginProfile iamLoginProfileOut `xml:"LoginProfile"`
	}{iamLoginProfileOut{"", isoTime(ic.now.UTC().Truncate(time.Second)), true}}, nil
}

// rootMFASerial is the root user's MFA device: virtual, or a hardware key.
func (ic *iamCall) rootMFASerial() string {
	if ic.ia.Root.HardwareMFA {
		return fmt.Sprintf("arn:aws:iam::%s:u2f/root/root-security-key", ic.acct)
	}
	return fmt.Sprintf("arn:aws:iam::%s:mfa/root-account-mfa-device", ic.acct)
}

func rootListMFADevices(ic *iamCall, _ url.Values) (any, error) {
	type device struct {
		UserName     string  `xml:"UserName"`
		SerialNumber string  `xml:"SerialNumber"`
		EnableDate   isoTime `xml:"EnableDate"`
	}
	out := struct {
		MFADevices []device `xml:"MFADevices>member"`
		iamPaging
	}{}
	if ic.ia.Root.MFAEnabled {
		out.MFADevices = []device{{SerialNumber: ic.rootMFASerial(), EnableDate: isoTime(ic.ia.Root.Created)}}
	}
	return out, nil
}

func rootDeactivateMFADevice(ic *iamCall, form url.Values) (any, error) {
	serial, err := ic.serial(form)
	if err != nil {
		return nil, err
	}
	if !ic.ia.Root.MFAEnabled || serial != ic.rootMFASerial() {
		return nil, iamNoSuchEntity("MFA Device with serial number %s does not exist.", serial)
	}
	ic.ia.Root.MFAEnabled, ic.ia.Root.HardwareMFA = false, false
	return nil, nil
}
