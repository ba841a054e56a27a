package shell

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/keyless-dev/keyless/internal/lazyre"
)

// Var is one environment variable to set.
type Var struct{ Name, Value string }

// Formats lists the formats Export writes.
func Formats() []string { return []string{"sh", "fish", "powershell", "cmd", "json", "dotenv"} }

// namePattern is what every format can name: POSIX shells allow no more.
var namePattern = lazyre.New(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Export writes statements that set the variables in set and remove those in
// unset, in format (one of Formats):
//
//   - sh: `export K='v'` and `unset K`, for bash, zsh, dash and other POSIX shells.
//   - fish: `set -gx K 'v'` and `set -e K`.
//   - powershell: `$Env:K = 'v'` and `Remove-Item Env:K -ErrorAction SilentlyContinue`.
//   - cmd: `set "K=v"` and `set K=`, for a batch file run with `call`. cmd
//     has no way to quote some characters, so values holding a line break or
//     other control character, a double quote or an exclamation mark (which
//     delayed expansion would eat) are refused; `%` is written as `%%`, which
//     a batch file reads as one `%`. Non-ASCII text is written as UTF-8, which
//     cmd reads correctly only after `chcp 65001`.
//   - json: one object, set values as strings and unset names as null.
//   - dotenv: `K=v`, one a line, for `docker run --env-file`, Docker Compose,
//     dotenv libraries (godotenv, python-dotenv) and `set -a; . FILE`. A
//     value of letters, digits and `_ . / : + = @ , -` only (every
//     credential, URL, time and generated profile name) is written bare,
//     since `docker run --env-file` takes the rest of the line literally,
//     quotes and all. Any other value is `K="v"` with `\\`, `\"`, `\$`, `\n`,
//     `\r` escaped, as dotenv libraries and Compose read it (docker's
//     --env-file would keep the quotes). Unset names are left out (dotenv
//     files cannot remove a variable).
//
// Names must be shell identifiers and appear once; values must be UTF-8
// without NUL bytes (no environment can hold a NUL). Nothing is written when
// an error is returned.
func Export(w io.Writer, format string, set []Var, unset []string) error {
	if err := checkVars(set, unset); err != nil {
		return err
	}
	var b bytes.Buffer
	switch format {
	case "sh":
		for _, v := range set {
			fmt.Fprintf(&b, "export %s=%s\n", v.Name, shQuote(v.Value))
		}
		for _, n := range unset {
			fmt.Fprintf(&b, "unset %s\n", n)
		}
	case "fish":
		for _, v := range set {
			fmt.Fprintf(&b, "set -gx %s %s\n", v.Name, fishQuote(v.Value))
		}
		for _, n := range unset {
			fmt.Fprintf(&b, "set -e %s\n", n)
		}
	case "powershell":
		for _, v := range set {
			fmt.Fprintf(&b, "$Env:%s = %s\n", v.Name, psQuote(v.Value))
		}
		for _, n := range unset {
			fmt.Fprintf(&b, "Remove-Item Env:%s -ErrorAction SilentlyContinue\n", n)
		}
	case "cmd":
		for _, v := range set {
			q, err := cmdValue(v.Value)
			if err != nil {
				return fmt.Errorf("format cmd: variable %s: %w", v.Name, err)
			}
			fmt.Fprintf(&b, "set \"%s=%s\"\r\n", v.Name, q)
		}
		for _, n := range unset {
			fmt.Fprintf(&b, "set %s=\r\n", n)
		}
	case "json":
		if err := writeJSON(&b, set, unset); err != nil {
			return err
		}
	case "dotenv":
		for _, v := range set {
			fmt.Fprintf(&b, "%s=%s\n", v.Name, dotenvValue(v.Value))
		}
	default:
		return fmt.Errorf("unknown format %q: use one of %s", format, strings.Join(Formats(), ", "))
	}
	_, err := w.Write(b.Bytes())
	return err
}

func checkVars(set []Var, unset []string) error {
	seen := map[string]bool{}
	name := func(n string) error {
		if !namePattern.MatchString(n) {
			return fmt.Errorf("variable name %q: use letters, digits and _ only, not starting with a digit", n)
		}
		if seen[n] {
			return fmt.Errorf("variable %s is named twice: set or unset it once", n)
		}
		seen[n] = true
		return nil
	}
	for _, v := range set {
		if err := name(v.Name); err != nil {
			return err
		}
		if strings.ContainsRune(v.Value, 0) {
			return fmt.Errorf("variable %s: the value holds a NUL byte, which no environment can carry", v.Name)
		}
		if !utf8.ValidString(v.Value) {
			return fmt.Errorf("variable %s: the value is not valid UTF-8", v.Name)
		}
	}
	for _, n := range unset {
		if err := name(n); err != nil {
			return err
		}
	}
	return nil
}

// shQuote single-quotes s for POSIX shells: inside single quotes nothing is
// special, so a single quote closes the quotes, adds \' and reopens them.
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// fishQuote single-quotes s for fish, where only \\ and \' are escapes
// inside single quotes.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// psQuote single-quotes s for PowerShell. PowerShell also takes the
// typographic quotes ‘ ’ ‚ ‛ as single quotes; each is escaped by doubling.
func psQuote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'', '\u2018', '\u2019', '\u201a', '\u201b':
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}

// cmdValue is s as the value of set "K=v" in a batch file.
func cmdValue(s string) (string, error) {
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r':
			return "", fmt.Errorf("cmd cannot set a value with a line break: use another --format")
		case r < 0x20 && r != '\t' || r == 0x7f:
			return "", fmt.Errorf("cmd cannot set a value with control character %U: use another --format", r)
		case r == '"':
			return "", fmt.Errorf("cmd cannot set a value with a double quote: use another --format")
		case r == '!':
			return "", fmt.Errorf("cmd cannot safely set a value with '!' (delayed expansion removes it): use another --format")
		}
	}
	return strings.ReplaceAll(s, "%", "%%"), nil
}

func writeJSON(w io.Writer, set []Var, unset []string) error {
	// Keys keep the caller's order, which a map would not.
	var b bytes.Buffer
	b.WriteString("{")
	key := func(i int, k string, v any) error {
		if i > 0 {
			b.WriteString(",")
		}
		kb, err := jsonText(k)
		if err != nil {
			return err
		}
		vb, err := jsonText(v)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "\n  %s: %s", kb, vb)
		return nil
	}
	i := 0
	for _, v := range set {
		if err := key(i, v.Name, v.Value); err != nil {
			return err
		}
		i++
	}
	for _, n := range unset {
		if err := key(i, n, nil); err != nil {
			return err
		}
		i++
	}
	if i > 0 {
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	_, err := w.Write(b.Bytes())
	return err
}

// jsonText encodes x without escaping <, > and &, which only matter in HTML.
func jsonText(x any) ([]byte, error) {
	var e bytes.Buffer
	enc := json.NewEncoder(&e)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(x); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(e.Bytes(), []byte("\n")), nil
}

// dotenvValue writes s bare when every reader of dotenv files takes it as
// it is: no space, quote, `#`, `$`, backslash or `~` (which docker keeps,
// dotenv libraries and shells strip or expand). Otherwise it is quoted.
func dotenvValue(s string) string {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_./:+=@,-", r)) {
			return dotenvQuote(s)
		}
	}
	return s
}

// dotenvQuote double-quotes s with the escapes dotenv readers undo.
func dotenvQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`, "\n", `\n`, "\r", `\r`).Replace(s) + `"`
}
