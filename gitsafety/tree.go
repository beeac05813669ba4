package gitsafety

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// buildTree computes the root tree of entries (stage 0, sorted by name)
// and, when store is set, stores every tree; without it only the hashes
// are computed, which is how the tree an index describes is found. Trees
// the object database already holds are not written again. Intent-to-add
// entries are left out, as git leaves them out.
func (r *Repo) buildTree(entries []*idxEntry, store bool) (plumbing.Hash, error) {
	kept := entries
	for i, e := range entries {
		if e.intentToAdd() || e.stage() != 0 {
			kept = make([]*idxEntry, 0, len(entries))
			kept = append(kept, entries[:i]...)
			for _, e := range entries[i:] {
				if !e.intentToAdd() && e.stage() == 0 {
					kept = append(kept, e)
				}
			}
			break
		}
	}
	return r.buildSubtree(kept, 0, store)
}

// buildSubtree builds the tree of entries that all share a prefix of
// length prefixLen. Sorted by full path, the entries of one subdirectory
// are contiguous.
func (r *Repo) buildSubtree(entries []*idxEntry, prefixLen int, store bool) (plumbing.Hash, error) {
	var tes []treeEntry
	for i := 0; i < len(entries); {
		rest := entries[i].name[prefixLen:]
		slash := strings.IndexByte(rest, '/')
		if slash < 0 {
			tes = append(tes, treeEntry{name: rest, mode: entries[i].mode, hash: entries[i].hash})
			i++
			continue
		}
		dir := rest[:slash+1]
		j := i + 1
		for j < len(entries) && strings.HasPrefix(entries[j].name[prefixLen:], dir) {
			j++
		}
		h, err := r.buildSubtree(entries[i:j], prefixLen+slash+1, store)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		tes = append(tes, treeEntry{name: rest[:slash], mode: filemode.Dir, hash: h})
		i = j
	}
	seen := make(map[string]bool, len(tes))
	for _, te := range tes {
		if seen[te.name] {
			return plumbing.ZeroHash, fmt.Errorf("write tree: %q is both a file and a directory in the index", entries[0].name[:prefixLen]+te.name)
		}
		seen[te.name] = true
	}
	content := encodeTree(tes)
	if !store {
		return plumbing.ComputeHash(plumbing.TreeObject, content), nil
	}
	return r.storeBytes(plumbing.TreeObject, content)
}

// treeFile is one non-directory entry of a tree: file, symlink or gitlink.
type treeFile struct {
	hash plumbing.Hash
	mode filemode.FileMode
}

// flattenTree lists every non-directory entry of tree h by path.
func (r *Repo) flattenTree(ctx context.Context, h plumbing.Hash) (map[string]treeFile, error) {
	files := map[string]treeFile{}
	var walk func(h plumbing.Hash, prefix string) error
	walk = func(h plumbing.Hash, prefix string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		entries, err := r.readTree(h)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if e.mode == filemode.Dir {
				if err := walk(e.hash, prefix+e.name+"/"); err != nil {
					return err
				}
				continue
			}
			files[prefix+e.name] = treeFile{hash: e.hash, mode: e.mode}
		}
		return nil
	}
	if err := walk(h, ""); err != nil {
		return nil, err
	}
	return files, nil
}

// treeChange is one path that differs between two trees; from or to is nil
// when the path is absent on that side.
type treeChange struct {
	name     string
	from, to *treeFile
}

// diffTrees lists the non-directory paths that differ between trees a and b,
// sorted by path. Subtrees with equal hashes are skipped without reading.
func (r *Repo) diffTrees(ctx context.Context, a, b plumbing.Hash) ([]treeChange, error) {
	var out []treeChange
	if err := r.diffInto(ctx, a, b, "", &out); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

func (r *Repo) diffInto(ctx context.Context, a, b plumbing.Hash, prefix string, out *[]treeChange) error {
	if a == b {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	left, err := r.readTree(a)
	if err != nil {
		return err
	}
	right, err := r.readTree(b)
	if err != nil {
		return err
	}
	byName := map[string][2]*treeEntry{}
	for i := range left {
		pair := byName[left[i].name]
		pair[0] = &left[i]
		byName[left[i].name] = pair
	}
	for i := range right {
		pair := byName[right[i].name]
		pair[1] = &right[i]
		byName[right[i].name] = pair
	}
	for name, pair := range byName {
		x, y := pair[0], pair[1]
		var xDir, yDir plumbing.Hash
		var xFile, yFile *treeFile
		if x != nil {
			if x.mode == filemode.Dir {
				xDir = x.hash
			} else {
				xFile = &treeFile{hash: x.hash, mode: x.mode}
			}
		}
		if y != nil {
			if y.mode == filemode.Dir {
				yDir = y.hash
			} else {
				yFile = &treeFile{hash: y.hash, mode: y.mode}
			}
		}
		if !xDir.IsZero() || !yDir.IsZero() {
			if err := r.diffInto(ctx, xDir, yDir, prefix+name+"/", out); err != nil {
				return err
			}
		}
		if (xFile != nil || yFile != nil) && (xFile == nil || yFile == nil || *xFile != *yFile) {
			*out = append(*out, treeChange{name: prefix + name, from: xFile, to: yFile})
		}
	}
	return nil
}

// changedPaths lists, sorted, the paths whose content or mode differ
// between two trees.
func (r *Repo) changedPaths(ctx context.Context, a, b plumbing.Hash) ([]string, error) {
	changes, err := r.diffTrees(ctx, a, b)
	if err != nil {
		return nil, err
	}
	paths := make([]string, len(changes))
	for i, ch := range changes {
		paths[i] = ch.name
	}
	return paths, nil
}
