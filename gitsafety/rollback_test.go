package gitsafety

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const (
	testRun  = "20261126-231131-ab12"
	testTask = "fix-vet"
)

// finishedRun is a run with a snapshot and three steps on
// safe-coder/done, still checked out.
type finishedRun struct {
	r     *testRepo
	s     *Session
	steps []string // commit of step i+1
	main  string
}

func newFinishedRun(t *testing.T) *finishedRun {
	t.Helper()
	r := newTestRepo(t, map[string]string{"a.txt": "a\n", "dir/b.txt": "b\n", ".gitignore": "*.log\n"})
	f := &finishedRun{r: r, main: r.git("rev-parse", "main")}
	r.write("user.txt", "uncommitted at the start\n")
	f.s = r.begin(testOptions("safe-coder/done"))
	changes := []func(){
		func() { r.write("a.txt", "a, step 1\n") },
		func() { r.write("dir/new.txt", "new in step 2\n"); r.remove("dir/b.txt") },
		func() { r.write("a.txt", "a, step 3\n"); r.chmod("a.txt", 0o755) },
	}
	for i, change := range changes {
		change()
		c, err := f.s.CommitStep(t.Context(), StepCommit{Step: i + 1, Tools: []string{"bash"}})
		if err != nil || c.SHA == "" {
			t.Fatalf("step %d: %+v, %v", i+1, c, err)
		}
		f.steps = append(f.steps, c.SHA)
	}
	return f
}

func (f *finishedRun) options() RollbackOptions {
	return RollbackOptions{Run: testRun, Task: testTask, Branch: "safe-coder/done"}
}

func TestRollback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     func(f *finishedRun, o RollbackOptions) RollbackOptions
		checkout bool // the branch stays checked out
		want     func(f *finishedRun) string
	}{
		{name: "to the start (snapshot)", checkout: true, want: func(f *finishedRun) string { return f.s.Snapshot() }},
		{name: "to a step", checkout: true, opts: func(_ *finishedRun, o RollbackOptions) RollbackOptions { o.ToStep = 1; return o },
			want: func(f *finishedRun) string { return f.steps[0] }},
		{name: "to a commit", checkout: true, opts: func(f *finishedRun, o RollbackOptions) RollbackOptions { o.To = f.steps[1]; return o },
			want: func(f *finishedRun) string { return f.steps[1] }},
		{name: "to the base", checkout: true, opts: func(f *finishedRun, o RollbackOptions) RollbackOptions { o.To = f.s.Base(); return o },
			want: func(f *finishedRun) string { return f.s.Base() }},
		{name: "branch not checked out", want: func(f *finishedRun) string { return f.s.Snapshot() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFinishedRun(t)
			r := f.r
			r.write("debug.log", "ignored, kept\n")
			if !tt.checkout {
				r.git("checkout", "-q", "main")
			}
			opts := f.options()
			if tt.opts != nil {
				opts = tt.opts(f, opts)
			}
			tip := f.steps[2]
			want := tt.want(f)
			res, err := r.open().Rollback(t.Context(), opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.From != tip || res.To != want {
				t.Errorf("From/To = %s/%s, want %s/%s", res.From, res.To, tip, want)
			}
			if res.Backup != "refs/safe-coder/backup/"+testRun+"/"+testTask+"/1" {
				t.Errorf("Backup = %q", res.Backup)
			}
			if got := r.git("rev-parse", res.Backup); got != tip {
				t.Errorf("backup at %s, want the old tip %s", got, tip)
			}
			if got := r.git("rev-parse", "safe-coder/done"); got != want {
				t.Errorf("branch at %s, want %s", got, want)
			}
			if got := r.git("rev-parse", "main"); got != f.main {
				t.Errorf("main moved to %s", got)
			}
			if tt.checkout {
				if got := r.git("diff", "--stat", want); got != "" {
					t.Errorf("work tree differs from the new tip:\n%s", got)
				}
				if r.read("debug.log") != "ignored, kept\n" {
					t.Error("an ignored file was touched")
				}
			}
			r.assertSound()

			// Rolling back again keeps the second old tip under the next
			// number, and the first backup still restores everything.
			if res.To != f.s.Base() {
				again, err := r.open().Rollback(t.Context(), RollbackOptions{Run: testRun, Task: testTask, Branch: "safe-coder/done", To: f.s.Base()})
				if err != nil {
					t.Fatal(err)
				}
				if again.Backup != "refs/safe-coder/backup/"+testRun+"/"+testTask+"/2" || r.git("rev-parse", again.Backup) != want {
					t.Errorf("second backup %q at %s", again.Backup, r.git("rev-parse", again.Backup))
				}
			}
			r.assertSound()
		})
	}
}

