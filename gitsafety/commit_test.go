package gitsafety

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCommitStepNoChanges(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"a.txt": "a\n", ".gitignore": "*.log\n"})
	s := r.begin(testOptions("safe-coder/idle"))
	r.write("only.log", "ignored changes are not changes\n")

	c, err := s.CommitStep(t.Context(), StepCommit{Step: 1, Tools: []string{"read_file"}, Calls: []string{"read_file a.txt"}})
	if err != nil {
		t.Fatal(err)
	}
	if c.SHA != "" || len(c.Files) != 0 {
		t.Errorf("CommitStep = %+v, want no commit", c)
	}
	if got := r.git("rev-list", "--count", "HEAD"); got != "1" {
		t.Errorf("commit count = %s, want 1", got)
	}
	// A file touched but not changed is no change either, and its fresh
	// stat data is recorded so git does not re-read it.
	later := time.Now().Add(2 * time.Second)
	if err := os.Chtimes(r.path("a.txt"), later, later); err != nil {
		t.Fatal(err)
	}
	c, err = s.CommitStep(t.Context(), StepCommit{Step: 2, Tools: []string{"bash"}, Calls: []string{"bash: touch a.txt"}})
	if err != nil || c.SHA != "" {
		t.Fatalf("CommitStep after touch = %+v, %v; want no commit", c, err)
	}
	if s.Head() != r.git("rev-parse", "HEAD") {
		t.Error("Head() out of step with the branch")
	}
	r.assertSound()
}

