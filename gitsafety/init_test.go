package gitsafety

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string // present before Init
		sub   string            // Init is given this directory below the temp dir
	}{
		{name: "empty directory"},
		{name: "directory with files", files: map[string]string{"main.go": "package main\n", "docs/a.md": "# A\n"}},
		{name: "directory to create", sub: "new/project"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base, err := filepath.EvalSymlinks(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(base, tt.sub)
			for name, content := range tt.files {
				writeFile(t, filepath.Join(dir, name), content)
			}
			repo, err := Init(t.Context(), dir)
			if err != nil {
				t.Fatalf("Init: %v", err)
			}
			if repo.Root() != dir {
				t.Errorf("Root() = %s, want %s", repo.Root(), dir)
			}
			r := &testRepo{t: t, dir: dir}
			if got := r.git("symbolic-ref", "HEAD"); got != "refs/heads/main" {
				t.Errorf("HEAD = %s, want refs/heads/main", got)
			}
			if got := r.git("log", "--format=%s|%an|%T", "main"); got != "Initial commit (safe-coder --init)|safe-coder|"+emptyTree.String() {
				t.Errorf("log = %q", got)
			}
			if out, errOut, err := r.tryGit("fsck", "--full", "--strict"); err != nil {
				t.Errorf("git fsck: %v\n%s%s", err, out, errOut)
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), ".git-safe-coder-init-") {
					t.Errorf("temporary directory %s left behind", e.Name())
				}
			}
			// A run can start right away; existing files become its snapshot.
			s, err := repo.Begin(t.Context(), testOptions("safe-coder/first"))
			if err != nil {
				t.Fatalf("Begin after Init: %v", err)
			}
			if (s.Snapshot() != "") != (len(tt.files) > 0) {
				t.Errorf("Snapshot() = %q with files %v", s.Snapshot(), tt.files)
			}
			r.write("added.txt", "by the agent\n")
			if c, err := s.CommitStep(t.Context(), StepCommit{Step: 1, Paths: []string{"added.txt"}}); err != nil || c.SHA == "" {
				t.Fatalf("CommitStep after Init = %+v, %v", c, err)
			}
			r.assertSound()
		})
	}
}

func TestInitRefuses(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"a/b.txt": "b\n"})
	for _, dir := range []string{r.dir, r.path("a"), r.path("a/new")} {
		refsBefore := r.git("for-each-ref")
		_, err := Init(t.Context(), dir)
		if !errors.Is(err, ErrAlreadyRepo) {
			t.Errorf("Init(%s) = %v, want ErrAlreadyRepo", dir, err)
		}
		if err != nil && !strings.Contains(err.Error(), r.dir) {
			t.Errorf("error %q does not name the work tree", err)
		}
		if got := r.git("for-each-ref"); got != refsBefore {
			t.Errorf("refs changed: %s", got)
		}
	}
	if r.exists("a/.git") || r.exists("a/new/.git") {
		t.Error("a nested repository was created")
	}

	plain, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(plain, ".git", "junk"), "not a repository\n")
	if _, err := Init(t.Context(), plain); err == nil || !strings.Contains(err.Error(), "not a git directory") {
		t.Errorf("Init over a broken .git = %v, want a refusal", err)
	}
	if b, err := os.ReadFile(filepath.Join(plain, ".git", "junk")); err != nil || string(b) != "not a repository\n" {
		t.Error("the existing .git was touched")
	}
}
