package gitsafety

import "errors"

// Sentinel errors. Returned errors wrap them with the detail a user needs to
// fix the problem (the path, the branch, the command to run); compare with
// errors.Is.
var (
	// ErrNotRepo is returned by Open when no git work tree contains the
	// directory.
	ErrNotRepo = errors.New("not a git repository")

	// ErrNoCommits is returned when HEAD names a branch that has no commit
	// yet: there is nothing to branch from or to roll back to.
	ErrNoCommits = errors.New("repository has no commits yet")

	// ErrLocked is returned when another git command (index.lock, a ref
	// lock) or another safe-coder run (run.lock) holds the repository.
	ErrLocked = errors.New("repository is locked")

	// ErrInProgress is returned when a merge, rebase, cherry-pick or revert
	// is in progress: committing on top of it would bury the user's
	// half-finished operation.
	ErrInProgress = errors.New("an operation is in progress")

	// ErrBranchExists is returned by Begin when the run branch already
	// exists; safe-coder never reuses or overwrites a branch.
	ErrBranchExists = errors.New("run branch already exists")

	// ErrHeadMoved is returned by CommitStep when HEAD no longer points at
	// the run branch, or the run branch no longer points at the last commit
	// of the session: something outside safe-coder switched branches or
	// committed.
	ErrHeadMoved = errors.New("HEAD moved off the run branch")

	// ErrDirtyTree is returned by Begin when it must check out another
	// commit but the work tree has changes that the checkout would lose.
	ErrDirtyTree = errors.New("work tree has uncommitted changes")

	// ErrRefused is returned by CommitStep when StepCommit.Check refuses
	// the content of a file; nothing of the step was committed.
	ErrRefused = errors.New("step refused")
)

// errChangedWhileReading means a file changed while it was being staged (it
// shrank, grew or was swapped for a symlink between two reads); staging
// again picks up its new state.
var errChangedWhileReading = errors.New("file changed while it was being staged; try again")
