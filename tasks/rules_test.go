package tasks

import (
	"reflect"
	"testing"
)

// ruleCases are invalid allow, deny and env settings and the problems
// they must produce, each at the item's position.
func ruleCases() []parseCase {
	set := func(ls ...string) string { return header(ls...) }
	return []parseCase{
		{"bad rules", set(
			"    allow:",
			`      - "bash(go test ./...)"`,
			`      - "bash(ls"`,
			"      - 42",
			`      - "shell(ls)"`,
			`      - "bash(go test ./...)"`,
			`    deny: ["write_file(/etc/**)", "bash(echo $HOME)"]`,
		), []string{
			`tasks.yaml:9:9: tasks[0].allow[1]: bad rule "bash(ls": no closing ")"; a correct rule looks like bash(go test ./...)`,
			`tasks.yaml:10:9: tasks[0].allow[2]: expected a string, got integer 42; quote it if you mean the text: "42"`,
			`tasks.yaml:11:9: tasks[0].allow[3]: bad rule "shell(ls)": unknown tool "shell"; a rule starts with one of read_file, list_files, grep, write_file, edit_file, bash; a correct rule looks like bash(go test ./...)`,
			`tasks.yaml:12:9: tasks[0].allow[4]: duplicate rule "bash(go test ./...)" (first at line 8); list each rule once`,
			`tasks.yaml:13:12: tasks[0].deny[0]: bad rule "write_file(/etc/**)": bad glob pattern "/etc/**": patterns are relative to the repository root and must not start with '/'; a correct rule looks like write_file(docs/**)`,
			`tasks.yaml:13:35: tasks[0].deny[1]: bad rule "bash(echo $HOME)": unquoted "$" would be expanded by the shell; rules match literal words (quote it with single quotes to mean the character itself); a correct rule looks like bash(go test ./...)`,
		}},
		{"rules in defaults", lines("version: 1", "defaults:", "  model: {name: m}", `  deny: ["bash()"]`, "  allow: bash", "tasks: [{name: t, prompt: p}]"), []string{
			`tasks.yaml:4:10: defaults.deny[0]: bad rule "bash()": the pattern between the parentheses is empty; write the bare tool name (bash) to cover every call; a correct rule looks like bash(go test ./...)`,
			`tasks.yaml:5:10: defaults.allow: expected a sequence, got string "bash"`,
		}},
		{"env problems", set(
			"    env:",
			"      pass: [GOPRIVATE_TOKEN, 1X, GOPRIVATE_TOKEN, NPM_TOKEN]",
			"      drop: [NPM_TOKEN, \"\"]",
			"      keep: [X]",
		), []string{
			`tasks.yaml:8:31: tasks[0].env.pass[1]: expected the name of an environment variable (letters, digits and _, not starting with a digit); if this is a secret value, remove it from the file and rotate it`,
			`tasks.yaml:8:35: tasks[0].env.pass[2]: duplicate variable "GOPRIVATE_TOKEN" (first at line 8); list each name once`,
			`tasks.yaml:9:14: tasks[0].env.drop: "NPM_TOKEN" is both passed and dropped; keep it in one list`,
			`tasks.yaml:9:25: tasks[0].env.drop[1]: expected the name of an environment variable (letters, digits and _, not starting with a digit); if this is a secret value, remove it from the file and rotate it`,
			`tasks.yaml:10:7: tasks[0].env.keep: unknown key "keep"; valid keys are pass, drop`,
		}},
		{"env is a list", set("    env: [X]"), []string{
			"tasks.yaml:7:10: tasks[0].env: expected a mapping, got sequence",
		}},
		{"the model's key is never passed", lines(
			"version: 1",
			"defaults:",
			"  model: {name: m, api_key_env: MY_ANTHROPIC_KEY}",
			"  env: {pass: [MY_ANTHROPIC_KEY]}",
			"tasks:",
			"  - name: a",
			"    prompt: p",
			"    env: {pass: [OPENAI_API_KEY, ANTHROPIC_API_KEY, GATEWAY_KEY, GITHUB_TOKEN]}",
			"  - name: b",
			"    prompt: p",
			"    model: {provider: openai, name: x, api_key_env: GATEWAY_KEY}",
		), []string{
			`tasks.yaml:4:16: defaults.env.pass[0]: "MY_ANTHROPIC_KEY" holds a model provider's API key; the model's key must never reach commands, so it cannot be passed`,
			`tasks.yaml:8:18: tasks[0].env.pass[0]: "OPENAI_API_KEY" holds a model provider's API key; the model's key must never reach commands, so it cannot be passed`,
			`tasks.yaml:8:34: tasks[0].env.pass[1]: "ANTHROPIC_API_KEY" holds a model provider's API key; the model's key must never reach commands, so it cannot be passed`,
			`tasks.yaml:8:53: tasks[0].env.pass[2]: "GATEWAY_KEY" holds a model provider's API key; the model's key must never reach commands, so it cannot be passed`,
		}},
		{"top-level rules", lines("version: 1", `deny: ["bash(rm *)"]`, "tasks: [{name: t, prompt: p, model: {name: m}}]"), []string{
			`tasks.yaml:2:1: deny: "deny" cannot be set at the top level; put it under defaults: or on a task`,
		}},
	}
}

