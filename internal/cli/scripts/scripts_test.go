package scripts

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keyless-dev/keyless/internal/cli"
	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/sandbox/sandboxtest"
	"github.com/keyless-dev/keyless/internal/testtool"
	"github.com/keyless-dev/keyless/internal/testtool/sarif"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(run{m}, map[string]func(){
		"keyless": func() { os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
		// awsgo: sts get-caller-identity through aws-sdk-go-v2's default
		// credential chain (workloads_script_test.go).
		"awsgo": func() { os.Exit(goCallerIdentity()) },
		// browser-as USER URL: a person choosing USER on the sandbox's
		// sign-in page (BROWSER='browser-as bob'), so one script signs
		// in several people.
		"browser-as": func() {
			if err := sandboxtest.Browse(os.Args[2], os.Args[1]); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		},
	})
}

// run stops the package's moto once every script has run. Scripts mostly
// wait (on the rate limits the sandbox enforces, on subprocesses), so six
// run at once.
type run struct{ m *testing.M }

func (r run) Run() int {
	defer moto.Stop()
	testtool.RaiseParallelism(6)
	return r.m.Run()
}

// TestScripts runs every command end to end: testdata/script/*.txtar.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("NO_COLOR", "1")
			env.Setenv("HOME", env.WorkDir)
			// No AWS settings of the machine leak in; scripts set their own.
			env.Vars = slices.DeleteFunc(env.Vars, func(kv string) bool { return strings.HasPrefix(kv, "AWS_") })
			env.Setenv("AWS_CONFIG_FILE", env.WorkDir+"/.aws/config")
			env.Setenv("AWS_SHARED_CREDENTIALS_FILE", env.WorkDir+"/.aws/credentials")
			env.Setenv("AWS_EC2_METADATA_DISABLED", "true")
			examples, err := filepath.Abs("../../../examples")
			if err != nil {
				return err
			}
			env.Setenv("EXAMPLES", examples)
			return nil
		},
		// [moto] holds where moto_server is installed, and always in CI,
		// where a missing tool must fail rather than skip.
		// [chromium] and [aws] likewise for Debian's chromium and the AWS CLI.
		Condition: func(cond string) (bool, error) {
			var tool string
			switch cond {
			case "root":
				return os.Geteuid() == 0, nil
			case "moto":
				tool = "moto_server"
			case "chromium":
				tool = "chromium"
			case "aws":
				tool = "aws"
			case "awsv2":
				// The AWS CLI v2, where the machine installs it ("aws" on
				// PATH may be v1, from pip).
				tool = "/usr/bin/aws"
			case "dotenv":
				// python-dotenv: an independent reader of the dotenv format.
				err := exec.Command("python3", "-c", "import dotenv").Run()
				return err == nil || os.Getenv("CI") != "", nil
			case "terraform":
				// Terraform's own opinion of what import terraform tells
				// people to do (on this kind of machine; .ci/run requires it).
				tool = "terraform"
			default:
				return false, fmt.Errorf("unknown condition %q", cond)
			}
			_, err := exec.LookPath(tool)
			return err == nil || os.Getenv("CI") != "", nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// freeport VAR: a free loopback port in $VAR.
			"freeport": func(ts *testscript.TestScript, neg bool, args []string) {
				port, err := testtool.FreePort()
				ts.Check(err)
				ts.Setenv(args[0], fmt.Sprint(port))
			},
			// sandbox [--seed FILE] [--throttle P] [--fail5xx P] [--assignment-delay D] [--tps N] [--latency D]
			// [--approve-as USER] [--access-token-ttl D] [--refresh-token-ttl D] [--role-credentials-ttl D]:
			// start a sandbox for this script and point the AWS SDK at it.
			"sandbox": cmdSandbox,
			// moto: point the AWS SDK at a freshly reset moto_server (started
			// once per test binary); a missing moto_server fails in CI.
			"moto": cmdMoto,
			// sandboxget PATH: GET an admin endpoint (/_sandbox/state...) to stdout.
			"sandboxget": func(ts *testscript.TestScript, neg bool, args []string) {
				resp, err := http.Get(ts.Getenv("AWS_ENDPOINT_URL") + args[0])
				ts.Check(err)
				defer resp.Body.Close()
				_, err = io.Copy(ts.Stdout(), resp.Body)
				ts.Check(err)
			},
			// sandboxpost PATH JSON: POST to an admin endpoint (/_sandbox/identity-center...).
			"sandboxpost": func(ts *testscript.TestScript, neg bool, args []string) {
				resp, err := http.Post(ts.Getenv("AWS_ENDPOINT_URL")+args[0], "application/json", strings.NewReader(args[1]))
				ts.Check(err)
				defer resp.Body.Close()
				if resp.StatusCode != 200 {
					ts.Fatalf("POST %s: %s", args[0], resp.Status)
				}
			},
			// sandboxcalls CALL N: wait up to 10s for the sandbox to have
			// answered CALL (sso-admin:ListInstances) at least N times.
			"sandboxcalls": func(ts *testscript.TestScript, neg bool, args []string) {
				want, err := strconv.Atoi(args[1])
				ts.Check(err)
				var calls map[string]int
				for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
					resp, err := http.Get(ts.Getenv("AWS_ENDPOINT_URL") + "/_sandbox/calls")
					ts.Check(err)
					err = json.NewDecoder(resp.Body).Decode(&calls)
					resp.Body.Close()
					ts.Check(err)
					if calls[args[0]] >= want {
						return
					}
				}
				ts.Fatalf("%s was called %d times within 10s, want %d", args[0], calls[args[0]], want)
			},
			// waithttp URL: wait up to 10s for URL to answer 200.
			"waithttp": func(ts *testscript.TestScript, neg bool, args []string) {
				deadline := time.Now().Add(10 * time.Second)
				for time.Now().Before(deadline) {
					resp, err := http.Get(args[0])
					if err == nil {
						resp.Body.Close()
						if resp.StatusCode == 200 {
							return
						}
					}
					time.Sleep(20 * time.Millisecond)
				}
				ts.Fatalf("%s did not answer 200 within 10s", args[0])
			},
			// sarifvalid FILE: FILE is valid SARIF 2.1.0.
			"sarifvalid": func(ts *testscript.TestScript, neg bool, args []string) {
				sarif.Validate(scriptTB{ts}, []byte(ts.ReadFile(args[0])))
			},
			"sha1":      cmdSHA1,
			"perm":      cmdPerm,
			"waitfile":  cmdWaitFile,
			"nosecrets": cmdNoSecrets,
			"jsonget":   cmdJSONGet,
			"jsontimes": cmdJSONTimes,
			// terraformapply VARS.json: make what the basic Identity Center
			// Terraform module makes (terraform_test.go).
			"terraformapply": cmdTerraformApply,
			// groups: each group, its member count and the sets it is assigned.
			"groups": cmdGroups,
			// citoken PROVIDER JSON: a local CI issuer's token into
			// $AWS_WEB_IDENTITY_TOKEN_FILE; prints its sub.
			"citoken": cmdCIToken,
		},
	})
}

