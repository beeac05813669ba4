package glob

import (
	"fmt"
	"path"
	"strings"
)

// anySegments is the segment that matches zero or more whole segments.
const anySegments = "**"

// Match reports whether the slash-separated relative path name matches
// pattern. Patterns always match the whole path. name should be clean in the
// sense of path.Clean, without a leading '/': "a/./b" or "a//b" are not
// rewritten and match only patterns spelled the same way. An invalid pattern
// matches nothing.
func Match(pattern, name string) bool {
	if Valid(pattern) != nil {
		return false
	}
	return matchSegments(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

// matchSegments matches name segments against pattern segments. "**" is the
// only wildcard spanning segments, so the classic greedy algorithm with a
// single backtrack point applies: on a mismatch, the most recent "**" absorbs
// one more name segment. That keeps matching O(len(ps)·len(ns)) even for
// patterns with many "**", where naive recursion is exponential.
func matchSegments(ps, ns []string) bool {
	pi, ni := 0, 0
	starP, starN := -1, -1
	for ni < len(ns) {
		switch {
		case pi < len(ps) && ps[pi] == anySegments:
			starP, starN = pi, ni
			pi++
		case pi < len(ps) && matchSegment(ps[pi], ns[ni]):
			pi++
			ni++
		case starP >= 0:
			starN++
			pi, ni = starP+1, starN
		default:
			return false
		}
	}
	for pi < len(ps) && ps[pi] == anySegments {
		pi++
	}
	return pi == len(ps)
}

// matchSegment matches one segment; both contain no '/'. Errors cannot occur
// here because Valid has checked every segment.
func matchSegment(pattern, name string) bool {
	ok, err := path.Match(pattern, name)
	return err == nil && ok
}

// Valid reports whether pattern is a well-formed glob. Besides syntax errors
// (an unclosed or empty '[' class, a trailing '\'), it rejects patterns that
// could never match a clean relative path, because such a rule would silently
// do nothing: an empty pattern, a leading or trailing '/', an empty segment
// ("a//b"), and "." or ".." segments. '/' cannot be escaped or put in a
// class: it always separates segments.
func Valid(pattern string) error {
	if pattern == "" {
		return fmt.Errorf("%w: empty pattern", ErrBadPattern)
	}
	if strings.HasPrefix(pattern, "/") {
		return fmt.Errorf("%w %q: patterns are relative to the repository root and must not start with '/'", ErrBadPattern, pattern)
	}
	if strings.HasSuffix(pattern, "/") {
		return fmt.Errorf("%w %q: trailing '/' (to match a directory and its contents write %q)", ErrBadPattern, pattern, pattern+anySegments)
	}
	for seg := range strings.SplitSeq(pattern, "/") {
		switch seg {
		case "":
			return fmt.Errorf("%w %q: empty segment between two '/'", ErrBadPattern, pattern)
		case ".", "..":
			return fmt.Errorf("%w %q: segment %q never matches a clean path", ErrBadPattern, pattern, seg)
		case anySegments:
			continue
		}
		if _, err := path.Match(seg, ""); err != nil {
			return fmt.Errorf("%w %q: segment %q: unclosed or empty '[' class, or a trailing '\\'", ErrBadPattern, pattern, seg)
		}
	}
	return nil
}
