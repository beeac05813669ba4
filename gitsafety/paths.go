package gitsafety

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// normalizePaths cleans, sorts and de-duplicates the paths a step's file
// tools touched. A path outside the work tree or inside .git is a bug in
// the caller, not something to commit.
func normalizePaths(paths []string) ([]string, error) {
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		clean := path.Clean(p)
		if p == "" || clean == "." || path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
			return nil, fmt.Errorf("path %q is not a repo-relative path", p)
		}
		for c := range strings.SplitSeq(clean, "/") {
			if strings.EqualFold(c, ".git") {
				return nil, fmt.Errorf("path %q is inside .git, which is never committed", p)
			}
		}
		out = append(out, clean)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// errNeedScan means a step's paths cannot be committed on their own (a
// directory appeared, a parent became a symlink): the full scan decides.
var errNeedScan = errors.New("paths need a full scan")

// commitPaths commits the paths a step's file tools touched, reading and
// writing only what lies on those paths: their files, their index entries
// and the trees of their directories. The index file itself is rewritten
// whole, as git must, from the session's parsed copy.
func (s *Session) commitPaths(ctx context.Context, w stepWrite, paths []string) (Commit, error) {
	r := s.repo
	lf, err := r.lockIndex()
	if err != nil {
		return Commit{}, err
	}
	defer func() { _ = lf.rollback() }()
	s.reach(crashIndexLocked)
	idx, err := s.currentIndex()
	if err != nil {
		return Commit{}, err
	}
	parentTree, err := r.commitTree(s.head)
	if err != nil {
		return Commit{}, err
	}
	// The edits apply to the parent's tree, which is only right when the
	// index describes it; otherwise (conflicts, changes staged by someone
	// else) the full scan commits what the index and work tree hold.
	known, err := r.indexTree(idx)
	if err != nil {
		return Commit{}, err
	}
	if known != parentTree {
		return s.commitScanned(ctx, lf, idx, w)
	}
	plan, err := s.planPaths(ctx, idx, paths, w)
	if errors.Is(err, errNeedScan) {
		return s.commitScanned(ctx, lf, idx, w)
	}
	if err != nil {
		return Commit{}, err
	}
	tree := parentTree
	if len(plan.edits) > 0 {
		tree, err = r.patchTree(parentTree, plan.edits, strictPatch)
		if errors.Is(err, errTreeConflict) {
			return s.commitScanned(ctx, lf, idx, w)
		}
		if err != nil {
			return Commit{}, err
		}
	}
	return s.finish(ctx, lf, stagedStep{
		next:    &indexState{version: idx.version, entries: plan.entries, tree: tree},
		changed: plan.changed,
		files:   editPaths(plan.edits),
		skipped: plan.skipped,
	}, parentTree, w.message)
}

// pathPlan is what committing a step's paths changes.
type pathPlan struct {
	entries []*idxEntry // the new index; shares every unchanged entry
	edits   []treeEdit  // sorted by path
	changed bool        // the index differs, in content or stat data
	skipped []Skip
}

// pathPlanner stages a step's paths one at a time, reading the rules that
// matter (ignore, attributes, submodules) only when a path needs them.
type pathPlanner struct {
	s         *Session
	idx       *indexState
	w         stepWrite
	cfg       *gitConfig
	trustExec bool
	indexTime statTime

	attrs      *filterAttrs
	ignorer    *pathIgnorer
	submodules []string
	gotSubs    bool

	plan    *pathPlan
	updates map[string]*idxEntry // nil value: remove
}

// planPaths stages each path: its new blob is stored and its index entry
// and tree edit computed. The index idx is not modified. errNeedScan
// means a path needs the full scan.
func (s *Session) planPaths(ctx context.Context, idx *indexState, paths []string, w stepWrite) (*pathPlan, error) {
	cfg, err := s.repo.loadConfig()
	if err != nil {
		return nil, err
	}
	pp := &pathPlanner{
		s: s, idx: idx, w: w, cfg: cfg,
		trustExec: cfg.trustExecutableBit(),
		indexTime: idx.modTime(),
		plan:      &pathPlan{},
		updates:   map[string]*idxEntry{},
	}
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := pp.stage(p); err != nil {
			return nil, err
		}
	}
	pp.plan.apply(idx, pp.updates)
	return pp.plan, nil
}

