package awsconfig

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// corpus is real-world shapes of ~/.aws/config (see testdata/corpus/README.md).
func corpus(t testing.TB) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob("testdata/corpus/*.ini")
	if err != nil || len(paths) < 10 {
		t.Fatalf("corpus missing: %v %v", paths, err)
	}
	out := map[string][]byte{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = data
	}
	return out
}

func mustParse(t testing.TB, data string) *File {
	t.Helper()
	f, err := Parse("config", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestRoundTripCorpus(t *testing.T) {
	for name, data := range corpus(t) {
		f, err := Parse(name, data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := f.Bytes(); !bytes.Equal(got, data) {
			t.Errorf("%s: Bytes differs from input:\n%s", name, Diff(name, data, got))
		}
	}
}

func TestParseCorpusSections(t *testing.T) {
	c := corpus(t)
	var names []string
	for _, p := range mustParse(t, string(c["02-comments-and-spacing.ini"])).Profiles() {
		names = append(names, p.Name)
	}
	if diff := cmp.Diff([]string{"default", "work", "spaced-name"}, names); diff != "" {
		t.Errorf("profiles (-want +got):\n%s", diff)
	}
	f := mustParse(t, string(c["08-tabs-unicode.ini"]))
	if v, _ := mustProfile(t, f, "default").Get("output"); v != "yaml" {
		t.Errorf("tab-separated output = %q, want yaml", v)
	}
	if _, ok := f.Profile("開発"); !ok {
		t.Error("unicode profile not found")
	}
	f = mustParse(t, string(c["03-nested-s3.ini"]))
	d := mustProfile(t, f, "default")
	if v, _ := d.Get("s3"); v != "\nmax_concurrent_requests = 20\nmultipart_threshold = 64MB\naddressing_style = path" {
		t.Errorf("nested s3 = %q", v)
	}
	if v, ok := d.Get("cli_pager"); !ok || v != "" {
		t.Errorf("cli_pager = %q, %v; want empty, present", v, ok)
	}
}

func mustProfile(t testing.TB, f *File, name string) *Section {
	t.Helper()
	p, ok := f.Profile(name)
	if !ok {
		t.Fatalf("no profile %q", name)
	}
	return p
}

// The rules below are configparser's and botocore's, checked against
// botocore 1.43 by hand; TestBotocoreAgrees checks them on the corpus.
func TestParseLikeBotocore(t *testing.T) {
	f := mustParse(t, "[profile A]\nSSO_Session = x # not a comment\nk:v = 1\n\n  cont = 2\n"+
		"[profilex c]\nq=1\n[ profile d ]\nz=1\n[profile \"e f\"]\ny=1\n[profile a b]\n[DEFAULT]\ndd=1\n[default]\n[profile default]\nr=2\n")
	type got struct{ Kind, Name, Header string }
	var secs []got
	for _, s := range f.sections {
		secs = append(secs, got{s.Kind, s.Name, s.Header})
	}
	want := []got{
		{"profile", "A", "profile A"},
		{"profile", "c", "profilex c"},
		{"other", " profile d ", " profile d "},
		{"profile", "e f", `profile "e f"`},
		{"other", "profile a b", "profile a b"},
		{"other", "DEFAULT", "DEFAULT"},
		{"profile", "default", "default"},
		{"profile", "default", "profile default"},
	}
	if diff := cmp.Diff(want, secs); diff != "" {
		t.Errorf("sections (-want +got):\n%s", diff)
	}
	a := mustProfile(t, f, "A")
	for _, c := range []struct{ key, want string }{
		{"sso_session", "x # not a comment"},
		{"SSO_SESSION", "x # not a comment"},
		{"k", "v = 1\n\ncont = 2"},
		{"dd", "1"}, // from [DEFAULT]
	} {
		if v, ok := a.Get(c.key); !ok || v != c.want {
			t.Errorf("Get(%q) = %q, %v; want %q", c.key, v, ok, c.want)
		}
	}
	if got := mustProfile(t, f, "default"); got.Header != "profile default" {
		t.Errorf("default resolves to [%s], want the later [profile default]", got.Header)
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"region = x\n", "cfg:1: \"region = x\" comes before any [section]"},
		{"# c\n[default]\nregion\n", "cfg:3: \"region\" is neither"},
		{"[default]\n= x\n", "cfg:2: a value without a key"},
		{"[default]\na=1\n\n[default]\n", "cfg:4: section [default] appears again (first at line 1)"},
		{"[default]\nRegion=1\nregion=2\n", "cfg:3: key region appears again in [default] (first at line 2)"},
		{"[default]\r\na=\xff\r\n", "cfg:2: not valid UTF-8"},
		{"\ufeff[default]\n", "cfg:1: the file starts with a UTF-8 byte-order mark (BOM"}, // botocore reads a BOM as text too
		{"\ufeff# comment\n[default]\n", "which the AWS CLI v1 and v2 cannot read either"},
	} {
		_, err := Parse("cfg", []byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) error = %v, want it to contain %q", c.in, err, c.want)
		}
	}
}

func TestParseBOMHint(t *testing.T) {
	_, err := Parse("/home/x/my aws/config", []byte("\xEF\xBB\xBF[default]\nregion = eu-west-1\n"))
	var h interface{ Hint() string }
	if !errors.As(err, &h) || h.Hint() != `remove the BOM with: sed -i '1s/^\xEF\xBB\xBF//' '/home/x/my aws/config' (GNU sed), or save the file as "UTF-8" rather than "UTF-8 with BOM" in your editor` {
		t.Errorf("BOM error %v has no usable hint", err)
	}
}

// A secret pasted where the parser cannot place it must not come back in
// the error, whatever the line looks like.
func TestParseErrorsKeepSecretsOut(t *testing.T) {
	const tok = "IQoJb3JpZ2luX2VjEHgaCXVzLWVhc3QtMSJGMEQCIDz8Kq1vYp9xQWe2RtY7uI3oP4aS5dF6gH7jK8lZ9xC0"
	const key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	for _, in := range []string{
		"aws_session_token = " + tok + "\n[default]\n",
		"aws_session_token=" + tok + "\n[default]\n",
		"aws_session_token: " + tok + "\n[default]\n",
		"aws_session_token:" + tok + "\n[default]\n",
		"aws_session_token " + tok + "\n[default]\n",
		"AWS_SESSION_TOKEN\t" + tok + "\n[default]\n",
		"aws_security_token = " + tok + "\n[default]\n",
		"aws_secret_access_key = " + key + "\n[default]\n",
		"sso_refresh_token = " + tok + "\n",
		"[default]\naws_session_token =\n" + tok + "\n",
		"[default]\naws_session_token\n" + tok + "\n",
		"[default]\n" + tok + "\n",
		tok + "\n",
		"TOKENSECRET" + tok + "\n",
	} {
		_, err := Parse("cfg", []byte(in))
		if err == nil {
			t.Errorf("Parse(%q) accepted", in)
			continue
		}
		if strings.Contains(err.Error(), tok[10:40]) || strings.Contains(err.Error(), key[10:30]) {
			t.Errorf("Parse(%q) error quotes the secret: %v", in, err)
		}
	}
	// What is not secret is still quoted, to find the line.
	_, err := Parse("cfg", []byte("region = us-east-1\n"))
	if err == nil || !strings.Contains(err.Error(), `"region = us-east-1"`) {
		t.Errorf("plain line not quoted: %v", err)
	}
	_, err = Parse("cfg", []byte("aws_session_token = x\n"))
	if err == nil || !strings.Contains(err.Error(), `"aws_session_token = [REDACTED]" comes before any [section]`) {
		t.Errorf("secret line not named by its key: %v", err)
	}
}

func TestShellSplit(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
		bad  bool
	}{
		{in: "profile  x", want: []string{"profile", "x"}},
		{in: `profile "a b"`, want: []string{"profile", "a b"}},
		{in: `profile 'a"b'`, want: []string{"profile", `a"b`}},
		{in: `profile "a\"b\x"`, want: []string{"profile", `a"b\x`}},
		{in: `profile a\ b`, want: []string{"profile", "a b"}},
		{in: `profile "a`, bad: true},
	} {
		got, err := shellSplit(c.in)
		if (err != nil) != c.bad {
			t.Errorf("shellSplit(%q) error = %v", c.in, err)
		}
		if diff := cmp.Diff(c.want, got); !c.bad && diff != "" {
			t.Errorf("shellSplit(%q) (-want +got):\n%s", c.in, diff)
		}
	}
}

