package sandbox

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// IAM OpenID Connect identity providers: the issuers (a CI system's, a
// Kubernetes cluster's) whose ID tokens roles trust for
// AssumeRoleWithWebIdentity. One per issuer URL in an account.
//
// The sandbox does not fetch the issuer's keys: with no ThumbprintList, the
// list stays empty where IAM would fill in the issuer's certificate's
// thumbprint.

type OIDCProvider struct {
	// URL is the issuer without its https:// (host and path), as IAM
	// returns it and names the provider in its ARN.
	URL         string    `json:"url"`
	ClientIDs   []string  `json:"client_ids,omitempty"`
	Thumbprints []string  `json:"thumbprints,omitempty"`
	Created     time.Time `json:"created"`
	Tags        []Tag     `json:"tags,omitempty"`
}

const (
	maxOIDCProviders   = 100
	maxOIDCClientIDs   = 100
	maxOIDCThumbprints = 5
)

var iamOIDCProviderARN = lazyRegexp(`^arn:aws:iam::(\d{12}):oidc-provider/(.+)$`)

func oidcProviderARN(acct string, p *OIDCProvider) string {
	return fmt.Sprintf("arn:aws:iam::%s:oidc-provider/%s", acct, p.URL)
}

// oidcIssuer checks an issuer URL as IAM does and returns it without its
// scheme.
func oidcIssuer(raw string) (string, error) {
	if len(raw) < 1 || len(raw) > 255 {
		return "", iamConstraint("url", raw, "Member must have length less than or equal to 255 and greater than or equal to 1")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(raw, "?") {
		return "", iamInvalidInput("Invalid Open ID Connect Provider URL: %s: use https://, a host, and an optional path, without query or fragment.", truncate(raw, 255))
	}
	return strings.TrimSuffix(strings.TrimPrefix(raw, "https://"), "/"), nil
}

func oidcThumbprints(form url.Values, param string) ([]string, error) {
	tps := formStrings(form, param)
	for _, t := range tps {
		if len(t) != 40 {
			return nil, iamConstraint("thumbprintList", t, "Member must have length less than or equal to 40 and greater than or equal to 40")
		}
	}
	if len(tps) > maxOIDCThumbprints {
		return nil, iamInvalidInput("Thumbprint list must contain fewer than %d entries.", maxOIDCThumbprints)
	}
	return tps, nil
}

func oidcClientID(id string) error {
	if len(id) < 1 || len(id) > 255 {
		return iamConstraint("clientID", id, "Member must have length less than or equal to 255 and greater than or equal to 1")
	}
	return nil
}

// oidcProvider is the provider the request's OpenIDConnectProviderArn names.
func (ic *iamCall) oidcProvider(form url.Values) (*OIDCProvider, error) {
	arn, err := iamRequired(form, "OpenIDConnectProviderArn", "openIDConnectProviderArn")
	if err != nil {
		return nil, err
	}
	// Stored ARNs are in aws; the caller names them in its partition.
	stored := swapPartition(arn, ic.partition())
	if len(arn) < 20 || len(arn) > 2048 || !iamOIDCProviderARN.MatchString(stored) {
		return nil, iamInvalidInput("ARN %s is not valid.", truncate(arn, 2048))
	}
	for _, p := range ic.ia.OIDCProviders {
		if oidcProviderARN(ic.acct, p) == stored {
			return p, nil
		}
	}
	return nil, iamNoSuchEntity("OpenIDConnect Provider not found for arn %s", arn)
}

// oidcClientIDRequest reads the provider and the client id a request names.
func (ic *iamCall) oidcClientIDRequest(form url.Values) (*OIDCProvider, string, error) {
	p, err := ic.oidcProvider(form)
	if err != nil {
		return nil, "", err
	}
	id, err := iamRequired(form, "ClientID", "clientID")
	if err != nil {
		return nil, "", err
	}
	return p, id, oidcClientID(id)
}

func iamCreateOIDCProvider(ic *iamCall, form url.Values) (any, error) {
	raw, err := iamRequired(form, "Url", "url")
	if err != nil {
		return nil, err
	}
	issuer, err := oidcIssuer(raw)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, id := range formStrings(form, "ClientIDList.member") {
		if err := oidcClientID(id); err != nil {
			return nil, err
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) > maxOIDCClientIDs {
		return nil, iamLimit("Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: %d", maxOIDCClientIDs)
	}
	tps, err := oidcThumbprints(form, "ThumbprintList.member")
	if err != nil {
		return nil, err
	}
	tags, err := iamTags(form)
	if err != nil {
		return nil, err
	}
	for _, p := range ic.ia.OIDCProviders {
		if p.URL == issuer {
			return nil, iamExists("Provider with url https://%s already exists.", issuer)
		}
	}
	if len(ic.ia.OIDCProviders) >= maxOIDCProviders {
		return nil, iamLimit("Cannot exceed quota for OpenIdConnectProvidersPerAccount: %d", maxOIDCProviders)
	}
	p := &OIDCProvider{URL: issuer, ClientIDs: ids, Thumbprints: tps, Created: ic.now.UTC().Truncate(time.Second), Tags: tags}
	ic.ia.OIDCProviders = append(ic.ia.OIDCProviders, p)
	return struct {
		OpenIDConnectProviderArn string       `xml:"OpenIDConnectProviderArn"`
		Tags                     xmlList[Tag] `xml:"Tags,omitempty"`
	}{swapPartition(oidcProviderARN(ic.acct, p), ic.partition()), p.Tags}, nil
}

func iamGetOIDCProvider(ic *iamCall, form url.Values) (any, error) {
	p, err := ic.oidcProvider(form)
	if err != nil {
		return nil, err
	}
	return struct {
		Url            string       `xml:"Url"`
		ClientIDList   []string     `xml:"ClientIDList>member"`
		ThumbprintList []string     `xml:"ThumbprintList>member"`
		CreateDate     isoTime      `xml:"CreateDate"`
		Tags           xmlList[Tag] `xml:"Tags,omitempty"`
	}{p.URL, p.ClientIDs, p.Thumbprints, isoTime(p.Created), p.Tags}, nil
}

// iamDeleteOIDCProvider succeeds for a provider that does not exist: IAM
// documents the operation as idempotent.
func iamDeleteOIDCProvider(ic *iamCall, form url.Values) (any, error) {
	p, err := ic.oidcProvider(form)
	if e, ok := errors.AsType[*apiError](err); ok && e.Code == "NoSuchEntity" {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	ic.ia.OIDCProviders = slices.DeleteFunc(ic.ia.OIDCProviders, func(o *OIDCProvider) bool { return o == p })
	return nil, nil
}

func iamListOIDCProviders(ic *iamCall, _ url.Values) (any, error) {
	type entry struct {
		Arn string `xml:"Arn"`
	}
	out := struct {
		OpenIDConnectProviderList []entry `xml:"OpenIDConnectProviderList>member"`
	}{}
	for _, p := range ic.ia.OIDCProviders {
		out.OpenIDConnectProviderList = append(out.OpenIDConnectProviderList, entry{swapPartition(oidcProviderARN(ic.acct, p), ic.partition())})
	}
	return out, nil
}

// iamAddClientIDToOIDCProvider accepts a client id the provider has: IAM
// documents it as idempotent.
func iamAddClientIDToOIDCProvider(ic *iamCall, form url.Values) (any, error) {
	p, id, err := ic.oidcClientIDRequest(form)
	if err != nil {
		return nil, err
	}
	if slices.Contains(p.ClientIDs, id) {
		return nil, nil
	}
	if len(p.ClientIDs) >= maxOIDCClientIDs {
		return nil, iamLimit("Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: %d", maxOIDCClientIDs)
	}
	p.ClientIDs = append(p.ClientIDs, id)
	return nil, nil
}

// iamRemoveClientIDFromOIDCProvider accepts a client id the provider does
// not have: IAM documents it as idempotent.
func iamRemoveClientIDFromOIDCProvider(ic *iamCall, form url.Values) (any, error) {
	p, id, err := ic.oidcClientIDRequest(form)
	if err != nil {
		return nil, err
	}
	p.ClientIDs = slices.DeleteFunc(p.ClientIDs, func(o string) bool { return o == id })
	return nil, nil
}

// iamUpdateOIDCProviderThumbprint replaces the list: the lists are not merged.
func iamUpdateOIDCProviderThumbprint(ic *iamCall, form url.Values) (any, error) {
	p, err := ic.oidcProvider(form)
	if err != nil {
		return nil, err
	}
	if _, ok := form["ThumbprintList"]; !ok && len(formStrings(form, "ThumbprintList.member")) == 0 {
		return nil, iamValidation("1 validation error detected: Value null at 'thumbprintList' failed to satisfy constraint: Member must not be null")
	}
	tps, err := oidcThumbprints(form, "ThumbprintList.member")
	if err != nil {
		return nil, err
	}
	p.Thumbprints = tps
	return nil, nil
}

var iamTagOIDCProvider, iamUntagOIDCProvider, iamListOIDCProviderTags = iamTagOps(func(ic *iamCall, form url.Values) (*[]Tag, string, error) {
	p, err := ic.oidcProvider(form)
	if err != nil {
		return nil, "", err
	}
	return &p.Tags, "oidc-tags/" + p.URL, nil
})
