package gitsafety

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/safe-coder/safe-coder/runner/glob"
)

// fingerprintHashMax is the largest file whose content a Fingerprint
// hashes. Larger ones are compared by their stat data, whose ctime no
// command can set back.
const fingerprintHashMax = 1 << 20

// Fingerprint records the state of the files a command must not change
// behind the runner's back: the repository's configuration and hooks, and
// the work-tree files that protected patterns name. Take one before a
// command and one after, and Diff them. The zero Fingerprint records no
// files.
type Fingerprint struct {
	files map[string]stamp
}

// stamp is what a Fingerprint records of one path.
type stamp struct {
	mode  fs.FileMode // type and permission bits, from lstat
	size  int64
	mtime time.Time
	ctime statTime
	ino   uint32
	// sum is the SHA-256 of a regular file of at most fingerprintHashMax
	// bytes, or of a symlink's target; hashed says it was taken.
	sum    [sha256.Size]byte
	hashed bool
	// unreadable marks a directory whose entries could not be listed; it
	// is recorded itself so that becoming unreadable, or readable again,
	// is a change.
	unreadable bool
}

// same reports whether two stamps describe the same file. Where both have
// a content hash, the content and the mode decide and times do not: a
// touch, or a tool that rewrites a file with the same bytes, changes
// nothing that matters. Without a hash the stat data decides, ctime
// included, which changes with every write and cannot be set back.
func (s stamp) same(o stamp) bool {
	if s.mode != o.mode || s.size != o.size || s.unreadable != o.unreadable || s.hashed != o.hashed {
		return false
	}
	if s.hashed {
		return s.sum == o.sum
	}
	return s.mtime.Equal(o.mtime) && s.ctime == o.ctime && s.ino == o.ino
}

// Diff returns the sorted paths that differ between f and g: changed in
// content, mode or type, present in only one of them (added or removed).
// Paths are work-tree relative slash paths, such as ".git/config" or
// ".github/workflows/ci.yml"; a git directory outside the work tree (a
// linked work tree's) is named by its absolute path.
func (f Fingerprint) Diff(g Fingerprint) []string {
	var changed []string
	for p, a := range f.files {
		if b, ok := g.files[p]; !ok || !a.same(b) {
			changed = append(changed, p)
		}
	}
	for p := range g.files {
		if _, ok := f.files[p]; !ok {
			changed = append(changed, p)
		}
	}
	slices.Sort(changed)
	return changed
}

