package gitsafety

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// scanOptions says what a full staging pass does besides computing the
// index.
type scanOptions struct {
	// store writes the blobs of new and modified files to the object
	// database; without it they are only hashed (the dirty checks).
	store bool
	// check, when set, vets the content of every added or modified file
	// before its blob is stored; see StepCommit.Check.
	check ContentCheck
	// maxFile is the size above which a file is not staged but reported
	// in skipped; 0 means no limit.
	maxFile int64
}

// scanResult is the index that `git add -A` would produce for the work
// tree, less what this package never stages.
type scanResult struct {
	entries []*idxEntry // stage 0 only, sorted by name
	changed bool        // differs from the index, in content or stat data
	skipped []Skip      // changes left out, sorted by path
}

// scanner is the package's `git add -A`:
//   - every tracked path is looked at (stat data first, in parallel, as
//     git's preload does): deleted, modified, type or mode changed; only
//     files whose stat data changed are read;
//   - untracked files are added unless an ignore rule matches them, and
//     ignored directories are not entered at all, as in git;
//   - submodules stay as recorded, nested repositories are not added,
//     filtered (LFS) paths and files above the size limit are not staged;
//     each such change is reported as a Skip;
//   - skip-worktree and assume-unchanged entries are kept as they are;
//   - conflicted paths are resolved to their work-tree content.
type scanner struct {
	r         *Repo
	opts      scanOptions
	cfg       *gitConfig
	trustExec bool
	attrs     *filterAttrs // loaded on first use
	idx       *indexState
	indexTime statTime

	pos        map[string]int  // stage-0 name -> position in idx.entries
	conflicted map[string]bool // paths with only stage 1-3 entries
	pre        []preStat       // by position
	visited    []bool          // by position: met by the walk
	seenConfl  map[string]bool
	realDirs   map[string]bool

	out     []*idxEntry
	changed bool
	skipped []Skip
}

// preStat is the lstat of one tracked path, taken up front.
type preStat struct {
	st     fileStat
	exists bool
	err    error
}

// scan computes what `git add -A` would stage on top of idx.
func (r *Repo) scan(ctx context.Context, idx *indexState, opts scanOptions) (*scanResult, error) {
	cfg, err := r.loadConfig()
	if err != nil {
		return nil, err
	}
	base, err := r.ignoreBase(cfg)
	if err != nil {
		return nil, err
	}
	s := &scanner{
		r:          r,
		opts:       opts,
		cfg:        cfg,
		trustExec:  cfg.trustExecutableBit(),
		idx:        idx,
		indexTime:  idx.modTime(),
		pos:        make(map[string]int, len(idx.entries)),
		conflicted: map[string]bool{},
		visited:    make([]bool, len(idx.entries)),
		seenConfl:  map[string]bool{},
		realDirs:   map[string]bool{},
		out:        make([]*idxEntry, 0, len(idx.entries)+8),
	}
	for i, e := range idx.entries {
		if e.stage() == 0 {
			s.pos[e.name] = i
		} else {
			s.conflicted[e.name] = true
			s.changed = true
		}
	}
	for name := range s.conflicted {
		// A stage-0 entry beside conflict stages is not a state git leaves;
		// the work tree decides, as for any conflict.
		delete(s.pos, name)
	}
	if err := s.preload(ctx); err != nil {
		return nil, err
	}
	if err := s.walk(ctx, "", base); err != nil {
		return nil, err
	}
	if err := s.sweep(ctx); err != nil {
		return nil, err
	}
	slices.SortFunc(s.out, func(a, b *idxEntry) int { return strings.Compare(a.name, b.name) })
	slices.SortFunc(s.skipped, func(a, b Skip) int { return strings.Compare(a.Path, b.Path) })
	return &scanResult{entries: s.out, changed: s.changed, skipped: s.skipped}, nil
}

// preloadChunk is the fewest entries worth a goroutine of their own.
const preloadChunk = 1000

