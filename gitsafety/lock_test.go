package gitsafety

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// conflictRepo has a main and an other branch that both change f.txt.
func conflictRepo(t *testing.T) *testRepo {
	t.Helper()
	r := newTestRepo(t, map[string]string{"f.txt": "base\n"})
	r.git("checkout", "-q", "-b", "other")
	r.write("f.txt", "other\n")
	r.git("commit", "-q", "-am", "other")
	r.git("checkout", "-q", "main")
	r.write("f.txt", "main\n")
	r.git("commit", "-q", "-am", "main")
	return r
}

func TestLockRefusesBusyRepository(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		setup   func(r *testRepo) // leaves the repository busy
		wantErr error
		wantMsg []string // fragments the message must contain
	}{
		{
			name:    "index.lock present",
			setup:   func(r *testRepo) { r.write(".git/index.lock", "") },
			wantErr: ErrLocked,
			wantMsg: []string{"index.lock", "remove the file"},
		},
		{
			name: "merge in progress",
			setup: func(r *testRepo) {
				if _, _, err := r.tryGit("merge", "other"); err == nil {
					t.Fatal("merge did not conflict")
				}
			},
			wantErr: ErrInProgress,
			wantMsg: []string{"merge", "MERGE_HEAD", "git merge --abort"},
		},
		{
			name: "rebase in progress",
			setup: func(r *testRepo) {
				r.git("checkout", "-q", "other")
				if _, _, err := r.tryGit("rebase", "--merge", "main"); err == nil {
					t.Fatal("rebase did not conflict")
				}
			},
			wantErr: ErrInProgress,
			wantMsg: []string{"rebase", "rebase-merge", "git rebase --abort"},
		},
		{
			name: "apply-style rebase in progress",
			setup: func(r *testRepo) {
				r.git("checkout", "-q", "other")
				if _, _, err := r.tryGit("rebase", "--apply", "main"); err == nil {
					t.Fatal("rebase did not conflict")
				}
			},
			wantErr: ErrInProgress,
			wantMsg: []string{"rebase-apply", "git rebase --abort"},
		},
		{
			name: "cherry-pick in progress",
			setup: func(r *testRepo) {
				if _, _, err := r.tryGit("cherry-pick", "other"); err == nil {
					t.Fatal("cherry-pick did not conflict")
				}
			},
			wantErr: ErrInProgress,
			wantMsg: []string{"cherry-pick", "CHERRY_PICK_HEAD", "git cherry-pick --abort"},
		},
		{
			name: "revert in progress",
			setup: func(r *testRepo) {
				r.write("f.txt", "later\n")
				r.git("commit", "-q", "-am", "later")
				if _, _, err := r.tryGit("revert", "--no-edit", "HEAD~1"); err == nil {
					t.Fatal("revert did not conflict")
				}
			},
			wantErr: ErrInProgress,
			wantMsg: []string{"revert", "REVERT_HEAD", "git revert --abort"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := conflictRepo(t)
			tt.setup(r)
			repo := r.open()
			release, err := repo.Lock(t.Context(), LockOptions{})
			if !errors.Is(err, tt.wantErr) {
				if release != nil {
					_ = release()
				}
				t.Fatalf("Lock() = %v, want %v", err, tt.wantErr)
			}
			for _, frag := range tt.wantMsg {
				if !strings.Contains(err.Error(), frag) {
					t.Errorf("error %q does not mention %q", err, frag)
				}
			}
			if _, err := os.Stat(filepath.Join(repo.GitDir(), "safe-coder", "run.lock")); err == nil {
				t.Error("run.lock was created although Lock failed")
			}
			// Begin refuses the same states.
			_, err = repo.Begin(t.Context(), testOptions("safe-coder/busy"))
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Begin() = %v, want %v", err, tt.wantErr)
			}
			if _, _, err := r.tryGit("rev-parse", "--verify", "-q", "refs/heads/safe-coder/busy"); err == nil {
				t.Error("Begin created the run branch in a busy repository")
			}
		})
	}
}

func TestLockHeldByThisProcess(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"f": "1\n"})
	repo := r.open()
	release, err := repo.Lock(t.Context(), LockOptions{})
	if err != nil {
		t.Fatalf("first Lock: %v", err)
	}
	lockPath := filepath.Join(repo.GitDir(), "safe-coder", "run.lock")
	info := readLockFile(t, lockPath)
	if info.PID != os.Getpid() || info.Started.IsZero() {
		t.Errorf("run.lock = %+v, want this pid and a start time", info)
	}
	if host, _ := os.Hostname(); info.Host != host {
		t.Errorf("run.lock host = %q, want %q", info.Host, host)
	}

	// A second run, even from another Repo value, is refused.
	_, err = r.open().Lock(t.Context(), LockOptions{})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Lock = %v, want ErrLocked", err)
	}
	for _, frag := range []string{lockPath, "pid " + strconv.Itoa(os.Getpid())} {
		if !strings.Contains(err.Error(), frag) {
			t.Errorf("error %q does not mention %q", err, frag)
		}
	}

	if err := release(); err != nil {
		t.Fatalf("release: %v", err)
	}
	if err := release(); err != nil {
		t.Fatalf("second release: %v", err)
	}
	if _, err := os.Stat(lockPath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("run.lock still there after release: %v", err)
	}
	again, err := repo.Lock(t.Context(), LockOptions{})
	if err != nil {
		t.Fatalf("Lock after release: %v", err)
	}
	if err := again(); err != nil {
		t.Fatal(err)
	}
	r.assertSound()
}

