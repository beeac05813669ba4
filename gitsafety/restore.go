package gitsafety

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// trailerRestore marks a commit made by Restore.
const trailerRestore = "Safe-Coder-Restore"

// RestoreOptions names the files to bring back to a run's start.
type RestoreOptions struct {
	Run    string // the run id, as in the Safe-Coder-Run trailer
	Task   string // the task, as in the Safe-Coder-Task trailer
	Branch string // the run branch, without refs/heads/; it must be checked out

	// Paths are repo-relative paths of files or directories. Each comes
	// back to its content at the run's start (the snapshot, or the base);
	// one that did not exist then is deleted.
	Paths []string

	// Author signs the commit; zero means safe-coder, as for sessions.
	Author Signature
	// Now gives the commit time; nil means time.Now.
	Now func() time.Time
}

// Restore brings opts.Paths back to their content at the run's start as one
// new commit on the run branch, "Restore <paths> to the run's start", with
// the Safe-Coder-Run and Safe-Coder-Task trailers and Safe-Coder-Restore:
// true, as `safe-coder restore` does. The branch must be checked out in
// this work tree and clean (ErrDirty otherwise); the work tree and index
// follow the new commit. It returns the new commit, or "" when every path
// already was as at the start.
//
// A path found neither at the start nor on the branch is an error that
// wraps ErrNotFound, and nothing is written. Callers hold Lock.
func (r *Repo) Restore(ctx context.Context, opts RestoreOptions) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if err := r.checkIdle(); err != nil {
		return "", err
	}
	if err := validateRunNames("restore", opts.Run, opts.Task, opts.Branch); err != nil {
		return "", err
	}
	if len(opts.Paths) == 0 {
		return "", errors.New("restore: no paths given")
	}
	paths, err := normalizePaths(opts.Paths)
	if err != nil {
		return "", fmt.Errorf("restore: %w", err)
	}
	paths = outermost(paths)
	author, now := opts.Author, opts.Now
	if author == (Signature{}) {
		author = defaultSignature
	}
	if strings.ContainsAny(author.Name+author.Email, "<>\n") {
		return "", fmt.Errorf("restore: author %q <%s> contains <, > or a line break", author.Name, author.Email)
	}
	if now == nil {
		now = time.Now
	}
	lg, err := r.newReflog(author, now)
	if err != nil {
		return "", err
	}

	branch := plumbing.NewBranchReferenceName(opts.Branch)
	rawHead, err := r.st.Reference(plumbing.HEAD)
	if err != nil {
		return "", fmt.Errorf("read HEAD: %w", err)
	}
	if rawHead.Type() != plumbing.SymbolicReference || rawHead.Target() != branch {
		return "", fmt.Errorf("restore: HEAD is %s; check out %s first", describeRef(rawHead), opts.Branch)
	}
	tip, err := r.refHash(branch)
	if err != nil {
		return "", err
	}
	if tip.IsZero() {
		return "", fmt.Errorf("restore: %w: branch %s does not exist", ErrNotFound, opts.Branch)
	}
	hist, err := r.runHistory(ctx, tip, opts.Run, opts.Task)
	if err != nil {
		return "", fmt.Errorf("restore on %s: %w", opts.Branch, err)
	}
	startTree, err := r.commitTree(hist.start())
	if err != nil {
		return "", err
	}
	tipTree, err := r.commitTree(tip)
	if err != nil {
		return "", err
	}
	edits := make([]treeEdit, 0, len(paths))
	for _, p := range paths {
		then, err := r.lookupPath(startTree, p)
		if err != nil {
			return "", err
		}
		cur, err := r.lookupPath(tipTree, p)
		if err != nil {
			return "", err
		}
		if then == nil && cur == nil {
			return "", fmt.Errorf("restore: %w: %s exists neither at the run's start nor on %s", ErrNotFound, p, opts.Branch)
		}
		edits = append(edits, treeEdit{path: p, to: then})
	}
	tree, err := r.patchTree(tipTree, edits, replacePatch)
	if err != nil {
		return "", err
	}
	if tree == tipTree {
		return "", nil
	}

	sw, dirty, err := r.beginSwitch(ctx, tipTree)
	if err != nil {
		return "", err
	}
	defer sw.abandon()
	if len(dirty) > 0 {
		return "", fmt.Errorf("restore: %w: %s; commit or stash them first", ErrDirty, relPaths(dirty, 10))
	}
	message := restoreMessage(opts.Run, opts.Task, paths)
	content := encodeCommit(tree, []plumbing.Hash{tip}, author, now(), message)
	sha, err := r.storeBytes(plumbing.CommitObject, content)
	if err != nil {
		return "", fmt.Errorf("store commit: %w", err)
	}
	if err := sw.apply(ctx, tipTree, tree); err != nil {
		return "", fmt.Errorf("restore: %w", err)
	}
	if err := r.moveCheckedOutRef(branch, sha, tip, lg, commitLogMessage(message)); err != nil {
		return "", errors.Join(fmt.Errorf("restore: %w", err), sw.undo(ctx))
	}
	if err := sw.commit(); err != nil {
		return sha.String(), fmt.Errorf("restore: commit %s was made but the index still describes its parent (git reset --mixed fixes it): %w", sha, err)
	}
	return sha.String(), nil
}

// outermost drops the sorted paths that lie below another one.
func outermost(sorted []string) []string {
	var out []string
	for _, p := range sorted {
		if slices.ContainsFunc(out, func(o string) bool { return strings.HasPrefix(p, o+"/") }) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// lookupPath returns the entry at the slash path p in tree (a directory is
// returned with filemode.Dir), nil when there is none.
func (r *Repo) lookupPath(tree plumbing.Hash, p string) (*treeFile, error) {
	at := &treeFile{hash: tree, mode: filemode.Dir}
	for c := range strings.SplitSeq(p, "/") {
		if at.mode != filemode.Dir {
			return nil, nil
		}
		entries, err := r.readTree(at.hash)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(entries, func(e treeEntry) bool { return e.name == c })
		if i < 0 {
			return nil, nil
		}
		at = &treeFile{hash: entries[i].hash, mode: entries[i].mode}
	}
	return at, nil
}

// restoreMessage is the message of a Restore commit.
func restoreMessage(run, task string, paths []string) string {
	var b strings.Builder
	b.WriteString(oneLine("Restore "+strings.Join(paths, ", ")+" to the run's start", maxSubjectRunes))
	b.WriteString("\n\n")
	for _, p := range paths {
		b.WriteString("- ")
		b.WriteString(oneLine(p, maxLineRunes))
		b.WriteString("\n")
	}
	b.WriteString("\n")
	b.WriteString(trailerRun + ": " + run + "\n")
	b.WriteString(trailerTask + ": " + task + "\n")
	b.WriteString(trailerRestore + ": true\n")
	return b.String()
}
