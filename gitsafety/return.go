package gitsafety

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
)

// Return checks out where the user was before the run (git.return: true):
// to is the Head that Repo.Head reported before Begin. A branch is checked
// out at its current tip; a detached HEAD (to.Branch == "") comes back
// detached at to.Commit. The run branch keeps everything it committed, and
// the original branch is only checked out, never moved.
//
// Return refuses with ErrDirty, listing the paths, when the work tree or
// the index holds changes that are not committed: switching would lose
// them or carry them off the run branch. Errors wrap ErrNotFound when the
// branch no longer exists. Callers hold Lock.
func (r *Repo) Return(ctx context.Context, to Head) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := r.checkIdle(); err != nil {
		return err
	}
	lg, err := r.defaultReflog()
	if err != nil {
		return err
	}
	rawHead, err := r.st.Reference(plumbing.HEAD)
	if err != nil {
		return fmt.Errorf("read HEAD: %w", err)
	}
	cur, err := r.Head(ctx)
	if err != nil {
		return err
	}
	var target plumbing.Hash
	var newHead *plumbing.Reference
	if to.Branch != "" {
		name := plumbing.NewBranchReferenceName(to.Branch)
		if target, err = r.refHash(name); err != nil {
			return err
		}
		if target.IsZero() {
			return fmt.Errorf("return to %s: %w: the branch no longer exists", to.Branch, ErrNotFound)
		}
		newHead = plumbing.NewSymbolicReference(plumbing.HEAD, name)
	} else {
		if !plumbing.IsHash(to.Commit) {
			return fmt.Errorf("return: %q is neither a branch nor a full commit SHA", to.Commit)
		}
		if target, err = r.peelToCommit(plumbing.NewHash(to.Commit)); err != nil {
			return fmt.Errorf("return to %s: %w", to.Commit, err)
		}
		newHead = plumbing.NewHashReference(plumbing.HEAD, target)
	}
	if rawHead.Strings() == newHead.Strings() {
		return nil
	}
	sw, headTree, targetTree, dirty, err := r.beginCheckout(ctx, plumbing.NewHash(cur.Commit), target)
	if err != nil {
		return err
	}
	defer sw.abandon()
	if len(dirty) > 0 {
		return fmt.Errorf("return to %s: %w: %s are not committed on %s; the run branch keeps what it committed, commit or stash the rest, then check out %s yourself",
			describeTarget(to), ErrDirty, relPaths(dirty, 10), describeRef(rawHead), describeTarget(to))
	}
	if err := sw.apply(ctx, headTree, targetTree); err != nil {
		return fmt.Errorf("return to %s: %w", describeTarget(to), err)
	}
	// Logged as `git checkout` logs it, so `git switch -` goes back to
	// the run branch.
	if err := r.setHead(newHead, rawHead, lg, checkoutLogMessage(rawHead, describeTarget(to))); err != nil {
		return errors.Join(fmt.Errorf("return to %s: %w", describeTarget(to), err), sw.undo(ctx))
	}
	return sw.commit()
}

func describeTarget(h Head) string {
	if h.Branch != "" {
		return h.Branch
	}
	return h.Commit
}
