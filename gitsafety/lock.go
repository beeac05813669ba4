package gitsafety

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// runLockInfo is the content of run.lock: enough to tell whether its holder
// is still alive and to tell the user who holds it.
type runLockInfo struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Started time.Time `json:"started"`
}

// LockOptions adjusts how Lock treats a run lock left behind.
type LockOptions struct {
	// ClearStale takes over a run lock whose holder was a process of this
	// host that no longer exists (--clear-stale-lock). A lock from another
	// host is never cleared: its pid means nothing here, so whether its run
	// is still going cannot be told; the user removes it by hand.
	ClearStale bool
}

// Lock refuses a repository that another git command or a half-finished
// merge, rebase, cherry-pick or revert is using, then takes safe-coder's run
// lock, GitDir/safe-coder/run.lock, which names this process's pid, its
// host and the start time. release removes the lock; calling it again does
// nothing.
//
// A run lock held by a live process, or by any process of another host,
// fails with ErrLocked naming its holder. One left by a process of this
// host that is gone fails with ErrStaleLock (which wraps ErrLocked) unless
// opts.ClearStale is set: a crashed run is reported, not silently
// replaced. An index.lock is never removed: it may be a running git
// command's.
//
// Errors wrap ErrLocked or ErrInProgress, and name the file and the
// command that fixes the problem.
func (r *Repo) Lock(ctx context.Context, opts LockOptions) (release func() error, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := r.checkIdle(); err != nil {
		return nil, err
	}
	return r.takeRunLock(opts)
}

// checkIdle fails when a git command holds the index or the user is in the
// middle of an operation that a new commit would get tangled with.
func (r *Repo) checkIdle() error {
	indexLock := filepath.Join(r.gitDir, "index.lock")
	if _, err := os.Lstat(indexLock); err == nil {
		return fmt.Errorf("%w: %s exists: another git command may be running, or one was killed; safe-coder never removes it: once no git command runs, remove the file (git status then shows what the index holds)", ErrLocked, indexLock)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("check %s: %w", indexLock, err)
	}
	// The files git leaves while an operation waits for the user, with the
	// commands that finish it. A sequencer directory alone (a multi-commit
	// cherry-pick or revert between commits) is reported too.
	inProgress := []struct{ file, op, fix string }{
		{"MERGE_HEAD", "merge", "git merge --continue or git merge --abort"},
		{"rebase-merge", "rebase", "git rebase --continue or git rebase --abort"},
		{"rebase-apply", "rebase or am", "git rebase --continue, git rebase --abort or git am --abort"},
		{"CHERRY_PICK_HEAD", "cherry-pick", "git cherry-pick --continue or git cherry-pick --abort"},
		{"REVERT_HEAD", "revert", "git revert --continue or git revert --abort"},
		{"sequencer", "cherry-pick or revert", "git cherry-pick --continue, git cherry-pick --abort or git revert --abort"},
	}
	for _, op := range inProgress {
		path := filepath.Join(r.gitDir, op.file)
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("%w: %s (%s exists); finish it first with %s", ErrInProgress, op.op, path, op.fix)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("check %s: %w", path, err)
		}
	}
	return nil
}

func (r *Repo) takeRunLock(opts LockOptions) (func() error, error) {
	dir := filepath.Join(r.gitDir, "safe-coder")
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	// The guard serializes every take-over and release across processes, so
	// two runs that both find a stale lock cannot both take it.
	unguard, err := guardDir(dir)
	if err != nil {
		return nil, err
	}
	defer unguard()

	host, err := os.Hostname()
	if err != nil {
		return nil, fmt.Errorf("read host name: %w", err)
	}
	content, err := json.Marshal(runLockInfo{PID: os.Getpid(), Host: host, Started: time.Now().UTC()})
	if err != nil {
		return nil, fmt.Errorf("encode run lock: %w", err)
	}
	content = append(content, '\n')
	path := filepath.Join(dir, "run.lock")

	created, err := createRunLock(path, content)
	if err != nil {
		return nil, err
	}
	if !created {
		holder, err := readRunLock(path)
		if err != nil {
			return nil, err
		}
		since := holder.Started.Format(time.RFC3339)
		switch {
		case holder.Host != host:
			return nil, fmt.Errorf("%w: %s is held by safe-coder pid %d on host %s since %s; that pid cannot be checked from %s, so the lock is never cleared automatically: remove the file once that run is surely gone",
				ErrLocked, path, holder.PID, holder.Host, since, host)
		case processAlive(holder.PID):
			return nil, fmt.Errorf("%w: %s is held by safe-coder pid %d on host %s since %s; wait for that run to end",
				ErrLocked, path, holder.PID, holder.Host, since)
		case !opts.ClearStale:
			return nil, fmt.Errorf("%w: %s was left by safe-coder pid %d on host %s, started %s, which is no longer running, so its run may have stopped half-way; add --clear-stale-lock to take the lock over: \"safe-coder resume RUN --clear-stale-lock\" continues that run (\"safe-coder runs\" lists it), \"safe-coder rollback RUN --clear-stale-lock\" moves its branches back",
				ErrStaleLock, path, holder.PID, holder.Host, since)
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("remove stale run lock %s: %w", path, err)
		}
		created, err = createRunLock(path, content)
		if err != nil {
			return nil, err
		}
		if !created {
			return nil, fmt.Errorf("%w: %s was taken by another process while replacing a stale lock", ErrLocked, path)
		}
	}

	var once sync.Once
	var releaseErr error
	release := func() error {
		once.Do(func() { releaseErr = releaseRunLock(dir, path, content) })
		return releaseErr
	}
	return release, nil
}

// createRunLock creates the lock file exclusively; created is false when it
// already exists.
func createRunLock(path string, content []byte) (created bool, err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create run lock %s: %w", path, err)
	}
	_, err = f.Write(content)
	if err == nil {
		err = f.Sync()
	}
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return false, errors.Join(fmt.Errorf("write run lock %s: %w", path, err), os.Remove(path))
	}
	return true, nil
}

func readRunLock(path string) (runLockInfo, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return runLockInfo{}, fmt.Errorf("read run lock %s: %w", path, err)
	}
	var info runLockInfo
	if err := json.Unmarshal(b, &info); err != nil || info.PID <= 0 {
		// Unreadable means unknown holder: refuse rather than guess.
		return runLockInfo{}, fmt.Errorf("%w: %s exists but does not name its holder; if no safe-coder run is active, remove the file", ErrLocked, path)
	}
	return info, nil
}

// releaseRunLock removes the lock only while it is still ours: after a
// take-over by a process that thought we were dead, the file is theirs.
func releaseRunLock(dir, path string, content []byte) error {
	unguard, err := guardDir(dir)
	if err != nil {
		return err
	}
	defer unguard()
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read run lock %s: %w", path, err)
	}
	if !bytes.Equal(b, content) {
		return nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove run lock %s: %w", path, err)
	}
	return nil
}
