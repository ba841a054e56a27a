package sandbox

// IAM users' keys and other credentials: access keys, signing
// certificates, SSH public keys and service-specific credentials.

import (
	"crypto/md5"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Access keys.

type iamAccessKeyOut struct {
	UserName        string  `xml:"UserName"`
	AccessKeyId     string  `xml:"AccessKeyId"`
	Status          string  `xml:"Status"`
	SecretAccessKey string  `xml:"SecretAccessKey,omitempty"`
	CreateDate      isoTime `xml:"CreateDate"`
}

func iamCreateAccessKey(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.userOrSelf(form)
	if err != nil {
		return nil, err
	}
	if len(u.AccessKeys) >= 2 {
		return nil, iamLimit("Cannot exceed quota for AccessKeysPerUser: 2")
	}
	k := &AccessKey{ID: ic.newID("AKIA", 16), Secret: secretKey(), Status: "Active", Created: ic.now.UTC().Truncate(time.Second)}
	u.AccessKeys = append(u.AccessKeys, k)
	return struct {
		AccessKey iamAccessKeyOut `xml:"AccessKey"`
	}{iamAccessKeyOut{UserName: u.Name, AccessKeyId: k.ID, Status: k.Status, SecretAccessKey: k.Secret, CreateDate: isoTime(k.Created)}}, nil
}

func iamListAccessKeys(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.userOrSelf(form)
	if err != nil {
		return nil, err
	}
	pg, p, err := iamPage(form, u.AccessKeys, "keys/"+u.ID)
	if err != nil {
		return nil, err
	}
	out := struct {
		AccessKeyMetadata []iamAccessKeyOut `xml:"AccessKeyMetadata>member"`
		iamPaging
	}{iamPaging: p}
	for _, k := range pg {
		out.AccessKeyMetadata = append(out.AccessKeyMetadata, iamAccessKeyOut{UserName: u.Name, AccessKeyId: k.ID, Status: k.Status, CreateDate: isoTime(k.Created)})
	}
	return out, nil
}

// accessKey is the key UpdateAccessKey and DeleteAccessKey act on. Without
// UserName, AWS takes the user who signed the request; the sandbox's
// stand-in administrator (any key it did not issue) has no keys of its own,
// so for it the key id names its owner in the account.
func (ic *iamCall) accessKey(form url.Values) (*IAMUser, *AccessKey, error) {
	id, err := iamRequired(form, "AccessKeyId", "accessKeyId")
	if err != nil {
		return nil, nil, err
	}
	if len(id) < 16 || len(id) > 128 || !iamKeyIDPattern.MatchString(id) {
		return nil, nil, iamConstraint("accessKeyId", id, `Member must satisfy regular expression pattern: [\w]+`)
	}
	if form.Get("UserName") == "" && ic.who.IAMUser == nil && ic.who.Session == nil {
		for _, u := range ic.ia.Users {
			for _, k := range u.AccessKeys {
				if k.ID == id {
					return u, k, nil
				}
			}
		}
		return nil, nil, iamNoSuchEntity("The Access Key with id %s cannot be found.", id)
	}
	u, err := ic.userOrSelf(form)
	if err != nil {
		return nil, nil, err
	}
	for _, k := range u.AccessKeys {
		if k.ID == id {
			return u, k, nil
		}
	}
	return nil, nil, iamNoSuchEntity("The Access Key with id %s cannot be found.", id)
}

func iamUpdateAccessKey(ic *iamCall, form url.Values) (any, error) {
	_, k, err := ic.accessKey(form)
	if err != nil {
		return nil, err
	}
	st, err := iamStatus(form)
	if err != nil {
		return nil, err
	}
	k.Status = st
	return nil, nil
}

func iamDeleteAccessKey(ic *iamCall, form url.Values) (any, error) {
	u, k, err := ic.accessKey(form)
	if err != nil {
		return nil, err
	}
	u.AccessKeys = slices.DeleteFunc(u.AccessKeys, func(o *AccessKey) bool { return o == k })
	return nil, nil
}

func iamGetAccessKeyLastUsed(ic *iamCall, form url.Values) (any, error) {
	id, err := iamRequired(form, "AccessKeyId", "accessKeyId")
	if err != nil {
		return nil, err
	}
	type lastUsed struct {
		LastUsedDate *isoTime `xml:"LastUsedDate,omitempty"`
		ServiceName  string   `xml:"ServiceName"`
		Region       string   `xml:"Region"`
	}
	for _, u := range ic.ia.Users {
		for _, k := range u.AccessKeys {
			if k.ID != id {
				continue
			}
			lu := lastUsed{ServiceName: "N/A", Region: "N/A"}
			if k.LastUsed != nil {
				lu = lastUsed{LastUsedDate: isoPtr(k.LastUsed), ServiceName: orNA(k.LastUsedService), Region: orNA(k.LastUsedRegion)}
			}
			return struct {
				UserName          string   `xml:"UserName"`
				AccessKeyLastUsed lastUsed `xml:"AccessKeyLastUsed"`
			}{u.Name, lu}, nil
		}
	}
	return nil, iamNoSuchEntity("The Access Key with id %s cannot be found.", id)
}

func orNA(s string) string {
	if s == "" {
		return "N/A"
	}
	return s
}

// Signing certificates.

type iamCertOut struct {
	UserName        string  `xml:"UserName"`
	CertificateId   string  `xml:"CertificateId"`
	CertificateBody string  `xml:"CertificateBody"`
	Status          string  `xml:"Status"`
	UploadDate      isoTime `xml:"UploadDate"`
}

func iamUploadSigningCertificate(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.userOrSelf(form)
	if err != nil {
		return nil, err
	}
	body, err := iamRequired(form, "CertificateBody", "certificateBody")
	if err != nil {
		return nil, err
	}
	if len(body) > 16384 {
		return nil, iamConstraint("certificateBody", truncate(body, 64), "Member must have length less than or equal to 16384 and greater than or equal to 1")
	}
	block, _ := pem.Decode([]byte(strings.TrimSpace(body)))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, newError(400, "MalformedCertificate", "Certificate body is not a PEM-encoded X.509 certificate.")
	}
	if _, err := x509.ParseCertificate(block.Bytes); err != nil {
		return nil, newError(400, "MalformedCertificate", "Unable to parse certificate: %v", err)
	}
	for _, c := range u.SigningCerts {
		if strings.TrimSpace(c.Body) == strings.TrimSpace(body) {
			return nil, newError(409, "DuplicateCertificate", "The request was rejected because the same certificate is associated with an IAM user in the account.")
		}
	}
	if len(u.SigningCerts) >= 2 {
		return nil, iamLimit("Cannot exceed quota for SigningCertificatesPerUser: 2")
	}
	c := &SigningCert{ID: ic.rand(32, upperBase32), Body: body, Status: "Active", Created: ic.now.UTC().Truncate(time.Second)}
	u.SigningCerts = append(u.SigningCerts, c)
	return struct {
		Certificate iamCertOut `xml:"Certificate"`
	}{iamCertOut{u.Name, c.ID, c.Body, c.Status, isoTime(c.Created)}}, nil
}

