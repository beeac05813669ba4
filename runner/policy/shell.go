package policy

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"mvdan.cc/sh/v3/syntax"
)

// Bounds of the analysis. A line longer than maxCommandBytes is not
// plain, and wrappers nested deeper than maxNesting (sh -c "sh -c '…'")
// or more than maxSeen commands are replaced by an unknown command, which
// every deny rule matches.
const (
	maxCommandBytes = 256 << 10
	maxNesting      = 4
	maxSeen         = 2000
)

// simpleCmd is one simple command of a plain line.
type simpleCmd struct {
	words []word
	// explicit maps argument indexes to why an allow rule must name the
	// word literally to allow the command (sed -i, find -delete).
	explicit map[int]string
}

// argv returns the command's words as the program receives them.
func (c simpleCmd) argv() []string {
	out := make([]string, len(c.words))
	for i, w := range c.words {
		out[i] = w.value
	}
	return out
}

// String renders the command for reasons.
func (c simpleCmd) String() string { return renderWords(c.words) }

// renderWords renders words as written, for reasons.
func renderWords(ws []word) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.text
		if parts[i] == "" {
			parts[i] = w.value
		}
	}
	return strings.Join(parts, " ")
}

// analysis is what the policy knows about one command line.
type analysis struct {
	// problem is the first construct that keeps the line from being
	// plain; nil for a plain line.
	problem *finding
	// multiline reports whether the line has several lines, for where.
	multiline bool
	// cmds are the simple commands of a plain line, in order.
	cmds []simpleCmd
	// seen is every command deny rules are checked against: each simple
	// command anywhere in the line (inside substitutions, loops and
	// functions too), each tail of a wrapper's words ("timeout 5 rm x"
	// gives "rm x"), and the commands of literal arguments that parse as
	// shell code (sh -c 'rm x', eval "rm x"). Words whose value cannot
	// be known are opaque.
	seen [][]word
}

// analyse reads a command line. It never runs anything, and never fails:
// whatever it cannot read makes the line not plain.
func analyse(src string) analysis {
	a := analysis{multiline: strings.Contains(strings.TrimRight(src, "\n"), "\n")}
	if len(src) > maxCommandBytes {
		a.problem = &finding{what: fmt.Sprintf("a command line of %d bytes (more than the %d the policy reads)", len(src), maxCommandBytes)}
		a.seen = append(a.seen, unknownCommand(unreadTooLong))
		return a
	}
	if off, r, found := lineCharProblem(src); found {
		a.problem = &finding{what: fmt.Sprintf("%s, an invisible, control or look-alike character,", describeRune(r)), pos: offsetPos(src, off)}
	}
	f, err := parseShell(src)
	if err != nil {
		if a.problem == nil {
			a.problem = &finding{what: fmt.Sprintf("a line the shell parser cannot read (%s)", oneLineError(err))}
		}
		return a
	}
	var c collector
	c.file(f, src, 0)
	a.seen = c.seen
	if a.problem != nil {
		return a
	}
	pc := plainChecker{src: src}
	pc.stmts(f.Stmts)
	if pc.problem == nil && len(pc.cmds) == 0 {
		pc.problem = &finding{what: "a line without any command"}
	}
	if pc.problem == nil {
		pc.problem = nonASCIIOutside(src, pc.quotedArgs)
	}
	a.problem, a.cmds = pc.problem, pc.cmds
	if a.problem != nil {
		a.cmds = nil
	}
	return a
}

// parseShell parses src as bash, as the bash tool runs it.
func parseShell(src string) (*syntax.File, error) {
	return syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(src), "")
}

// oneLineError renders a parse error on one line.
func oneLineError(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", " ")
}

// offsetPos turns a byte offset of src into a position.
func offsetPos(src string, off int) syntax.Pos {
	line := 1 + strings.Count(src[:off], "\n")
	col := off - strings.LastIndexByte(src[:off], '\n')
	return syntax.NewPos(uint(off), uint(line), uint(col))
}

// unknownCommand stands for commands the analysis could not look at, for
// the reason given; its opaque name matches every deny rule.
func unknownCommand(why string) []word {
	return []word{{text: "(unread command)", unknown: true, exp: &finding{what: why}}}
}

// Why commands go unread.
const (
	unreadTooLong = "the line is too long to read"
	unreadTooMany = "the line holds more commands than the policy reads"
	unreadNested  = "the command is nested deeper than the policy reads"
)

// collector gathers the commands deny rules are checked against, up to
// maxSeen; past that it holds one unread command, which every deny rule
// matches, and takes no more.
type collector struct {
	seen [][]word
	full bool
}

// add records a command; it reports false once the collector is full.
func (c *collector) add(ws []word) bool {
	if c.full {
		return false
	}
	if len(c.seen) >= maxSeen {
		c.seen = append(c.seen, unknownCommand(unreadTooMany))
		c.full = true
		return false
	}
	c.seen = append(c.seen, ws)
	return true
}

