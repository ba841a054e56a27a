package scan

import (
	"bytes"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Rule names what a finding is.
type Rule string

const (
	// RuleAccessKeyID is an access key id found alone.
	RuleAccessKeyID Rule = "access-key-id"
	// RuleSecretAccessKey is a secret access key found next to a keyword
	// but with no access key id near it.
	RuleSecretAccessKey Rule = "secret-access-key"
	// RulePair is an access key id with its secret close by: a usable credential.
	RulePair Rule = "pair"
)

// Match is one finding in a buffer, by byte offsets. The id range is
// [IDStart, IDEnd) and the secret range [SecretStart, SecretEnd); a range
// the rule does not have is -1, -1.
type Match struct {
	Rule                   Rule
	IDStart, IDEnd         int
	SecretStart, SecretEnd int
	// Entropy is the secret's Shannon entropy in bits per character, 0 without a secret.
	Entropy float64
}

// Pos is where the match is reported: the key id when it has one, else the secret.
func (m Match) Pos() (start, end int) {
	if m.IDStart >= 0 {
		return m.IDStart, m.IDEnd
	}
	return m.SecretStart, m.SecretEnd
}

const (
	idLen     = 20
	secretLen = 40
	// idWindow is how far before or after a key id its secret may be:
	// room for a JSON object's other fields or an INI section's next line.
	idWindow = 256
	// keywordWindow is how far after "secret" its value may start.
	keywordWindow = 128
	// MinSecretEntropy rejects 40-character runs that are not random enough
	// to be a secret. A secret's 40 characters are drawn from 64 and measure
	// 4.1 to 5.3 bits (a million random ones: minimum 4.096, median 4.78);
	// 40 hex characters stay below 4 (SHA-1s, digests).
	MinSecretEntropy = 4.0
	// MinIDEntropy rejects placeholder ids such as AKIAXXXXXXXXXXXXXXXX: the
	// 16 characters after the prefix of a random id measure 2.3 to 4 bits
	// (a million random ones: minimum 2.31, median 3.6).
	MinIDEntropy = 2.0
)

var (
	idPrefixes = [][]byte{[]byte("AKIA"), []byte("ASIA"), []byte("ABIA"), []byte("ACCA")}
	// keywords find "secret", "Secret" and "SECRET" in two passes.
	keywords = [][]byte{[]byte("ecret"), []byte("ECRET")}
	example  = []byte("EXAMPLE")
)

// Find returns the AWS keys in data, ordered by position. It looks for the
// four id prefixes and the keyword with bytes.Index (vectorised) and only
// then validates what it found, so text without keys costs six fast passes.
func Find(data []byte) []Match {
	ids := findIDs(data)
	kws := findKeywords(data)
	if len(ids) == 0 && len(kws) == 0 {
		return nil
	}
	cands := findSecrets(data, ids, kws)
	var out []Match
	paired := make([]bool, len(cands))
	for _, s := range ids {
		m := Match{Rule: RuleAccessKeyID, IDStart: s, IDEnd: s + idLen, SecretStart: -1, SecretEnd: -1}
		if c := nearestSecret(cands, paired, s); c >= 0 {
			paired[c] = true
			m.Rule = RulePair
			m.SecretStart, m.SecretEnd, m.Entropy = cands[c].start, cands[c].start+secretLen, cands[c].entropy
		}
		out = append(out, m)
	}
	for i, c := range cands {
		if !paired[i] && c.nearKeyword {
			out = append(out, Match{Rule: RuleSecretAccessKey, IDStart: -1, IDEnd: -1, SecretStart: c.start, SecretEnd: c.start + secretLen, Entropy: c.entropy})
		}
	}
	slices.SortFunc(out, func(a, b Match) int {
		as, _ := a.Pos()
		bs, _ := b.Pos()
		return as - bs
	})
	return out
}

func findIDs(data []byte) []int {
	var out []int
	for _, p := range idPrefixes {
		for i := 0; i < len(data); {
			j := bytes.Index(data[i:], p)
			if j < 0 {
				break
			}
			s := i + j
			i = s + 1
			if validID(data, s) {
				out = append(out, s)
			}
		}
	}
	slices.Sort(out)
	return out
}

// validID reports whether an id prefix at s starts a real-looking key id.
func validID(data []byte, s int) bool {
	e := s + idLen
	if e > len(data) || s > 0 && isAlnum(data[s-1]) || e < len(data) && isAlnum(data[e]) {
		return false
	}
	for _, c := range data[s+4 : e] {
		if !(c >= 'A' && c <= 'Z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return !bytes.HasSuffix(data[s:e], example) && Entropy(data[s+4:e]) >= MinIDEntropy
}

// findKeywords returns where each keyword ends.
func findKeywords(data []byte) []int {
	var out []int
	for _, k := range keywords {
		for i := 0; i < len(data); {
			j := bytes.Index(data[i:], k)
			if j < 0 {
				break
			}
			i += j + len(k)
			out = append(out, i)
		}
	}
	slices.Sort(out)
	return out
}

type candidate struct {
	start       int
	entropy     float64
	nearKeyword bool
}

type window struct{ lo, hi int }

// findSecrets returns the secret-shaped runs that start in a window around
// an id or after a keyword, ordered by position.
func findSecrets(data []byte, ids, kws []int) []candidate {
	var ws []window
	for _, s := range ids {
		ws = append(ws, window{max(0, s-idWindow-secretLen), min(len(data), s+idLen+idWindow+1)})
	}
	nKW := len(ws)
	for _, e := range kws {
		ws = append(ws, window{e, min(len(data), e+keywordWindow)})
	}
	// Keyword windows are marked after the merge, so remember them apart.
	kwWins := ws[nKW:]
	merged := mergeWindows(slices.Clone(ws))
	var out []candidate
	for _, w := range merged {
		for i := w.lo; i < w.hi; i++ {
			if !isSecretChar(data[i]) || i > 0 && isSecretChar(data[i-1]) {
				continue
			}
			e := i
			for e < len(data) && e-i <= secretLen && isSecretChar(data[e]) {
				e++
			}
			if e-i != secretLen || e < len(data) && data[e] == '=' {
				i = e
				continue
			}
			run := data[i:e]
			if ent := Entropy(run); ent >= MinSecretEntropy && hasUpperAndLower(run) && !bytes.Contains(run, example) {
				out = append(out, candidate{start: i, entropy: ent, nearKeyword: inAny(kwWins, i)})
			}
			i = e
		}
	}
	return out
}

func mergeWindows(ws []window) []window {
	slices.SortFunc(ws, func(a, b window) int { return a.lo - b.lo })
	var out []window
	for _, w := range ws {
		if n := len(out); n > 0 && w.lo <= out[n-1].hi {
			out[n-1].hi = max(out[n-1].hi, w.hi)
			continue
		}
		out = append(out, w)
	}
	return out
}

func inAny(ws []window, i int) bool {
	for _, w := range ws {
		if i >= w.lo && i < w.hi {
			return true
		}
	}
	return false
}

// nearestSecret picks the unpaired candidate closest to the id at s, or -1.
// A secret before the id counts double its distance: credentials files and
// API answers put the id first.
func nearestSecret(cands []candidate, paired []bool, s int) int {
	best, bestDist := -1, math.MaxInt
	for i, c := range cands {
		if paired[i] {
			continue
		}
		var d int
		switch {
		case c.start >= s+idLen && c.start-(s+idLen) <= idWindow:
			d = c.start - (s + idLen)
		case c.start+secretLen <= s && s-(c.start+secretLen) <= idWindow:
			d = 2 * (s - (c.start + secretLen))
		default:
			continue
		}
		if d < bestDist {
			best, bestDist = i, d
		}
	}
	return best
}

// Entropy is the Shannon entropy of b in bits per byte.
func Entropy(b []byte) float64 {
	if len(b) == 0 {
		return 0
	}
	var counts [256]int
	for _, c := range b {
		counts[c]++
	}
	n := float64(len(b))
	var h float64
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

func isAlnum(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

func isSecretChar(c byte) bool { return isAlnum(c) || c == '/' || c == '+' }

func hasUpperAndLower(b []byte) bool {
	var up, low bool
	for _, c := range b {
		up = up || c >= 'A' && c <= 'Z'
		low = low || c >= 'a' && c <= 'z'
	}
	return up && low
}

// keyMatch is a match with the key id and secret it found: the text at
// its offsets, or, where that text is escaped, what it stands for.
type keyMatch struct {
	Match
	id, secret []byte
}

// findKeys returns Find's matches and those written with escapes.
func findKeys(data []byte) []keyMatch {
	var out []keyMatch
	for _, m := range Find(data) {
		km := keyMatch{Match: m}
		if m.IDStart >= 0 {
			km.id = data[m.IDStart:m.IDEnd]
		}
		if m.SecretStart >= 0 {
			km.secret = data[m.SecretStart:m.SecretEnd]
		}
		out = append(out, km)
	}
	esc := findEscaped(data)
	if len(esc) == 0 {
		return out
	}
	// An escaped match replaces a plain one it shares an id or secret with.
	kept := out[:0]
	for _, m := range out {
		if !slices.ContainsFunc(esc, func(e keyMatch) bool {
			return m.IDStart >= 0 && m.IDStart == e.IDStart || m.SecretStart >= 0 && m.SecretStart == e.SecretStart
		}) {
			kept = append(kept, m)
		}
	}
	out = append(kept, esc...)
	slices.SortFunc(out, func(a, b keyMatch) int {
		as, _ := a.Pos()
		bs, _ := b.Pos()
		return as - bs
	})
	return out
}

var (
	unicodeEscape = []byte(`\u`)
	slashEscape   = []byte(`\/`)
)

// escapeReach is how far around an escape its key may reach.
const escapeReach = idWindow + secretLen + idLen + keywordWindow

// findEscaped finds keys written with JSON and JavaScript escapes
// (\u0041KIA…, a secret with \/ for /): it decodes the text around an
// escape that can be part of a key and keeps the matches that had one.
// An escape can be part of a key if it stands for a character of one and
// sits in a run of such characters and escapes long enough for an id (or
// for a secret, for a / or +); others (\u00e9, "a \/ b") cost nothing more.
func findEscaped(data []byte) []keyMatch {
	var ws []window
	for _, e := range [][]byte{unicodeEscape, slashEscape} {
		for i := 0; i < len(data); {
			j := bytes.Index(data[i:], e)
			if j < 0 {
				break
			}
			s := i + j
			i = s + len(e)
			c := byte('/')
			if e[1] == 'u' {
				v, err := strconv.ParseUint(string(data[s+2:min(len(data), s+6)]), 16, 16)
				if err != nil || v > 0x7f {
					continue
				}
				c = byte(v)
			}
			if run := runAround(data, s); isAlnum(c) && run > idLen || isSecretChar(c) && run > secretLen {
				ws = append(ws, window{max(0, s-escapeReach), min(len(data), s+escapeReach)})
			}
		}
	}
	if len(ws) == 0 {
		return nil
	}
	var out []keyMatch
	for _, w := range mergeWindows(ws) {
		dec, m := unescape(data[w.lo:w.hi])
		escaped := func(s, e int) bool { return s >= 0 && m.at(e)-m.at(s) != e-s }
		for _, k := range Find(dec) {
			if !escaped(k.IDStart, k.IDEnd) && !escaped(k.SecretStart, k.SecretEnd) {
				continue
			}
			km := keyMatch{Match: k}
			if k.IDStart >= 0 {
				km.id = dec[k.IDStart:k.IDEnd]
				km.IDStart, km.IDEnd = w.lo+m.at(k.IDStart), w.lo+m.at(k.IDEnd)
			}
			if k.SecretStart >= 0 {
				km.secret = dec[k.SecretStart:k.SecretEnd]
				km.SecretStart, km.SecretEnd = w.lo+m.at(k.SecretStart), w.lo+m.at(k.SecretEnd)
			}
			out = append(out, km)
		}
	}
	return out
}

// runAround is the length of the run of key characters and escapes
// around data[s]: at least what the run decodes to.
func runAround(data []byte, s int) int {
	lo, hi := s, s
	for lo > 0 && (isSecretChar(data[lo-1]) || data[lo-1] == '\\') {
		lo--
	}
	for hi < len(data) && (isSecretChar(data[hi]) || data[hi] == '\\') {
		hi++
	}
	return hi - lo
}

// offsetMap maps offsets in decoded text to the text it was decoded from:
// at decoded offset dec[i] the original is at orig[i], and from there the
// two advance together up to the next escape.
type offsetMap struct{ dec, orig []int }

func (m offsetMap) at(d int) int {
	i, found := slices.BinarySearch(m.dec, d)
	if !found {
		i--
	}
	return m.orig[i] + d - m.dec[i]
}

// unescape decodes \uXXXX and \/ in b.
func unescape(b []byte) ([]byte, offsetMap) {
	dec := make([]byte, 0, len(b))
	m := offsetMap{dec: []int{0}, orig: []int{0}}
	for i := 0; i < len(b); {
		j := bytes.IndexByte(b[i:], '\\')
		if j < 0 {
			dec = append(dec, b[i:]...)
			break
		}
		dec = append(dec, b[i:i+j]...)
		i += j
		n := 1 // a lone backslash stays
		switch {
		case i+5 < len(b) && b[i+1] == 'u':
			if v, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 16); err == nil {
				dec, n = utf8.AppendRune(dec, rune(v)), 6
			}
		case i+1 < len(b) && b[i+1] == '/':
			dec, n = append(dec, '/'), 2
		}
		if n == 1 {
			dec = append(dec, '\\')
		}
		i += n
		if n > 1 {
			m.dec, m.orig = append(m.dec, len(dec)), append(m.orig, i)
		}
	}
	return dec, m
}
