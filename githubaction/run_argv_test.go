package githubaction

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeBinary is a stand-in for safe-coder that records how it was
// started: its pid, its arguments one per line, and its environment. With
// FAKE_WAIT set it waits for SIGTERM and answers with safe-coder's 143.
const fakeBinary = `#!/bin/sh
printf '%s\n' "$$" > "$FAKE_LOG/pid"
for a in "$@"; do printf '%s\n' "$a"; done > "$FAKE_LOG/argv"
env > "$FAKE_LOG/env"
if [ -n "${FAKE_WAIT:-}" ]; then
	trap 'echo TERM > "$FAKE_LOG/signal"; exit 143' TERM
	: > "$FAKE_LOG/ready"
	while :; do sleep 0.02; done
fi
exit "${FAKE_EXIT:-0}"
`

// fakeRun is what the fake binary recorded.
type fakeRun struct {
	called bool
	pid    int
	argv   []string
	env    []string
}

func readFakeRun(t *testing.T, log string) fakeRun {
	t.Helper()
	pid, err := os.ReadFile(filepath.Join(log, "pid"))
	if os.IsNotExist(err) {
		return fakeRun{}
	}
	if err != nil {
		t.Fatal(err)
	}
	fr := fakeRun{called: true}
	if fr.pid, err = strconv.Atoi(strings.TrimSpace(string(pid))); err != nil {
		t.Fatalf("fake pid %q: %v", pid, err)
	}
	argv, err := os.ReadFile(filepath.Join(log, "argv"))
	if err != nil {
		t.Fatal(err)
	}
	if s := strings.TrimSuffix(string(argv), "\n"); s != "" {
		fr.argv = strings.Split(s, "\n")
	}
	env, err := os.ReadFile(filepath.Join(log, "env"))
	if err != nil {
		t.Fatal(err)
	}
	fr.env = strings.Split(strings.TrimSuffix(string(env), "\n"), "\n")
	return fr
}

// fakeJob sets up a simulated job whose build step "produced" the fake
// binary, and returns the runner and the directory the fake logs to.
func fakeJob(t *testing.T, a action, inputs, env map[string]string) (*simRunner, string, string) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "safe-coder")
	if err := os.WriteFile(bin, []byte(fakeBinary), 0o755); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(dir, "log")
	if err := os.Mkdir(log, 0o755); err != nil {
		t.Fatal(err)
	}
	workspace := filepath.Join(dir, "workspace")
	if err := os.Mkdir(workspace, 0o755); err != nil {
		t.Fatal(err)
	}
	// The PATH the job had before setup-go: the run step restores it so
	// the tasks' checks see the job's own toolchain.
	jobPath := filepath.Join(dir, "job-bin") + ":/usr/local/bin:/usr/bin:/bin"
	allEnv := map[string]string{"FAKE_LOG": log}
	for k, v := range env {
		allEnv[k] = v
	}
	r := newSimRunner(t, a, simOptions{
		Workspace: workspace,
		Inputs:    inputs,
		Env:       allEnv,
		Steps: map[string]string{
			"steps.build.outputs.path":   bin,
			"steps.job-env.outputs.path": jobPath,
		},
	})
	return r, log, jobPath
}

