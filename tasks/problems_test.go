package tasks

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadInvalidFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join("testdata", "invalid.yaml")
	f, err := Load(path)
	if err == nil {
		t.Fatalf("Load succeeded with %d tasks; want errors", len(f.Tasks))
	}
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Load error is %T (%v); want Errors", err, err)
	}
	p := path + ":"
	want := []string{
		p + "7:18: defaults.model.api_key_env: expected the name of the environment variable holding the key (letters, digits and _, not starting with a digit); if this is the key itself, remove it from the file and rotate it",
		p + `8:13: defaults.approval: expected one of plan, default, auto-edit, yolo; got "yes" (a YAML 1.1 boolean word, not a mode)`,
		p + "9:41: defaults.limits.bash_timeout: expected a duration like 90s, 2m or 1h30m, got integer 120; a bare number has no unit: write 120s",
		p + `10:41: defaults.checks.attempt: unknown key "attempt"; did you mean "attempts"?`,
		p + `14:41: tasks[0].tools[3]: expected one of read_file, list_files, grep, write_file, edit_file, bash; got "shell"`,
		p + `15:11: tasks[1].name: duplicate task name "fix-vet" (first at line 12); task names must be unique`,
		p + `17:5: tasks[1].modle: unknown key "modle"; did you mean "model"?`,
		p + `20:19: tasks[2].git.branch: "docs/{task}" must contain {run}; without it two runs of the same task would use the same branch`,
		p + `23:55: tasks[3].model.stream: expected true or false, got "on", which YAML 1.1 reads as true and YAML 1.2 as a string; write true`,
		p + `24:14: tasks[3].limits.max_cost_usd: max_cost_usd needs a price for ollama model "llama3.1"; add model.pricing`,
		p + `24:40: tasks[3].limits.timeout: expected a duration like 90s, 2m or 1h30m, got "2d"`,
		p + `25:36: tasks[3].allow[1]: bad rule "bash(ls | sh)": unquoted "|" is shell syntax; a rule matches one simple command, and a line like "a && b" or "a | b" is allowed only when every command in it is, so write one rule per command; a correct rule looks like bash(go test ./...)`,
		p + `26:18: tasks[3].env.pass[0]: "ANTHROPIC_API_KEY" holds a model provider's API key; the model's key must never reach commands, so it cannot be passed`,
		p + `26:37: tasks[3].env.pass[1]: expected the name of an environment variable (letters, digits and _, not starting with a digit); if this is a secret value, remove it from the file and rotate it`,
	}
	checkLines(t, renderEach(errs), want)
	if strings.Contains(err.Error(), "sk-ant") {
		t.Errorf("the report repeats the API key written in the file:\n%v", err)
	}
}

// TestParseReportsAllProblemsInOrder checks that problems found late in
// the walk (checks combining settings) still come out sorted by position.
func TestParseReportsAllProblemsInOrder(t *testing.T) {
	t.Parallel()
	input := lines(
		"version: 3",
		"defaults:",
		"  model: {transcript: testdata/fix-vet.jsonl, name: m}",
		"  approval: maybe",
		"tasks:",
		"  - name: a..b",
		"    prompt: p",
		"    tools: [bsh]",
		"  - prompt: q",
	)
	checkLines(t, errorLines(t, input), []string{
		"tasks.yaml:1:10: version: unsupported version 3; this version of safe-coder reads version 1",
		`tasks.yaml:3:11: defaults.model.transcript: "transcript" does not apply to provider "anthropic", only to replay; remove it or set provider: replay`,
		`tasks.yaml:4:13: defaults.approval: expected one of plan, default, auto-edit, yolo; got "maybe"`,
		`tasks.yaml:6:11: tasks[0].name: with this name the run branch would be "safe-coder/a..b-20260101-000000-abcd", which is not a valid git branch name: it contains ".."; rename the task or change git.branch`,
		`tasks.yaml:8:13: tasks[0].tools[0]: expected one of read_file, list_files, grep, write_file, edit_file, bash; got "bsh"; did you mean "bash"?`,
		`tasks.yaml:9:5: tasks[1]: missing required key "name"`,
	})
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Load error = %v; want one wrapping fs.ErrNotExist", err)
	}
	var errs Errors
	if errors.As(err, &errs) {
		t.Errorf("a read failure is reported as file problems: %v", err)
	}
}

// aliasedPrompts builds a file with tasks tasks, each using the same
// anchored list of prompts prompts long.
func aliasedPrompts(tasks, prompts int) string {
	var b strings.Builder
	b.WriteString("version: 1\ndefaults: {model: {name: m}}\nprompts: &p [")
	b.WriteString(strings.TrimSuffix(strings.Repeat("x, ", prompts), ", "))
	b.WriteString("]\ntasks:\n")
	for i := range tasks {
		fmt.Fprintf(&b, "  - {name: t%d, prompts: *p}\n", i)
	}
	return b.String()
}

func TestParseBoundsAliasExpansion(t *testing.T) {
	t.Parallel()
	// 2,000 uses of a 1,000-item list: 2 million values from a 60 kB
	// file. The walk must stop with one problem instead of expanding it.
	input := strings.Replace(aliasedPrompts(2000, 1000), "prompts: &p", "x-prompts: &p", 1)
	_, err := Parse("tasks.yaml", []byte(input))
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Parse error = %v; want Errors", err)
	}
	var budget []*Error
	for _, e := range errs {
		if strings.HasPrefix(e.Msg, "the file expands to more than 1000000 YAML values") {
			budget = append(budget, e)
		}
	}
	if len(budget) != 1 {
		t.Fatalf("got %d expansion problems among:\n%v\nwant 1", len(budget), err)
	}
	// The only other problem is the unknown key holding the anchor.
	if len(errs) != 2 || errs[0].Line != 3 || errs[0].Field != "x-prompts" {
		t.Errorf("problems =\n%v\nwant the unknown x-prompts key and the expansion problem", err)
	}
}

func TestParseAllowsLargeFilesBelowTheBound(t *testing.T) {
	t.Parallel()
	input := strings.Replace(aliasedPrompts(300, 1000), "prompts: &p", "defaults2: &p", 1)
	// Keep the anchor in a valid place: the first task's prompts.
	input = strings.Replace(input, "defaults2: &p [", "tasks:\n  - name: first\n    prompts: &p [", 1)
	input = strings.Replace(input, "]\ntasks:\n", "]\n", 1)
	f := mustParse(t, "tasks.yaml", input)
	if len(f.Tasks) != 301 {
		t.Fatalf("got %d tasks; want 301", len(f.Tasks))
	}
	if n := len(f.Tasks[300].Prompts); n != 1000 {
		t.Errorf("last task has %d prompts; want 1000", n)
	}
}

func TestErrorRendering(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"full", &Error{File: "ci/tasks.yaml", Line: 7, Col: 15, Field: "tasks[1].approval", Msg: "bad"}, "ci/tasks.yaml:7:15: tasks[1].approval: bad"},
		{"file level", &Error{File: "tasks.yaml", Line: 1, Col: 1, Msg: "the file is empty"}, "tasks.yaml:1:1: the file is empty"},
		{"no file name", &Error{Line: 2, Col: 3, Field: "version", Msg: "bad"}, "2:3: version: bad"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() = %q; want %q", got, tc.want)
			}
		})
	}
	errs := Errors{tests[0].err, tests[1].err}
	if got, want := errs.Error(), tests[0].want+"\n"+tests[1].want; got != want {
		t.Errorf("Errors.Error() = %q; want %q", got, want)
	}
}
