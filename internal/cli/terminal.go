package cli

import (
	"fmt"
	"io"
	"reflect"
	"strings"
	"unicode/utf8"
)

// printable returns s with every character that could steer a terminal or break a line
// written out as an escape: \n, \r and \t by name, other C0 controls, DEL and bytes that
// are not UTF-8 as \xNN, and C1 controls, bidi overrides and the Unicode line and
// paragraph separators as \uNNNN. Names, labels and texts reach the CLI from whoever
// posts to the ingest routes; printed raw, an alert name with ESC [2J clears the
// reader's screen, one with OSC 0 retitles the terminal, and one with a newline or tab
// forges a table row or column. Escaping, rather than dropping, shows the reader that
// the characters are there. Other text, accents, CJK and emoji included, stays as is.
//
// Limits: a backslash is not escaped, so a literal `\n` in a name reads like an escaped
// newline; it can mislead the reader but cannot steer the terminal.
func printable(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case hidden(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// needsEscape reports whether printable has anything to change in s, so that the
// common, clean string is returned without a copy.
func needsEscape(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError || hidden(r) {
			return true
		}
	}
	return false
}

// hidden reports whether r is a non-ASCII character that printable escapes: a C1 control
// (U+009B is CSI to a terminal), a bidi embedding, override or isolate, which can make
// text read in another order than it is stored, or a line or paragraph separator.
func hidden(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x2028 || r == 0x2029:
		return true
	}
	return false
}

// tprintf is fmt.Fprintf for output read on a terminal: every argument of a string type
// (string, signal.Kind, ...) goes through printable first. The format is ours and may
// hold newlines and tabs; the arguments come from the server and must not, or they could
// forge rows and columns of a tabwriter table. The arguments are replaced in args itself,
// which is a new slice unless the caller passed one with "...". go vet checks calls to
// tprintf as it checks fmt.Fprintf, since it forwards format and args unchanged in shape.
func tprintf(w io.Writer, format string, args ...any) {
	for i, a := range args {
		if v := reflect.ValueOf(a); v.Kind() == reflect.String {
			args[i] = printable(v.String())
		}
	}
	fmt.Fprintf(w, format, args...)
}
