package gitsafety

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const forbidden = "SECRET-VALUE-0123456789"

var errHoldsSecret = errors.New("holds a secret value")

// secretCheck refuses content holding forbidden and records every call.
type secretCheck struct {
	mu    sync.Mutex
	calls map[string]string
}

func (c *secretCheck) check(path string, data []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[string]string{}
	}
	c.calls[path] = string(data)
	if bytes.Contains(data, []byte(forbidden)) {
		return errHoldsSecret
	}
	return nil
}

func (c *secretCheck) paths() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ps []string
	for p := range c.calls {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

// TestCommitStepCheckRefuses: a step with one file holding a forbidden
// value is not committed at all: HEAD, the branch and the index stay, the
// work tree keeps every change (the clean file's too), and the refused
// content never reaches the object database. The twin step without the
// value commits both files.
func TestCommitStepCheckRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		change   func(r *testRepo)
		refused  string // the path the error names
		clean    func(r *testRepo)
		wantFile []string // files of the twin's commit
	}{
		{
			name:     "new file",
			change:   func(r *testRepo) { r.write("config/app.env", "TOKEN="+forbidden+"\n") },
			refused:  "config/app.env",
			clean:    func(r *testRepo) { r.write("config/app.env", "TOKEN=${TOKEN}\n") },
			wantFile: []string{"config/app.env", "notes.md"},
		},
		{
			name:     "modified tracked file",
			change:   func(r *testRepo) { r.write("main.go", "package main\n\nconst key = \""+forbidden+"\"\n") },
			refused:  "main.go",
			clean:    func(r *testRepo) { r.write("main.go", "package main\n\nvar key = os.Getenv(\"KEY\")\n") },
			wantFile: []string{"main.go", "notes.md"},
		},
		{
			name:     "symlink target",
			change:   func(r *testRepo) { r.symlink("/tmp/"+forbidden, "leak") },
			refused:  "leak",
			clean:    func(r *testRepo) { r.remove("leak"); r.symlink("main.go", "leak") },
			wantFile: []string{"leak", "notes.md"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newTestRepo(t, map[string]string{"main.go": "package main\n", ".gitignore": "*.log\n"})
			s := r.begin(testOptions("safe-coder/refuse"))
			head := r.git("rev-parse", "HEAD")
			tt.change(r)
			r.write("notes.md", "a clean change in the same step\n")
			// status first: it may refresh the index's stat data.
			status := r.git("status", "--porcelain", "--untracked-files=all")
			index := r.git("ls-files", "--stage", "--debug")
			var refusedBlob string
			if fi, err := os.Lstat(r.path(tt.refused)); err == nil && fi.Mode()&os.ModeSymlink != 0 {
				target, _ := os.Readlink(r.path(tt.refused))
				refusedBlob = r.gitStdin(target, "hash-object", "--stdin")
			} else {
				refusedBlob = r.git("hash-object", "--", tt.refused)
			}

			var check secretCheck
			c, err := s.CommitStep(t.Context(), StepCommit{Step: 1, Tools: []string{"bash"}, Calls: []string{"bash: x"}, Check: check.check})
			if !errors.Is(err, ErrRefused) || !errors.Is(err, errHoldsSecret) {
				t.Fatalf("CommitStep error = %v, want ErrRefused and the check's error", err)
			}
			if want := fmt.Sprintf("step refused: %s: holds a secret value", tt.refused); err.Error() != want {
				t.Errorf("error = %q, want %q", err, want)
			}
			if c.SHA != "" || c.Files != nil {
				t.Errorf("Commit = %+v, want none", c)
			}
			if got := r.git("rev-parse", "HEAD"); got != head || s.Head() != head {
				t.Errorf("HEAD = %s, session head %s; want %s", got, s.Head(), head)
			}
			if got := r.git("rev-parse", "refs/heads/safe-coder/refuse"); got != head {
				t.Errorf("branch moved to %s", got)
			}
			if got := r.git("ls-files", "--stage", "--debug"); got != index {
				t.Errorf("index changed:\n%s\nwas:\n%s", got, index)
			}
			if got := r.git("status", "--porcelain", "--untracked-files=all"); got != status {
				t.Errorf("git status = %q, want the changes still there: %q", got, status)
			}
			if !strings.Contains(status, "notes.md") {
				t.Errorf("the clean file is not pending: %q", status)
			}
			if _, _, err := r.tryGit("cat-file", "-e", refusedBlob); err == nil {
				t.Errorf("the refused content was stored as object %s", refusedBlob)
			}
			r.assertNoLocks()

			tt.clean(r)
			c, err = s.CommitStep(t.Context(), StepCommit{Step: 1, Tools: []string{"bash"}, Calls: []string{"bash: x"}, Check: check.check})
			if err != nil {
				t.Fatalf("twin step: %v", err)
			}
			if !slices.Equal(c.Files, tt.wantFile) {
				t.Errorf("twin committed %q, want %q", c.Files, tt.wantFile)
			}
			r.assertSound()
		})
	}
}

// TestCommitStepCheckCalls: the check sees every added or modified file
// with its exact content, and nothing else: not unchanged, touched,
// chmod-only, deleted or ignored files, and not content already committed.
func TestCommitStepCheckCalls(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{
		"same.txt":    "same\n",
		"touched.txt": "touched\n",
		"mode.sh":     "#!/bin/sh\n",
		"gone.txt":    "gone\n",
		"edit.txt":    "before\n",
		"legacy.txt":  "committed before the run: " + forbidden + "\n",
		".gitignore":  "*.log\n",
	})
	s := r.begin(testOptions("safe-coder/calls"))
	later := time.Now().Add(2 * time.Second)
	if err := os.Chtimes(r.path("touched.txt"), later, later); err != nil {
		t.Fatal(err)
	}
	r.chmod("mode.sh", 0o755)
	r.remove("gone.txt")
	r.write("edit.txt", "after\n")
	r.write("new/file.txt", "new\n")
	r.write("debug.log", "ignored "+forbidden+"\n")

	var check secretCheck
	c, err := s.CommitStep(t.Context(), StepCommit{Step: 1, Check: check.check})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"edit.txt", "gone.txt", "mode.sh", "new/file.txt"}; !slices.Equal(c.Files, want) {
		t.Errorf("Files = %q, want %q", c.Files, want)
	}
	if got, want := check.paths(), []string{"edit.txt", "new/file.txt"}; !slices.Equal(got, want) {
		t.Errorf("checked %q, want %q", got, want)
	}
	if check.calls["edit.txt"] != "after\n" || check.calls["new/file.txt"] != "new\n" {
		t.Errorf("checked content = %q", check.calls)
	}
	r.assertSound()
}

// gitStdin runs a git command that must succeed with stdin as its input.
func (r *testRepo) gitStdin(stdin string, args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", append([]string{"-C", r.dir}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.Output()
	if err != nil {
		r.t.Fatalf("git %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimRight(string(out), "\n")
}
