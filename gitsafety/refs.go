package gitsafety

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// refMovedError reports a failed check-and-set: the ref did not hold the
// value the caller last saw.
type refMovedError struct {
	name     plumbing.ReferenceName
	expected plumbing.Hash // zero: expected the ref not to exist
	actual   plumbing.Hash // zero: the ref does not exist
}

func (e *refMovedError) Error() string {
	switch {
	case e.expected.IsZero():
		return fmt.Sprintf("%s already exists at %s", e.name, e.actual)
	case e.actual.IsZero():
		return fmt.Sprintf("%s no longer exists (expected %s)", e.name, e.expected)
	}
	return fmt.Sprintf("%s is at %s, expected %s", e.name, e.actual, e.expected)
}

// refPath is the loose-ref file for name. Branches are shared by all work
// trees and live in the common directory; HEAD is per work tree.
func (r *Repo) refPath(name plumbing.ReferenceName) string {
	if name == plumbing.HEAD {
		return filepath.Join(r.gitDir, "HEAD")
	}
	return filepath.Join(r.commonDir, filepath.FromSlash(string(name)))
}

// refHash returns the hash name points at, zero when it does not exist.
func (r *Repo) refHash(name plumbing.ReferenceName) (plumbing.Hash, error) {
	ref, err := r.st.Reference(name)
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return plumbing.ZeroHash, nil
	}
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read %s: %w", name, err)
	}
	if ref.Type() != plumbing.HashReference {
		return plumbing.ZeroHash, fmt.Errorf("read %s: it is a symbolic ref to %s", name, ref.Target())
	}
	return ref.Hash(), nil
}

// updateRef sets name to newHash if, under the ref's lock, it still holds
// old (zero old: if it does not exist). Otherwise it returns a
// *refMovedError and changes nothing. Packed refs are read; the new value
// is written as a loose ref, which takes precedence, as git does. No
// reflog entry is written: see moveRef.
func (r *Repo) updateRef(name plumbing.ReferenceName, newHash, old plumbing.Hash) error {
	return r.moveRef(name, newHash, old, nil, "")
}

// moveRef is updateRef that also logs the update with msg in name's reflog
// (lg nil: no entry), under the ref's lock, as git does. A failed append
// does not fail the update (see reflog.go).
func (r *Repo) moveRef(name plumbing.ReferenceName, newHash, old plumbing.Hash, lg *reflog, msg string) error {
	lf, err := createLockFile(r.refPath(name))
	if err != nil {
		return fmt.Errorf("update %s: %w", name, err)
	}
	defer func() { _ = lf.rollback() }()
	actual, err := r.refHash(name)
	if err != nil {
		return err
	}
	if actual != old {
		return &refMovedError{name: name, expected: old, actual: actual}
	}
	if _, err := lf.Write([]byte(newHash.String() + "\n")); err != nil {
		return fmt.Errorf("update %s: %w", name, err)
	}
	_ = lg.append(r, name, old, newHash, msg)
	if err := lf.commit(); err != nil {
		return fmt.Errorf("update %s: %w", name, err)
	}
	return nil
}

// moveCheckedOutRef moves branch, which HEAD points at, as a commit or a
// reset through HEAD does in git: HEAD's lock is held too, HEAD is checked
// to still point at branch (ErrHeadMoved otherwise, nothing written), and
// the update is logged with msg on branch and on HEAD.
func (r *Repo) moveCheckedOutRef(branch plumbing.ReferenceName, newHash, old plumbing.Hash, lg *reflog, msg string) error {
	headLock, err := createLockFile(r.refPath(plumbing.HEAD))
	if err != nil {
		return fmt.Errorf("update %s: %w", branch, err)
	}
	// Held for the log only: HEAD itself is not rewritten.
	defer func() { _ = headLock.rollback() }()
	cur, err := r.st.Reference(plumbing.HEAD)
	if err != nil {
		return fmt.Errorf("read HEAD: %w", err)
	}
	if cur.Type() != plumbing.SymbolicReference || cur.Target() != branch {
		return fmt.Errorf("%w: HEAD is now %s, not %s; something switched branches during the run", ErrHeadMoved, describeRef(cur), branch)
	}
	if err := r.moveRef(branch, newHash, old, lg, msg); err != nil {
		return err
	}
	_ = lg.append(r, plumbing.HEAD, old, newHash, msg)
	// The deferred rollback releases HEAD.lock. The branch has moved, so
	// no error may be reported from here on: a HEAD.lock that could not
	// be removed is named by the next git command that needs it.
	return nil
}

