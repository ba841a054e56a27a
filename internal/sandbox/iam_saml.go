package sandbox

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/url"
	"slices"
	"strings"
	"time"
)

// IAM SAML 2.0 identity providers: an IdP's metadata document, which roles
// trust for AssumeRoleWithSAML.
//
// The metadata must be well-formed XML holding an EntityDescriptor (on its
// own or in an EntitiesDescriptor); its validUntil, when given, is the
// provider's ValidUntil. The sandbox does not check signatures or
// certificates in it. Private keys for encrypted assertions are kept as
// their ids only: the sandbox never decrypts anything.

type SAMLProvider struct {
	Name           string     `json:"name"`
	UUID           string     `json:"uuid"`
	Metadata       string     `json:"metadata"`
	ValidUntil     *time.Time `json:"valid_until,omitempty"`
	Created        time.Time  `json:"created"`
	Tags           []Tag      `json:"tags,omitempty"`
	EncryptionMode string     `json:"assertion_encryption_mode,omitempty"` // Required, Allowed
	PrivateKeys    []SAMLKey  `json:"private_keys,omitempty"`
}

// SAMLKey is a private key added for assertion encryption, by its id.
type SAMLKey struct {
	ID    string    `json:"id"`
	Added time.Time `json:"added"`
}

const (
	maxSAMLProviders = 100
	maxSAMLKeys      = 2
)

var (
	iamSAMLNamePattern  = lazyRegexp(`^[\w._-]+$`)
	iamSAMLProviderARN  = lazyRegexp(`^arn:aws:iam::(\d{12}):saml-provider/([\w._-]+)$`)
	iamSAMLKeyIDPattern = lazyRegexp(`^[A-Z0-9]{22,64}$`)
)

func samlProviderARN(acct string, p *SAMLProvider) string {
	return fmt.Sprintf("arn:aws:iam::%s:saml-provider/%s", acct, p.Name)
}

// samlMetadata checks a metadata document and returns its validUntil.
func samlMetadata(doc string) (*time.Time, error) {
	if len(doc) < 1000 || len(doc) > 10000000 {
		return nil, iamConstraint("sAMLMetadataDocument", truncate(doc, 64), "Member must have length less than or equal to 10000000 and greater than or equal to 1000")
	}
	d := xml.NewDecoder(strings.NewReader(doc))
	var found bool
	var until *time.Time
	depth := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, iamInvalidInput("Could not parse metadata")
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if t.Name.Local == "EntityDescriptor" && !found {
				found = true
				for _, a := range t.Attr {
					if a.Name.Local == "validUntil" {
						v, err := time.Parse(time.RFC3339, a.Value)
						if err != nil {
							return nil, iamInvalidInput("Could not parse metadata")
						}
						v = v.UTC()
						until = &v
					}
				}
			}
		case xml.EndElement:
			depth--
		}
	}
	if !found || depth != 0 {
		return nil, iamInvalidInput("Could not parse metadata")
	}
	return until, nil
}

func samlEncryptionMode(form url.Values) (string, error) {
	m := form.Get("AssertionEncryptionMode")
	switch m {
	case "", "Required", "Allowed":
		return m, nil
	}
	return "", iamConstraint("assertionEncryptionMode", m, "Member must satisfy enum value set: [Required, Allowed]")
}

// addSAMLKey checks a private key (PEM) and keeps its id.
func (ic *iamCall) addSAMLKey(p *SAMLProvider, key string) error {
	if len(key) < 1 || len(key) > 16384 {
		return iamConstraint("addPrivateKey", "*****", "Member must have length less than or equal to 16384 and greater than or equal to 1")
	}
	b, _ := pem.Decode([]byte(key))
	if b == nil || !strings.HasSuffix(b.Type, "PRIVATE KEY") || len(bytes.TrimSpace(b.Bytes)) == 0 {
		return iamInvalidInput("The private key is not valid: give a PEM-encoded private key.")
	}
	if len(p.PrivateKeys) >= maxSAMLKeys {
		return iamLimit("Cannot exceed quota for PrivateKeysPerSamlProvider: %d", maxSAMLKeys)
	}
	p.PrivateKeys = append(p.PrivateKeys, SAMLKey{ID: ic.rand(22, upperBase32), Added: ic.now.UTC().Truncate(time.Second)})
	return nil
}

