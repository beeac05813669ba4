package policy

import (
	"fmt"

	"github.com/safe-coder/safe-coder/runner/tools"
)

// decideFile decides a call of a file tool on the path it was given.
func (p *Policy) decideFile(tool string, kind tools.Kind, given string) Decision {
	t, refusal := p.locate(given)
	if refusal != "" {
		return Decision{Reason: fmt.Sprintf("%s may not act on %q: %s", tool, given, refusal)}
	}
	if d, denied := p.denyPath(tool, t); denied {
		return d
	}
	// named is the allow rule that lifted a built-in denial, if one did:
	// it, not the mode, is then what allows the call.
	var named *compiledRule
	switch tool {
	case tools.WriteFile, tools.EditFile:
		d, denied, by := p.protected(tool, t)
		if denied {
			return d
		}
		named = by
	case tools.ReadFile:
		d, denied, by := p.secret(t)
		if denied {
			return d
		}
		named = by
	case tools.Grep:
		// grep shows file contents, so it may not search a file
		// read_file may not read; inside a directory it skips such files
		// through CanRead.
		if d, denied := p.readable(t); denied {
			d.Reason = fmt.Sprintf("grep may not search %s, which read_file may not read: %s", t, d.Reason)
			return d
		}
	}
	if named != nil && (kind == tools.KindRead || p.mode != ModeDefault) {
		return allowedBy([]compiledRule{*named}, "%s names %s, which is denied by default", tool, t)
	}
	switch kind {
	case tools.KindRead:
		return Decision{Allow: true, Reason: "read tools are allowed in every approval mode"}
	case tools.KindEdit:
		if p.mode == ModeAutoEdit || p.mode == ModeYolo {
			return Decision{Allow: true, Reason: fmt.Sprintf("approval mode %s allows edits", p.mode)}
		}
		allow := rulesOf(p.allow, tool)
		for _, r := range allow {
			if r.bare() || matchStrict(r.Pattern, t) {
				return allowedBy([]compiledRule{r}, "%s may change %s", tool, t)
			}
		}
		if len(allow) == 0 {
			return Decision{Reason: fmt.Sprintf("approval mode %s allows %s only where an allow rule matches, and this task has no %s allow rule; nobody can approve it in a headless run", p.mode, tool, tool)}
		}
		return Decision{Reason: fmt.Sprintf("approval mode %s allows %s only where an allow rule matches, and none of %s matches %s", p.mode, tool, listRules(allow), t)}
	}
	return Decision{Reason: fmt.Sprintf("tool %s has no rule in approval mode %s", tool, p.mode)}
}

// denyPath applies the deny rules of tool to a path.
func (p *Policy) denyPath(tool string, t target) (Decision, bool) {
	for _, r := range rulesOf(p.deny, tool) {
		if r.bare() {
			return deniedBy(r, "the rule covers every %s call", tool), true
		}
		if matchGenerous(r.Pattern, t) {
			return deniedBy(r, "it matches %s", t), true
		}
	}
	return Decision{}, false
}

// protected denies writing a protected path without an allow rule of the
// same tool that names it; by is that rule when one lifted the denial.
func (p *Policy) protected(tool string, t target) (d Decision, denied bool, by *compiledRule) {
	for _, b := range protectedPaths() {
		if !matchGenerous(b.glob, t) {
			continue
		}
		if r, ok := p.namedBy(tool, b, t); ok {
			by = &r
			continue
		}
		return Decision{Reason: fmt.Sprintf("%s is protected (%s; %s): %s may change it only through an allow rule that names it, such as %s(%s); a bare %s rule or a pattern like ** is not explicit enough",
			t, b.label, b.why, tool, tool, t.resolved, tool)}, true, nil
	}
	return Decision{}, false, by
}

// secret denies reading a secret-looking file without a read_file allow
// rule that names it; by is that rule when one lifted the denial.
func (p *Policy) secret(t target) (d Decision, denied bool, by *compiledRule) {
	for _, b := range secretPaths() {
		if !matchGenerous(b.glob, t) {
			continue
		}
		if r, ok := p.namedBy(tools.ReadFile, b, t); ok {
			by = &r
			continue
		}
		return Decision{Reason: fmt.Sprintf("%s looks like a secret file (%s; %s): read_file may read it only through an allow rule that names it, such as read_file(%s)",
			t, b.label, b.why, t.resolved)}, true, nil
	}
	return Decision{}, false, by
}

// namedBy returns the allow rule of tool that names the built-in path b
// and matches the resolved target.
func (p *Policy) namedBy(tool string, b builtinPath, t target) (compiledRule, bool) {
	for _, r := range rulesOf(p.allow, tool) {
		if !r.bare() && b.named(r.Pattern) && matchStrict(r.Pattern, t) {
			return r, true
		}
	}
	return compiledRule{}, false
}

// readable applies what read_file may read to a path: its deny rules and
// the secret-file denials.
func (p *Policy) readable(t target) (Decision, bool) {
	if d, denied := p.denyPath(tools.ReadFile, t); denied {
		return d, true
	}
	d, denied, _ := p.secret(t)
	return d, denied
}

// CanRead reports whether a read of the repository-relative path is
// allowed by the read_file rules and the default secret-file denials,
// whatever the mode and the task's tools. grep uses it to skip files whose
// content read_file would not show. A path the tools would refuse cannot
// be read.
func (p *Policy) CanRead(rel string) bool {
	t, refusal := p.locate(rel)
	if refusal != "" {
		return false
	}
	_, denied := p.readable(t)
	return !denied
}
