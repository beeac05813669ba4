package githubaction

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// workflow is the part of a workflow file the tests read.
type workflow struct {
	On          map[string]any `yaml:"on"`
	Permissions any            `yaml:"permissions"`
	Concurrency struct {
		Group            string `yaml:"group"`
		CancelInProgress *bool  `yaml:"cancel-in-progress"`
	} `yaml:"concurrency"`
	Jobs map[string]workflowJob `yaml:"jobs"`
}

type workflowJob struct {
	TimeoutMinutes int               `yaml:"timeout-minutes"`
	Permissions    map[string]string `yaml:"permissions"`
	Steps          []workflowStep    `yaml:"steps"`
}

type workflowStep struct {
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]any    `yaml:"with"`
	Env  map[string]string `yaml:"env"`
}

// theAction is how the examples refer to this repository's action.
const theAction = "safe-coder/safe-coder@"

var (
	// pinnedLine: a third-party action pinned to a commit SHA, with its
	// release as a comment.
	pinnedLine = regexp.MustCompile(`uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*\s*$`)
	// actionLine: this repository's action, with the comment that tells
	// the user to pin it (there is no release SHA to pin to yet).
	actionLine = regexp.MustCompile(`uses: safe-coder/safe-coder@v\d+ # pin to the full commit SHA`)
)

func exampleWorkflows(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot(t), "examples", "github", "*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("examples/github holds %d workflows, want the scheduled, dispatch and issue-label ones", len(files))
	}
	return files
}

// TestWorkflowsActionlint lints every example workflow with actionlint
// (and, through it, their run: scripts with shellcheck when installed).
func TestWorkflowsActionlint(t *testing.T) {
	t.Parallel()
	files := exampleWorkflows(t)
	// One actionlint for all files: `go tool` links it once per call.
	cmd := exec.CommandContext(t.Context(), "go", append([]string{"tool", "actionlint", "-no-color"}, files...)...)
	cmd.Dir = repoRoot(t)
	cmd.Env = baseEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("actionlint: %v\n%s", err, out)
	}
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Log("shellcheck is not installed: actionlint did not lint the run: scripts")
	}
}

// TestWorkflowsPolicy checks the promises the examples make: least
// privilege, no credentials left in the checkout, pinned actions, one run
// at a time, a time limit, and no untrusted value inside a script.
func TestWorkflowsPolicy(t *testing.T) {
	t.Parallel()
	for _, file := range exampleWorkflows(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			for _, problem := range workflowProblems(data) {
				t.Error(problem)
			}
		})
	}
}

