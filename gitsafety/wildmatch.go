package gitsafety

import "strings"

// wildmatch reports whether text matches the glob pattern the way git's
// ignore and attribute files mean it. With pathname set, '*', '?' and
// bracket expressions never match '/', and "**" between slashes (or at
// either end) matches any number of directories; without it '/' is an
// ordinary character. Bracket expressions accept both '!' and '^' for
// negation and the POSIX classes ([:alpha:] and the like); a backslash
// escapes the next character. Matching is byte-wise and case-sensitive.
//
// go-git's gitignore package matches with filepath.Match, which knows
// neither '!' negation in brackets nor POSIX classes, and treats "**"
// inside a component as an error; git's own rules are reproduced here.
func wildmatch(pattern, text string, pathname bool) bool {
	return matchFrom(pattern, text, pathname) == wmMatch
}

// wmResult distinguishes two kinds of failure, which lets a '*' stop
// retrying early: no later starting point can succeed after wmAbortAll,
// and only a "**" may retry after wmAbortToStarStar.
type wmResult int

const (
	wmMatch wmResult = iota
	wmNoMatch
	wmAbortAll
	wmAbortToStarStar
)

func matchFrom(p, t string, pathname bool) wmResult {
	pi, ti := 0, 0
	for ; pi < len(p); pi, ti = pi+1, ti+1 {
		pc := p[pi]
		if ti >= len(t) && pc != '*' {
			return wmAbortAll
		}
		switch pc {
		case '\\':
			// An escaped character matches itself; a trailing backslash
			// matches nothing.
			pi++
			if pi >= len(p) || t[ti] != p[pi] {
				return wmNoMatch
			}
		case '?':
			if pathname && t[ti] == '/' {
				return wmNoMatch
			}
		case '*':
			return matchStar(p, pi, t, ti, pathname)
		case '[':
			next, ok, res := matchBracket(p, pi, t[ti], pathname)
			if res != wmMatch {
				return res
			}
			if !ok {
				return wmNoMatch
			}
			pi = next
		default:
			if t[ti] != pc {
				return wmNoMatch
			}
		}
	}
	if ti < len(t) {
		return wmNoMatch
	}
	return wmMatch
}

// matchStar handles the '*' or '**' at p[pi], matched against t[ti:].
func matchStar(p string, pi int, t string, ti int, pathname bool) wmResult {
	start := pi
	pi++
	matchSlash := !pathname
	if pi < len(p) && p[pi] == '*' {
		for pi < len(p) && p[pi] == '*' {
			pi++
		}
		// "**" is special only as a whole path component.
		atStart := start == 0 || p[start-1] == '/'
		atEnd := pi == len(p) || p[pi] == '/' || (p[pi] == '\\' && pi+1 < len(p) && p[pi+1] == '/')
		switch {
		case !pathname:
			matchSlash = true
		case atStart && atEnd:
			// "**/" may match no directory at all: "a/**/b" matches "a/b".
			if pi < len(p) && p[pi] == '/' && matchFrom(p[pi+1:], t[ti:], pathname) == wmMatch {
				return wmMatch
			}
			matchSlash = true
		default:
			matchSlash = false
		}
	}
	if pi == len(p) {
		// A trailing '*' matches the rest of one component, "**" the rest
		// of the path.
		if !matchSlash && strings.IndexByte(t[ti:], '/') >= 0 {
			return wmNoMatch
		}
		return wmMatch
	}
	if !matchSlash && p[pi] == '/' {
		// "*/" consumes exactly one component.
		slash := strings.IndexByte(t[ti:], '/')
		if slash < 0 {
			return wmNoMatch
		}
		return matchFrom(p[pi:], t[ti+slash:], pathname)
	}
	for ; ti < len(t); ti++ {
		if !isGlobSpecial(p[pi]) {
			// Skip ahead to the next place the literal after the star
			// can match.
			for ti < len(t) && (matchSlash || t[ti] != '/') && t[ti] != p[pi] {
				ti++
			}
			if ti == len(t) || t[ti] != p[pi] {
				return wmNoMatch
			}
		}
		res := matchFrom(p[pi:], t[ti:], pathname)
		if res != wmNoMatch {
			if !matchSlash || res != wmAbortToStarStar {
				return res
			}
		} else if !matchSlash && t[ti] == '/' {
			return wmAbortToStarStar
		}
	}
	return wmAbortAll
}

