package sandbox

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/xml"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// sts:AssumeRoleWithSAML, unsigned: the base64 SAML response is the
// credential. The sandbox checks what AWS checks of the assertion's
// content: the SAML provider (PrincipalArn) exists in the role's account,
// the assertion is within its validity window, its Audience and its
// SubjectConfirmationData Recipient are AWS's sign-in endpoint (with a
// NotOnOrAfter), the Role
// attribute pairs the requested role with the provider, and the
// RoleSessionName attribute is there; then the role's trust policy must
// allow the provider (SAML:aud, SAML:sub, SAML:iss, ...). It does NOT
// verify the assertion's XML signature against the provider's metadata
// (docs/sandbox.md): any well-formed assertion passes.

const (
	samlAssertionMax    = 100000
	samlRoleAttr        = "https://aws.amazon.com/SAML/Attributes/Role"
	samlSessionNameAttr = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
	samlDurationAttr    = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
	samlNameIDPrefix    = "urn:oasis:names:tc:SAML:2.0:nameid-format:"
)

var stsSAMLProviderARN = lazyRegexp(`^arn:(aws[\w-]*):iam::(\d{12}):saml-provider/([\w.-]{1,128})$`)

// samlSignIn reports whether u is AWS's SAML sign-in endpoint, global or
// regional, or the urn AWS also accepts as the audience.
func samlSignIn(u string) bool {
	if u == "urn:amazon:webservices" || u == "https://signin.aws.amazon.com/saml" {
		return true
	}
	host, ok := strings.CutPrefix(u, "https://")
	if !ok {
		return false
	}
	region, ok := strings.CutSuffix(host, ".signin.aws.amazon.com/saml")
	return ok && region != "" && !strings.ContainsAny(region, "./")
}

type samlResponse struct {
	XMLName   xml.Name `xml:"urn:oasis:names:tc:SAML:2.0:protocol Response"`
	Assertion *struct {
		Issuer  string `xml:"Issuer"`
		Subject struct {
			NameID struct {
				Format string `xml:"Format,attr"`
				Value  string `xml:",chardata"`
			} `xml:"NameID"`
			Confirmations []struct {
				Recipient    string `xml:"Recipient,attr"`
				NotOnOrAfter string `xml:"NotOnOrAfter,attr"`
			} `xml:"SubjectConfirmation>SubjectConfirmationData"`
		} `xml:"Subject"`
		Conditions struct {
			NotBefore    string   `xml:"NotBefore,attr"`
			NotOnOrAfter string   `xml:"NotOnOrAfter,attr"`
			Audiences    []string `xml:"AudienceRestriction>Audience"`
		} `xml:"Conditions"`
		Attributes []struct {
			Name   string   `xml:"Name,attr"`
			Values []string `xml:"AttributeValue"`
		} `xml:"AttributeStatement>Attribute"`
	} `xml:"urn:oasis:names:tc:SAML:2.0:assertion Assertion"`
}

func (r *samlResponse) attr(name string) []string {
	for _, a := range r.Assertion.Attributes {
		if a.Name == name {
			return a.Values
		}
	}
	return nil
}

// samlProvider finds an account's IAM SAML provider by name.
func (w *World) samlProvider(account, name string) *SAMLProvider {
	if ia := w.IAM[account]; ia != nil {
		for _, p := range ia.SAMLProviders {
			if p.Name == name {
				return p
			}
		}
	}
	return nil
}

type stsSAMLOut struct {
	stsAssumeRoleOut
	Subject          string `xml:"Subject"`
	SubjectType      string `xml:"SubjectType"`
	Issuer           string `xml:"Issuer"`
	Audience         string `xml:"Audience"`
	NameQualifier    string `xml:"NameQualifier"`
	PackedPolicySize *int   `xml:"PackedPolicySize,omitempty"`
}

