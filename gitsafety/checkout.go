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
	"sort"
	"syscall"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
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

// checkoutIndex encodes into lf the index for a work tree just switched to
// tree by changes. current is the staged index from before the switch; its
// entries, with their stat data, are kept for the paths that did not change.
func (r *Repo) checkoutIndex(ctx context.Context, lf *lockFile, tree plumbing.Hash, changes []treeChange, current *staged) error {
	files, err := r.flattenTree(ctx, tree)
	if err != nil {
		return err
	}
	touched := make(map[string]bool, len(changes))
	for _, ch := range changes {
		touched[ch.name] = true
	}
	old := make(map[string]*index.Entry, len(current.entries))
	for _, e := range current.entries {
		old[e.Name] = e
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	entries := make([]*index.Entry, 0, len(names))
	for _, name := range names {
		f := files[name]
		if e := old[name]; e != nil && !touched[name] && e.Hash == f.hash && e.Mode == f.mode {
			entries = append(entries, e)
			continue
		}
		if f.mode == filemode.Submodule {
			entries = append(entries, &index.Entry{Name: name, Hash: f.hash, Mode: f.mode})
			continue
		}
		fi, err := os.Lstat(r.abs(name))
		if err != nil {
			return fmt.Errorf("check out %s: %w", name, err)
		}
		entries = append(entries, newEntry(name, f.hash, f.mode, fi))
	}
	return encodeIndex(lf, current.version, entries)
}

func (r *Repo) abs(p string) string {
	return filepath.Join(r.root, filepath.FromSlash(p))
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
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random name: %w", err)
	}
	return filepath.Join(filepath.Dir(dst), ".safe-coder-tmp-"+hex.EncodeToString(b[:])), nil
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
