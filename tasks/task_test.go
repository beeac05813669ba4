package tasks

import (
	"strings"
	"testing"
)

func taskCases() []parseCase {
	// task builds a file whose only task (line 5 on) has the given lines.
	task := func(ls ...string) string {
		return lines(append([]string{"version: 1", "defaults:", "  model: {name: claude}", "tasks:"}, ls...)...)
	}
	return []parseCase{
		{"missing name", task("  - prompt: p"), []string{
			`tasks.yaml:5:5: tasks[0]: missing required key "name"`,
		}},
		{"missing prompt", task("  - name: t"), []string{
			`tasks.yaml:5:5: tasks[0]: missing required key "prompt" (or "prompts" for several)`,
		}},
		{"prompt and prompts", task("  - name: t", "    prompts: [a]", "    prompt: b"), []string{
			`tasks.yaml:7:5: tasks[0].prompt: set either "prompt" or "prompts", not both`,
		}},
		{"empty prompt", task("  - name: t", `    prompt: ""`), []string{
			"tasks.yaml:6:13: tasks[0].prompt: must not be empty",
		}},
		{"blank prompt", task("  - name: t", "    prompt: |", "      ", ""), []string{
			"tasks.yaml:6:13: tasks[0].prompt: must not be empty",
		}},
		{"null prompt", task("  - name: t", "    prompt:"), []string{
			"tasks.yaml:6:12: tasks[0].prompt: expected a string, got null",
		}},
		{"prompt is a number", task("  - name: t", "    prompt: 42"), []string{
			`tasks.yaml:6:13: tasks[0].prompt: expected a string, got integer 42; quote it if you mean the text: "42"`,
		}},
		{"empty prompts", task("  - name: t", "    prompts: []"), []string{
			"tasks.yaml:6:14: tasks[0].prompts: must list at least one prompt",
		}},
		{"prompts is a string", task("  - name: t", "    prompts: do it"), []string{
			`tasks.yaml:6:14: tasks[0].prompts: expected a sequence, got string "do it"`,
		}},
		{"bad prompts items", task("  - name: t", "    prompts:", "      - first", `      - ""`, "      - [nested]", "      - true"), []string{
			"tasks.yaml:8:9: tasks[0].prompts[1]: must not be empty",
			"tasks.yaml:9:9: tasks[0].prompts[2]: expected a string, got sequence",
			`tasks.yaml:10:9: tasks[0].prompts[3]: expected a string, got boolean true; quote it if you mean the text: "true"`,
		}},
		{"name with a space", task(`  - name: "fix vet"`, "    prompt: p"), []string{
			`tasks.yaml:5:11: tasks[0].name: invalid task name "fix vet": use 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit`,
		}},
		{"name starting with a dash", task(`  - name: "-x"`, "    prompt: p"), []string{
			`tasks.yaml:5:11: tasks[0].name: invalid task name "-x": use 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit`,
		}},
		{"name too long", task("  - name: "+strings.Repeat("n", 65), "    prompt: p"), []string{
			`tasks.yaml:5:11: tasks[0].name: invalid task name "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"...: use 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit`,
		}},
		{"name is a number", task("  - name: 2024", "    prompt: p"), []string{
			`tasks.yaml:5:11: tasks[0].name: expected a string, got integer 2024; quote it if you mean the text: "2024"`,
		}},
		{"name breaks the branch", task("  - name: a..b", "    prompt: p"), []string{
			`tasks.yaml:5:11: tasks[0].name: with this name the run branch would be "safe-coder/a..b-20260101-000000-abcd", which is not a valid git branch name: it contains ".."; rename the task or change git.branch`,
		}},
		{"name breaks a custom branch", task("  - name: x.lock", "    prompt: p", "    git: {branch: \"{run}/{task}\"}"), []string{
			`tasks.yaml:5:11: tasks[0].name: with this name the run branch would be "20260101-000000-abcd/x.lock", which is not a valid git branch name: component "x.lock" ends with ".lock"; rename the task or change git.branch`,
		}},
		{"duplicate names", task("  - name: t", "    prompt: p", "  - name: u", "    prompt: p", "  - name: t", "    prompt: q"), []string{
			`tasks.yaml:9:11: tasks[2].name: duplicate task name "t" (first at line 5); task names must be unique`,
		}},
		{"duplicate names through an alias", task("  - &t {name: t, prompt: p}", "  - *t"), []string{
			`tasks.yaml:6:5: tasks[1].name: duplicate task name "t" (first at line 5); task names must be unique`,
		}},
		{"duplicate key in a task", task("  - name: t", "    prompt: p", "    name: u"), []string{
			`tasks.yaml:7:5: tasks[0].name: duplicate key "name" (first at line 5); keep one`,
		}},
		{"unknown key with suggestion", task("  - name: t", "    promt: p"), []string{
			`tasks.yaml:5:5: tasks[0]: missing required key "prompt" (or "prompts" for several)`,
			`tasks.yaml:6:5: tasks[0].promt: unknown key "promt"; did you mean "prompt"?`,
		}},
		{"unknown key with transposed letters", task("  - name: t", "    prompt: p", "    modle: {name: m}"), []string{
			`tasks.yaml:7:5: tasks[0].modle: unknown key "modle"; did you mean "model"?`,
		}},
		{"unknown key in other case", task("  - name: t", "    prompt: p", "    Approval: plan"), []string{
			`tasks.yaml:7:5: tasks[0].Approval: unknown key "Approval"; did you mean "approval"?`,
		}},
		{"unknown key without suggestion", task("  - name: t", "    prompt: p", "    owner: me"), []string{
			`tasks.yaml:7:5: tasks[0].owner: unknown key "owner"; valid keys are name, prompt, prompts, command, args, model, approval, tools, allow, deny, env, limits, checks, on_failure, git, pr, instructions, instructions_from`,
		}},
		{"unknown key that is not a word", task("  - name: t", "    prompt: p", `    "tool s": [bash]`), []string{
			`tasks.yaml:7:5: tasks[0]["tool s"]: unknown key "tool s"; did you mean "tools"?`,
		}},
		{"short unknown key gets no suggestion", task("  - name: t", "    prompt: p", "    id: 1"), []string{
			`tasks.yaml:7:5: tasks[0].id: unknown key "id"; valid keys are name, prompt, prompts, command, args, model, approval, tools, allow, deny, env, limits, checks, on_failure, git, pr, instructions, instructions_from`,
		}},
		{"command with a prompt, args without a command", task("  - name: t", "    prompt: p",
			"    instructions: [AGENTS.md]", "    command: update-docs", "    args: install",
			"  - name: u", "    prompt: p", "    args: x"), []string{
			`tasks.yaml:6:5: tasks[0].prompt: set either "command" or "prompt", not both: a custom command is the task's first prompt`,
			`tasks.yaml:12:5: tasks[1].args: "args" needs "command": they are the arguments of a custom command`,
		}},
		{"bad instruction files and source in defaults", lines("version: 1", "defaults:", "  model: {name: m}",
			"  instructions: [../x.md, /etc/a.md, .git/config, '']", "  instructions_from: yes",
			"tasks: [{name: t, prompt: p}]"), []string{
			`tasks.yaml:4:18: defaults.instructions[0]: instruction file "../x.md" leaves the repository; write it relative to the repository root`,
			`tasks.yaml:4:27: defaults.instructions[1]: instruction file "/etc/a.md" is absolute; write it relative to the repository root`,
			`tasks.yaml:4:38: defaults.instructions[2]: instruction file ".git/config" is inside .git, which is never read`,
			`tasks.yaml:4:51: defaults.instructions[3]: must not be empty`,
			`tasks.yaml:5:22: defaults.instructions_from: expected one of worktree, base; got "yes" (a YAML 1.1 boolean word, not a choice)`,
		}},
		{"task-only keys in defaults", lines("version: 1", "defaults:", "  model: {name: m}", "  prompt: p", "  command: x",
			"tasks: [{name: t, prompt: p}]"), []string{
			`tasks.yaml:4:3: defaults.prompt: "prompt" can only be set on a task, not in defaults`,
			`tasks.yaml:5:3: defaults.command: "command" can only be set on a task, not in defaults`,
		}},
	}
}

func TestParseTaskErrors(t *testing.T) {
	t.Parallel()
	runParseCases(t, taskCases())
}