// stage decides what becomes of path p: an updated or removed entry, a
// skip, nothing (unchanged, ignored), or errNeedScan.
func (pp *pathPlanner) stage(p string) error {
	r := pp.s.repo
	var e *idxEntry
	if at, tracked := pp.idx.find(p); tracked {
		e = pp.idx.entries[at]
	}
	if e != nil && e.skipWorktree() {
		// Outside the sparse checkout: the work tree does not speak for it.
		return nil
	}
	if sub, err := pp.submoduleOf(p, e); err != nil || sub != "" {
		if sub != "" {
			pp.plan.skip(p, "inside the submodule "+sub+"; safe-coder never changes submodules")
		}
		return err
	}
	parents, err := parentsState(r, p)
	if err != nil {
		return err
	}
	if parents == parentsOther {
		return errNeedScan
	}
	if nested, err := r.nestedRepoAbove(p); err != nil {
		return err
	} else if nested != "" {
		if e != nil {
			return errNeedScan
		}
		pp.plan.skip(p, "inside "+nested+", a separate git repository; safe-coder never adds one")
		return nil
	}
	for dir := path.Dir(p); dir != "."; dir = path.Dir(dir) {
		if _, ok := pp.idx.find(dir); ok {
			// A tracked file became a directory.
			return errNeedScan
		}
	}
	var st fileStat
	exists := false
	if parents == parentsReal {
		if st, exists, err = lstatPath(r.abs(p)); err != nil {
			return err
		}
	}
	switch {
	case !exists || st.kind == kindOther:
		if e != nil {
			pp.updates[p] = nil
		} else if pp.idx.hasBelow(p) {
			return errNeedScan
		}
		return nil
	case st.kind == kindDir, e == nil && pp.idx.hasBelow(p):
		return errNeedScan
	}
	mode, _ := modeOf(st, e, pp.trustExec)
	if e == nil {
		if ignored, err := pp.ignored(p); err != nil || ignored {
			return err
		}
	} else if !e.intentToAdd() && mode == e.mode && (e.assumeUnchanged() || statMatches(e, st, pp.indexTime)) {
		return nil
	}
	if filter, err := pp.filter(p); err != nil {
		return err
	} else if filter != "" {
		pp.plan.skip(p, filterSkipReason(filter))
		return nil
	}
	var staged *plumbing.Hash
	if e != nil && !e.intentToAdd() {
		staged = &e.hash
	}
	if st.kind == kindRegular && st.size > pp.w.maxFile {
		// Too big to commit; unless only its stat data changed.
		h, fresh, err := r.fileBlob(r.abs(p), st, false)
		if err != nil {
			return err
		}
		if staged != nil && h == *staged && mode == e.mode {
			pp.updates[p] = newEntry(p, h, mode, fresh)
			return nil
		}
		pp.plan.skip(p, sizeSkipReason(fresh.size, pp.w.maxFile))
		return nil
	}
	h, fresh, err := r.stageBlob(p, st, staged, true, pp.w.check)
	if err != nil {
		return err
	}
	pp.updates[p] = newEntry(p, h, mode, fresh)
	return nil
}

// submoduleOf returns the submodule that p is or lies in: a gitlink in the
// index, or, for an untracked path, a path .gitmodules declares.
func (pp *pathPlanner) submoduleOf(p string, e *idxEntry) (string, error) {
	if sub := gitlinkAbove(pp.idx, p); sub != "" {
		return sub, nil
	}
	if e != nil {
		return "", nil
	}
	if !pp.gotSubs {
		subs, err := pp.s.repo.gitmodulesPaths()
		if err != nil {
			return "", err
		}
		pp.submodules, pp.gotSubs = subs, true
	}
	return containing(pp.submodules, p), nil
}

func (pp *pathPlanner) ignored(p string) (bool, error) {
	if pp.ignorer == nil {
		base, err := pp.s.repo.ignoreBase(pp.cfg)
		if err != nil {
			return false, err
		}
		pp.ignorer = newPathIgnorer(pp.s.repo, base)
	}
	return pp.ignorer.ignored(p, false)
}

func (pp *pathPlanner) filter(p string) (string, error) {
	if pp.attrs == nil {
		attrs, err := pp.s.repo.loadFilterAttrs(pp.cfg)
		if err != nil {
			return "", err
		}
		pp.attrs = attrs
	}
	return pp.attrs.filter(p)
}

func (plan *pathPlan) skip(p, reason string) {
	plan.skipped = append(plan.skipped, Skip{Path: p, Reason: reason})
}

// apply builds the new index from idx and the updates (nil removes), and
// the tree edits that go with it.
func (plan *pathPlan) apply(idx *indexState, updates map[string]*idxEntry) {
	if len(updates) == 0 {
		plan.entries = idx.entries
		return
	}
	names := make([]string, 0, len(updates))
	for name := range updates {
		names = append(names, name)
	}
	slices.Sort(names)
	entries := make([]*idxEntry, 0, len(idx.entries)+len(names))
	i := 0
	for _, name := range names {
		at, found := idx.find(name)
		entries = append(entries, idx.entries[i:at]...)
		i = at
		var old *idxEntry
		if found {
			old = idx.entries[at]
			i++
		}
		e := updates[name]
		if e != nil {
			entries = append(entries, e)
		}
		plan.changed = true
		switch {
		case e == nil && old != nil && !old.intentToAdd():
			plan.edits = append(plan.edits, treeEdit{path: name})
		case e != nil && (old == nil || old.intentToAdd() || old.hash != e.hash || old.mode != e.mode):
			plan.edits = append(plan.edits, treeEdit{path: name, to: &treeFile{hash: e.hash, mode: e.mode}})
		}
	}
	entries = append(entries, idx.entries[i:]...)
	plan.entries = entries
}

// containing returns the directory among dirs that is p or holds it.
func containing(dirs []string, p string) string {
	for _, d := range dirs {
		if p == d || strings.HasPrefix(p, d+"/") {
			return d
		}
	}
	return ""
}

// parentsKind says what lies on the way to a path.
type parentsKind int

const (
	parentsReal    parentsKind = iota // every parent is a directory
	parentsMissing                    // a parent does not exist: so does not the path
	parentsOther                      // a parent is a symlink or a file
)

// parentsState lstats each parent directory of p, top down, without
// following symlinks.
func parentsState(r *Repo, p string) (parentsKind, error) {
	for i := 0; i < len(p); i++ {
		if p[i] != '/' {
			continue
		}
		st, exists, err := lstatPath(r.abs(p[:i]))
		switch {
		case err != nil:
			return 0, err
		case !exists:
			return parentsMissing, nil
		case st.kind != kindDir:
			return parentsOther, nil
		}
	}
	return parentsReal, nil
}