// Each step makes one kind of change; the commit must hold exactly what
// `git add -A` would stage, with the modes git would record.
func TestCommitStepChanges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		change     func(r *testRepo)
		wantStatus []string // git show --name-status
		wantFiles  []string
		wantModes  map[string]string // path -> mode in the commit's tree
	}{
		{
			name:       "add file",
			change:     func(r *testRepo) { r.write("greet.go", "package main\n") },
			wantStatus: []string{"A\tgreet.go"},
			wantFiles:  []string{"greet.go"},
			wantModes:  map[string]string{"greet.go": "100644"},
		},
		{
			name:       "add files in new nested directories",
			change:     func(r *testRepo) { r.write("x/y/z/deep.txt", "deep\n"); r.write("x/top.txt", "top\n") },
			wantStatus: []string{"A\tx/top.txt", "A\tx/y/z/deep.txt"},
			wantFiles:  []string{"x/top.txt", "x/y/z/deep.txt"},
		},
		{
			name:       "modify file",
			change:     func(r *testRepo) { r.write("main.go", "package main\n\nfunc main() {}\n") },
			wantStatus: []string{"M\tmain.go"},
			wantFiles:  []string{"main.go"},
		},
		{
			name:       "modify file keeping its size",
			change:     func(r *testRepo) { r.write("main.go", strings.ToUpper("package main\n")) },
			wantStatus: []string{"M\tmain.go"},
			wantFiles:  []string{"main.go"},
		},
		{
			name:       "delete file",
			change:     func(r *testRepo) { r.remove("old.txt") },
			wantStatus: []string{"D\told.txt"},
			wantFiles:  []string{"old.txt"},
		},
		{
			name:       "delete directory",
			change:     func(r *testRepo) { r.remove("pkg") },
			wantStatus: []string{"D\tpkg/a.go", "D\tpkg/b.go"},
			wantFiles:  []string{"pkg/a.go", "pkg/b.go"},
		},
		{
			name:       "chmod +x",
			change:     func(r *testRepo) { r.chmod("run.sh", 0o755) },
			wantStatus: []string{"M\trun.sh"},
			wantFiles:  []string{"run.sh"},
			wantModes:  map[string]string{"run.sh": "100755"},
		},
		{
			name:       "chmod -x",
			change:     func(r *testRepo) { r.chmod("bin.sh", 0o644) },
			wantStatus: []string{"M\tbin.sh"},
			wantFiles:  []string{"bin.sh"},
			wantModes:  map[string]string{"bin.sh": "100644"},
		},
		{
			name:       "add symlink",
			change:     func(r *testRepo) { r.symlink("main.go", "link.go") },
			wantStatus: []string{"A\tlink.go"},
			wantFiles:  []string{"link.go"},
			wantModes:  map[string]string{"link.go": "120000"},
		},
		{
			name:       "add dangling symlink to a directory outside",
			change:     func(r *testRepo) { r.symlink("/nonexistent/dir", "out") },
			wantStatus: []string{"A\tout"},
			wantFiles:  []string{"out"},
			wantModes:  map[string]string{"out": "120000"},
		},
		{
			name:       "file replaced by symlink",
			change:     func(r *testRepo) { r.remove("old.txt"); r.symlink("main.go", "old.txt") },
			wantStatus: []string{"T\told.txt"},
			wantFiles:  []string{"old.txt"},
			wantModes:  map[string]string{"old.txt": "120000"},
		},
		{
			name:       "file replaced by directory",
			change:     func(r *testRepo) { r.remove("old.txt"); r.write("old.txt/inner.txt", "inner\n") },
			wantStatus: []string{"D\told.txt", "A\told.txt/inner.txt"},
			wantFiles:  []string{"old.txt", "old.txt/inner.txt"},
		},
		{
			name:       "directory replaced by file",
			change:     func(r *testRepo) { r.remove("pkg"); r.write("pkg", "now a file\n") },
			wantStatus: []string{"A\tpkg", "D\tpkg/a.go", "D\tpkg/b.go"},
			wantFiles:  []string{"pkg", "pkg/a.go", "pkg/b.go"},
		},
		{
			name:       "unusual names",
			change:     func(r *testRepo) { r.write("with space/ünï cødé.txt", "x\n"); r.write("-dash", "") },
			wantStatus: []string{"A\t-dash", "A\t\"with space/\\303\\274n\\303\\257 c\\303\\270d\\303\\251.txt\""},
			wantFiles:  []string{"-dash", "with space/ünï cødé.txt"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newTestRepo(t, map[string]string{
				"main.go":  "package main\n",
				"old.txt":  "old\n",
				"pkg/a.go": "package pkg\n",
				"pkg/b.go": "package pkg\n",
				"run.sh":   "#!/bin/sh\n",
				"bin.sh":   "#!/bin/sh\n",
			})
			r.chmod("bin.sh", 0o755)
			r.git("add", "-A")
			r.git("commit", "-q", "-m", "exec bit")
			mainBefore := r.git("rev-parse", "main")
			s := r.begin(testOptions("safe-coder/step"))
			before := s.Head()

			tt.change(r)
			wantTree := r.addAllTree()
			c, err := s.CommitStep(t.Context(), StepCommit{Step: 1, Tools: []string{"bash"}, Calls: []string{"bash: change"}})
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
			equalLines(t, "git show --name-status", r.git("show", "--name-status", "--format=", c.SHA), tt.wantStatus)
			for path, mode := range tt.wantModes {
				if got := r.git("ls-tree", c.SHA, "--", path); !strings.HasPrefix(got, mode+" ") {
					t.Errorf("ls-tree %s = %q, want mode %s", path, got, mode)
				}
			}
			if got := r.git("rev-parse", c.SHA+"^"); got != before {
				t.Errorf("parent %s, want %s", got, before)
			}
			if s.Head() != c.SHA || r.git("rev-parse", "HEAD") != c.SHA {
				t.Errorf("Head() = %s, HEAD = %s, want %s", s.Head(), r.git("rev-parse", "HEAD"), c.SHA)
			}
			if got := r.git("symbolic-ref", "HEAD"); got != "refs/heads/safe-coder/step" {
				t.Errorf("HEAD = %s", got)
			}
			if got := r.git("rev-parse", "main"); got != mainBefore {
				t.Errorf("main moved to %s", got)
			}
			r.assertSound()

			// The index left behind is trusted by the next step too.
			again, err := s.CommitStep(t.Context(), StepCommit{Step: 2})
			if err != nil || again.SHA != "" {
				t.Errorf("second CommitStep = %+v, %v; want no commit", again, err)
			}
		})
	}
}