func TestParseRuleErrors(t *testing.T) {
	t.Parallel()
	runParseCases(t, ruleCases())
}

// Deny rules and dropped variables add up from defaults to tasks; allow
// rules and passed variables are replaced by a task that sets them.
func TestParseMergesRulesAndEnv(t *testing.T) {
	t.Parallel()
	f := mustParse(t, "tasks.yaml", lines(
		"version: 1",
		"defaults:",
		"  model: {name: m}",
		`  allow: ["bash(go test ./...)", "write_file(docs/**)"]`,
		`  deny: ["bash(git push *)", "read_file(**/.env)"]`,
		"  env: {pass: [GOPRIVATE_TOKEN, NPM_TOKEN], drop: [AWS_PROFILE]}",
		"tasks:",
		"  - name: inherits",
		"    prompt: p",
		"  - name: overrides",
		"    prompt: p",
		`    allow: ["bash(make test)"]`,
		`    deny: ["bash(rm *)", "bash(git push *)"]`,
		"    env: {pass: [SSH_AUTH_SOCK], drop: [KUBECONFIG]}",
		"  - name: clears",
		"    prompt: p",
		"    allow: []",
		"    deny: []",
		"    env: {pass: [], drop: [NPM_TOKEN]}",
	))
	tests := []struct {
		allow, deny []string
		env         Env
	}{
		{
			allow: []string{"bash(go test ./...)", "write_file(docs/**)"},
			deny:  []string{"bash(git push *)", "read_file(**/.env)"},
			env:   Env{Pass: []string{"GOPRIVATE_TOKEN", "NPM_TOKEN"}, Drop: []string{"AWS_PROFILE"}},
		},
		{
			allow: []string{"bash(make test)"},
			deny:  []string{"bash(git push *)", "read_file(**/.env)", "bash(rm *)"},
			env:   Env{Pass: []string{"SSH_AUTH_SOCK"}, Drop: []string{"AWS_PROFILE", "KUBECONFIG"}},
		},
		{
			// An empty deny list takes nothing away from the defaults'.
			deny: []string{"bash(git push *)", "read_file(**/.env)"},
			env:  Env{Drop: []string{"AWS_PROFILE", "NPM_TOKEN"}},
		},
	}
	for i, tt := range tests {
		got := f.Tasks[i]
		if !reflect.DeepEqual(got.Allow, tt.allow) || !reflect.DeepEqual(got.Deny, tt.deny) || !reflect.DeepEqual(got.Env, tt.env) {
			t.Errorf("tasks[%d]: allow %q, deny %q, env %+v; want %q, %q, %+v", i, got.Allow, got.Deny, got.Env, tt.allow, tt.deny, tt.env)
		}
	}
	// A name dropped in defaults and passed by a task is dropped.
	g := mustParse(t, "tasks.yaml", lines("version: 1", "defaults: {model: {name: m}, env: {drop: [NPM_TOKEN]}}",
		"tasks: [{name: t, prompt: p, env: {pass: [NPM_TOKEN, GOPROXY_TOKEN]}}]"))
	if got := g.Tasks[0].Env; !reflect.DeepEqual(got, Env{Pass: []string{"GOPROXY_TOKEN"}, Drop: []string{"NPM_TOKEN"}}) {
		t.Errorf("env = %+v; want NPM_TOKEN dropped, not passed", got)
	}
	// Tasks must not share the defaults' lists.
	f.Tasks[0].Allow[0], f.Tasks[0].Deny[0] = "changed", "changed"
	if f.Tasks[2].Deny[0] != "bash(git push *)" {
		t.Errorf("tasks share their inherited deny list")
	}
	h := mustParse(t, "tasks.yaml", lines("version: 1", `defaults: {model: {name: m}, allow: ["bash(ls)"]}`, "tasks: [{name: a, prompt: p}, {name: b, prompt: p}]"))
	h.Tasks[0].Allow[0] = "changed"
	if h.Tasks[1].Allow[0] != "bash(ls)" {
		t.Errorf("tasks share their inherited allow list")
	}
}
