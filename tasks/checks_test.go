package tasks

import (
	"reflect"
	"testing"
	"time"
)

// checksCases are invalid checks, on_failure and git safety settings and
// the problems they must produce.
func checksCases() []parseCase {
	// tasks builds a file whose tasks start at line 4, one per line.
	tasks := func(ls ...string) string {
		return lines(append([]string{"version: 1", "defaults: {model: {name: m}}", "tasks:"}, ls...)...)
	}
	return []parseCase{
		{"checks is a list", tasks("  - {name: a, prompt: p, checks: [go test]}"), []string{
			"tasks.yaml:4:34: tasks[0].checks: expected a mapping, got sequence",
		}},
		{"checks without commands", tasks(
			"  - {name: a, prompt: p, checks: {}}",
			"  - {name: b, prompt: p, checks: {attempts: 1, timeout: 1m}}",
			"  - {name: c, prompt: p, checks: {command: [go test]}}"), []string{
			`tasks.yaml:4:34: tasks[0].checks: missing required key "commands": the command lines to run after the agent finishes, e.g. commands: ["go test ./..."]`,
			`tasks.yaml:5:34: tasks[1].checks: missing required key "commands": the command lines to run after the agent finishes, e.g. commands: ["go test ./..."]`,
			`tasks.yaml:6:34: tasks[2].checks: missing required key "commands": the command lines to run after the agent finishes, e.g. commands: ["go test ./..."]`,
			`tasks.yaml:6:35: tasks[2].checks.command: unknown key "command"; did you mean "commands"?`,
		}},
		{"commands problems", tasks(
			"  - {name: a, prompt: p, checks: {commands: []}}",
			"  - {name: b, prompt: p, checks: {commands: go test}}",
			`  - {name: c, prompt: p, checks: {commands: [go vet, "", "  ", 7, [x]]}}`,
			"  - {name: d, prompt: p, checks: {commands: null}}"), []string{
			`tasks.yaml:4:45: tasks[0].checks.commands: must list at least one command, e.g. ["go test ./..."]; remove checks for no checks`,
			`tasks.yaml:5:45: tasks[1].checks.commands: expected a sequence, got string "go test"`,
			"tasks.yaml:6:54: tasks[2].checks.commands[1]: must not be empty",
			"tasks.yaml:6:58: tasks[2].checks.commands[2]: must not be empty",
			`tasks.yaml:6:64: tasks[2].checks.commands[3]: expected a string, got integer 7; quote it if you mean the text: "7"`,
			"tasks.yaml:6:67: tasks[2].checks.commands[4]: expected a string, got sequence",
			"tasks.yaml:7:45: tasks[3].checks.commands: expected a sequence, got null",
		}},
		{"attempts problems", tasks(
			"  - {name: a, prompt: p, checks: {commands: [x], attempts: -1}}",
			`  - {name: b, prompt: p, checks: {commands: [x], attempts: "2"}}`,
			"  - {name: c, prompt: p, checks: {commands: [x], attempts: 1.5}}",
			"  - {name: d, prompt: p, checks: {commands: [x], attempts: yes}}"), []string{
			"tasks.yaml:4:60: tasks[0].checks.attempts: must be at least 0, got -1",
			`tasks.yaml:5:60: tasks[1].checks.attempts: expected an integer, got string "2"; remove the quotes`,
			"tasks.yaml:6:60: tasks[2].checks.attempts: expected an integer, got float 1.5",
			`tasks.yaml:7:60: tasks[3].checks.attempts: expected an integer, got string "yes"`,
		}},
		{"check timeout problems", tasks(
			"  - {name: a, prompt: p, checks: {commands: [x], timeout: 0s}}",
			"  - {name: b, prompt: p, checks: {commands: [x], timeout: 24h1m}}",
			"  - {name: c, prompt: p, checks: {commands: [x], timeout: 600}}",
			"  - {name: d, prompt: p, checks: {commands: [x], timeout: 10 minutes}}"), []string{
			"tasks.yaml:4:59: tasks[0].checks.timeout: must be more than 0 and at most 24h, got 0s",
			"tasks.yaml:5:59: tasks[1].checks.timeout: must be more than 0 and at most 24h, got 24h1m",
			"tasks.yaml:6:59: tasks[2].checks.timeout: expected a duration like 90s, 2m or 1h30m, got integer 600; a bare number has no unit: write 600s",
			`tasks.yaml:7:59: tasks[3].checks.timeout: expected a duration like 90s, 2m or 1h30m, got "10 minutes"`,
		}},
		{"defaults' commands invalid", lines("version: 1", "defaults:", "  model: {name: m}",
			"  checks: {commands: [\"\"]}", "tasks: [{name: t, prompt: p, checks: {attempts: 1}}]"), []string{
			// The task inherits commands, broken as they are: reported
			// once, where they are written.
			"tasks.yaml:4:23: defaults.checks.commands[0]: must not be empty",
		}},
		{"on_failure problems", tasks(
			"  - {name: a, prompt: p, on_failure: yes}",
			"  - {name: b, prompt: p, on_failure: rolback}",
			"  - {name: c, prompt: p, on_failure: revert}",
			"  - {name: d, prompt: p, on_failure: [keep]}",
			"  - {name: e, prompt: p, on_failure: false}"), []string{
			`tasks.yaml:4:38: tasks[0].on_failure: expected one of rollback, keep; got "yes" (a YAML 1.1 boolean word, not a choice)`,
			`tasks.yaml:5:38: tasks[1].on_failure: expected one of rollback, keep; got "rolback"; did you mean "rollback"?`,
			`tasks.yaml:6:38: tasks[2].on_failure: expected one of rollback, keep; got "revert"`,
			"tasks.yaml:7:38: tasks[3].on_failure: expected one of rollback, keep; got sequence",
			`tasks.yaml:8:38: tasks[4].on_failure: expected one of rollback, keep; got "false" (a YAML 1.1 boolean word, not a choice)`,
		}},
		{"git.dirty problems", tasks(
			"  - {name: a, prompt: p, git: {dirty: no}}",
			"  - {name: b, prompt: p, git: {dirty: snapshots}}",
			"  - {name: c, prompt: p, git: {dirty: stash}}",
			"  - {name: d, prompt: p, git: {dirty: 1}}"), []string{
			`tasks.yaml:4:39: tasks[0].git.dirty: expected one of snapshot, refuse; got "no" (a YAML 1.1 boolean word, not a choice)`,
			`tasks.yaml:5:39: tasks[1].git.dirty: expected one of snapshot, refuse; got "snapshots"; did you mean "snapshot"?`,
			`tasks.yaml:6:39: tasks[2].git.dirty: expected one of snapshot, refuse; got "stash"`,
			"tasks.yaml:7:39: tasks[3].git.dirty: expected one of snapshot, refuse; got integer 1",
		}},
		{"git.return problems", tasks(
			"  - {name: a, prompt: p, git: {return: yes}}",
			"  - {name: b, prompt: p, git: {return: off}}",
			`  - {name: c, prompt: p, git: {return: "true"}}`,
			"  - {name: d, prompt: p, git: {return: 1}}",
			"  - {name: e, prompt: p, git: {return: main}}"), []string{
			`tasks.yaml:4:40: tasks[0].git.return: expected true or false, got "yes", which YAML 1.1 reads as true and YAML 1.2 as a string; write true`,
			`tasks.yaml:5:40: tasks[1].git.return: expected true or false, got "off", which YAML 1.1 reads as false and YAML 1.2 as a string; write false`,
			`tasks.yaml:6:40: tasks[2].git.return: expected true or false, got string "true"; remove the quotes`,
			"tasks.yaml:7:40: tasks[3].git.return: expected true or false, got integer 1",
			`tasks.yaml:8:40: tasks[4].git.return: expected true or false, got string "main"`,
		}},
		{"git.max_file_mb problems", tasks(
			"  - {name: a, prompt: p, git: {max_file_mb: 0}}",
			"  - {name: b, prompt: p, git: {max_file_mb: 10001}}",
			`  - {name: c, prompt: p, git: {max_file_mb: "50"}}`,
			"  - {name: d, prompt: p, git: {max_file_mb: 50MB}}",
			"  - {name: e, prompt: p, git: {max_file_mb: 0.5}}"), []string{
			"tasks.yaml:4:45: tasks[0].git.max_file_mb: must be between 1 and 10000, got 0",
			"tasks.yaml:5:45: tasks[1].git.max_file_mb: must be between 1 and 10000, got 10001",
			`tasks.yaml:6:45: tasks[2].git.max_file_mb: expected an integer, got string "50"; remove the quotes`,
			`tasks.yaml:7:45: tasks[3].git.max_file_mb: expected an integer, got string "50MB"`,
			"tasks.yaml:8:45: tasks[4].git.max_file_mb: expected an integer, got float 0.5",
		}},
		{"git safety keys in defaults", lines("version: 1", "defaults:", "  model: {name: m}",
			"  on_failure: Rollback", "  git: {dirty: on, return: n}", "tasks: [{name: t, prompt: p}]"), []string{
			`tasks.yaml:4:15: defaults.on_failure: expected one of rollback, keep; got "Rollback"; did you mean "rollback"?`,
			`tasks.yaml:5:16: defaults.git.dirty: expected one of snapshot, refuse; got "on" (a YAML 1.1 boolean word, not a choice)`,
			`tasks.yaml:5:28: defaults.git.return: expected true or false, got "n", which YAML 1.1 reads as false and YAML 1.2 as a string; write false`,
		}},
	}
}

