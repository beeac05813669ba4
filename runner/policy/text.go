package policy

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// unprintable reports whether r has no business in a command line or a
// rule: control characters (tab and newline aside, which callers allow
// where the shell gives them meaning), invisible format characters (zero
// width spaces and joiners, bidirectional overrides and isolates, the
// byte-order mark, the soft hyphen), line and paragraph separators, and
// non-ASCII spaces. Each can make text read differently from what runs.
func unprintable(r rune) bool {
	switch {
	case r == utf8.RuneError:
		return true
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case unicode.Is(unicode.Cf, r), unicode.Is(unicode.Zl, r), unicode.Is(unicode.Zp, r):
		return true
	case r >= utf8.RuneSelf && unicode.Is(unicode.Zs, r):
		return true
	case unicode.Is(unicode.Co, r), unicode.Is(unicode.Cs, r):
		return true
	}
	return false
}

// firstUnprintable returns the first unprintable rune of s (tab and
// newline included), for rules, which are one line. An invalid UTF-8 byte
// is returned as utf8.RuneError.
func firstUnprintable(s string) (rune, bool) {
	for _, r := range s {
		if unprintable(r) {
			return r, true
		}
	}
	return 0, false
}

// describeRune names a rune for messages: "U+200B", or "an invalid UTF-8
// byte" for utf8.RuneError, which is what decoding yields for one.
func describeRune(r rune) string {
	if r == utf8.RuneError {
		return "an invalid UTF-8 byte"
	}
	return fmt.Sprintf("%U", r)
}

// lineCharProblem returns the byte offset and rune of the first character
// of a command line that must never appear in a plain command: anything
// unprintable except tab and newline, which are blanks to the shell.
// Non-ASCII printable characters pass here; the analyser allows them only
// inside quoted arguments.
func lineCharProblem(s string) (offset int, r rune, found bool) {
	for i, r := range s {
		if r == '\t' || r == '\n' {
			continue
		}
		if unprintable(r) {
			return i, r, true
		}
	}
	return 0, 0, false
}

// maxShown is how many bytes of a command a reason repeats.
const maxShown = 120

// show renders text from a command line for a reason: as it is when it is
// printable ASCII, else quoted with escapes, so an invisible or look-alike
// character shows what it is; cut when long.
func show(s string) string {
	cut := ""
	if len(s) > maxShown {
		s = strings.ToValidUTF8(s[:maxShown], "")
		cut = "…"
	}
	for _, r := range s {
		if r >= utf8.RuneSelf || r < 0x20 || r == 0x7f {
			return strconv.QuoteToASCII(s) + cut
		}
	}
	return s + cut
}