// preload lstats every tracked file, spread over the available CPUs: on a
// large repository the stat calls are most of a scan's cost.
func (s *scanner) preload(ctx context.Context) error {
	entries := s.idx.entries
	s.pre = make([]preStat, len(entries))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(entries)/preloadChunk))
	chunk := (len(entries) + workers - 1) / workers
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*chunk, min(len(entries), (w+1)*chunk)
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				if (i-lo)%512 == 0 {
					if err := ctx.Err(); err != nil {
						errs[w] = err
						return
					}
				}
				e := entries[i]
				if e.stage() != 0 || e.skipWorktree() || e.mode == filemode.Submodule {
					continue
				}
				st, exists, err := lstatPath(s.r.abs(e.name))
				s.pre[i] = preStat{st: st, exists: exists, err: err}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// walk visits the directory rel (slash-separated, "" for the root) with
// the ignore rules of its parents.
func (s *scanner) walk(ctx context.Context, rel string, rules ignoreRules) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	dir := s.r.abs(rel)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("read directory %s: %w", dir, err)
	}
	s.realDirs[rel] = true
	own, err := readIgnoreFile(dir+"/.gitignore", rel, inWorkTree)
	if err != nil {
		return err
	}
	rules = rules.with(own)

	for _, d := range ents {
		name := d.Name()
		if name == ".git" {
			continue
		}
		p := name
		if rel != "" {
			p = rel + "/" + name
		}
		typ := d.Type()
		if i, ok := s.pos[p]; ok {
			s.visited[i] = true
			kept, err := s.stageTracked(i, s.pre[i])
			if err != nil {
				return err
			}
			if kept || !s.pre[i].exists {
				continue
			}
			// The tracked entry is gone; what took its place (a directory
			// where a file was, say) is looked at as untracked.
			typ = kindToType(s.pre[i].st.kind)
		} else if s.conflicted[p] {
			s.seenConfl[p] = true
			st, exists, err := lstatPath(s.r.abs(p))
			if err != nil {
				return err
			}
			kept, err := s.stageConflicted(p, st, exists)
			if err != nil {
				return err
			}
			if kept || !exists {
				continue
			}
			typ = kindToType(st.kind)
		}

		switch {
		case typ.IsDir():
			if rules.ignored(p, true) {
				continue
			}
			if _, exists, err := lstatPath(dir + "/" + name + "/.git"); err != nil {
				return err
			} else if exists {
				// git add -A would record a gitlink without a .gitmodules
				// entry: a broken submodule for whoever clones the branch.
				s.skip(p, "a separate git repository (it has its own .git); safe-coder never adds one")
				continue
			}
			if err := s.walk(ctx, p, rules); err != nil {
				return err
			}
		case typ.IsRegular() || typ&os.ModeSymlink != 0:
			if rules.ignored(p, false) {
				continue
			}
			if err := s.stageNew(p); err != nil {
				return err
			}
		}
	}
	return nil
}

func kindToType(k fileKind) os.FileMode {
	switch k {
	case kindDir:
		return os.ModeDir
	case kindSymlink:
		return os.ModeSymlink
	case kindRegular:
		return 0
	}
	return os.ModeIrregular
}

