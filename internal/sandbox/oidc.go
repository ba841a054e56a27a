package sandbox

// sso-oidc (restJson1, unsigned): POST /client/register, /device_authorization, /token.

func oidcRoutes() []restRoute {
	return nil
}
