package sandbox

import "net/url"

// Users' permissions boundaries: a managed policy (customer or AWS) that
// caps what the user's own policies can grant. GetUser shows it; ListUsers
// does not, as IAM's listings leave it out.

type iamBoundaryOut struct {
	PermissionsBoundaryType string `xml:"PermissionsBoundaryType"`
	PermissionsBoundaryArn  string `xml:"PermissionsBoundaryArn"`
}

func boundaryOut(arn string) *iamBoundaryOut {
	if arn == "" {
		return nil
	}
	return &iamBoundaryOut{PermissionsBoundaryType: "PermissionsBoundaryPolicy", PermissionsBoundaryArn: arn}
}

// boundaryARN reads the managed policy a request sets as a boundary.
func (ic *iamCall) boundaryARN(form url.Values) (string, error) {
	arn, err := iamRequired(form, "PermissionsBoundary", "permissionsBoundary")
	if err != nil {
		return "", err
	}
	if _, err := ic.policyByARN(arn); err != nil {
		return "", err
	}
	return arn, nil
}

func iamPutUserPermissionsBoundary(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	arn, err := ic.boundaryARN(form)
	if err != nil {
		return nil, err
	}
	u.PermissionsBoundary = arn
	return nil, nil
}

// iamDeleteUserPermissionsBoundary succeeds on a user without one, as IAM does.
func iamDeleteUserPermissionsBoundary(ic *iamCall, form url.Values) (any, error) {
	u, err := ic.user(form)
	if err != nil {
		return nil, err
	}
	u.PermissionsBoundary = ""
	return nil, nil
}
