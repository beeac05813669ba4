package policy

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"mvdan.cc/sh/v3/syntax"
)

// shellSeeds are the command lines of the attack table and of the shell
// tests, attacks and twins.
func shellSeeds() []string {
	var seeds []string
	for _, tc := range attackCases() {
		if tc.tool == "bash" {
			seeds = append(seeds, tc.attack, tc.twin)
		}
	}
	return append(seeds, "echo a && echo b | echo c; echo d & echo e\necho f", `echo "a\"b" 'c' d\ e 2>&1 >/dev/null`,
		"echo a2>/dev/null", "echo $'\\x72m'", "echo \"${x:-$(rm y)}\"", "rm", "echo ~", "echo #$(id)\nrm x")
}

// FuzzShellPolicy checks that no line is allowed in default mode that an
// independent reading does not also find plain and allowed by bash(echo *),
// and that yolo never lets a literal rm through a bash(rm *) deny rule.
func FuzzShellPolicy(f *testing.F) {
	for _, s := range shellSeeds() {
		f.Add(s)
	}
	def := mustNew(f, Options{Mode: ModeDefault, Tools: toolNames(), Allow: []string{"bash(echo *)"}, Deny: []string{"bash(rm *)"}})
	yolo := mustNew(f, Options{Mode: ModeYolo, Tools: toolNames(), Deny: []string{"bash(rm *)"}})
	f.Fuzz(func(t *testing.T, line string) {
		d := def.Decide(call(t, "bash", line))
		if d.Reason == "" {
			t.Fatalf("%q: empty reason", line)
		}
		if d.Allow {
			if problem := verifyPlainEcho(line); problem != "" {
				t.Fatalf("default mode allowed %q (%s), but %s", line, d.Reason, problem)
			}
		}
		y := yolo.Decide(call(t, "bash", line))
		if y.Reason == "" {
			t.Fatalf("%q: empty reason in yolo", line)
		}
		if y.Allow {
			if problem := verifyNoRm(line); problem != "" {
				t.Fatalf("yolo allowed %q (%s) under bash(rm *), but %s", line, y.Reason, problem)
			}
		}
	})
}

// allowedRedirect matches, at the start of a token outside quotes, the
// redirections a plain line may hold.
var allowedRedirectText = regexp.MustCompile(`^(?:[012]?>&[ \t]*[12]|(?:[012]?>>?|&>>?|0?<)[ \t]*/dev/null)`)

// verifyPlainEcho re-checks an allowed line without the analyser: a scan
// of its characters and quoting, then a walk of the parse tree that accepts
// only the node kinds of a plain line and echo as the only command.
func verifyPlainEcho(line string) string {
	if !utf8.ValidString(line) {
		return "it is not valid UTF-8"
	}
	const (
		outside = iota
		single
		double
	)
	state := outside
	wordStart := true
	var prev byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		if i > 0 {
			prev = line[i-1]
		}
		if c < 0x20 && c != '\t' && c != '\n' || c == 0x7f {
			return "it holds a control character"
		}
		switch state {
		case single:
			if c == '\'' {
				state = outside
			}
			continue
		case double:
			switch c {
			case '\\':
				i++
			case '"':
				state = outside
			case '$', '`':
				return "it holds an unescaped $ or ` inside double quotes"
			}
			continue
		}
		if c >= utf8.RuneSelf {
			return "it holds a non-ASCII character outside quotes"
		}
		switch {
		case c == '\\':
			i++
		case c == '\'':
			state = single
		case c == '"':
			state = double
		case c == '#' && wordStart:
			for i < len(line) && line[i] != '\n' {
				if line[i] >= utf8.RuneSelf {
					return "it holds a non-ASCII character in a comment"
				}
				i++
			}
		case c == '$', c == '`', c == '*', c == '?', c == '[', c == '(', c == ')':
			return "it holds an unquoted " + string(c)
		case c == '~' && (wordStart || prev == '=' || prev == ':'):
			return "it holds a tilde the shell expands"
		case c == '{' && braceAhead(line[i+1:]):
			return "it holds a brace expansion"
		case c == '>' || c == '<' || (c == '&' && i+1 < len(line) && line[i+1] == '>') || (c >= '0' && c <= '2' && i+1 < len(line) && (line[i+1] == '>' || line[i+1] == '<')):
			m := allowedRedirectText.FindString(line[i:])
			if m == "" {
				return "it redirects to somewhere other than /dev/null or a standard stream"
			}
			i += len(m) - 1
		}
		wordStart = c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|'
	}
	if state != outside {
		return "a quote is not closed"
	}
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(line), "")
	if err != nil {
		return "it does not parse: " + err.Error()
	}
	problem := ""
	calls := 0
	syntax.Walk(f, func(n syntax.Node) bool {
		if problem != "" {
			return false
		}
		switch n := n.(type) {
		case nil, *syntax.File, *syntax.Word, *syntax.Lit, *syntax.Redirect:
		case *syntax.Stmt:
			if n.Negated || n.Coprocess || n.Disown {
				problem = "a statement is negated or a coprocess"
			}
		case *syntax.BinaryCmd:
			if n.Op != syntax.AndStmt && n.Op != syntax.OrStmt && n.Op != syntax.Pipe {
				problem = "it uses the operator " + n.Op.String()
			}
		case *syntax.CallExpr:
			calls++
			if len(n.Assigns) > 0 || len(n.Args) == 0 {
				problem = "a command has assignments"
				break
			}
			if lit := n.Args[0].Lit(); lit != "echo" || len(n.Args[0].Parts) != 1 {
				problem = "a command other than echo runs"
			}
		case *syntax.SglQuoted:
			if n.Dollar {
				problem = "it uses $'…'"
			}
		case *syntax.DblQuoted:
			if n.Dollar {
				problem = `it uses $"…"`
			}
		default:
			problem = fmt.Sprintf("it holds a %T", n)
		}
		return true
	})
	if problem == "" && calls == 0 {
		problem = "it runs no command"
	}
	return problem
}