// Changes the run did not commit are never destroyed: the rollback is
// refused, listing them, and nothing moves.
func TestRollbackRefusesToDestroy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(r *testRepo)
		listed string
	}{
		{"modified", func(r *testRepo) { r.write("a.txt", "edited after the run\n") }, "a.txt"},
		{"untracked", func(r *testRepo) { r.write("notes.txt", "mine\n") }, "notes.txt"},
		{"staged", func(r *testRepo) { r.write("dir/new.txt", "staged\n"); r.git("add", "dir/new.txt") }, "dir/new.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFinishedRun(t)
			tt.change(f.r)
			statusBefore := f.r.git("status", "--porcelain")
			_, err := f.r.open().Rollback(t.Context(), f.options())
			if !errors.Is(err, ErrWouldDestroy) || !strings.Contains(err.Error(), tt.listed) {
				t.Fatalf("Rollback = %v, want ErrWouldDestroy listing %s", err, tt.listed)
			}
			if got := f.r.git("rev-parse", "safe-coder/done"); got != f.steps[2] {
				t.Errorf("branch moved to %s", got)
			}
			if got := f.r.git("for-each-ref", "refs/safe-coder"); got != "" {
				t.Errorf("backup written although nothing moved: %s", got)
			}
			if got := f.r.git("status", "--porcelain"); got != statusBefore {
				t.Errorf("status changed:\n%s", got)
			}
			f.r.assertNoLocks()
		})
	}
}

func TestRollbackErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    func(f *finishedRun) RollbackOptions
		wantErr error
		wantMsg string
	}{
		{"unknown step", func(f *finishedRun) RollbackOptions { o := f.options(); o.ToStep = 9; return o }, ErrNotFound, "steps on the branch: 0, 1, 2, 3"},
		{"unknown branch", func(f *finishedRun) RollbackOptions { o := f.options(); o.Branch = "safe-coder/none"; return o }, ErrNotFound, "does not exist"},
		{"both targets", func(f *finishedRun) RollbackOptions { o := f.options(); o.To, o.ToStep = f.steps[0], 1; return o }, nil, "not both"},
		{"negative step", func(f *finishedRun) RollbackOptions { o := f.options(); o.ToStep = -1; return o }, nil, "numbered from 1"},
		{"bad task name", func(f *finishedRun) RollbackOptions { o := f.options(); o.Task = "a\nb"; return o }, nil, "control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFinishedRun(t)
			opts := tt.opts(f)
			_, err := f.r.open().Rollback(t.Context(), opts)
			if err == nil {
				t.Fatal("Rollback succeeded")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Rollback = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
			if got := f.r.git("rev-parse", "safe-coder/done"); got != f.steps[2] {
				t.Errorf("branch moved to %s", got)
			}
		})
	}
}

func TestRollbackRefusesForeignCommit(t *testing.T) {
	t.Parallel()
	f := newFinishedRun(t)
	other := f.r.git("commit-tree", "-p", "main", "-m", "unrelated", f.r.git("rev-parse", "main^{tree}"))
	opts := f.options()
	opts.To = other
	if _, err := f.r.open().Rollback(t.Context(), opts); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Rollback to an unrelated commit = %v, want ErrNotFound", err)
	}
}