func iamListSigningCertificates(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.userOrSelf(form)
	if err != nil {
		return nil, err
	}
	pg, p, err := iamPage(form, u.SigningCerts, "certs/"+u.ID)
	if err != nil {
		return nil, err
	}
	out := struct {
		Certificates []iamCertOut `xml:"Certificates>member"`
		iamPaging
	}{iamPaging: p}
	for _, c := range pg {
		out.Certificates = append(out.Certificates, iamCertOut{u.Name, c.ID, c.Body, c.Status, isoTime(c.Created)})
	}
	return out, nil
}

func (ic *iamCall) signingCert(form url.Values) (*IAMUser, *SigningCert, error) {
	u, err := ic.userOrSelf(form)
	if err != nil {
		return nil, nil, err
	}
	id, err := iamRequired(form, "CertificateId", "certificateId")
	if err != nil {
		return nil, nil, err
	}
	if len(id) < 24 || len(id) > 128 || !iamCertIDPattern.MatchString(id) {
		return nil, nil, iamConstraint("certificateId", id, `Member must satisfy regular expression pattern: [\w]+`)
	}
	for _, c := range u.SigningCerts {
		if c.ID == id {
			return u, c, nil
		}
	}
	return nil, nil, iamNoSuchEntity("The Certificate with id %s cannot be found.", id)
}

func iamUpdateSigningCertificate(ic *iamCall, form url.Values) (any, error) {
	_, c, err := ic.signingCert(form)
	if err != nil {
		return nil, err
	}
	st, err := iamStatus(form)
	if err != nil {
		return nil, err
	}
	c.Status = st
	return nil, nil
}

func iamDeleteSigningCertificate(ic *iamCall, form url.Values) (any, error) {
	u, c, err := ic.signingCert(form)
	if err != nil {
		return nil, err
	}
	u.SigningCerts = slices.DeleteFunc(u.SigningCerts, func(o *SigningCert) bool { return o == c })
	return nil, nil
}

// SSH public keys (for CodeCommit).

type iamSSHKeyOut struct {
	UserName         string  `xml:"UserName"`
	SSHPublicKeyId   string  `xml:"SSHPublicKeyId"`
	Fingerprint      string  `xml:"Fingerprint,omitempty"`
	SSHPublicKeyBody string  `xml:"SSHPublicKeyBody,omitempty"`
	Status           string  `xml:"Status"`
	UploadDate       isoTime `xml:"UploadDate"`
}

