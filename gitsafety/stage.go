package gitsafety

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// staged is the index that `git add -A` would produce for the current work
// tree.
type staged struct {
	entries []*index.Entry // stage 0 only, sorted by name
	version uint32         // version of the index it was derived from
	changed bool           // differs from the index on disk, in content or stat data
}

// stager computes a staged index. It is the package's `git add -A`:
//   - every tracked path is looked at: deleted, modified, type or mode
//     changed; its stat data decides whether the file must be re-read;
//   - untracked files are added unless an ignore rule matches them, and
//     ignored directories are not entered at all, as in git;
//   - submodules stay as recorded, nested repositories are not added,
//     skip-worktree entries are kept, and filtered (LFS) paths are not
//     re-staged;
//   - conflicted paths are resolved to their work-tree content.
type stager struct {
	r         *Repo
	store     bool // write blobs; false only hashes (the dirty check)
	check     ContentCheck
	trustExec bool
	attrs     *filterAttrs
	indexTime time.Time

	tracked    map[string]*index.Entry // stage-0 entries
	conflicted map[string]bool         // paths with only stage 1-3 entries
	visited    map[string]bool
	realDirs   map[string]bool

	out     []*index.Entry
	changed bool
}

// stageOptions says what a staging pass does besides computing the index.
type stageOptions struct {
	// store writes the blobs of new and modified files to the object
	// database; without it they are only hashed (the dirty check).
	store bool
	// check, when set, vets the content of every added or modified file
	// before its blob is stored; see StepCommit.Check.
	check ContentCheck
}

// stage computes what `git add -A` would stage.
func (r *Repo) stage(ctx context.Context, opts stageOptions) (*staged, error) {
	cfg, err := r.loadConfig()
	if err != nil {
		return nil, err
	}
	base, err := r.ignoreBase(cfg)
	if err != nil {
		return nil, err
	}
	attrs, err := r.loadFilterAttrs(cfg)
	if err != nil {
		return nil, err
	}
	idx, err := r.readIndex()
	if err != nil {
		return nil, err
	}
	s := &stager{
		r:          r,
		store:      opts.store,
		check:      opts.check,
		trustExec:  cfg.trustExecutableBit(),
		attrs:      attrs,
		indexTime:  idx.ModTime,
		tracked:    map[string]*index.Entry{},
		conflicted: map[string]bool{},
		visited:    map[string]bool{},
		realDirs:   map[string]bool{},
	}
	for _, e := range idx.Entries {
		if e.Stage == 0 {
			s.tracked[e.Name] = e
		} else {
			s.conflicted[e.Name] = true
			s.changed = true
		}
	}
	for name := range s.conflicted {
		// A stage-0 entry beside conflict stages is not a state git leaves;
		// the work tree decides, as for any conflict.
		delete(s.tracked, name)
	}
	if err := s.walk(ctx, "", nil, base); err != nil {
		return nil, err
	}
	if err := s.sweep(ctx); err != nil {
		return nil, err
	}
	sort.Slice(s.out, func(i, j int) bool { return s.out[i].Name < s.out[j].Name })
	return &staged{entries: s.out, version: idx.Version, changed: s.changed}, nil
}

// walk visits the directory rel (slash-separated, "" for the root), whose
// path components are parts, with the ignore patterns of its parents.
func (s *stager) walk(ctx context.Context, rel string, parts []string, patterns []gitignore.Pattern) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	dir := s.r.abs(rel)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("read directory %s: %w", dir, err)
	}
	own, err := readIgnoreFile(filepath.Join(dir, ".gitignore"), parts, false)
	if err != nil {
		return err
	}
	if len(own) > 0 {
		// Cap the slice so siblings never see each other's rules.
		patterns = append(patterns[:len(patterns):len(patterns)], own...)
	}
	ignored := gitignore.NewMatcher(patterns)

	for _, d := range ents {
		name := d.Name()
		if name == ".git" {
			continue
		}
		p := name
		if rel != "" {
			p = rel + "/" + name
		}
		childParts := append(parts[:len(parts):len(parts)], name)
		typ := d.Type()

		if s.isTracked(p) {
			s.visited[p] = true
			fi, err := lstatIfExists(s.r.abs(p))
			if err != nil {
				return err
			}
			kept, err := s.stageTracked(p, fi)
			if err != nil {
				return err
			}
			if kept || fi == nil {
				continue
			}
			// The tracked entry is gone; what took its place (a directory
			// where a file was, say) is looked at as untracked.
			typ = fi.Mode().Type()
		}

		switch {
		case typ.IsDir():
			if ignored.Match(childParts, true) || isNestedRepo(s.r.abs(p)) {
				continue
			}
			if err := s.walk(ctx, p, childParts, patterns); err != nil {
				return err
			}
		case typ.IsRegular() || typ&fs.ModeSymlink != 0:
			if ignored.Match(childParts, false) {
				continue
			}
			if err := s.stageNew(p); err != nil {
				return err
			}
		}
	}
	return nil
}