// deleteLooseRef removes a ref this package created, if it still holds
// expected. Used to undo a branch creation whose checkout failed.
func (r *Repo) deleteLooseRef(name plumbing.ReferenceName, expected plumbing.Hash) error {
	lf, err := createLockFile(r.refPath(name))
	if err != nil {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	defer func() { _ = lf.rollback() }()
	actual, err := r.refHash(name)
	if err != nil {
		return err
	}
	if actual != expected {
		return &refMovedError{name: name, expected: expected, actual: actual}
	}
	if err := os.Remove(r.refPath(name)); err != nil {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	// git deletes a branch's log with the branch.
	return r.removeLog(name)
}

// pointHead makes HEAD the symbolic ref to branch if it is still what the
// caller read (expected), logging the checkout.
func (r *Repo) pointHead(branch plumbing.ReferenceName, expected *plumbing.Reference, lg *reflog) error {
	return r.setHead(plumbing.NewSymbolicReference(plumbing.HEAD, branch), expected, lg, checkoutLogMessage(expected, shortBranch(branch)))
}

// restoreHead puts HEAD back to old if it still points at branch. HEAD did
// move twice, so both moves are logged.
func (r *Repo) restoreHead(old *plumbing.Reference, branch plumbing.ReferenceName, lg *reflog) error {
	cur := plumbing.NewSymbolicReference(plumbing.HEAD, branch)
	return r.setHead(old, cur, lg, checkoutLogMessage(cur, headLogName(old)))
}

// setHead writes HEAD under its lock, if it still is expected, and logs
// the move in HEAD's reflog with msg (lg nil: no entry).
func (r *Repo) setHead(head, expected *plumbing.Reference, lg *reflog, msg string) error {
	lf, err := createLockFile(r.refPath(plumbing.HEAD))
	if err != nil {
		return fmt.Errorf("update HEAD: %w", err)
	}
	defer func() { _ = lf.rollback() }()
	cur, err := r.st.Reference(plumbing.HEAD)
	if err != nil {
		return fmt.Errorf("read HEAD: %w", err)
	}
	if cur.Strings() != expected.Strings() {
		return fmt.Errorf("%w: HEAD changed to %s meanwhile", ErrHeadMoved, describeRef(cur))
	}
	content := head.Hash().String() + "\n"
	if head.Type() == plumbing.SymbolicReference {
		content = "ref: " + string(head.Target()) + "\n"
	}
	if _, err := lf.Write([]byte(content)); err != nil {
		return fmt.Errorf("update HEAD: %w", err)
	}
	if lg != nil {
		// Best-effort, like the append: the log never stops the move.
		oldHash, oldErr := r.headCommit(cur)
		newHash, newErr := r.headCommit(head)
		if oldErr == nil && newErr == nil {
			_ = lg.append(r, plumbing.HEAD, oldHash, newHash, msg)
		}
	}
	if err := lf.commit(); err != nil {
		return fmt.Errorf("update HEAD: %w", err)
	}
	return nil
}

// headCommit is the commit a value of HEAD resolves to, zero for an
// unborn branch.
func (r *Repo) headCommit(head *plumbing.Reference) (plumbing.Hash, error) {
	if head.Type() == plumbing.SymbolicReference {
		return r.refHash(head.Target())
	}
	return head.Hash(), nil
}

// refNameConflict returns an existing ref that would make name impossible
// to create: refs/heads/a blocks refs/heads/a/b and the other way round.
func (r *Repo) refNameConflict(name plumbing.ReferenceName) (plumbing.ReferenceName, error) {
	iter, err := r.st.IterReferences()
	if err != nil {
		return "", fmt.Errorf("list refs: %w", err)
	}
	var found plumbing.ReferenceName
	err = iter.ForEach(func(ref *plumbing.Reference) error {
		other := ref.Name()
		if strings.HasPrefix(string(name), string(other)+"/") || strings.HasPrefix(string(other), string(name)+"/") {
			found = other
			return storer.ErrStop
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("list refs: %w", err)
	}
	return found, nil
}

// describeRef says what a HEAD reference points at, for error messages.
func describeRef(ref *plumbing.Reference) string {
	if ref.Type() == plumbing.SymbolicReference {
		return string(ref.Target())
	}
	return "detached at " + ref.Hash().String()
}
