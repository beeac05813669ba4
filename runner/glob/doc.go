// Package glob matches slash-separated, repository-relative paths against
// the glob patterns of allow and deny rules and of the list_files and grep
// tools.
//
// The syntax is path.Match's, segment by segment, plus one addition:
//
//   - '*' matches any run of characters within one segment, '?' one
//     character, '[...]' (negated with '^') one character of a class, and
//     '\' escapes the next character. None of them ever matches '/'.
//   - '**' standing alone as a whole segment matches zero or more whole
//     segments: "**/.env" matches ".env" and "a/b/.env", "docs/**" matches
//     "docs" and everything below it, "a/**/b" matches "a/b" and "a/x/y/b".
//     Inside a longer segment ("a**") it is two '*' and stays in its segment.
//
// Invariants: a pattern always matches the whole path, never a base name or
// a prefix; Match never panics, whatever the input; an invalid pattern (see
// Valid) matches nothing, so rules must be checked with Valid when they are
// loaded, not discovered to be broken when they fail to deny something.
package glob