// file adds every simple command of f, with what the commands would run
// in turn (see command).
func (c *collector) file(f *syntax.File, src string, depth int) {
	syntax.Walk(f, func(n syntax.Node) bool {
		if call, ok := n.(*syntax.CallExpr); ok && len(call.Args) > 0 {
			c.command(evalWords(call.Args, src), depth)
		}
		return !c.full
	})
}

// command adds a command and the commands it would run: every tail of a
// wrapper's words ("timeout 5 rm x" runs "rm x"), the literal arguments of
// wrappers parsed as shell code ("sh -c 'rm x'", eval "rm x"), the command
// after find -exec, and the shell code git would run (submodule foreach,
// aliases set with -c). Wrappers are never plain, so reading their
// arguments generously cannot keep a plain line from running; of find and
// git only the parts that run commands are read.
func (c *collector) command(ws []word, depth int) {
	if !c.add(ws) || ws[0].opaque() {
		return
	}
	name := ws[0].value
	_, wrapper := lookupCommand(codeRunners(), name)
	git := specialKey(name) == "git"
	find := commandKey(name) == "find"
	if !wrapper && !git && !find {
		return
	}
	if depth >= maxNesting {
		c.add(unknownCommand(unreadNested))
		return
	}
	switch {
	case wrapper:
		var literal []string
		for k := 1; k < len(ws) && !c.full; k++ {
			c.command(ws[k:], depth+1)
			if !ws[k].opaque() {
				literal = append(literal, ws[k].value)
				c.shellCode(ws[k].value, depth)
			}
		}
		// eval, watch and ssh join their arguments into one line.
		if len(literal) > 1 {
			c.shellCode(strings.Join(literal, " "), depth)
		}
	case git:
		for k := 1; k < len(ws) && !c.full; k++ {
			if ws[k].opaque() {
				continue
			}
			if ws[k].value == "foreach" {
				c.shellCode(joinValues(ws[k+1:]), depth)
			}
			if ws[k-1].value == "-c" {
				if _, v, ok := strings.Cut(ws[k].value, "="); ok {
					c.shellCode(strings.TrimPrefix(v, "!"), depth)
				}
			}
		}
	case find:
		for k := 1; k+1 < len(ws) && !c.full; k++ {
			switch ws[k].value {
			case "-exec", "-execdir", "-ok", "-okdir":
				c.command(ws[k+1:], depth+1)
			}
		}
	}
}

// joinValues joins the known values of words with spaces.
func joinValues(ws []word) string {
	var vs []string
	for _, w := range ws {
		if !w.opaque() {
			vs = append(vs, w.value)
		}
	}
	return strings.Join(vs, " ")
}

// shellCode adds the commands of text, when it parses as shell code, one
// level deeper.
func (c *collector) shellCode(text string, depth int) {
	if strings.TrimSpace(text) == "" || len(text) > maxCommandBytes {
		return
	}
	f, err := parseShell(text)
	if err != nil {
		return
	}
	c.file(f, text, depth+1)
}

// plainChecker walks the statements of a parsed line and stops at the
// first construct that is not plain.
type plainChecker struct {
	src     string
	problem *finding
	cmds    []simpleCmd
	// quotedArgs are the byte ranges of quoted parts of arguments (not
	// command names), the only places non-ASCII text may appear.
	quotedArgs [][2]int
}

func (c *plainChecker) fail(what string, pos syntax.Pos) {
	if c.problem == nil {
		c.problem = &finding{what: what, pos: pos}
	}
}

func (c *plainChecker) stmts(stmts []*syntax.Stmt) {
	for _, s := range stmts {
		if c.problem != nil {
			return
		}
		c.stmt(s)
	}
}

func (c *plainChecker) stmt(s *syntax.Stmt) {
	switch {
	case s.Negated:
		c.fail("negation \"!\"", s.Pos())
		return
	case s.Coprocess, s.Disown:
		c.fail("a coprocess or disowned job", s.Pos())
		return
	}
	for _, r := range s.Redirs {
		if !allowedRedirect(r, c.src) {
			c.fail(fmt.Sprintf("redirection %s (only 2>&1, >&2, >/dev/null, 2>/dev/null, &>/dev/null and </dev/null are plain)", show(redirectText(r, c.src))), r.Pos())
			return
		}
	}
	switch cmd := s.Cmd.(type) {
	case *syntax.CallExpr:
		c.call(cmd)
	case *syntax.BinaryCmd:
		switch cmd.Op {
		case syntax.AndStmt, syntax.OrStmt, syntax.Pipe:
			c.stmt(cmd.X)
			if c.problem == nil {
				c.stmt(cmd.Y)
			}
		default:
			c.fail(fmt.Sprintf("the operator %s", cmd.Op), cmd.OpPos)
		}
	case nil:
		c.fail("a redirection without a command", s.Pos())
	default:
		c.fail(describeCommand(cmd), cmd.Pos())
	}
}

