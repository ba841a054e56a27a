package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadTerraform(t *testing.T) {
	const block = `terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

provider "aws" {
  region = "ap-southeast-1"
}

module "aws_sso" {
  source = "github.com/example/identity-center-basic"

  default_aws_region       = "ap-southeast-1"
  default_session_duration = "4H"

  users = [
    {
      email       = "john@example.com"
      given_name  = "John"
      family_name = "Doe"
    },
    { email = "jane@example.com", given_name = "Jane", family_name = "Roe", user_name = "jane" },
  ]
  super_admins   = ["john@example.com"]
  power_users    = ["jane"]
  readonly_users = []
}
`
	m, err := ReadTerraform("main.tf", []byte(block), "")
	if err != nil {
		t.Fatal(err)
	}
	want := `# keyless.yaml, written by 'keyless import terraform' from module.aws_sso in main.tf.
# docs/keyless-yaml.md describes the fields; docs/from-terraform.md the move from Terraform.
region: ap-southeast-1
session_duration: PT4H  # the module's 4H

users:
  - email: john@example.com
    given_name: John
    family_name: Doe
  - email: jane@example.com
    user_name: jane
    given_name: Jane
    family_name: Roe

super_admins: [john@example.com]
power_users: [jane]
`
	if diff := cmp.Diff(want, string(m.YAML())); diff != "" {
		t.Fatalf("yaml (-want +got):\n%s", diff)
	}
	// What it writes is a valid keyless.yaml with the same values.
	c, err := Parse("keyless.yaml", m.YAML())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Warnings) != 0 {
		t.Errorf("warnings: %q", m.Warnings)
	}
	if c.Region != "ap-southeast-1" || c.SessionDuration != "PT4H" || len(c.Users) != 2 || len(c.SuperAdmins) != 1 || len(c.PowerUsers) != 1 || len(c.ReadonlyUsers) != 0 {
		t.Errorf("read back: %+v", c)
	}
}

func TestReadTerraformChoosesTheBlock(t *testing.T) {
	const two = `module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
  cidr   = "10.0.0.0/16"
}

module "sso_prod" {
  source       = "./sso"
  super_admins = ["a@example.com"]
}

module "sso_dev" {
  source       = "./sso"
  power_users  = ["b@example.com"]
}
`
	for _, tc := range []struct {
		name, doc, module string
		want, err, hint   string
	}{
		{name: "one candidate", doc: `module "vpc" { cidr = "10.0.0.0/16" }
module "sso" { super_admins = ["a@example.com"] }
`, want: "sso"},
		{name: "by name", doc: two, module: "sso_dev", want: "sso_dev"},
		{name: "several", doc: two, err: "main.tf: 2 module blocks set the Identity Center module's variables: sso_prod (line 6), sso_dev (line 11)", hint: "choose one with --module NAME"},
		{name: "unknown name", doc: two, module: "sso", err: `main.tf: no module block named "sso"`, hint: "its module blocks: vpc (line 1), sso_prod (line 6), sso_dev (line 11)"},
		{name: "none", doc: `resource "aws_s3_bucket" "b" {}`, err: "main.tf: no module block sets users, super_admins, power_users or readonly_users"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ReadTerraform("main.tf", []byte(tc.doc), tc.module)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("err = %v, want %s", err, tc.err)
				}
				var h interface{ Hint() string }
				if tc.hint != "" && (!errors.As(err, &h) || h.Hint() != tc.hint) {
					t.Errorf("hint = %v, want %s", h, tc.hint)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Name != tc.want {
				t.Errorf("block %s, want %s", m.Name, tc.want)
			}
		})
	}
}