// Fingerprint records the files that change what git does with the
// repository, or what runs when someone uses it, and that no tool may
// write but a command could:
//
//   - the configuration: .git/config and the work tree's config.worktree;
//   - everything under .git/hooks/, and under core.hooksPath when it names
//     another directory, since those are programs git runs;
//   - everything under .git/info/: exclude decides what is ignored and so
//     never committed, attributes can name filters and diff drivers that
//     run programs, sparse-checkout changes the work tree;
//   - .git/objects/info/alternates, which makes git trust objects stored
//     elsewhere;
//   - the work-tree files matching patterns (runner/glob syntax, relative
//     to the work-tree root, such as ".github/workflows/**" or
//     ".gitmodules"). Each pattern's fixed leading directories are walked
//     component by component without following symlinks; a symlink or a
//     file met on the way is recorded itself, as it redirects or replaces
//     what the pattern protects. Below them the walk never follows
//     symlinks, never enters a directory named .git, and honours no ignore
//     rules: an ignored file can be protected too. A pattern starting with
//     "**" walks the whole work tree.
//
// Missing files are simply absent, so Diff reports their appearance.
// Errors wrap glob.ErrBadPattern for an invalid pattern.
func (r *Repo) Fingerprint(ctx context.Context, patterns []string) (Fingerprint, error) {
	for _, p := range patterns {
		if err := glob.Valid(p); err != nil {
			return Fingerprint{}, fmt.Errorf("fingerprint: %w", err)
		}
	}
	fp := fingerprinter{r: r, files: map[string]stamp{}}
	cfg, err := r.loadConfig()
	if err != nil {
		return Fingerprint{}, fmt.Errorf("fingerprint: %w", err)
	}
	all := func(string) bool { return true }
	hooks := filepath.Join(r.commonDir, "hooks")
	for _, t := range []struct {
		abs  string
		tree bool
	}{
		{filepath.Join(r.commonDir, "config"), false},
		{filepath.Join(r.gitDir, "config.worktree"), false},
		{hooks, true},
		{filepath.Join(r.commonDir, "info"), true},
		{filepath.Join(r.commonDir, "objects", "info", "alternates"), false},
	} {
		if err := fp.tree(ctx, t.abs, fp.name(t.abs), all, t.tree); err != nil {
			return Fingerprint{}, err
		}
	}
	if p, ok := cfg.core("hookspath"); ok && p != "" {
		p = expandHome(p, cfg.home)
		if !filepath.IsAbs(p) {
			// Hooks run in the work tree's top directory, so git
			// resolves a relative hooksPath there.
			p = filepath.Join(r.root, p)
		}
		if p = filepath.Clean(p); p != hooks {
			if err := fp.tree(ctx, p, fp.name(p), all, true); err != nil {
				return Fingerprint{}, err
			}
		}
	}
	if err := fp.workTree(ctx, patterns); err != nil {
		return Fingerprint{}, err
	}
	return Fingerprint{files: fp.files}, nil
}

type fingerprinter struct {
	r     *Repo
	files map[string]stamp
}

