package policy

import (
	"fmt"
	"path"
	"strings"

	"github.com/safe-coder/safe-coder/runner/tools"
)

// decideBash decides a bash call on its command line.
func (p *Policy) decideBash(command string) Decision {
	if strings.TrimSpace(command) == "" {
		return Decision{Reason: "cannot read the call's input: the command is empty"}
	}
	a := analyse(command)
	if d, denied := p.denyCommand(a); denied {
		return d
	}
	// A read_file deny rule is the user's word in every mode; the built-in
	// secret-file denials bind what rules allow, not yolo.
	if d, denied := p.unreadableArgs(a, p.mode != ModeYolo); denied {
		return d
	}
	if p.mode == ModeYolo {
		if a.problem != nil && p.bashDeny {
			return Decision{Reason: fmt.Sprintf("%s; approval mode yolo runs such lines only when no bash deny rule is in force, because the deny rules (%s) cannot be checked against parts the policy cannot see",
				notPlain(a), listRules(rulesOf(p.deny, tools.Bash)))}
		}
		return Decision{Allow: true, Reason: "approval mode yolo allows commands"}
	}
	if a.problem != nil {
		return Decision{Reason: fmt.Sprintf("%s cannot be allowed by a rule; only approval: yolo runs it", notPlain(a))}
	}
	allow := rulesOf(p.allow, tools.Bash)
	if len(allow) == 0 {
		return Decision{Reason: fmt.Sprintf("approval mode %s allows bash only where an allow rule matches, and this task has no bash allow rule; nobody can approve it in a headless run", p.mode)}
	}
	var used []compiledRule
	for _, cmd := range a.cmds {
		r, ok := allowMatch(allow, cmd)
		if !ok {
			return Decision{Reason: unmatched(p.mode, allow, cmd, a.multiline)}
		}
		used = append(used, r)
	}
	if len(a.cmds) == 1 {
		return allowedBy(used, "it matches %s", show(a.cmds[0].String()))
	}
	return allowedBy(used, "each of its %d commands matches an allow rule", len(a.cmds))
}

// unreadableArgs denies a line whose arguments name a file read_file could
// not read: an allow rule for `cat *` must not open .env, and a
// read_file(**/.env) deny rule must not be dodged through bash. Arguments
// are read as paths as written (`--file=x` as x); absolute paths and paths
// outside the repository are checked by their repository-like form and
// base name, so `cat ~/.ssh/id_rsa` is caught too. builtin applies the
// secret-file defaults besides the deny rules.
func (p *Policy) unreadableArgs(a analysis, builtin bool) (Decision, bool) {
	for _, cmd := range a.seen {
		for _, w := range cmd[1:] {
			if w.opaque() {
				continue
			}
			arg := w.skeleton()
			if name, value, ok := strings.Cut(arg, "="); ok && strings.HasPrefix(name, "-") {
				arg = value
			}
			if arg == "" || strings.HasPrefix(arg, "-") {
				continue
			}
			for _, t := range argTargets(arg) {
				if d, denied := p.denyPath(tools.ReadFile, t); denied {
					d.Reason = fmt.Sprintf("argument %s of %s: %s", show(arg), show(renderWords(cmd)), d.Reason)
					return d, true
				}
				if !builtin {
					continue
				}
				if d, denied, _ := p.secret(t); denied {
					d.Reason = fmt.Sprintf("argument %s of %s names a file the policy does not let be read: %s", show(arg), show(renderWords(cmd)), d.Reason)
					return d, true
				}
			}
		}
	}
	return Decision{}, false
}

// argTargets reads a command argument as the paths it may name: itself
// cleaned (when inside the repository) and its base name.
func argTargets(arg string) []target {
	var out []target
	if rel, problem := cleanRel(arg); problem == "" {
		out = append(out, target{given: arg, literal: rel, resolved: rel})
	}
	if base := path.Base(arg); base != "." && base != "/" && base != ".." {
		out = append(out, target{given: arg, literal: base, resolved: base})
	}
	return out
}

// notPlain renders the finding that keeps a line from being plain.
func notPlain(a analysis) string {
	return a.problem.what + where(a.problem.pos, a.multiline)
}

