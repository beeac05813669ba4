package tasks

import (
	"strings"
	"testing"
)

// clearPositions zeroes where the tasks' prompts are written, for
// comparisons of whole tasks; TestPromptPositions checks them.
func clearPositions(ts []Task) {
	for i := range ts {
		ts[i].At = Positions{}
	}
}

func TestPromptPositions(t *testing.T) {
	t.Parallel()
	f := mustParse(t, "tasks.yaml", lines("version: 1", "defaults:", "  model: {name: m}", "  instructions: [docs/RULES.md]",
		"tasks:",
		"  - name: one", "    prompt: fix it",
		"  - name: many", "    prompts:", "      - first", "      - second",
		"  - name: cmd", "    command: review", "    args: src/main.go",
		"    instructions: []", "    instructions_from: base"))
	one, many, cmd := f.Tasks[0], f.Tasks[1], f.Tasks[2]
	if got := one.At.Prompts; len(got) != 1 || got[0] != (Position{7, 13}) {
		t.Errorf("one: %+v", got)
	}
	if got := many.At.Prompts; len(got) != 2 || got[0] != (Position{10, 9}) || got[1] != (Position{11, 9}) {
		t.Errorf("many: %+v", got)
	}
	if cmd.Command != "review" || cmd.Args != "src/main.go" || cmd.At.Command != (Position{13, 14}) || len(cmd.Prompts) != 0 {
		t.Errorf("cmd: %+v", cmd)
	}
	if strings.Join(one.Instructions, ",") != "docs/RULES.md" || one.InstructionsFrom != InstructionsWorktree {
		t.Errorf("one instructions %v from %q", one.Instructions, one.InstructionsFrom)
	}
	if cmd.Instructions == nil || len(cmd.Instructions) != 0 || cmd.InstructionsFrom != InstructionsBase {
		t.Errorf("instructions: [] must turn them off: %#v from %q", cmd.Instructions, cmd.InstructionsFrom)
	}
}

func testCommands() map[string]Command {
	return map[string]Command{
		"review": {Name: "review", Args: []string{"file"}, Approval: ApprovalPlan, Tools: []string{"read_file", "grep", "bash"},
			Body: "Review @{{file}}. {{args}}"},
		"tidy":  {Name: "tidy", Approval: ApprovalYolo, Body: "Tidy the README."},
		"grepy": {Name: "grepy", Tools: []string{"grep"}, Body: "Search."},
	}
}

func TestApplyCommands(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		task     []string
		prompts  []string
		approval Approval
		tools    string
	}{
		{"command and args", []string{"    command: review", "    args: src/main.go strict"},
			[]string{"Review @src/main.go. src/main.go strict"}, ApprovalPlan, "read_file,grep,bash"},
		{"slash prompt", []string{"    prompt: /review @src/main.go"},
			[]string{"Review @@src/main.go. @src/main.go"}, ApprovalPlan, "read_file,grep,bash"},
		{"a command never widens approval", []string{"    prompt: /tidy", "    approval: auto-edit"},
			[]string{"Tidy the README."}, ApprovalAutoEdit, "read_file,list_files,grep,write_file,edit_file,bash"},
		{"tools are intersected", []string{"    prompts: [/grepy, /review x]", "    tools: [read_file, grep]"},
			[]string{"Search.", "Review @x. x"}, ApprovalPlan, "grep"},
		{"paths are not commands", []string{"    prompt: /usr/bin/env is missing"},
			[]string{"/usr/bin/env is missing"}, ApprovalDefault, "read_file,list_files,grep,write_file,edit_file,bash"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := mustParse(t, "tasks.yaml", lines(append([]string{"version: 1", "defaults:", "  model: {name: m}", "tasks:", "  - name: t"}, tt.task...)...))
			if err := f.ApplyCommands(testCommands()); err != nil {
				t.Fatal(err)
			}
			got := f.Tasks[0]
			if strings.Join(got.Prompts, "|") != strings.Join(tt.prompts, "|") || got.Approval != tt.approval || strings.Join(got.Tools, ",") != tt.tools {
				t.Errorf("got prompts %q approval %s tools %v", got.Prompts, got.Approval, got.Tools)
			}
		})
	}
}

func TestApplyCommandsErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		task []string
		want string
	}{
		{"unknown command", []string{"    command: reveiw"},
			"tasks.yaml:6:14: tasks[0].command: unknown custom command /reveiw: there is no .safe-coder/commands/reveiw.md; did you mean /review?"},
		{"missing argument", []string{"    command: review"},
			"tasks.yaml:6:14: tasks[0].command: /review needs 1 argument(s) (file) and got 0"},
		{"unknown slash command", []string{"    prompts: [ok, /deploy now]"},
			"tasks.yaml:6:19: tasks[0].prompts[1]: unknown custom command /deploy: there is no .safe-coder/commands/deploy.md; the repository's commands are /grepy, /review, /tidy"},
		{"missing slash argument", []string{"    prompt: /review"},
			"tasks.yaml:6:13: tasks[0].prompt: /review needs 1 argument(s) (file) and got 0"},
		{"no tool left", []string{"    prompt: /grepy", "    tools: [read_file]"},
			"tasks.yaml:6:13: tasks[0].prompt: the command /grepy allows the tools grep and the task read_file: no tool is left"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := mustParse(t, "tasks.yaml", lines(append([]string{"version: 1", "defaults:", "  model: {name: m}", "tasks:", "  - name: t"}, tt.task...)...))
			err := f.ApplyCommands(testCommands())
			if err == nil || err.Error() != tt.want {
				t.Fatalf("got %v\nwant %s", err, tt.want)
			}
		})
	}
	// No commands at all: the message says so.
	f := mustParse(t, "tasks.yaml", lines("version: 1", "defaults:", "  model: {name: m}", "tasks:", "  - name: t", "    prompt: /tmp is full"))
	if err := f.ApplyCommands(nil); err == nil || !strings.Contains(err.Error(), "the repository has no custom commands") {
		t.Errorf("no commands: %v", err)
	}
}

// A task's problem does not keep the others from being expanded, so the
// checks after ApplyCommands (their @paths) report in the same pass; the
// task with the problem keeps its prompt as written.
func TestApplyCommandsExpandsTheRest(t *testing.T) {
	t.Parallel()
	f := mustParse(t, "tasks.yaml", lines("version: 1", "defaults:", "  model: {name: m}", "tasks:",
		"  - name: bad", "    prompt: /deploy now",
		"  - name: good", "    prompt: /review @src/main.go"))
	err := f.ApplyCommands(testCommands())
	if err == nil || !strings.Contains(err.Error(), "unknown custom command /deploy") {
		t.Fatalf("got %v, want the unknown command", err)
	}
	if got := f.Tasks[0].Prompts; len(got) != 1 || got[0] != "/deploy now" {
		t.Errorf("the task with the problem: prompts %q, want it as written", got)
	}
	if got := f.Tasks[1].Prompts; len(got) != 1 || got[0] != "Review @@src/main.go. @src/main.go" {
		t.Errorf("the good task: prompts %q, want the command's body", got)
	}
}
