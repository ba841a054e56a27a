package cli

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/google/go-cmp/cmp"

	ic "github.com/keyless-dev/keyless/internal/identitycenter"
	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/sandbox/sandboxtest"
)

// These tests run the real binary against a sandbox that fails, and kill it
// at random points: apply must always converge to the same world, with no
// duplicates.

// buildKeyless returns the keyless binary, built once per test binary as
// install.md builds it (CGO_ENABLED=0) and shared by every test: each link
// of the 57 MB executable cost about 5 s of CPU, twenty times a run. Tests
// run it; none may change it.
func buildKeyless(t testing.TB) string {
	t.Helper()
	bin, err := sharedBinary()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// sharedBinaryDir holds the binary; TestMain removes it after the run.
var sharedBinaryDir string

var sharedBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "keyless-test-bin-")
	if err != nil {
		return "", err
	}
	sharedBinaryDir = dir
	bin := filepath.Join(dir, "keyless")
	cmd := exec.Command("go", "build", "-o", bin, "../../cmd/keyless")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func startTestSandbox(t testing.TB, opts sandbox.Options) (*sandbox.Server, string) {
	t.Helper()
	return sandboxtest.Start(t, opts)
}

// convergeConfig is a world big enough that a kill lands mid-phase.
func convergeConfig() string {
	var b strings.Builder
	b.WriteString("region: us-east-1\nusers:\n")
	var emails []string
	for i := range 24 {
		e := fmt.Sprintf("user%02d@example.com", i)
		emails = append(emails, e)
		fmt.Fprintf(&b, "  - {email: %s, given_name: User, family_name: N%02d}\n", e, i)
	}
	fmt.Fprintf(&b, "super_admins: [%s]\n", emails[0])
	fmt.Fprintf(&b, "power_users: [%s]\n", strings.Join(emails[1:12], ", "))
	fmt.Fprintf(&b, "readonly_users: [%s]\n", strings.Join(emails[12:], ", "))
	b.WriteString(`groups:
  - {name: Auditors, description: read everything, members: [user03@example.com, user13@example.com]}
permission_sets:
  - name: Auditor
    session_duration: PT2H
    managed_policies: [SecurityAudit, ReadOnlyAccess]
    inline_policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}]}'
assignments:
  - {permission_set: Auditor, groups: [Auditors], all_accounts: true}
  - {permission_set: ReadOnly, groups: [ReadOnlyUsers], all_accounts: true}
`)
	return b.String()
}

type runner struct {
	t   *testing.T
	bin string
	dir string
	env []string
}

func newRunner(t *testing.T, bin, url string) *runner {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "keyless.yaml"), []byte(convergeConfig()), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(withoutAWS(os.Environ()), "AWS_ENDPOINT_URL="+url, "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
		"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AWS_REGION=us-east-1",
		"HOME="+dir, "AWS_CONFIG_FILE="+dir+"/none", "AWS_SHARED_CREDENTIALS_FILE="+dir+"/none")
	return &runner{t: t, bin: bin, dir: dir, env: env}
}

func (r *runner) cmd(args ...string) *exec.Cmd {
	cmd := exec.Command(r.bin, args...)
	cmd.Dir = r.dir
	cmd.Env = r.env
	return cmd
}

// run runs keyless and returns its exit code and output.
func (r *runner) run(args ...string) (int, string) {
	cmd := r.cmd(args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String()
	}
	if err != nil {
		r.t.Fatal(err)
	}
	return 0, out.String()
}

// world is Identity Center by names, for comparing two runs.
type world struct {
	Users       []string
	Groups      []string
	Sets        []string
	Assignments []string
}

func worldAt(t *testing.T, url string) world {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "x", "")),
		config.WithBaseEndpoint(url), config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{}))
	if err != nil {
		t.Fatal(err)
	}
	st, err := ic.Read(context.Background(), ic.NewClients(cfg, ic.DefaultLimits()), ic.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var w world
	names := map[string]string{}
	for _, u := range st.Users {
		names[u.ID] = u.UserName
		w.Users = append(w.Users, u.UserName+" "+u.DisplayName)
	}
	for _, g := range st.Groups {
		names[g.ID] = g.Name
		var members []string
		for uid := range g.Members {
			members = append(members, names[uid])
		}
		slices.Sort(members)
		w.Groups = append(w.Groups, g.Name+": "+strings.Join(members, ","))
	}
	for _, ps := range st.PermissionSets {
		names[ps.ARN] = ps.Name
		set := fmt.Sprintf("%s %s %v %s", ps.Name, ps.SessionDuration, ps.ManagedPolicies, ps.InlinePolicy)
		if len(ps.Outdated) > 0 {
			set += fmt.Sprintf(" (outdated in %v)", ps.Outdated)
		}
		w.Sets = append(w.Sets, set)
	}
	for _, a := range st.Assignments {
		w.Assignments = append(w.Assignments, fmt.Sprintf("%s %s:%s @%s", names[a.PermissionSetARN], a.PrincipalType, names[a.PrincipalID], a.AccountID))
	}
	for _, s := range [][]string{w.Users, w.Groups, w.Sets, w.Assignments} {
		slices.Sort(s)
	}
	return w
}

