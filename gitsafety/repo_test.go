package gitsafety

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpen(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"a/b/c.txt": "c\n", "top.txt": "top\n"})
	tests := []struct {
		name string
		dir  string
	}{
		{"root", r.dir},
		{"subdirectory", r.path("a/b")},
		{"file inside", r.path("a/b/c.txt")},
		{"relative path with dots", r.path("a/b/..")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			repo, err := Open(t.Context(), tt.dir)
			if err != nil {
				t.Fatalf("Open(%s): %v", tt.dir, err)
			}
			if repo.Root() != r.dir {
				t.Errorf("Root() = %s, want %s", repo.Root(), r.dir)
			}
			if want := filepath.Join(r.dir, ".git"); repo.GitDir() != want {
				t.Errorf("GitDir() = %s, want %s", repo.GitDir(), want)
			}
		})
	}
}

func TestOpenNotRepo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := Open(t.Context(), dir)
	if !errors.Is(err, ErrNotRepo) {
		t.Fatalf("Open(plain dir) = %v, want ErrNotRepo", err)
	}
	for _, frag := range []string{dir, "--init", "git init"} {
		if !strings.Contains(err.Error(), frag) {
			t.Errorf("error %q does not mention %s", err, frag)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".git")); !errors.Is(err, os.ErrNotExist) {
		t.Error("Open created a repository")
	}
	if _, err := Open(t.Context(), filepath.Join(dir, "missing")); err == nil {
		t.Error("Open(missing dir) succeeded")
	}
}

func TestOpenLinkedWorktree(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"f.txt": "f\n"})
	wtDir := filepath.Join(t.TempDir(), "wt")
	r.git("worktree", "add", "-q", "-b", "feature", wtDir)
	wt := &testRepo{t: t, dir: wtDir}

	repo := wt.open()
	if repo.Root() != wtDir {
		t.Errorf("Root() = %s, want %s", repo.Root(), wtDir)
	}
	if want := filepath.Join(r.dir, ".git", "worktrees", "wt"); repo.GitDir() != want {
		t.Errorf("GitDir() = %s, want %s", repo.GitDir(), want)
	}
	head, err := repo.Head(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if head.Branch != "feature" {
		t.Errorf("Head().Branch = %q, want feature", head.Branch)
	}

	// A run in the linked work tree writes refs and objects to the shared
	// directory and HEAD and index to its own.
	s, err := repo.Begin(t.Context(), testOptions("safe-coder/wt-run"))
	if err != nil {
		t.Fatal(err)
	}
	wt.write("g.txt", "g\n")
	c, err := s.CommitStep(t.Context(), StepCommit{Step: 1, Tools: []string{"write_file"}, Calls: []string{"write_file g.txt"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.git("rev-parse", "safe-coder/wt-run"); got != c.SHA {
		t.Errorf("run branch seen from the main work tree = %s, want %s", got, c.SHA)
	}
	if got := wt.git("symbolic-ref", "HEAD"); got != "refs/heads/safe-coder/wt-run" {
		t.Errorf("worktree HEAD = %s", got)
	}
	if got := r.git("symbolic-ref", "HEAD"); got != "refs/heads/main" {
		t.Errorf("main work tree HEAD = %s, want refs/heads/main", got)
	}
	wt.assertSound()
	r.assertSound()
}

func TestHead(t *testing.T) {
	t.Parallel()
	t.Run("branch", func(t *testing.T) {
		t.Parallel()
		r := newTestRepo(t, map[string]string{"f": "1\n"})
		head, err := r.open().Head(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if want := (Head{Commit: r.git("rev-parse", "HEAD"), Branch: "main"}); head != want {
			t.Errorf("Head() = %+v, want %+v", head, want)
		}
	})
	t.Run("detached", func(t *testing.T) {
		t.Parallel()
		r := newTestRepo(t, map[string]string{"f": "1\n"})
		r.git("checkout", "-q", "--detach")
		head, err := r.open().Head(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if want := (Head{Commit: r.git("rev-parse", "HEAD")}); head != want {
			t.Errorf("Head() = %+v, want %+v", head, want)
		}
	})
	t.Run("no commits", func(t *testing.T) {
		t.Parallel()
		r := initTestRepo(t)
		_, err := r.open().Head(t.Context())
		if !errors.Is(err, ErrNoCommits) {
			t.Fatalf("Head() = %v, want ErrNoCommits", err)
		}
		for _, frag := range []string{"make an initial commit", "git commit", "never makes it for you"} {
			if !strings.Contains(err.Error(), frag) {
				t.Errorf("error %q does not mention %q", err, frag)
			}
		}
		if _, _, err := r.tryGit("rev-parse", "--verify", "-q", "HEAD"); err == nil {
			t.Error("a commit was made")
		}
	})
}

func TestOpenHonoursCancelledContext(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"f": "1\n"})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Open(ctx, r.dir); !errors.Is(err, context.Canceled) {
		t.Fatalf("Open with a cancelled context = %v, want context.Canceled", err)
	}
}