// braceAhead reports whether the rest of a word after an unquoted '{'
// holds a ',' or ".." and then an unquoted, unescaped '}'.
func braceAhead(rest string) bool {
	sep := false
	for i := 0; i < len(rest); i++ {
		switch c := rest[i]; c {
		case ' ', '\t', '\n', ';', '&', '|':
			return false
		case '\\':
			i++
		case '\'':
			closing := strings.IndexByte(rest[i+1:], '\'')
			if closing < 0 {
				return false
			}
			sep = sep || strings.Contains(rest[i+1:i+1+closing], ",")
			i += closing + 1
		case '"':
			for i++; i < len(rest) && rest[i] != '"'; i++ {
				if rest[i] == '\\' {
					i++
				} else if rest[i] == ',' {
					sep = true
				}
			}
		case ',':
			sep = true
		case '.':
			sep = sep || i+1 < len(rest) && rest[i+1] == '.'
		case '}':
			if sep {
				return true
			}
		}
	}
	return false
}

// verifyNoRm reports a literal rm command anywhere in the parse tree of a
// line yolo allowed under a bash(rm *) deny rule.
func verifyNoRm(line string) string {
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(line), "")
	if err != nil {
		return ""
	}
	found := ""
	syntax.Walk(f, func(n syntax.Node) bool {
		call, ok := n.(*syntax.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		var b strings.Builder
		for _, part := range call.Args[0].Parts {
			switch p := part.(type) {
			case *syntax.Lit:
				b.WriteString(strings.ReplaceAll(p.Value, `\`, ""))
			case *syntax.SglQuoted:
				b.WriteString(p.Value)
			case *syntax.DblQuoted:
				for _, q := range p.Parts {
					if lit, ok := q.(*syntax.Lit); ok {
						b.WriteString(lit.Value)
					}
				}
			}
		}
		if strings.EqualFold(path.Base(b.String()), "rm") {
			found = "it runs rm"
		}
		return true
	})
	return found
}

// FuzzPathRule checks that a write allowed under write_file(docs/**) lands,
// cleaned independently, under docs/ and outside docs/private/ and .git,
// and that read_file and CanRead agree and keep .env files closed.
func FuzzPathRule(f *testing.F) {
	for _, tc := range attackCases() {
		if tc.tool != "bash" {
			f.Add(tc.attack)
			f.Add(tc.twin)
		}
	}
	for _, s := range []string{"docs", "docs/./x", "docs//x", "docs/../docs/x", "docs/Private/x", "docs/.git/x", "docs/.env", "./docs/a/../../x", "docs/\u200b.git/x"} {
		f.Add(s)
	}
	p := mustNew(f, Options{Mode: ModeDefault, Tools: toolNames(), Allow: []string{"write_file(docs/**)"}, Deny: []string{"write_file(docs/private/**)"}})
	f.Fuzz(func(t *testing.T, given string) {
		w := p.Decide(call(t, "write_file", given))
		if w.Reason == "" {
			t.Fatalf("%q: empty reason", given)
		}
		if w.Allow {
			if strings.ContainsRune(given, 0) || strings.HasPrefix(given, "/") {
				t.Fatalf("write to %q allowed", given)
			}
			clean := path.Clean(given)
			if got, _ := cleanRel(given); got != clean {
				t.Fatalf("%q: cleaned to %q, path.Clean says %q", given, got, clean)
			}
			if clean != "docs" && !strings.HasPrefix(clean, "docs/") {
				t.Fatalf("write to %q (%s) allowed outside docs/", given, clean)
			}
			if lower := strings.ToLower(clean) + "/"; strings.HasPrefix(lower, "docs/private/") {
				t.Fatalf("write to %q allowed under the denied docs/private/", given)
			}
			for seg := range strings.SplitSeq(clean, "/") {
				if strings.EqualFold(strings.TrimRight(seg, ". "), ".git") {
					t.Fatalf("write to %q allowed inside .git", given)
				}
			}
		}
		r := p.Decide(call(t, "read_file", given))
		if given != "" && r.Allow != p.CanRead(given) {
			t.Fatalf("%q: read_file says %v, CanRead says %v", given, r.Allow, !r.Allow)
		}
		if r.Allow {
			base := strings.ToLower(path.Base(path.Clean(given)))
			if strings.HasPrefix(base, ".env") {
				t.Fatalf("read of %q allowed without a rule naming it", given)
			}
		}
	})
}
