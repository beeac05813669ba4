package policy

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/safe-coder/safe-coder/runner/glob"
)

// target is the file a file tool would act on.
type target struct {
	given    string // as the model wrote it
	literal  string // cleaned, repository-relative, "." for the root
	resolved string // after following symlinks inside the repository
}

// String renders the target for reasons, naming the resolved path when a
// symlink leads elsewhere.
func (t target) String() string {
	if t.resolved != t.literal {
		return fmt.Sprintf("%s (which resolves to %s)", t.literal, t.resolved)
	}
	return t.literal
}

// cleanRel cleans a repository-relative path ("./a//b" is "a/b", the root
// is "."), or returns why the tools refuse it.
func cleanRel(p string) (string, string) {
	switch {
	case p == "":
		return "", "the path is empty"
	case strings.ContainsRune(p, 0):
		return "", "the path holds a NUL byte"
	case strings.HasPrefix(p, "/") || filepath.IsAbs(p) || filepath.VolumeName(p) != "":
		return "", "the path is absolute; paths are relative to the repository root"
	}
	var segs []string
	for _, seg := range strings.Split(filepath.ToSlash(p), "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(segs) == 0 {
				return "", "the path climbs out of the repository"
			}
			segs = segs[:len(segs)-1]
		default:
			segs = append(segs, seg)
		}
	}
	if len(segs) == 0 {
		return ".", ""
	}
	return strings.Join(segs, "/"), ""
}

// locate cleans and resolves the path a file tool was given, or returns
// why the tool will refuse it, which the policy refuses too: no rule can
// allow a path outside the repository or inside .git.
func (p *Policy) locate(given string) (target, string) {
	literal, problem := cleanRel(given)
	if problem != "" {
		return target{}, problem
	}
	t := target{given: given, literal: literal, resolved: literal}
	if p.resolve != nil {
		r, err := p.resolve(given)
		if err != nil {
			return target{}, err.Error()
		}
		resolved, problem := cleanRel(r)
		if problem != "" || resolved != r {
			return target{}, fmt.Sprintf("the path resolves to %q, which is not a clean path inside the repository", r)
		}
		t.resolved = resolved
	}
	for _, rel := range []string{t.literal, t.resolved} {
		if insideGit(rel) {
			return target{}, fmt.Sprintf("%s is inside .git, which no tool touches", rel)
		}
	}
	return t, ""
}

// insideGit reports whether a clean relative path has a component naming
// the .git directory on some file system: in any case, with trailing dots
// or spaces (which Windows strips), as the short name GIT~1, or with code
// points HFS+ ignores; the toolbox refuses the same spellings.
func insideGit(rel string) bool {
	for seg := range strings.SplitSeq(rel, "/") {
		seg = strings.TrimRight(fold(seg), ". ")
		if seg == ".git" || seg == "git~1" {
			return true
		}
	}
	return false
}

// fold lower-cases s and drops the code points HFS+ ignores in names, so
// deny rules and the built-in denials also hold on case-insensitive file
// systems, where ".ENV" opens ".env".
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		if hfsIgnorable(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// hfsIgnorable lists the code points HFS+ drops when comparing names (the
// list git's is_hfs_dotgit uses).
func hfsIgnorable(r rune) bool {
	switch {
	case r >= 0x200c && r <= 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x206a && r <= 0x206f, r == 0xfeff:
		return true
	}
	return false
}

// matchGenerous is how denials match paths: against the literal and the
// resolved path, as written and case-folded. A symlink or a spelling
// cannot dodge a denial.
func matchGenerous(pattern string, t target) bool {
	fp := fold(pattern)
	for _, rel := range []string{t.literal, t.resolved} {
		if glob.Match(pattern, rel) || glob.Match(fp, fold(rel)) {
			return true
		}
	}
	return false
}

// matchStrict is how allow rules match paths: against the resolved path
// only, exactly, so a symlink into a protected place is not allowed by a
// rule about where the link lives.
func matchStrict(pattern string, t target) bool {
	return glob.Match(pattern, t.resolved)
}

// lastSegment returns the part of a pattern after its last '/'.
func lastSegment(pattern string) string {
	return pattern[strings.LastIndexByte(pattern, '/')+1:]
}
