package audit

import (
	"github.com/keyless-dev/keyless/internal/scan"

	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/keyless-dev/keyless/internal/awsconfig"
)

// Machine is what the local checks read: the environment and files of the
// person running keyless.
type Machine struct {
	Home string
	// Getenv reads the environment (os.Getenv).
	Getenv func(string) string
	// ConfigPath and CredentialsPath are the AWS config and credentials
	// files; empty means AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE or
	// their defaults under Home.
	ConfigPath, CredentialsPath string
}

// historyFiles are the shell histories searched for keys, below Home.
var historyFiles = []string{".bash_history", ".zsh_history", ".local/share/fish/fish_history"}

// LocalAccount is the Account of findings about this machine.
const LocalAccount = "local"

// findKeyIDs returns the access key ids in text, as keyless scan finds
// them (documentation keys ending in EXAMPLE and placeholders are not).
func findKeyIDs(text []byte) []string {
	var out []string
	for _, m := range scan.Find(text) {
		if m.IDStart >= 0 {
			out = append(out, string(text[m.IDStart:m.IDEnd]))
		}
	}
	return out
}

// MaskKey shows an access key id's kind and last four characters only.
func MaskKey(id string) string {
	if len(id) < 8 {
		return "****"
	}
	return id[:4] + "..." + id[len(id)-4:]
}

// Local checks this machine: long-lived keys in the credentials file and
// the profiles of the config file that use them, keys in the environment,
// key ids in shell history files, AWS files others can read or write, and
// SSO refresh tokens kept in plain files. Files that do not exist pass.
func Local(m Machine) (*Report, error) {
	if m.Getenv == nil {
		m.Getenv = os.Getenv
	}
	r := &Report{Accounts: []string{LocalAccount}, Checks: map[string]CheckCount{}}
	add := func(id string, found []Finding) {
		c := r.Checks[id]
		if len(found) == 0 {
			c.Pass++
		} else {
			c.Fail++
		}
		r.Checks[id] = c
		for _, f := range found {
			f.ID, f.Status, f.Account = id, Fail, LocalAccount
			f.fingerprint()
			r.Findings = append(r.Findings, f)
		}
	}
	cf, err := m.credentialsFile()
	if err != nil {
		return nil, err
	}
	found, err := credentialsKeys(cf, m.configPath())
	if err != nil {
		return nil, err
	}
	add("local-credentials-file-key", found)
	add("local-env-key", envKeys(m.Getenv))
	found, err = historyKeys(m.Home)
	if err != nil {
		return nil, err
	}
	add("local-shell-history-key", found)
	found, err = exposedFiles(m, cf)
	if err != nil {
		return nil, err
	}
	add("local-file-exposed", found)
	found, err = refreshTokensAtRest(m)
	if err != nil {
		return nil, err
	}
	add("local-refresh-token-at-rest", found)
	r.Sort()
	return r, nil
}

func (m Machine) configPath() string {
	switch {
	case m.ConfigPath != "":
		return m.ConfigPath
	case m.Getenv("AWS_CONFIG_FILE") != "":
		return m.Getenv("AWS_CONFIG_FILE")
	}
	return filepath.Join(m.Home, ".aws", "config")
}

func (m Machine) credentialsFile() (string, error) {
	switch {
	case m.CredentialsPath != "":
		return m.CredentialsPath, nil
	case m.Getenv("AWS_SHARED_CREDENTIALS_FILE") != "":
		return m.Getenv("AWS_SHARED_CREDENTIALS_FILE"), nil
	case m.Home == "":
		return "", errors.New("no home directory: set HOME")
	}
	return filepath.Join(m.Home, ".aws", "credentials"), nil
}

