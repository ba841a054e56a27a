package awsconfig

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var twoProfiles = []NewSection{
	{Header: "profile kl-a", Keys: []KV{{"sso_session", "corp"}, {"sso_account_id", "111111111111"}}},
	{Header: "profile kl-b", Keys: []KV{{"sso_session", "corp"}, {"region", "eu-west-1"}}},
}

func TestSetBlockThenRemoveRestoresCorpus(t *testing.T) {
	for name, data := range corpus(t) {
		f := mustParse(t, string(data))
		if _, err := f.SetBlock("test", twoProfiles); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		set := f.Bytes()
		if !bytes.Contains(set, []byte("[profile kl-b]")) {
			t.Fatalf("%s: block not written:\n%s", name, set)
		}
		if got := f.Block("test"); len(got) != 2 || got[1].Name != "kl-b" {
			t.Errorf("%s: Block = %v", name, got)
		}
		if removed, err := f.RemoveBlock("test"); !removed || err != nil {
			t.Fatalf("%s: RemoveBlock = %v, %v", name, removed, err)
		}
		if got := f.Bytes(); !bytes.Equal(got, data) {
			t.Errorf("%s: not restored:\n%s", name, Diff(name, data, got))
		}
	}
}

func TestSetBlockLayout(t *testing.T) {
	const begin = "# BEGIN keyless test (managed by keyless; changes here are overwritten)"
	for _, c := range []struct{ name, in, want string }{
		{"empty", "", begin + "\n[profile kl-a]\nsso_session = corp\nsso_account_id = 111111111111\n\n[profile kl-b]\nsso_session = corp\nregion = eu-west-1\n# END keyless test\n"},
		{"no final newline", "[x]\na=1",
			"[x]\na=1\n\n" + begin + "\n[profile kl-a]\nsso_session = corp\nsso_account_id = 111111111111\n\n[profile kl-b]\nsso_session = corp\nregion = eu-west-1\n# END keyless test"},
		{"crlf", "[x]\r\na=1\r\n",
			"[x]\r\na=1\r\n\r\n" + begin + "\r\n[profile kl-a]\r\nsso_session = corp\r\nsso_account_id = 111111111111\r\n\r\n[profile kl-b]\r\nsso_session = corp\r\nregion = eu-west-1\r\n# END keyless test\r\n"},
		{"in place", "[x]\n" + begin + "\n[profile old]\n# END keyless test\n[y]\n",
			"[x]\n" + begin + "\n[profile kl-a]\nsso_session = corp\nsso_account_id = 111111111111\n\n[profile kl-b]\nsso_session = corp\nregion = eu-west-1\n# END keyless test\n[y]\n"},
	} {
		f := mustParse(t, c.in)
		if _, err := f.SetBlock("test", twoProfiles); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if diff := cmp.Diff(c.want, string(f.Bytes())); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
}

func TestCRLFCorpusGetsCRLFBlock(t *testing.T) {
	f := mustParse(t, string(corpus(t)["04-crlf.ini"]))
	if _, err := f.SetBlock("test", twoProfiles); err != nil {
		t.Fatal(err)
	}
	got := string(f.Bytes())
	if n := strings.Count(got, "\n"); n != strings.Count(got, "\r\n") {
		t.Errorf("%d of %d line endings are CRLF:\n%q", strings.Count(got, "\r\n"), n, got)
	}
}

func TestSetBlockSkipsSectionsOutside(t *testing.T) {
	f := mustParse(t, "[default]\n[profile  kl-a]\n[profile other]\n# BEGIN keyless other\n[profile kl-b]\n# END keyless other\n")
	secs := append([]NewSection{{Header: "default"}, {Header: "profile default"}}, twoProfiles...)
	secs = append(secs, NewSection{Header: "profile new"}, NewSection{Header: "profile new"})
	skipped, err := f.SetBlock("test", secs)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"default", "profile default", "profile kl-a", "profile kl-b", "profile new"}
	if diff := cmp.Diff(want, skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
	if got := f.Block("test"); len(got) != 1 || got[0].Name != "new" {
		t.Errorf("Block = %+v, want only profile new", got)
	}
	// Everything skipped: the block goes away instead of staying empty.
	if _, err := f.SetBlock("test", secs[:2]); err != nil || strings.Contains(string(f.Bytes()), "keyless test") {
		t.Errorf("SetBlock with nothing to write left %q, %v", f.Bytes(), err)
	}
}

func TestBrokenBlocks(t *testing.T) {
	const begin = "# BEGIN keyless test (managed by keyless; changes here are overwritten)\n"
	for _, c := range []struct{ name, in, want string }{
		{"no end", "[x]\n" + begin + "[profile a]\n", "config: keyless block \"test\" starting at line 2 has no END line"},
		{"twice", begin + "# END keyless test\n" + begin + "# END keyless test\n", "line 3 starts keyless block \"test\" a second time"},
		{"nested", begin + "# BEGIN keyless other\n# END keyless other\n# END keyless test\n", "has no END line before line 2"},
		{"stray end", "# END keyless test\n", "line 1 ends keyless block \"test\" that is not open"},
	} {
		f := mustParse(t, c.in)
		if c.name == "stray end" {
			if _, err := f.RemoveBlock("test"); err != nil {
				t.Errorf("%s: a stray END alone is no block: %v", c.name, err)
			}
			continue
		}
		_, err := f.SetBlock("test", twoProfiles)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: SetBlock error = %v, want %q", c.name, err, c.want)
		}
		if _, err := f.RemoveBlock("test"); err == nil {
			t.Errorf("%s: RemoveBlock on a broken block succeeded", c.name)
		}
		if !bytes.Equal(f.Bytes(), []byte(c.in)) {
			t.Errorf("%s: file changed on error", c.name)
		}
	}
}

func TestSetBlockRefusesBadInput(t *testing.T) {
	for _, secs := range [][]NewSection{
		{{Header: "profile a\nb"}},
		{{Header: "DEFAULT"}},
		{{Header: "profile a", Keys: []KV{{"a=b", "c"}}}},
		{{Header: "profile a", Keys: []KV{{"#a", "c"}}}},
		{{Header: "profile a", Keys: []KV{{"a", "c\nd = e"}}}},
	} {
		f := mustParse(t, "")
		if _, err := f.SetBlock("test", secs); err == nil {
			t.Errorf("SetBlock(%+v) succeeded: %q", secs, f.Bytes())
		}
	}
	if _, err := mustParse(t, "").SetBlock("a\nb", twoProfiles); err == nil {
		t.Error("SetBlock with a two-line id succeeded")
	}
}
