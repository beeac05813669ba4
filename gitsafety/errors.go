package gitsafety

import (
	"errors"
	"fmt"
	"syscall"
)

// Sentinel errors. Returned errors wrap them with the detail a user needs to
// fix the problem (the path, the branch, the command to run); compare with
// errors.Is.
var (
	// ErrNotRepo is returned by Open when no git work tree contains the
	// directory. safe-coder never creates one implicitly: Init does, when
	// asked (--init).
	ErrNotRepo = errors.New("not a git repository")

	// ErrAlreadyRepo is returned by Init when the directory is already
	// inside a repository.
	ErrAlreadyRepo = errors.New("already inside a git repository")

	// ErrNoCommits is returned when HEAD names a branch that has no commit
	// yet: there is nothing to branch from or to roll back to.
	ErrNoCommits = errors.New("repository has no commits yet")

	// ErrLocked is returned when another git command (index.lock, a ref
	// lock) or another safe-coder run (run.lock) holds the repository.
	ErrLocked = errors.New("repository is locked")

	// ErrStaleLock is returned by Lock when the run lock was left by a
	// safe-coder process of this host that no longer runs. It wraps
	// ErrLocked; LockOptions.ClearStale takes such a lock over.
	ErrStaleLock = fmt.Errorf("%w by a run that is gone", ErrLocked)

	// ErrInProgress is returned when a merge, rebase, cherry-pick or revert
	// is in progress: committing on top of it would bury the user's
	// half-finished operation.
	ErrInProgress = errors.New("an operation is in progress")

	// ErrBranchExists is returned by Begin when the run branch already
	// exists and is not a run to resume: safe-coder never reuses or
	// overwrites someone else's branch.
	ErrBranchExists = errors.New("run branch already exists")

	// ErrHeadMoved is returned by CommitStep when HEAD no longer points at
	// the run branch, or the run branch no longer points at the last commit
	// of the session: something outside safe-coder switched branches or
	// committed.
	ErrHeadMoved = errors.New("HEAD moved off the run branch")

	// ErrDirty is returned when the work tree or the index has changes
	// that an operation would lose or bury: Begin with DirtyRefuse, Begin
	// from another commit, Restore and Return.
	ErrDirty = errors.New("work tree has uncommitted changes")

	// ErrWouldDestroy is returned by Rollback when the checked-out run
	// branch has changes in the work tree or index that the run did not
	// commit: moving the branch back would destroy them.
	ErrWouldDestroy = errors.New("rollback would destroy uncommitted changes")

	// ErrNotFound is returned when a run, step, commit or path named by
	// the caller is not on the run branch.
	ErrNotFound = errors.New("not found on the run branch")

	// ErrNoRef is returned by ResolveRef when the repository has no ref
	// of that name (a pull request's base branch that was never fetched).
	ErrNoRef = errors.New("no such ref")

	// ErrRefused is returned by CommitStep when StepCommit.Check refuses
	// the content of a file; nothing of the step was committed. Push
	// returns it too when PushOptions.Check refuses a file or a commit
	// message; nothing was sent to the remote.
	ErrRefused = errors.New("step refused")

	// ErrPushRejected is returned by Push when the remote refused the
	// update: the branch there has commits the run does not (safe-coder
	// never force-pushes), a protected-branch rule or another hook
	// declined it. The error quotes what the remote said.
	ErrPushRejected = errors.New("push rejected")

	// ErrPushAuth is returned by Push when the remote asked for
	// credentials that were not given, did not accept the token, or the
	// token may not write to the repository (on GitHub: the
	// `contents: write` permission).
	ErrPushAuth = errors.New("push not authorized")

	// ErrWorkflowPermission is returned by Push, before the remote is
	// contacted, when the commits to push change files under
	// .github/workflows/ and PushOptions.AllowWorkflows is not set:
	// GitHub refuses them unless the token has the `workflows`
	// permission, which a workflow's GITHUB_TOKEN never has. It is also
	// returned, with ErrPushRejected, when the remote refused such a push.
	ErrWorkflowPermission = errors.New("pushing workflow files needs the workflows permission")

	// ErrNoSpace is returned, wrapping the system's error, when a write to
	// the repository (an object, the index, a ref) failed for lack of
	// space: ENOSPC, EDQUOT, or EFBIG from a file-size limit (ulimit -f).
	// Whatever did not fit was removed: the branch and the index are as
	// they were before the call.
	ErrNoSpace = errors.New("no space left to write to the repository (the disk is full or a file-size limit is reached)")
)

// noSpace marks err with ErrNoSpace when it is a write refused for lack of
// space; other errors are returned as they are.
func noSpace(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EFBIG) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w: %w", ErrNoSpace, err)
	}
	return err
}

// errChangedWhileReading means a file changed while it was being staged (it
// shrank, grew or was swapped for a symlink between two reads); staging
// again picks up its new state.
var errChangedWhileReading = errors.New("file changed while it was being staged; try again")
