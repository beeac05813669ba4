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

// DirtyPolicy says what Begin does with a work tree that has uncommitted
// changes (git.dirty in the task file).
type DirtyPolicy string

const (
	// DirtySnapshot commits the changes (modified, deleted or untracked
	// files, ignored ones excepted) on the new branch as "Snapshot:
	// session start", so the run starts from them and can be rolled back
	// to them. The user's branch is not touched. It is the default.
	DirtySnapshot DirtyPolicy = "snapshot"
	// DirtyRefuse makes Begin fail with ErrDirty, listing the changes.
	DirtyRefuse DirtyPolicy = "refuse"
)

// BeginOptions describes the run branch a session works on.
type BeginOptions struct {
	RunID string // written as the Safe-Coder-Run trailer
	Task  string // written as the Safe-Coder-Task trailer

	// Branch is the run branch's name without refs/heads/, e.g.
	// "safe-coder/fix-vet-20261126-231131-ab12". It must not exist yet,
	// unless Resume adopts it.
	Branch string

	// From is the commit the branch starts at, as a SHA or any revision go-git
	// resolves; "" means HEAD's commit, which may be detached (a
	// pull-request checkout). When it is HEAD's commit the index and work
	// tree are left as they are (see Dirty). Otherwise the work tree must
	// be clean (ignored files aside) and From is checked out.
	From string

	// Dirty decides what happens to uncommitted changes when the branch
	// starts at HEAD's commit; "" means DirtySnapshot. A From other than
	// HEAD's commit is checked out into a clean tree, so there is nothing
	// to snapshot then.
	Dirty DirtyPolicy

	// Resume adopts an existing branch instead of failing with
	// ErrBranchExists, when it is this run's: its tip carries the
	// Safe-Coder-Run and Safe-Coder-Task trailers of RunID and Task, or it
	// has no commit of its own and sits at From (a run interrupted before
	// its first step). The session continues from the branch's tip; HEAD
	// is pointed at the branch, checking it out when HEAD is elsewhere.
	// Uncommitted changes on the checked-out branch are the interrupted
	// step's and go into the next step's commit: Dirty does not apply.
	Resume bool

	// MaxFileBytes is the size above which a file is not put in the
	// snapshot but reported by Session.SnapshotSkipped; 0 means
	// DefaultMaxFileBytes.
	MaxFileBytes int64

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

	// snapshotSkipped lists what the snapshot left out.
	snapshotSkipped []Skip
	// idx is the index as this session last read or wrote it; each use
	// checks first that the file was not replaced since. Keeping it parsed
	// is what makes a step's commit independent of the index's size,
	// except for writing it.
	idx *indexState
	// indexHash keeps the SHA-1 states of the last index written.
	indexHash indexHashCache
	// log writes the reflog entries of the session's commits; it reads
	// core.logAllRefUpdates once, at Begin, as a git command reads its
	// configuration once.
	log *reflog
	// hook is called at named points inside a commit; only tests set it,
	// to stop the process there.
	hook func(point string)
}

// Begin creates the run branch at opts.From, points HEAD at it and, with
// DirtySnapshot, snapshots a dirty work tree. The user's branch is never
// written.
//
// Errors wrap ErrNoCommits (nothing to branch from), ErrBranchExists,
// ErrDirty (DirtyRefuse and the tree has changes, or From differs from
// HEAD and the tree has changes), ErrLocked or ErrInProgress. Callers hold
// Lock for the whole run; Begin does not take it.
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
	lg, err := r.newReflog(opts.Author, opts.Now)
	if err != nil {
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
		if !opts.Resume {
			return nil, fmt.Errorf("%w: %s (at %s); pick another name or delete it, or resume the run that made it", ErrBranchExists, opts.Branch, tip)
		}
		return r.resume(ctx, opts, lg, branch, tip, rawHead, headHash)
	}
	if other, err := r.refNameConflict(branch); err != nil {
		return nil, err
	} else if other != "" {
		return nil, fmt.Errorf("create branch %s: the existing ref %s makes that name impossible", opts.Branch, other)
	}

	if from == headHash {
		if opts.Dirty == DirtyRefuse {
			if err := r.refuseDirty(ctx, headHash); err != nil {
				return nil, err
			}
		}
		err = r.branchHere(branch, from, rawHead, lg)
	} else {
		err = r.branchAndCheckout(ctx, branch, rawHead, headHash, from, lg, opts.From)
	}
	if err != nil {
		return nil, err
	}

	s := r.newSession(opts, lg, branch, from)
	// A checked-out From is clean by construction: nothing to snapshot.
	if opts.Dirty == DirtySnapshot && from == headHash {
		c, err := s.commitAll(ctx, stepWrite{message: snapshotMessage(s.runID, s.task), maxFile: opts.MaxFileBytes})
		if err != nil {
			// Nothing but HEAD and the new branch changed: put them back so
			// the repository is as the user left it.
			err = fmt.Errorf("snapshot the work tree on %s: %w", opts.Branch, err)
			return nil, errors.Join(err, r.undoBranchHere(branch, from, rawHead, lg))
		}
		s.snapshotSkipped = c.Skipped
		if c.SHA != "" {
			s.snapshot = s.head
			s.start = s.head
		}
	}
	return s, nil
}

