package gitsafety

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/go-git/go-git/v5/plumbing"
)

// RollbackOptions names the run branch to move back, and where to.
type RollbackOptions struct {
	Run    string // the run id, as in the Safe-Coder-Run trailer
	Task   string // the task, as in the Safe-Coder-Task trailer
	Branch string // the run branch, without refs/heads/

	// To is the commit to reset to, as a SHA or a ref: the run's start or
	// one of the run's commits on the branch. "" means the session start:
	// the snapshot (the Safe-Coder-Step: 0 commit) when there is one, the
	// base otherwise.
	To string
	// ToStep, when positive, resets to the commit of that step (its
	// Safe-Coder-Step trailer): the state right after it. 0 leaves the
	// choice to To. Setting both is an error.
	ToStep int
}

// RollbackResult says what Rollback did.
type RollbackResult struct {
	// Backup is the ref that keeps the old tip, such as
	// refs/safe-coder/backup/<run>/<task>/1; "" when nothing moved.
	Backup string
	From   string // the branch's tip before
	To     string // the branch's tip after
}

// Rollback resets a run branch, as `safe-coder rollback` does. The old tip
// is first kept under refs/safe-coder/backup/<run>/<task>/<n> (n = 1, 2,
// … the first free), so nothing is ever lost; then the branch is moved with
// a check-and-set. When the branch is checked out in this work tree, the
// index and the work tree follow it, but only if they hold no changes
// beyond the old tip: otherwise the error wraps ErrWouldDestroy and lists
// them, and nothing is written. A branch checked out in another work tree
// is refused (roll back from there). Ignored files are left alone.
//
// Errors wrap ErrNotFound for a branch, step or commit that is not the
// run's, ErrLocked when a git command holds the index or the ref. Callers
// hold Lock.
func (r *Repo) Rollback(ctx context.Context, opts RollbackOptions) (RollbackResult, error) {
	if err := ctx.Err(); err != nil {
		return RollbackResult{}, err
	}
	if err := r.checkIdle(); err != nil {
		return RollbackResult{}, err
	}
	if err := validateRunNames("rollback", opts.Run, opts.Task, opts.Branch); err != nil {
		return RollbackResult{}, err
	}
	if opts.To != "" && opts.ToStep != 0 {
		return RollbackResult{}, errors.New("rollback: give a commit or a step, not both")
	}
	if opts.ToStep < 0 {
		return RollbackResult{}, fmt.Errorf("rollback: step %d: steps are numbered from 1", opts.ToStep)
	}
	branch := plumbing.NewBranchReferenceName(opts.Branch)
	tip, err := r.refHash(branch)
	if err != nil {
		return RollbackResult{}, err
	}
	if tip.IsZero() {
		return RollbackResult{}, fmt.Errorf("rollback: %w: branch %s does not exist", ErrNotFound, opts.Branch)
	}
	hist, err := r.runHistory(ctx, tip, opts.Run, opts.Task)
	if err != nil {
		return RollbackResult{}, fmt.Errorf("rollback %s: %w", opts.Branch, err)
	}
	target, err := r.rollbackTarget(hist, opts)
	if err != nil {
		return RollbackResult{}, fmt.Errorf("rollback %s: %w", opts.Branch, err)
	}
	res := RollbackResult{From: tip.String(), To: target.String()}
	if target == tip {
		return res, nil
	}
	if other, err := r.checkedOutElsewhere(branch); err != nil {
		return RollbackResult{}, err
	} else if other != "" {
		return RollbackResult{}, fmt.Errorf("rollback %s: it is checked out in the work tree of %s; roll back from there", opts.Branch, other)
	}
	rawHead, err := r.st.Reference(plumbing.HEAD)
	if err != nil {
		return RollbackResult{}, fmt.Errorf("read HEAD: %w", err)
	}
	lg, err := r.defaultReflog()
	if err != nil {
		return RollbackResult{}, err
	}
	checkedOut := rawHead.Type() == plumbing.SymbolicReference && rawHead.Target() == branch
	if !checkedOut {
		if res.Backup, err = r.writeBackup(opts.Run, opts.Task, branch, tip, lg); err != nil {
			return RollbackResult{}, err
		}
		// Logged as `git branch -f <branch> <sha>` logs it.
		if err := r.moveRef(branch, target, tip, lg, "branch: Reset to "+target.String()); err != nil {
			return res, fmt.Errorf("rollback %s: %w", opts.Branch, err)
		}
		return res, nil
	}

	sw, tipTree, targetTree, dirty, err := r.beginCheckout(ctx, tip, target)
	if err != nil {
		return RollbackResult{}, err
	}
	defer sw.abandon()
	if len(dirty) > 0 {
		return RollbackResult{}, fmt.Errorf("rollback %s: %w: %s differ from the branch's tip; commit, stash or remove them first",
			opts.Branch, ErrWouldDestroy, relPaths(dirty, 10))
	}
	if res.Backup, err = r.writeBackup(opts.Run, opts.Task, branch, tip, lg); err != nil {
		return RollbackResult{}, err
	}
	if err := sw.apply(ctx, tipTree, targetTree); err != nil {
		return res, fmt.Errorf("rollback %s: %w", opts.Branch, err)
	}
	// Logged on the branch and on HEAD as `git reset --hard <sha>` logs it.
	if err := r.moveCheckedOutRef(branch, target, tip, lg, "reset: moving to "+target.String()); err != nil {
		return res, errors.Join(fmt.Errorf("rollback %s: %w", opts.Branch, err), sw.undo(ctx))
	}
	if err := sw.commit(); err != nil {
		return res, fmt.Errorf("rollback %s: the branch moved but the index still describes %s (git reset --mixed fixes it): %w", opts.Branch, tip, err)
	}
	return res, nil
}

