package gitsafety

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// pathPattern is a pattern of an ignore or attributes file, prepared the
// way git prepares it (dir.c's parse_path_pattern): a pattern without a
// slash matches the last component of a path at any depth below the file's
// directory; one with a slash matches the path relative to that directory.
type pathPattern struct {
	text     string // without '!', the trailing '/' and a leading '/'
	base     string // slash path of the directory whose file holds it; "" for the top and for files outside the tree
	prefix   int    // length of text before its first wildcard
	dirOnly  bool   // written with a trailing '/': matches directories only
	basename bool   // no '/' in text: matched against the last component
	endsWith bool   // "*literal": a suffix comparison does
}

func newPathPattern(p, base string) pathPattern {
	pp := pathPattern{base: base}
	if rest, ok := strings.CutSuffix(p, "/"); ok {
		pp.dirOnly = true
		p = rest
	}
	pp.basename = !strings.Contains(p, "/")
	// A leading slash only anchors; git drops it before matching.
	p = strings.TrimPrefix(p, "/")
	pp.text = p
	pp.prefix = len(p)
	if i := strings.IndexAny(p, `*?[\`); i >= 0 {
		pp.prefix = i
	}
	pp.endsWith = pp.basename && strings.HasPrefix(p, "*") && !hasWildcard(p[1:])
	return pp
}

// match reports whether the repo-relative slash path p matches. Callers
// only ask patterns of files in p's ancestor directories, as git does.
func (pp *pathPattern) match(p string, isDir bool) bool {
	if pp.dirOnly && !isDir {
		return false
	}
	if pp.basename {
		name := p[strings.LastIndexByte(p, '/')+1:]
		switch {
		case pp.prefix == len(pp.text):
			return name == pp.text
		case pp.endsWith:
			return strings.HasSuffix(name, pp.text[1:])
		}
		return wildmatch(pp.text, name, false)
	}
	rel := p
	if pp.base != "" {
		var ok bool
		if rel, ok = strings.CutPrefix(p, pp.base+"/"); !ok {
			return false
		}
	}
	// git compares the literal prefix first and hands only the rest to
	// wildmatch, which decides whether a "**" there starts a component.
	if pp.prefix > 0 {
		if len(rel) < pp.prefix || rel[:pp.prefix] != pp.text[:pp.prefix] {
			return false
		}
		if pp.prefix == len(pp.text) {
			return len(rel) == pp.prefix
		}
	}
	return wildmatch(pp.text[pp.prefix:], rel[pp.prefix:], true)
}

// ignoreRule is one line of an ignore file.
type ignoreRule struct {
	pathPattern
	negate bool
}

// ignoreRules are rules in increasing priority: the last one that matches
// a path decides.
type ignoreRules []ignoreRule

// ignored reports whether p is excluded by the rules. It does not look at
// p's parents: callers check each parent directory first, since nothing
// below an excluded directory can be re-included.
func (rs ignoreRules) ignored(p string, isDir bool) bool {
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i].match(p, isDir) {
			return !rs[i].negate
		}
	}
	return false
}

// with returns rs followed by more, never sharing the backing array with
// another extension of rs, so sibling directories never see each other's
// rules.
func (rs ignoreRules) with(more ignoreRules) ignoreRules {
	if len(more) == 0 {
		return rs
	}
	return append(rs[:len(rs):len(rs)], more...)
}

// parseIgnoreFile parses the content of an ignore file whose patterns
// apply below the directory base, as git's add_patterns_from_buffer does:
// a UTF-8 byte order mark is skipped, CR before LF is dropped, lines
// starting with '#' are comments, unescaped trailing spaces are trimmed.
func parseIgnoreFile(data []byte, base string) ignoreRules {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var rules ignoreRules
	for len(data) > 0 {
		var line []byte
		if nl := bytes.IndexByte(data, '\n'); nl >= 0 {
			line, data = data[:nl], data[nl+1:]
		} else {
			line, data = data, nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		s := trimTrailingSpaces(string(line))
		negate := false
		if strings.HasPrefix(s, "!") {
			negate = true
			s = s[1:]
		}
		if s == "" || s == "/" {
			continue
		}
		rules = append(rules, ignoreRule{pathPattern: newPathPattern(s, base), negate: negate})
	}
	return rules
}

// trimTrailingSpaces drops the trailing spaces that are not escaped with a
// backslash.
func trimTrailingSpaces(s string) string {
	end := -1 // start of the current run of trailing spaces
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ':
			if end < 0 {
				end = i
			}
		case '\\':
			i++
			end = -1
		default:
			end = -1
		}
	}
	if end >= 0 {
		return s[:end]
	}
	return s
}

// ignoreBase returns the ignore rules that apply everywhere, lowest
// priority first: core.excludesFile (the user's global gitignore), then
// .git/info/exclude. Per-directory .gitignore files come on top, each with
// higher priority than its parent's.
func (r *Repo) ignoreBase(cfg *gitConfig) (ignoreRules, error) {
	var rules ignoreRules
	if p := cfg.userFile("excludesfile", "ignore", r.root); p != "" {
		global, err := readIgnoreFile(p, "", outsideTree)
		if err != nil {
			return nil, err
		}
		rules = append(rules, global...)
	}
	exclude, err := readIgnoreFile(filepath.Join(r.commonDir, "info", "exclude"), "", outsideTree)
	if err != nil {
		return nil, err
	}
	return append(rules, exclude...), nil
}

// readIgnoreFile parses one gitignore file whose patterns apply below the
// directory base. A missing file has no patterns.
func readIgnoreFile(file, base string, origin fileOrigin) (ignoreRules, error) {
	data, err := readSmallFile(file, origin)
	if err != nil {
		return nil, fmt.Errorf("read ignore rules %s: %w", file, err)
	}
	return parseIgnoreFile(data, base), nil
}

// fileOrigin says where a rules file lives, which decides whether a
// symlink there is followed.
type fileOrigin int

const (
	// outsideTree files (.git/info/*, the user's global files) are
	// followed wherever they point, as git follows them.
	outsideTree fileOrigin = iota
	// inWorkTree files (.gitignore, .gitattributes, .gitmodules) are not
	// read through a symlink: git refuses to, and a link could make the
	// agent's rules come from anywhere.
	inWorkTree
)

// readSmallFile reads a configuration-like file. A missing one reads as
// empty, and so does a directory or special file, and a symlink inside the
// work tree.
func readSmallFile(file string, origin fileOrigin) ([]byte, error) {
	flags := os.O_RDONLY
	if origin == inWorkTree {
		flags |= openNoFollow | syscall.O_NONBLOCK
	}
	f, err := os.OpenFile(file, flags, 0)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) || (origin == inWorkTree && errors.Is(err, syscall.ELOOP)) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		// git skips what it cannot read as a file, with a warning.
		return nil, nil
	}
	return io.ReadAll(f)
}

// pathIgnorer answers "is this untracked path ignored?" for single paths
// without walking the tree: the rules of each ancestor directory are read
// once and kept.
type pathIgnorer struct {
	r     *Repo
	base  ignoreRules
	dirs  map[string]ignoreRules // directory -> rules in effect inside it
	vetos map[string]bool        // directory -> excluded itself or below an excluded one
}

func newPathIgnorer(r *Repo, base ignoreRules) *pathIgnorer {
	return &pathIgnorer{r: r, base: base, dirs: map[string]ignoreRules{}, vetos: map[string]bool{}}
}

// ignored reports whether the slash path p (a file or symlink when isDir
// is false) would be ignored by `git add`: some parent directory is
// excluded, or p itself is.
func (pi *pathIgnorer) ignored(p string, isDir bool) (bool, error) {
	dir := path.Dir(p)
	if dir == "." {
		dir = ""
	}
	rules, excluded, err := pi.rulesIn(dir)
	if err != nil || excluded {
		return excluded, err
	}
	return rules.ignored(p, isDir), nil
}

// rulesIn returns the rules in effect inside dir ("" for the top), and
// whether dir is excluded or lies below an excluded directory.
func (pi *pathIgnorer) rulesIn(dir string) (ignoreRules, bool, error) {
	if dir == "" {
		if rules, ok := pi.dirs[""]; ok {
			return rules, false, nil
		}
		own, err := readIgnoreFile(filepath.Join(pi.r.root, ".gitignore"), "", inWorkTree)
		if err != nil {
			return nil, false, err
		}
		rules := pi.base.with(own)
		pi.dirs[""] = rules
		return rules, false, nil
	}
	if rules, ok := pi.dirs[dir]; ok {
		return rules, pi.vetos[dir], nil
	}
	parent := path.Dir(dir)
	if parent == "." {
		parent = ""
	}
	rules, excluded, err := pi.rulesIn(parent)
	if err != nil {
		return nil, false, err
	}
	if !excluded && rules.ignored(dir, true) {
		excluded = true
	}
	if !excluded {
		own, err := readIgnoreFile(filepath.Join(pi.r.abs(dir), ".gitignore"), dir, inWorkTree)
		if err != nil {
			return nil, false, err
		}
		rules = rules.with(own)
	}
	pi.dirs[dir] = rules
	pi.vetos[dir] = excluded
	return rules, excluded, nil
}
