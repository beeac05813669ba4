package gitsafety

import (
	"context"
	"errors"
	"sync"
	"testing"
)

// countdownCtx reports itself cancelled from its n-th Err call on, which
// lets a test cancel an operation at every point where it checks.
type countdownCtx struct {
	context.Context
	mu   sync.Mutex
	left int
}

func (c *countdownCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.left <= 0 {
		return context.Canceled
	}
	c.left--
	return nil
}

func cancelAfter(t *testing.T, n int) context.Context {
	return &countdownCtx{Context: t.Context(), left: n}
}

// However early Begin is cancelled, the repository is left as the user had
// it: same HEAD, no run branch, same index and work tree, no lock.
func TestBeginCancelledAtAnyPoint(t *testing.T) {
	t.Parallel()
	for n := 0; ; n++ {
		if n > 100 {
			t.Fatal("Begin never completed")
		}
		r := newTestRepo(t, map[string]string{"a.txt": "a\n", "dir/b.txt": "b\n"})
		r.write("a.txt", "dirty\n")
		r.write("dir/new.txt", "new\n")
		statusBefore := r.git("status", "--porcelain")
		indexBefore := r.read(".git/index")

		s, err := r.open().Begin(cancelAfter(t, n), testOptions("safe-coder/cancel"))
		if err == nil {
			if n == 0 || s.Snapshot() == "" {
				t.Fatalf("Begin completed after %d checks without a snapshot", n)
			}
			r.assertSound()
			t.Logf("Begin completed once allowed %d context checks", n)
			return
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Begin cancelled after %d checks = %v, want context.Canceled", n, err)
		}
		if got := r.git("symbolic-ref", "HEAD"); got != "refs/heads/main" {
			t.Errorf("n=%d: HEAD = %s", n, got)
		}
		if _, _, err := r.tryGit("rev-parse", "--verify", "-q", "refs/heads/safe-coder/cancel"); err == nil {
			t.Errorf("n=%d: run branch left behind", n)
		}
		if got := r.git("status", "--porcelain"); got != statusBefore {
			t.Errorf("n=%d: status changed:\n%s\nwant:\n%s", n, got, statusBefore)
		}
		if r.read(".git/index") != indexBefore {
			t.Errorf("n=%d: index rewritten", n)
		}
		r.assertNoLocks()
	}
}

// Starting from another commit switches the work tree; a cancellation at
// any point puts it back, with HEAD, the index and the refs.
func TestBeginFromCancelledAtAnyPoint(t *testing.T) {
	t.Parallel()
	for n := 0; ; n++ {
		if n > 100 {
			t.Fatal("Begin never completed")
		}
		r := newTestRepo(t, map[string]string{"a.txt": "a\n", "dir/b.txt": "b\n", "c.txt": "c\n", ".gitignore": "*.log\n"})
		start := r.git("rev-parse", "HEAD")
		r.write("a.txt", "later a\n")
		r.remove("c.txt")
		r.write("dir/new.txt", "new\n")
		r.write("x/y/z.txt", "z\n")
		r.git("add", "-A")
		r.git("commit", "-q", "-m", "later")
		r.write("kept.log", "ignored\n")
		later := r.git("rev-parse", "HEAD")
		indexBefore := r.read(".git/index")

		opts := testOptions("safe-coder/from-cancel")
		opts.From = start
		_, err := r.open().Begin(cancelAfter(t, n), opts)
		if err == nil {
			if n == 0 || r.read("a.txt") != "a\n" || r.exists("x") {
				t.Fatalf("Begin completed after %d checks without switching the work tree", n)
			}
			r.assertSound()
			t.Logf("Begin completed once allowed %d context checks", n)
			return
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Begin cancelled after %d checks = %v, want context.Canceled", n, err)
		}
		if got := r.git("rev-parse", "HEAD"); got != later {
			t.Errorf("n=%d: HEAD at %s, want %s", n, got, later)
		}
		if _, _, err := r.tryGit("rev-parse", "--verify", "-q", "refs/heads/safe-coder/from-cancel"); err == nil {
			t.Errorf("n=%d: run branch left behind", n)
		}
		if r.read(".git/index") != indexBefore {
			t.Errorf("n=%d: index rewritten", n)
		}
		if r.read("a.txt") != "later a\n" || r.read("x/y/z.txt") != "z\n" || r.exists("c.txt") || r.read("kept.log") != "ignored\n" {
			t.Errorf("n=%d: work tree not restored", n)
		}
		r.assertSound()
	}
}

// However early CommitStep is cancelled, no commit is made and the branch,
// the index and the work tree stay as they were.
func TestCommitStepCancelledAtAnyPoint(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"a.txt": "a\n", "x/y/z.txt": "z\n"})
	s := r.begin(testOptions("safe-coder/cancel-step"))
	r.write("a.txt", "changed\n")
	r.write("x/y/new.txt", "new\n")
	r.remove("x/y/z.txt")
	statusBefore := r.git("status", "--porcelain")
	for n := 0; ; n++ {
		if n > 100 {
			t.Fatal("CommitStep never completed")
		}
		indexBefore := r.read(".git/index")
		c, err := s.CommitStep(cancelAfter(t, n), StepCommit{Step: 1, Tools: []string{"bash"}})
		if err == nil {
			if c.SHA == "" {
				t.Fatal("CommitStep completed without a commit")
			}
			r.assertSound()
			t.Logf("CommitStep completed once allowed %d context checks", n)
			return
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("CommitStep cancelled after %d checks = %v, want context.Canceled", n, err)
		}
		if got := r.git("rev-parse", "HEAD"); got != s.Head() {
			t.Errorf("n=%d: HEAD moved to %s", n, got)
		}
		if got := r.git("status", "--porcelain"); got != statusBefore {
			t.Errorf("n=%d: status changed:\n%s", n, got)
		}
		if r.read(".git/index") != indexBefore {
			t.Errorf("n=%d: index rewritten", n)
		}
		r.assertNoLocks()
	}
}
