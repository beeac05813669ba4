package tasks

import "testing"

// parseCase is an invalid input and every problem it must produce.
type parseCase struct {
	name  string
	input string
	want  []string
}

func runParseCases(t *testing.T, cases []parseCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			checkLines(t, errorLines(t, tc.input), tc.want)
		})
	}
}

func fileCases() []parseCase {
	const empty = `the file is empty; it needs "version: 1" and a list of tasks under "tasks:"`
	return []parseCase{
		{"empty", "", []string{"tasks.yaml:1:1: " + empty}},
		{"only comments and blanks", "# nothing yet\n\n   \n", []string{"tasks.yaml:1:1: " + empty}},
		{"only a document marker", "---\n", []string{"tasks.yaml:2:1: " + empty}},
		{"root is a sequence", "- name: t\n  prompt: p\n", []string{
			`tasks.yaml:1:1: expected a mapping with "version: 1" and "tasks:" at the top level, got sequence`,
		}},
		{"root is a string", "hello\n", []string{
			`tasks.yaml:1:1: expected a mapping with "version: 1" and "tasks:" at the top level, got string "hello"`,
		}},
		{"syntax error with a line", lines("version: 1", "tasks:", "  - name: t", "    prompt: p", "   extra: 1"), []string{
			"tasks.yaml:3:1: did not find expected '-' indicator",
		}},
		{"syntax error without a line", "version: tasks: 1\n", []string{
			"tasks.yaml:1:1: mapping values are not allowed in this context",
		}},
		{"scanner error with a line", lines("version: 1", "tasks:", "  - name: t", "    prompt: p", "    model: x: y"), []string{
			"tasks.yaml:5:1: mapping values are not allowed in this context",
		}},
		{"parser error on the first line", "[a, b\n", []string{
			"tasks.yaml:2:1: did not find expected ',' or ']'",
		}},
		{"unterminated quote", lines("version: 1", `tasks: "oops`), []string{
			"tasks.yaml:2:1: found unexpected end of stream",
		}},
		{"unknown anchor", lines("version: 1", "tasks: *nope"), []string{
			"tasks.yaml:1:1: unknown anchor 'nope' referenced",
		}},
		{"two documents", lines("version: 1", "tasks: [{name: t, prompt: p, model: {name: m}}]", "---", "version: 1"), []string{
			`tasks.yaml:3:1: a second YAML document starts here; a task file is one document, so remove the "---" and everything after it or merge it into the first`,
		}},
		{"syntax error in the second document", lines("version: 1", "---", "a: [1"), []string{
			"tasks.yaml:3:1: did not find expected ',' or ']'",
		}},
		{"missing version and tasks", "defaults: {}\n", []string{
			`tasks.yaml:1:1: missing required key "version"; add version: 1`,
			`tasks.yaml:1:1: missing required key "tasks"; list at least one task`,
		}},
		{"version quoted", lines(`version: "1"`, "defaults: {model: {name: m}}", "tasks: [{name: t, prompt: p}]"), []string{
			`tasks.yaml:1:10: version: expected an integer, got string "1"; remove the quotes`,
		}},
		{"version 2", lines("version: 2", "defaults: {model: {name: m}}", "tasks: [{name: t, prompt: p}]"), []string{
			"tasks.yaml:1:10: version: unsupported version 2; this version of safe-coder reads version 1",
		}},
		{"version float", lines("version: 1.0", "defaults: {model: {name: m}}", "tasks: [{name: t, prompt: p}]"), []string{
			"tasks.yaml:1:10: version: expected an integer, got float 1.0; write 1",
		}},
		{"tasks empty", lines("version: 1", "tasks: []"), []string{
			"tasks.yaml:2:8: tasks: must list at least one task",
		}},
		{"tasks null", lines("version: 1", "tasks:"), []string{
			"tasks.yaml:2:7: tasks: expected a sequence, got null",
		}},
		{"tasks mapping", lines("version: 1", "tasks:", "  t: {prompt: p}"), []string{
			"tasks.yaml:3:3: tasks: expected a sequence, got mapping",
		}},
		{"task is a string", lines("version: 1", "tasks:", "  - fix the build"), []string{
			`tasks.yaml:3:5: tasks[0]: expected a mapping, got string "fix the build"`,
		}},
		{"defaults is a sequence", lines("version: 1", "defaults: [model]", "tasks: [{name: t, prompt: p, model: {name: m}}]"), []string{
			"tasks.yaml:2:11: defaults: expected a mapping, got sequence",
		}},
		{"unknown top-level key with suggestion", header("taks: []"), []string{
			`tasks.yaml:7:1: taks: unknown key "taks"; did you mean "tasks"?`,
		}},
		{"unknown top-level key without suggestion", header("owner: me"), []string{
			`tasks.yaml:7:1: owner: unknown key "owner"; valid keys are version, defaults, tasks`,
		}},
		{"setting at the top level", header("approval: yolo"), []string{
			`tasks.yaml:7:1: approval: "approval" cannot be set at the top level; put it under defaults: or on a task`,
		}},
		{"prompt at the top level", header("prompt: p"), []string{
			`tasks.yaml:7:1: prompt: "prompt" cannot be set at the top level; put it on a task under tasks:`,
		}},
		{"duplicate top-level key", header("version: 1"), []string{
			`tasks.yaml:7:1: version: duplicate key "version" (first at line 1); keep one`,
		}},
		{"merge key", lines("version: 1", "base: &base {name: t, prompt: p}", "tasks:", "  - <<: *base", "    model: {name: m}"), []string{
			`tasks.yaml:2:1: base: unknown key "base"; valid keys are version, defaults, tasks`,
			"tasks.yaml:4:5: tasks[0]: merge keys (<<) are not supported; use defaults: for settings that tasks share",
			`tasks.yaml:4:5: tasks[0]: missing required key "name"`,
			`tasks.yaml:4:5: tasks[0]: missing required key "prompt" (or "prompts" for several)`,
		}},
		{"non-scalar key", header("? [a, b]", ": c"), []string{
			"tasks.yaml:7:3: expected a key, got sequence",
		}},
		{"alias cycle", lines("version: 1", "tasks: &t [*t]"), []string{
			"tasks.yaml:2:8: tasks[0]: expected a mapping, got sequence",
		}},
		{"custom tag", lines("version: !v 1", "defaults: {model: {name: m}}", "tasks: [{name: t, prompt: p}]"), []string{
			"tasks.yaml:1:10: version: expected an integer, got a value tagged !v",
		}},
	}
}

func TestParseFileErrors(t *testing.T) {
	t.Parallel()
	runParseCases(t, fileCases())
}