func wantNoDuplicates(t *testing.T, w world) {
	t.Helper()
	for name, xs := range map[string][]string{"users": w.Users, "groups": w.Groups, "permission sets": w.Sets, "assignments": w.Assignments} {
		if len(slices.Compact(slices.Clone(xs))) != len(xs) {
			t.Errorf("duplicate %s: %v", name, xs)
		}
	}
}

func TestApplyConvergesUnderFaults(t *testing.T) {
	t.Parallel() // its own sandbox and HOME: nothing shared
	if testing.Short() {
		t.Skip("runs the binary against faulty sandboxes")
	}
	bin := buildKeyless(t)

	_, clean := startTestSandbox(t, sandbox.Options{AssignmentDelay: 20 * time.Millisecond})
	r := newRunner(t, bin, clean)
	if code, out := r.run("apply", "--yes"); code != 0 {
		t.Fatalf("clean apply: exit %d\n%s", code, out)
	}
	want := worldAt(t, clean)
	if len(want.Assignments) != 8 {
		t.Fatalf("clean world: %+v", want)
	}

	_, faulty := startTestSandbox(t, sandbox.Options{AssignmentDelay: 20 * time.Millisecond, Throttle: 0.2, Fail5xx: 0.05})
	r = newRunner(t, bin, faulty)
	if code, out := r.run("apply", "--yes"); code != 0 {
		t.Fatalf("apply at --throttle 0.2 --fail5xx 0.05: exit %d\n%s", code, out)
	}
	if code, out := r.run("plan", "--detailed-exitcode"); code != 0 {
		t.Fatalf("plan after a faulty apply: exit %d\n%s", code, out)
	}
	got := worldAt(t, faulty)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("world after faults differs from a clean apply (-clean +faulty):\n%s", diff)
	}
}

