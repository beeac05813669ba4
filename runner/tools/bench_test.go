package tools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/safe-coder/safe-coder/llm"
)

func benchBox(b *testing.B) (*Toolbox, string) {
	b.Helper()
	root, err := filepath.EvalSymlinks(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	box, err := New(Options{Root: root, Env: CommandEnv(os.Environ(), EnvOptions{})})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { box.Close() })
	return box, root
}

func benchCall(name string, input map[string]any) llm.ToolCall {
	in, _ := json.Marshal(input)
	return llm.ToolCall{ID: "b", Name: name, Input: in}
}

// BenchmarkBash measures a trivial command through the bash tool (process
// group, capped output, kill of leftovers) against plain os/exec running the
// same shell: the price of the safety around a command.
func BenchmarkBash(b *testing.B) {
	shell, err := exec.LookPath("bash")
	if err != nil {
		b.Skip("no bash")
	}
	b.Run("ours", func(b *testing.B) {
		box, _ := benchBox(b)
		call := benchCall(Bash, map[string]any{"command": "echo hi"})
		for b.Loop() {
			if r := box.Exec(b.Context(), call); r.IsError {
				b.Fatal(r.Content)
			}
		}
	})
	b.Run("baseline", func(b *testing.B) {
		_, root := benchBox(b)
		for b.Loop() {
			cmd := exec.Command(shell, "-c", "echo hi")
			cmd.Dir = root
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkReadFile measures read_file on a 2,000-line file (confined open,
// binary check, numbered lines) against os.ReadFile plus the same numbering
// done naively.
func BenchmarkReadFile(b *testing.B) {
	var src strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&src, "line %d: the quick brown fox jumps over the lazy dog\n", i)
	}
	b.Run("ours", func(b *testing.B) {
		box, root := benchBox(b)
		if err := os.WriteFile(filepath.Join(root, "f.txt"), []byte(src.String()), 0o644); err != nil {
			b.Fatal(err)
		}
		call := benchCall(ReadFile, map[string]any{"path": "f.txt"})
		for b.Loop() {
			if r := box.Exec(b.Context(), call); r.IsError {
				b.Fatal(r.Content)
			}
		}
	})
	b.Run("baseline", func(b *testing.B) {
		_, root := benchBox(b)
		p := filepath.Join(root, "f.txt")
		if err := os.WriteFile(p, []byte(src.String()), 0o644); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			data, err := os.ReadFile(p)
			if err != nil {
				b.Fatal(err)
			}
			var out strings.Builder
			for i, line := range strings.Split(string(data), "\n") {
				fmt.Fprintf(&out, "%6d\t%s\n", i+1, line)
			}
		}
	})
}