// rollbackTarget picks the commit opts asks for among the run's.
func (r *Repo) rollbackTarget(hist *runHistory, opts RollbackOptions) (plumbing.Hash, error) {
	switch {
	case opts.ToStep > 0:
		h, ok := hist.steps[opts.ToStep]
		if !ok {
			return plumbing.ZeroHash, fmt.Errorf("%w: no commit of step %d (steps on the branch: %s)", ErrNotFound, opts.ToStep, stepList(hist))
		}
		return h, nil
	case opts.To != "":
		h, err := r.resolveCommit(opts.To)
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("%w: %w", ErrNotFound, err)
		}
		if h != hist.base && !slices.Contains(hist.commits, h) {
			return plumbing.ZeroHash, fmt.Errorf("%w: %s is neither the run's start nor one of its commits", ErrNotFound, opts.To)
		}
		return h, nil
	}
	return hist.start(), nil
}

func stepList(hist *runHistory) string {
	var steps []int
	for n := range hist.steps {
		steps = append(steps, n)
	}
	if len(steps) == 0 {
		return "none"
	}
	slices.Sort(steps)
	out := make([]string, len(steps))
	for i, n := range steps {
		out[i] = strconv.Itoa(n)
	}
	return strings.Join(out, ", ")
}

// writeBackup keeps tip under the first free
// refs/safe-coder/backup/<run>/<task>/<n>. Like any ref outside
// refs/heads/, it gets a reflog only with core.logAllRefUpdates=always.
func (r *Repo) writeBackup(run, task string, branch plumbing.ReferenceName, tip plumbing.Hash, lg *reflog) (string, error) {
	for n := 1; n < 10000; n++ {
		name := plumbing.ReferenceName(fmt.Sprintf("refs/safe-coder/backup/%s/%s/%d", run, task, n))
		if err := name.Validate(); err != nil {
			return "", fmt.Errorf("backup ref %s: %w", name, err)
		}
		err := r.moveRef(name, tip, plumbing.ZeroHash, lg, "branch: Created from "+shortBranch(branch))
		var moved *refMovedError
		if errors.As(err, &moved) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("keep the old tip: %w", err)
		}
		return string(name), nil
	}
	return "", fmt.Errorf("keep the old tip: every backup ref of run %s, task %s is taken", run, task)
}

// checkedOutElsewhere returns the git directory of another work tree of
// this repository whose HEAD is branch, "" when there is none.
func (r *Repo) checkedOutElsewhere(branch plumbing.ReferenceName) (string, error) {
	dirs := []string{r.commonDir}
	entries, err := os.ReadDir(filepath.Join(r.commonDir, "worktrees"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("list work trees: %w", err)
	}
	for _, e := range entries {
		dirs = append(dirs, filepath.Join(r.commonDir, "worktrees", e.Name()))
	}
	for _, dir := range dirs {
		if dir == r.gitDir {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, "HEAD"))
		if err != nil {
			continue
		}
		if strings.TrimSpace(string(b)) == "ref: "+string(branch) {
			return dir, nil
		}
	}
	return "", nil
}

// validateRunNames checks the names that end up in refs and trailers.
func validateRunNames(op, run, task, branch string) error {
	for _, f := range []struct{ name, value string }{{"run id", run}, {"task", task}, {"branch", branch}} {
		if strings.TrimSpace(f.value) == "" {
			return fmt.Errorf("%s: %s is empty", op, f.name)
		}
		if strings.ContainsFunc(f.value, unicode.IsControl) {
			return fmt.Errorf("%s: %s %q contains a control character", op, f.name, f.value)
		}
	}
	if strings.HasPrefix(branch, "refs/") {
		return fmt.Errorf("%s: branch %q: give the name without refs/heads/", op, branch)
	}
	if err := plumbing.NewBranchReferenceName(branch).Validate(); err != nil {
		return fmt.Errorf("%s: branch %q is not a valid branch name: %w", op, branch, err)
	}
	return nil
}
