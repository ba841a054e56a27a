package shell

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/term"
)

// ErrCancelled is returned by Pick when the person presses Esc or Ctrl-C.
var ErrCancelled = errors.New("cancelled")

// maxRows is how many items the picker shows at once.
const maxRows = 10

const promptText = "profile> "

// Pick lets the person choose one of items on the terminal in: it draws a
// prompt and the matching items on out (stderr), filters as they type
// (every word, case-insensitive), moves with the arrows or Ctrl-P/Ctrl-N,
// picks with Enter and cancels with Esc or Ctrl-C (ErrCancelled). The
// terminal is restored and the drawing erased on every return.
func Pick(in *os.File, out io.Writer, items []string) (string, error) {
	if len(items) == 0 {
		return "", errors.New("pick a profile: there are no profiles to choose from: add one to ~/.aws/config")
	}
	fd := int(in.Fd())
	if !term.IsTerminal(fd) {
		return "", errors.New("pick a profile: stdin is not a terminal: name the profile instead")
	}
	old, err := term.MakeRaw(fd)
	if err != nil {
		return "", fmt.Errorf("pick a profile: put the terminal in raw mode: %w", err)
	}
	defer term.Restore(fd, old)
	defer fmt.Fprint(out, clearFrame) // runs before Restore

	width, height := 80, 24
	if f, ok := out.(*os.File); ok {
		if w, h, err := term.GetSize(int(f.Fd())); err == nil {
			width, height = w, h
		}
	}
	rows := min(maxRows, height-1)
	color := os.Getenv("NO_COLOR") == ""

	p := picker{items: items}
	buf := make([]byte, 256)
	for {
		if _, err := io.WriteString(out, p.render(rows, width, color)); err != nil {
			return "", fmt.Errorf("pick a profile: %w", err)
		}
		n, err := in.Read(buf)
		if err != nil {
			return "", fmt.Errorf("pick a profile: read the terminal: %w", err)
		}
		for _, k := range decodeKeys(buf[:n]) {
			var res outcome
			p, res = p.press(k)
			switch res {
			case picked:
				return p.selected(), nil
			case cancelled:
				return "", ErrCancelled
			}
		}
	}
}

// clearFrame returns to the prompt's line start and erases to the end of
// the screen: everything the picker drew.
const clearFrame = "\r\x1b[J"

type keyKind int

const (
	keyRune keyKind = iota
	keyEnter
	keyBackspace
	keyClear
	keyUp
	keyDown
	keyCancel
)

type keyPress struct {
	kind keyKind
	r    rune
}

// decodeKeys turns what one read of a raw terminal returned into key
// presses. Escape sequences arrive whole from a terminal, so an ESC that
// does not start a CSI or SS3 sequence is the Esc key. Keys the picker
// does not use are dropped.
func decodeKeys(b []byte) []keyPress {
	var keys []keyPress
	for len(b) > 0 {
		c := b[0]
		switch {
		case c == 0x1b:
			if len(b) >= 2 && (b[1] == '[' || b[1] == 'O') {
				// Parameters, then a final byte in 0x40-0x7e.
				i := 2
				for i < len(b) && (b[i] < 0x40 || b[i] > 0x7e) {
					i++
				}
				if i < len(b) {
					switch b[i] {
					case 'A':
						keys = append(keys, keyPress{kind: keyUp})
					case 'B':
						keys = append(keys, keyPress{kind: keyDown})
					}
					i++
				}
				b = b[i:]
				continue
			}
			keys = append(keys, keyPress{kind: keyCancel})
		case c == 0x03:
			keys = append(keys, keyPress{kind: keyCancel})
		case c == '\r' || c == '\n':
			keys = append(keys, keyPress{kind: keyEnter})
		case c == 0x7f || c == 0x08:
			keys = append(keys, keyPress{kind: keyBackspace})
		case c == 0x15: // Ctrl-U
			keys = append(keys, keyPress{kind: keyClear})
		case c == 0x10: // Ctrl-P
			keys = append(keys, keyPress{kind: keyUp})
		case c == 0x0e: // Ctrl-N
			keys = append(keys, keyPress{kind: keyDown})
		case c < 0x20:
		default:
			r, size := utf8.DecodeRune(b)
			if r != utf8.RuneError {
				keys = append(keys, keyPress{kind: keyRune, r: r})
			}
			b = b[size:]
			continue
		}
		b = b[1:]
	}
	return keys
}

type outcome int

const (
	goOn outcome = iota
	picked
	cancelled
)

// picker is the picker's state: pure, so tests drive it with key presses.
type picker struct {
	items  []string
	query  string
	cursor int // index into matches()
}

func (p picker) matches() []string { return filterItems(p.items, p.query) }

func (p picker) selected() string {
	m := p.matches()
	if p.cursor < len(m) {
		return m[p.cursor]
	}
	return ""
}

// press applies one key.
func (p picker) press(k keyPress) (picker, outcome) {
	switch k.kind {
	case keyRune:
		p.query += string(k.r)
		p.cursor = 0
	case keyBackspace:
		if p.query != "" {
			_, size := utf8.DecodeLastRuneInString(p.query)
			p.query = p.query[:len(p.query)-size]
			p.cursor = 0
		}
	case keyClear:
		p.query, p.cursor = "", 0
	case keyUp:
		if p.cursor > 0 {
			p.cursor--
		}
	case keyDown:
		if p.cursor < len(p.matches())-1 {
			p.cursor++
		}
	case keyEnter:
		if len(p.matches()) > 0 {
			return p, picked
		}
	case keyCancel:
		return p, cancelled
	}
	return p, goOn
}

// filterItems keeps the items that contain every word of query, ignoring
// case, in their order.
func filterItems(items []string, query string) []string {
	words := strings.Fields(strings.ToLower(query))
	var out []string
	for _, it := range items {
		l := strings.ToLower(it)
		ok := true
		for _, w := range words {
			if !strings.Contains(l, w) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, it)
		}
	}
	return out
}

// render draws the prompt and up to rows matching items, each cut to
// width, and leaves the cursor after the query. It starts by erasing the
// previous frame, which always ends with the cursor on the prompt line.
func (p picker) render(rows, width int, color bool) string {
	var b strings.Builder
	b.WriteString(clearFrame)
	b.WriteString(cut(promptText+p.query, width-1))
	m := p.matches()
	rows = max(rows, 1)
	first := max(0, p.cursor-rows+1)
	lines := 0
	for i := first; i < len(m) && i < first+rows; i++ {
		b.WriteString("\r\n")
		line := cut("  "+m[i], width-1)
		if i == p.cursor {
			line = cut("> "+m[i], width-1)
			if color {
				line = "\x1b[7m" + line + "\x1b[0m"
			}
		}
		b.WriteString(line)
		lines++
	}
	if len(m) == 0 {
		b.WriteString("\r\n" + cut("  (no profile matches)", width-1))
		lines++
	}
	fmt.Fprintf(&b, "\x1b[%dA\r", lines)
	if col := utf8.RuneCountInString(cut(promptText+p.query, width-1)); col > 0 {
		fmt.Fprintf(&b, "\x1b[%dC", col)
	}
	return b.String()
}

// cut shortens s to at most n runes.
func cut(s string, n int) string {
	if n < 1 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}
