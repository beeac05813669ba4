package gitsafety

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// BeginOptions describes the run branch a session works on.
type BeginOptions struct {
	RunID string // written as the Safe-Coder-Run trailer
	Task  string // written as the Safe-Coder-Task trailer

	// Branch is the run branch's name without refs/heads/, e.g.
	// "safe-coder/fix-vet-20261126-231131-ab12". It must not exist yet.
	Branch string

	// From is the commit the branch starts at, as a SHA or any revision go-git
	// resolves; "" means HEAD's commit. When it is HEAD's commit the index
	// and work tree are left as they are, so the user's uncommitted changes
	// carry over. Otherwise the work tree must be clean (ignored files
	// aside) and From is checked out.
	From string

	// Snapshot commits a dirty work tree (modified, deleted or untracked
	// files, ignored ones excepted) on the new branch as "Snapshot: session
	// start", so the run starts from it and can be rolled back to it. When
	// false a dirty tree is left as it is, and its changes become part of
	// the first step's commit. A From other than HEAD's commit is checked
	// out into a clean tree, so there is nothing to snapshot then.
	Snapshot bool

	// Author signs every commit of the session, as author and committer.
	// Zero means {Name: "safe-coder", Email: "safe-coder@localhost"}.
	Author Signature

	// Now gives commit times; nil means time.Now.
	Now func() time.Time
}

// Signature names the author of a session's commits.
type Signature struct {
	Name, Email string
}

// Session is one task's run branch. Its methods are not safe for concurrent
// use.
type Session struct {
	repo     *Repo
	branch   plumbing.ReferenceName
	base     plumbing.Hash
	start    plumbing.Hash
	snapshot plumbing.Hash
	head     plumbing.Hash
	runID    string
	task     string
	author   Signature
	now      func() time.Time
}

// Begin creates the run branch at opts.From, points HEAD at it and, if
// asked, snapshots a dirty work tree. The user's branch is never written.
//
// Errors wrap ErrNoCommits (nothing to branch from), ErrBranchExists,
// ErrDirtyTree (From differs from HEAD and the tree has changes), ErrLocked
// or ErrInProgress. Callers hold Lock for the whole run; Begin does not take
// it.
func (r *Repo) Begin(ctx context.Context, opts BeginOptions) (*Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	opts, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	if err := r.checkIdle(); err != nil {
		return nil, err
	}
	rawHead, err := r.st.Reference(plumbing.HEAD)
	if err != nil {
		return nil, fmt.Errorf("read HEAD: %w", err)
	}
	head, err := r.Head(ctx)
	if err != nil {
		return nil, err
	}
	headHash := plumbing.NewHash(head.Commit)
	from := headHash
	if opts.From != "" {
		if from, err = r.resolveCommit(opts.From); err != nil {
			return nil, err
		}
	}

	branch := plumbing.NewBranchReferenceName(opts.Branch)
	if tip, err := r.refHash(branch); err != nil {
		return nil, err
	} else if !tip.IsZero() {
		return nil, fmt.Errorf("%w: %s (at %s); pick another name or delete it", ErrBranchExists, opts.Branch, tip)
	}
	if other, err := r.refNameConflict(branch); err != nil {
		return nil, err
	} else if other != "" {
		return nil, fmt.Errorf("create branch %s: the existing ref %s makes that name impossible", opts.Branch, other)
	}

	if from == headHash {
		err = r.branchHere(branch, from, rawHead)
	} else {
		err = r.branchAndCheckout(ctx, branch, rawHead, headHash, from)
	}
	if err != nil {
		return nil, err
	}

	s := &Session{
		repo:   r,
		branch: branch,
		base:   from,
		start:  from,
		head:   from,
		runID:  opts.RunID,
		task:   opts.Task,
		author: opts.Author,
		now:    opts.Now,
	}
	// A checked-out From is clean by construction: nothing to snapshot.
	if opts.Snapshot && from == headHash {
		c, err := s.commitWorkTree(ctx, snapshotMessage(s.runID, s.task), nil)
		if err != nil {
			// Nothing but HEAD and the new branch changed: put them back so
			// the repository is as the user left it.
			err = fmt.Errorf("snapshot the work tree on %s: %w", opts.Branch, err)
			return nil, errors.Join(err, r.undoBranchHere(branch, from, rawHead))
		}
		if c.SHA != "" {
			s.snapshot = s.head
			s.start = s.head
		}
	}
	return s, nil
}

