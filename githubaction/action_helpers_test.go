package githubaction

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// action is the part of action.yml the tests read.
type action struct {
	Name        string                  `yaml:"name"`
	Description string                  `yaml:"description"`
	Inputs      map[string]actionInput  `yaml:"inputs"`
	Outputs     map[string]actionOutput `yaml:"outputs"`
	Runs        struct {
		Using string       `yaml:"using"`
		Steps []actionStep `yaml:"steps"`
	} `yaml:"runs"`
}

type actionInput struct {
	Description string `yaml:"description"`
	Required    bool   `yaml:"required"`
	Default     string `yaml:"default"`
}

type actionOutput struct {
	Description string `yaml:"description"`
	Value       string `yaml:"value"`
}

type actionStep struct {
	ID    string            `yaml:"id"`
	Name  string            `yaml:"name"`
	Uses  string            `yaml:"uses"`
	Shell string            `yaml:"shell"`
	Run   string            `yaml:"run"`
	Env   map[string]string `yaml:"env"`
	With  map[string]string `yaml:"with"`
}

// label names a step in test messages.
func (s actionStep) label() string {
	switch {
	case s.ID != "":
		return "step " + s.ID
	case s.Name != "":
		return "step " + s.Name
	default:
		return "step " + s.Uses
	}
}

// repoRoot is the repository the package lives in: go test runs a
// package's tests in its own directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatalf("repository root: %v", err)
	}
	return root
}

func loadAction(t *testing.T) action {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "action.yml"))
	if err != nil {
		t.Fatalf("read action.yml: %v", err)
	}
	var a action
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatalf("parse action.yml: %v", err)
	}
	return a
}

// exprPattern matches one ${{ … }} expression; the group is its body.
var exprPattern = regexp.MustCompile(`\$\{\{(.*?)\}\}`)

// contextPath is the only expression form the action may use: a plain
// property path such as inputs.tasks or steps.build.outputs.path. Anything
// richer would need a real evaluator, which this test deliberately lacks.
var contextPath = regexp.MustCompile(`^[a-z]+(\.[A-Za-z0-9_-]+)+$`)

// expressions lists the bodies of the ${{ }} expressions in s, trimmed.
func expressions(s string) []string {
	var out []string
	for _, m := range exprPattern.FindAllStringSubmatch(s, -1) {
		out = append(out, strings.TrimSpace(m[1]))
	}
	return out
}

// evaluate substitutes every ${{ path }} in s with vars[path], as the
// runner does for the handful of contexts the action uses. An expression
// that is not a plain path, or a path vars does not hold, is an error.
func evaluate(s string, vars map[string]string) (string, error) {
	var firstErr error
	out := exprPattern.ReplaceAllStringFunc(s, func(m string) string {
		body := strings.TrimSpace(exprPattern.FindStringSubmatch(m)[1])
		if !contextPath.MatchString(body) {
			if firstErr == nil {
				firstErr = fmt.Errorf("expression %q is not a context path", body)
			}
			return ""
		}
		v, ok := vars[body]
		if !ok && firstErr == nil {
			firstErr = fmt.Errorf("expression %q: no such value", body)
		}
		return v
	})
	return out, firstErr
}

// parseOutputs reads a GITHUB_OUTPUT file: name=value lines and
// name<<DELIMITER … DELIMITER blocks, as the runner does.
func parseOutputs(data []byte) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		if name, delim, ok := strings.Cut(line, "<<"); ok && !strings.Contains(name, "=") {
			var lines []string
			closed := false
			for sc.Scan() {
				if sc.Text() == delim {
					closed = true
					break
				}
				lines = append(lines, sc.Text())
			}
			if !closed {
				return nil, fmt.Errorf("output %s: delimiter %q never closes", name, delim)
			}
			out[name] = strings.Join(lines, "\n")
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("output line %q has neither = nor <<", line)
		}
		out[name] = value
	}
	return out, sc.Err()
}

// inputVars is the inputs context: each input's default (evaluated against
// the github context) unless given.
func inputVars(t *testing.T, a action, github map[string]string, given map[string]string) map[string]string {
	t.Helper()
	vars := map[string]string{}
	for name, in := range a.Inputs {
		def, err := evaluate(in.Default, github)
		if err != nil {
			t.Fatalf("default of input %s: %v", name, err)
		}
		vars["inputs."+name] = def
	}
	for name, v := range given {
		if _, ok := a.Inputs[name]; !ok {
			t.Fatalf("test gives input %q, which action.yml does not declare", name)
		}
		vars["inputs."+name] = v
	}
	return vars
}

// baseEnv is the environment of the test process without anything the
// runner would set per step, so the host's own GitHub variables (when the
// tests run in Actions) cannot leak into the simulation.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "GITHUB_") || strings.HasPrefix(name, "RUNNER_") ||
			strings.HasPrefix(name, "INPUT_") || isSecretName(name) {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// isSecretName reports whether name is one of the variables the action
// exports from its key and token inputs.
func isSecretName(name string) bool {
	switch name {
	case "ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GITHUB_TOKEN":
		return true
	}
	return false
}

// setEnv returns env with name set to value, replacing an earlier value.
func setEnv(env []string, name, value string) []string {
	out := slices.DeleteFunc(slices.Clone(env), func(kv string) bool {
		return strings.HasPrefix(kv, name+"=")
	})
	return append(out, name+"="+value)
}

// envValue is the value of name in env, and whether it is set.
func envValue(env []string, name string) (string, bool) {
	for _, kv := range slices.Backward(env) {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v, true
		}
	}
	return "", false
}