// matchBracket matches the byte c against the bracket expression starting
// at p[pi] == '['. It returns the index of the closing ']' and whether c
// is in the set; a malformed expression aborts the whole match, as in git.
func matchBracket(p string, pi int, c byte, pathname bool) (end int, ok bool, res wmResult) {
	pi++
	if pi >= len(p) {
		return 0, false, wmAbortAll
	}
	negated := false
	if p[pi] == '!' || p[pi] == '^' {
		negated = true
		pi++
	}
	matched := false
	var prev byte
	first := true
	for ; first || pi < len(p) && p[pi] != ']'; pi++ {
		first = false
		if pi >= len(p) {
			return 0, false, wmAbortAll
		}
		pc := p[pi]
		switch {
		case pc == '\\':
			pi++
			if pi >= len(p) {
				return 0, false, wmAbortAll
			}
			pc = p[pi]
			if c == pc {
				matched = true
			}
		case pc == '-' && prev != 0 && pi+1 < len(p) && p[pi+1] != ']':
			pi++
			hi := p[pi]
			if hi == '\\' {
				pi++
				if pi >= len(p) {
					return 0, false, wmAbortAll
				}
				hi = p[pi]
			}
			if prev <= c && c <= hi {
				matched = true
			}
			// A range cannot be the start of another range.
			pc = 0
		case pc == '[' && pi+1 < len(p) && p[pi+1] == ':':
			closeAt := strings.Index(p[pi+2:], ":]")
			if closeAt < 0 || strings.IndexByte(p[pi+2:pi+2+closeAt], ']') >= 0 {
				// No ":]": the '[' is an ordinary member of the set.
				if c == '[' {
					matched = true
				}
				break
			}
			class := p[pi+2 : pi+2+closeAt]
			in, known := inClass(class, c)
			if !known {
				return 0, false, wmAbortAll
			}
			if in {
				matched = true
			}
			pi += 2 + closeAt + 1
			pc = 0
		default:
			if c == pc {
				matched = true
			}
		}
		prev = pc
	}
	if pi >= len(p) {
		return 0, false, wmAbortAll
	}
	if matched == negated || (pathname && c == '/') {
		return pi, false, wmMatch
	}
	return pi, true, wmMatch
}

// inClass tests c against a POSIX character class in the C locale.
func inClass(class string, c byte) (in, known bool) {
	isUpper := 'A' <= c && c <= 'Z'
	isLower := 'a' <= c && c <= 'z'
	isDigit := '0' <= c && c <= '9'
	isAlpha := isUpper || isLower
	isPrint := 0x20 <= c && c < 0x7f
	isSpace := c == ' ' || ('\t' <= c && c <= '\r')
	switch class {
	case "alnum":
		return isAlpha || isDigit, true
	case "alpha":
		return isAlpha, true
	case "blank":
		return c == ' ' || c == '\t', true
	case "cntrl":
		return c < 0x20 || c == 0x7f, true
	case "digit":
		return isDigit, true
	case "graph":
		return isPrint && c != ' ', true
	case "lower":
		return isLower, true
	case "print":
		return isPrint, true
	case "punct":
		return isPrint && c != ' ' && !isAlpha && !isDigit, true
	case "space":
		return isSpace, true
	case "upper":
		return isUpper, true
	case "xdigit":
		return isDigit || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F'), true
	}
	return false, false
}

func isGlobSpecial(c byte) bool {
	return c == '*' || c == '?' || c == '[' || c == '\\'
}

// hasWildcard reports whether a pattern needs wildmatch at all.
func hasWildcard(s string) bool {
	return strings.ContainsAny(s, `*?[\`)
}
