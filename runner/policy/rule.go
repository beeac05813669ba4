package policy

import (
	"fmt"
	"strings"

	"github.com/safe-coder/safe-coder/runner/glob"
	"github.com/safe-coder/safe-coder/runner/tools"
)

// Rule is one allow or deny rule of a task file: "tool(pattern)", or a bare
// "tool" that covers every call of the tool.
type Rule struct {
	Tool    string // one of the six tool names
	Pattern string // as written between the parentheses; "" for a bare rule
	Text    string // the rule as written, for messages and reports
}

// toolNames lists the tools rules may name, in the order messages list
// them.
func toolNames() []string {
	return []string{tools.ReadFile, tools.ListFiles, tools.Grep, tools.WriteFile, tools.EditFile, tools.Bash}
}

// ruleExample is a correct rule for tool, shown in error messages.
func ruleExample(tool string) string {
	switch tool {
	case tools.Bash:
		return "bash(go test ./...)"
	case tools.WriteFile, tools.EditFile:
		return tool + "(docs/**)"
	case tools.ReadFile:
		return "read_file(**/.env)"
	case tools.ListFiles, tools.Grep:
		return tool + "(vendor/**)"
	}
	return "bash(go test ./...)"
}

// ParseRule parses and checks one rule: "tool(pattern)" or a bare "tool".
// The tool must be one of the six; a pattern, when the parentheses are
// present, must not be empty. Path patterns (every tool but bash) must be
// valid globs (glob.Valid); a bash pattern is a list of words split like
// the shell's, whose first word is the command name written out (see the
// package documentation). Errors wrap ErrBadRule, say what is wrong and
// show a correct rule.
func ParseRule(s string) (Rule, error) {
	r, _, err := compileRule(s)
	return r, err
}

// compileRule is ParseRule that also returns the parsed bash pattern (nil
// for other tools and for bare rules).
func compileRule(s string) (Rule, []patWord, error) {
	bad := func(tool, format string, args ...any) (Rule, []patWord, error) {
		return Rule{}, nil, fmt.Errorf("%w %q: %s; a correct rule looks like %s", ErrBadRule, s, fmt.Sprintf(format, args...), ruleExample(tool))
	}
	switch {
	case s == "":
		return bad("", "the rule is empty")
	case strings.TrimSpace(s) != s:
		return bad("", "leading or trailing spaces")
	}
	if r, ok := firstUnprintable(s); ok {
		return bad("", "it holds %s, an invisible or control character", describeRune(r))
	}
	name, rest, hasParen := strings.Cut(s, "(")
	if _, known := tools.KindOf(name); !known {
		if _, spaced := tools.KindOf(strings.TrimSpace(name)); spaced {
			return bad(strings.TrimSpace(name), "no space may stand between the tool name and \"(\"")
		}
		return bad("", "unknown tool %q; a rule starts with one of %s", name, strings.Join(toolNames(), ", "))
	}
	if !hasParen {
		return Rule{Tool: name, Text: s}, nil, nil
	}
	if !strings.HasSuffix(rest, ")") {
		if strings.Contains(rest, ")") {
			return bad(name, "text after the closing \")\"")
		}
		return bad(name, "no closing \")\"")
	}
	pattern := strings.TrimSuffix(rest, ")")
	if strings.TrimSpace(pattern) == "" {
		return bad(name, "the pattern between the parentheses is empty; write the bare tool name (%s) to cover every call", name)
	}
	r := Rule{Tool: name, Pattern: pattern, Text: s}
	if name == tools.Bash {
		words, problem := parseBashPattern(pattern)
		if problem != "" {
			return bad(name, "%s", problem)
		}
		return r, words, nil
	}
	if strings.TrimSpace(pattern) != pattern {
		return bad(name, "the path pattern has leading or trailing spaces")
	}
	if err := glob.Valid(pattern); err != nil {
		return bad(name, "%s", err.Error())
	}
	return r, nil, nil
}

// The prefixes Decision.Rule puts before a rule's text, naming the list
// it came from: "deny: bash(git push *)".
const (
	denyLabel  = "deny: "
	allowLabel = "allow: "
)