// TestReadTerraformProblems: what keyless cannot read is named with the
// file, line, column and attribute, all at once.
func TestReadTerraformProblems(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      []string
	}{
		{name: "variable", doc: `module "sso" {
  super_admins = var.admins
}`, want: []string{"2:18: module.sso.super_admins: refers to var.admins, which keyless cannot evaluate (write the values themselves in the module block, or write keyless.yaml by hand)"}},
		{name: "local inside a list and a template", doc: `module "sso" {
  super_admins = ["a@example.com", local.boss]
  default_aws_region = "${local.region}"
}`, want: []string{
			"2:36: module.sso.super_admins: refers to local.boss, which keyless cannot evaluate (write the values themselves in the module block, or write keyless.yaml by hand)",
			"3:27: module.sso.default_aws_region: refers to local.region, which keyless cannot evaluate (write the values themselves in the module block, or write keyless.yaml by hand)",
		}},
		{name: "users from a data source", doc: `module "sso" {
  users = [for u in data.external.people.result : { email = u }]
}`, want: []string{"2:21: module.sso.users: refers to data.external.people.result, which keyless cannot evaluate (write the values themselves in the module block, or write keyless.yaml by hand)"}},
		{name: "function call", doc: `module "sso" {
  super_admins = split(",", "a@example.com,b@example.com")
}`, want: []string{"2:18: module.sso.super_admins: function calls not allowed: functions may not be called here"}},
		{name: "wrong types and fields", doc: `module "sso" {
  super_admins = "a@example.com"
  power_users = [["b@example.com"]]
  users = [{ email = "a@example.com", given_name = "A", family_name = "B", nick = "x" }, "c@example.com"]
  count = 2
  admins = []
}`, want: []string{
			`2:18: module.sso.super_admins: expected a list, found string (write it as ["a", "b"])`,
			"3:18: module.sso.power_users[0]: expected text, found tuple",
			"4:76: module.sso.users[0].nick: not a field of the module's users (known fields: email, user_name, given_name, family_name, display_name)",
			"4:90: module.sso.users[1]: expected an object {email = ..., given_name = ..., family_name = ...}, found string",
			"5:3: module.sso.count: count makes several instances of the module; keyless reads one (write one module block per instance, and import each into its own keyless.yaml)",
			`6:3: module.sso.admins: not a variable of the basic Identity Center module (the basic Identity Center module's variables are users, super_admins, power_users, readonly_users, default_aws_region, default_session_duration)`,
		}},
		{name: "a typo", doc: `module "sso" {
  super_admin = ["a@example.com"]
  users = []
}`, want: []string{`2:3: module.sso.super_admin: not a variable of the basic Identity Center module (did you mean "super_admins"?)`}},
		{name: "not HCL", doc: `module "sso" {
  super_admins = [
}`, want: []string{"3:1: invalid expression: expected the start of an expression, but found an invalid expression token"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadTerraform("main.tf", []byte(tc.doc), "")
			var e *TerraformErrors
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *TerraformErrors", err)
			}
			var got []string
			for _, p := range e.Problems {
				got = append(got, strings.TrimPrefix(p.String(), "main.tf:"))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if !strings.HasPrefix(err.Error(), "main.tf: ") {
				t.Errorf("error %q does not start with the file", err)
			}
		})
	}
}

// TestReadTerraformProviderRegion: a provider region other than the
// module's default_aws_region is a warning naming both.
func TestReadTerraformProviderRegion(t *testing.T) {
	const doc = `provider "aws" {
  alias  = "console"
  region = "eu-west-1"
}

provider "aws" {
  region = "us-east-1"
}

module "sso" {
  super_admins       = ["a@example.com"]
  default_aws_region = "eu-west-1"
}
`
	m, err := ReadTerraform("main.tf", []byte(doc), "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"main.tf:7: the aws provider's region is us-east-1, and module.sso's default_aws_region eu-west-1: keyless's region is both Identity Center's and the console's, and is written as eu-west-1; " +
		"if Identity Center runs in us-east-1, set region: us-east-1 in keyless.yaml (the relay state then opens the console there)"}
	if diff := cmp.Diff(want, m.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}
