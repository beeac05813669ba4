package gitsafety

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// pathsRepo is the starting point of the file-tool step tests.
func pathsRepo(t *testing.T) *testRepo {
	t.Helper()
	r := newTestRepo(t, map[string]string{
		"main.go":       "package main\n",
		"old.txt":       "old\n",
		"pkg/a.go":      "package pkg\n",
		"pkg/b.go":      "package pkg\n",
		"solo/only.txt": "alone in its directory\n",
		"run.sh":        "#!/bin/sh\n",
		"bin.sh":        "#!/bin/sh\n",
		".gitignore":    "*.log\n/out/\n",
	})
	r.chmod("bin.sh", 0o755)
	r.git("add", "-A")
	r.git("commit", "-q", "-m", "exec bit")
	return r
}

// A file-tool step commits exactly what `git add -A` would, as long as the
// step names every path it touched, and the index it leaves is trusted.
func TestCommitStepPathsMatchesGitAdd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		change    func(r *testRepo)
		paths     []string
		wantFiles []string
		wantModes map[string]string
	}{
		{name: "add file", change: func(r *testRepo) { r.write("greet.go", "package main\n") }, paths: []string{"greet.go"}, wantFiles: []string{"greet.go"}, wantModes: map[string]string{"greet.go": "100644"}},
		{name: "add in new nested directories", change: func(r *testRepo) { r.write("x/y/z/deep.txt", "deep\n"); r.write("x/top.txt", "top\n") }, paths: []string{"x/y/z/deep.txt", "x/top.txt"}, wantFiles: []string{"x/top.txt", "x/y/z/deep.txt"}},
		{name: "modify", change: func(r *testRepo) { r.write("pkg/a.go", "package pkg\n\nvar A = 1\n") }, paths: []string{"pkg/a.go"}, wantFiles: []string{"pkg/a.go"}},
		{name: "modify keeping the size", change: func(r *testRepo) { r.write("main.go", strings.ToUpper("package main\n")) }, paths: []string{"main.go"}, wantFiles: []string{"main.go"}},
		{name: "delete", change: func(r *testRepo) { r.remove("old.txt") }, paths: []string{"old.txt"}, wantFiles: []string{"old.txt"}},
		{name: "delete the last file of a directory", change: func(r *testRepo) { r.remove("solo") }, paths: []string{"solo/only.txt"}, wantFiles: []string{"solo/only.txt"}},
		{name: "chmod +x", change: func(r *testRepo) { r.chmod("run.sh", 0o755) }, paths: []string{"run.sh"}, wantFiles: []string{"run.sh"}, wantModes: map[string]string{"run.sh": "100755"}},
		{name: "chmod -x", change: func(r *testRepo) { r.chmod("bin.sh", 0o644) }, paths: []string{"bin.sh"}, wantFiles: []string{"bin.sh"}, wantModes: map[string]string{"bin.sh": "100644"}},
		{name: "add symlink", change: func(r *testRepo) { r.symlink("main.go", "link.go") }, paths: []string{"link.go"}, wantFiles: []string{"link.go"}, wantModes: map[string]string{"link.go": "120000"}},
		{name: "file replaced by symlink", change: func(r *testRepo) { r.remove("old.txt"); r.symlink("main.go", "old.txt") }, paths: []string{"old.txt"}, wantFiles: []string{"old.txt"}, wantModes: map[string]string{"old.txt": "120000"}},
		{name: "unusual names", change: func(r *testRepo) { r.write("with space/ünï cødé.txt", "x\n"); r.write("-dash", "") }, paths: []string{"with space/ünï cødé.txt", "-dash"}, wantFiles: []string{"-dash", "with space/ünï cødé.txt"}},
		{name: "ignored new file is left out", change: func(r *testRepo) {
			r.write("debug.log", "x\n")
			r.write("out/gen.go", "x\n")
			r.write("kept.go", "x\n")
		}, paths: []string{"debug.log", "out/gen.go", "kept.go"}, wantFiles: []string{"kept.go"}},
		{name: "unclean and repeated paths", change: func(r *testRepo) { r.write("pkg/b.go", "package pkg // b\n") }, paths: []string{"./pkg/b.go", "pkg//b.go", "pkg/../pkg/b.go"}, wantFiles: []string{"pkg/b.go"}},
		{name: "created and deleted again", change: func(r *testRepo) { r.write("tmp.txt", "x\n"); r.remove("tmp.txt"); r.write("real.txt", "x\n") }, paths: []string{"tmp.txt", "real.txt"}, wantFiles: []string{"real.txt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := pathsRepo(t)
			mainBefore := r.git("rev-parse", "main")
			s := r.begin(testOptions("safe-coder/paths"))
			before := s.Head()
			tt.change(r)
			wantTree := r.addAllTree()

			c, err := s.CommitStep(t.Context(), StepCommit{Step: 1, Tools: []string{"write_file"}, Paths: tt.paths})
			if err != nil {
				t.Fatal(err)
			}
			if c.SHA == "" {
				t.Fatal("no commit made")
			}
			if !slices.Equal(c.Files, tt.wantFiles) {
				t.Errorf("Files = %q, want %q", c.Files, tt.wantFiles)
			}
			if got := r.git("rev-parse", c.SHA+"^{tree}"); got != wantTree {
				t.Errorf("tree %s, want %s (what git add -A makes)\n%s", got, wantTree, r.git("ls-tree", "-r", c.SHA))
			}
			for p, mode := range tt.wantModes {
				if got := r.git("ls-tree", c.SHA, "--", p); !strings.HasPrefix(got, mode+" ") {
					t.Errorf("ls-tree %s = %q, want mode %s", p, got, mode)
				}
			}
			if got := r.git("rev-parse", c.SHA+"^"); got != before {
				t.Errorf("parent %s, want %s", got, before)
			}
			if got := r.git("rev-parse", "main"); got != mainBefore {
				t.Errorf("main moved to %s", got)
			}
			r.assertSound()

			again, err := s.CommitStep(t.Context(), StepCommit{Step: 2, Paths: tt.paths})
			if err != nil || again.SHA != "" {
				t.Errorf("second CommitStep = %+v, %v; want no commit", again, err)
			}
			// A full scan agrees that nothing is left to commit.
			if scan, err := s.CommitStep(t.Context(), StepCommit{Step: 3}); err != nil || scan.SHA != "" {
				t.Errorf("scan after the paths step = %+v, %v; want no commit", scan, err)
			}
		})
	}
}

