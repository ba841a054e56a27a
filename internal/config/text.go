package config

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf16"

	"github.com/keyless-dev/keyless/internal/lazyre"
)

// What AWS accepts in the fields keyless.yaml maps to, from the service
// models (identitystore 2020-06-15, sso-admin 2020-07-20). AWS anchors its
// patterns; these are anchored too.
var (
	regionPattern      = lazyre.New(`^[a-z]{2}(-[a-z]+)+-\d{1,2}$`)
	instanceARNPattern = lazyre.New(`^arn:aws(-[a-z]{1,5}){0,3}:sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}$`)
	setDescPattern     = lazyre.New(`^[\x{09}\x{0A}\x{0D}\x{20}-\x{7E}\x{A1}-\x{FF}]*$`)
	relayStatePattern  = lazyre.New(`^[a-zA-Z0-9&$@#\\/%?=~\-_'"|!:,.;*+\[\] (){}]+$`)
	managedARNPattern  = lazyre.New(`^arn:aws(-[a-z]{1,5}){0,3}:iam::aws:policy((/[A-Za-z0-9.,+@=_-]+)*)/([A-Za-z0-9.,+=@_-]+)$`)
	policyNamePattern  = lazyre.New(`^[\w+=,.@-]{1,128}$`)
	policyPathPattern  = lazyre.New(`^((/[A-Za-z0-9.,+@=_-]+)*)/$`)
	tagPattern         = lazyre.New(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
)

// identityStoreMaxText is the longest name, email or description the
// identity store takes.
const identityStoreMaxText = 1024

// inInlinePolicy reports whether AWS takes r in an inline policy (Latin-1).
func inInlinePolicy(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xFF)
}

// awsLen is a length as AWS counts it: in UTF-16 code units.
func awsLen(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// hidden reports whether r would not show as itself in a terminal or a
// review: control and format characters (zero-width spaces, bidi overrides),
// spaces other than U+0020, line and paragraph separators, private-use and
// unassigned code points, variation selectors and the blank "letters" used
// to fake empty names. AWS takes some of these (tab, newline, carriage
// return, no-break space) in names; keyless does not, so that no name can
// look like another in plan's output.
func hidden(r rune) bool {
	switch {
	case r == ' ':
		return false
	case unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs, unicode.Z, unicode.Variation_Selector):
		return true
	case r == 0x034F || r == 0x115F || r == 0x1160 || r == 0x2800 || r == 0x3164 || r == 0xFFA0:
		return true
	}
	return !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S)
}

// hiddenIn finds the first hidden character in s, allowing newlines and
// tabs in free text (descriptions).
func hiddenIn(s string, freeText bool) (rune, bool) {
	for _, r := range s {
		if freeText && (r == '\n' || r == '\t') {
			continue
		}
		if hidden(r) {
			return r, true
		}
	}
	return 0, false
}

// describeRune names a character for a message.
func describeRune(r rune) string {
	switch {
	case unicode.Is(unicode.Cc, r):
		return fmt.Sprintf("a control character (U+%04X)", r)
	case unicode.Is(unicode.Zs, r):
		return fmt.Sprintf("a space other than a plain space (U+%04X)", r)
	case unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r):
		return fmt.Sprintf("an invisible formatting character (U+%04X)", r)
	}
	return fmt.Sprintf("a character that does not show (U+%04X)", r)
}

const hiddenHint = "delete it (retype the value if you cannot see it): such characters make a name look like another in plan's output"

// textProblem checks a value AWS stores as identity-store text: at most
// 1,024 characters, nothing hidden.
func textProblem(s string, freeText bool) (msg, hint string) {
	if r, ok := hiddenIn(s, freeText); ok {
		return fmt.Sprintf("%q contains %s", s, describeRune(r)), hiddenHint
	}
	if awsLen(s) > identityStoreMaxText {
		return fmt.Sprintf("is %d characters, more than AWS's %d", awsLen(s), identityStoreMaxText), "shorten it"
	}
	return "", ""
}

// Scripts whose letters are written together in one name (Japanese mixes
// Han and kana, Korean Han and Hangul), and with Latin, without being a
// look-alike; after dropping these, two scripts in one name is a warning.
var mixedOK = []string{"Han", "Hiragana", "Katakana", "Bopomofo", "Hangul"}

// scripts lists the scripts of the letters in s, in order of first use,
// with the first letter seen of each.
func scripts(s string) (names []string, first []rune) {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			continue
		}
		if r < 0x250 { // ASCII, Latin-1 and Latin Extended: most names, found fast
			if !slices.Contains(names, "Latin") {
				names = append(names, "Latin")
				first = append(first, r)
			}
			continue
		}
		for name, table := range unicode.Scripts {
			if name == "Common" || name == "Inherited" || !unicode.Is(table, r) {
				continue
			}
			if !slices.Contains(names, name) {
				names = append(names, name)
				first = append(first, r)
			}
			break
		}
	}
	return names, first
}

// mixedScripts says why s may be a look-alike: letters of two alphabets
// in one name, like a Cyrillic "о" in an otherwise Latin email.
func mixedScripts(s string) string {
	names, first := scripts(s)
	var kept []string
	var letters []string
	for i, n := range names {
		if !slices.Contains(mixedOK, n) {
			kept = append(kept, n)
			letters = append(letters, fmt.Sprintf("%q is %s (U+%04X)", string(first[i]), n, first[i]))
		}
	}
	if len(kept) < 2 {
		return ""
	}
	return fmt.Sprintf("%q mixes %s letters (%s): it may be a look-alike of another name", s, strings.Join(kept, " and "), strings.Join(letters, ", "))
}

// confusables maps Cyrillic and Greek letters to the Latin letters they
// look like: enough to see that "јоhn" (three Cyrillic letters) is "john".
// Built on first use, not at every keyless start.
var confusables = sync.OnceValue(func() *strings.Replacer {
	return strings.NewReplacer(
		"а", "a", "е", "e", "о", "o", "р", "p", "с", "c", "у", "y", "х", "x", "ѕ", "s", "і", "i", "ј", "j", "һ", "h",
		"ԁ", "d", "ԛ", "q", "ԝ", "w", "ү", "y", "ӏ", "l", "ɡ", "g",
		"А", "a", "В", "b", "Е", "e", "К", "k", "М", "m", "Н", "h", "О", "o", "Р", "p", "С", "c", "Т", "t", "Х", "x",
		"У", "y", "Ѕ", "s", "І", "i", "Ј", "j",
		"α", "a", "ο", "o", "ν", "v", "ρ", "p", "ι", "i", "κ", "k", "υ", "u",
		"Α", "a", "Β", "b", "Ε", "e", "Ζ", "z", "Η", "h", "Ι", "i", "Κ", "k", "Μ", "m", "Ν", "n", "Ο", "o", "Ρ", "p",
		"Τ", "t", "Υ", "y", "Χ", "x",
	)
})

// skeleton is what s looks like: folded, with look-alike letters made Latin.
// Two names with one skeleton and different spellings are look-alikes.
func skeleton(s string) string { return strings.ToLower(confusables().Replace(s)) }