func (ic *iamCall) samlProvider(form url.Values) (*SAMLProvider, error) {
	arn, err := iamRequired(form, "SAMLProviderArn", "sAMLProviderArn")
	if err != nil {
		return nil, err
	}
	// Stored ARNs are in aws; the caller names them in its partition.
	m := iamSAMLProviderARN.FindStringSubmatch(swapPartition(arn, ic.partition()))
	if len(arn) < 20 || len(arn) > 2048 || m == nil {
		return nil, iamInvalidInput("ARN %s is not valid.", truncate(arn, 2048))
	}
	for _, p := range ic.ia.SAMLProviders {
		if m[1] == ic.acct && p.Name == m[2] {
			return p, nil
		}
	}
	return nil, iamNoSuchEntity("Manifest not found for arn %s", arn)
}

func iamCreateSAMLProvider(ic *iamCall, form url.Values) (any, error) {
	name, err := iamRequired(form, "Name", "name")
	if err != nil {
		return nil, err
	}
	if len(name) > 128 {
		return nil, iamConstraint("name", name, "Member must have length less than or equal to 128 and greater than or equal to 1")
	}
	if !iamSAMLNamePattern.MatchString(name) {
		return nil, iamConstraint("name", name, `Member must satisfy regular expression pattern: [\w._-]+`)
	}
	doc, err := iamRequired(form, "SAMLMetadataDocument", "sAMLMetadataDocument")
	if err != nil {
		return nil, err
	}
	until, err := samlMetadata(doc)
	if err != nil {
		return nil, err
	}
	mode, err := samlEncryptionMode(form)
	if err != nil {
		return nil, err
	}
	tags, err := iamTags(form)
	if err != nil {
		return nil, err
	}
	for _, p := range ic.ia.SAMLProviders {
		if strings.EqualFold(p.Name, name) {
			return nil, iamExists("SAMLProvider %s already exists.", name)
		}
	}
	if len(ic.ia.SAMLProviders) >= maxSAMLProviders {
		return nil, iamLimit("Cannot exceed quota for SamlProvidersPerAccount: %d", maxSAMLProviders)
	}
	p := &SAMLProvider{Name: name, UUID: ic.rand(22, upperBase32), Metadata: doc, ValidUntil: until,
		Created: ic.now.UTC().Truncate(time.Second), Tags: tags, EncryptionMode: mode}
	if key := form.Get("AddPrivateKey"); key != "" {
		if err := ic.addSAMLKey(p, key); err != nil {
			return nil, err
		}
	}
	ic.ia.SAMLProviders = append(ic.ia.SAMLProviders, p)
	return struct {
		SAMLProviderArn string       `xml:"SAMLProviderArn"`
		Tags            xmlList[Tag] `xml:"Tags,omitempty"`
	}{swapPartition(samlProviderARN(ic.acct, p), ic.partition()), p.Tags}, nil
}

type samlKeyOut struct {
	KeyId     string  `xml:"KeyId"`
	Timestamp isoTime `xml:"Timestamp"`
}

func iamGetSAMLProvider(ic *iamCall, form url.Values) (any, error) {
	p, err := ic.samlProvider(form)
	if err != nil {
		return nil, err
	}
	out := struct {
		SAMLProviderUUID        string       `xml:"SAMLProviderUUID"`
		SAMLMetadataDocument    string       `xml:"SAMLMetadataDocument"`
		CreateDate              isoTime      `xml:"CreateDate"`
		ValidUntil              *isoTime     `xml:"ValidUntil,omitempty"`
		Tags                    xmlList[Tag] `xml:"Tags,omitempty"`
		AssertionEncryptionMode string       `xml:"AssertionEncryptionMode,omitempty"`
		PrivateKeyList          []samlKeyOut `xml:"PrivateKeyList>member,omitempty"`
	}{SAMLProviderUUID: p.UUID, SAMLMetadataDocument: p.Metadata, CreateDate: isoTime(p.Created), ValidUntil: isoPtr(p.ValidUntil),
		Tags: p.Tags, AssertionEncryptionMode: p.EncryptionMode}
	for _, k := range p.PrivateKeys {
		out.PrivateKeyList = append(out.PrivateKeyList, samlKeyOut{k.ID, isoTime(k.Added)})
	}
	return out, nil
}