func TestParseChecksErrors(t *testing.T) {
	t.Parallel()
	runParseCases(t, checksCases())
}

// TestParseChecksMerge checks how checks, on_failure and the git safety
// keys merge from defaults into tasks: key by key, the task winning.
func TestParseChecksMerge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		defaults  string
		task      string
		checks    Checks
		onFailure OnFailure
		git       Git
	}{
		{"built-in defaults", "", "",
			Checks{Attempts: 2, Timeout: 10 * time.Minute}, OnFailureKeep,
			Git{Branch: defaultBranch, Dirty: DirtySnapshot, MaxFileMB: 50}},
		{"defaults set attempts and timeout for tasks without commands",
			"checks: {attempts: 5, timeout: 1h}", "",
			Checks{Attempts: 5, Timeout: time.Hour}, OnFailureKeep,
			Git{Branch: defaultBranch, Dirty: DirtySnapshot, MaxFileMB: 50}},
		{"a task adds commands to the defaults' attempts",
			"checks: {attempts: 0}", "checks: {commands: [make check]}",
			Checks{Commands: []string{"make check"}, Attempts: 0, Timeout: 10 * time.Minute}, OnFailureKeep,
			Git{Branch: defaultBranch, Dirty: DirtySnapshot, MaxFileMB: 50}},
		{"a task's commands replace the defaults'",
			"checks: {commands: [a, b], timeout: 2m}", "checks: {commands: [c]}",
			Checks{Commands: []string{"c"}, Attempts: 2, Timeout: 2 * time.Minute}, OnFailureKeep,
			Git{Branch: defaultBranch, Dirty: DirtySnapshot, MaxFileMB: 50}},
		{"git and on_failure key by key",
			"{on_failure: rollback, git: {dirty: refuse, return: true, max_file_mb: 7}}",
			"{on_failure: keep, git: {return: false}}",
			Checks{Attempts: 2, Timeout: 10 * time.Minute}, OnFailureKeep,
			Git{Branch: defaultBranch, Dirty: DirtyRefuse, Return: false, MaxFileMB: 7}},
		{"task sets what defaults do not",
			"", "{on_failure: rollback, git: {dirty: refuse, return: true, max_file_mb: 10000}}",
			Checks{Attempts: 2, Timeout: 10 * time.Minute}, OnFailureRollback,
			Git{Branch: defaultBranch, Dirty: DirtyRefuse, Return: true, MaxFileMB: 10000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			defaults := "defaults: {model: {name: m}}"
			if tt.defaults != "" {
				defaults = "defaults: {model: {name: m}, " + trimBraces(tt.defaults) + "}"
			}
			task := "tasks: [{name: t, prompt: p}]"
			if tt.task != "" {
				task = "tasks: [{name: t, prompt: p, " + trimBraces(tt.task) + "}]"
			}
			f := mustParse(t, "tasks.yaml", lines("version: 1", defaults, task))
			got := f.Tasks[0]
			if !reflect.DeepEqual(got.Checks, tt.checks) {
				t.Errorf("Checks = %+v; want %+v", got.Checks, tt.checks)
			}
			if got.OnFailure != tt.onFailure {
				t.Errorf("OnFailure = %q; want %q", got.OnFailure, tt.onFailure)
			}
			if !reflect.DeepEqual(got.Git, tt.git) {
				t.Errorf("Git = %+v; want %+v", got.Git, tt.git)
			}
		})
	}
}

// trimBraces lets a case write a flow mapping's keys with or without the
// braces around them.
func trimBraces(s string) string {
	if len(s) >= 2 && s[0] == '{' && s[len(s)-1] == '}' {
		return s[1 : len(s)-1]
	}
	return s
}
