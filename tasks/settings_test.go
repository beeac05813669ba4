package tasks

import (
	"fmt"
	"testing"
)

func settingCases() []parseCase {
	// set builds a file whose only task sets one more line (line 7).
	set := func(line string) string { return header("    " + line) }
	var cases []parseCase
	for _, word := range []string{"yes", "no", "on", "off", "y", "n", "true", "false", "Yes", "ON"} {
		cases = append(cases, parseCase{"approval " + word, set("approval: " + word), []string{
			fmt.Sprintf(`tasks.yaml:7:15: tasks[0].approval: expected one of plan, default, auto-edit, yolo; got %q (a YAML 1.1 boolean word, not a mode)`, word),
		}})
	}
	return append(cases, []parseCase{
		{"approval quoted yes", set(`approval: "yes"`), []string{
			`tasks.yaml:7:15: tasks[0].approval: expected one of plan, default, auto-edit, yolo; got "yes"`,
		}},
		{"approval misspelled", set("approval: auto_edit"), []string{
			`tasks.yaml:7:15: tasks[0].approval: expected one of plan, default, auto-edit, yolo; got "auto_edit"; did you mean "auto-edit"?`,
		}},
		{"approval unknown", set("approval: always"), []string{
			`tasks.yaml:7:15: tasks[0].approval: expected one of plan, default, auto-edit, yolo; got "always"`,
		}},
		{"approval is a number", set("approval: 2"), []string{
			"tasks.yaml:7:15: tasks[0].approval: expected one of plan, default, auto-edit, yolo; got integer 2",
		}},
		{"approval is a mapping", set("approval: {mode: plan}"), []string{
			"tasks.yaml:7:15: tasks[0].approval: expected one of plan, default, auto-edit, yolo; got mapping",
		}},
		{"approval in defaults", lines("version: 1", "defaults:", "  model: {name: m}", "  approval: on", "tasks: [{name: t, prompt: p}]"), []string{
			`tasks.yaml:4:13: defaults.approval: expected one of plan, default, auto-edit, yolo; got "on" (a YAML 1.1 boolean word, not a mode)`,
		}},
		{"tools empty", set("tools: []"), []string{
			"tasks.yaml:7:12: tasks[0].tools: must list at least one tool; known tools are read_file, list_files, grep, write_file, edit_file, bash",
		}},
		{"tools is a string", set("tools: bash"), []string{
			`tasks.yaml:7:12: tasks[0].tools: expected a sequence, got string "bash"`,
		}},
		{"tools problems", set("tools: [bash, bsh, web_fetch, read_file, bash, 3, yes]"), []string{
			`tasks.yaml:7:19: tasks[0].tools[1]: expected one of read_file, list_files, grep, write_file, edit_file, bash; got "bsh"; did you mean "bash"?`,
			`tasks.yaml:7:24: tasks[0].tools[2]: expected one of read_file, list_files, grep, write_file, edit_file, bash; got "web_fetch"`,
			`tasks.yaml:7:46: tasks[0].tools[4]: duplicate tool "bash" (first at line 7); list each tool once`,
			`tasks.yaml:7:52: tasks[0].tools[5]: expected one of read_file, list_files, grep, write_file, edit_file, bash; got integer 3`,
			`tasks.yaml:7:55: tasks[0].tools[6]: expected one of read_file, list_files, grep, write_file, edit_file, bash; got "yes" (a YAML 1.1 boolean word, not a tool)`,
		}},
		{"limits is a list", set("limits: [40]"), []string{
			"tasks.yaml:7:13: tasks[0].limits: expected a mapping, got sequence",
		}},
		{"max_steps out of range", lines("version: 1", "defaults: {model: {name: m}}", "tasks:",
			"  - {name: a, prompt: p, limits: {max_steps: 0}}",
			"  - {name: b, prompt: p, limits: {max_steps: 10001}}",
			"  - {name: c, prompt: p, limits: {max_steps: -1}}",
			"  - {name: d, prompt: p, limits: {max_steps: 9223372036854775808}}"), []string{
			"tasks.yaml:4:46: tasks[0].limits.max_steps: must be between 1 and 10000, got 0",
			"tasks.yaml:5:46: tasks[1].limits.max_steps: must be between 1 and 10000, got 10001",
			"tasks.yaml:6:46: tasks[2].limits.max_steps: must be between 1 and 10000, got -1",
			"tasks.yaml:7:46: tasks[3].limits.max_steps: integer 9223372036854775808 is out of range",
		}},
		{"max_steps spelled oddly", lines("version: 1", "defaults: {model: {name: m}}", "tasks:",
			"  - {name: a, prompt: p, limits: {max_steps: 40.0}}",
			`  - {name: b, prompt: p, limits: {max_steps: "40"}}`,
			"  - {name: c, prompt: p, limits: {max_steps: 0x10}}",
			"  - {name: d, prompt: p, limits: {max_steps: 010}}",
			"  - {name: e, prompt: p, limits: {max_steps: 4.5}}",
			"  - {name: f, prompt: p, limits: {max_steps: forty}}",
			"  - {name: g, prompt: p, limits: {max_steps: !!int x}}"), []string{
			"tasks.yaml:4:46: tasks[0].limits.max_steps: expected an integer, got float 40.0; write 40",
			`tasks.yaml:5:46: tasks[1].limits.max_steps: expected an integer, got string "40"; remove the quotes`,
			"tasks.yaml:6:46: tasks[2].limits.max_steps: expected a decimal integer, got 0x10; write it in decimal without leading zeros",
			"tasks.yaml:7:46: tasks[3].limits.max_steps: expected a decimal integer, got 010; write it in decimal without leading zeros",
			"tasks.yaml:8:46: tasks[4].limits.max_steps: expected an integer, got float 4.5",
			`tasks.yaml:9:46: tasks[5].limits.max_steps: expected an integer, got string "forty"`,
			"tasks.yaml:10:46: tasks[6].limits.max_steps: expected a decimal integer, got x; write it in decimal without leading zeros",
		}},
		{"bash_timeout problems", lines("version: 1", "defaults: {model: {name: m}}", "tasks:",
			"  - {name: a, prompt: p, limits: {bash_timeout: 120}}",
			"  - {name: b, prompt: p, limits: {bash_timeout: 1.5}}",
			"  - {name: c, prompt: p, limits: {bash_timeout: 2 minutes}}",
			"  - {name: d, prompt: p, limits: {bash_timeout: 0s}}",
			"  - {name: e, prompt: p, limits: {bash_timeout: -5s}}",
			"  - {name: f, prompt: p, limits: {bash_timeout: 25h}}",
			"  - {name: g, prompt: p, limits: {bash_timeout: 0}}",
			"  - {name: h, prompt: p, limits: {bash_timeout: true}}"), []string{
			"tasks.yaml:4:49: tasks[0].limits.bash_timeout: expected a duration like 90s, 2m or 1h30m, got integer 120; a bare number has no unit: write 120s",
			"tasks.yaml:5:49: tasks[1].limits.bash_timeout: expected a duration like 90s, 2m or 1h30m, got float 1.5; a bare number has no unit: write 1.5s",
			`tasks.yaml:6:49: tasks[2].limits.bash_timeout: expected a duration like 90s, 2m or 1h30m, got "2 minutes"`,
			"tasks.yaml:7:49: tasks[3].limits.bash_timeout: must be more than 0 and at most 24h, got 0s",
			"tasks.yaml:8:49: tasks[4].limits.bash_timeout: must be more than 0 and at most 24h, got -5s",
			"tasks.yaml:9:49: tasks[5].limits.bash_timeout: must be more than 0 and at most 24h, got 25h",
			"tasks.yaml:10:49: tasks[6].limits.bash_timeout: expected a duration like 90s, 2m or 1h30m, got integer 0",
			"tasks.yaml:11:49: tasks[7].limits.bash_timeout: expected a duration like 90s, 2m or 1h30m, got boolean true",
		}},
		{"limits unknown key", set("limits: {max_tokens: 100000, max_cost_usd: 5, timeout: 30m, max_step: 3}"), []string{
			`tasks.yaml:7:34: tasks[0].limits.max_cost_usd: max_cost_usd needs a price for anthropic model "claude"; add model.pricing`,
			`tasks.yaml:7:65: tasks[0].limits.max_step: unknown key "max_step"; did you mean "max_steps"?`,
		}},
		{"max_tokens problems", lines("version: 1", "defaults: {model: {name: m}}", "tasks:",
			"  - {name: a, prompt: p, limits: {max_tokens: 0}}",
			"  - {name: b, prompt: p, limits: {max_tokens: -100}}",
			`  - {name: c, prompt: p, limits: {max_tokens: "100000"}}`,
			"  - {name: d, prompt: p, limits: {max_tokens: 1.5e6}}",
			"  - {name: e, prompt: p, limits: {max_tokens: 100k}}",
			"  - {name: f, prompt: p, limits: {max_tokens: 99999999999999999999}}"), []string{
			"tasks.yaml:4:47: tasks[0].limits.max_tokens: must be at least 1, got 0",
			"tasks.yaml:5:47: tasks[1].limits.max_tokens: must be at least 1, got -100",
			`tasks.yaml:6:47: tasks[2].limits.max_tokens: expected an integer, got string "100000"; remove the quotes`,
			"tasks.yaml:7:47: tasks[3].limits.max_tokens: expected an integer, got float 1.5e6; write 1500000",
			`tasks.yaml:8:47: tasks[4].limits.max_tokens: expected an integer, got string "100k"`,
			"tasks.yaml:9:47: tasks[5].limits.max_tokens: expected an integer, got float 99999999999999999999",
		}},
		{"max_cost_usd problems", lines("version: 1", "defaults: {model: {name: claude-sonnet-4-5}}", "tasks:",
			"  - {name: a, prompt: p, limits: {max_cost_usd: 0}}",
			"  - {name: b, prompt: p, limits: {max_cost_usd: -1.5}}",
			`  - {name: c, prompt: p, limits: {max_cost_usd: "5"}}`,
			"  - {name: d, prompt: p, limits: {max_cost_usd: $5}}",
			"  - {name: e, prompt: p, limits: {max_cost_usd: .inf}}",
			"  - {name: f, prompt: p, limits: {max_cost_usd: 0o7}}",
			"  - {name: g, prompt: p, limits: {max_cost_usd: 0.0}}",
			"  - {name: h, prompt: p, limits: {max_cost_usd: [5]}}"), []string{
			"tasks.yaml:4:49: tasks[0].limits.max_cost_usd: must be more than 0, got 0; remove the key for no cost limit",
			"tasks.yaml:5:49: tasks[1].limits.max_cost_usd: must be more than 0, got -1.5; remove the key for no cost limit",
			`tasks.yaml:6:49: tasks[2].limits.max_cost_usd: expected a number, got string "5"; remove the quotes`,
			`tasks.yaml:7:49: tasks[3].limits.max_cost_usd: expected a number, got string "$5"`,
			"tasks.yaml:8:49: tasks[4].limits.max_cost_usd: expected a finite number, got .inf",
			"tasks.yaml:9:49: tasks[5].limits.max_cost_usd: expected a decimal number, got 0o7; write it in decimal without leading zeros",
			"tasks.yaml:10:49: tasks[6].limits.max_cost_usd: must be more than 0, got 0.0; remove the key for no cost limit",
			"tasks.yaml:11:49: tasks[7].limits.max_cost_usd: expected a number, got sequence",
		}},
		{"timeout problems", lines("version: 1", "defaults: {model: {name: m}}", "tasks:",
			"  - {name: a, prompt: p, limits: {timeout: 0s}}",
			"  - {name: b, prompt: p, limits: {timeout: 24h1s}}",
			"  - {name: c, prompt: p, limits: {timeout: 30}}",
			"  - {name: d, prompt: p, limits: {timeout: 1d}}",
			"  - {name: e, prompt: p, limits: {timeout: -1m}}"), []string{
			"tasks.yaml:4:44: tasks[0].limits.timeout: must be more than 0 and at most 24h, got 0s",
			"tasks.yaml:5:44: tasks[1].limits.timeout: must be more than 0 and at most 24h, got 24h1s",
			"tasks.yaml:6:44: tasks[2].limits.timeout: expected a duration like 90s, 2m or 1h30m, got integer 30; a bare number has no unit: write 30s",
			`tasks.yaml:7:44: tasks[3].limits.timeout: expected a duration like 90s, 2m or 1h30m, got "1d"`,
			"tasks.yaml:8:44: tasks[4].limits.timeout: must be more than 0 and at most 24h, got -1m",
		}},
		{"git key not supported yet", set("git: {base: main, dirty: refuse}"), []string{
			`tasks.yaml:7:11: tasks[0].git.base: "base" is not supported yet by this version of safe-coder; remove it`,
		}},
		{"git is a string", set("git: safe-coder/{run}"), []string{
			`tasks.yaml:7:10: tasks[0].git: expected a mapping, got string "safe-coder/{run}"`,
		}},
		{"branch problems", lines("version: 1", "defaults: {model: {name: m}}", "tasks:",
			`  - {name: a, prompt: p, git: {branch: "safe-coder/{task}"}}`,
			`  - {name: b, prompt: p, git: {branch: "sc/{tsk}-{run}"}}`,
			`  - {name: c, prompt: p, git: {branch: "sc/{user}-{run}"}}`,
			`  - {name: d, prompt: p, git: {branch: "sc/{run"}}`,
			`  - {name: e, prompt: p, git: {branch: "sc/{run}}"}}`,
			`  - {name: f, prompt: p, git: {branch: "sc/my task-{run}"}}`,
			`  - {name: g, prompt: p, git: {branch: "sc/{task}..{run}"}}`,
			`  - {name: h, prompt: p, git: {branch: "-{run}"}}`,
			`  - {name: i, prompt: p, git: {branch: "sc/{run}/"}}`,
			`  - {name: j, prompt: p, git: {branch: "sc/{run}.lock"}}`,
			`  - {name: k, prompt: p, git: {branch: "sc@{{run}"}}`,
			`  - {name: l, prompt: p, git: {branch: "sc//{run}"}}`,
			`  - {name: m, prompt: p, git: {branch: "sc/.{run}"}}`,
			`  - {name: n, prompt: p, git: {branch: "sc/{run}~1"}}`,
			`  - {name: o, prompt: p, git: {branch: ""}}`,
			`  - {name: q, prompt: p, git: {branch: 7}}`), []string{
			`tasks.yaml:4:40: tasks[0].git.branch: "safe-coder/{task}" must contain {run}; without it two runs of the same task would use the same branch`,
			`tasks.yaml:5:40: tasks[1].git.branch: unknown placeholder {tsk}; did you mean {task}?`,
			`tasks.yaml:6:40: tasks[2].git.branch: unknown placeholder {user}; use {task}, {run} or {date}`,
			`tasks.yaml:7:40: tasks[3].git.branch: unmatched brace in "sc/{run"; braces only surround {task}, {run} and {date}`,
			`tasks.yaml:8:40: tasks[4].git.branch: unmatched brace in "sc/{run}}"; braces only surround {task}, {run} and {date}`,
			`tasks.yaml:9:40: tasks[5].git.branch: "sc/my task-{run}" expands to "sc/my task-20260101-000000-abcd", which is not a valid git branch name: it contains a space`,
			`tasks.yaml:10:40: tasks[6].git.branch: "sc/{task}..{run}" expands to "sc/task..20260101-000000-abcd", which is not a valid git branch name: it contains ".."`,
			`tasks.yaml:11:40: tasks[7].git.branch: "-{run}" expands to "-20260101-000000-abcd", which is not a valid git branch name: it starts with "-"`,
			`tasks.yaml:12:40: tasks[8].git.branch: "sc/{run}/" expands to "sc/20260101-000000-abcd/", which is not a valid git branch name: it ends with "/"`,
			`tasks.yaml:13:40: tasks[9].git.branch: "sc/{run}.lock" expands to "sc/20260101-000000-abcd.lock", which is not a valid git branch name: component "20260101-000000-abcd.lock" ends with ".lock"`,
			`tasks.yaml:14:40: tasks[10].git.branch: unmatched brace in "sc@{{run}"; braces only surround {task}, {run} and {date}`,
			`tasks.yaml:15:40: tasks[11].git.branch: "sc//{run}" expands to "sc//20260101-000000-abcd", which is not a valid git branch name: it contains "//"`,
			`tasks.yaml:16:40: tasks[12].git.branch: "sc/.{run}" expands to "sc/.20260101-000000-abcd", which is not a valid git branch name: component ".20260101-000000-abcd" starts with "."`,
			`tasks.yaml:17:40: tasks[13].git.branch: "sc/{run}~1" expands to "sc/20260101-000000-abcd~1", which is not a valid git branch name: it contains "~"`,
			"tasks.yaml:18:40: tasks[14].git.branch: must not be empty",
			`tasks.yaml:19:40: tasks[15].git.branch: expected a string, got integer 7; quote it if you mean the text: "7"`,
		}},
	}...)
}

func TestParseSettingErrors(t *testing.T) {
	t.Parallel()
	runParseCases(t, settingCases())
}