// TestActionRunArgv runs the action's run step against the fake binary and
// checks the command line and environment each set of inputs gives it.
func TestActionRunArgv(t *testing.T) {
	t.Parallel()
	a := loadAction(t)
	run := stepByID(t, a, "run")

	tests := []struct {
		name   string
		inputs map[string]string
		env    map[string]string
		// wantCode is the step's exit code; the fake is not started when
		// it is 2 (a bad input).
		wantCode int
		wantArgv []string
		wantEnv  map[string]string
		// noEnv are variables safe-coder must not get.
		noEnv []string
		// wantError is in the ::error annotation of a bad input.
		wantError string
	}{
		{
			name:     "defaults",
			wantArgv: []string{"run", "--", ".safe-coder/tasks.yaml"},
			wantEnv:  map[string]string{"GITHUB_TOKEN": simToken, "GITHUB_ACTIONS": "true"},
			noEnv:    []string{"ANTHROPIC_API_KEY", "OPENAI_API_KEY"},
		},
		{
			name: "every input",
			inputs: map[string]string{
				"tasks":             "ci/tasks.yaml",
				"task":              "lint, docs-typos\nfix-issue\tbump",
				"approval":          "plan",
				"model":             "claude-opus-5",
				"provider":          "anthropic",
				"open-pr":           "true",
				"anthropic-api-key": "sk-ant-test",
				"openai-api-key":    "sk-openai-test",
				"github-token":      "ghs_apptoken",
				"report-format":     "quiet",
				"args":              "--shard 2/4\n  --clear-stale-lock",
			},
			wantArgv: []string{
				"run", "--task=lint", "--task=docs-typos", "--task=fix-issue", "--task=bump",
				"--open-pr", "--quiet", "--approval=plan", "--provider=anthropic", "--model=claude-opus-5",
				"--shard", "2/4", "--clear-stale-lock", "--", "ci/tasks.yaml",
			},
			wantEnv: map[string]string{
				"ANTHROPIC_API_KEY": "sk-ant-test",
				"OPENAI_API_KEY":    "sk-openai-test",
				"GITHUB_TOKEN":      "ghs_apptoken",
			},
		},
		{
			// Inputs are data: nothing in them is expanded, globbed or run.
			name: "shell syntax in inputs stays literal",
			inputs: map[string]string{
				"tasks": `$(touch pwned).yaml`,
				"task":  "`touch pwned`",
				"model": `"; touch pwned; echo "`,
				"args":  `* $HOME ;touch pwned`,
			},
			wantArgv: []string{
				"run", "--task=`touch", "--task=pwned`", `--model="; touch pwned; echo "`,
				"*", "$HOME", ";touch", "pwned", "--", "$(touch pwned).yaml",
			},
		},
		{
			// A key the job already exports is not blanked by an empty input.
			name:     "job's own key kept",
			env:      map[string]string{"ANTHROPIC_API_KEY": "sk-ant-from-job"},
			inputs:   map[string]string{"github-token": ""},
			wantArgv: []string{"run", "--", ".safe-coder/tasks.yaml"},
			wantEnv:  map[string]string{"ANTHROPIC_API_KEY": "sk-ant-from-job"},
			noEnv:    []string{"GITHUB_TOKEN"},
		},
		{
			name:     "safe-coder's exit code is the step's",
			env:      map[string]string{"FAKE_EXIT": "3"},
			wantCode: 3,
			wantArgv: []string{"run", "--", ".safe-coder/tasks.yaml"},
		},
		{
			name:      "open-pr not a boolean",
			inputs:    map[string]string{"open-pr": "yes"},
			wantCode:  2,
			wantError: "::error title=safe-coder action::open-pr must be true or false, not 'yes'",
		},
		{
			name:      "report-format unknown",
			inputs:    map[string]string{"report-format": "json"},
			wantCode:  2,
			wantError: "report-format must be markdown or quiet",
		},
		{
			name:      "tasks empty",
			inputs:    map[string]string{"tasks": ""},
			wantCode:  2,
			wantError: "the tasks input is empty",
		},
		{
			// A newline would end the workflow command and let the rest
			// of the value be read as a command of its own.
			name:      "annotation escapes the value",
			inputs:    map[string]string{"open-pr": "x\n::add-mask::y%"},
			wantCode:  2,
			wantError: "not 'x%0A::add-mask::y%25'",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, log, jobPath := fakeJob(t, a, tt.inputs, tt.env)
			res := r.run(t, run)
			if res.ExitCode != tt.wantCode {
				t.Fatalf("exit code = %d, want %d\nstdout: %s\nstderr: %s", res.ExitCode, tt.wantCode, res.Stdout, res.Stderr)
			}
			fr := readFakeRun(t, log)
			if tt.wantError != "" {
				if fr.called {
					t.Errorf("safe-coder ran with %q although an input is bad", fr.argv)
				}
				if !strings.Contains(res.Stdout, tt.wantError) {
					t.Errorf("stdout = %q, want it to contain %q", res.Stdout, tt.wantError)
				}
				if strings.Count(strings.TrimSpace(res.Stdout), "\n") != 0 {
					t.Errorf("the annotation spans lines: %q", res.Stdout)
				}
				return
			}
			if !fr.called {
				t.Fatalf("safe-coder never ran\nstdout: %s\nstderr: %s", res.Stdout, res.Stderr)
			}
			if fr.pid != res.PID {
				t.Errorf("safe-coder ran as pid %d, the step's bash was %d: it is not exec'd", fr.pid, res.PID)
			}
			if !slices.Equal(fr.argv, tt.wantArgv) {
				t.Errorf("argv =\n%q\nwant\n%q", fr.argv, tt.wantArgv)
			}
			for name, want := range tt.wantEnv {
				if got, ok := envValue(fr.env, name); !ok || got != want {
					t.Errorf("%s = %q (set %v), want %q", name, got, ok, want)
				}
			}
			for _, name := range tt.noEnv {
				if v, ok := envValue(fr.env, name); ok {
					t.Errorf("%s = %q reached safe-coder, want it unset", name, v)
				}
			}
			for _, kv := range fr.env {
				if strings.HasPrefix(kv, "INPUT_") || strings.HasPrefix(kv, "SAFE_CODER_ACTION_") || strings.HasPrefix(kv, "SAFE_CODER_JOB_") {
					t.Errorf("the action's own variable %q reached safe-coder", kv)
				}
			}
			if got, _ := envValue(fr.env, "PATH"); got != jobPath {
				t.Errorf("PATH = %q, want the job's %q", got, jobPath)
			}
			if _, err := os.Stat(filepath.Join(r.workspace, "pwned")); err == nil {
				t.Error("an input was run as shell code: pwned exists")
			}
		})
	}
}

// TestActionRunSignal cancels the step as the runner does, with SIGTERM to
// the step's process, and checks that safe-coder gets it and its exit code
// is the step's.
func TestActionRunSignal(t *testing.T) {
	t.Parallel()
	a := loadAction(t)
	r, log, _ := fakeJob(t, a, nil, map[string]string{"FAKE_WAIT": "1"})
	rs := r.start(t, stepByID(t, a, "run"))

	ready := filepath.Join(log, "ready")
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(ready); err == nil {
			break
		}
		if time.Now().After(deadline) {
			_ = rs.cmd.Process.Kill()
			t.Fatalf("the fake safe-coder never started\nstderr: %s", rs.stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := rs.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	res := rs.wait(t)
	if res.ExitCode != 143 {
		t.Errorf("exit code = %d, want 143 (safe-coder's answer to SIGTERM)", res.ExitCode)
	}
	if got, err := os.ReadFile(filepath.Join(log, "signal")); err != nil || strings.TrimSpace(string(got)) != "TERM" {
		t.Errorf("safe-coder did not get SIGTERM (signal file %q, %v)", got, err)
	}
}
