package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/runner/tools"
)

// Options configure the policy of one task.
type Options struct {
	Mode  Mode
	Tools []string // the task's tools, in the order they are offered
	// Allow and Deny are rule texts ("bash(go test ./...)"); tasks has
	// validated them, and New validates them again.
	Allow, Deny []string
	// Resolve returns the repository-relative slash path a file tool
	// would act on, with symlinks inside the repository followed (the
	// toolbox provides it); nil means the cleaned literal path. An error
	// means the tool itself will refuse the path.
	Resolve func(path string) (string, error)
}

// Decision is the verdict on one tool call.
type Decision struct {
	Allow bool
	// Reason says what was decided and why, naming the rule, in words fit
	// for the model and the report; it is set for allowed calls too.
	Reason string
	// Rule is the rule text that decided, prefixed with its list
	// ("deny: bash(git push *)", "allow: write_file(docs/**)"), or ""
	// when the mode or a built-in default decided. A bash line allowed by
	// several rules names each: "allow: bash(go test ./...), bash(go vet ./...)".
	Rule string
}

// compiledRule is a validated rule with its parsed bash pattern.
type compiledRule struct {
	Rule
	words []patWord // bash patterns only
}

// bare reports whether the rule covers every call of its tool.
func (r compiledRule) bare() bool { return r.Pattern == "" }

// Policy decides tool calls for one task. It is immutable and safe for
// concurrent use, provided Resolve is.
type Policy struct {
	mode     Mode
	offered  []string
	allow    []compiledRule
	deny     []compiledRule
	bashDeny bool // some deny rule is about bash
	resolve  func(string) (string, error)
}

// New returns the policy for a task. It returns an error wrapping
// ErrUnknownMode, ErrUnknownTool or ErrBadRule for an unknown mode or tool
// name or an invalid rule.
func New(opts Options) (*Policy, error) {
	if !opts.Mode.known() {
		return nil, fmt.Errorf("%w %q (the modes are plan, default, auto-edit, yolo)", ErrUnknownMode, opts.Mode)
	}
	p := &Policy{mode: opts.Mode, resolve: opts.Resolve}
	for _, name := range opts.Tools {
		kind, ok := tools.KindOf(name)
		if !ok {
			return nil, fmt.Errorf("%w %q (the tools are %s)", ErrUnknownTool, name, strings.Join(toolNames(), ", "))
		}
		// Plan mode offers read tools only: the model never sees tools it
		// could not use, so it does not waste turns on denials.
		if opts.Mode == ModePlan && kind != tools.KindRead {
			continue
		}
		if !slices.Contains(p.offered, name) {
			p.offered = append(p.offered, name)
		}
	}
	var err error
	if p.allow, err = compileRules(opts.Allow); err != nil {
		return nil, fmt.Errorf("allow: %w", err)
	}
	if p.deny, err = compileRules(opts.Deny); err != nil {
		return nil, fmt.Errorf("deny: %w", err)
	}
	for _, r := range p.deny {
		if r.Tool == tools.Bash {
			p.bashDeny = true
		}
	}
	return p, nil
}

func compileRules(texts []string) ([]compiledRule, error) {
	out := make([]compiledRule, 0, len(texts))
	for _, text := range texts {
		r, words, err := compileRule(text)
		if err != nil {
			return nil, err
		}
		out = append(out, compiledRule{Rule: r, words: words})
	}
	return out, nil
}

// Mode returns the approval mode.
func (p *Policy) Mode() Mode { return p.mode }

// Offered returns the names of the tools offered to the model, in order.
func (p *Policy) Offered() []string { return slices.Clone(p.offered) }

// Decide returns the verdict on call. It never runs anything. It fails
// closed: an unknown tool, a tool not offered, an edit or bash call whose
// input cannot be read, and a path the tools would refuse are denied.
func (p *Policy) Decide(call llm.ToolCall) Decision {
	kind, known := tools.KindOf(call.Name)
	if !known {
		return Decision{Reason: fmt.Sprintf("unknown tool %q; the tools offered are %s", call.Name, strings.Join(p.offered, ", "))}
	}
	if !slices.Contains(p.offered, call.Name) {
		if p.mode == ModePlan && kind != tools.KindRead {
			return Decision{Reason: fmt.Sprintf("approval mode plan offers read tools only; %s is not available", call.Name)}
		}
		return Decision{Reason: fmt.Sprintf("tool %s is not in this task's tools (%s)", call.Name, strings.Join(p.offered, ", "))}
	}
	field := "path"
	if kind == tools.KindExec {
		field = "command"
	}
	value, present, err := inputField(call.Input, field)
	switch {
	case err != nil && kind == tools.KindRead:
		// The tool reports the same problem more precisely; a read
		// that does not run cannot reveal anything.
		return Decision{Allow: true, Reason: fmt.Sprintf("the input of %s cannot be read (%v); the tool will report it", call.Name, err)}
	case err != nil:
		return Decision{Reason: fmt.Sprintf("cannot read the call's input: %v", err)}
	case !present && (call.Name == tools.ListFiles || call.Name == tools.Grep):
		value = "."
	case !present && kind == tools.KindRead:
		return Decision{Allow: true, Reason: fmt.Sprintf("the input of %s has no %q; the tool will report it", call.Name, field)}
	case !present:
		return Decision{Reason: fmt.Sprintf("cannot read the call's input: it has no %q", field)}
	}
	if kind == tools.KindExec {
		return p.decideBash(value)
	}
	if value == "" && (call.Name == tools.ListFiles || call.Name == tools.Grep) {
		value = "."
	}
	return p.decideFile(call.Name, kind, value)
}

// deniedBy builds a denial by a rule.
func deniedBy(r compiledRule, format string, args ...any) Decision {
	label := denyLabel + r.Text
	return Decision{Reason: fmt.Sprintf("denied by %s: %s", label, fmt.Sprintf(format, args...)), Rule: label}
}

// allowedBy builds an allowance by one or more rules.
func allowedBy(rules []compiledRule, format string, args ...any) Decision {
	texts := make([]string, 0, len(rules))
	for _, r := range rules {
		if !slices.Contains(texts, r.Text) {
			texts = append(texts, r.Text)
		}
	}
	label := allowLabel + strings.Join(texts, ", ")
	return Decision{Allow: true, Reason: fmt.Sprintf("allowed by %s: %s", label, fmt.Sprintf(format, args...)), Rule: label}
}

// rulesOf returns the rules of one tool.
func rulesOf(rules []compiledRule, tool string) []compiledRule {
	var out []compiledRule
	for _, r := range rules {
		if r.Tool == tool {
			out = append(out, r)
		}
	}
	return out
}

// listRules renders rule texts for reasons.
func listRules(rules []compiledRule) string {
	texts := make([]string, len(rules))
	for i, r := range rules {
		texts[i] = r.Text
	}
	return strings.Join(texts, ", ")
}