// iamUpdateSAMLProvider changes what the request gives: the metadata, the
// encryption mode, a key added or removed.
func iamUpdateSAMLProvider(ic *iamCall, form url.Values) (any, error) {
	p, err := ic.samlProvider(form)
	if err != nil {
		return nil, err
	}
	next := *p
	next.PrivateKeys = slices.Clone(p.PrivateKeys)
	if _, ok := form["SAMLMetadataDocument"]; ok {
		doc := form.Get("SAMLMetadataDocument")
		if next.ValidUntil, err = samlMetadata(doc); err != nil {
			return nil, err
		}
		next.Metadata = doc
	}
	if _, ok := form["AssertionEncryptionMode"]; ok {
		if next.EncryptionMode, err = samlEncryptionMode(form); err != nil {
			return nil, err
		}
	}
	if id := form.Get("RemovePrivateKey"); id != "" {
		if !iamSAMLKeyIDPattern.MatchString(id) {
			return nil, iamConstraint("removePrivateKey", id, "Member must satisfy regular expression pattern: [A-Z0-9]+")
		}
		i := slices.IndexFunc(next.PrivateKeys, func(k SAMLKey) bool { return k.ID == id })
		if i < 0 {
			return nil, iamInvalidInput("The private key %s is not a key of %s.", id, p.Name)
		}
		next.PrivateKeys = slices.Delete(next.PrivateKeys, i, i+1)
	}
	if key := form.Get("AddPrivateKey"); key != "" {
		if err := ic.addSAMLKey(&next, key); err != nil {
			return nil, err
		}
	}
	*p = next
	return struct {
		SAMLProviderArn string `xml:"SAMLProviderArn"`
	}{swapPartition(samlProviderARN(ic.acct, p), ic.partition())}, nil
}

func iamDeleteSAMLProvider(ic *iamCall, form url.Values) (any, error) {
	p, err := ic.samlProvider(form)
	if err != nil {
		return nil, err
	}
	ic.ia.SAMLProviders = slices.DeleteFunc(ic.ia.SAMLProviders, func(o *SAMLProvider) bool { return o == p })
	return nil, nil
}

func iamListSAMLProviders(ic *iamCall, _ url.Values) (any, error) {
	type entry struct {
		Arn        string   `xml:"Arn"`
		ValidUntil *isoTime `xml:"ValidUntil,omitempty"`
		CreateDate isoTime  `xml:"CreateDate"`
	}
	out := struct {
		SAMLProviderList []entry `xml:"SAMLProviderList>member"`
	}{}
	for _, p := range ic.ia.SAMLProviders {
		out.SAMLProviderList = append(out.SAMLProviderList, entry{swapPartition(samlProviderARN(ic.acct, p), ic.partition()), isoPtr(p.ValidUntil), isoTime(p.Created)})
	}
	return out, nil
}

var iamTagSAMLProvider, iamUntagSAMLProvider, iamListSAMLProviderTags = iamTagOps(func(ic *iamCall, form url.Values) (*[]Tag, string, error) {
	p, err := ic.samlProvider(form)
	if err != nil {
		return nil, "", err
	}
	return &p.Tags, "saml-tags/" + p.UUID, nil
})

// Identity Center's own SAML provider: provisioning a permission set into an
// account first creates AWSSSO_<id>_DO_NOT_DELETE there, which the
// AWSReservedSSO_ roles' trust policies name.

func ssoSAMLProviderName(account string) string {
	return "AWSSSO_" + strings.ToLower(stableID(account, 16)) + "_DO_NOT_DELETE"
}

// ensureSSOSAMLProvider creates the account's Identity Center SAML provider
// unless it has one.
func (w *World) ensureSSOSAMLProvider(account string, now time.Time) {
	ia := w.iamAccount(account)
	name := ssoSAMLProviderName(account)
	if slices.ContainsFunc(ia.SAMLProviders, func(p *SAMLProvider) bool { return p.Name == name }) {
		return
	}
	instID := w.Instance.ARN[strings.LastIndex(w.Instance.ARN, "/")+1:]
	ia.SAMLProviders = append(ia.SAMLProviders, &SAMLProvider{Name: name, UUID: stableID(account+"/saml/"+name, 22),
		Metadata: ssoSAMLMetadata(instID, account), Created: now.UTC().Truncate(time.Second)})
}

// ssoSAMLMetadata is Identity Center's IdP metadata for an account, with a
// signing certificate derived from the account, so it is the same on every
// start and costs no key generation.
func ssoSAMLMetadata(instID, account string) string {
	seed := sha256.Sum256([]byte("sso-saml/" + account))
	key := ed25519.NewKeyFromSeed(seed[:])
	tmpl := &x509.Certificate{SerialNumber: new(big.Int).SetBytes(seed[:8]), Subject: pkix.Name{CommonName: "AWS SSO " + instID},
		NotBefore: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC)}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, key.Public(), key)
	if err != nil {
		panic("sandbox: Identity Center SAML certificate: " + err.Error()) // fixed inputs: cannot happen
	}
	entity := "https://portal.sso.us-east-1.amazonaws.com/saml/assertion/" + stableID(instID+"/"+account, 32)
	return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="` + entity + `">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>` + base64.StdEncoding.EncodeToString(der) + `</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="` + entity + `"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="` + entity + `"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`
}