// name is the path a Fingerprint reports for abs: relative to the work
// tree when inside it, absolute otherwise.
func (fp *fingerprinter) name(abs string) string {
	if rel, err := filepath.Rel(fp.r.root, abs); err == nil && filepath.IsLocal(rel) {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(abs)
}

// workTree records the work-tree files matching patterns. Each pattern is
// walked from its fixed leading directories; starts below another start
// are dropped, as that walk covers them.
func (fp *fingerprinter) workTree(ctx context.Context, patterns []string) error {
	if len(patterns) == 0 {
		return nil
	}
	var starts []string
	for _, p := range patterns {
		starts = append(starts, fixedPrefix(p))
	}
	slices.Sort(starts)
	starts = slices.Compact(starts)
	// A path on the way to a fixed prefix is recorded too when it is not
	// a directory: a symlink there redirects what the pattern protects,
	// a file there stands where the protected directory should be. A
	// whole-tree walk meets them as ordinary entries.
	onFixedPath := func(rel string) bool {
		return slices.ContainsFunc(starts, func(s string) bool { return s == rel || strings.HasPrefix(s, rel+"/") })
	}
	match := func(rel string) bool {
		return onFixedPath(rel) || slices.ContainsFunc(patterns, func(p string) bool { return glob.Match(p, rel) })
	}
	for i, start := range starts {
		if slices.ContainsFunc(starts[:i], func(s string) bool { return s == "" || strings.HasPrefix(start, s+"/") }) {
			continue
		}
		if err := fp.descend(ctx, start, match); err != nil {
			return err
		}
	}
	return nil
}

// fixedPrefix returns the leading segments of a glob pattern that hold no
// wildcard, joined; "" when the first one does.
func fixedPrefix(pattern string) string {
	segs := strings.Split(pattern, "/")
	n := 0
	for n < len(segs) && !strings.ContainsAny(segs[n], `*?[\`) {
		n++
	}
	return strings.Join(segs[:n], "/")
}

// descend walks the work-tree path start ("" for the root) one component
// at a time with lstat, so no symlink on the way is followed: a symlink or
// a file on the way is recorded and ends the descent, a missing component
// ends it quietly, and .git is never entered (Fingerprint covers it
// itself). At start, the files matching match are recorded.
func (fp *fingerprinter) descend(ctx context.Context, start string, match func(string) bool) error {
	if start != "" {
		rel := ""
		for c := range strings.SplitSeq(start, "/") {
			if c == ".git" {
				return nil
			}
			rel = path.Join(rel, c)
			fi, err := os.Lstat(fp.r.abs(rel))
			switch {
			case errors.Is(err, fs.ErrNotExist):
				return nil
			case err != nil:
				return fmt.Errorf("fingerprint %s: %w", rel, err)
			case !fi.IsDir():
				return fp.record(fp.r.abs(rel), rel, fi)
			}
		}
	}
	return fp.tree(ctx, fp.r.abs(start), start, match, true)
}

// tree records the file at abs, named name, if match accepts the name, or,
// when it is a directory and walk is set, the files below it that match,
// named by extending name. Symlinks are recorded, never followed, and
// directories named .git are not entered.
func (fp *fingerprinter) tree(ctx context.Context, abs, name string, match func(string) bool, walk bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	fi, err := os.Lstat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("fingerprint %s: %w", name, err)
	}
	if !fi.IsDir() {
		if name != "" && match(name) {
			return fp.record(abs, name, fi)
		}
		return nil
	}
	if !walk {
		return nil
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		// What cannot be listed cannot be compared; record the
		// directory itself, so a change of its state still shows.
		fp.files[dirName(name)] = stampOf(fi, true)
		return nil
	}
	for _, e := range entries {
		if e.Name() == ".git" {
			continue
		}
		child := e.Name()
		if name != "" {
			child = name + "/" + child
		}
		// The entry's own type, from readdir, does not follow symlinks.
		if err := fp.tree(ctx, filepath.Join(abs, e.Name()), child, match, e.IsDir()); err != nil {
			return err
		}
	}
	return nil
}

// dirName names the work-tree root "." rather than "".
func dirName(name string) string {
	if name == "" {
		return "."
	}
	return name
}

// record stamps the file, symlink or special file at abs (fi is its lstat).
func (fp *fingerprinter) record(abs, name string, fi fs.FileInfo) error {
	st := stampOf(fi, false)
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(abs)
		if err != nil {
			return fmt.Errorf("fingerprint %s: %w", name, err)
		}
		st.sum, st.hashed = sha256.Sum256([]byte(target)), true
	case fi.Mode().IsRegular() && fi.Size() <= fingerprintHashMax:
		sum, err := hashFile(abs)
		if err != nil {
			return fmt.Errorf("fingerprint %s: %w", name, err)
		}
		st.sum, st.hashed = sum, true
	}
	fp.files[name] = st
	return nil
}

func stampOf(fi fs.FileInfo, unreadable bool) stamp {
	st := fileStatOf(fi)
	return stamp{
		mode:       fi.Mode(),
		size:       fi.Size(),
		mtime:      fi.ModTime(),
		ctime:      st.ctime,
		ino:        st.ino,
		unreadable: unreadable,
	}
}

// hashFile hashes at most fingerprintHashMax+1 bytes of a file: one that
// grew past the limit since its lstat still hashes differently than before.
// It refuses a symlink or special file swapped in since the lstat.
func hashFile(abs string) ([sha256.Size]byte, error) {
	// Non-blocking, so that a FIFO swapped in since the lstat cannot
	// hang the run on open; the fstat below then refuses it.
	f, err := os.OpenFile(abs, os.O_RDONLY|openNoFollow|syscall.O_NONBLOCK, 0)
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	defer func() { _ = f.Close() }()
	if fi, err := f.Stat(); err != nil {
		return [sha256.Size]byte{}, err
	} else if !fi.Mode().IsRegular() {
		return [sha256.Size]byte{}, errors.New("it was replaced by a special file while being read")
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.LimitReader(f, fingerprintHashMax+1)); err != nil {
		return [sha256.Size]byte{}, err
	}
	return [sha256.Size]byte(h.Sum(nil)), nil
}