// sshFingerprint is the MD5 fingerprint of an OpenSSH public key
// ("ssh-rsa AAAA... comment"), colon-separated as IAM shows it.
func sshFingerprint(body string) (string, bool) {
	f := strings.Fields(body)
	if len(f) < 2 || !strings.HasPrefix(f[0], "ssh-") && !strings.HasPrefix(f[0], "ecdsa-") {
		return "", false
	}
	blob, err := base64.StdEncoding.DecodeString(f[1])
	if err != nil || len(blob) < 4+len(f[0]) || string(blob[4:4+len(f[0])]) != f[0] {
		return "", false
	}
	sum := md5.Sum(blob)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02x", b)
	}
	return strings.Join(parts, ":"), true
}

func iamUploadSSHPublicKey(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	body, err := iamRequired(form, "SSHPublicKeyBody", "sSHPublicKeyBody")
	if err != nil {
		return nil, err
	}
	if len(body) > 16384 {
		return nil, iamConstraint("sSHPublicKeyBody", truncate(body, 64), "Member must have length less than or equal to 16384 and greater than or equal to 1")
	}
	fp, ok := sshFingerprint(body)
	if !ok {
		return nil, newError(400, "UnrecognizedPublicKeyEncoding", "The public key encoding format is unsupported or unrecognized.")
	}
	for _, k := range u.SSHKeys {
		if k.Fingerprint == fp {
			return nil, newError(400, "DuplicateSSHPublicKey", "The SSH public key is already associated with the specified IAM user.")
		}
	}
	if len(u.SSHKeys) >= 5 {
		return nil, iamLimit("Cannot exceed quota for SSHPublicKeysPerUser: 5")
	}
	k := &SSHKey{ID: ic.newID("APKA", 16), Body: body, Fingerprint: fp, Status: "Active", Uploaded: ic.now.UTC().Truncate(time.Second)}
	u.SSHKeys = append(u.SSHKeys, k)
	return struct {
		SSHPublicKey iamSSHKeyOut `xml:"SSHPublicKey"`
	}{iamSSHKeyOut{u.Name, k.ID, k.Fingerprint, k.Body, k.Status, isoTime(k.Uploaded)}}, nil
}

func iamListSSHPublicKeys(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.userOrSelf(form)
	if err != nil {
		return nil, err
	}
	pg, p, err := iamPage(form, u.SSHKeys, "ssh/"+u.ID)
	if err != nil {
		return nil, err
	}
	out := struct {
		SSHPublicKeys []iamSSHKeyOut `xml:"SSHPublicKeys>member"`
		iamPaging
	}{iamPaging: p}
	for _, k := range pg {
		out.SSHPublicKeys = append(out.SSHPublicKeys, iamSSHKeyOut{UserName: u.Name, SSHPublicKeyId: k.ID, Status: k.Status, UploadDate: isoTime(k.Uploaded)})
	}
	return out, nil
}

func (ic *iamCall) sshKey(form url.Values) (*IAMUser, *SSHKey, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, nil, err
	}
	id, err := iamRequired(form, "SSHPublicKeyId", "sSHPublicKeyId")
	if err != nil {
		return nil, nil, err
	}
	for _, k := range u.SSHKeys {
		if k.ID == id {
			return u, k, nil
		}
	}
	return nil, nil, iamNoSuchEntity("The Public Key with id %s cannot be found.", truncate(id, 128))
}

func iamGetSSHPublicKey(ic *iamCall, form url.Values) (any, error) {
	u, k, err := ic.sshKey(form)
	if err != nil {
		return nil, err
	}
	switch enc := form.Get("Encoding"); enc {
	case "SSH":
	case "PEM":
		return nil, newError(409, "UnrecognizedPublicKeyEncoding", "The sandbox returns SSH public keys in SSH encoding only; ask with Encoding=SSH.")
	default:
		return nil, iamConstraint("encoding", enc, "Member must satisfy enum value set: [SSH, PEM]")
	}
	return struct {
		SSHPublicKey iamSSHKeyOut `xml:"SSHPublicKey"`
	}{iamSSHKeyOut{u.Name, k.ID, k.Fingerprint, k.Body, k.Status, isoTime(k.Uploaded)}}, nil
}

func iamUpdateSSHPublicKey(ic *iamCall, form url.Values) (any, error) {
	_, k, err := ic.sshKey(form)
	if err != nil {
		return nil, err
	}
	st, err := iamStatus(form)
	if err != nil {
		return nil, err
	}
	k.Status = st
	return nil, nil
}

func iamDeleteSSHPublicKey(ic *iamCall, form url.Values) (any, error) {
	u, k, err := ic.sshKey(form)
	if err != nil {
		return nil, err
	}
	u.SSHKeys = slices.DeleteFunc(u.SSHKeys, func(o *SSHKey) bool { return o == k })
	return nil, nil
}