// A run branch with nothing of the run on it has nothing to roll back.
func TestRollbackNothingToDo(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"a.txt": "a\n"})
	r.begin(testOptions("safe-coder/idle"))
	res, err := r.open().Rollback(t.Context(), RollbackOptions{Run: testRun, Task: testTask, Branch: "safe-coder/idle"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Backup != "" || res.From != res.To {
		t.Errorf("result %+v, want nothing moved", res)
	}
}

// The branch checked out in another work tree is that work tree's to move.
func TestRollbackRefusesBranchOfAnotherWorktree(t *testing.T) {
	t.Parallel()
	f := newFinishedRun(t)
	f.r.git("checkout", "-q", "main")
	wt := filepath.Join(t.TempDir(), "wt")
	f.r.git("worktree", "add", "-q", wt, "safe-coder/done")
	_, err := f.r.open().Rollback(t.Context(), f.options())
	if err == nil || !strings.Contains(err.Error(), "checked out in the work tree") {
		t.Fatalf("Rollback = %v, want a refusal naming the other work tree", err)
	}
	// From that work tree it works.
	if _, err := (&testRepo{t: t, dir: wt}).open().Rollback(t.Context(), f.options()); err != nil {
		t.Fatalf("Rollback from the work tree: %v", err)
	}
}

func TestRestore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		paths     []string
		wantFiles []string // git show --name-status of the restore commit
	}{
		{"modified file", []string{"a.txt"}, []string{"M\ta.txt"}},
		{"file deleted by the run", []string{"dir/b.txt"}, []string{"A\tdir/b.txt"}},
		{"file added by the run", []string{"dir/new.txt"}, []string{"D\tdir/new.txt"}},
		{"directory", []string{"dir"}, []string{"A\tdir/b.txt", "D\tdir/new.txt"}},
		{"nested paths", []string{"dir", "dir/b.txt", "./a.txt"}, []string{"M\ta.txt", "A\tdir/b.txt", "D\tdir/new.txt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFinishedRun(t)
			r := f.r
			sha, err := r.open().Restore(t.Context(), RestoreOptions{Run: testRun, Task: testTask, Branch: "safe-coder/done", Paths: tt.paths, Now: fixedNow})
			if err != nil {
				t.Fatal(err)
			}
			if got := r.git("rev-parse", "HEAD"); got != sha {
				t.Errorf("HEAD = %s, want the restore commit %s", got, sha)
			}
			if got := r.git("rev-parse", sha+"^"); got != f.steps[2] {
				t.Errorf("parent %s, want the old tip", got)
			}
			equalLines(t, "restored", r.git("show", "--name-status", "--format=", sha), tt.wantFiles)
			for _, p := range tt.paths {
				if diff := r.git("diff", f.s.Start(), sha, "--", p); diff != "" {
					t.Errorf("%s differs from the run's start:\n%s", p, diff)
				}
			}
			msg := r.git("log", "-1", "--format=%B", sha)
			if !strings.HasPrefix(msg, "Restore ") || !strings.Contains(msg, "to the run's start") {
				t.Errorf("message %q", msg)
			}
			for key, want := range map[string]string{"Safe-Coder-Restore": "true", "Safe-Coder-Run": testRun, "Safe-Coder-Task": testTask} {
				if got := r.git("log", "-1", "--format=%(trailers:key="+key+",valueonly)", sha); got != want {
					t.Errorf("%s trailer = %q, want %q", key, got, want)
				}
			}
			r.assertSound()
			// A rollback afterwards still finds the run's start.
			res, err := r.open().Rollback(t.Context(), f.options())
			if err != nil || res.To != f.s.Snapshot() {
				t.Errorf("Rollback after Restore = %+v, %v", res, err)
			}
		})
	}
}

func TestRestoreErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		setup   func(f *finishedRun)
		paths   []string
		wantErr error
		wantMsg string
	}{
		{"unknown path", nil, []string{"a.txt", "nope.txt"}, ErrNotFound, "nope.txt"},
		{"no paths", nil, nil, nil, "no paths"},
		{"path in .git", nil, []string{".git/config"}, nil, ".git"},
		{"dirty tree", func(f *finishedRun) { f.r.write("dir/new.txt", "edited\n") }, []string{"a.txt"}, ErrDirty, "dir/new.txt"},
		{"branch not checked out", func(f *finishedRun) { f.r.git("checkout", "-q", "main") }, []string{"a.txt"}, nil, "check out safe-coder/done first"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFinishedRun(t)
			if tt.setup != nil {
				tt.setup(f)
			}
			_, err := f.r.open().Restore(t.Context(), RestoreOptions{Run: testRun, Task: testTask, Branch: "safe-coder/done", Paths: tt.paths})
			if err == nil {
				t.Fatal("Restore succeeded")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Restore = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
			if got := f.r.git("rev-parse", "safe-coder/done"); got != f.steps[2] {
				t.Errorf("branch moved to %s", got)
			}
			f.r.assertNoLocks()
		})
	}
}

