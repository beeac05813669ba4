package gitsafety

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// reflog lists name's reflog as git reads it, newest first: "<sha>
// <subject>".
func (r *testRepo) reflog(name string) []string {
	r.t.Helper()
	return lines(r.git("reflog", "show", "--format=%H %gs", name, "--"))
}

func (r *testRepo) currentBranch() string {
	r.t.Helper()
	return r.git("rev-parse", "--abbrev-ref", "HEAD")
}

// runSequence is a run as the runner makes it: Begin with a dirty tree
// (snapshot), two steps, a rollback to step 1, Return. It returns the
// commits: snapshot, step 1, step 2.
func runSequence(t *testing.T, r *testRepo, branch string) (snap, one, two string) {
	t.Helper()
	repo := r.open()
	before, err := repo.Head(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	r.write("dirty.txt", "uncommitted\n")
	s, err := repo.Begin(t.Context(), testOptions(branch))
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	r.write("a.txt", "step 1\n")
	c1, err := s.CommitStep(t.Context(), StepCommit{Step: 1, Tools: []string{"write_file"}, Paths: []string{"a.txt"}})
	if err != nil || c1.SHA == "" {
		t.Fatalf("step 1: %v %+v", err, c1)
	}
	r.write("b.txt", "step 2\n")
	c2, err := s.CommitStep(t.Context(), StepCommit{Step: 2, Tools: []string{"bash"}})
	if err != nil || c2.SHA == "" {
		t.Fatalf("step 2: %v %+v", err, c2)
	}
	opts := testOptions(branch)
	if _, err := repo.Rollback(t.Context(), RollbackOptions{Run: opts.RunID, Task: opts.Task, Branch: branch, ToStep: 1}); err != nil {
		t.Fatalf("Rollback: %v", err)
	}
	if err := repo.Return(t.Context(), before); err != nil {
		t.Fatalf("Return: %v", err)
	}
	return s.Snapshot(), c1.SHA, c2.SHA
}

// A run writes the reflog entries git would: `git reflog` shows it in
// order, and `git switch -` goes back and forth between the run branch and
// the user's.
func TestReflogRun(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"a.txt": "a\n"})
	initial := r.git("rev-parse", "main")
	const branch = "safe-coder/log"
	snap, one, two := runSequence(t, r, branch)

	equalLines(t, "git reflog HEAD", strings.Join(r.reflog("HEAD"), "\n"), []string{
		initial + " checkout: moving from " + branch + " to main",
		one + " reset: moving to " + one,
		two + " commit: AI executed: bash",
		one + " commit: AI executed: write_file",
		snap + " commit: Snapshot: session start",
		initial + " checkout: moving from main to " + branch,
		initial + " commit (initial): initial",
	})
	equalLines(t, "git reflog "+branch, strings.Join(r.reflog(branch), "\n"), []string{
		one + " reset: moving to " + one,
		two + " commit: AI executed: bash",
		one + " commit: AI executed: write_file",
		snap + " commit: Snapshot: session start",
		initial + " branch: Created from HEAD",
	})
	// The user's branch was only checked out: its log is git's alone.
	equalLines(t, "git reflog main", strings.Join(r.reflog("main"), "\n"), []string{initial + " commit (initial): initial"})
	// The entries carry the identity the commits are made with.
	if got := r.git("log", "-g", "-1", "--format=%gn <%ge>", branch); got != "safe-coder <safe-coder@localhost>" {
		t.Errorf("reflog identity = %q", got)
	}
	// The backup ref Rollback wrote is not a branch: no log, as git does.
	if _, err := os.Stat(r.path(".git/logs/refs/safe-coder")); !os.IsNotExist(err) {
		t.Errorf("backup ref has a reflog: %v", err)
	}
	r.assertSound()

	r.git("switch", "-q", "-")
	if got := r.currentBranch(); got != branch {
		t.Errorf("after git switch - from main: on %s, want %s", got, branch)
	}
	r.git("switch", "-q", "-")
	if got := r.currentBranch(); got != "main" {
		t.Errorf("after git switch - from the run branch: on %s, want main", got)
	}
	r.assertSound()
}