func (o BeginOptions) normalize() (BeginOptions, error) {
	if o.Author == (Signature{}) {
		o.Author = Signature{Name: "safe-coder", Email: "safe-coder@localhost"}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	for _, f := range []struct {
		name, value string
		signature   bool // ends up in a commit's author line
	}{
		{"run id", o.RunID, false},
		{"task", o.Task, false},
		{"author name", o.Author.Name, true},
		{"author email", o.Author.Email, true},
	} {
		if strings.TrimSpace(f.value) == "" {
			return o, fmt.Errorf("begin: %s is empty", f.name)
		}
		// A line break would forge trailers or commit headers.
		if strings.ContainsFunc(f.value, unicode.IsControl) {
			return o, fmt.Errorf("begin: %s %q contains a line break or another control character", f.name, f.value)
		}
		if f.signature && strings.ContainsAny(f.value, "<>") {
			return o, fmt.Errorf("begin: %s %q contains < or >", f.name, f.value)
		}
	}
	if strings.HasPrefix(o.Branch, "refs/") || o.Branch == "HEAD" {
		return o, fmt.Errorf("begin: branch %q: give the name without refs/heads/", o.Branch)
	}
	if err := plumbing.NewBranchReferenceName(o.Branch).Validate(); err != nil {
		return o, fmt.Errorf("begin: branch %q is not a valid branch name: %w", o.Branch, err)
	}
	return o, nil
}

func (r *Repo) resolveCommit(rev string) (plumbing.Hash, error) {
	h := plumbing.ZeroHash
	if plumbing.IsHash(rev) {
		h = plumbing.NewHash(rev)
	} else {
		// The names git tries for a short ref, in its order.
		for _, name := range []string{rev, "refs/" + rev, "refs/tags/" + rev, "refs/heads/" + rev, "refs/remotes/" + rev} {
			ref, err := storer.ResolveReference(r.st, plumbing.ReferenceName(name))
			if err == nil {
				h = ref.Hash()
				break
			}
			if !errors.Is(err, plumbing.ErrReferenceNotFound) {
				return plumbing.ZeroHash, fmt.Errorf("resolve start commit %q: %w", rev, err)
			}
		}
		if h.IsZero() {
			return plumbing.ZeroHash, fmt.Errorf("resolve start commit %q: no such commit or ref (give a full SHA or a ref name)", rev)
		}
	}
	c, err := r.peelToCommit(h)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("resolve start commit %q: %w", rev, err)
	}
	return c, nil
}

// branchHere creates the branch at HEAD's commit and points HEAD at it; the
// index and the work tree, with any uncommitted changes, stay as they are.
func (r *Repo) branchHere(branch plumbing.ReferenceName, at plumbing.Hash, rawHead *plumbing.Reference) error {
	if err := r.createBranch(branch, at); err != nil {
		return err
	}
	if err := r.pointHead(branch, rawHead); err != nil {
		if undoErr := r.deleteLooseRef(branch, at); undoErr != nil {
			return errors.Join(err, fmt.Errorf("undo: %w", undoErr))
		}
		return err
	}
	return nil
}

// undoBranchHere reverses branchHere: HEAD back to what it was, the branch
// deleted, each only if still as branchHere left it.
func (r *Repo) undoBranchHere(branch plumbing.ReferenceName, at plumbing.Hash, rawHead *plumbing.Reference) error {
	if err := r.restoreHead(rawHead, branch); err != nil {
		return fmt.Errorf("undo: %w", err)
	}
	if err := r.deleteLooseRef(branch, at); err != nil {
		return fmt.Errorf("undo: %w", err)
	}
	return nil
}