// unmatched explains why no allow rule matches a simple command.
func unmatched(mode Mode, allow []compiledRule, cmd simpleCmd, multiline bool) string {
	msg := fmt.Sprintf("approval mode %s allows bash only where an allow rule matches every command of the line, and no rule matches %s%s (the bash allow rules are %s)",
		mode, show(cmd.String()), where(cmd.words[0].pos, multiline), listRules(allow))
	for _, r := range allow {
		if _, why := allowMatchExplained(r, cmd); why != "" {
			msg += "; " + why
			break
		}
	}
	return msg
}

// denyCommand applies the deny rules of bash to every command the line
// shows, generously.
func (p *Policy) denyCommand(a analysis) (Decision, bool) {
	for _, r := range rulesOf(p.deny, tools.Bash) {
		if r.bare() {
			return deniedBy(r, "the rule covers every command"), true
		}
		for _, cmd := range a.seen {
			if !denyMatch(r.words, cmd) {
				continue
			}
			if cmd[0].opaque() {
				return deniedBy(r, "the command name %s cannot be known before the line runs (%s), so it may be %s", show(cmd[0].text), cmd[0].exp.what, r.words[0]), true
			}
			shown := show(renderWords(cmd))
			if read := skeletonWords(cmd); read != renderWords(cmd) && shown != renderWords(cmd) {
				return deniedBy(r, "it matches %s (read as %s)", shown, read), true
			}
			return deniedBy(r, "it matches %s", shown), true
		}
	}
	return Decision{}, false
}

// skeletonWords renders the skeletons of words, for reasons.
func skeletonWords(ws []word) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.skeleton()
	}
	return strings.Join(parts, " ")
}

// denyMatch is how deny rules match a command, generously: the command
// name matches by base name and in any case ("/bin/RM" is rm), and the
// pattern's other words need only appear in order among the arguments,
// with anything between them, so options put in front ("git -C . push")
// cannot dodge a rule. Words are compared as they read (see skeleton), and
// a word whose value cannot be known may stand for any words at all.
func denyMatch(pattern []patWord, cmd []word) bool {
	if len(cmd) == 0 {
		return false
	}
	if name := cmd[0]; !name.opaque() && !strings.EqualFold(path.Base(name.skeleton()), path.Base(pattern[0].String())) {
		return false
	}
	rest := pattern[1:]
	if n := len(rest); n > 0 && rest[n-1].rest {
		rest = rest[:n-1]
	}
	i := 0
	for _, w := range cmd[1:] {
		if i == len(rest) {
			break
		}
		if w.opaque() {
			return true
		}
		if rest[i].match(w.skeleton()) {
			i++
		}
	}
	return i == len(rest)
}

// allowMatch returns the first allow rule that matches cmd.
func allowMatch(allow []compiledRule, cmd simpleCmd) (compiledRule, bool) {
	for _, r := range allow {
		if ok, _ := allowMatchExplained(r, cmd); ok {
			return r, true
		}
	}
	return compiledRule{}, false
}

// allowMatchExplained is how allow rules match a plain simple command,
// exactly: the command name equals the first word, and the other words
// match pairwise, a last word "*" matching any number of remaining words.
// A word that must be named (sed -i) does not match a wildcard; why then
// says so.
func allowMatchExplained(r compiledRule, cmd simpleCmd) (ok bool, why string) {
	argv := cmd.argv()
	if r.bare() {
		for i := range argv {
			if e, needs := cmd.explicit[i]; needs {
				return false, fmt.Sprintf("%s, so a rule must name %s literally, as in bash(%s)", e, argv[i], strings.Join(argv[:i+1], " "))
			}
		}
		return true, ""
	}
	pw := r.words
	if argv[0] != pw[0].String() {
		return false, ""
	}
	fixed := len(pw)
	if pw[fixed-1].rest {
		fixed--
		if len(argv) < fixed {
			return false, ""
		}
	} else if len(argv) != fixed {
		return false, ""
	}
	for i := 1; i < len(argv); i++ {
		wild := i >= fixed || !pw[i].literal()
		if i < fixed && !pw[i].match(argv[i]) {
			return false, ""
		}
		if e, needs := cmd.explicit[i]; needs && wild {
			return false, fmt.Sprintf("%s, so a rule must name %s literally, as in bash(%s)", e, argv[i], strings.Join(argv[:i+1], " "))
		}
	}
	return true, ""
}
