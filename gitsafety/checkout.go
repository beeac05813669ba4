package gitsafety

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"syscall"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// applyChanges turns a work tree that holds the "from" side of changes (the
// caller has checked: no changes besides ignored files) into the "to" side;
// reverse swaps the sides, which undoes a partial run since every blob is in
// the object database.
//
// Ignored files are left alone, except one that stands where a tracked path
// must go: git treats ignored files as expendable there too.
func (r *Repo) applyChanges(ctx context.Context, changes []treeChange, reverse bool) error {
	sides := func(ch treeChange) (before, after *treeFile) {
		if reverse {
			return ch.to, ch.from
		}
		return ch.from, ch.to
	}
	// Removals first, children before parents, so that emptied directories
	// can go and a file can replace a directory.
	for i := len(changes) - 1; i >= 0; i-- {
		before, after := sides(changes[i])
		if after != nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := r.removeTracked(changes[i].name, before.mode); err != nil {
			return err
		}
	}
	for _, ch := range changes {
		_, after := sides(ch)
		if after == nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := r.writeTracked(ch.name, after.mode, after.hash); err != nil {
			return err
		}
	}
	return nil
}

// switcher moves the work tree and the index from one tree to another,
// holding the index lock throughout, as `git checkout` does.
type switcher struct {
	r       *Repo
	lf      *lockFile
	idx     *indexState
	current []*idxEntry // the work tree as staged, with fresh stat data
	changes []treeChange
}

// beginSwitch takes the index lock and stages the work tree (hashing only)
// to compare it with tree from. dirty lists the paths whose content
// differs from from, which a switch would lose, including changes the
// package never stages (filtered paths, submodules, nested repositories);
// ignored files do not count. The caller refuses dirty paths as it sees
// fit and ends with commit or abandon.
func (r *Repo) beginSwitch(ctx context.Context, from plumbing.Hash) (sw *switcher, dirty []string, err error) {
	lf, err := r.lockIndex()
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if err != nil {
			_ = lf.rollback()
		}
	}()
	idx, err := r.readIndex()
	if err != nil {
		return nil, nil, err
	}
	res, err := r.scan(ctx, idx, scanOptions{})
	if err != nil {
		return nil, nil, err
	}
	// Both what `git add -A` would stage and what the index holds now
	// must match: staged changes that the work tree then undid are the
	// user's too, and rewriting the index would lose them.
	if dirty, err = r.dirtyPaths(ctx, from, res.entries, idx.entries); err != nil {
		return nil, nil, err
	}
	for _, sk := range res.skipped {
		dirty = append(dirty, sk.Path)
	}
	slices.Sort(dirty)
	return &switcher{r: r, lf: lf, idx: idx, current: res.entries}, slices.Compact(dirty), nil
}

// beginCheckout begins a switch of the work tree from commit from to
// commit to: it returns the two commits' trees (for apply) along with what
// beginSwitch returns. The caller refuses dirty paths in its own words.
func (r *Repo) beginCheckout(ctx context.Context, from, to plumbing.Hash) (sw *switcher, fromTree, toTree plumbing.Hash, dirty []string, err error) {
	if fromTree, err = r.commitTree(from); err != nil {
		return nil, fromTree, toTree, nil, err
	}
	if toTree, err = r.commitTree(to); err != nil {
		return nil, fromTree, toTree, nil, err
	}
	sw, dirty, err = r.beginSwitch(ctx, fromTree)
	return sw, fromTree, toTree, dirty, err
}

// apply turns the work tree, which matches tree from, into tree to, and
// writes the matching index into the held lock. On error the work tree is
// put back as it was.
func (sw *switcher) apply(ctx context.Context, from, to plumbing.Hash) error {
	r := sw.r
	changes, err := r.diffTrees(ctx, from, to)
	if err != nil {
		return err
	}
	if err := r.refuseFiltered(changes); err != nil {
		return err
	}
	sw.changes = changes
	err = r.applyChanges(ctx, changes, false)
	if err == nil {
		err = sw.writeIndex(ctx, to)
	}
	if err != nil {
		return errors.Join(err, sw.undo(ctx))
	}
	return nil
}

