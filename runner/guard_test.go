package runner

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/safe-coder/safe-coder/gitsafety"
	"github.com/safe-coder/safe-coder/llm"
	"github.com/safe-coder/safe-coder/report"
	"github.com/safe-coder/safe-coder/runner/policy"
	"github.com/safe-coder/safe-coder/runner/secrets"
	"github.com/safe-coder/safe-coder/runner/tools"
	"github.com/safe-coder/safe-coder/tasks"
)

// repoGuard fingerprints a real repository, as the CLI's guard does.
type repoGuard struct{ repo *gitsafety.Repo }

func (g repoGuard) Fingerprint(ctx context.Context) (gitsafety.Fingerprint, error) {
	return g.repo.Fingerprint(ctx, policy.ProtectedPaths())
}

// newGuardedRepo makes a git repository and a guard over it.
func newGuardedRepo(t *testing.T) (string, repoGuard) {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("git", "init", "-q", dir).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	repo, err := gitsafety.Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, repoGuard{repo: repo}
}

// effectTools runs an effect for each bash call, standing in for what a
// command does to the disk.
type effectTools struct {
	recordingTools
	effect func(command string)
}

func (e *effectTools) Exec(ctx context.Context, c llm.ToolCall) tools.Result {
	if c.Name == "bash" {
		var in struct{ Command string }
		_ = json.Unmarshal(c.Input, &in)
		e.effect(in.Command)
	}
	return e.recordingTools.Exec(ctx, c)
}

func (f *fixture) runDeps(t *testing.T, ctx context.Context, deps Deps) Result {
	t.Helper()
	pol, err := policy.New(policy.Options{Mode: policy.Mode(f.cfg.Task.Approval), Tools: f.cfg.Task.Tools, Allow: f.cfg.Task.Allow, Deny: f.cfg.Task.Deny})
	if err != nil {
		t.Fatal(err)
	}
	deps.Model, deps.Git, deps.Recorder, deps.Policy = f.model, f.git, f.rec, pol
	if deps.Tools == nil {
		deps.Tools = f.tools
	}
	return Run(ctx, f.cfg, deps)
}