// sweep handles the tracked paths the walk did not reach: deleted ones, and
// tracked files inside ignored directories, which git keeps updating.
func (s *scanner) sweep(ctx context.Context) error {
	for i, e := range s.idx.entries {
		if e.stage() != 0 || s.visited[i] {
			continue
		}
		if _, ok := s.pos[e.name]; !ok {
			continue
		}
		if i%512 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		pre := s.pre[i]
		if !e.skipWorktree() && e.mode != filemode.Submodule {
			// A path below a symlink is not in the work tree: what lstat
			// found there is whatever the link points at.
			inTree, err := s.parentIsRealDir(e.name)
			if err != nil {
				return err
			}
			if !inTree {
				pre = preStat{}
			}
		}
		if _, err := s.stageTracked(i, pre); err != nil {
			return err
		}
	}
	var rest []string
	for name := range s.conflicted {
		if !s.seenConfl[name] {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	for _, name := range rest {
		inTree, err := s.parentIsRealDir(name)
		if err != nil {
			return err
		}
		var st fileStat
		exists := false
		if inTree {
			if st, exists, err = lstatPath(s.r.abs(name)); err != nil {
				return err
			}
		}
		if _, err := s.stageConflicted(name, st, exists); err != nil {
			return err
		}
	}
	return nil
}

// stageTracked brings the stage-0 entry at position i up to date with what
// is in the work tree. kept is false when the path no longer holds
// something trackable and its entry was dropped.
func (s *scanner) stageTracked(i int, pre preStat) (kept bool, err error) {
	e := s.idx.entries[i]
	if e.skipWorktree() {
		s.out = append(s.out, e)
		return true, nil
	}
	if e.mode == filemode.Submodule {
		s.out = append(s.out, e)
		s.checkGitlink(e)
		return true, nil
	}
	if pre.err != nil {
		return false, pre.err
	}
	if !pre.exists {
		s.changed = true
		return false, nil
	}
	st := pre.st
	mode, ok := modeOf(st, e, s.trustExec)
	if !ok {
		s.changed = true
		return false, nil
	}
	if !e.intentToAdd() && mode == e.mode && (e.assumeUnchanged() || statMatches(e, st, s.indexTime)) {
		s.out = append(s.out, e)
		return true, nil
	}
	if filter, err := s.filter(e.name); err != nil {
		return false, err
	} else if filter != "" {
		// Its content may have changed, but only git can clean it.
		s.out = append(s.out, e)
		s.skip(e.name, filterSkipReason(filter))
		return true, nil
	}
	if s.overLimit(st) {
		// Unchanged content (a touch) is not a change worth reporting.
		h, fresh, err := s.r.fileBlob(s.r.abs(e.name), st, false)
		if err != nil {
			return false, err
		}
		if h == e.hash && mode == e.mode && !e.intentToAdd() {
			s.out = append(s.out, newEntry(e.name, h, mode, fresh))
			s.changed = true
			return true, nil
		}
		s.out = append(s.out, e)
		s.skip(e.name, sizeSkipReason(fresh.size, s.opts.maxFile))
		return true, nil
	}
	h, fresh, err := s.blob(e.name, st, &e.hash)
	if err != nil {
		return false, err
	}
	s.out = append(s.out, newEntry(e.name, h, mode, fresh))
	s.changed = true
	return true, nil
}

// stageConflicted resolves a path that has only merge stages to its
// work-tree content, as `git add` does.
func (s *scanner) stageConflicted(p string, st fileStat, exists bool) (kept bool, err error) {
	if !exists {
		return false, nil
	}
	mode, ok := modeOf(st, nil, s.trustExec)
	if !ok {
		return false, nil
	}
	if filter, err := s.filter(p); err != nil {
		return false, err
	} else if filter != "" {
		return false, fmt.Errorf("stage %s: it has merge conflicts and the attribute filter=%s, which only git can apply; resolve it with git add", p, filter)
	}
	if s.overLimit(st) {
		return false, fmt.Errorf("stage %s: it has merge conflicts and is %s, above the %s limit; resolve it with git add", p, formatSize(st.size), formatSize(s.opts.maxFile))
	}
	h, fresh, err := s.blob(p, st, nil)
	if err != nil {
		return false, err
	}
	s.out = append(s.out, newEntry(p, h, mode, fresh))
	return true, nil
}

// stageNew adds the untracked, not ignored file or symlink p.
func (s *scanner) stageNew(p string) error {
	st, exists, err := lstatPath(s.r.abs(p))
	if err != nil || !exists {
		return err
	}
	mode, ok := modeOf(st, nil, s.trustExec)
	if !ok {
		return nil
	}
	if filter, err := s.filter(p); err != nil {
		return err
	} else if filter != "" {
		s.skip(p, filterSkipReason(filter))
		return nil
	}
	if s.overLimit(st) {
		s.skip(p, sizeSkipReason(st.size, s.opts.maxFile))
		return nil
	}
	h, fresh, err := s.blob(p, st, nil)
	if err != nil {
		return err
	}
	s.out = append(s.out, newEntry(p, h, mode, fresh))
	s.changed = true
	return nil
}

// checkGitlink reports a submodule whose checkout no longer matches its
// recorded commit; the gitlink itself is never changed.
func (s *scanner) checkGitlink(e *idxEntry) {
	st, exists, err := lstatPath(s.r.abs(e.name))
	switch {
	case err != nil || !exists || st.kind != kindDir:
		s.skip(e.name, "submodule removed or replaced in the work tree; safe-coder never changes submodules")
	default:
		if head, ok := submoduleHead(s.r.abs(e.name)); ok && head != e.hash {
			s.skip(e.name, fmt.Sprintf("submodule checked out at %s but recorded at %s; safe-coder never changes submodules", head, e.hash))
		}
	}
}

func (s *scanner) skip(p, reason string) {
	s.skipped = append(s.skipped, Skip{Path: p, Reason: reason})
}

func (s *scanner) filter(p string) (string, error) {
	if s.attrs == nil {
		attrs, err := s.r.loadFilterAttrs(s.cfg)
		if err != nil {
			return "", err
		}
		s.attrs = attrs
	}
	return s.attrs.filter(p)
}

func (s *scanner) overLimit(st fileStat) bool {
	return s.opts.maxFile > 0 && st.kind == kindRegular && st.size > s.opts.maxFile
}

// blob hashes (and, when the pass stores, writes) the blob of p; see
// stageBlob.
func (s *scanner) blob(p string, st fileStat, staged *plumbing.Hash) (plumbing.Hash, fileStat, error) {
	return s.r.stageBlob(p, st, staged, s.opts.store, s.opts.check)
}

// stageBlob hashes the work-tree file or symlink p (st is its Lstat) and,
// when store is set, writes its blob. staged is the blob the index holds
// for p, nil for a path it does not track. With a check set, content that
// differs from staged is vetted first and a refusal stores nothing: the
// blob of a refused file never reaches the object database.
func (r *Repo) stageBlob(p string, st fileStat, staged *plumbing.Hash, store bool, check ContentCheck) (plumbing.Hash, fileStat, error) {
	abs := r.abs(p)
	if check == nil {
		return r.fileBlob(abs, st, store)
	}
	data, fresh, err := readBlobContent(abs, st)
	if err != nil {
		return plumbing.ZeroHash, fileStat{}, err
	}
	h := plumbing.ComputeHash(plumbing.BlobObject, data)
	if staged == nil || *staged != h {
		if err := check(p, data); err != nil {
			return plumbing.ZeroHash, fileStat{}, fmt.Errorf("%w: %s: %w", ErrRefused, p, err)
		}
	}
	if store {
		if err := r.storeIfMissing(h, plumbing.BlobObject, int64(len(data)), bytes.NewReader(data)); err != nil {
			return plumbing.ZeroHash, fileStat{}, fmt.Errorf("stage %s: %w", abs, err)
		}
	}
	return h, fresh, nil
}

// parentIsRealDir reports whether every parent of p is a directory, not a
// symlink or a file.
func (s *scanner) parentIsRealDir(p string) (bool, error) {
	dir := path.Dir(p)
	if dir == "." {
		return true, nil
	}
	if ok, known := s.realDirs[dir]; known {
		return ok, nil
	}
	ok, err := s.parentIsRealDir(dir)
	if err != nil {
		return false, err
	}
	if ok {
		st, exists, err := lstatPath(s.r.abs(dir))
		if err != nil {
			return false, err
		}
		ok = exists && st.kind == kindDir
	}
	s.realDirs[dir] = ok
	return ok, nil
}

// relPaths lists paths for an error message: the first few, then a count.
func relPaths(paths []string, limit int) string {
	if len(paths) <= limit {
		return strings.Join(paths, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(paths[:limit], ", "), len(paths)-limit)
}

// formatSize writes a byte count the way the limit is configured.
func formatSize(n int64) string {
	const mib = 1 << 20
	switch {
	case n >= mib && n%mib == 0:
		return fmt.Sprintf("%d MiB", n/mib)
	case n >= mib:
		return fmt.Sprintf("%.1f MiB", float64(n)/mib)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

func sizeSkipReason(size, limit int64) string {
	return fmt.Sprintf("%s, above the %s limit for committed files (git.max_file_mb)", formatSize(size), formatSize(limit))
}

func filterSkipReason(filter string) string {
	if filter == "lfs" {
		return "tracked by Git LFS (filter=lfs): only git with git-lfs can commit it"
	}
	return fmt.Sprintf("has the attribute filter=%s, whose clean step only git can run", filter)
}
