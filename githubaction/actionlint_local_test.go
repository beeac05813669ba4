package githubaction

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestActionLintedAsLocalAction has actionlint read action.yml the way it
// reads any local action a workflow uses: the metadata must parse, and
// every input a workflow passes must be one it declares. The twin passes
// an input action.yml does not declare, which actionlint must refuse, so a
// pass proves actionlint really read our metadata.
func TestActionLintedAsLocalAction(t *testing.T) {
	t.Parallel()
	act := loadAction(t)
	var with strings.Builder
	for name := range act.Inputs {
		with.WriteString("          " + name + ": x\n")
	}
	tests := []struct {
		name  string
		extra string
		want  string // "" = clean
	}{
		{name: "every declared input", want: ""},
		{name: "an undeclared input", extra: "          no-such-input: x\n", want: `input "no-such-input" is not defined`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			data, err := os.ReadFile(filepath.Join(repoRoot(t), "action.yml"))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(root, "action.yml"), data, 0o644); err != nil {
				t.Fatal(err)
			}
			wf := "on: workflow_dispatch\npermissions: {}\njobs:\n  run:\n    runs-on: ubuntu-latest\n    steps:\n" +
				"      - uses: ./\n        with:\n" + with.String() + tt.extra
			dir := filepath.Join(root, ".github", "workflows")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "use.yml"), []byte(wf), 0o644); err != nil {
				t.Fatal(err)
			}
			// A git directory marks the project root for actionlint.
			if err := os.Mkdir(filepath.Join(root, ".git"), 0o755); err != nil {
				t.Fatal(err)
			}
			bin := actionlintBinary(t)
			cmd := exec.CommandContext(t.Context(), bin, "-no-color", "-shellcheck=", filepath.Join(dir, "use.yml"))
			cmd.Dir = root
			cmd.Env = baseEnv()
			out, err := cmd.CombinedOutput()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("actionlint on a workflow using action.yml: %v\n%s", err, out)
			case tt.want != "" && (err == nil || !strings.Contains(string(out), tt.want)):
				t.Errorf("actionlint = %v\n%s\nwant an error containing %q", err, out, tt.want)
			}
		})
	}
}

// actionlintBinary builds actionlint into the test's temp dir (the go
// build cache makes every build after the first a link): the workflow under
// test lives outside the module, where `go tool actionlint` cannot run.
func actionlintBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "actionlint")
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "github.com/rhysd/actionlint/cmd/actionlint")
	cmd.Dir = repoRoot(t)
	cmd.Env = baseEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build actionlint: %v\n%s", err, out)
	}
	return bin
}
