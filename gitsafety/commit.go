package gitsafety

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
)

// DefaultMaxFileBytes is the size above which a file is not committed
// when no limit is given: git.max_file_mb's default of 50.
const DefaultMaxFileBytes = 50 << 20

// StepCommit describes one agent step for its commit message, what its
// changes must pass to be committed, and where they are.
type StepCommit struct {
	Step  int      // 1-based step number; 0 is the session snapshot
	Tools []string // tools executed in the step; the subject lists each once, in order
	Calls []string // one summary line per call, for the body

	// Paths, when not nil, says that the step's changes came only from
	// file tools, which touched exactly these repo-relative slash paths
	// (written, created or deleted). Only they are staged and committed,
	// and the work is proportional to them: no scan of the work tree and
	// no re-hash of the index. An empty, non-nil Paths means the step
	// changed nothing. Nil means a command ran and anything may have
	// changed: the work tree is scanned against the index by stat data,
	// as `git add -A` would, reading only the files that changed.
	//
	// A path that is ignored and not tracked is not committed, as with
	// `git add`. A path whose surroundings a file tool cannot have made
	// (a directory, a parent that is now a symlink or a file) makes the
	// step fall back to the full scan, which is always correct.
	Paths []string

	// MaxFileBytes is the size above which a file is not committed but
	// reported in Commit.Skipped; 0 means DefaultMaxFileBytes.
	MaxFileBytes int64

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
	SHA   string   // the new commit; "" when the step changed nothing that could be committed
	Files []string // repo-relative slash paths added, modified or deleted, sorted

	// Skipped lists the changes that were not committed and stay in the
	// work tree as they are: paths tracked by Git LFS or with another
	// filter, submodules, nested repositories, and files above the size
	// limit. A skipped change is reported by every step until it is
	// undone, since it is still there; the runner tells the model.
	Skipped []Skip

	// Insertions and Deletions count the lines the commit added and
	// removed, summed over Files as `git diff --numstat` counts them
	// (binary files count 0); see diffstat.go for the bounds that keep
	// the count cheap. Both are 0 when no commit was made.
	Insertions, Deletions int
}

// Skip is a change CommitStep left out.
type Skip struct {
	Path   string // repo-relative slash path
	Reason string // why it was not committed, as a phrase for the model and the report
}

// CommitStep stages the step's changes and commits them on the run
// branch: with c.Paths, only those paths; without, every change in the
// work tree, as `git add -A` would. A step that changed nothing makes no
// commit and returns a Commit without a SHA (but with any Skipped).
//
// It first checks that HEAD still points at the run branch and that the
// branch is still at the session's last commit; if a command run by the
// agent switched branches or committed, the error wraps ErrHeadMoved and
// nothing is written. The branch is moved with a check-and-set, so a
// concurrent writer is detected the same way. Errors also wrap ErrLocked
// when a git command holds the index, the branch or HEAD. The commit is
// logged "commit: <subject>" in the branch's and HEAD's reflogs. In the
// rare failure after the branch moved (the index could not be replaced),
// the returned Commit still names the commit that was made.
//
// Objects are written first, then the index into index.lock, then the
// branch moves, then index.lock is renamed over the index, as `git commit`
// does: a crash at any point leaves a repository git accepts (at worst an
// index.lock or HEAD.lock that the next run reports, and an index
// describing the parent commit).
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
	// The caller names the step in its errors (as it does for
	// verifyHead's): errors here say only what went wrong.
	maxFile, err := maxFileBytes(c.MaxFileBytes)
	if err != nil {
		return Commit{}, err
	}
	var paths []string
	if c.Paths != nil {
		if paths, err = normalizePaths(c.Paths); err != nil {
			return Commit{}, err
		}
		if len(paths) == 0 {
			return Commit{}, nil
		}
	}
	if err := s.verifyHead(); err != nil {
		return Commit{}, err
	}
	w := stepWrite{message: stepMessage(s.runID, s.task, c), check: c.Check, maxFile: maxFile}
	var commit Commit
	if c.Paths != nil {
		commit, err = s.commitPaths(ctx, w, paths)
	} else {
		commit, err = s.commitAll(ctx, w)
	}
	if err != nil {
		return commit, noSpace(err)
	}
	return commit, nil
}

