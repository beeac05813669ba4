package policy

import (
	"fmt"
	"strings"
)

// sedScriptProblem returns why a sed script may not run under an allow
// rule, or "" when it only edits text on its way through. The scanner
// knows the GNU and POSIX script syntax well enough to find every command
// and every flag of s; anything it does not understand is a problem, so an
// unusual script fails closed instead of slipping through. forbidden
// reports that the scanner read the script and found a command or flag
// that runs or writes (as opposed to a script it could not read).
func sedScriptProblem(script string) (problem string, forbidden bool) {
	s := sedScanner{src: []rune(script)}
	problem = s.run()
	return problem, s.forbidden
}

// sedScanner walks a sed script.
type sedScanner struct {
	src       []rune
	i         int
	forbidden bool // the problem found is a command or flag that runs or writes
}

func (s *sedScanner) eof() bool  { return s.i >= len(s.src) }
func (s *sedScanner) peek() rune { return s.src[s.i] }
func (s *sedScanner) next() rune { r := s.src[s.i]; s.i++; return r }

// skip moves past any of the runes in set.
func (s *sedScanner) skip(set string) {
	for !s.eof() && strings.ContainsRune(set, s.peek()) {
		s.i++
	}
}

// until moves past everything up to (not including) a rune in set.
func (s *sedScanner) until(set string) {
	for !s.eof() && !strings.ContainsRune(set, s.peek()) {
		s.i++
	}
}

func (s *sedScanner) digits() bool {
	start := s.i
	for !s.eof() && s.peek() >= '0' && s.peek() <= '9' {
		s.i++
	}
	return s.i > start
}

// run scans the whole script.
func (s *sedScanner) run() string {
	forbidden := sedScriptCommands()
	for {
		s.skip(" \t\n;")
		if s.eof() {
			return ""
		}
		if s.peek() == '#' {
			s.until("\n")
			continue
		}
		if problem := s.addresses(); problem != "" {
			return problem
		}
		s.skip(" \t")
		for !s.eof() && s.peek() == '!' {
			s.i++
			s.skip(" \t")
		}
		if s.eof() {
			return "an address without a command"
		}
		c := s.next()
		if why, ok := forbidden[c]; ok {
			s.forbidden = true
			return why
		}
		switch c {
		case '{', '}', '=', 'd', 'D', 'g', 'G', 'h', 'H', 'n', 'N', 'p', 'P', 'x', 'z', 'F':
		case 'l', 'L', 'q', 'Q':
			s.skip(" \t")
			s.digits()
		case ':', 'b', 't', 'T', 'v':
			s.skip(" \t")
			s.until(";\n")
		case 'a', 'i', 'c':
			s.text()
		case 'r', 'R':
			// Reading a file into the output is what cat does too.
			s.until("\n")
		case 's':
			if problem := s.substitute(forbidden); problem != "" {
				return problem
			}
		case 'y':
			if !s.delimited() {
				return "a y command the policy cannot read"
			}
		default:
			return fmt.Sprintf("the sed command %q, which the policy does not know", c)
		}
	}
}

// addresses moves past zero, one or two addresses.
func (s *sedScanner) addresses() string {
	if s.eof() {
		return ""
	}
	ok, problem := s.address(false)
	if problem != "" || !ok {
		return problem
	}
	s.skip(" \t")
	if !s.eof() && s.peek() == ',' {
		s.i++
		s.skip(" \t")
		ok, problem := s.address(true)
		if problem != "" {
			return problem
		}
		if !ok {
			return "an address range without its end"
		}
	}
	return ""
}

// address moves past one address: a line number (with ~step), $, /regex/
// or \cregexc with I or M flags, and for the end of a range also +N and
// ~N.
func (s *sedScanner) address(second bool) (bool, string) {
	if s.eof() {
		return false, ""
	}
	switch c := s.peek(); {
	case c >= '0' && c <= '9':
		s.digits()
		if !s.eof() && s.peek() == '~' {
			s.i++
			s.digits()
		}
	case c == '$':
		s.i++
	case second && (c == '+' || c == '~'):
		s.i++
		if !s.digits() {
			return false, "an address the policy cannot read"
		}
	case c == '/', c == '\\':
		s.i++
		delim := c
		if c == '\\' {
			if s.eof() || s.peek() == '\n' || s.peek() == '\\' {
				return false, "an address the policy cannot read"
			}
			delim = s.next()
		}
		if !s.part(delim) {
			return false, "an address regex the policy cannot read"
		}
		for !s.eof() && (s.peek() == 'I' || s.peek() == 'M') {
			s.i++
		}
	default:
		return false, ""
	}
	return true, ""
}

// part moves past one delimited part of a regex or replacement, up to and
// including the closing delimiter. A backslash escapes the next character
// whatever it is, as GNU sed reads it; a raw newline or the end of the
// script before the delimiter is a failure.
func (s *sedScanner) part(delim rune) bool {
	for !s.eof() {
		c := s.next()
		switch {
		case c == '\\':
			if s.eof() {
				return false
			}
			s.i++
		case c == delim:
			return true
		case c == '\n':
			return false
		}
	}
	return false
}

// delimited moves past the delimiter and the two parts of an s or y
// command: regex and replacement, or source and destination characters.
func (s *sedScanner) delimited() bool {
	if s.eof() {
		return false
	}
	d := s.next()
	if d == '\n' || d == '\\' {
		return false
	}
	if !s.part(d) {
		return false
	}
	return s.part(d)
}

// substitute moves past an s command and checks its flags.
func (s *sedScanner) substitute(forbidden map[rune]string) string {
	if !s.delimited() {
		return "an s command the policy cannot read"
	}
	for !s.eof() {
		c := s.peek()
		if why, ok := forbidden[c]; ok {
			s.forbidden = true
			return why
		}
		switch {
		case c == 'g', c == 'p', c == 'i', c == 'I', c == 'm', c == 'M', c >= '0' && c <= '9':
			s.i++
		case strings.ContainsRune(" \t\n;}#", c):
			return ""
		default:
			return fmt.Sprintf("the s flag %q, which the policy does not know", c)
		}
	}
	return ""
}

// text moves past the text of a, i or c: the rest of the line, and the
// following lines while a line ends in a backslash.
func (s *sedScanner) text() {
	for !s.eof() {
		c := s.next()
		switch c {
		case '\\':
			if !s.eof() {
				s.i++
			}
		case '\n':
			return
		}
	}
}
