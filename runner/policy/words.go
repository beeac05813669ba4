package policy

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"mvdan.cc/sh/v3/syntax"
)

// word is one word of a simple command, as far as reading the line can
// tell what the shell will pass to the program.
type word struct {
	value string // after quote removal; meaningful only when exp is nil
	text  string // as written, for messages
	// quoted reports whether quotes or backslashes took part in writing
	// the word, which a command name must not have.
	quoted bool
	pos    syntax.Pos
	// exp is the first part of the word that is not plain literal text:
	// an expansion whose result is only known when the line runs, or a
	// spelling the policy refuses to vouch for. nil for a plain word.
	exp *finding
	// unknown reports that the value depends on an expansion and cannot
	// be known before the line runs; a word that is only spelled
	// suspiciously (non-ASCII outside quotes) still has a known value.
	unknown bool
}

// opaque reports whether the word's value cannot be known before the line
// runs.
func (w word) opaque() bool { return w.unknown }

// skeleton returns the word's value as it reads to a person: fullwidth
// forms folded to ASCII, invisible characters and backslashes dropped,
// other spaces made plain, so a deny rule on rm also matches a look-alike
// spelling of it. Backslashes go because shells and parsers disagree on
// some of them (a trailing one, say): reading past them errs on the side
// of a deny rule matching.
func (w word) skeleton() string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\\':
			return -1
		case r >= 0xff01 && r <= 0xff5e:
			return r - 0xfee0
		case r >= utf8.RuneSelf && unicode.IsSpace(r):
			return ' '
		case unprintable(r):
			return -1
		}
		return r
	}, w.value)
}

// finding is one construct of a command line that keeps it from being
// plain, with where it is.
type finding struct {
	what string     // "command substitution $(…)", "find -exec, which runs a command for each file found"
	pos  syntax.Pos // zero when the finding is about the whole line
}

// wordChar is one character of a word after quote removal, with whether
// it stood outside quotes, where the shell gives it meaning.
type wordChar struct {
	r        rune
	unquoted bool
}

// evalWord reads w the way the shell would pass it to a program, without
// running anything: quotes are removed and backslash escapes resolved;
// everything the shell would expand or interpret marks the word opaque.
func evalWord(w *syntax.Word, src string) word {
	out := word{text: wordText(w, src), pos: w.Pos()}
	flag := func(what string, pos syntax.Pos) {
		out.unknown = true
		if out.exp == nil {
			out.exp = &finding{what: what, pos: pos}
		}
	}
	suspicious := func(what string, pos syntax.Pos) {
		if out.exp == nil {
			out.exp = &finding{what: what, pos: pos}
		}
	}
	var b strings.Builder
	var chars []wordChar
	emit := func(r rune, unquoted bool) {
		b.WriteRune(r)
		chars = append(chars, wordChar{r, unquoted})
	}
	for _, part := range w.Parts {
		switch p := part.(type) {
		case *syntax.Lit:
			raw := p.Value
			for i := 0; i < len(raw); {
				r, size := utf8.DecodeRuneInString(raw[i:])
				if r == '\\' && i+size < len(raw) {
					out.quoted = true
					next, nsize := utf8.DecodeRuneInString(raw[i+size:])
					emit(next, false)
					i += size + nsize
					continue
				}
				switch {
				case r == '$':
					flag("a \"$\" outside quotes", p.Pos())
				case r == '*' || r == '?' || r == '[':
					flag(fmt.Sprintf("the glob character %q, which the shell replaces with matching file names,", r), p.Pos())
				case r == '~' && tildeExpands(chars):
					flag("tilde expansion \"~\"", p.Pos())
				case r >= utf8.RuneSelf:
					suspicious(fmt.Sprintf("the non-ASCII character %s outside quotes", describeRune(r)), p.Pos())
				}
				emit(r, true)
				i += size
			}
		case *syntax.SglQuoted:
			out.quoted = true
			if p.Dollar {
				flag("ANSI-C quoting $'…', which turns escapes into other characters,", p.Pos())
			}
			for _, r := range p.Value {
				emit(r, false)
			}
		case *syntax.DblQuoted:
			out.quoted = true
			if p.Dollar {
				flag("locale quoting $\"…\"", p.Pos())
			}
			for _, inner := range p.Parts {
				lit, ok := inner.(*syntax.Lit)
				if !ok {
					flag(describePart(inner), inner.Pos())
					continue
				}
				raw := lit.Value
				for i := 0; i < len(raw); {
					r, size := utf8.DecodeRuneInString(raw[i:])
					if r == '\\' && i+1 < len(raw) && strings.IndexByte("$`\"\\\n", raw[i+1]) >= 0 {
						if raw[i+1] != '\n' {
							emit(rune(raw[i+1]), false)
						}
						i += 2
						continue
					}
					if r == '$' || r == '`' {
						flag(fmt.Sprintf("a %q inside double quotes", r), lit.Pos())
					}
					emit(r, false)
					i += size
				}
			}
		default:
			flag(describePart(part), part.Pos())
		}
	}
	if braceExpands(chars) {
		flag("brace expansion {…}", w.Pos())
	}
	out.value = b.String()
	return out
}