// With core.logAllRefUpdates=false no log is created, as with git; the
// twin above proves the same run writes them otherwise.
func TestReflogDisabled(t *testing.T) {
	t.Parallel()
	r := initTestRepo(t)
	r.git("config", "core.logAllRefUpdates", "false")
	r.write("a.txt", "a\n")
	r.git("add", "-A")
	r.git("commit", "-q", "-m", "initial")
	if r.exists(".git/logs") {
		t.Fatalf("git wrote logs despite core.logAllRefUpdates=false")
	}
	runSequence(t, r, "safe-coder/nolog")
	if r.exists(".git/logs") {
		var found []string
		_ = filepath.WalkDir(r.path(".git/logs"), func(p string, d os.DirEntry, err error) error {
			found = append(found, p)
			return err
		})
		t.Errorf("logs written with core.logAllRefUpdates=false: %q", found)
	}
	r.assertSound()
}

// A log that exists is appended to even with core.logAllRefUpdates=false
// (git does so too); "always" logs the backup refs as well.
func TestReflogConfigModes(t *testing.T) {
	t.Parallel()
	t.Run("false with existing HEAD log", func(t *testing.T) {
		t.Parallel()
		r := newTestRepo(t, map[string]string{"a.txt": "a\n"})
		r.git("config", "core.logAllRefUpdates", "false")
		runSequence(t, r, "safe-coder/existing")
		if got := r.reflog("HEAD"); len(got) != 7 {
			t.Errorf("HEAD log has %d entries, want 7: %q", len(got), got)
		}
		if r.exists(".git/logs/refs/heads/safe-coder/existing") {
			t.Error("the run branch got a log with core.logAllRefUpdates=false")
		}
		r.assertSound()
	})
	t.Run("always", func(t *testing.T) {
		t.Parallel()
		r := newTestRepo(t, map[string]string{"a.txt": "a\n"})
		r.git("config", "core.logAllRefUpdates", "always")
		_, _, two := runSequence(t, r, "safe-coder/always")
		backup := "refs/safe-coder/backup/20261126-231131-ab12/fix-vet/1"
		equalLines(t, "git reflog "+backup, strings.Join(r.reflog(backup), "\n"), []string{two + " branch: Created from safe-coder/always"})
		r.assertSound()
	})
}

