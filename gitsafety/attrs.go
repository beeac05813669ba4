package gitsafety

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/go-git/go-git/v5/plumbing/format/gitattributes"
)

// filterAttrs answers one question for the stager: does a path have a
// filter attribute (filter=lfs and the like)? Such content has to pass the
// filter's clean step before it is stored, which only git can run, so these
// paths are never re-staged.
//
// Rules are loaded lazily, one directory's .gitattributes at a time, since
// most steps never ask.
type filterAttrs struct {
	root   string
	global []gitattributes.MatchAttribute // core.attributesFile
	info   []gitattributes.MatchAttribute // .git/info/attributes, highest priority
	dirs   map[string][]gitattributes.MatchAttribute
}

func (r *Repo) loadFilterAttrs(cfg *gitConfig) (*filterAttrs, error) {
	a := &filterAttrs{root: r.root, dirs: map[string][]gitattributes.MatchAttribute{}}
	if p := cfg.userFile("attributesfile", "attributes", r.root); p != "" {
		global, err := readAttributesFile(p, nil, true, true)
		if err != nil {
			return nil, err
		}
		a.global = global
	}
	info, err := readAttributesFile(filepath.Join(r.commonDir, "info", "attributes"), nil, true, true)
	if err != nil {
		return nil, err
	}
	a.info = info
	return a, nil
}

// filtered reports whether the repo-relative slash path p has a filter.
func (a *filterAttrs) filtered(p string) (bool, error) {
	parts := strings.Split(p, "/")
	// Highest priority first: info/attributes, then the deepest
	// .gitattributes up to the root one, then the global file.
	layers := [][]gitattributes.MatchAttribute{a.info}
	for depth := len(parts) - 1; depth >= 0; depth-- {
		rules, err := a.dir(parts[:depth])
		if err != nil {
			return false, err
		}
		layers = append(layers, rules)
	}
	layers = append(layers, a.global)
	for _, rules := range layers {
		// Within one file a later line wins.
		for i := len(rules) - 1; i >= 0; i-- {
			rule := rules[i]
			if rule.Pattern == nil || !rule.Pattern.Match(parts) {
				continue
			}
			for _, attr := range rule.Attributes {
				if attr.Name() == "filter" {
					return attr.IsValueSet(), nil
				}
			}
		}
	}
	return false, nil
}

func (a *filterAttrs) dir(parts []string) ([]gitattributes.MatchAttribute, error) {
	key := path.Join(parts...)
	if rules, ok := a.dirs[key]; ok {
		return rules, nil
	}
	file := filepath.Join(a.root, filepath.FromSlash(key), ".gitattributes")
	rules, err := readAttributesFile(file, parts, len(parts) == 0, false)
	if err != nil {
		return nil, err
	}
	a.dirs[key] = rules
	return rules, nil
}

// readAttributesFile parses one gitattributes file; a missing one is empty.
// Macros may only be defined at the top level, as in git. A line git would
// reject (a bad attribute name, a macro below the top level) is skipped, as
// git skips it with a warning.
func readAttributesFile(file string, domain []string, allowMacro, followLinks bool) ([]gitattributes.MatchAttribute, error) {
	if !followLinks {
		fi, err := os.Lstat(file)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read attributes %s: %w", file, err)
		}
		if !fi.Mode().IsRegular() {
			return nil, nil
		}
	}
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read attributes %s: %w", file, err)
	}
	defer func() { _ = f.Close() }()
	var rules []gitattributes.MatchAttribute
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		rule, err := gitattributes.ParseAttributesLine(sc.Text(), domain, allowMacro)
		if err != nil || rule.Name == "" {
			continue
		}
		rules = append(rules, rule)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read attributes %s: %w", file, err)
	}
	return rules, nil
}
