// Command keyless takes a team's AWS access from long-lived access keys to
// short-lived credentials through AWS IAM Identity Center.
package main

import (
	"os"

	"github.com/keyless-dev/keyless/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
