package tools

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/safe-coder/safe-coder/llm"
)

// newRepo creates a real git repository in a temporary directory and
// returns its absolute path.
func newRepo(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "repo")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	gitCmd(t, dir, "init", "--quiet")
	return dir
}

// gitCmd runs the git CLI in dir and returns its standard output.
func gitCmd(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %s: %v", strings.Join(args, " "), err)
	}
	return string(out)
}

// newToolbox opens a Toolbox on root, closed when the test ends.
func newToolbox(t *testing.T, opts Options) *Toolbox {
	t.Helper()
	tb, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := tb.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return tb
}

// put writes a file below root, creating parent directories.
func put(t *testing.T, root, rel, content string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// link creates a symlink at rel below root pointing to target.
func link(t *testing.T, root, target, rel string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
}

// read returns the content of a file below root.
func read(t *testing.T, root, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// run calls a tool with input encoded as JSON.
func run(t *testing.T, tb *Toolbox, name string, input any) Result {
	t.Helper()
	return tb.Exec(t.Context(), callOf(t, name, input))
}

// mustSucceed fails the test when r is an error result.
func mustSucceed(t *testing.T, r Result) Result {
	t.Helper()
	if r.IsError {
		t.Fatalf("unexpected error result: %s", r.Content)
	}
	return r
}

// mustFail fails the test unless r is an error result whose content holds
// every one of wants.
func mustFail(t *testing.T, r Result, wants ...string) {
	t.Helper()
	if !r.IsError {
		t.Fatalf("expected an error result, got: %s", r.Content)
	}
	for _, w := range wants {
		if !strings.Contains(r.Content, w) {
			t.Errorf("error result %q does not contain %q", r.Content, w)
		}
	}
}

// entries lists the names in a directory below root.
func entries(t *testing.T, root, rel string) []string {
	t.Helper()
	des, err := os.ReadDir(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(des))
	for i, d := range des {
		names[i] = d.Name()
	}
	return names
}

// callOf builds a tool call with input encoded as JSON.
func callOf(t *testing.T, name string, input any) llm.ToolCall {
	t.Helper()
	raw, err := json.Marshal(input)
	if err != nil {
		t.Fatal(err)
	}
	return llm.ToolCall{ID: "call-1", Name: name, Input: raw}
}