// describeCommand names a compound command.
func describeCommand(cmd syntax.Command) string {
	switch cmd := cmd.(type) {
	case *syntax.Subshell:
		return "a subshell ( … )"
	case *syntax.Block:
		return "a command group { …; }"
	case *syntax.IfClause:
		return "an if statement"
	case *syntax.WhileClause:
		if cmd.Until {
			return "an until loop"
		}
		return "a while loop"
	case *syntax.ForClause:
		return "a for loop"
	case *syntax.CaseClause:
		return "a case statement"
	case *syntax.FuncDecl:
		return "a function definition"
	case *syntax.ArithmCmd:
		return "an arithmetic command (( … ))"
	case *syntax.TestClause:
		return "a test [[ … ]]"
	case *syntax.DeclClause:
		return "the declaration " + cmd.Variant.Value
	case *syntax.LetClause:
		return "let"
	case *syntax.TimeClause:
		return "time"
	case *syntax.CoprocClause:
		return "coproc"
	}
	return fmt.Sprintf("the shell construct %T", cmd)
}

// call checks one simple command.
func (c *plainChecker) call(call *syntax.CallExpr) {
	if len(call.Assigns) > 0 {
		as := call.Assigns[0]
		name := "a variable"
		if as.Name != nil {
			name = as.Name.Value
		}
		if len(call.Args) > 0 {
			c.fail(fmt.Sprintf("the environment prefix %s=…", name), as.Pos())
		} else {
			c.fail(fmt.Sprintf("the assignment %s=…", name), as.Pos())
		}
		return
	}
	ws := evalWords(call.Args, c.src)
	for _, w := range ws {
		if w.exp != nil {
			c.fail(w.exp.what, w.exp.pos)
			return
		}
	}
	name := ws[0]
	switch {
	case name.value == "":
		c.fail("an empty command name", name.pos)
		return
	case name.quoted:
		c.fail(fmt.Sprintf("quotes or backslashes in the command name %s", show(name.text)), name.pos)
		return
	}
	for _, r := range name.value {
		if r >= utf8.RuneSelf {
			c.fail(fmt.Sprintf("the non-ASCII command name %s", show(name.text)), name.pos)
			return
		}
	}
	pc := checkProgram(ws)
	if pc.never != nil {
		c.fail(pc.never.what, pc.never.pos)
		return
	}
	for _, a := range call.Args[1:] {
		for _, part := range a.Parts {
			switch part.(type) {
			case *syntax.SglQuoted, *syntax.DblQuoted:
				c.quotedArgs = append(c.quotedArgs, [2]int{int(part.Pos().Offset()), int(part.End().Offset())})
			}
		}
	}
	c.cmds = append(c.cmds, simpleCmd{words: ws, explicit: pc.explicit})
}

// allowedRedirect reports whether r is one of the redirections that write
// nothing: duplicating stdout and stderr onto each other, and reading from
// or writing to /dev/null.
func allowedRedirect(r *syntax.Redirect, src string) bool {
	if r.Word == nil || r.Hdoc != nil {
		return false
	}
	target := evalWord(r.Word, src)
	if target.opaque() {
		return false
	}
	fd := ""
	if r.N != nil {
		fd = r.N.Value
	}
	outFD := fd == "" || fd == "1" || fd == "2"
	switch r.Op {
	case syntax.DplOut:
		return outFD && (target.value == "1" || target.value == "2")
	case syntax.RdrOut, syntax.AppOut:
		return outFD && target.value == "/dev/null"
	case syntax.RdrAll, syntax.AppAll:
		return fd == "" && target.value == "/dev/null"
	case syntax.RdrIn:
		return (fd == "" || fd == "0") && target.value == "/dev/null"
	}
	return false
}

// redirectText returns a redirection as written; of a here-document, the
// operator and its delimiter.
func redirectText(r *syntax.Redirect, src string) string {
	if r.Hdoc != nil && r.Word != nil {
		return r.Op.String() + wordText(r.Word, src)
	}
	start, end := int(r.Pos().Offset()), int(r.End().Offset())
	if start < 0 || end > len(src) || start >= end {
		return r.Op.String()
	}
	return src[start:end]
}

// nonASCIIOutside returns a finding for the first non-ASCII character of
// src outside the quoted parts of arguments: in a comment, a command name
// or an operator position it can only mislead a reader.
func nonASCIIOutside(src string, quoted [][2]int) *finding {
	inQuotes := make([]bool, len(src))
	for _, q := range quoted {
		for i := max(q[0], 0); i < min(q[1], len(src)); i++ {
			inQuotes[i] = true
		}
	}
	for off, r := range src {
		if r >= utf8.RuneSelf && !inQuotes[off] {
			return &finding{what: fmt.Sprintf("the non-ASCII character %s outside a quoted argument", describeRune(r)), pos: offsetPos(src, off)}
		}
	}
	return nil
}