func stsAssumeRoleWithSAML(c *call, form url.Values) (any, error) {
	target, err := stsTargetRole(form)
	if err != nil {
		return nil, err
	}
	c.unsignedIn(target.partition)
	principal, err := stsRequired(form, "PrincipalArn", "principalArn")
	if err != nil {
		return nil, err
	}
	if err := stsLength(principal, "principalArn", 20, 2048); err != nil {
		return nil, err
	}
	raw, err := stsRequired(form, "SAMLAssertion", "SAMLAssertion")
	if err != nil {
		return nil, err
	}
	if err := stsLength(raw, "SAMLAssertion", 4, samlAssertionMax); err != nil {
		return nil, err
	}
	packed, err := stsSessionPolicies(form)
	if err != nil {
		return nil, err
	}
	pm := stsSAMLProviderARN.FindStringSubmatch(principal)
	if pm == nil {
		return nil, stsValidation("%s is invalid: use arn:%s:iam::<account id>:saml-provider/<name>", truncate(principal, 200), c.partition())
	}
	// A provider in another partition names nothing, as a role does.
	provider := c.w.samlProvider(pm[2], pm[3])
	if provider == nil || pm[1] != c.partition() || pm[2] != target.account {
		return nil, invalidToken("Specified provider doesn't exist: %s is not a SAML provider in the role's account %s (iam create-saml-provider makes one).", truncate(principal, 200), target.account)
	}
	resp, err := parseSAMLResponse(raw)
	if err != nil {
		return nil, err
	}
	a := resp.Assertion
	if t, ok := samlTime(a.Conditions.NotOnOrAfter); ok && !c.now.Before(t) {
		return nil, newError(400, "ExpiredTokenException", "The SAML assertion expired at %s (Conditions NotOnOrAfter).", t.Format(time.RFC3339))
	}
	if t, ok := samlTime(a.Conditions.NotBefore); ok && c.now.Before(t) {
		return nil, invalidToken("The SAML assertion is not valid before %s (Conditions NotBefore).", t.Format(time.RFC3339))
	}
	if !slices.ContainsFunc(a.Conditions.Audiences, samlSignIn) {
		return nil, invalidToken("The SAML assertion's Audience must be https://signin.aws.amazon.com/saml (or urn:amazon:webservices); it is %q.", strings.Join(a.Conditions.Audiences, ", "))
	}
	recipient := ""
	for _, sc := range a.Subject.Confirmations {
		if t, ok := samlTime(sc.NotOnOrAfter); ok && samlSignIn(sc.Recipient) {
			if !c.now.Before(t) {
				return nil, newError(400, "ExpiredTokenException", "The SAML assertion expired at %s (SubjectConfirmationData NotOnOrAfter).", t.Format(time.RFC3339))
			}
			recipient = sc.Recipient
			break
		}
	}
	if recipient == "" {
		// AWS's wording, typo included.
		return nil, invalidToken("Responses must contain SubjectConfirmatonData with a Recipient and NotOnOrAfter (the Recipient being https://signin.aws.amazon.com/saml)")
	}
	if !samlGrantsRole(resp.attr(samlRoleAttr), target.arn, principal) {
		return nil, invalidToken("SAML Assertion doesn't contain the requested Role and Metadata in the attributes (%s pairing %s with %s)", samlRoleAttr, truncate(target.arn, 200), truncate(principal, 200))
	}
	names := resp.attr(samlSessionNameAttr)
	if len(names) != 1 || !stsSessionName.MatchString(strings.TrimSpace(names[0])) {
		return nil, invalidToken("The SAML assertion needs one %s attribute of 2 to 64 characters of [\\w+=,.@-].", samlSessionNameAttr)
	}
	session := strings.TrimSpace(names[0])
	def := stsChainedMax
	if d := resp.attr(samlDurationAttr); len(d) == 1 {
		n, err := strconv.Atoi(strings.TrimSpace(d[0]))
		if err != nil || n < stsMinDuration || n > stsMaxDuration {
			return nil, invalidToken("The SAML assertion's %s attribute must be 900 to 43200 seconds.", samlDurationAttr)
		}
		def = n
	}
	duration, err := stsDuration(form, def, stsMaxDuration)
	if err != nil {
		return nil, err
	}
	subjectType := strings.TrimPrefix(a.Subject.NameID.Format, samlNameIDPrefix)
	sum := sha1.Sum([]byte(a.Issuer + target.account + "/" + provider.Name))
	qualifier := base64.StdEncoding.EncodeToString(sum[:])
	keys := map[string][]string{"saml:aud": {recipient}, "saml:sub": {a.Subject.NameID.Value}, "saml:sub_type": {subjectType},
		"saml:iss": {a.Issuer}, "saml:namequalifier": {qualifier}, "saml:doc": {target.account + "/" + provider.Name}}
	assumed, err := c.federatedRole(target, trustRequest{action: "sts:AssumeRoleWithSAML", federated: principal, keys: keys}, session, duration, "saml", sessionLimitsOf(form, nil))
	if err != nil {
		return nil, err
	}
	out := stsSAMLOut{stsAssumeRoleOut: assumed, Subject: a.Subject.NameID.Value, SubjectType: subjectType,
		Issuer: a.Issuer, Audience: recipient, NameQualifier: qualifier}
	if packed >= 0 {
		out.PackedPolicySize = &packed
	}
	return out, nil
}

func parseSAMLResponse(raw string) (*samlResponse, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(raw))
	if err != nil {
		return nil, invalidToken("Invalid base64 SAMLResponse: send the SAMLResponse form field as the IdP posted it.")
	}
	var resp samlResponse
	if err := xml.Unmarshal(b, &resp); err != nil {
		return nil, invalidToken("The SAMLAssertion is not a SAML 2.0 Response: %s", truncate(err.Error(), 200))
	}
	if resp.Assertion == nil {
		return nil, invalidToken("The SAML response holds no Assertion (the sandbox does not decrypt EncryptedAssertion).")
	}
	return &resp, nil
}

// samlGrantsRole reports whether a Role attribute value pairs role with
// provider ("role-arn,provider-arn", in either order).
func samlGrantsRole(values []string, role, provider string) bool {
	for _, v := range values {
		a, b, ok := strings.Cut(strings.TrimSpace(v), ",")
		a, b = strings.TrimSpace(a), strings.TrimSpace(b)
		if ok && (a == role && b == provider || a == provider && b == role) {
			return true
		}
	}
	return false
}

// samlTime parses a SAML xs:dateTime; ok is false when absent or bad.
func samlTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}