// A run started from another commit, from a detached HEAD (a pull-request
// checkout), resumed, restored and rolled back while not checked out: each
// is logged as the git command doing the same would log it.
func TestReflogDetachedAndFrom(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"a.txt": "a\n"})
	first := r.git("rev-parse", "HEAD")
	r.write("a.txt", "second\n")
	r.git("commit", "-q", "-am", "second")
	second := r.git("rev-parse", "HEAD")
	r.git("checkout", "-q", "--detach", second)
	repo := r.open()
	before, err := repo.Head(t.Context())
	if err != nil {
		t.Fatal(err)
	}

	opts := testOptions("safe-coder/from")
	opts.From = first
	s, err := repo.Begin(t.Context(), opts)
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	r.write("a.txt", "step\n")
	c, err := s.CommitStep(t.Context(), StepCommit{Step: 1, Tools: []string{"edit_file"}, Paths: []string{"a.txt"}})
	if err != nil {
		t.Fatal(err)
	}
	restored, err := repo.Restore(t.Context(), RestoreOptions{Run: opts.RunID, Task: opts.Task, Branch: opts.Branch, Paths: []string{"a.txt"}, Now: fixedNow})
	if err != nil || restored == "" {
		t.Fatalf("Restore: %q %v", restored, err)
	}
	if err := repo.Return(t.Context(), before); err != nil {
		t.Fatalf("Return: %v", err)
	}
	if _, err := repo.Rollback(t.Context(), RollbackOptions{Run: opts.RunID, Task: opts.Task, Branch: opts.Branch, ToStep: 1}); err != nil {
		t.Fatalf("Rollback: %v", err)
	}

	head := r.reflog("HEAD")
	equalLines(t, "git reflog HEAD (the run's part)", strings.Join(head[:4], "\n"), []string{
		second + " checkout: moving from safe-coder/from to " + second,
		restored + " commit: Restore a.txt to the run's start",
		c.SHA + " commit: AI executed: edit_file",
		first + " checkout: moving from " + second + " to safe-coder/from",
	})
	equalLines(t, "git reflog safe-coder/from", strings.Join(r.reflog("safe-coder/from"), "\n"), []string{
		c.SHA + " branch: Reset to " + c.SHA,
		restored + " commit: Restore a.txt to the run's start",
		c.SHA + " commit: AI executed: edit_file",
		first + " branch: Created from " + first,
	})
	r.git("checkout", "-q", "-")
	if got := r.currentBranch(); got != "safe-coder/from" {
		t.Errorf("after git checkout - from the detached HEAD: on %s", got)
	}
	r.assertSound()

	// Resume from elsewhere checks the branch out again, logged as such.
	r.git("checkout", "-q", "--detach", second)
	opts.Resume = true
	if _, err := repo.Begin(t.Context(), opts); err != nil {
		t.Fatalf("resume: %v", err)
	}
	if got := r.reflog("HEAD")[0]; got != c.SHA+" checkout: moving from "+second+" to safe-coder/from" {
		t.Errorf("HEAD log after resume starts with %q", got)
	}
	r.assertSound()
}

// A log that cannot be appended to does not cost the ref update: the step
// is committed and the other log still gets its entry.
func TestReflogAppendFailureKeepsUpdate(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"a.txt": "a\n"})
	s := r.begin(testOptions("safe-coder/broken"))
	// A directory where the branch's log should be: appending fails.
	if err := os.Remove(r.path(".git/logs/refs/heads/safe-coder/broken")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(r.path(".git/logs/refs/heads/safe-coder/broken/x"), 0o755); err != nil {
		t.Fatal(err)
	}
	r.write("a.txt", "changed\n")
	c, err := s.CommitStep(t.Context(), StepCommit{Step: 1, Tools: []string{"write_file"}, Paths: []string{"a.txt"}})
	if err != nil || c.SHA == "" {
		t.Fatalf("CommitStep with a broken log: %v %+v", err, c)
	}
	if got := r.git("rev-parse", "safe-coder/broken"); got != c.SHA {
		t.Errorf("branch at %s, want %s", got, c.SHA)
	}
	if got := r.reflog("HEAD")[0]; got != c.SHA+" commit: AI executed: write_file" {
		t.Errorf("HEAD log starts with %q", got)
	}
	if err := os.RemoveAll(r.path(".git/logs/refs/heads/safe-coder/broken")); err != nil {
		t.Fatal(err)
	}
	r.assertSound()
}

// A Begin that fails after creating the branch deletes the branch's log
// with the branch, as `git branch -D` does.
func TestReflogDeletedWithBranch(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"a.txt": "a\n"})
	repo := r.open()
	at := hash(r.git("rev-parse", "HEAD"))
	lg, err := repo.defaultReflog()
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.createBranch("refs/heads/gone", at, lg, "HEAD"); err != nil {
		t.Fatal(err)
	}
	if !r.exists(".git/logs/refs/heads/gone") {
		t.Fatal("no log for the new branch")
	}
	if err := repo.deleteLooseRef("refs/heads/gone", at); err != nil {
		t.Fatal(err)
	}
	if r.exists(".git/logs/refs/heads/gone") {
		t.Error("the deleted branch's log is left")
	}
	r.assertSound()
}