// A run lock left behind is reported, never taken over silently: only a
// dead process of this host, and only with ClearStale. Every refused case
// leaves the lock file as it was.
func TestLockLeftBehind(t *testing.T) {
	t.Parallel()
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		content    func(t *testing.T) string
		clearStale bool
		wantErr    error // nil: the lock is taken over
		wantMsg    []string
		notErr     error // the error must not wrap this
	}{
		{
			name:    "dead process on this host",
			content: func(t *testing.T) string { return lockJSON(t, deadPID(t), host) },
			wantErr: ErrStaleLock,
			wantMsg: []string{"no longer running", "--clear-stale-lock", "pid ", "host " + host, "2026-01-02T03:04:05Z"},
		},
		{
			name:       "dead process on this host, cleared",
			content:    func(t *testing.T) string { return lockJSON(t, deadPID(t), host) },
			clearStale: true,
		},
		{
			name:    "live process on this host",
			content: func(t *testing.T) string { return lockJSON(t, os.Getppid(), host) },
			wantErr: ErrLocked, notErr: ErrStaleLock,
			wantMsg: []string{"pid " + strconv.Itoa(os.Getppid()), "wait for that run to end"},
		},
		{
			name:       "live process on this host, clear asked",
			content:    func(t *testing.T) string { return lockJSON(t, os.Getppid(), host) },
			clearStale: true,
			wantErr:    ErrLocked, notErr: ErrStaleLock,
		},
		{
			name:       "process on another host, clear asked",
			content:    func(t *testing.T) string { return lockJSON(t, deadPID(t), host+"-elsewhere") },
			clearStale: true,
			wantErr:    ErrLocked, notErr: ErrStaleLock,
			wantMsg: []string{"host " + host + "-elsewhere", "never cleared automatically"},
		},
		{
			name:       "unreadable content, clear asked",
			content:    func(*testing.T) string { return "not json" },
			clearStale: true,
			wantErr:    ErrLocked, notErr: ErrStaleLock,
			wantMsg: []string{"does not name its holder"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newTestRepo(t, map[string]string{"f": "1\n"})
			repo := r.open()
			lockPath := filepath.Join(repo.GitDir(), "safe-coder", "run.lock")
			old := tt.content(t)
			r.write(".git/safe-coder/run.lock", old)

			release, err := repo.Lock(t.Context(), LockOptions{ClearStale: tt.clearStale})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Lock() = %v, want %v", err, tt.wantErr)
				}
				if tt.notErr != nil && errors.Is(err, tt.notErr) {
					t.Errorf("Lock() = %v, which must not wrap %v", err, tt.notErr)
				}
				for _, frag := range append(tt.wantMsg, lockPath) {
					if !strings.Contains(err.Error(), frag) {
						t.Errorf("error %q does not mention %q", err, frag)
					}
				}
				if got := r.read(".git/safe-coder/run.lock"); got != old {
					t.Errorf("a refused lock was rewritten: %q", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Lock() = %v, want the stale lock taken over", err)
			}
			if info := readLockFile(t, lockPath); info.PID != os.Getpid() {
				t.Errorf("run.lock pid = %d after take-over, want %d", info.PID, os.Getpid())
			}
			if err := release(); err != nil {
				t.Fatal(err)
			}
			r.assertNoLocks()
		})
	}
}

// A lock taken over by another process (which judged us dead) is theirs:
// our release must leave it alone.
func TestReleaseLeavesForeignLock(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"f": "1\n"})
	release, err := r.open().Lock(t.Context(), LockOptions{})
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	foreign := lockJSON(t, os.Getppid(), host)
	r.write(".git/safe-coder/run.lock", foreign)
	if err := release(); err != nil {
		t.Fatalf("release: %v", err)
	}
	if got := r.read(".git/safe-coder/run.lock"); got != foreign {
		t.Errorf("release removed or changed another process's lock: %q", got)
	}
}

func readLockFile(t *testing.T, path string) runLockInfo {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var info runLockInfo
	if err := json.Unmarshal(b, &info); err != nil {
		t.Fatalf("run.lock %q: %v", b, err)
	}
	return info
}

func lockJSON(t *testing.T, pid int, host string) string {
	t.Helper()
	b, err := json.Marshal(runLockInfo{PID: pid, Host: host, Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

// deadPID returns the pid of a process that has exited and been reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}