// Only the named paths are committed: the work is proportional to them, so
// a change elsewhere is not even seen (until a scan).
func TestCommitStepPathsCommitsOnlyThosePaths(t *testing.T) {
	t.Parallel()
	r := pathsRepo(t)
	s := r.begin(testOptions("safe-coder/only"))
	r.write("main.go", "package main // by a tool\n")
	r.write("old.txt", "changed by something else\n")
	r.write("new.txt", "created by something else\n")

	c, err := s.CommitStep(t.Context(), StepCommit{Step: 1, Tools: []string{"edit_file"}, Paths: []string{"main.go"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Files, []string{"main.go"}) {
		t.Errorf("Files = %v, want [main.go]", c.Files)
	}
	equalLines(t, "status after the paths step", r.git("status", "--porcelain"), []string{" M old.txt", "?? new.txt"})

	c, err = s.CommitStep(t.Context(), StepCommit{Step: 2, Tools: []string{"bash"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Files, []string{"new.txt", "old.txt"}) {
		t.Errorf("scan Files = %v, want [new.txt old.txt]", c.Files)
	}
	r.assertSound()
}

// What a file tool cannot have done alone (a directory at the path, a
// parent swapped for a symlink, a file where a directory was) makes the
// step fall back to the scan, whose result is git's.
func TestCommitStepPathsFallsBackToScan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(r *testRepo)
		paths  []string
	}{
		{name: "path is now a directory", change: func(r *testRepo) { r.remove("old.txt"); r.write("old.txt/inner.txt", "x\n") }, paths: []string{"old.txt"}},
		{name: "new directory named", change: func(r *testRepo) { r.write("newdir/a.txt", "x\n") }, paths: []string{"newdir"}},
		{name: "file where a directory was", change: func(r *testRepo) { r.remove("pkg"); r.write("pkg", "now a file\n") }, paths: []string{"pkg"}},
		{name: "parent became a symlink", change: func(r *testRepo) {
			r.remove("pkg")
			r.write("elsewhere/a.go", "package x\n")
			r.symlink("elsewhere", "pkg")
		}, paths: []string{"pkg/a.go"}},
		{name: "tracked file became a parent", change: func(r *testRepo) { r.remove("old.txt"); r.write("old.txt/x.txt", "x\n") }, paths: []string{"old.txt/x.txt"}},
		{name: "index staged by someone else", change: func(r *testRepo) {
			r.write("staged.txt", "staged outside\n")
			r.git("add", "staged.txt")
			r.write("main.go", "package main // tool\n")
		}, paths: []string{"main.go"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := pathsRepo(t)
			s := r.begin(testOptions("safe-coder/fallback"))
			tt.change(r)
			wantTree := r.addAllTree()
			c, err := s.CommitStep(t.Context(), StepCommit{Step: 1, Tools: []string{"write_file"}, Paths: tt.paths})
			if err != nil {
				t.Fatal(err)
			}
			if got := r.git("rev-parse", c.SHA+"^{tree}"); got != wantTree {
				t.Errorf("tree %s, want %s (what git add -A makes)", got, wantTree)
			}
			r.assertSound()
		})
	}
}

func TestCommitStepPathsRejectsBadPaths(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"", "../outside.txt", "/etc/passwd", ".git/config", "sub/.GIT/hooks/x", "."} {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			r := pathsRepo(t)
			s := r.begin(testOptions("safe-coder/bad"))
			r.write("main.go", "package main // changed\n")
			headBefore := r.git("rev-parse", "HEAD")
			if _, err := s.CommitStep(t.Context(), StepCommit{Step: 1, Paths: []string{"main.go", p}}); err == nil {
				t.Fatalf("CommitStep accepted the path %q", p)
			}
			if got := r.git("rev-parse", "HEAD"); got != headBefore {
				t.Errorf("HEAD moved to %s", got)
			}
			r.assertNoLocks()
		})
	}
}