// Service-specific credentials.

var serviceCredServices = []string{"codecommit.amazonaws.com", "cassandra.amazonaws.com", "bedrock.amazonaws.com"}

type iamServiceCredOut struct {
	CreateDate                  isoTime `xml:"CreateDate"`
	ServiceName                 string  `xml:"ServiceName"`
	ServiceUserName             string  `xml:"ServiceUserName"`
	ServicePassword             string  `xml:"ServicePassword,omitempty"`
	ServiceSpecificCredentialId string  `xml:"ServiceSpecificCredentialId"`
	UserName                    string  `xml:"UserName"`
	Status                      string  `xml:"Status"`
}

func serviceCredOut(u *IAMUser, c *ServiceCred, withPassword bool) iamServiceCredOut {
	o := iamServiceCredOut{CreateDate: isoTime(c.Created), ServiceName: c.ServiceName, ServiceUserName: c.UserName,
		ServiceSpecificCredentialId: c.ID, UserName: u.Name, Status: c.Status}
	if withPassword {
		o.ServicePassword = c.Password
	}
	return o
}

func serviceCredPassword() string {
	return strings.NewReplacer("-", "+", "_", "/").Replace(secret(33))
}

func iamCreateServiceCred(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	svc, err := iamRequired(form, "ServiceName", "serviceName")
	if err != nil {
		return nil, err
	}
	if !slices.Contains(serviceCredServices, svc) {
		return nil, newError(404, "NotSupportedService", "The specified service %s is not supported; use one of %s.", truncate(svc, 100), strings.Join(serviceCredServices, ", "))
	}
	n := 0
	for _, c := range u.ServiceCreds {
		if c.ServiceName == svc {
			n++
		}
	}
	if n >= 2 {
		return nil, iamLimit("Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2")
	}
	c := &ServiceCred{ID: ic.newID("ACCA", 17), ServiceName: svc, UserName: fmt.Sprintf("%s-at-%s", u.Name, ic.acct),
		Password: serviceCredPassword(), Status: "Active", Created: ic.now.UTC().Truncate(time.Second)}
	u.ServiceCreds = append(u.ServiceCreds, c)
	return struct {
		ServiceSpecificCredential iamServiceCredOut `xml:"ServiceSpecificCredential"`
	}{serviceCredOut(u, c, true)}, nil
}

func iamListServiceCreds(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.userOrSelf(form)
	if err != nil {
		return nil, err
	}
	svc := form.Get("ServiceName")
	if svc != "" && !iamSvcNamePattern.MatchString(svc) {
		return nil, iamConstraint("serviceName", svc, `Member must satisfy regular expression pattern: [\w.-]+`)
	}
	out := struct {
		ServiceSpecificCredentials []iamServiceCredOut `xml:"ServiceSpecificCredentials>member"`
	}{}
	for _, c := range u.ServiceCreds {
		if svc == "" || c.ServiceName == svc {
			out.ServiceSpecificCredentials = append(out.ServiceSpecificCredentials, serviceCredOut(u, c, false))
		}
	}
	return out, nil
}

func (ic *iamCall) serviceCred(form url.Values) (*IAMUser, *ServiceCred, error) {
	u, err := ic.userOrSelf(form)
	if err != nil {
		return nil, nil, err
	}
	id, err := iamRequired(form, "ServiceSpecificCredentialId", "serviceSpecificCredentialId")
	if err != nil {
		return nil, nil, err
	}
	for _, c := range u.ServiceCreds {
		if c.ID == id {
			return u, c, nil
		}
	}
	return nil, nil, iamNoSuchEntity("No such credential %s exists", truncate(id, 128))
}

func iamUpdateServiceCred(ic *iamCall, form url.Values) (any, error) {
	_, c, err := ic.serviceCred(form)
	if err != nil {
		return nil, err
	}
	st, err := iamStatus(form)
	if err != nil {
		return nil, err
	}
	c.Status = st
	return nil, nil
}

func iamDeleteServiceCred(ic *iamCall, form url.Values) (any, error) {
	u, c, err := ic.serviceCred(form)
	if err != nil {
		return nil, err
	}
	u.ServiceCreds = slices.DeleteFunc(u.ServiceCreds, func(o *ServiceCred) bool { return o == c })
	return nil, nil
}

func iamResetServiceCred(ic *iamCall, form url.Values) (any, error) {
	u, c, err := ic.serviceCred(form)
	if err != nil {
		return nil, err
	}
	c.Password = serviceCredPassword()
	return struct {
		ServiceSpecificCredential iamServiceCredOut `xml:"ServiceSpecificCredential"`
	}{serviceCredOut(u, c, true)}, nil
}
