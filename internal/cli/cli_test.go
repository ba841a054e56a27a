package cli

import (
	"fmt"
	"os"
	"testing"

	"github.com/keyless-dev/keyless/internal/sandbox/sandboxtest"
	"github.com/keyless-dev/keyless/internal/testtool"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(stopMotoAfter{m}, map[string]func(){
		"keyless": func() { os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
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

// stopMotoAfter stops the package's moto once every test has run.
type stopMotoAfter struct{ m *testing.M }

func (s stopMotoAfter) Run() int {
	defer moto.Stop()
	defer func() {
		if sharedBinaryDir != "" {
			os.RemoveAll(sharedBinaryDir)
		}
	}()
	testtool.RaiseParallelism(6)
	return s.m.Run()
}

// moto is the package's one moto_server, for its Go tests.
var moto testtool.Moto