func TestConfigPath(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("USERPROFILE", home)
	t.Setenv("AWS_CONFIG_FILE", "")
	if got, want := ConfigPath(), filepath.Join(home, ".aws", "config"); got != want {
		t.Errorf("ConfigPath() = %q, want %q", got, want)
	}
	t.Setenv("AWS_CONFIG_FILE", "~/other/config")
	if got, want := ConfigPath(), filepath.Join(home, "other", "config"); got != want {
		t.Errorf("ConfigPath() = %q, want %q", got, want)
	}
	t.Setenv("AWS_CONFIG_FILE", "/etc/aws")
	if got := ConfigPath(); got != "/etc/aws" {
		t.Errorf("ConfigPath() = %q, want /etc/aws", got)
	}
}

func TestLoadMissingIsEmpty(t *testing.T) {
	f, err := Load(filepath.Join(t.TempDir(), "nope"))
	if err != nil || len(f.Bytes()) != 0 || len(f.Profiles()) != 0 {
		t.Fatalf("Load(missing) = %q, %v", f.Bytes(), err)
	}
}

func FuzzParse(f *testing.F) {
	for _, data := range corpus(f) {
		f.Add(data)
	}
	f.Add([]byte("[profile a]\n  x = 1\n\t[profile b]\r\n# BEGIN keyless x\n[c]\n# END keyless x"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("fuzz", data)
		if err != nil {
			return
		}
		if got := file.Bytes(); !bytes.Equal(got, data) {
			t.Fatalf("Bytes() = %q, want %q", got, data)
		}
		file.Profiles()
		file.Sessions()
		for id := range file.blocks {
			file.Block(id)
		}
	})
}
