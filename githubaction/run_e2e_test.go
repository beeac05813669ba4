package githubaction

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// quickstartTasks returns the quickstart task file, changed as a test
// case needs, with its recorded session beside it.
func quickstartTasks(t *testing.T, failingCheck bool) (tasks, transcript []byte) {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "examples", "quickstart")
	tasks, err := os.ReadFile(filepath.Join(dir, "tasks.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if transcript, err = os.ReadFile(filepath.Join(dir, "transcript.jsonl")); err != nil {
		t.Fatal(err)
	}
	if failingCheck {
		checks := regexp.MustCompile(`(?m)^  checks: .*$`)
		if !checks.Match(tasks) {
			t.Fatal("the quickstart task file has no `  checks:` line to replace")
		}
		tasks = checks.ReplaceAll(tasks, []byte(`  checks: {commands: ["test -e never-written.txt"], attempts: 0}`))
	}
	return tasks, transcript
}

// git runs the git CLI in dir and returns its trimmed output.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "git", args...)
	cmd.Dir = dir
	cmd.Env = append(baseEnv(),
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.invalid",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.invalid",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// checkoutWorkspace makes what actions/checkout leaves: a git repository
// with the quickstart project and its task file under .safe-coder/.
func checkoutWorkspace(t *testing.T, failingCheck bool) string {
	t.Helper()
	ws := t.TempDir()
	project := filepath.Join(repoRoot(t), "examples", "quickstart", "project")
	if err := os.CopyFS(ws, os.DirFS(project)); err != nil {
		t.Fatalf("copy the quickstart project: %v", err)
	}
	tasks, transcript := quickstartTasks(t, failingCheck)
	if err := os.Mkdir(filepath.Join(ws, ".safe-coder"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"tasks.yaml": tasks, "transcript.jsonl": transcript} {
		if err := os.WriteFile(filepath.Join(ws, ".safe-coder", name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git(t, ws, "init", "-q", "-b", "main")
	git(t, ws, "add", "-A")
	git(t, ws, "commit", "-q", "-m", "greet: initial version")
	return ws
}

// buildAction runs the action's steps up to and including the build, in
// order, and returns the path of the binary it built.
func buildAction(t *testing.T, a action) string {
	t.Helper()
	r := newSimRunner(t, a, simOptions{Workspace: t.TempDir()})
	var bin string
	for _, st := range a.Runs.Steps {
		if st.ID == "run" {
			break
		}
		if st.Run == "" {
			continue // setup-go and the cache: the test's Go stands in.
		}
		res := r.run(t, st)
		if res.ExitCode != 0 {
			t.Fatalf("%s: exit code %d\nstdout: %s\nstderr: %s", st.label(), res.ExitCode, res.Stdout, res.Stderr)
		}
		switch st.ID {
		case "go-cache":
			key := regexp.MustCompile(`^safe-coder-action-Linux-X64-go1\.\d+(\.\d+)?\S*-[0-9a-f]{64}$`)
			if !key.MatchString(res.Outputs["key"]) {
				t.Errorf("cache key = %q, want safe-coder-action-OS-ARCH-GOVERSION-SHA256", res.Outputs["key"])
			}
			for _, name := range []string{"modcache", "buildcache"} {
				if !filepath.IsAbs(res.Outputs[name]) {
					t.Errorf("cache path %s = %q, want an absolute path", name, res.Outputs[name])
				}
			}
		case "build":
			bin = res.Outputs["path"]
		}
	}
	if info, err := os.Stat(bin); err != nil || info.Mode()&0o111 == 0 {
		t.Fatalf("the build step's path output %q is no executable (%v)", bin, err)
	}
	return bin
}

// TestActionEndToEnd builds safe-coder with the action's own steps, then
// runs the action's run step on a real repository with the quickstart's
// recorded session, and checks the outputs, the job summary and the exit
// code, as a workflow would see them.
func TestActionEndToEnd(t *testing.T) {
	t.Parallel()
	a := loadAction(t)
	bin := buildAction(t, a)
	run := stepByID(t, a, "run")

	tests := []struct {
		name         string
		inputs       map[string]string
		failingCheck bool
		wantCode     int
		wantStatus   string
		// quiet: stdout is the one-line outcome, not the Markdown report.
		quiet        bool
		wantApproval string
		// wantCommits: the agent's edits are on the run branch (plan mode
		// denies them all).
		wantCommits bool
	}{
		{
			name:         "succeeded",
			inputs:       map[string]string{"task": "empty-name"},
			wantCode:     0,
			wantStatus:   "succeeded",
			wantApproval: "auto-edit",
			wantCommits:  true,
		},
		{
			name:         "checks failed, quiet",
			inputs:       map[string]string{"report-format": "quiet"},
			failingCheck: true,
			wantCode:     1,
			wantStatus:   "checks_failed",
			quiet:        true,
			wantApproval: "auto-edit",
			wantCommits:  true,
		},
		{
			name: "overrides",
			// The task file says auto-edit; the input wins.
			inputs:       map[string]string{"approval": "plan", "provider": "replay"},
			wantCode:     0,
			wantStatus:   "succeeded",
			wantApproval: "plan",
		},
		{
			name:     "unknown task",
			inputs:   map[string]string{"task": "no-such-task"},
			wantCode: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ws := checkoutWorkspace(t, tt.failingCheck)
			r := newSimRunner(t, a, simOptions{
				Workspace: ws,
				Inputs:    tt.inputs,
				Steps: map[string]string{
					"steps.build.outputs.path":   bin,
					"steps.job-env.outputs.path": os.Getenv("PATH"),
				},
			})
			res := r.run(t, run)
			if res.ExitCode != tt.wantCode {
				t.Fatalf("exit code = %d, want %d\nstdout: %s\nstderr: %s", res.ExitCode, tt.wantCode, res.Stdout, res.Stderr)
			}
			out := actionOutputs(t, a, r)
			if tt.wantStatus == "" {
				// A usage error: nothing ran, so no run and no report.
				if out["run-id"] != "" {
					t.Errorf("run-id = %q after a usage error", out["run-id"])
				}
				if got := git(t, ws, "branch", "--list", "safe-coder/*"); got != "" {
					t.Errorf("a usage error left run branches: %s", got)
				}
				return
			}

			runID := out["run-id"]
			if runID == "" {
				t.Fatalf("no run-id output; outputs %v\nstderr: %s", out, res.Stderr)
			}
			want := map[string]string{
				"status":    tt.wantStatus,
				"exit-code": strconv.Itoa(tt.wantCode),
				"branch":    "safe-coder/empty-name-" + runID,
				"pr-url":    "",
			}
			for name, v := range want {
				if out[name] != v {
					t.Errorf("output %s = %q, want %q", name, out[name], v)
				}
			}
			// The branch is real, and holds the agent's commits unless its
			// edits were denied.
			if n := git(t, ws, "rev-list", "--count", "main.."+out["branch"]); (n != "0") != tt.wantCommits {
				t.Errorf("run branch %s has %s commits past main, want commits: %v", out["branch"], n, tt.wantCommits)
			}
			if got := git(t, ws, "status", "--porcelain", "--untracked-files=no"); got != "" {
				t.Errorf("the run left tracked changes:\n%s", got)
			}

			reportPath := out["report-json"]
			if !strings.HasPrefix(reportPath, r.temp+string(filepath.Separator)) {
				t.Errorf("report-json = %q, want a file under RUNNER_TEMP %s", reportPath, r.temp)
			}
			data, err := os.ReadFile(reportPath)
			if err != nil {
				t.Fatalf("read report-json: %v", err)
			}
			var report struct {
				Run struct {
					ID       string `json:"id"`
					Status   string `json:"status"`
					ExitCode int    `json:"exit_code"`
				} `json:"run"`
				Tasks []struct {
					Name     string `json:"name"`
					Approval string `json:"approval"`
					Model    struct {
						Provider string `json:"provider"`
					} `json:"model"`
				} `json:"tasks"`
			}
			if err := json.Unmarshal(data, &report); err != nil {
				t.Fatalf("parse report-json: %v", err)
			}
			if report.Run.ID != runID || report.Run.Status != tt.wantStatus || report.Run.ExitCode != tt.wantCode {
				t.Errorf("report run = %+v, want id %s, status %s, exit code %d", report.Run, runID, tt.wantStatus, tt.wantCode)
			}
			if len(report.Tasks) != 1 || report.Tasks[0].Approval != tt.wantApproval || report.Tasks[0].Model.Provider != "replay" {
				t.Errorf("report tasks = %+v, want one replay task with approval %s", report.Tasks, tt.wantApproval)
			}

			// The job summary is the Markdown report.
			heading := "# safe-coder run " + runID + ": " + tt.wantStatus
			if !strings.HasPrefix(res.Summary, heading+"\n") {
				t.Errorf("summary starts %q, want %q", firstLine(res.Summary), heading)
			}
			if row := "| empty-name | " + tt.wantStatus + " |"; !strings.Contains(res.Summary, row) {
				t.Errorf("summary has no row %q:\n%s", row, res.Summary)
			}

			if tt.quiet {
				line := "safe-coder: run " + runID + " " + tt.wantStatus + " (exit " + strconv.Itoa(tt.wantCode) + ")"
				if strings.Count(res.Stdout, "\n") != 1 || !strings.HasPrefix(res.Stdout, line) {
					t.Errorf("quiet stdout = %q, want one line starting %q", res.Stdout, line)
				}
			} else if !strings.Contains(res.Stdout, heading) {
				t.Errorf("the step log has no Markdown report:\n%s", res.Stdout)
			}
		})
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
