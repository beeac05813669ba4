package githubaction

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The inputs and outputs the issue names; action.yml declares exactly these.
var (
	wantInputs = []string{
		"anthropic-api-key", "approval", "args", "github-token", "model", "open-pr",
		"openai-api-key", "provider", "report-format", "task", "tasks",
	}
	wantOutputs = []string{"branch", "exit-code", "pr-url", "report-json", "run-id", "status"}
)

// pinnedUses is a third-party action pinned to a full commit SHA with the
// release it is in as a comment.
var pinnedUses = regexp.MustCompile(`^\s*(- )?uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*\s*$`)

func TestActionMetadata(t *testing.T) {
	t.Parallel()
	a := loadAction(t)

	if a.Runs.Using != "composite" {
		t.Errorf("runs.using = %q, want composite", a.Runs.Using)
	}
	if a.Name == "" || a.Description == "" {
		t.Errorf("name %q, description %q: the Marketplace needs both", a.Name, a.Description)
	}
	if got := slices.Sorted(maps.Keys(a.Inputs)); !slices.Equal(got, wantInputs) {
		t.Errorf("inputs = %v, want %v", got, wantInputs)
	}
	if got := slices.Sorted(maps.Keys(a.Outputs)); !slices.Equal(got, wantOutputs) {
		t.Errorf("outputs = %v, want %v", got, wantOutputs)
	}
	for name, in := range a.Inputs {
		if in.Description == "" {
			t.Errorf("input %s has no description", name)
		}
	}
	for name, out := range a.Outputs {
		// safe-coder writes each output under its own name to the run
		// step's GITHUB_OUTPUT; the action only forwards it.
		if want := "${{ steps.run.outputs." + name + " }}"; out.Value != want {
			t.Errorf("output %s = %q, want %q", name, out.Value, want)
		}
		if out.Description == "" {
			t.Errorf("output %s has no description", name)
		}
	}

	used := map[string]bool{}
	ids := map[string]bool{}
	for i, st := range a.Runs.Steps {
		var exprs []string
		for _, v := range st.Env {
			exprs = append(exprs, expressions(v)...)
		}
		for _, v := range st.With {
			exprs = append(exprs, expressions(v)...)
		}
		for _, e := range exprs {
			if !contextPath.MatchString(e) {
				t.Errorf("%s: expression %q is not a plain context path", st.label(), e)
				continue
			}
			parts := strings.Split(e, ".")
			switch parts[0] {
			case "inputs":
				if _, ok := a.Inputs[parts[1]]; !ok {
					t.Errorf("%s: %s names an input action.yml does not declare", st.label(), e)
				}
				used[parts[1]] = true
			case "steps":
				if !ids[parts[1]] {
					t.Errorf("%s: %s names no earlier step", st.label(), e)
				}
			case "github", "runner":
			default:
				t.Errorf("%s: expression %q uses a context the action has no business with", st.label(), e)
			}
		}
		if st.ID != "" {
			ids[st.ID] = true
		}

		switch {
		case st.Run != "" && st.Uses != "":
			t.Errorf("step %d has both run: and uses:", i)
		case st.Run != "":
			if st.Shell != "bash" {
				t.Errorf("%s: shell = %q, want bash", st.label(), st.Shell)
			}
			// The runner expands ${{ }} in run: before bash sees it: an
			// input there would be shell code.
			if strings.Contains(st.Run, "${{") {
				t.Errorf("%s: run: holds an expression; pass it through env:", st.label())
			}
			if strings.Count(strings.TrimSpace(st.Run), "\n") > 0 && !strings.HasPrefix(st.Run, "set -euo pipefail\n") {
				t.Errorf("%s: a multi-line script starts with set -euo pipefail", st.label())
			}
		case st.Uses == "":
			t.Errorf("step %d has neither run: nor uses:", i)
		}
	}
	for _, name := range wantInputs {
		if !used[name] {
			t.Errorf("input %s is declared and never used", name)
		}
	}

	run := stepByID(t, a, "run")
	lines := strings.Split(strings.TrimSpace(run.Run), "\n")
	// The binary replaces bash: SIGINT/SIGTERM from a cancelled job reach
	// safe-coder itself and the step's exit code is safe-coder's.
	if last := strings.TrimSpace(lines[len(lines)-1]); last != `exec "${argv[@]}"` {
		t.Errorf("run step ends with %q, want exec \"${argv[@]}\"", last)
	}
	if !strings.Contains(run.Run, `argv=("$SAFE_CODER_ACTION_BIN" run)`) {
		t.Errorf("run step does not start argv with the built binary and run")
	}
}

// TestActionPinned reads action.yml as text: the version comment that goes
// with a pinned SHA is invisible to a YAML parser.
func TestActionPinned(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, line := range strings.Split(string(data), "\n") {
		if !strings.Contains(line, "uses:") || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		n++
		if !pinnedUses.MatchString(line) {
			t.Errorf("action.yml:%d: %q is not pinned to a full commit SHA with a # vX.Y.Z comment", i+1, strings.TrimSpace(line))
		}
	}
	if n == 0 {
		t.Error("action.yml uses no action: setup-go is expected")
	}
}

// TestActionShellcheck lints every run: script of action.yml with
// shellcheck, as actionlint does for workflows (it does not read action
// metadata files).
func TestActionShellcheck(t *testing.T) {
	t.Parallel()
	shellcheck, err := exec.LookPath("shellcheck")
	if err != nil {
		t.Skip("shellcheck is not installed: the action's scripts are not linted")
	}
	a := loadAction(t)
	dir := t.TempDir()
	for _, st := range a.Runs.Steps {
		if st.Run == "" {
			continue
		}
		t.Run(st.label(), func(t *testing.T) {
			t.Parallel()
			script := filepath.Join(dir, strings.ReplaceAll(st.label(), " ", "-")+".sh")
			if err := os.WriteFile(script, []byte(st.Run), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.CommandContext(t.Context(), shellcheck, "--shell=bash", "--severity=style", "--norc", script).CombinedOutput()
			if err != nil {
				t.Errorf("shellcheck: %v\n%s", err, out)
			}
		})
	}
}