func TestCommitStepMessage(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"main.go": "package main\n"})
	s := r.begin(testOptions("safe-coder/msg"))
	r.write("greet.go", strings.Repeat("x", 511)+"\n")
	r.write("main.go", "package main\n\nfunc main() {}\n")

	long := "bash: " + strings.Repeat("y", 300)
	c, err := s.CommitStep(t.Context(), StepCommit{
		Step:  3,
		Tools: []string{"write_file", "edit_file", "write_file", "bash", "bash"},
		Calls: []string{
			"write_file greet.go (512 bytes)",
			"edit_file main.go",
			"bash: go test ./... → exit 0",
			"bash: printf 'a\nb'\r\n",
			long,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"AI executed: write_file, edit_file, bash",
		"",
		"- write_file greet.go (512 bytes)",
		"- edit_file main.go",
		"- bash: go test ./... → exit 0",
		`- bash: printf 'a\nb'`,
		"- " + oneLine(long, maxLineRunes),
		"",
		"Safe-Coder-Run: 20261126-231131-ab12",
		"Safe-Coder-Task: fix-vet",
		"Safe-Coder-Step: 3",
	}, "\n")
	if got := r.git("log", "-1", "--format=%B", c.SHA); got != want {
		t.Errorf("message:\n%s\nwant:\n%s", got, want)
	}
	if n := len([]rune(oneLine(long, maxLineRunes))); n != maxLineRunes {
		t.Errorf("long call line has %d runes, want %d", n, maxLineRunes)
	}
	msgFile := r.path("../msg.txt")
	if err := os.WriteFile(msgFile, []byte(r.git("log", "-1", "--format=%B", c.SHA)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	equalLines(t, "git interpret-trailers --parse", r.git("interpret-trailers", "--parse", msgFile), []string{
		"Safe-Coder-Run: 20261126-231131-ab12",
		"Safe-Coder-Task: fix-vet",
		"Safe-Coder-Step: 3",
	})
	if got := r.git("log", "-1", "--format=%(trailers:key=Safe-Coder-Step,valueonly)", c.SHA); got != "3" {
		t.Errorf("Safe-Coder-Step = %q", got)
	}
	if got := r.git("log", "-1", "--format=%ct %cn <%ce>", c.SHA); got != itoa(fixedNow().Unix())+" safe-coder <safe-coder@localhost>" {
		t.Errorf("committer = %q", got)
	}
	r.assertSound()
}

func TestCommitStepCustomAuthor(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"a": "a\n"})
	opts := testOptions("safe-coder/author")
	opts.Author = Signature{Name: "Bot Ünicode", Email: "bot@example.org"}
	opts.Now = func() time.Time { return time.Date(2026, 5, 6, 7, 8, 9, 0, time.FixedZone("", 5*3600+1800)) }
	s := r.begin(opts)
	r.write("b", "b\n")
	c, err := s.CommitStep(t.Context(), StepCommit{Step: 1, Tools: []string{"write_file"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.git("log", "-1", "--format=%an <%ae>|%ad|%s|%b", "--date=iso-strict", c.SHA); got != "Bot Ünicode <bot@example.org>|2026-05-06T07:08:09+05:30|AI executed: write_file|Safe-Coder-Run: 20261126-231131-ab12\nSafe-Coder-Task: fix-vet\nSafe-Coder-Step: 1" {
		t.Errorf("commit = %q", got)
	}
	r.assertSound()
}

func TestCommitStepHeadMoved(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		move    func(r *testRepo)
		wantMsg string
	}{
		{
			name:    "checkout of another branch",
			move:    func(r *testRepo) { r.git("checkout", "-q", "main") },
			wantMsg: "HEAD is now refs/heads/main",
		},
		{
			name:    "detached HEAD",
			move:    func(r *testRepo) { r.git("checkout", "-q", "--detach") },
			wantMsg: "detached at",
		},
		{
			name: "commit made by the agent's shell",
			move: func(r *testRepo) {
				r.write("sneaky.txt", "x\n")
				r.git("add", "sneaky.txt")
				r.git("commit", "-q", "-m", "outside")
			},
			wantMsg: "outside safe-coder",
		},
		{
			name:    "branch reset",
			move:    func(r *testRepo) { r.git("reset", "-q", "--soft", "HEAD~1") },
			wantMsg: "expected",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newTestRepo(t, map[string]string{"a.txt": "a\n"})
			mainBefore := r.git("rev-parse", "main")
			s := r.begin(testOptions("safe-coder/moved"))
			r.write("a.txt", "step one\n")
			if _, err := s.CommitStep(t.Context(), StepCommit{Step: 1, Tools: []string{"edit_file"}}); err != nil {
				t.Fatal(err)
			}
			tt.move(r)
			headBefore := r.git("rev-parse", "HEAD")
			r.write("b.txt", "step two\n")

			_, err := s.CommitStep(t.Context(), StepCommit{Step: 2, Tools: []string{"write_file"}})
			if !errors.Is(err, ErrHeadMoved) {
				t.Fatalf("CommitStep = %v, want ErrHeadMoved", err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not say %q", err, tt.wantMsg)
			}
			if got := r.git("rev-parse", "HEAD"); got != headBefore {
				t.Errorf("HEAD moved to %s", got)
			}
			if got := r.git("rev-parse", "main"); got != mainBefore {
				t.Errorf("main moved to %s", got)
			}
			r.assertNoLocks()
		})
	}
}

// The branch is moved with a check-and-set: a writer that got in between is
// detected, not overwritten.
func TestUpdateRefCheckAndSet(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"a.txt": "a\n"})
	first := r.git("rev-parse", "HEAD")
	r.write("a.txt", "b\n")
	r.git("commit", "-q", "-am", "second")
	second := r.git("rev-parse", "HEAD")
	r.git("branch", "run", first)
	repo := r.open()

	err := repo.updateRef("refs/heads/run", hash(second), hash(second))
	var moved *refMovedError
	if !errors.As(err, &moved) {
		t.Fatalf("updateRef with a stale old value = %v, want *refMovedError", err)
	}
	if got := r.git("rev-parse", "run"); got != first {
		t.Errorf("run moved to %s despite the failed check", got)
	}
	if err := repo.updateRef("refs/heads/run", hash(second), hash(first)); err != nil {
		t.Fatalf("updateRef with the right old value: %v", err)
	}
	if got := r.git("rev-parse", "run"); got != second {
		t.Errorf("run at %s, want %s", got, second)
	}
	// A ref that only exists packed is checked and overridden correctly.
	r.git("pack-refs", "--all")
	if err := repo.updateRef("refs/heads/run", hash(first), hash(second)); err != nil {
		t.Fatalf("updateRef of a packed ref: %v", err)
	}
	if got := r.git("rev-parse", "run"); got != first {
		t.Errorf("run at %s, want %s", got, first)
	}
	r.write(".git/refs/heads/run.lock", "")
	if err := repo.updateRef("refs/heads/run", hash(second), hash(first)); !errors.Is(err, ErrLocked) {
		t.Errorf("updateRef with the ref locked = %v, want ErrLocked", err)
	}
	if !r.exists(".git/refs/heads/run.lock") {
		t.Error("someone else's ref lock was removed")
	}
	r.remove(".git/refs/heads/run.lock")
	r.assertSound()
}

func TestCommitStepIndexLocked(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"a.txt": "a\n"})
	s := r.begin(testOptions("safe-coder/locked"))
	r.write("b.txt", "b\n")
	r.write(".git/index.lock", "")
	_, err := s.CommitStep(t.Context(), StepCommit{Step: 1})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("CommitStep = %v, want ErrLocked", err)
	}
	if !r.exists(".git/index.lock") {
		t.Error("someone else's index.lock was removed")
	}
	r.remove(".git/index.lock")
	c, err := s.CommitStep(t.Context(), StepCommit{Step: 1})
	if err != nil || c.SHA == "" {
		t.Fatalf("CommitStep after the lock went away = %+v, %v", c, err)
	}
	r.assertSound()
}

func TestCommitStepValidatesStep(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"a.txt": "a\n"})
	s := r.begin(testOptions("safe-coder/zero"))
	r.write("b.txt", "b\n")
	if _, err := s.CommitStep(t.Context(), StepCommit{Step: 0}); err == nil {
		t.Fatal("CommitStep accepted step 0, which is the snapshot's")
	}
	if got := r.git("rev-list", "--count", "HEAD"); got != "1" {
		t.Errorf("commit count = %s, want 1", got)
	}
}
