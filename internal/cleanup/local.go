package cleanup

// LocalProfile is a profile of ~/.aws/credentials that holds a long-lived
// access key, and whether an SSO profile can replace it.
type LocalProfile struct {
	// Profile is the section name in the credentials file.
	Profile string
	// KeyID is the access key id (AKIA...).
	KeyID string
	// SSO reports that ~/.aws/config has an SSO profile of the same name.
	SSO bool
	// Works is nil when keyless got credentials for that SSO profile, else
	// why not.
	Works error
}

func (b *builder) local() {
	for _, l := range b.in.Local {
		a := Action{Kind: MoveLocalKeys, Account: "local", Target: l.Profile, Profile: l.Profile, KeyID: maskKey(l.KeyID), State: Ready,
			Reason: "profile " + l.Profile + " in the credentials file holds the long-lived access key " + maskKey(l.KeyID)}
		switch {
		case !l.SSO:
			a.State, a.Why = Refused, "~/.aws/config has no SSO profile named "+l.Profile+": run keyless profiles sync (or name one so), then cleanup again"
		case l.Works != nil:
			a.State, a.Why = Waiting, "the SSO profile "+l.Profile+" does not work yet ("+l.Works.Error()+"): run keyless login --profile "+l.Profile
		}
		b.add(a)
	}
}

// maskKey shows a key id's kind and last four characters.
func maskKey(id string) string {
	if len(id) < 8 {
		return "****"
	}
	return id[:4] + "..." + id[len(id)-4:]
}
