package gitsafety

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// interruptedRun leaves a run behind as a killed process would: a
// snapshot, two steps, and an uncommitted change of the third.
func interruptedRun(t *testing.T) (*testRepo, *Session) {
	t.Helper()
	r := newTestRepo(t, map[string]string{"a.txt": "a\n", "b.txt": "b\n"})
	r.write("user.txt", "the user's uncommitted work\n")
	s := r.begin(testOptions("safe-coder/resume"))
	for i, name := range []string{"one.txt", "two.txt"} {
		r.write(name, name+"\n")
		if _, err := s.CommitStep(t.Context(), StepCommit{Step: i + 1, Paths: []string{name}}); err != nil {
			t.Fatal(err)
		}
	}
	r.write("three.txt", "half of step three\n")
	return r, s
}

func TestBeginResume(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		after func(r *testRepo) // what happened after the crash
	}{
		{name: "still checked out", after: func(*testRepo) {}},
		{name: "user went back to main", after: func(r *testRepo) {
			r.remove("three.txt")
			r.git("checkout", "-q", "main")
		}},
		{name: "detached at the tip", after: func(r *testRepo) {
			r.git("checkout", "-q", "--detach")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, old := interruptedRun(t)
			tt.after(r)
			mainBefore := r.git("rev-parse", "main")
			opts := testOptions("safe-coder/resume")
			opts.Resume = true
			s := r.begin(opts)
			if s.Base() != old.Base() || s.Snapshot() != old.Snapshot() || s.Start() != old.Start() || s.Head() != old.Head() {
				t.Errorf("resumed Base/Snapshot/Start/Head = %s/%s/%s/%s, want %s/%s/%s/%s",
					s.Base(), s.Snapshot(), s.Start(), s.Head(), old.Base(), old.Snapshot(), old.Start(), old.Head())
			}
			if got := r.git("symbolic-ref", "HEAD"); got != "refs/heads/safe-coder/resume" {
				t.Errorf("HEAD = %s", got)
			}
			if got := r.git("rev-parse", "main"); got != mainBefore {
				t.Errorf("main moved to %s", got)
			}
			if r.read("two.txt") != "two.txt\n" || r.read("user.txt") != "the user's uncommitted work\n" {
				t.Error("the work tree does not hold the run's files")
			}
			r.write("three.txt", "step three, finished\n")
			c, err := s.CommitStep(t.Context(), StepCommit{Step: 3, Paths: []string{"three.txt"}})
			if err != nil {
				t.Fatal(err)
			}
			if got := r.git("rev-parse", c.SHA+"^"); got != old.Head() {
				t.Errorf("step three's parent = %s, want %s", got, old.Head())
			}
			r.assertSound()
		})
	}
}

func TestBeginResumeRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		setup   func(r *testRepo) BeginOptions
		wantErr error
		wantMsg string
	}{
		{
			name: "branch of another run",
			setup: func(r *testRepo) BeginOptions {
				opts := testOptions("safe-coder/resume")
				opts.RunID, opts.Resume = "another-run", true
				return opts
			},
			wantErr: ErrBranchExists, wantMsg: "no commit of run another-run",
		},
		{
			name: "branch of another task",
			setup: func(r *testRepo) BeginOptions {
				opts := testOptions("safe-coder/resume")
				opts.Task, opts.Resume = "other-task", true
				return opts
			},
			wantErr: ErrBranchExists, wantMsg: "task other-task",
		},
		{
			name: "resume not asked",
			setup: func(r *testRepo) BeginOptions {
				return testOptions("safe-coder/resume")
			},
			wantErr: ErrBranchExists, wantMsg: "resume the run",
		},
		{
			name: "started elsewhere",
			setup: func(r *testRepo) BeginOptions {
				opts := testOptions("safe-coder/resume")
				opts.Resume, opts.From = true, r.git("rev-parse", "safe-coder/resume")
				return opts
			},
			wantMsg: "the run started at",
		},
		{
			name: "dirty tree where the branch must be checked out",
			setup: func(r *testRepo) BeginOptions {
				r.remove("three.txt")
				r.git("checkout", "-q", "main")
				r.write("a.txt", "edited on main\n")
				opts := testOptions("safe-coder/resume")
				opts.Resume = true
				return opts
			},
			wantErr: ErrDirty, wantMsg: "a.txt",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, _ := interruptedRun(t)
			opts := tt.setup(r)
			headBefore := r.git("symbolic-ref", "HEAD")
			refsBefore := r.git("for-each-ref")
			_, err := r.open().Begin(t.Context(), opts)
			if err == nil {
				t.Fatal("Begin resumed")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Begin = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
			if got := r.git("symbolic-ref", "HEAD"); got != headBefore {
				t.Errorf("HEAD moved to %s", got)
			}
			if got := r.git("for-each-ref"); got != refsBefore {
				t.Errorf("refs changed:\n%s", got)
			}
			r.assertNoLocks()
		})
	}
}