// A command that changes what no command may change stops the run as a
// policy violation; the step is not committed and later calls do not run.
func TestGuardViolation(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, command string
		effect        func(dir string) error
		changed       string
	}{
		{"git config", "git config core.hooksPath /tmp/evil", func(dir string) error {
			return appendFile(filepath.Join(dir, ".git", "config"), "[core]\n\thooksPath = /tmp/evil\n")
		}, ".git/config"},
		{"hook", "echo id > .git/hooks/pre-commit", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, ".git", "hooks", "pre-commit"), []byte("id\n"), 0o755)
		}, ".git/hooks/pre-commit"},
		{"workflow", "mkdir -p .github/workflows && echo x > .github/workflows/ci.yml", func(dir string) error {
			if err := os.MkdirAll(filepath.Join(dir, ".github", "workflows"), 0o755); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, ".github", "workflows", "ci.yml"), []byte("x\n"), 0o644)
		}, ".github/workflows/ci.yml"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, guard := newGuardedRepo(t)
			f := newFixture(t, tasks.ApprovalYolo, 10,
				callsTurn(llm.StopToolUse,
					call("c1", "write_file", map[string]any{"path": "a", "content": "x"}),
					call("c2", "bash", map[string]any{"command": tt.command}),
					call("c3", "write_file", map[string]any{"path": "b", "content": "y"})))
			box := &effectTools{effect: func(string) {
				if err := tt.effect(dir); err != nil {
					t.Error(err)
				}
			}}
			res := f.runDeps(t, t.Context(), Deps{Guard: guard, Tools: box})
			if res.Status != StatusPolicyViolation || !strings.Contains(res.Err.Error(), "changed "+tt.changed) ||
				!strings.Contains(res.Err.Error(), "nothing of this step was committed") {
				t.Fatalf("result %+v", res)
			}
			if len(f.git.commits) != 0 {
				t.Errorf("committed after a violation: %+v", f.git.commits)
			}
			if got := f.rec.toolOutcomes(); strings.Join(got, ",") != "ok,ok,not_run" {
				t.Errorf("outcomes %v", got)
			}
		})
	}
	if StatusPolicyViolation.ExitCode() != 1 {
		t.Error("policy_violation must exit 1")
	}

	// The twin: a command that changes only ordinary files commits as usual.
	dir, guard := newGuardedRepo(t)
	g := newFixture(t, tasks.ApprovalYolo, 10,
		callsTurn(llm.StopToolUse, call("c2", "bash", map[string]any{"command": "echo x > notes.txt"})), answer("ok"))
	box := &effectTools{effect: func(string) {
		if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x\n"), 0o644); err != nil {
			t.Error(err)
		}
	}}
	if res := g.runDeps(t, t.Context(), Deps{Guard: guard, Tools: box}); res.Status != StatusSucceeded || len(g.git.commits) != 1 {
		t.Errorf("result %+v, commits %v", res, g.git.commits)
	}
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Tool output is redacted before the model, the store and the log see it;
// a step whose files hold a secret value is refused by the commit check.
func TestSecrets(t *testing.T) {
	t.Parallel()
	const secret = "hunter2-very-secret-value"
	red := secrets.NewRedactor([]string{secret})
	f := newFixture(t, tasks.ApprovalAutoEdit, 10,
		callsTurn(llm.StopToolUse, call("c1", "read_file", map[string]any{"path": "a"})), answer("ok"))
	res := f.runDeps(t, t.Context(), Deps{Secrets: red, Tools: fixedTools{content: "password=" + secret + " and ghp_" + strings.Repeat("a", 36)}})
	if res.Status != StatusSucceeded {
		t.Fatalf("result %+v", res)
	}
	seen := f.model.reqs[1].Messages[2].Content[0].ToolResult.Content
	if strings.Contains(seen, secret) || strings.Contains(seen, "ghp_aaaa") || !strings.Contains(seen, secrets.Marker) {
		t.Errorf("model saw %q", seen)
	}
	for _, ev := range f.rec.events {
		if m, ok := ev.(report.MessageAdded); ok && strings.Contains(string(m.Content), secret) {
			t.Errorf("secret recorded in a message: %s", m.Content)
		}
	}

	// The commit check the runner hands to git refuses the secret.
	g := newFixture(t, tasks.ApprovalAutoEdit, 10,
		callsTurn(llm.StopToolUse, call("c1", "write_file", map[string]any{"path": "cfg", "content": secret})))
	g.git.content = map[string]string{"cfg": secret}
	res = g.runDeps(t, t.Context(), Deps{Secrets: red})
	if res.Status != StatusPolicyViolation || !strings.Contains(res.Err.Error(), "cfg holds") || strings.Contains(res.Err.Error(), secret) {
		t.Fatalf("result %+v", res)
	}
}

// Denials carry the rule that decided into the record.
func TestDenialRuleRecorded(t *testing.T) {
	t.Parallel()
	f := newFixture(t, tasks.ApprovalYolo, 10,
		callsTurn(llm.StopToolUse, call("c1", "bash", map[string]any{"command": "git push origin main"})), answer("ok"))
	f.cfg.Task.Deny = []string{"bash(git push *)"}
	if res := f.runDeps(t, t.Context(), Deps{}); res.Status != StatusSucceeded {
		t.Fatalf("result %+v", res)
	}
	for _, ev := range f.rec.events {
		if fin, ok := ev.(report.ToolCallFinished); ok {
			if fin.Outcome != "denied" || fin.Rule != "deny: bash(git push *)" || fin.Reason == "" {
				t.Errorf("finish %+v", fin)
			}
		}
	}
	if len(f.tools.calls) != 0 {
		t.Errorf("denied call ran: %v", f.tools.calls)
	}
}