func (r *Repo) newSession(opts BeginOptions, lg *reflog, branch plumbing.ReferenceName, base plumbing.Hash) *Session {
	return &Session{
		log:    lg,
		repo:   r,
		branch: branch,
		base:   base,
		start:  base,
		head:   base,
		runID:  opts.RunID,
		task:   opts.Task,
		author: opts.Author,
		now:    opts.Now,
	}
}

// refuseDirty fails with ErrDirty when the work tree or the index differs
// from tree of commit at.
func (r *Repo) refuseDirty(ctx context.Context, at plumbing.Hash) error {
	tree, err := r.commitTree(at)
	if err != nil {
		return err
	}
	sw, dirty, err := r.beginSwitch(ctx, tree)
	if err != nil {
		return err
	}
	sw.abandon()
	if len(dirty) > 0 {
		return fmt.Errorf("%w: %s; commit or stash them first, or set git.dirty: snapshot to commit them on the run branch as \"Snapshot: session start\"", ErrDirty, relPaths(dirty, 5))
	}
	return nil
}

func (o BeginOptions) normalize() (BeginOptions, error) {
	if o.Author == (Signature{}) {
		o.Author = defaultSignature
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	switch o.Dirty {
	case "":
		o.Dirty = DirtySnapshot
	case DirtySnapshot, DirtyRefuse:
	default:
		return o, fmt.Errorf("begin: dirty policy %q is neither %q nor %q", o.Dirty, DirtySnapshot, DirtyRefuse)
	}
	var err error
	if o.MaxFileBytes, err = maxFileBytes(o.MaxFileBytes); err != nil {
		return o, fmt.Errorf("begin: %w", err)
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
// It is logged as `git switch -c <branch>` logs it.
func (r *Repo) branchHere(branch plumbing.ReferenceName, at plumbing.Hash, rawHead *plumbing.Reference, lg *reflog) error {
	if err := r.createBranch(branch, at, lg, "HEAD"); err != nil {
		return err
	}
	if err := r.pointHead(branch, rawHead, lg); err != nil {
		if undoErr := r.deleteLooseRef(branch, at); undoErr != nil {
			return errors.Join(err, fmt.Errorf("undo: %w", undoErr))
		}
		return err
	}
	return nil
}

// undoBranchHere reverses branchHere: HEAD back to what it was, the branch
// deleted, each only if still as branchHere left it.
func (r *Repo) undoBranchHere(branch plumbing.ReferenceName, at plumbing.Hash, rawHead *plumbing.Reference, lg *reflog) error {
	if err := r.restoreHead(rawHead, branch, lg); err != nil {
		return fmt.Errorf("undo: %w", err)
	}
	if err := r.deleteLooseRef(branch, at); err != nil {
		return fmt.Errorf("undo: %w", err)
	}
	return nil
}

// branchAndCheckout creates the branch at from and checks it out, which
// needs a work tree without changes that the checkout would lose. It is
// logged as `git switch -c <branch> <fromName>` logs it.
func (r *Repo) branchAndCheckout(ctx context.Context, branch plumbing.ReferenceName, rawHead *plumbing.Reference, headHash, from plumbing.Hash, lg *reflog, fromName string) error {
	sw, headTree, fromTree, dirty, err := r.beginCheckout(ctx, headHash, from)
	if err != nil {
		return err
	}
	defer sw.abandon()
	if len(dirty) > 0 {
		return fmt.Errorf("%w: %s; commit or stash them before starting from %s", ErrDirty, relPaths(dirty, 5), from)
	}
	if err := r.createBranch(branch, from, lg, fromName); err != nil {
		return err
	}
	err = sw.apply(ctx, headTree, fromTree)
	if err == nil {
		if err = r.pointHead(branch, rawHead, lg); err != nil {
			err = errors.Join(err, sw.undo(ctx))
		}
	}
	if err != nil {
		err = fmt.Errorf("check out %s on %s: %w", from, shortBranch(branch), err)
		if undoErr := r.deleteLooseRef(branch, from); undoErr != nil {
			err = errors.Join(err, fmt.Errorf("undo: %w", undoErr))
		}
		return err
	}
	return sw.commit()
}

// createBranch creates branch at at, logged "branch: Created from
// <start>" as git does.
func (r *Repo) createBranch(branch plumbing.ReferenceName, at plumbing.Hash, lg *reflog, start string) error {
	err := r.moveRef(branch, at, plumbing.ZeroHash, lg, "branch: Created from "+start)
	var moved *refMovedError
	if errors.As(err, &moved) {
		return fmt.Errorf("%w: %s was created by someone else meanwhile", ErrBranchExists, shortBranch(branch))
	}
	return err
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

// SnapshotSkipped lists the uncommitted changes that Begin's snapshot
// left out (see Commit.Skipped); they stay in the work tree.
func (s *Session) SnapshotSkipped() []Skip { return slices.Clone(s.snapshotSkipped) }

func shortBranch(name plumbing.ReferenceName) string {
	return strings.TrimPrefix(string(name), "refs/heads/")
}
