package tasks

import (
	"reflect"
	"testing"
	"time"
)

// builtinPR is what a task's pr settings are when nothing sets them.
func builtinPR() PR {
	return PR{Title: "safe-coder: {task}", Draft: true, Remote: "origin", TokenEnv: "GITHUB_TOKEN", OnFailure: PROnFailureNone}
}

func TestParsePRMergesPerKey(t *testing.T) {
	t.Parallel()
	f := mustParse(t, "tasks.yaml", lines(
		"version: 1",
		"defaults:",
		"  model: {name: m}",
		"  pr:",
		"    open: true",
		`    title: "bot({task}): {date}"`,
		"    labels: [bot, safe-coder]",
		"    reviewers: [octocat]",
		"    remote: upstream",
		"    token_env: BOT_TOKEN",
		"tasks:",
		"  - name: inherits",
		"    prompt: p",
		"  - name: overrides",
		"    prompt: p",
		"    pr: {draft: false, labels: [docs], base: release/1.x, on_failure: draft, workflows: true}",
		"  - name: clears",
		"    prompt: p",
		"    pr: {open: false, reviewers: []}",
	))
	want := map[string]PR{
		"inherits": {Open: true, Title: "bot({task}): {date}", Draft: true, Labels: []string{"bot", "safe-coder"},
			Reviewers: []string{"octocat"}, Remote: "upstream", TokenEnv: "BOT_TOKEN", OnFailure: PROnFailureNone},
		"overrides": {Open: true, Title: "bot({task}): {date}", Draft: false, Labels: []string{"docs"},
			Reviewers: []string{"octocat"}, Base: "release/1.x", Remote: "upstream", TokenEnv: "BOT_TOKEN",
			OnFailure: PROnFailureDraft, Workflows: true},
		"clears": {Open: false, Title: "bot({task}): {date}", Draft: true, Labels: []string{"bot", "safe-coder"},
			Remote: "upstream", TokenEnv: "BOT_TOKEN", OnFailure: PROnFailureNone},
	}
	for _, task := range f.Tasks {
		if !reflect.DeepEqual(task.PR, want[task.Name]) {
			t.Errorf("%s: PR =\n%+v\nwant\n%+v", task.Name, task.PR, want[task.Name])
		}
	}
	// Tasks inheriting a list must not share it.
	f.Tasks[0].PR.Labels[0] = "changed"
	if got := f.Tasks[2].PR.Labels[0]; got != "bot" {
		t.Errorf("changing one task's labels changed another's: %q", got)
	}
}

func TestPRTitle(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 4, 23, 30, 0, 0, time.FixedZone("UTC-5", -5*3600))
	tests := []struct {
		title, want string
	}{
		{"safe-coder: {task}", "safe-coder: fix-vet"},
		{"{task} ({run}) on {date}", "fix-vet (20260305-043000-ab12) on 20260305"},
		{"no placeholders", "no placeholders"},
	}
	for _, tc := range tests {
		task := Task{Name: "fix-vet", PR: PR{Title: tc.title}}
		if got := task.PRTitle("20260305-043000-ab12", now); got != tc.want {
			t.Errorf("PRTitle(%q) = %q; want %q", tc.title, got, tc.want)
		}
	}
}