// undo puts the work tree back after apply. It must finish even when ctx
// is cancelled.
func (sw *switcher) undo(ctx context.Context) error {
	if sw.changes == nil {
		return nil
	}
	if err := sw.r.applyChanges(context.WithoutCancel(ctx), sw.changes, true); err != nil {
		return fmt.Errorf("restore the work tree (git checkout -- . restores it): %w", err)
	}
	sw.changes = nil
	return nil
}

// commit replaces the index with the one apply wrote.
func (sw *switcher) commit() error { return sw.lf.commit() }

// abandon releases the index lock and leaves the index as it was.
func (sw *switcher) abandon() { _ = sw.lf.rollback() }

// writeIndex encodes into the lock the index for a work tree just switched
// to tree. The entries of the paths that did not change keep their stat
// data from the scan.
func (sw *switcher) writeIndex(ctx context.Context, tree plumbing.Hash) error {
	r := sw.r
	files, err := r.flattenTree(ctx, tree)
	if err != nil {
		return err
	}
	touched := make(map[string]bool, len(sw.changes))
	for _, ch := range sw.changes {
		touched[ch.name] = true
	}
	old := make(map[string]*idxEntry, len(sw.current))
	for _, e := range sw.current {
		old[e.name] = e
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	entries := make([]*idxEntry, 0, len(names))
	for _, name := range names {
		f := files[name]
		if e := old[name]; e != nil && !touched[name] && e.hash == f.hash && e.mode == f.mode && !e.intentToAdd() {
			entries = append(entries, e)
			continue
		}
		if f.mode == filemode.Submodule {
			entries = append(entries, &idxEntry{name: name, hash: f.hash, mode: f.mode})
			continue
		}
		st, exists, err := lstatPath(r.abs(name))
		if err != nil {
			return fmt.Errorf("check out %s: %w", name, err)
		}
		if !exists {
			return fmt.Errorf("check out %s: it disappeared", name)
		}
		entries = append(entries, newEntry(name, f.hash, f.mode, st))
	}
	_, err = writeIndex(sw.lf, &indexState{version: sw.idx.version, entries: entries, tree: tree})
	return err
}

// refuseFiltered refuses a switch that would write a path with a filter
// attribute: the blob holds what git stored after the clean filter (an LFS
// pointer), and only git can turn it back into the file.
func (r *Repo) refuseFiltered(changes []treeChange) error {
	var attrs *filterAttrs
	for _, ch := range changes {
		if ch.to == nil || ch.to.mode == filemode.Submodule {
			continue
		}
		if attrs == nil {
			cfg, err := r.loadConfig()
			if err != nil {
				return err
			}
			if attrs, err = r.loadFilterAttrs(cfg); err != nil {
				return err
			}
		}
		filter, err := attrs.filter(ch.name)
		if err != nil {
			return err
		}
		if filter != "" {
			return fmt.Errorf("check out %s: it has the attribute filter=%s, whose smudge step only git can run; use git to switch", ch.name, filter)
		}
	}
	return nil
}

// dirtyPaths lists the paths where any of the indexes differs from the
// tree: another content or mode, intent-to-add, a merge stage, present on
// one side only.
func (r *Repo) dirtyPaths(ctx context.Context, tree plumbing.Hash, indexes ...[]*idxEntry) ([]string, error) {
	files, err := r.flattenTree(ctx, tree)
	if err != nil {
		return nil, err
	}
	dirty := map[string]bool{}
	for _, entries := range indexes {
		seen := make(map[string]bool, len(entries))
		for _, e := range entries {
			seen[e.name] = true
			f, ok := files[e.name]
			if !ok || f.hash != e.hash || f.mode != e.mode || e.intentToAdd() || e.stage() != 0 {
				dirty[e.name] = true
			}
		}
		for name := range files {
			if !seen[name] {
				dirty[name] = true
			}
		}
	}
	out := make([]string, 0, len(dirty))
	for name := range dirty {
		out = append(out, name)
	}
	slices.Sort(out)
	return out, nil
}

// abs is the absolute path of the repo-relative slash path p. Paths come
// from the index or were cleaned, so plain concatenation is enough.
func (r *Repo) abs(p string) string {
	if p == "" {
		return r.root
	}
	return r.root + string(filepath.Separator) + filepath.FromSlash(p)
}

// removeTracked deletes a path the target tree no longer has, then any
// parent directory this leaves empty. A submodule directory is only removed
// when empty, as git does.
func (r *Repo) removeTracked(name string, mode filemode.FileMode) error {
	err := os.Remove(r.abs(name))
	switch {
	case err == nil, errors.Is(err, fs.ErrNotExist):
	case mode == filemode.Submodule && (errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST)):
		return nil
	default:
		return fmt.Errorf("check out: remove %s: %w", name, err)
	}
	for dir := path.Dir(name); dir != "."; dir = path.Dir(dir) {
		if os.Remove(r.abs(dir)) != nil {
			// Not empty (or already gone): the directories above stay too.
			break
		}
	}
	return nil
}

