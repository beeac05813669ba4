package tools

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
)

// Files the walk reads to honour git's ignore rules.
const (
	gitignoreName = ".gitignore"
	infoExclude   = ".git/info/exclude"
	// maxIgnoreSize bounds an ignore file; git itself refuses ones
	// over 100 MiB, but a real one is a few KiB.
	maxIgnoreSize = 1 << 20
)

// walkStats says what a walk left out, for the notices of list_files and
// grep.
type walkStats struct {
	ignored    int  // entries left out by ignore rules
	unreadable int  // directories that could not be read
	timedOut   bool // the walk stopped at the toolbox's WalkTimeout
}

// visitFunc receives each file of a walk: its resolved repo-relative slash
// path and its type bits (regular file or symlink). It returns false to end
// the walk early.
type visitFunc func(rel string, typ fs.FileMode) bool

// walk visits, in path order, the regular files and symlinks under the
// resolved path start, or start itself when it is a file. Symlinks are
// reported but never followed, not even to a directory inside the
// repository, so the walk cannot loop or leave it: a directory is entered
// only when its entry's own type (from readdir, which does not follow
// links) says directory. Only start itself was resolved through symlinks,
// by the caller, and resolve bounds that.
//
// A directory entry named .git in any spelling is skipped, and so is every
// entry that .gitignore files (of start's ancestors, of start and of the
// directories below) or .git/info/exclude ignore, with git's precedence:
// deeper files override shallower ones. An ignored directory is not
// entered, as git does not enter it. The ignore rules are parsed with
// go-git's gitignore package, but every ignore file is read through the
// os.Root like everything else.
//
// The walk stops, with stats.timedOut set, once the toolbox's WalkTimeout
// has passed since it began, checked before every entry, so a huge tree or
// a slow visitor (grep) costs bounded time and the caller still returns
// what it found.
func (tb *Toolbox) walk(ctx context.Context, start string, visit visitFunc) (walkStats, error) {
	var stats walkStats
	fi, err := tb.root.Stat(start)
	if err != nil {
		return stats, err
	}
	switch {
	case fi.Mode().IsRegular():
		// A file named explicitly is searched even when ignored: the
		// model asked for it by name.
		visit(start, 0)
		return stats, nil
	case !fi.IsDir():
		return stats, errNotRegular
	}
	patterns := tb.readIgnoreFile(infoExclude, nil)
	var domain []string
	if start != "." {
		domain = strings.Split(start, "/")
	}
	for i := range domain {
		dir := "."
		if i > 0 {
			dir = path.Join(domain[:i]...)
		}
		patterns = append(patterns, tb.readIgnoreFile(path.Join(dir, gitignoreName), domain[:i])...)
	}
	w := walker{tb: tb, visit: visit, stats: &stats, deadline: time.Now().Add(tb.walkMax)}
	_, err = w.dir(ctx, start, domain, patterns)
	return stats, err
}

type walker struct {
	tb       *Toolbox
	visit    visitFunc
	stats    *walkStats
	deadline time.Time
}

// dir walks one directory; it returns false when the visitor ended the walk.
func (w *walker) dir(ctx context.Context, dir string, domain []string, inherited []gitignore.Pattern) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("walk %s: %w", dir, err)
	}
	patterns := append(slices.Clip(inherited), w.tb.readIgnoreFile(path.Join(dir, gitignoreName), domain)...)
	matcher := gitignore.NewMatcher(patterns)
	entries, err := w.tb.readDir(dir)
	if err != nil {
		w.stats.unreadable++
		return true, nil
	}
	for _, e := range entries {
		if time.Now().After(w.deadline) {
			w.stats.timedOut = true
			return false, nil
		}
		name := e.Name()
		if isGitName(name) {
			continue
		}
		comps := append(slices.Clip(domain), name)
		typ := e.Type()
		if matcher.Match(comps, typ.IsDir()) {
			w.stats.ignored++
			continue
		}
		rel := path.Join(comps...)
		switch {
		case typ.IsDir():
			more, err := w.dir(ctx, rel, comps, patterns)
			if err != nil || !more {
				return more, err
			}
		case typ.IsRegular() || typ&fs.ModeSymlink != 0:
			if !w.visit(rel, typ) {
				return false, nil
			}
		}
	}
	return true, nil
}

// readDir lists a directory through the root, sorted by name (File.ReadDir
// returns directory order).
func (tb *Toolbox) readDir(dir string) ([]fs.DirEntry, error) {
	f, err := tb.root.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	entries, err := f.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return entries, nil
}

// readIgnoreFile parses one ignore file whose patterns apply below domain.
// A missing or unreadable file has no patterns, and like git this does not
// follow an ignore file that is a symlink.
func (tb *Toolbox) readIgnoreFile(rel string, domain []string) []gitignore.Pattern {
	fi, err := tb.root.Lstat(rel)
	if err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	data, _, err := tb.readRegular(rel, maxIgnoreSize)
	if err != nil {
		return nil
	}
	var ps []gitignore.Pattern
	for line := range strings.SplitSeq(string(data), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		ps = append(ps, gitignore.ParsePattern(line, domain))
	}
	return ps
}

// walkError describes a failed walk start for the model.
func walkError(p string, err error) string {
	if errors.Is(err, errNotRegular) {
		return displayPath(p) + ": is not a regular file or directory"
	}
	return fsError(p, err).Error()
}