func maxFileBytes(n int64) (int64, error) {
	switch {
	case n < 0:
		return 0, fmt.Errorf("negative file size limit %d", n)
	case n == 0:
		return DefaultMaxFileBytes, nil
	}
	return n, nil
}

// stepWrite is what every commit of a session needs besides its changes.
type stepWrite struct {
	message string
	check   ContentCheck
	maxFile int64
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

// commitAll stages the whole work tree, as `git add -A` would, and
// commits it.
func (s *Session) commitAll(ctx context.Context, w stepWrite) (Commit, error) {
	lf, err := s.repo.lockIndex()
	if err != nil {
		return Commit{}, err
	}
	defer func() { _ = lf.rollback() }()
	s.reach(crashIndexLocked)
	idx, err := s.currentIndex()
	if err != nil {
		return Commit{}, err
	}
	return s.commitScanned(ctx, lf, idx, w)
}

// commitScanned is commitAll with the index lock held and the index read.
func (s *Session) commitScanned(ctx context.Context, lf *lockFile, idx *indexState, w stepWrite) (Commit, error) {
	r := s.repo
	res, err := r.scan(ctx, idx, scanOptions{store: true, check: w.check, maxFile: w.maxFile})
	if err != nil {
		return Commit{}, err
	}
	parentTree, err := r.commitTree(s.head)
	if err != nil {
		return Commit{}, err
	}
	tree, files, err := s.treeAfter(ctx, idx, res.entries, parentTree)
	if err != nil {
		return Commit{}, err
	}
	return s.finish(ctx, lf, stagedStep{
		next:    &indexState{version: idx.version, entries: res.entries, tree: tree},
		changed: res.changed,
		files:   files,
		skipped: res.skipped,
	}, parentTree, w.message)
}

// treeAfter returns (and stores) the tree of next, the entries the index
// will hold, and when it can tell without a diff, the paths that differ
// from the parent's tree. When the index was known to describe the parent
// commit's tree, only the trees on changed paths are rewritten; otherwise
// every tree is built.
func (s *Session) treeAfter(ctx context.Context, idx *indexState, next []*idxEntry, parentTree plumbing.Hash) (plumbing.Hash, []string, error) {
	if err := ctx.Err(); err != nil {
		return plumbing.ZeroHash, nil, err
	}
	known, err := s.repo.indexTree(idx)
	if err != nil {
		return plumbing.ZeroHash, nil, err
	}
	if known == parentTree {
		edits := indexEdits(idx.entries, next)
		if len(edits) == 0 {
			return parentTree, nil, nil
		}
		tree, err := s.repo.patchTree(parentTree, edits, strictPatch)
		if err == nil {
			return tree, editPaths(edits), nil
		}
		if !errors.Is(err, errTreeConflict) {
			return plumbing.ZeroHash, nil, err
		}
	}
	tree, err := s.repo.buildTree(next, true)
	return tree, nil, err
}

// editPaths lists the paths of edits, which are sorted.
func editPaths(edits []treeEdit) []string {
	paths := make([]string, len(edits))
	for i, e := range edits {
		paths[i] = e.path
	}
	return paths
}

// indexTree returns the tree idx's stage-0 entries make, computing (and
// remembering) it when the index did not record it. Only hashes are
// computed: a tree that matters is one the object database has.
func (r *Repo) indexTree(idx *indexState) (plumbing.Hash, error) {
	if !idx.tree.IsZero() {
		return idx.tree, nil
	}
	if idx.hasConflicts() {
		return plumbing.ZeroHash, nil
	}
	h, err := r.buildTree(idx.entries, false)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	idx.tree = h
	return h, nil
}

// stagedStep is a step's staging, ready to commit.
type stagedStep struct {
	next    *indexState // the index after the commit; next.tree is the commit's tree
	changed bool        // the index differs from the one on disk, in content or stat data
	files   []string    // the paths whose tree entry changed, sorted; nil: found by a diff
	skipped []Skip
}

// finish commits st.next.tree with message on top of the session head,
// writes the index and moves the branch: objects first, then the index
// into its lock, then the branch, then the index's rename, as `git commit`
// does. A tree equal to the parent's makes no commit; the index is still
// written when only its stat data changed, which keeps git status fast
// and exact.
func (s *Session) finish(ctx context.Context, lf *lockFile, st stagedStep, parentTree plumbing.Hash, message string) (Commit, error) {
	r := s.repo
	if st.next.tree == parentTree {
		if !st.changed {
			return Commit{Skipped: st.skipped}, nil
		}
		written, err := s.writeIndex(lf, st.next)
		if err != nil {
			return Commit{}, err
		}
		if err := lf.commit(); err != nil {
			s.idx = nil
			return Commit{}, err
		}
		s.idx = written
		return Commit{Skipped: st.skipped}, nil
	}
	files := st.files
	if files == nil {
		var err error
		if files, err = r.changedPaths(ctx, parentTree, st.next.tree); err != nil {
			return Commit{}, err
		}
	}
	stat, err := r.diffStat(ctx, parentTree, st.next.tree)
	if err != nil {
		return Commit{}, err
	}
	sha, err := s.writeCommit(st.next.tree, message)
	if err != nil {
		return Commit{}, err
	}
	s.reach(crashObjectsWritten)
	written, err := s.writeIndex(lf, st.next)
	if err != nil {
		return Commit{}, err
	}
	s.reach(crashIndexWritten)
	// Logged on the branch and on HEAD, "commit: <subject>", as git does.
	if err := r.moveCheckedOutRef(s.branch, sha, s.head, s.log, commitLogMessage(message)); err != nil {
		var moved *refMovedError
		if errors.As(err, &moved) {
			return Commit{}, fmt.Errorf("%w: %s", ErrHeadMoved, movedMessage(moved))
		}
		return Commit{}, err
	}
	s.head = sha
	s.reach(crashRefMoved)
	made := Commit{SHA: sha.String(), Files: files, Skipped: st.skipped, Insertions: stat.ins, Deletions: stat.del}
	if err := lf.commit(); err != nil {
		s.idx = nil
		return made, fmt.Errorf("commit %s was made but the index still describes its parent (git reset --mixed fixes it): %w", sha, err)
	}
	s.idx = written
	return made, nil
}

// writeIndex writes next into the held index lock, re-hashing only what
// changed since the session's last write.
func (s *Session) writeIndex(lf *lockFile, next *indexState) (*indexState, error) {
	return writeIndexHashed(lf, next, &s.indexHash)
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

// currentIndex returns the index as it is on disk now, re-reading it only
// when someone else replaced it.
func (s *Session) currentIndex() (*indexState, error) {
	if s.idx != nil {
		changed, err := s.repo.indexChanged(s.idx)
		if err != nil {
			return nil, err
		}
		if !changed {
			return s.idx, nil
		}
	}
	idx, err := s.repo.readIndex()
	if err != nil {
		return nil, err
	}
	s.idx = idx
	return idx, nil
}

// Points inside a commit where a test can stop the process, to check
// that a crash there leaves a repository git accepts.
const (
	crashIndexLocked    = "index-locked"    // index.lock created, nothing else written
	crashObjectsWritten = "objects-written" // blobs, trees and the commit stored
	crashIndexWritten   = "index-written"   // the new index is complete in index.lock
	crashRefMoved       = "ref-moved"       // the branch moved, index.lock not yet renamed
)

// reach calls the session's test hook, which production code never sets.
func (s *Session) reach(point string) {
	if s.hook != nil {
		s.hook(point)
	}
}
