package gitsafety

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// crashChildEnv carries the child's orders: "<repo dir>|<point>|<mode>".
const crashChildEnv = "GITSAFETY_CRASH_CHILD"

// TestCrashChild is the child process of TestCommitStepKilled, not a test
// of its own: re-executed with crashChildEnv set, it starts a run, changes
// files and commits them, killing itself with SIGKILL when the commit
// reaches the named point. Finishing the commit without reaching it fails.
func TestCrashChild(t *testing.T) {
	orders := os.Getenv(crashChildEnv)
	if orders == "" {
		t.Skip("runs only as the child process of TestCommitStepKilled")
	}
	parts := strings.Split(orders, "|")
	if len(parts) != 3 {
		t.Fatalf("bad orders %q", orders)
	}
	dir, point, mode := parts[0], parts[1], parts[2]
	repo, err := Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := repo.Lock(t.Context(), LockOptions{}); err != nil {
		t.Fatal(err)
	}
	s, err := repo.Begin(t.Context(), testOptions("safe-coder/crash"))
	if err != nil {
		t.Fatal(err)
	}
	s.hook = func(at string) {
		if at == point {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
	}
	writeFile(t, filepath.Join(dir, "a.txt"), "changed by step 1\n")
	writeFile(t, filepath.Join(dir, "dir", "new.txt"), "new in step 1\n")
	c := StepCommit{Step: 1, Tools: []string{"write_file"}}
	if mode == "paths" {
		c.Paths = []string{"a.txt", "dir/new.txt"}
	}
	if _, err := s.CommitStep(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	t.Fatalf("the commit finished without reaching %s", point)
}

// A process killed at any point inside a commit leaves a repository that
// git fsck accepts and the git CLI uses, and the next run either explains
// what is left (a stale run lock, an index.lock it never removes) or
// recovers: after the user's fix it resumes and commits what is missing.
func TestCommitStepKilled(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"paths", "scan"} {
		for _, point := range []string{crashIndexLocked, crashObjectsWritten, crashIndexWritten, crashRefMoved} {
			t.Run(mode+"/"+point, func(t *testing.T) {
				t.Parallel()
				r := newTestRepo(t, map[string]string{"a.txt": "a\n", "dir/b.txt": "b\n"})
				mainBefore := r.git("rev-parse", "main")
				child := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
				child.Env = append(os.Environ(), crashChildEnv+"="+r.dir+"|"+point+"|"+mode)
				out, err := child.CombinedOutput()
				var exit *exec.ExitError
				if !errors.As(err, &exit) {
					t.Fatalf("child ended with %v, want killed:\n%s", err, out)
				}
				if ws, ok := exit.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
					t.Fatalf("child exited with %v, want SIGKILL at %s:\n%s", err, point, out)
				}

				// The repository is sound for git.
				if out, errOut, err := r.tryGit("fsck", "--full", "--no-dangling", "--strict"); err != nil || out != "" {
					t.Errorf("git fsck after a kill at %s: %v\n%s%s", point, err, out, errOut)
				}
				r.git("status", "--porcelain")
				r.git("log", "--oneline", "safe-coder/crash")
				if got := r.git("rev-parse", "main"); got != mainBefore {
					t.Errorf("main moved to %s", got)
				}

				// The next run explains what is left.
				repo := r.open()
				_, err = repo.Lock(t.Context(), LockOptions{})
				indexLock := r.path(".git/index.lock")
				if r.exists(".git/index.lock") {
					if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), indexLock) {
						t.Fatalf("Lock with index.lock left = %v, want ErrLocked naming it", err)
					}
					if !r.exists(".git/index.lock") {
						t.Fatal("index.lock was removed")
					}
					// What the message tells the user to do.
					r.remove(".git/index.lock")
					_, err = repo.Lock(t.Context(), LockOptions{})
				}
				if !errors.Is(err, ErrStaleLock) || !strings.Contains(err.Error(), "--clear-stale-lock") {
					t.Fatalf("Lock after the kill = %v, want ErrStaleLock", err)
				}
				release, err := repo.Lock(t.Context(), LockOptions{ClearStale: true})
				if err != nil {
					t.Fatalf("Lock with ClearStale: %v", err)
				}
				defer func() { _ = release() }()

				// And recovers: the run resumes and its work ends up
				// committed, whichever side of the kill it was on.
				opts := testOptions("safe-coder/crash")
				opts.Resume, opts.From = true, mainBefore
				s, err := repo.Begin(t.Context(), opts)
				if err != nil {
					t.Fatalf("resume after the kill: %v", err)
				}
				if _, err := s.CommitStep(t.Context(), StepCommit{Step: 2, Tools: []string{"bash"}}); err != nil {
					t.Fatal(err)
				}
				if got := r.git("show", "safe-coder/crash:a.txt"); got != "changed by step 1" {
					t.Errorf("a.txt on the branch = %q", got)
				}
				if got := r.git("show", "safe-coder/crash:dir/new.txt"); got != "new in step 1" {
					t.Errorf("dir/new.txt on the branch = %q", got)
				}
				if err := release(); err != nil {
					t.Fatal(err)
				}
				r.assertSound()
			})
		}
	}
}
