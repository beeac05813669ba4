package tools

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// maxSymlinks bounds symlink resolution, as the kernel's MAXSYMLINKS does.
const maxSymlinks = 40

// followMode says whether resolve follows a symlink in the last component.
type followMode int

const (
	followFinal followMode = iota // read, edit: act on what the link points to
	keepFinal                     // write: act on the link itself (and refuse it)
)

// resolve turns a path from the model into a clean, slash-separated path
// relative to the repository root ("." for the root itself), following every
// symlink inside the repository the way the kernel would, and refuses the
// path if it is empty, holds a NUL byte, is absolute, climbs above the root
// on its own or through a symlink (dangling ones included), or names .git in
// any spelling at any step, including inside a symlink's target.
//
// The checks here give the model a precise reason; the os.Root every tool
// then uses is what actually holds against races, such as a symlink swapped
// in between this check and the operation.
//
// Components below one that does not exist are kept as written: nothing
// there can be a symlink yet, and the operation itself reports the missing
// file.
func (tb *Toolbox) resolve(p string, mode followMode) (string, error) {
	refuse := func(err error, detail string) error {
		return &pathError{path: p, err: err, detail: detail}
	}
	switch {
	case p == "":
		return "", refuse(errEmptyPath, "")
	case strings.ContainsRune(p, 0):
		return "", refuse(errNULByte, "")
	case filepath.IsAbs(p) || filepath.VolumeName(p) != "" || strings.HasPrefix(filepath.ToSlash(p), "/"):
		return "", refuse(errAbsolutePath, "")
	}
	todo := strings.Split(filepath.ToSlash(p), "/")
	var done []string
	links := 0
	missing := false
	via := "" // the last symlink followed, for messages
	for len(todo) > 0 {
		c := todo[0]
		todo = todo[1:]
		switch {
		case c == "" || c == ".":
			continue
		case c == "..":
			if len(done) == 0 {
				return "", refuse(errPathEscapes, viaDetail(via))
			}
			done = done[:len(done)-1]
			continue
		case isGitName(c):
			if via != "" {
				return "", refuse(errInsideGit, fmt.Sprintf("it resolves into %s through symlink %s", path.Join(append(done, c)...), via))
			}
			return "", refuse(errInsideGit, "")
		}
		cur := path.Join(append(done, c)...)
		if missing {
			done = append(done, c)
			continue
		}
		fi, err := tb.root.Lstat(cur)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				missing = true
				done = append(done, c)
				continue
			}
			return "", fsError(p, err)
		}
		last := onlyDots(todo)
		if fi.Mode()&fs.ModeSymlink == 0 || (last && mode == keepFinal) {
			done = append(done, c)
			continue
		}
		links++
		if links > maxSymlinks {
			return "", refuse(errSymlinkLoop, "")
		}
		target, err := tb.root.Readlink(cur)
		if err != nil {
			return "", fsError(p, err)
		}
		via = fmt.Sprintf("%s -> %s", cur, target)
		if target == "" || strings.ContainsRune(target, 0) {
			return "", &pathError{path: p, err: fs.ErrNotExist, reason: "symlink with an empty target", detail: viaDetail(via)}
		}
		if filepath.IsAbs(target) || filepath.VolumeName(target) != "" || strings.HasPrefix(filepath.ToSlash(target), "/") {
			// os.Root never follows absolute links, so even one that
			// names a place inside the repository is an escape here.
			return "", refuse(errPathEscapes, viaDetail(via))
		}
		todo = append(strings.Split(filepath.ToSlash(target), "/"), todo...)
	}
	if len(done) == 0 {
		return ".", nil
	}
	return path.Join(done...), nil
}

func viaDetail(via string) string {
	if via == "" {
		return ""
	}
	return "through symlink " + via
}

// onlyDots reports whether the components left add nothing ("a/" or "a/.").
func onlyDots(todo []string) bool {
	for _, c := range todo {
		if c != "" && c != "." {
			return false
		}
	}
	return true
}

// isGitName reports whether a path component names the .git directory on
// some filesystem: in any case (case-insensitive filesystems of macOS and
// Windows), with trailing dots or spaces (stripped by Windows), as the
// 8.3 short name GIT~1, or with the Unicode code points HFS+ ignores. Git
// itself refuses the same spellings in tree entries.
func isGitName(c string) bool {
	c = strings.Map(func(r rune) rune {
		if hfsIgnorable(r) {
			return -1
		}
		return r
	}, c)
	c = strings.ToLower(strings.TrimRight(c, ". "))
	return c == ".git" || c == "git~1"
}

// hfsIgnorable lists the code points HFS+ drops when comparing names
// (the same list as git's is_hfs_dotgit).
func hfsIgnorable(r rune) bool {
	switch {
	case r >= 0x200c && r <= 0x200f, // zero-width non-joiner .. right-to-left mark
		r >= 0x202a && r <= 0x202e, // directional embeddings and overrides
		r >= 0x206a && r <= 0x206f, // deprecated format characters
		r == 0xfeff:                // zero-width no-break space
		return true
	}
	return false
}

// fsError describes a file-system error on the path the model gave.
func fsError(p string, err error) error {
	reason := fsReason(err)
	if strings.Contains(reason, "escapes") {
		// os.Root caught what resolve did not see, e.g. a symlink
		// swapped in by a background command in between.
		return &pathError{path: p, err: errPathEscapes}
	}
	return &pathError{path: p, err: err, reason: reason}
}

// fsReason is the reason of a file-system error without Go's operation and
// path prefixes ("openat a/b: "), which the model has no use for.
func fsReason(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file or directory"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err.Error()
	}
	return err.Error()
}