// writeTracked materializes one entry of the target tree. Files are written
// to a temporary name and renamed into place, so a crash never leaves a
// half-written file under a tracked name.
func (r *Repo) writeTracked(name string, mode filemode.FileMode, h plumbing.Hash) error {
	if err := r.prepareParents(name); err != nil {
		return err
	}
	dst := r.abs(name)
	if mode == filemode.Submodule {
		if err := os.Mkdir(dst, 0o777); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("check out %s: %w", name, err)
		}
		return nil
	}
	obj, err := r.st.EncodedObject(plumbing.BlobObject, h)
	if err != nil {
		return fmt.Errorf("check out %s: read blob %s: %w", name, h, err)
	}
	rd, err := obj.Reader()
	if err != nil {
		return fmt.Errorf("check out %s: %w", name, err)
	}
	defer func() { _ = rd.Close() }()

	tmp, err := tempName(dst)
	if err != nil {
		return fmt.Errorf("check out %s: %w", name, err)
	}
	switch mode {
	case filemode.Symlink:
		target, err := io.ReadAll(rd)
		if err != nil {
			return fmt.Errorf("check out %s: %w", name, err)
		}
		if err := os.Symlink(string(target), tmp); err != nil {
			return fmt.Errorf("check out %s: %w", name, err)
		}
	case filemode.Regular, filemode.Executable, filemode.Deprecated:
		perm := os.FileMode(0o666)
		if mode == filemode.Executable {
			perm = 0o777
		}
		if err := writeNewFile(tmp, perm, rd); err != nil {
			return fmt.Errorf("check out %s: %w", name, err)
		}
	default:
		return fmt.Errorf("check out %s: unsupported mode %s", name, mode)
	}
	// An empty directory in the way (left by ignored files' removal) can go;
	// a non-empty one makes the rename fail with a clear error.
	if fi, err := os.Lstat(dst); err == nil && fi.IsDir() {
		_ = os.Remove(dst)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return errors.Join(fmt.Errorf("check out %s: %w", name, err), removeIfExists(tmp))
	}
	return nil
}

// prepareParents makes every parent of name a real directory. Whatever is
// in the way (a symlink, an ignored file) is removed rather than followed:
// writing through a symlinked parent could land outside the work tree.
func (r *Repo) prepareParents(name string) error {
	dir := path.Dir(name)
	if dir == "." {
		return nil
	}
	if err := r.prepareParents(dir); err != nil {
		return err
	}
	abs := r.abs(dir)
	fi, err := os.Lstat(abs)
	switch {
	case err == nil && fi.IsDir():
		return nil
	case err == nil:
		if err := os.Remove(abs); err != nil {
			return fmt.Errorf("check out: remove %s: %w", dir, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("check out: %w", err)
	}
	if err := os.Mkdir(abs, 0o777); err != nil {
		return fmt.Errorf("check out: %w", err)
	}
	return nil
}

// tempName returns an unused name beside dst for writing it atomically.
func tempName(dst string) (string, error) {
	suffix, err := randomSuffix()
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(dst), ".safe-coder-tmp-"+suffix), nil
}

// randomSuffix makes temporary names unlikely to collide.
func randomSuffix() (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random name: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

func writeNewFile(p string, perm os.FileMode, src io.Reader) error {
	// O_EXCL with a mode lets the umask decide the final permissions, as
	// for any file git checks out.
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, src)
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return errors.Join(err, removeIfExists(p))
	}
	return nil
}