// Restoring what already is as at the start makes no commit.
func TestRestoreUnchanged(t *testing.T) {
	t.Parallel()
	f := newFinishedRun(t)
	f.r.git("checkout", "-q", "safe-coder/done")
	sha, err := f.r.open().Restore(t.Context(), RestoreOptions{Run: testRun, Task: testTask, Branch: "safe-coder/done", Paths: []string{"user.txt"}})
	if err != nil || sha != "" {
		t.Fatalf("Restore of an unchanged path = %q, %v; want no commit", sha, err)
	}
}

func TestReturn(t *testing.T) {
	t.Parallel()
	t.Run("to the original branch", func(t *testing.T) {
		t.Parallel()
		f := newFinishedRun(t)
		if err := f.r.open().Return(t.Context(), Head{Commit: f.main, Branch: "main"}); err != nil {
			t.Fatal(err)
		}
		if got := f.r.git("symbolic-ref", "HEAD"); got != "refs/heads/main" {
			t.Errorf("HEAD = %s", got)
		}
		if got := f.r.git("rev-parse", "main"); got != f.main {
			t.Errorf("main moved to %s", got)
		}
		if got := f.r.git("rev-parse", "safe-coder/done"); got != f.steps[2] {
			t.Errorf("run branch moved to %s", got)
		}
		if f.r.exists("dir/new.txt") || f.r.read("a.txt") != "a\n" {
			t.Error("the work tree is not main's")
		}
		f.r.assertSound()
	})
	t.Run("to a detached commit", func(t *testing.T) {
		t.Parallel()
		r := newTestRepo(t, map[string]string{"a.txt": "a\n"})
		r.git("checkout", "-q", "--detach")
		detached := r.git("rev-parse", "HEAD")
		s := r.begin(testOptions("safe-coder/pr"))
		r.write("b.txt", "b\n")
		if _, err := s.CommitStep(t.Context(), StepCommit{Step: 1, Paths: []string{"b.txt"}}); err != nil {
			t.Fatal(err)
		}
		if err := r.open().Return(t.Context(), Head{Commit: detached}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := r.tryGit("symbolic-ref", "-q", "HEAD"); err == nil {
			t.Error("HEAD is not detached")
		}
		if got := r.git("rev-parse", "HEAD"); got != detached {
			t.Errorf("HEAD at %s, want %s", got, detached)
		}
		if r.exists("b.txt") {
			t.Error("the run's file is still in the work tree")
		}
		r.assertSound()
	})
	t.Run("refuses a dirty tree", func(t *testing.T) {
		t.Parallel()
		f := newFinishedRun(t)
		f.r.write("late.txt", "not committed\n")
		err := f.r.open().Return(t.Context(), Head{Commit: f.main, Branch: "main"})
		if !errors.Is(err, ErrDirty) || !strings.Contains(err.Error(), "late.txt") {
			t.Fatalf("Return = %v, want ErrDirty listing late.txt", err)
		}
		if got := f.r.git("symbolic-ref", "HEAD"); got != "refs/heads/safe-coder/done" {
			t.Errorf("HEAD = %s", got)
		}
		f.r.assertNoLocks()
	})
	t.Run("branch gone", func(t *testing.T) {
		t.Parallel()
		f := newFinishedRun(t)
		f.r.git("branch", "-q", "gone", "main")
		f.r.git("branch", "-q", "-D", "gone")
		if err := f.r.open().Return(t.Context(), Head{Commit: f.main, Branch: "gone"}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Return = %v, want ErrNotFound", err)
		}
	})
}

// The steps of a run are found by their trailers, whatever their order.
func TestRunHistory(t *testing.T) {
	t.Parallel()
	f := newFinishedRun(t)
	repo := f.r.open()
	h, err := repo.runHistory(t.Context(), hash(f.steps[2]), testRun, testTask)
	if err != nil {
		t.Fatal(err)
	}
	if h.base.String() != f.s.Base() || h.snapshot.String() != f.s.Snapshot() || len(h.commits) != 4 {
		t.Errorf("history base %s snapshot %s commits %d", h.base, h.snapshot, len(h.commits))
	}
	var steps []int
	for n := range h.steps {
		steps = append(steps, n)
	}
	slices.Sort(steps)
	if !slices.Equal(steps, []int{0, 1, 2, 3}) {
		t.Errorf("steps %v", steps)
	}
}
