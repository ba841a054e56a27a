// Command floor is the warm credential-process floor: a Go program that
// reads the two files keyless's warm path reads (~/.aws/config and the
// cached role credentials, both named on the command line) and prints the
// credentials as credential_process JSON. It does nothing else, so no
// credential_process written in Go can start and finish faster.
//
//	floor ~/.aws/config ~/.aws/cli/cache/KEY.json
package main

import (
	"encoding/json"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: floor CONFIG CACHE")
		os.Exit(64)
	}
	if _, err := os.ReadFile(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	b, err := os.ReadFile(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	var f struct {
		Credentials struct {
			AccessKeyID     string `json:"AccessKeyId"`
			SecretAccessKey string
			SessionToken    string
			Expiration      string
		}
	}
	if err := json.Unmarshal(b, &f); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	c := f.Credentials
	_ = json.NewEncoder(os.Stdout).Encode(struct {
		Version         int
		AccessKeyID     string `json:"AccessKeyId"`
		SecretAccessKey string
		SessionToken    string
		Expiration      string
	}{1, c.AccessKeyID, c.SecretAccessKey, c.SessionToken, c.Expiration})
}