// tildeExpands reports whether an unquoted '~' following chars would be
// expanded: at the start of a word, and (bash outside POSIX mode) after an
// unquoted '=' or ':' as in "--dir=~/x" or "a:~/b".
func tildeExpands(before []wordChar) bool {
	if len(before) == 0 {
		return true
	}
	last := before[len(before)-1]
	return last.unquoted && (last.r == '=' || last.r == ':')
}

// braceExpands reports whether the word could undergo brace expansion: an
// unquoted '{' followed by an unquoted '}' with a ',' or ".." between them.
// Quoted commas do not trigger bash, but refusing them too keeps the test
// simple and errs on the safe side.
func braceExpands(chars []wordChar) bool {
	for i, c := range chars {
		if c.r != '{' || !c.unquoted {
			continue
		}
		sep := false
		for j := i + 1; j < len(chars); j++ {
			switch {
			case chars[j].r == ',', chars[j].r == '.' && j+1 < len(chars) && chars[j+1].r == '.':
				sep = true
			case chars[j].r == '}' && chars[j].unquoted && sep:
				return true
			}
		}
	}
	return false
}

// describePart names a word part that is not literal text, the way the
// model would write it.
func describePart(p syntax.WordPart) string {
	switch p := p.(type) {
	case *syntax.ParamExp:
		if p.Short && p.Param != nil {
			return "parameter expansion $" + p.Param.Value
		}
		return "parameter expansion ${…}"
	case *syntax.CmdSubst:
		if p.Backquotes {
			return "command substitution `…`"
		}
		return "command substitution $(…)"
	case *syntax.ArithmExp:
		return "arithmetic expansion $((…))"
	case *syntax.ProcSubst:
		if p.Op == syntax.CmdIn {
			return "process substitution <(…)"
		}
		return "process substitution >(…)"
	case *syntax.ExtGlob:
		return "extended glob " + p.Op.String() + "…)"
	case *syntax.BraceExp:
		return "brace expansion {…}"
	}
	return fmt.Sprintf("shell construct %T", p)
}

// wordText returns the word as written in src, for messages.
func wordText(w *syntax.Word, src string) string {
	start, end := int(w.Pos().Offset()), int(w.End().Offset())
	if start < 0 || end > len(src) || start > end {
		return ""
	}
	return src[start:end]
}

// evalWords reads every word of a simple command.
func evalWords(args []*syntax.Word, src string) []word {
	out := make([]word, len(args))
	for i, a := range args {
		out[i] = evalWord(a, src)
	}
	return out
}

// where renders a position for reasons: "at column 6", or "at line 2,
// column 3" when the line has several lines. Columns count bytes.
func where(pos syntax.Pos, multiline bool) string {
	if !pos.IsValid() {
		return ""
	}
	if multiline {
		return fmt.Sprintf(" at line %d, column %d", pos.Line(), pos.Col())
	}
	return fmt.Sprintf(" at column %d", pos.Col())
}