// Init's first commit is logged as git's first commit is.
func TestReflogInit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := Init(t.Context(), dir); err != nil {
		t.Fatal(err)
	}
	r := &testRepo{t: t, dir: dir}
	main := r.git("rev-parse", "main")
	want := []string{main + " commit (initial): Initial commit (safe-coder --init)"}
	equalLines(t, "git reflog HEAD", strings.Join(r.reflog("HEAD"), "\n"), want)
	equalLines(t, "git reflog main", strings.Join(r.reflog("main"), "\n"), want)
	r.assertNoLocks()
}

func TestReflogMessage(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"commit: subject":            "commit: subject",
		"  lead\tand  runs \n\nend ": "lead and runs end",
		"ctl\x01char\x7f":            "ctl char",
		"":                           "",
	} {
		if got := reflogMessage(in); got != want {
			t.Errorf("reflogMessage(%q) = %q, want %q", in, got, want)
		}
	}
}

// A commit holds HEAD.lock to log on HEAD, as `git commit` does: a git
// command holding it makes the step fail before anything moves, and the
// step commits once it is gone.
func TestCommitStepHeadLocked(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"a.txt": "a\n"})
	s := r.begin(testOptions("safe-coder/headlock"))
	tip := r.git("rev-parse", "safe-coder/headlock")
	r.write(".git/HEAD.lock", "")
	r.write("a.txt", "changed\n")
	step := StepCommit{Step: 1, Tools: []string{"write_file"}, Paths: []string{"a.txt"}}
	if _, err := s.CommitStep(t.Context(), step); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "HEAD.lock") {
		t.Fatalf("CommitStep with HEAD.lock = %v, want ErrLocked naming it", err)
	}
	if got := r.git("rev-parse", "safe-coder/headlock"); got != tip {
		t.Errorf("branch moved to %s with HEAD locked", got)
	}
	if !r.exists(".git/HEAD.lock") {
		t.Fatal("HEAD.lock was removed")
	}
	r.remove(".git/HEAD.lock")
	c, err := s.CommitStep(t.Context(), step)
	if err != nil || c.SHA == "" {
		t.Fatalf("CommitStep after HEAD.lock went: %v %+v", err, c)
	}
	if got := r.reflog("HEAD")[0]; got != c.SHA+" commit: AI executed: write_file" {
		t.Errorf("HEAD log starts with %q", got)
	}
	r.assertSound()
}

// BenchmarkRefUpdateReflog measures what logging adds to a step's ref
// update: "plain" moves the branch alone, "logged" as CommitStep does,
// with HEAD.lock held and an entry appended to both logs.
func BenchmarkRefUpdateReflog(b *testing.B) {
	dir := b.TempDir()
	repo, err := Init(b.Context(), dir)
	if err != nil {
		b.Fatal(err)
	}
	head, err := repo.refHash("refs/heads/main")
	if err != nil {
		b.Fatal(err)
	}
	tree, err := repo.commitTree(head)
	if err != nil {
		b.Fatal(err)
	}
	other, err := repo.storeBytes(plumbing.CommitObject, encodeCommit(tree, []plumbing.Hash{head}, defaultSignature, fixedNow(), "other\n"))
	if err != nil {
		b.Fatal(err)
	}
	lg, err := repo.defaultReflog()
	if err != nil {
		b.Fatal(err)
	}
	for _, logged := range []bool{false, true} {
		name := map[bool]string{false: "plain", true: "logged"}[logged]
		b.Run(name, func(b *testing.B) {
			// Each run of the function starts where the last one left main.
			from, err := repo.refHash("refs/heads/main")
			if err != nil {
				b.Fatal(err)
			}
			to := other
			if from == other {
				to = head
			}
			for b.Loop() {
				if logged {
					err = repo.moveCheckedOutRef("refs/heads/main", to, from, lg, "commit: step")
				} else {
					err = repo.updateRef("refs/heads/main", to, from)
				}
				if err != nil {
					b.Fatal(err)
				}
				from, to = to, from
			}
		})
	}
}
