package gitsafety

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// treeEdit sets or removes one path of a tree.
type treeEdit struct {
	path string // repo-relative slash path
	// to is what the path becomes (a file, symlink, gitlink, or with
	// filemode.Dir a whole subtree); nil removes it.
	to *treeFile
}

// patchMode says what patchTree does with an entry in the way of an edit.
type patchMode int

const (
	// strictPatch fails with errTreeConflict: the edits describe changes
	// to files, and a file where a directory must go means they were
	// computed against another tree.
	strictPatch patchMode = iota
	// replacePatch drops what is in the way: the edits set whole paths,
	// as Restore does.
	replacePatch
)

// errTreeConflict means an edit needs a directory where the tree has a
// file, or the other way round.
var errTreeConflict = errors.New("a path is both a file and a directory")

// patchTree applies edits to the tree base and returns the new root tree,
// storing the trees it changed. Only the trees on the edited paths are
// read and written, so the cost follows the edits, not the size of the
// repository. Edits must be sorted by path, without duplicates, and with
// replacePatch none may lie below another. A file standing where a
// directory is needed (or a directory where a file is set) is
// errTreeConflict or dropped, as mode says.
// Directories left empty disappear, as they must in git; an empty root is
// the empty tree.
func (r *Repo) patchTree(base plumbing.Hash, edits []treeEdit, mode patchMode) (plumbing.Hash, error) {
	h, empty, err := r.patchSubtree(base, edits, 0, mode)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if empty {
		return r.storeBytes(plumbing.TreeObject, nil)
	}
	return h, nil
}

func (r *Repo) patchSubtree(base plumbing.Hash, edits []treeEdit, prefixLen int, mode patchMode) (plumbing.Hash, bool, error) {
	replace := mode == replacePatch
	entries, err := r.readTree(base)
	if err != nil {
		return plumbing.ZeroHash, false, err
	}
	find := func(name string) int {
		return slices.IndexFunc(entries, func(e treeEntry) bool { return e.name == name })
	}
	remove := func(i int) { entries = slices.Delete(entries, i, i+1) }
	for i := 0; i < len(edits); {
		rest := edits[i].path[prefixLen:]
		slash := strings.IndexByte(rest, '/')
		if slash < 0 {
			at := find(rest)
			to := edits[i].to
			switch {
			case to == nil:
				if at >= 0 {
					remove(at)
				}
			case at >= 0 && !replace && (entries[at].mode == filemode.Dir) != (to.mode == filemode.Dir):
				return plumbing.ZeroHash, false, fmt.Errorf("%w: %s", errTreeConflict, edits[i].path)
			case at >= 0:
				entries[at] = treeEntry{name: rest, mode: to.mode, hash: to.hash}
			default:
				entries = append(entries, treeEntry{name: rest, mode: to.mode, hash: to.hash})
			}
			i++
			continue
		}
		dir := rest[:slash]
		j := i + 1
		for j < len(edits) && strings.HasPrefix(edits[j].path[prefixLen:], dir+"/") {
			j++
		}
		var sub plumbing.Hash
		at := find(dir)
		if at >= 0 {
			switch {
			case entries[at].mode == filemode.Dir:
				sub = entries[at].hash
			case !replace:
				return plumbing.ZeroHash, false, fmt.Errorf("%w: %s", errTreeConflict, edits[i].path[:prefixLen+slash])
			default:
				remove(at)
				at = -1
			}
		}
		h, empty, err := r.patchSubtree(sub, edits[i:j], prefixLen+slash+1, mode)
		if err != nil {
			return plumbing.ZeroHash, false, err
		}
		switch {
		case empty && at >= 0:
			remove(at)
		case empty:
		case at >= 0:
			entries[at].hash = h
		default:
			entries = append(entries, treeEntry{name: dir, mode: filemode.Dir, hash: h})
		}
		i = j
	}
	if len(entries) == 0 {
		return plumbing.ZeroHash, true, nil
	}
	h, err := r.storeBytes(plumbing.TreeObject, encodeTree(entries))
	return h, false, err
}

// indexEdits lists the tree edits that turn the tree of the stage-0
// entries old into that of next (both sorted by name). Intent-to-add
// entries count as absent, since trees leave them out.
func indexEdits(old, next []*idxEntry) []treeEdit {
	var edits []treeEdit
	i, j := 0, 0
	inTree := func(e *idxEntry) bool { return e.stage() == 0 && !e.intentToAdd() }
	for i < len(old) || j < len(next) {
		if i < len(old) && !inTree(old[i]) {
			i++
			continue
		}
		if j < len(next) && !inTree(next[j]) {
			j++
			continue
		}
		switch {
		case j >= len(next) || i < len(old) && old[i].name < next[j].name:
			edits = append(edits, treeEdit{path: old[i].name})
			i++
		case i >= len(old) || next[j].name < old[i].name:
			edits = append(edits, treeEdit{path: next[j].name, to: &treeFile{hash: next[j].hash, mode: next[j].mode}})
			j++
		default:
			if old[i].hash != next[j].hash || old[i].mode != next[j].mode {
				edits = append(edits, treeEdit{path: next[j].name, to: &treeFile{hash: next[j].hash, mode: next[j].mode}})
			}
			i++
			j++
		}
	}
	return edits
}