// loadINI parses an AWS INI file; credentials=true reads [name] headers as
// profiles, as botocore reads the credentials file. A missing file is empty.
func loadINI(path string, credentials bool) (*awsconfig.File, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return awsconfig.Parse(path, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if credentials {
		// awsconfig reads config-file headers ([profile x]); in the
		// credentials file every [x] is profile x. Line numbers stay.
		lines := bytes.SplitAfter(data, []byte("\n"))
		for i, l := range lines {
			t := bytes.TrimLeft(l, " \t")
			if len(t) == len(l) && bytes.HasPrefix(t, []byte("[")) && !bytes.HasPrefix(t, []byte("[default]")) {
				lines[i] = append([]byte("[profile "), l[1:]...)
			}
		}
		data = bytes.Join(lines, nil)
	}
	return awsconfig.Parse(path, data)
}

// credentialsKeys reports each long-lived key in the credentials file, and
// which config profiles use it: the profile of the same name, and profiles
// whose source_profile chain leads to it.
func credentialsKeys(credPath, configPath string) ([]Finding, error) {
	creds, err := loadINI(credPath, true)
	if err != nil {
		return nil, err
	}
	cfg, err := loadINI(configPath, false)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, p := range creds.Profiles() {
		id, _ := p.Get("aws_access_key_id")
		id = strings.TrimSpace(id)
		if !strings.HasPrefix(id, "AKIA") {
			continue
		}
		users := usersOf(cfg, p.Name)
		ev := fmt.Sprintf("profile %s holds long-lived access key %s", p.Name, MaskKey(id))
		if len(users) > 0 {
			ev += "; used by profiles " + strings.Join(users, ", ")
		}
		out = append(out, Finding{Severity: High, Resource: fmt.Sprintf("%s:%d", credPath, p.Line),
			Title: "Long-lived access key in the AWS credentials file", Evidence: ev,
			Remediation: "sign in with keyless login and use SSO profiles (keyless profiles sync); then delete the key: keyless cleanup, and remove [" + p.Name + "] from " + credPath})
	}
	return out, nil
}

// usersOf lists the config profiles whose credentials come from the
// credentials-file profile name, directly or through source_profile.
func usersOf(cfg *awsconfig.File, name string) []string {
	source := map[string]string{}
	for _, p := range cfg.Profiles() {
		if s, ok := p.Get("source_profile"); ok {
			source[p.Name] = strings.TrimSpace(s)
		}
	}
	var out []string
	for _, p := range cfg.Profiles() {
		cur, seen := p.Name, map[string]bool{}
		for !seen[cur] {
			seen[cur] = true
			next, ok := source[cur]
			if !ok {
				break
			}
			cur = next
		}
		if cur == name {
			out = append(out, p.Name)
		}
	}
	slices.Sort(out)
	return out
}

// envKeys reports a long-lived key in the environment: an AKIA key id, or a
// secret key without a session token.
func envKeys(getenv func(string) string) []Finding {
	id := strings.TrimSpace(getenv("AWS_ACCESS_KEY_ID"))
	secret := getenv("AWS_SECRET_ACCESS_KEY") != ""
	token := getenv("AWS_SESSION_TOKEN") != "" || getenv("AWS_SECURITY_TOKEN") != ""
	if !strings.HasPrefix(id, "AKIA") && !(secret && !token) {
		return nil
	}
	ev := "AWS_ACCESS_KEY_ID=" + MaskKey(id)
	if secret {
		ev += " and AWS_SECRET_ACCESS_KEY are set"
	}
	if !token {
		ev += ", with no session token"
	}
	return []Finding{{Severity: High, Resource: "environment:AWS_ACCESS_KEY_ID", Title: "Long-lived access key in the environment",
		Evidence: ev, Remediation: "unset AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and remove them from shell startup files); use keyless exec or keyless env for short-lived credentials"}}
}

// historyKeys reports access key ids found in shell history files.
func historyKeys(home string) ([]Finding, error) {
	if home == "" {
		return nil, nil
	}
	var out []Finding
	for _, rel := range historyFiles {
		path := filepath.Join(home, rel)
		f, err := os.Open(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for n := 1; sc.Scan(); n++ {
			for _, id := range findKeyIDs(sc.Bytes()) {
				sev := High
				if strings.HasPrefix(id, "ASIA") {
					sev = Low // a session key expires; still, its secret may be on the same line
				}
				out = append(out, Finding{Severity: sev, Resource: fmt.Sprintf("%s:%d", path, n), Title: "Access key id in shell history",
					Evidence:    "access key " + MaskKey(id) + " appears on this line",
					Remediation: "delete the line from " + path + " (and rotate the key if its secret was typed too: keyless cleanup)"})
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
	}
	return out, nil
}
