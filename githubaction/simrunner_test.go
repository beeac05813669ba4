package githubaction

import (
	"bytes"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// simRunner runs the run: steps of action.yml the way the Actions runner
// runs a composite action's steps: each step gets its own GITHUB_OUTPUT
// and GITHUB_STEP_SUMMARY files, its env: evaluated against the contexts,
// and bash started as `bash --noprofile --norc -eo pipefail SCRIPT` in the
// workspace. uses: steps (setup-go, the cache) are left out: the test's own
// Go toolchain stands in for them.
type simRunner struct {
	// env is the job's environment, GitHub's variables included.
	env []string
	// vars holds the context values expressions may name: inputs.*,
	// github.*, runner.* and steps.<id>.outputs.*.
	vars      map[string]string
	workspace string
	temp      string
	steps     int
}

// simOptions describes the simulated job.
type simOptions struct {
	// Workspace is GITHUB_WORKSPACE, where the steps run.
	Workspace string
	// Inputs are the action's inputs as a workflow's with: gives them;
	// the others take their defaults.
	Inputs map[string]string
	// Env is added to the job's environment.
	Env map[string]string
	// Steps are step outputs of earlier steps, as "steps.ID.outputs.NAME".
	Steps map[string]string
}

const simToken = "ghs_simulatedjobtoken"

func newSimRunner(t *testing.T, a action, opts simOptions) *simRunner {
	t.Helper()
	root := repoRoot(t)
	temp := t.TempDir()
	github := map[string]string{
		"github.action_path": root,
		"github.token":       simToken,
		"github.workspace":   opts.Workspace,
		"runner.temp":        temp,
		"runner.os":          "Linux",
		"runner.arch":        "X64",
	}
	vars := inputVars(t, a, github, opts.Inputs)
	maps.Copy(vars, github)
	maps.Copy(vars, opts.Steps)

	env := baseEnv()
	for name, value := range map[string]string{
		"CI":                 "true",
		"GITHUB_ACTIONS":     "true",
		"GITHUB_ACTION_PATH": root,
		"GITHUB_WORKSPACE":   opts.Workspace,
		"GITHUB_REPOSITORY":  "octo-org/demo",
		"GITHUB_SERVER_URL":  "https://github.invalid",
		"GITHUB_RUN_ID":      "4242",
		"GITHUB_EVENT_NAME":  "workflow_dispatch",
		"RUNNER_TEMP":        temp,
		"RUNNER_OS":          "Linux",
		"RUNNER_ARCH":        "X64",
	} {
		env = setEnv(env, name, value)
	}
	for _, name := range slices.Sorted(maps.Keys(opts.Env)) {
		env = setEnv(env, name, opts.Env[name])
	}
	return &simRunner{env: env, vars: vars, workspace: opts.Workspace, temp: temp}
}

// stepResult is what one step left behind.
type stepResult struct {
	ExitCode int
	Stdout   string
	Stderr   string
	Outputs  map[string]string
	Summary  string
	// PID is the process the runner started for the step: with exec, the
	// program the script ends in runs as this same process.
	PID int
}

// runningStep is a step started and not yet waited for.
type runningStep struct {
	step           actionStep
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	output         string
	summary        string
	runner         *simRunner
}

// start starts a run: step and returns without waiting for it.
func (r *simRunner) start(t *testing.T, st actionStep) *runningStep {
	t.Helper()
	if st.Run == "" {
		t.Fatalf("%s has no run: script", st.label())
	}
	r.steps++
	dir := filepath.Join(r.temp, "_step", strconv.Itoa(r.steps))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	rs := &runningStep{
		step:    st,
		output:  filepath.Join(dir, "output"),
		summary: filepath.Join(dir, "summary"),
		runner:  r,
	}
	script := filepath.Join(dir, "script.sh")
	for _, f := range []string{rs.output, rs.summary} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(script, []byte(st.Run), 0o644); err != nil {
		t.Fatal(err)
	}

	env := setEnv(r.env, "GITHUB_OUTPUT", rs.output)
	env = setEnv(env, "GITHUB_STEP_SUMMARY", rs.summary)
	for _, name := range slices.Sorted(maps.Keys(st.Env)) {
		value, err := evaluate(st.Env[name], r.vars)
		if err != nil {
			t.Fatalf("%s: env %s: %v", st.label(), name, err)
		}
		env = setEnv(env, name, value)
	}

	rs.cmd = exec.CommandContext(t.Context(), "bash", "--noprofile", "--norc", "-eo", "pipefail", script)
	rs.cmd.Dir = r.workspace
	rs.cmd.Env = env
	rs.cmd.Stdout = &rs.stdout
	rs.cmd.Stderr = &rs.stderr
	// A process group of its own, killed when the step ends: a script that
	// fails to exec leaves its child behind holding the output pipes, and
	// Wait would never return.
	rs.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	rs.cmd.WaitDelay = 5 * time.Second
	if err := rs.cmd.Start(); err != nil {
		t.Fatalf("%s: start bash: %v", st.label(), err)
	}
	t.Cleanup(rs.killGroup)
	return rs
}

// wait waits for the step, then records its outputs for later steps'
// expressions.
func (rs *runningStep) wait(t *testing.T) stepResult {
	t.Helper()
	err := rs.cmd.Wait()
	rs.killGroup()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("%s: run bash: %v", rs.step.label(), err)
	}
	res := stepResult{
		ExitCode: rs.cmd.ProcessState.ExitCode(),
		Stdout:   rs.stdout.String(),
		Stderr:   rs.stderr.String(),
		PID:      rs.cmd.Process.Pid,
	}
	data, err := os.ReadFile(rs.output)
	if err != nil {
		t.Fatal(err)
	}
	if res.Outputs, err = parseOutputs(data); err != nil {
		t.Fatalf("%s: GITHUB_OUTPUT: %v\n%s", rs.step.label(), err, data)
	}
	summary, err := os.ReadFile(rs.summary)
	if err != nil {
		t.Fatal(err)
	}
	res.Summary = string(summary)
	if rs.step.ID != "" {
		for name, value := range res.Outputs {
			rs.runner.vars["steps."+rs.step.ID+".outputs."+name] = value
		}
	}
	return res
}

// killGroup kills whatever the step left running in its process group.
func (rs *runningStep) killGroup() {
	_ = syscall.Kill(-rs.cmd.Process.Pid, syscall.SIGKILL)
}

// run runs a run: step to its end.
func (r *simRunner) run(t *testing.T, st actionStep) stepResult {
	t.Helper()
	return r.start(t, st).wait(t)
}

// stepByID is the step of a with that id.
func stepByID(t *testing.T, a action, id string) actionStep {
	t.Helper()
	for _, st := range a.Runs.Steps {
		if st.ID == id {
			return st
		}
	}
	t.Fatalf("action.yml has no step with id %q", id)
	return actionStep{}
}

// actionOutputs maps the action's outputs through their value: expressions,
// as the runner does when the composite action ends.
func actionOutputs(t *testing.T, a action, r *simRunner) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, o := range a.Outputs {
		v, err := evaluate(o.Value, r.vars)
		if err != nil {
			// An output of a step that wrote none is empty, as in Actions.
			v = ""
		}
		out[name] = v
	}
	return out
}
