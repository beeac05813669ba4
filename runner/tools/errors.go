package tools

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"unicode"
)

// ErrUnknownTool is returned by Defs for a name that is not one of the tools.
var ErrUnknownTool = errors.New("unknown tool")

// Reasons a path is refused. They reach the model through pathError, which
// names the path; tests compare them with errors.Is.
var (
	errEmptyPath    = errors.New("path is empty")
	errNULByte      = errors.New("path contains a NUL byte")
	errAbsolutePath = errors.New("path is absolute; paths are relative to the repository root")
	errPathEscapes  = errors.New("path escapes the repository")
	errInsideGit    = errors.New("path is inside .git, which tools never touch")
	errSymlinkLoop  = errors.New("too many levels of symbolic links")
)

// pathError is a refused or failed path: what the model asked for, why,
// and optionally how the resolution got there (a symlink).
type pathError struct {
	path string
	// err is a sentinel above or the underlying file-system error.
	err error
	// reason replaces err's text in the message when set, to drop Go's
	// "openat a/b:" prefixes the model has no use for.
	reason string
	detail string
}

func (e *pathError) Error() string {
	reason := e.reason
	if reason == "" {
		reason = e.err.Error()
	}
	if e.detail == "" {
		return fmt.Sprintf("%s: %s", displayPath(e.path), reason)
	}
	return fmt.Sprintf("%s: %s (%s)", displayPath(e.path), reason, e.detail)
}

func (e *pathError) Unwrap() error { return e.err }

// displayPath shows a path the way the model wrote it, quoted only when it
// holds characters (NUL, control, spaces at the ends) that would otherwise
// be invisible or ambiguous in a message.
func displayPath(p string) string {
	if p == "" || strings.TrimSpace(p) != p {
		return strconv.Quote(p)
	}
	for _, r := range p {
		if !unicode.IsPrint(r) && r != ' ' {
			return strconv.Quote(p)
		}
	}
	return p
}

// Reasons a file cannot be read or written as the tool needs.
var (
	errIsDirectory = errors.New("is a directory")
	errNotRegular  = errors.New("is not a regular file")
	errTooLarge    = errors.New("file is too large")
	errIsSymlink   = errors.New("is a symlink")
	// errNoSpace is a write refused for lack of space. ENOSPC (disk full),
	// EDQUOT (quota) and EFBIG (a file-size limit, ulimit -f) all look the
	// same to the model: the write did not happen and cannot until a
	// person frees space, so the model must not retry it as is.
	errNoSpace = errors.New("no space left to write the file (the disk is full or a file-size limit is reached); the file is unchanged")
)

// isNoSpace reports whether err is a write refused for lack of space.
func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EFBIG) || errors.Is(err, syscall.EDQUOT)
}
