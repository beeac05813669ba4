package gitsafety

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
)

// resume adopts the existing run branch at tip for opts (see
// BeginOptions.Resume): it checks that the branch is this run's, finds the
// run's base and snapshot in its commits, and points HEAD at it.
func (r *Repo) resume(ctx context.Context, opts BeginOptions, lg *reflog, branch plumbing.ReferenceName, tip plumbing.Hash, rawHead *plumbing.Reference, headHash plumbing.Hash) (*Session, error) {
	hist, err := r.runHistory(ctx, tip, opts.RunID, opts.Task)
	if err != nil {
		return nil, fmt.Errorf("resume %s: %w", opts.Branch, err)
	}
	var from plumbing.Hash
	if opts.From != "" {
		if from, err = r.resolveCommit(opts.From); err != nil {
			return nil, err
		}
	}
	switch {
	case len(hist.commits) == 0 && (from.IsZero() || from != tip):
		return nil, fmt.Errorf("%w: %s (at %s) has no commit of run %s, task %s, so it is not that run's branch; pick another name or delete it",
			ErrBranchExists, opts.Branch, tip, opts.RunID, opts.Task)
	case !from.IsZero() && hist.base != from:
		return nil, fmt.Errorf("resume %s: the run started at %s, not at %s", opts.Branch, hist.base, from)
	}

	switch {
	case rawHead.Type() == plumbing.SymbolicReference && rawHead.Target() == branch:
		// Still checked out: whatever is uncommitted belongs to the
		// interrupted step.
	case headHash == tip:
		if err := r.pointHead(branch, rawHead, lg); err != nil {
			return nil, err
		}
	default:
		if err := r.checkoutExisting(ctx, branch, tip, rawHead, headHash, lg); err != nil {
			return nil, err
		}
	}

	s := r.newSession(opts, lg, branch, hist.base)
	s.snapshot = hist.snapshot
	s.start = hist.start()
	s.head = tip
	return s, nil
}

// checkoutExisting checks out the existing branch at tip, from a HEAD at
// another commit, in a work tree that must be clean.
func (r *Repo) checkoutExisting(ctx context.Context, branch plumbing.ReferenceName, tip plumbing.Hash, rawHead *plumbing.Reference, headHash plumbing.Hash, lg *reflog) error {
	sw, headTree, tipTree, dirty, err := r.beginCheckout(ctx, headHash, tip)
	if err != nil {
		return err
	}
	defer sw.abandon()
	if len(dirty) > 0 {
		return fmt.Errorf("%w: %s; commit or stash them before resuming on %s", ErrDirty, relPaths(dirty, 5), shortBranch(branch))
	}
	if err := sw.apply(ctx, headTree, tipTree); err != nil {
		return fmt.Errorf("check out %s: %w", shortBranch(branch), err)
	}
	if err := r.pointHead(branch, rawHead, lg); err != nil {
		return errors.Join(fmt.Errorf("check out %s: %w", shortBranch(branch), err), sw.undo(ctx))
	}
	return sw.commit()
}
