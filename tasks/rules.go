package tasks

import (
	"fmt"
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/safe-coder/safe-coder/runner/policy"
)

// rules reads a list of allow or deny rules: strings policy.ParseRule
// accepts, each once. An empty list is valid: on a task it clears the
// defaults' allow rules.
func (w *walker) rules(f field) opt[[]string] {
	items, node, ok := w.seq(f)
	o := opt[[]string]{set: true, key: f.key, node: node, path: f.path}
	if !ok {
		return o
	}
	o.v, _, o.ok = w.distinct(items, func(item field) opt[string] {
		s := w.str(item)
		if s.ok {
			if _, err := policy.ParseRule(s.v); err != nil {
				w.errorf(s.node, item.path, "%s", oneLine(err.Error()))
				s.ok = false
			}
		}
		return s
	}, func(v string, firstLine int) string {
		return fmt.Sprintf("duplicate rule %s (first at line %d); list each rule once", quote(v), firstLine)
	})
	return o
}

// envLayer is the env mapping of one level.
type envLayer struct {
	pass opt[[]string]
	drop opt[[]string]
}

// env reads the env mapping: pass and drop, lists of variable names. A
// name in both lists of one mapping is a contradiction.
func (w *walker) env(f field) envLayer {
	fs, _, ok := w.mapping(f.value, f.path, envKeys())
	var l envLayer
	if !ok {
		return l
	}
	var passNodes []*yaml.Node
	if pf, ok := fs["pass"]; ok {
		l.pass, passNodes = w.envNames(pf)
		for i, name := range l.pass.v {
			w.passed = append(w.passed, opt[string]{v: name, set: true, ok: true, node: passNodes[i], path: indexPath(pf.path, i)})
		}
	}
	if df, ok := fs["drop"]; ok {
		var dropNodes []*yaml.Node
		l.drop, dropNodes = w.envNames(df)
		for i, name := range l.drop.v {
			if slices.Contains(l.pass.v, name) {
				w.errorf(dropNodes[i], df.path, "%s is both passed and dropped; keep it in one list", quote(name))
				l.drop.ok = false
			}
		}
	}
	return l
}

// envNames reads a list of environment variable names, each once, and the
// nodes of the valid ones.
func (w *walker) envNames(f field) (opt[[]string], []*yaml.Node) {
	items, node, ok := w.seq(f)
	o := opt[[]string]{set: true, key: f.key, node: node, path: f.path}
	if !ok {
		return o, nil
	}
	var nodes []*yaml.Node
	o.v, nodes, o.ok = w.distinct(items, func(item field) opt[string] {
		s := w.str(item)
		if s.ok && !envVarName.MatchString(s.v) {
			// The value is not repeated: it may be a secret written by
			// mistake.
			w.errorf(s.node, item.path, "expected the name of an environment variable (letters, digits and _, not starting with a digit); if this is a secret value, remove it from the file and rotate it")
			s.ok = false
		}
		return s
	}, func(v string, firstLine int) string {
		return fmt.Sprintf("duplicate variable %s (first at line %d); list each name once", quote(v), firstLine)
	})
	return o, nodes
}

// noteKeyEnv records the name of a variable holding a model provider's
// key, which env.pass may never name.
func (w *walker) noteKeyEnv(name string) {
	if w.keyEnvs == nil {
		w.keyEnvs = map[string]bool{}
	}
	w.keyEnvs[name] = true
}

// noteTokenEnv records the name of a variable holding a GitHub token for
// pull requests, which env.pass may never name.
func (w *walker) noteTokenEnv(name string) {
	if w.tokenEnvs == nil {
		w.tokenEnvs = map[string]bool{}
	}
	w.tokenEnvs[name] = true
}

// checkPassedKeys reports env.pass items that name a provider's key
// variable (any api_key_env of the file, and the providers' default
// variables, since the runner's environment may hold any of them) or a
// variable named by pr.token_env.
func (w *walker) checkPassedKeys() {
	for _, p := range w.passed {
		switch {
		case w.keyEnvs[p.v] || p.v == defaultAnthropicKeyEnv || p.v == defaultOpenAIKeyEnv:
			w.errorf(p.node, p.path, "%s holds a model provider's API key; the model's key must never reach commands, so it cannot be passed", quote(p.v))
		case w.tokenEnvs[p.v]:
			w.errorf(p.node, p.path, "%s holds the GitHub token of pr.token_env; the token that pushes and opens pull requests must never reach commands, so it cannot be passed", quote(p.v))
		}
	}
}

// mergeAllow returns a task's allow rules: its own list replaces the
// defaults', because a grant is decided per task.
func mergeAllow(task, defaults opt[[]string]) []string {
	return nonEmpty(slices.Clone(task.or(defaults).get(nil)))
}

// mergeDeny adds a task's deny rules to the defaults', each once, because
// a denial in defaults must hold for every task.
func mergeDeny(task, defaults opt[[]string]) []string {
	return union(defaults.get(nil), task.get(nil))
}

// mergeEnv merges env mappings the same way: pass, a grant, is replaced
// by a task's list; drop, a restriction, is added to. A name both dropped
// and passed is dropped.
func mergeEnv(task, defaults envLayer) Env {
	drop := union(defaults.drop.get(nil), task.drop.get(nil))
	var pass []string
	for _, name := range task.pass.or(defaults.pass).get(nil) {
		if !slices.Contains(drop, name) {
			pass = append(pass, name)
		}
	}
	return Env{Pass: pass, Drop: drop}
}

// union returns a followed by the items of b not in a, or nil when both
// are empty.
func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return nonEmpty(out)
}

// nonEmpty returns nil for an empty list, so an absent list and an empty
// one read the same.
func nonEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
