package cleanup

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/keyless-dev/keyless/internal/awsconfig"
	"github.com/keyless-dev/keyless/internal/safefile"
)

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
		switch own := b.ownKey(l.KeyID); {
		case own != "":
			a.State, a.Why = Refused, own
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

// moveLocal removes a profile's long-lived keys from the credentials
// file, after saving the whole file next to it
// (credentials.keyless-backup-<time>, 0600), under the file's lock.
func (e *Executor) moveLocal(_ context.Context, a Action) (string, error) {
	if e.CredentialsPath == "" {
		return "", errors.New("no credentials file path: set HOME or AWS_SHARED_CREDENTIALS_FILE")
	}
	var backup string
	_, _, err := awsconfig.Update(e.CredentialsPath, func(f *awsconfig.File) error {
		s, ok := f.Section(a.Profile)
		if !ok {
			return &skipError{"the credentials file has no [" + a.Profile + "] any more"}
		}
		if id, _ := s.Get("aws_access_key_id"); !strings.HasPrefix(id, "AKIA") {
			return &skipError{"[" + a.Profile + "] holds no long-lived key any more"}
		}
		backup = e.CredentialsPath + ".keyless-backup-" + e.Now().UTC().Format("20060102T150405Z")
		if err := safefile.Write(backup, f.Bytes(), 0o600); err != nil {
			return fmt.Errorf("back up %s: %w", e.CredentialsPath, err)
		}
		_, err := f.RemoveSection(a.Profile)
		return err
	})
	if err != nil {
		return "", err
	}
	return "backup in " + backup, nil
}

// ReadLocal finds the profiles of the credentials file that hold a
// long-lived key (AKIA...), whether the config file has an SSO profile of
// the same name, and, for those, whether works gets credentials for it.
// A missing file has none.
func ReadLocal(ctx context.Context, credentialsPath, configPath string, works func(ctx context.Context, profile string) error) ([]LocalProfile, error) {
	creds, err := awsconfig.Load(credentialsPath)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", credentialsPath, err)
	}
	cfg, err := awsconfig.Load(configPath)
	if err != nil {
		return nil, err
	}
	var out []LocalProfile
	for _, s := range creds.Sections() {
		id, _ := s.Get("aws_access_key_id")
		if !strings.HasPrefix(id, "AKIA") {
			continue
		}
		l := LocalProfile{Profile: s.Header, KeyID: id}
		if _, err := cfg.SSO(s.Header); err == nil {
			l.SSO = true
			l.Works = works(ctx, s.Header)
		}
		out = append(out, l)
	}
	return out, nil
}