// A run killed between creating its branch and its first commit left a
// branch at its start with no commit of its own: resuming from that start
// adopts it; without the start, it is refused as unknown.
func TestBeginResumeBranchWithoutCommits(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"a.txt": "a\n"})
	base := r.git("rev-parse", "HEAD")
	r.git("branch", "safe-coder/early")
	opts := testOptions("safe-coder/early")
	opts.Resume = true
	if _, err := r.open().Begin(t.Context(), opts); !errors.Is(err, ErrBranchExists) {
		t.Fatalf("Begin without From = %v, want ErrBranchExists", err)
	}
	opts.From = base
	s := r.begin(opts)
	if s.Base() != base || s.Head() != base || s.Snapshot() != "" {
		t.Errorf("Base/Head/Snapshot = %s/%s/%q", s.Base(), s.Head(), s.Snapshot())
	}
	if got := r.git("symbolic-ref", "HEAD"); got != "refs/heads/safe-coder/early" {
		t.Errorf("HEAD = %s", got)
	}
	r.assertSound()
}

// Resume on a branch that was never created starts the run afresh.
func TestBeginResumeWithoutBranch(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"a.txt": "a\n"})
	opts := testOptions("safe-coder/never")
	opts.Resume = true
	s := r.begin(opts)
	if s.Head() != r.git("rev-parse", "main") {
		t.Errorf("Head() = %s", s.Head())
	}
}

// A shallow clone (CI checkouts) works: the base is the HEAD commit, whose
// parents are not there.
func TestShallowClone(t *testing.T) {
	t.Parallel()
	origin := newTestRepo(t, map[string]string{"a.txt": "one\n"})
	for i, content := range []string{"two\n", "three\n"} {
		origin.write("a.txt", content)
		origin.git("commit", "-q", "-am", "commit "+string(rune('2'+i)))
	}
	dir := filepath.Join(t.TempDir(), "shallow")
	if out, err := origin.gitCmd("clone", "-q", "--depth", "1", "file://"+origin.dir, dir).CombinedOutput(); err != nil {
		t.Fatalf("git clone --depth 1: %v\n%s", err, out)
	}
	r := &testRepo{t: t, dir: dir}
	r.git("config", "user.name", "Test User")
	r.git("config", "user.email", "test@example.com")
	if _, err := os.Stat(r.path(".git/shallow")); err != nil {
		t.Fatalf("not a shallow clone: %v", err)
	}
	head := r.git("rev-parse", "HEAD")
	r.write("local.txt", "uncommitted\n")
	s := r.begin(testOptions("safe-coder/shallow"))
	if s.Base() != head || s.Snapshot() == "" {
		t.Errorf("Base/Snapshot = %s/%q, want %s/a snapshot", s.Base(), s.Snapshot(), head)
	}
	r.write("a.txt", "four\n")
	if _, err := s.CommitStep(t.Context(), StepCommit{Step: 1, Paths: []string{"a.txt"}}); err != nil {
		t.Fatal(err)
	}
	r.write("b.txt", "b\n")
	if _, err := s.CommitStep(t.Context(), StepCommit{Step: 2}); err != nil {
		t.Fatal(err)
	}
	r.assertSound()
	res, err := r.open().Rollback(t.Context(), RollbackOptions{Run: "20261126-231131-ab12", Task: "fix-vet", Branch: "safe-coder/shallow"})
	if err != nil {
		t.Fatal(err)
	}
	if res.To != s.Snapshot() {
		t.Errorf("rolled back to %s, want the snapshot %s", res.To, s.Snapshot())
	}
	if got := lines(r.git("log", "--format=%H", "safe-coder/shallow")); !slices.Equal(got, []string{s.Snapshot(), head}) {
		t.Errorf("branch history %v", got)
	}
	r.assertSound()
}
