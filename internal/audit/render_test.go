package audit

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/sandbox/sandboxtest"
	"github.com/keyless-dev/keyless/internal/testtool"
	"github.com/keyless-dev/keyless/internal/testtool/sarif"
)

// seededReport audits the seeded world's management account.
func seededReport(t *testing.T) *Report {
	t.Helper()
	_, url := sandboxtest.Start(t, sandbox.Options{Seed: seededWorld(), Now: func() time.Time { return now }})
	st := collect(t, sdkConfig(t, url, nil))
	r := &Report{}
	r.Add(Run(st, now))
	r.Matrix = AccessMatrix(st.IdentityCenter.State)
	return r
}

// The HTML page renders in headless Chromium without console errors, and
// holds the summary, the findings and the access matrix.
func TestHTMLInChromium(t *testing.T) {
	chromium := testtool.RequireTool(t, "chromium")
	r := seededReport(t)
	var page bytes.Buffer
	if err := r.WriteHTML(&page, "test"); err != nil {
		t.Fatal(err)
	}
	// An error listener the page itself lacks: anything failing to load or
	// run is written into the DOM, which --dump-dom shows.
	probe := `<script>addEventListener("error",e=>{document.documentElement.setAttribute("data-errors",(e.message||e.target.src||e.target.href||"load error"))},true);</script>`
	html := strings.Replace(page.String(), "<head>", "<head>"+probe, 1)
	if strings.Contains(page.String(), "<script") || strings.Contains(page.String(), "http://") || strings.Contains(page.String(), "<link") {
		t.Fatal("the page is not self-contained: it has a script, an http:// URL or a <link>")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "audit.html")
	if err := os.WriteFile(file, []byte(html), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, chromium, append([]string{"--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
			"--user-data-dir=" + filepath.Join(dir, "profile")}, args...)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("chromium %v: %v\n%s", args, err, errb.String())
		}
		return out.String(), errb.String()
	}
	png := filepath.Join(dir, "audit.png")
	run("--screenshot="+png, "--window-size=1280,2000", "file://"+file)
	if b, err := os.ReadFile(png); err != nil || len(b) < 1000 || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Fatalf("screenshot: %d bytes, %v", len(b), err)
	}
	pageErrors := func(file string) (string, bool) {
		dom, stderr := run("--dump-dom", "--enable-logging=stderr", "--v=0", "file://"+file)
		return dom, strings.Contains(dom, `data-errors="`) || strings.Contains(stderr, "Uncaught")
	}
	// The probe must see an error where there is one.
	broken := filepath.Join(dir, "broken.html")
	if err := os.WriteFile(broken, []byte(strings.Replace(html, "</body>", "<script>notDefined()</script></body>", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, bad := pageErrors(broken); !bad {
		t.Fatal("the error probe saw no error in a page calling an undefined function")
	}
	dom, bad := pageErrors(file)
	if bad {
		t.Fatalf("the page has errors:\n%s", dom)
	}
	for _, want := range []string{`<h2 id="summary">`, "root-access-keys", `<table class="matrix">`, "SuperAdmin (via SuperAdmins)", "ReadOnly"} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered page lacks %q", want)
		}
	}
}

func TestSARIFShape(t *testing.T) {
	r := &Report{Findings: []Finding{
		{ID: "root-mfa", Severity: Critical, Status: Fail, Account: "1", Resource: "arn:aws:iam::1:root", Title: "t", Fingerprint: "f1"},
		{ID: "root-mfa", Severity: Critical, Status: NotEvaluated, Account: "2", Resource: "arn:aws:iam::2:root", Permission: "iam:GetAccountSummary", Fingerprint: "f2"},
	}}
	var b bytes.Buffer
	if err := r.WriteSARIF(&b, "test"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"version": "2.1.0"`, `"level": "error"`, `"kind": "review"`, `"level": "none"`, `"permission": "iam:GetAccountSummary"`, `"keylessFingerprint/v1": "f2"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("SARIF lacks %s:\n%s", want, b.String())
		}
	}
	if n := strings.Count(b.String(), `"id": "root-mfa"`); n != 1 {
		t.Errorf("rule root-mfa listed %d times, want once", n)
	}
}

// Every SARIF log audit writes is valid SARIF 2.1.0: findings with and
// without controls, not evaluated ones, excepted ones (suppressions),
// this machine's, and none at all.
func TestSARIFIsValid(t *testing.T) {
	r := seededReport(t)
	r.Add(NotCovered("222222222222", "profile dev: no credentials", "keyless login"))
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".aws", "credentials"), []byte("[default]\naws_access_key_id = AKIAAAAAAAAAAAAAAAAA\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	local, err := Local(Machine{Home: home, Getenv: func(string) string { return "" }})
	if err != nil || len(local.Findings) == 0 {
		t.Fatalf("local findings %v, err %v", local.Findings, err)
	}
	r.Add(local)
	r.Findings = append(r.Findings, Finding{ID: "iam-user-active-key", Severity: High, Status: Excepted, Account: "111111111111",
		Resource: "arn:aws:iam::111111111111:user/bot/access-key/AKIAAAAAAAAAAAAAAAAA", Title: "t", Fingerprint: "f3",
		Exception: &Exception{Owner: "ops@example.com", Expires: "2099-12-31", Where: "keyless.yaml:3"}})
	if !slices.ContainsFunc(r.Findings, func(f Finding) bool { return len(f.Controls) == 0 }) {
		t.Fatal("the seeded report has no finding without controls: the test would not cover them")
	}
	for name, rep := range map[string]*Report{"seeded": r, "empty": {}} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := rep.WriteSARIF(&b, "test"); err != nil {
				t.Fatal(err)
			}
			sarif.Validate(t, b.Bytes())
		})
	}
}
