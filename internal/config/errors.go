// Package config reads keyless.yaml: the Terraform module's shape (users,
// super_admins, power_users, readonly_users) and its extensions (groups,
// permission sets, assignments to accounts, OUs, tags). It reports every
// problem in a file at once, each with file:line:column and the field, and
// resolves the file against Identity Center into identitycenter.Desired.
// It also reads the Terraform module's block from a .tf file, for the move
// from the module (docs/from-terraform.md).
//
// It owns the file format (docs/keyless-yaml.md, schema/keyless.schema.json)
// and never calls AWS.
package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/keyless-dev/keyless/internal/plural"
)

// Problem is one thing wrong in a file.
type Problem struct {
	File      string
	Line, Col int
	Path      string // the field, e.g. users[2].email
	Message   string
	Hint      string
}

func (p Problem) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d:%d: ", p.File, p.Line, p.Col)
	if p.Path != "" {
		b.WriteString(p.Path + ": ")
	}
	b.WriteString(p.Message)
	if p.Hint != "" {
		b.WriteString(" (" + p.Hint + ")")
	}
	return b.String()
}

// Errors is every problem found in a file, in file order: the first
// maxProblems of them, and how many more there were.
type Errors struct {
	File     string
	Problems []Problem
	More     int
}

// maxProblems bounds what a file can make keyless hold and print: a
// megabyte of [a, a, a, ...] where users belong is half a million problems.
const maxProblems = 100

func (e *Errors) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	if e.More > 0 {
		lines = append(lines, fmt.Sprintf("... and %d more", e.More))
	}
	head := fmt.Sprintf("%s: %s:\n", e.File, plural.Count(len(e.Problems)+e.More, "problem", "problems"))
	return head + strings.Join(lines, "\n")
}

// Hint says where the format is described.
func (e *Errors) Hint() string {
	return "fix them and run again; docs/keyless-yaml.md describes every field"
}

func (e *Errors) add(p Problem) {
	if len(e.Problems) == maxProblems {
		e.More++
		return
	}
	p.File = e.File
	e.Problems = append(e.Problems, p)
}

func (e *Errors) err() error {
	if len(e.Problems) == 0 {
		return nil
	}
	slices.SortStableFunc(e.Problems, func(a, b Problem) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Col - b.Col
	})
	return e
}