// workflowProblems lists what is wrong with a workflow, nothing when all
// is well.
func workflowProblems(data []byte) []string {
	var wf workflow
	if err := yaml.Unmarshal(data, &wf); err != nil {
		return []string{fmt.Sprintf("parse: %v", err)}
	}
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	if len(wf.On) == 0 {
		add("no on: triggers")
	}
	// pull_request_target runs with the base repository's token and
	// secrets; with safe-coder it would hand them to a fork's code.
	if _, ok := wf.On["pull_request_target"]; ok {
		add("triggered by pull_request_target")
	}
	if perms, ok := wf.Permissions.(map[string]any); !ok || len(perms) != 0 {
		add("top-level permissions = %v, want {} (each job asks for its own)", wf.Permissions)
	}
	if wf.Concurrency.Group == "" {
		add("no concurrency group")
	}
	if wf.Concurrency.CancelInProgress == nil || *wf.Concurrency.CancelInProgress {
		add("concurrency cancels a run in progress: a cancelled run is cut short mid-task")
	}
	if len(wf.Jobs) == 0 {
		add("no jobs")
	}

	for name, job := range wf.Jobs {
		if job.TimeoutMinutes <= 0 {
			add("job %s has no timeout-minutes", name)
		}
		if job.Permissions == nil {
			add("job %s does not state its permissions", name)
		}
		opensPR := false
		for _, st := range job.Steps {
			if strings.HasPrefix(st.Uses, theAction) || st.Uses == "./" {
				if v, ok := st.With["open-pr"]; ok && fmt.Sprint(v) != "false" {
					opensPR = true
				}
			}
			if strings.HasPrefix(st.Uses, "actions/checkout@") {
				if v, ok := st.With["persist-credentials"]; !ok || fmt.Sprint(v) != "false" {
					add("job %s: checkout without persist-credentials: false leaves the token in .git/config", name)
				}
			}
			if strings.Contains(st.Run, "${{") {
				add("job %s: a run: script holds an expression; pass the value through env:", name)
			}
		}
		for scope, level := range job.Permissions {
			switch {
			case level == "read" || level == "none":
			case level == "write" && opensPR && (scope == "contents" || scope == "pull-requests"):
			default:
				add("job %s: permission %s: %s is more than it needs", name, scope, level)
			}
		}
	}

	n := 0
	for i, line := range strings.Split(string(data), "\n") {
		if !strings.Contains(line, "uses:") || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		n++
		if !pinnedLine.MatchString(line) && !actionLine.MatchString(line) {
			add("line %d: %q is not pinned to a full commit SHA with a # vX.Y.Z comment", i+1, strings.TrimSpace(line))
		}
	}
	if n == 0 {
		add("uses no action")
	}
	return problems
}

// TestWorkflowProblems shows that the policy check catches each mistake
// it exists for, so a passing TestWorkflowsPolicy means something.
func TestWorkflowProblems(t *testing.T) {
	t.Parallel()
	const good = `on: {workflow_dispatch: {}}
permissions: {}
concurrency: {group: g, cancel-in-progress: false}
jobs:
  j:
    runs-on: ubuntu-latest
    timeout-minutes: 10
    permissions: {contents: write, pull-requests: write}
    steps:
      - uses: actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd # v6.0.2
        with: {persist-credentials: false}
      - uses: safe-coder/safe-coder@v1 # pin to the full commit SHA of the release you reviewed
        with: {open-pr: "true"}
      - env: {T: "${{ github.event.issue.title }}"}
        run: echo "$T"
`
	tests := []struct {
		name, old, new, want string
	}{
		{"good", "", "", ""},
		{"pull_request_target", "workflow_dispatch: {}", "pull_request_target: {}", "pull_request_target"},
		{"broad top-level permissions", "permissions: {}\n", "permissions: write-all\n", "top-level permissions"},
		{"no concurrency", "concurrency: {group: g, cancel-in-progress: false}\n", "", "no concurrency group"},
		{"cancel in progress", "cancel-in-progress: false", "cancel-in-progress: true", "cancels a run in progress"},
		{"no timeout", "    timeout-minutes: 10\n", "", "no timeout-minutes"},
		{"credentials kept", "persist-credentials: false", "persist-credentials: true", "persist-credentials"},
		{"expression in run", `run: echo "$T"`, `run: echo "${{ github.event.issue.title }}"`, "holds an expression"},
		{"tag instead of SHA", "checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd # v6.0.2", "checkout@v6", "not pinned"},
		{"write without a PR", `open-pr: "true"`, `open-pr: "false"`, "more than it needs"},
		{"admin scope", "pull-requests: write}", "pull-requests: write, actions: write}", "actions: write"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := good
			if tt.old != "" {
				if !strings.Contains(src, tt.old) {
					t.Fatalf("the good workflow has no %q", tt.old)
				}
				src = strings.Replace(src, tt.old, tt.new, 1)
			}
			got := strings.Join(workflowProblems([]byte(src)), "\n")
			switch {
			case tt.want == "" && got != "":
				t.Errorf("problems in the good workflow:\n%s", got)
			case tt.want != "" && !strings.Contains(got, tt.want):
				t.Errorf("problems = %q, want one about %q", got, tt.want)
			}
		})
	}
}