// An empty list of paths is a step whose tools changed nothing.
func TestCommitStepPathsEmpty(t *testing.T) {
	t.Parallel()
	r := pathsRepo(t)
	s := r.begin(testOptions("safe-coder/empty"))
	r.write("main.go", "package main // changed, but no tool says so\n")
	c, err := s.CommitStep(t.Context(), StepCommit{Step: 1, Tools: []string{"read_file"}, Paths: []string{}})
	if err != nil || c.SHA != "" {
		t.Fatalf("CommitStep with no paths = %+v, %v; want no commit", c, err)
	}
}

// Someone else rewriting the index between steps (git status refreshing
// it, git add) is noticed: the session re-reads it instead of trusting its
// copy.
func TestCommitStepPathsAfterIndexRewritten(t *testing.T) {
	t.Parallel()
	r := pathsRepo(t)
	s := r.begin(testOptions("safe-coder/rewritten"))
	r.write("main.go", "package main // one\n")
	if _, err := s.CommitStep(t.Context(), StepCommit{Step: 1, Paths: []string{"main.go"}}); err != nil {
		t.Fatal(err)
	}
	// git rewrites the index; the entry for pkg/a.go gets fresh stat data.
	r.write("pkg/a.go", "package pkg // two\n")
	r.git("update-index", "-q", "--refresh")
	r.git("add", "pkg/a.go")
	r.write("old.txt", "three\n")
	wantTree := r.addAllTree()
	c, err := s.CommitStep(t.Context(), StepCommit{Step: 2, Paths: []string{"old.txt"}})
	if err != nil {
		t.Fatal(err)
	}
	// The index had a change staged by git: the whole index is committed.
	if got := r.git("rev-parse", c.SHA+"^{tree}"); got != wantTree {
		t.Errorf("tree %s, want %s", got, wantTree)
	}
	r.assertSound()
}

// A refused file-tool step commits nothing and stores nothing refused.
func TestCommitStepPathsCheckRefuses(t *testing.T) {
	t.Parallel()
	r := pathsRepo(t)
	s := r.begin(testOptions("safe-coder/refused"))
	r.write("clean.txt", "clean\n")
	r.write("leak.txt", "token "+forbidden+"\n")
	indexBefore := r.read(".git/index")
	var check secretCheck
	_, err := s.CommitStep(t.Context(), StepCommit{Step: 1, Paths: []string{"clean.txt", "leak.txt"}, Check: check.check})
	if !errors.Is(err, ErrRefused) || !errors.Is(err, errHoldsSecret) || !strings.Contains(err.Error(), "leak.txt") {
		t.Fatalf("CommitStep = %v, want ErrRefused naming leak.txt", err)
	}
	if r.read(".git/index") != indexBefore || r.git("rev-parse", "HEAD") != s.Head() {
		t.Error("a refused step changed the index or the branch")
	}
	blob := r.git("hash-object", "leak.txt")
	if _, _, err := r.tryGit("cat-file", "-e", blob); err == nil {
		t.Error("the refused content reached the object database")
	}
	r.assertNoLocks()
}

func TestCommitStepPathsKeepsIndexVersion4(t *testing.T) {
	t.Parallel()
	r := pathsRepo(t)
	r.git("update-index", "--index-version", "4")
	s := r.begin(testOptions("safe-coder/v4"))
	r.write("pkg/new.go", "package pkg\n")
	if _, err := s.CommitStep(t.Context(), StepCommit{Step: 1, Paths: []string{"pkg/new.go"}}); err != nil {
		t.Fatal(err)
	}
	if got := indexVersion(t, r); got != "4" {
		t.Errorf("index version %s, want 4", got)
	}
	r.assertSound()
}
