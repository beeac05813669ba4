package gitsafety

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
)

// StepCommit describes one agent step for its commit message, and what
// its changes must pass to be committed.
type StepCommit struct {
	Step  int      // 1-based step number; 0 is the session snapshot
	Tools []string // tools executed in the step; the subject lists each once, in order
	Calls []string // one summary line per call, for the body

	// Check, when set, is called with the repo-relative slash path and
	// the full content of every file the step adds or modifies (a
	// symlink's content is its target), before that content is stored.
	// An error refuses the whole step: see CommitStep. Files whose
	// content did not change (a touch, a chmod) and deleted files are not
	// checked. With Check set every such file is read into memory whole,
	// once, instead of being streamed.
	Check ContentCheck
}

// ContentCheck vets the content of a file a step added or modified; an
// error refuses the step. The runner's check finds its secret values.
type ContentCheck func(path string, data []byte) error

// Commit is the result of committing a step.
type Commit struct {
	SHA   string   // the new commit; "" when the step changed nothing and no commit was made
	Files []string // repo-relative slash paths added, modified or deleted, sorted
}

// CommitStep stages every change in the work tree, as `git add -A` would,
// and commits it on the run branch. A step that changed nothing makes no
// commit and returns Commit{}.
//
// It first checks that HEAD still points at the run branch and that the
// branch is still at the session's last commit; if a command run by the
// agent switched branches or committed, the error wraps ErrHeadMoved and
// nothing is written. The branch is moved with a check-and-set, so a
// concurrent writer is detected the same way. Errors also wrap ErrLocked
// when a git command holds the index. In the rare failure after the branch
// moved (the index could not be replaced), the returned Commit still names
// the commit that was made.
//
// When c.Check refuses a file the error wraps ErrRefused and the check's
// own error and names the path, and the step is not committed at all, not
// even its clean files: the index, the branch and HEAD stay as they were,
// the changes stay in the work tree, and the refused content is never
// written to the object database. (Blobs of clean files staged before the
// refusal may remain as unreachable objects, which git gc removes.)
func (s *Session) CommitStep(ctx context.Context, c StepCommit) (Commit, error) {
	if err := ctx.Err(); err != nil {
		return Commit{}, err
	}
	if c.Step < 1 {
		return Commit{}, fmt.Errorf("commit step %d: steps are numbered from 1 (0 is the session snapshot)", c.Step)
	}
	if err := s.verifyHead(); err != nil {
		return Commit{}, err
	}
	commit, err := s.commitWorkTree(ctx, stepMessage(s.runID, s.task, c), c.Check)
	if err != nil {
		return commit, fmt.Errorf("commit step %d: %w", c.Step, err)
	}
	return commit, nil
}

// verifyHead checks that HEAD is the symbolic ref to the run branch and the
// branch is where this session left it.
func (s *Session) verifyHead() error {
	raw, err := s.repo.st.Reference(plumbing.HEAD)
	if err != nil {
		return fmt.Errorf("read HEAD: %w", err)
	}
	if raw.Type() != plumbing.SymbolicReference || raw.Target() != s.branch {
		return fmt.Errorf("%w: HEAD is now %s, not %s; something switched branches during the run", ErrHeadMoved, describeRef(raw), s.branch)
	}
	tip, err := s.repo.refHash(s.branch)
	if err != nil {
		return err
	}
	if tip != s.head {
		return fmt.Errorf("%w: %s", ErrHeadMoved, movedMessage(&refMovedError{name: s.branch, expected: s.head, actual: tip}))
	}
	return nil
}

func movedMessage(e *refMovedError) string {
	return e.Error() + "; a commit, reset or branch deletion was made outside safe-coder"
}

// commitWorkTree stages the work tree, vetting changed content with check
// when it is set, and, if its tree differs from the session head's,
// commits it with message and moves the branch. The index lock is held
// throughout and committed only after the branch moved, as `git commit`
// does: if anything fails the index is left as it was.
func (s *Session) commitWorkTree(ctx context.Context, message string, check ContentCheck) (Commit, error) {
	r := s.repo
	lf, err := r.lockIndex()
	if err != nil {
		return Commit{}, err
	}
	defer func() { _ = lf.rollback() }()

	st, err := r.stage(ctx, stageOptions{store: true, check: check})
	if err != nil {
		return Commit{}, err
	}
	tree, err := r.writeTree(st.entries)
	if err != nil {
		return Commit{}, err
	}
	parentTree, err := r.commitTree(s.head)
	if err != nil {
		return Commit{}, err
	}
	if tree == parentTree {
		if !st.changed {
			return Commit{}, nil
		}
		// Only stat data changed: keep git status fast and exact.
		if err := encodeIndex(lf, st.version, st.entries); err != nil {
			return Commit{}, err
		}
		return Commit{}, lf.commit()
	}

	files, err := r.changedPaths(ctx, parentTree, tree)
	if err != nil {
		return Commit{}, err
	}
	sha, err := s.writeCommit(tree, message)
	if err != nil {
		return Commit{}, err
	}
	if err := encodeIndex(lf, st.version, st.entries); err != nil {
		return Commit{}, err
	}
	if err := r.updateRef(s.branch, sha, s.head); err != nil {
		var moved *refMovedError
		if errors.As(err, &moved) {
			return Commit{}, fmt.Errorf("%w: %s", ErrHeadMoved, movedMessage(moved))
		}
		return Commit{}, err
	}
	s.head = sha
	made := Commit{SHA: sha.String(), Files: files}
	if err := lf.commit(); err != nil {
		return made, fmt.Errorf("commit %s was made but the index still describes its parent (git reset --mixed fixes it): %w", sha, err)
	}
	return made, nil
}

// writeCommit stores a commit of tree on top of the session head.
func (s *Session) writeCommit(tree plumbing.Hash, message string) (plumbing.Hash, error) {
	content := encodeCommit(tree, []plumbing.Hash{s.head}, s.author, s.now(), message)
	h, err := s.repo.storeBytes(plumbing.CommitObject, content)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("store commit: %w", err)
	}
	return h, nil
}
