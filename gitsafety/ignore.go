package gitsafety

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
)

// ignoreBase returns the ignore rules that apply everywhere, lowest priority
// first: core.excludesFile (the user's global gitignore), then
// .git/info/exclude. Per-directory .gitignore files are added by the walk,
// each with higher priority than its parent's.
func (r *Repo) ignoreBase(cfg *gitConfig) ([]gitignore.Pattern, error) {
	var ps []gitignore.Pattern
	if p := cfg.userFile("excludesfile", "ignore", r.root); p != "" {
		global, err := readIgnoreFile(p, nil, true)
		if err != nil {
			return nil, err
		}
		ps = append(ps, global...)
	}
	exclude, err := readIgnoreFile(filepath.Join(r.commonDir, "info", "exclude"), nil, true)
	if err != nil {
		return nil, err
	}
	return append(ps, exclude...), nil
}

// readIgnoreFile parses one gitignore file whose patterns apply below
// domain. A missing file has no patterns. Inside the work tree a symlinked
// .gitignore is not followed (followLinks false), as git refuses to.
func readIgnoreFile(path string, domain []string, followLinks bool) ([]gitignore.Pattern, error) {
	if !followLinks {
		fi, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read ignore rules %s: %w", path, err)
		}
		if !fi.Mode().IsRegular() {
			return nil, nil
		}
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read ignore rules %s: %w", path, err)
	}
	defer func() { _ = f.Close() }()

	var ps []gitignore.Pattern
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	first := true
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if first {
			line = strings.TrimPrefix(line, "\ufeff")
			first = false
		}
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		ps = append(ps, gitignore.ParsePattern(line, domain))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read ignore rules %s: %w", path, err)
	}
	return ps, nil
}
