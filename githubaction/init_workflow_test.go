package githubaction

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestInitWorkflow holds the workflow `safe-coder init --github` writes to
// the promises of the examples: actionlint passes on it, and it keeps to
// least privilege, a checkout without credentials, pinned actions, one run
// at a time and a time limit.
func TestInitWorkflow(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cmd := exec.CommandContext(t.Context(), "go", "run", "./cmd/safe-coder", "init", "--github", "--dir", dir)
	cmd.Dir = repoRoot(t)
	cmd.Env = append(baseEnv(), "SAFE_CODER_CONFIG=/dev/null")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("safe-coder init --github: %v\n%s", err, out)
	}
	wf := filepath.Join(dir, ".github", "workflows", "safe-coder.yml")
	data, err := os.ReadFile(wf)
	if err != nil {
		t.Fatal(err)
	}
	for _, problem := range workflowProblems(data) {
		t.Error(problem)
	}
	lint := exec.CommandContext(t.Context(), "go", "tool", "actionlint", "-no-color", wf)
	lint.Dir = repoRoot(t)
	lint.Env = baseEnv()
	if out, err := lint.CombinedOutput(); err != nil {
		t.Errorf("actionlint on the init workflow: %v\n%s", err, out)
	}
}
