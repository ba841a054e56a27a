package status

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// File is a file others than its owner can read or write.
type File struct {
	Path  string `json:"path"`
	Mode  string `json:"mode"`  // octal, e.g. 0644
	Holds string `json:"holds"` // what is in it
	Fix   string `json:"fix"`   // the command that fixes it
}

// exposedBits are the group and other read and write bits: a cache others
// can read gives away tokens; a config others can write can run their
// commands (credential_process).
const exposedBits = 0o066

// ExposedFiles lists the files that hold AWS secrets or settings and that
// others can read or write: the config and credentials files, the SSO
// token cache, the role-credential cache and keyless's own directory; and
// the directories of those that others can write (without the sticky
// bit), where they can replace a file whatever its mode.
// Missing files and directories pass. On Windows, whose ACLs modes do not
// show, it finds nothing.
func ExposedFiles(home, configPath, credentialsPath string) ([]File, error) {
	if runtime.GOOS == "windows" {
		return nil, nil
	}
	var out []File
	check := func(path, holds string) error {
		return checkFile(&out, path, func() string { return holds })
	}
	if err := check(configPath, "AWS config (profiles, credential_process commands)"); err != nil {
		return nil, err
	}
	if err := check(credentialsPath, "AWS credentials (access keys)"); err != nil {
		return nil, err
	}
	aws := filepath.Join(home, ".aws")
	if err := check(aws, "AWS config and caches"); err != nil {
		return nil, err
	}
	for _, d := range []struct {
		dir   string
		holds func(path string) string
	}{
		{filepath.Join(aws, "sso", "cache"), ssoCacheHolds},
		{filepath.Join(aws, "cli", "cache"), func(string) string { return "role credentials cache (AWS CLI, botocore, keyless)" }},
		{filepath.Join(aws, "keyless"), func(string) string { return "keyless's own files" }},
	} {
		err := filepath.WalkDir(d.dir, func(path string, e fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			return checkFile(&out, path, func() string { return d.holds(path) })
		})
		if err != nil {
			return nil, fmt.Errorf("check %s: %w", d.dir, err)
		}
	}
	slices.SortFunc(out, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

// checkFile adds path to out when others can read or write it (a
// directory: write to it). holds says what it holds; it is asked only then.
func checkFile(out *[]File, path string, holds func() string) error {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	switch m := fi.Mode(); {
	case m.IsRegular() && m.Perm()&exposedBits != 0:
		*out = append(*out, File{Path: path, Mode: fmt.Sprintf("%04o", m.Perm()), Holds: holds(), Fix: "chmod 600 " + shellQuote(path)})
	case m.IsDir() && m.Perm()&0o022 != 0 && m&fs.ModeSticky == 0:
		*out = append(*out, File{Path: path, Mode: fmt.Sprintf("%04o", m.Perm()), Holds: "directory of the " + holds() + ": others can replace its files",
			Fix: "chmod go-w " + shellQuote(path)})
	}
	return nil
}

// ssoCacheHolds says what a file of the SSO token cache holds, from the
// file's own keys: a token_storage = keychain session's file keeps the
// access token only, and a client registration file of the AWS CLI has a
// client secret and no token.
func ssoCacheHolds(path string) string {
	const what = "SSO token cache"
	b, err := os.ReadFile(path)
	if err != nil {
		return what // the directory itself
	}
	var keys map[string]any
	if json.Unmarshal(b, &keys) != nil {
		return what + " (not valid JSON)"
	}
	var secrets []string
	for _, k := range []struct{ key, name string }{
		{"accessToken", "access token"}, {"refreshToken", "refresh token"}, {"clientSecret", "client secret"},
	} {
		if v, _ := keys[k.key].(string); v != "" {
			secrets = append(secrets, k.name)
		}
	}
	if len(secrets) == 0 {
		return what + " (no token or secret)"
	}
	return what + " (" + strings.Join(secrets, ", ") + ")"
}

func shellQuote(s string) string {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '/' || r == '.' || r == '_' || r == '-') {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}
