package sandbox

// The SSO portal (restJson1, unsigned, x-amz-sso_bearer_token header).

func portalRoutes() []restRoute {
	return nil
}
