package policy

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// patWord is one word of a bash rule pattern. Unquoted '*' and '?' are
// wildcards: '*' matches any run of characters, '/' included, and '?' one
// character. Quoted or backslash-escaped, they are themselves.
type patWord struct {
	runes []rune
	wild  []bool // wild[i] reports whether runes[i] is a wildcard
	// rest marks a word that is exactly an unquoted "*". As the last word
	// of a pattern it matches zero or more words, so "go test *" matches
	// "go test" and "go test ./x -run Y".
	rest bool
}

// literal reports whether w has no wildcard, so it matches exactly one
// string.
func (w patWord) literal() bool {
	for _, b := range w.wild {
		if b {
			return false
		}
	}
	return true
}

// String returns the word's characters, wildcards unmarked.
func (w patWord) String() string { return string(w.runes) }

// match reports whether s matches w as a whole. It is the classic
// wildcard matcher with one backtrack point, linear in practice and
// O(len(w)·len(s)) at worst.
func (w patWord) match(s string) bool {
	rs := []rune(s)
	pi, si := 0, 0
	starP, starS := -1, -1
	for si < len(rs) {
		switch {
		case pi < len(w.runes) && w.wild[pi] && w.runes[pi] == '*':
			starP, starS = pi, si
			pi++
		case pi < len(w.runes) && (w.wild[pi] && w.runes[pi] == '?' || !w.wild[pi] && w.runes[pi] == rs[si]):
			pi++
			si++
		case starP >= 0:
			starS++
			pi, si = starP+1, starS
		default:
			return false
		}
	}
	for pi < len(w.runes) && w.wild[pi] && w.runes[pi] == '*' {
		pi++
	}
	return pi == len(w.runes)
}

// parseBashPattern splits a bash rule pattern into words the way the shell
// splits a command line into words: blanks separate words, single quotes
// keep everything literal, double quotes keep everything but backslash
// escapes of \ " $ and `, and a backslash outside quotes escapes the next
// character. Whatever the shell would expand or treat as an operator is an
// problem, because rules match the literal words of one simple command.
// problem is "" when the pattern is valid.
func parseBashPattern(pattern string) (words []patWord, problem string) {
	fail := func(format string, args ...any) ([]patWord, string) {
		return nil, fmt.Sprintf(format, args...)
	}
	var (
		cur    patWord
		inWord bool
	)
	add := func(r rune, wild bool) {
		cur.runes = append(cur.runes, r)
		cur.wild = append(cur.wild, wild)
		inWord = true
	}
	end := func() {
		if inWord {
			cur.rest = len(cur.runes) == 1 && cur.wild[0] && cur.runes[0] == '*'
			words = append(words, cur)
		}
		cur, inWord = patWord{}, false
	}
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch r {
		case ' ':
			end()
		case '\'':
			closing := indexRune(rs, i+1, '\'')
			if closing < 0 {
				return fail("unclosed single quote")
			}
			for _, q := range rs[i+1 : closing] {
				add(q, false)
			}
			inWord = true // '' is an empty word
			i = closing
		case '"':
			j := i + 1
			for ; j < len(rs) && rs[j] != '"'; j++ {
				switch rs[j] {
				case '\\':
					if j+1 < len(rs) && strings.ContainsRune("\\\"$`", rs[j+1]) {
						j++
					}
				case '$', '`':
					return fail("%q inside double quotes would be expanded by the shell; rules match literal words (quote it with single quotes to mean the character itself)", string(rs[j]))
				}
				add(rs[j], false)
			}
			if j >= len(rs) {
				return fail("unclosed double quote")
			}
			inWord = true
			i = j
		case '\\':
			if i+1 >= len(rs) {
				return fail("a trailing backslash escapes nothing")
			}
			i++
			add(rs[i], false)
		case '*', '?':
			add(r, true)
		case '$', '`':
			return fail("unquoted %q would be expanded by the shell; rules match literal words (quote it with single quotes to mean the character itself)", string(r))
		case '|', '&', ';', '<', '>', '(', ')':
			return fail("unquoted %q is shell syntax; a rule matches one simple command, and a line like \"a && b\" or \"a | b\" is allowed only when every command in it is, so write one rule per command", string(r))
		case '#':
			if !inWord {
				return fail("an unquoted \"#\" starting a word begins a comment in the shell; quote it")
			}
			add(r, false)
		default:
			add(r, false)
		}
	}
	end()
	if len(words) == 0 {
		return fail("the pattern has no words")
	}
	name := words[0]
	switch {
	case len(name.runes) == 0:
		return fail("the command name is empty")
	case !name.literal():
		return fail("the command name %q must be written out, without unquoted * or ?: a rule names one program", name.String())
	case isAssignment(name.String()):
		return fail("%q is a variable assignment, not a command; commands with assignments are never allowed by rules", name.String())
	}
	return words, ""
}

// indexRune returns the index of the first r in rs at or after from, or -1.
func indexRune(rs []rune, from int, r rune) int {
	for i := from; i < len(rs); i++ {
		if rs[i] == r {
			return i
		}
	}
	return -1
}

// isAssignment reports whether a word would be a variable assignment in
// command position: NAME=... or NAME+=... with a valid shell name.
func isAssignment(w string) bool {
	name, _, ok := strings.Cut(w, "=")
	if !ok {
		return false
	}
	name = strings.TrimSuffix(name, "+")
	if name == "" {
		return false
	}
	for i, r := range name {
		if r >= utf8.RuneSelf || !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