func TestApplyKilledAtRandomPointsConverges(t *testing.T) {
	t.Parallel() // its own sandbox and HOME: nothing shared
	if testing.Short() {
		t.Skip("kills the binary mid-apply")
	}
	bin := buildKeyless(t)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	_, sb := startTestSandbox(t, sandbox.Options{AssignmentDelay: 30 * time.Millisecond})
	targets := map[string]string{"sandbox": sb}
	if _, err := exec.LookPath("moto_server"); err == nil || os.Getenv("CI") != "" {
		targets["moto"] = motoForTest(t)
	}
	for name, url := range targets {
		t.Run(name, func(t *testing.T) {
			r := newRunner(t, bin, url)
			kills := 0
			for i := range 6 {
				cmd := r.cmd("apply", "--yes")
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				delay := time.Duration(50+rng.IntN(700)) * time.Millisecond
				timer := time.AfterFunc(delay, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
				err := cmd.Wait()
				if timer.Stop() {
					// Finished before the kill: nothing left to interrupt.
					if err != nil {
						t.Fatalf("apply %d failed on its own: %v\n%s", i, err, out.String())
					}
					break
				}
				kills++
			}
			if code, out := r.run("apply", "--yes"); code != 0 {
				t.Fatalf("final apply after %d kills: exit %d\n%s", kills, code, out)
			}
			if code, out := r.run("plan", "--detailed-exitcode"); code != 0 {
				t.Fatalf("plan after %d kills and a final apply: exit %d\n%s", kills, code, out)
			}
			w := worldAt(t, url)
			wantNoDuplicates(t, w)
			t.Logf("%s: converged after %d kills: %d users, %d groups, %d permission sets, %d assignments",
				name, kills, len(w.Users), len(w.Groups), len(w.Sets), len(w.Assignments))
		})
	}
}

// An apply killed after updating permission sets and before provisioning
// them leaves roles with the old settings while the sets match the file: the
// next plan must still show the provisioning, and apply must do it.
func TestApplyKilledBetweenUpdateAndProvisionConverges(t *testing.T) {
	t.Parallel() // its own sandbox and HOME: nothing shared
	if testing.Short() {
		t.Skip("kills the binary mid-apply")
	}
	bin := buildKeyless(t)
	_, url := startTestSandbox(t, sandbox.Options{AssignmentDelay: 20 * time.Millisecond})
	r := newRunner(t, bin, url)
	if code, out := r.run("apply", "--yes"); code != 0 {
		t.Fatalf("first apply: exit %d\n%s", code, out)
	}

	// Longer sessions for every set; the apply dies at its first
	// ProvisionPermissionSet, which never reaches the sandbox.
	cfg := strings.Replace(convergeConfig(), "session_duration: PT2H", "session_duration: PT4H", 1) + "session_duration: PT4H\n"
	if err := os.WriteFile(filepath.Join(r.dir, "keyless.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	var running atomic.Pointer[os.Process]
	var killed atomic.Bool
	target, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if strings.HasSuffix(req.Header.Get("X-Amz-Target"), ".ProvisionPermissionSet") {
			if p := running.Load(); p != nil && !killed.Swap(true) {
				_ = p.Kill()
			}
			panic(http.ErrAbortHandler)
		}
		proxy.ServeHTTP(w, req)
	}))
	defer front.Close()
	killedRun := newRunner(t, bin, front.URL)
	killedRun.dir = r.dir
	cmd := killedRun.cmd("apply", "--yes")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	running.Store(cmd.Process)
	if err := cmd.Wait(); err == nil || !killed.Load() {
		t.Fatalf("apply was not killed before provisioning (%v):\n%s", err, out.String())
	}
	outdated := outdatedSets(t, url)
	if outdated == 0 {
		t.Fatalf("the kill left no set updated and unprovisioned: %v", worldAt(t, url).Sets)
	}

	code, plan := r.run("plan", "--detailed-exitcode")
	if code != 2 || !strings.Contains(plan, "↻ ") || !strings.Contains(plan, "to provision again") {
		t.Fatalf("plan after the kill (exit %d) does not provision the %d outdated sets:\n%s", code, outdated, plan)
	}
	if code, out := r.run("apply", "--yes"); code != 0 {
		t.Fatalf("apply after the kill: exit %d\n%s", code, out)
	}
	if code, out := r.run("plan", "--detailed-exitcode"); code != 0 {
		t.Fatalf("plan after the rerun: exit %d\n%s", code, out)
	}
	w := worldAt(t, url)
	for _, set := range w.Sets {
		if !strings.Contains(set, " PT4H ") || strings.Contains(set, "outdated") {
			t.Errorf("after the rerun: %s", set)
		}
	}
	if n := outdatedSets(t, url); n != 0 {
		t.Errorf("after the rerun, %d permission sets are LATEST_PERMISSION_SET_NOT_PROVISIONED somewhere", n)
	}
	wantNoDuplicates(t, w)
}

// outdatedSets counts, with the SDK alone, the (account, permission set)
// pairs that are LATEST_PERMISSION_SET_NOT_PROVISIONED.
func outdatedSets(t *testing.T, url string) int {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "x", "")),
		config.WithBaseEndpoint(url), config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{}))
	if err != nil {
		t.Fatal(err)
	}
	sso := ssoadmin.NewFromConfig(cfg)
	inst, err := sso.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	if err != nil || len(inst.Instances) != 1 {
		t.Fatalf("list instances: %v, %v", inst, err)
	}
	n := 0
	for _, acct := range []string{"111111111111", "222222222222", "333333333333"} {
		p := ssoadmin.NewListPermissionSetsProvisionedToAccountPaginator(sso, &ssoadmin.ListPermissionSetsProvisionedToAccountInput{
			InstanceArn: inst.Instances[0].InstanceArn, AccountId: aws.String(acct), ProvisioningStatus: ssotypes.ProvisioningStatusLatestPermissionSetNotProvisioned})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			n += len(out.PermissionSets)
		}
	}
	return n
}

// motoForTest is the package's moto, reset and held for a Go test.
func motoForTest(t *testing.T) string {
	t.Helper()
	return moto.URL(t)
}

// withoutAWS drops the machine's AWS settings from an environment.
func withoutAWS(env []string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool { return strings.HasPrefix(kv, "AWS_") })
}