// branchAndCheckout creates the branch at from and checks it out, which
// needs a work tree without changes that the checkout would lose.
func (r *Repo) branchAndCheckout(ctx context.Context, branch plumbing.ReferenceName, rawHead *plumbing.Reference, headHash, from plumbing.Hash) error {
	lf, err := r.lockIndex()
	if err != nil {
		return err
	}
	defer func() { _ = lf.rollback() }()

	current, err := r.stage(ctx, stageOptions{})
	if err != nil {
		return err
	}
	headTree, err := r.commitTree(headHash)
	if err != nil {
		return err
	}
	dirty, err := r.dirtyPaths(ctx, headTree, current)
	if err != nil {
		return err
	}
	if len(dirty) > 0 {
		return fmt.Errorf("%w: %s; commit or stash them before starting from %s", ErrDirtyTree, relPaths(dirty, 5), from)
	}
	fromTree, err := r.commitTree(from)
	if err != nil {
		return err
	}

	changes, err := r.diffTrees(ctx, headTree, fromTree)
	if err != nil {
		return err
	}

	if err := r.createBranch(branch, from); err != nil {
		return err
	}
	err = r.applyChanges(ctx, changes, false)
	if err == nil {
		err = r.checkoutIndex(ctx, lf, fromTree, changes, current)
	}
	if err == nil {
		err = r.pointHead(branch, rawHead)
	}
	if err != nil {
		err = fmt.Errorf("check out %s on %s: %w", from, shortBranch(branch), err)
		// Put the work tree and refs back as the user had them; the index
		// was never replaced. This must finish even when ctx is cancelled.
		if undoErr := r.applyChanges(context.WithoutCancel(ctx), changes, true); undoErr != nil {
			err = errors.Join(err, fmt.Errorf("restore the work tree (git checkout -- . restores it): %w", undoErr))
		}
		if undoErr := r.deleteLooseRef(branch, from); undoErr != nil {
			err = errors.Join(err, fmt.Errorf("undo: %w", undoErr))
		}
		return err
	}
	return lf.commit()
}

func (r *Repo) createBranch(branch plumbing.ReferenceName, at plumbing.Hash) error {
	err := r.updateRef(branch, at, plumbing.ZeroHash)
	var moved *refMovedError
	if errors.As(err, &moved) {
		return fmt.Errorf("%w: %s was created by someone else meanwhile", ErrBranchExists, shortBranch(branch))
	}
	return err
}

// dirtyPaths lists the paths whose staged state differs from the tree.
func (r *Repo) dirtyPaths(ctx context.Context, tree plumbing.Hash, st *staged) ([]string, error) {
	files, err := r.flattenTree(ctx, tree)
	if err != nil {
		return nil, err
	}
	var dirty []string
	for _, e := range st.entries {
		f, ok := files[e.Name]
		if !ok || f.hash != e.Hash || f.mode != e.Mode {
			dirty = append(dirty, e.Name)
		}
		delete(files, e.Name)
	}
	for name := range files {
		dirty = append(dirty, name)
	}
	slices.Sort(dirty)
	return dirty, nil
}

// Branch returns the run branch's name, without refs/heads/.
func (s *Session) Branch() string { return shortBranch(s.branch) }

// Base returns the commit the run branch was created at.
func (s *Session) Base() string { return s.base.String() }

// Start returns where the agent began: the snapshot commit, or Base when
// there was nothing to snapshot.
func (s *Session) Start() string { return s.start.String() }

// Snapshot returns the "Snapshot: session start" commit, or "" when none was
// made.
func (s *Session) Snapshot() string {
	if s.snapshot.IsZero() {
		return ""
	}
	return s.snapshot.String()
}

// Head returns the run branch's tip as this session last wrote it.
func (s *Session) Head() string { return s.head.String() }

func shortBranch(name plumbing.ReferenceName) string {
	return strings.TrimPrefix(string(name), "refs/heads/")
}