// sweep handles the tracked paths the walk did not reach: deleted ones, and
// tracked files inside ignored directories, which git keeps updating.
func (s *stager) sweep(ctx context.Context) error {
	var rest []string
	for name := range s.tracked {
		if !s.visited[name] {
			rest = append(rest, name)
		}
	}
	for name := range s.conflicted {
		if !s.visited[name] {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	for _, name := range rest {
		if err := ctx.Err(); err != nil {
			return err
		}
		if e := s.tracked[name]; e != nil && e.SkipWorktree {
			s.out = append(s.out, e)
			continue
		}
		inTree, err := s.parentIsRealDir(name)
		if err != nil {
			return err
		}
		var fi fs.FileInfo
		if inTree {
			// A path below a symlink is not in the work tree: reading it
			// would read whatever the link points at.
			if fi, err = lstatIfExists(s.r.abs(name)); err != nil {
				return err
			}
		}
		if _, err := s.stageTracked(name, fi); err != nil {
			return err
		}
	}
	return nil
}

func (s *stager) isTracked(p string) bool {
	return s.tracked[p] != nil || s.conflicted[p]
}

// stageTracked brings the index entry of tracked path p up to date with fi
// (nil when nothing is there). kept is false when the path no longer holds
// something trackable and its entry was dropped.
func (s *stager) stageTracked(p string, fi fs.FileInfo) (kept bool, err error) {
	e := s.tracked[p] // nil for a conflicted path
	if e != nil && e.SkipWorktree {
		s.out = append(s.out, e)
		return true, nil
	}
	if fi == nil {
		s.changed = true
		return false, nil
	}
	if e != nil && e.Mode == filemode.Submodule {
		if fi.IsDir() {
			s.out = append(s.out, e)
			return true, nil
		}
		s.changed = true
		return false, nil
	}
	mode, ok := s.modeOf(fi, e)
	if !ok {
		s.changed = true
		return false, nil
	}
	if e != nil && !e.IntentToAdd && mode == e.Mode && statMatches(e, fi, s.indexTime) {
		s.out = append(s.out, e)
		return true, nil
	}
	filtered, err := s.attrs.filtered(p)
	if err != nil {
		return false, err
	}
	if filtered {
		if e == nil {
			return false, fmt.Errorf("stage %s: it has merge conflicts and a filter attribute (Git LFS?), which only git can apply; resolve it with git add", p)
		}
		s.out = append(s.out, e)
		return true, nil
	}
	var staged *plumbing.Hash
	if e != nil {
		staged = &e.Hash
	}
	h, st, err := s.blob(p, fi, staged)
	if err != nil {
		return false, err
	}
	s.out = append(s.out, newEntry(p, h, mode, st))
	s.changed = true
	return true, nil
}

// stageNew adds the untracked, not ignored file or symlink p.
func (s *stager) stageNew(p string) error {
	fi, err := lstatIfExists(s.r.abs(p))
	if err != nil || fi == nil {
		return err
	}
	mode, ok := s.modeOf(fi, nil)
	if !ok {
		return nil
	}
	filtered, err := s.attrs.filtered(p)
	if err != nil || filtered {
		return err
	}
	h, st, err := s.blob(p, fi, nil)
	if err != nil {
		return err
	}
	s.out = append(s.out, newEntry(p, h, mode, st))
	s.changed = true
	return nil
}

// blob hashes the work-tree file or symlink p (fi is its Lstat) and, when
// the pass stores, writes its blob. staged is the blob the index holds for
// p, nil for a path it does not track. With a check set, content that
// differs from staged is vetted first and a refusal stores nothing: the
// blob of a refused file never reaches the object database.
func (s *stager) blob(p string, fi fs.FileInfo, staged *plumbing.Hash) (plumbing.Hash, fs.FileInfo, error) {
	abs := s.r.abs(p)
	if s.check == nil {
		return s.r.fileBlob(abs, fi, s.store)
	}
	data, st, err := readBlobContent(abs, fi)
	if err != nil {
		return plumbing.ZeroHash, nil, err
	}
	h := plumbing.ComputeHash(plumbing.BlobObject, data)
	if staged == nil || *staged != h {
		if err := s.check(p, data); err != nil {
			return plumbing.ZeroHash, nil, fmt.Errorf("%w: %s: %w", ErrRefused, p, err)
		}
	}
	if s.store {
		if err := s.r.storeIfMissing(h, plumbing.BlobObject, int64(len(data)), bytes.NewReader(data)); err != nil {
			return plumbing.ZeroHash, nil, fmt.Errorf("stage %s: %w", abs, err)
		}
	}
	return h, st, nil
}

// modeOf is the git mode for fi; ok is false for what git cannot track
// (directories, sockets, devices). With core.fileMode false a tracked file
// keeps its recorded executable bit.
func (s *stager) modeOf(fi fs.FileInfo, old *index.Entry) (filemode.FileMode, bool) {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return filemode.Symlink, true
	case fi.Mode().IsRegular():
		if !s.trustExec && old != nil && (old.Mode == filemode.Regular || old.Mode == filemode.Executable) {
			return old.Mode, true
		}
		if fi.Mode()&0o100 != 0 {
			return filemode.Executable, true
		}
		return filemode.Regular, true
	}
	return 0, false
}

// parentIsRealDir reports whether every parent of p is a directory, not a
// symlink or a file.
func (s *stager) parentIsRealDir(p string) (bool, error) {
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
		fi, err := lstatIfExists(s.r.abs(dir))
		if err != nil {
			return false, err
		}
		ok = fi != nil && fi.IsDir()
	}
	s.realDirs[dir] = ok
	return ok, nil
}

// lstatIfExists is os.Lstat with "nothing there" (including a parent that is
// no longer a directory) reported as nil, nil.
func lstatIfExists(p string) (fs.FileInfo, error) {
	fi, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w", p, err)
	}
	return fi, nil
}

// isNestedRepo reports whether dir is the top of another repository, which
// `git add -A` would record as a gitlink. safe-coder never creates gitlinks:
// a gitlink without a .gitmodules entry is a broken submodule for everyone
// who clones the branch.
func isNestedRepo(dir string) bool {
	_, err := os.Lstat(filepath.Join(dir, ".git"))
	return err == nil
}

// relPaths lists paths for an error message: the first few, then a count.
func relPaths(paths []string, limit int) string {
	if len(paths) <= limit {
		return strings.Join(paths, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(paths[:limit], ", "), len(paths)-limit)
}