func cmdSandbox(ts *testscript.TestScript, neg bool, args []string) {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	seed := fs.String("seed", "", "")
	opts := sandbox.Options{AssignmentDelay: 10 * time.Millisecond}
	fs.Float64Var(&opts.Throttle, "throttle", 0, "")
	fs.Float64Var(&opts.Fail5xx, "fail5xx", 0, "")
	fs.Float64Var(&opts.TPS, "tps", 0, "")
	fs.DurationVar(&opts.AssignmentDelay, "assignment-delay", opts.AssignmentDelay, "")
	fs.DurationVar(&opts.Latency, "latency", 0, "")
	fs.StringVar(&opts.ApproveAs, "approve-as", "", "")
	fs.DurationVar(&opts.AccessTokenTTL, "access-token-ttl", 0, "")
	fs.DurationVar(&opts.RefreshTokenTTL, "refresh-token-ttl", 0, "")
	fs.DurationVar(&opts.RoleCredentialsTTL, "role-credentials-ttl", 0, "")
	ts.Check(fs.Parse(args))
	if opts.AssignmentDelay == 0 {
		opts.AssignmentDelay = -1 // zero means "complete at once", as on the command line
	}
	if *seed != "" {
		s, err := sandbox.LoadSeed(ts.MkAbs(*seed))
		ts.Check(err)
		opts.Seed = s
	}
	srv, err := sandbox.New(opts)
	ts.Check(err)
	l, err := sandbox.Listen("127.0.0.1:0", false)
	ts.Check(err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	ts.Defer(func() {
		cancel()
		<-done
	})
	ts.Setenv("AWS_ENDPOINT_URL", "http://"+l.Addr().String())
	ts.Setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
	ts.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	ts.Setenv("AWS_REGION", "us-east-1")
	ts.Setenv("AWS_DEFAULT_REGION", "us-east-1")
}

// moto is the package's one moto_server.
var moto testtool.Moto

func cmdMoto(ts *testscript.TestScript, neg bool, args []string) {
	url, err := moto.Started()
	if err != nil {
		ts.Fatalf("%v (CI always has it; elsewhere guard the script with [!moto] skip)", err)
	}
	ts.Defer(moto.Lock()) // one script or test at a time uses moto
	ts.Check(moto.Reset())
	ts.Setenv("AWS_ENDPOINT_URL", url)
	ts.Setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
	ts.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	ts.Setenv("AWS_REGION", "us-east-1")
	ts.Setenv("AWS_DEFAULT_REGION", "us-east-1")
}

// scriptTB lets a script command use a testing.TB helper: its failures fail
// the script.
type scriptTB struct{ ts *testscript.TestScript }

func (s scriptTB) Helper()                        {}
func (s scriptTB) Fatalf(format string, a ...any) { s.ts.Fatalf(format, a...) }