func prCases() []parseCase {
	task := func(more ...string) string { return header(more...) }
	return []parseCase{
		{"pr is a list", task("    pr: [open]"), []string{
			"tasks.yaml:7:9: tasks[0].pr: expected a mapping, got sequence",
		}},
		{"unknown key", task("    pr: {opne: true}"), []string{
			`tasks.yaml:7:10: tasks[0].pr.opne: unknown key "opne"; did you mean "open"?`,
		}},
		{"YAML 1.1 booleans", task("    pr: {open: yes, draft: off, workflows: \"true\"}"), []string{
			`tasks.yaml:7:16: tasks[0].pr.open: expected true or false, got "yes", which YAML 1.1 reads as true and YAML 1.2 as a string; write true`,
			`tasks.yaml:7:28: tasks[0].pr.draft: expected true or false, got "off", which YAML 1.1 reads as false and YAML 1.2 as a string; write false`,
			`tasks.yaml:7:44: tasks[0].pr.workflows: expected true or false, got string "true"; remove the quotes`,
		}},
		{"title", task(`    pr: {title: "fix {name}"}`), []string{
			`tasks.yaml:7:17: tasks[0].pr.title: unknown placeholder {name}; did you mean {date}?`,
		}},
		{"title with an unknown placeholder", task(`    pr: {title: "fix {branch}"}`), []string{
			`tasks.yaml:7:17: tasks[0].pr.title: unknown placeholder {branch}; use {task}, {run} or {date}`,
		}},
		{"title with a brace", task(`    pr: {title: "fix {task"}`), []string{
			`tasks.yaml:7:17: tasks[0].pr.title: unmatched brace in "fix {task"; braces only surround {task}, {run} and {date}`,
		}},
		{"title on two lines", task(`    pr: {title: "fix\nit"}`), []string{
			`tasks.yaml:7:17: tasks[0].pr.title: a pull request title is one line`,
		}},
		{"empty title", task(`    pr: {title: ""}`), []string{
			`tasks.yaml:7:17: tasks[0].pr.title: must not be empty`,
		}},
		{"labels", task(`    pr: {labels: [bot, bot, "", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]}`), []string{
			`tasks.yaml:7:24: tasks[0].pr.labels[1]: duplicate label "bot" (first at line 7); list each once`,
			`tasks.yaml:7:29: tasks[0].pr.labels[2]: must not be empty`,
			`tasks.yaml:7:33: tasks[0].pr.labels[3]: GitHub takes label names of at most 50 characters, got "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"...`,
		}},
		{"a label on two lines, then a repeat of a valid one", task(`    pr: {labels: ["a\nb", ok, "a\nb", ok]}`), []string{
			`tasks.yaml:7:19: tasks[0].pr.labels[0]: a label is one line, got "a\nb"`,
			`tasks.yaml:7:31: tasks[0].pr.labels[2]: a label is one line, got "a\nb"`,
			`tasks.yaml:7:39: tasks[0].pr.labels[3]: duplicate label "ok" (first at line 7); list each once`,
		}},
		{"labels are strings", task("    pr: {labels: bot}"), []string{
			`tasks.yaml:7:18: tasks[0].pr.labels: expected a sequence, got string "bot"`,
		}},
		{"reviewers", task("    pr: {reviewers: [octocat, my-org/team, -x, 42]}"), []string{
			`tasks.yaml:7:31: tasks[0].pr.reviewers[1]: expected a GitHub user login such as octocat (letters, digits and -, at most 39), got "my-org/team"`,
			`tasks.yaml:7:44: tasks[0].pr.reviewers[2]: expected a GitHub user login such as octocat (letters, digits and -, at most 39), got "-x"`,
			`tasks.yaml:7:48: tasks[0].pr.reviewers[3]: expected a string, got integer 42; quote it if you mean the text: "42"`,
		}},
		{"base and remote", task(`    pr: {base: "main..x", remote: ""}`), []string{
			`tasks.yaml:7:16: tasks[0].pr.base: expected the branch the pull request targets, such as main; "" for the repository's default branch; "main..x" is not a valid name: it contains ".."`,
			`tasks.yaml:7:35: tasks[0].pr.remote: expected the name of a git remote, such as origin; "" is not a valid name: it is empty`,
		}},
		{"token_env holds a token", task("    pr: {token_env: ghp_abc-def}"), []string{
			`tasks.yaml:7:21: tasks[0].pr.token_env: expected the name of the environment variable holding the GitHub token (letters, digits and _, not starting with a digit); if this is the token itself, remove it from the file and revoke it`,
		}},
		{"on_failure", task("    pr: {on_failure: drafts}"), []string{
			`tasks.yaml:7:22: tasks[0].pr.on_failure: expected one of none, draft; got "drafts"; did you mean "draft"?`,
		}},
		{"the token is never passed to commands", lines(
			"version: 1",
			"defaults:",
			"  model: {name: m}",
			"  pr: {token_env: BOT_TOKEN}",
			"tasks:",
			"  - name: t",
			"    prompt: p",
			"    env: {pass: [BOT_TOKEN]}",
		), []string{
			`tasks.yaml:8:18: tasks[0].env.pass[0]: "BOT_TOKEN" holds the GitHub token of pr.token_env; the token that pushes and opens pull requests must never reach commands, so it cannot be passed`,
		}},
		{"a draft of a rolled back branch", lines(
			"version: 1",
			"defaults:",
			"  model: {name: m}",
			"  on_failure: rollback",
			"  pr: {on_failure: draft}",
			"tasks:",
			"  - {name: a, prompt: p}",
			"  - {name: b, prompt: p}",
			"  - {name: c, prompt: p, on_failure: keep}",
			"  - {name: d, prompt: p, pr: {on_failure: draft}}",
		), []string{
			`tasks.yaml:5:8: defaults.pr.on_failure: pr.on_failure: draft would open a draft of a branch that on_failure: rollback has reset to its start; set on_failure: keep, or pr.on_failure: none`,
			`tasks.yaml:10:31: tasks[3].pr.on_failure: pr.on_failure: draft would open a draft of a branch that on_failure: rollback has reset to its start; set on_failure: keep, or pr.on_failure: none`,
		}},
	}
}

func TestParsePRErrors(t *testing.T) {
	t.Parallel()
	runParseCases(t, prCases())
}
