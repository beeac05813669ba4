package tools

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"
)

// Permissions of what write_file creates.
const (
	newFileMode = 0o644
	newDirMode  = 0o755
)

func (tb *Toolbox) writeFile(in writeFileInput) Result {
	shown := displayPath(in.Path)
	if strings.HasSuffix(filepath.ToSlash(in.Path), "/") {
		// resolve would drop the slash and create a file where the model
		// meant a directory.
		msg := shown + ": ends with '/', so it names a directory; write_file writes files"
		return failure(WriteFile+" "+msg, msg)
	}
	rel, err := tb.resolve(in.Path, keepFinal)
	if err != nil {
		return failure(WriteFile+" "+err.Error(), err.Error())
	}
	if msg := tb.guarded(rel); msg != "" {
		return failure(WriteFile+" "+shown+": guarded", msg)
	}
	perm, exists, err := tb.writableMode(rel)
	if err != nil {
		msg := fmt.Sprintf("%s: %v", shown, err)
		if errors.Is(err, errIsSymlink) {
			msg += "; write_file does not follow symlinks: write the file the link points to"
		}
		return failure(WriteFile+" "+msg, msg)
	}
	if exists {
		if msg := tb.overwriteRefusal(rel, in.Path); msg != "" {
			return failure(WriteFile+" "+msg, msg)
		}
	}
	if dir := path.Dir(rel); dir != "." {
		if err := tb.root.MkdirAll(dir, newDirMode); err != nil {
			msg := fmt.Sprintf("%s: create parent directory: %s", shown, fsReason(err))
			return failure(WriteFile+" "+msg, msg)
		}
	}
	data := []byte(in.Content)
	if err := tb.writeAtomic(rel, data, perm); err != nil {
		msg := fmt.Sprintf("%s: %v", shown, err)
		return failure(WriteFile+" "+msg, msg)
	}
	tb.remember(rel, data)
	return Result{
		Content: fmt.Sprintf("wrote %d bytes to %s", len(data), rel),
		Touched: []string{rel},
		Summary: fmt.Sprintf("%s %s (%d bytes)", WriteFile, rel, len(data)),
	}
}

// writableMode returns the permission bits to write rel with: those of the
// regular file already there (exists is then true), or newFileMode. A
// directory, a symlink or a special file at rel is an error: replacing it
// would lose something that is not a file's content.
func (tb *Toolbox) writableMode(rel string) (perm fs.FileMode, exists bool, err error) {
	fi, err := tb.root.Lstat(rel)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return newFileMode, false, nil
	case err != nil:
		return 0, false, errors.New(fsReason(err))
	case fi.Mode()&fs.ModeSymlink != 0:
		return 0, false, errIsSymlink
	case fi.IsDir():
		return 0, false, errIsDirectory
	case !fi.Mode().IsRegular():
		return 0, false, errNotRegular
	}
	return fi.Mode().Perm(), true, nil
}

// overwriteRefusal returns why the existing file at the resolved path rel,
// which the model called given, must not be replaced, or "" when it may be. A model that replaces a file it never
// read throws away content it does not know about, and one that replaces a
// file changed since it read it throws away someone else's change (a
// formatter, a command, the user); both are refused, as edit_file refuses a
// stale edit. Having written or edited the file through this toolbox counts
// as having read it.
func (tb *Toolbox) overwriteRefusal(rel, given string) string {
	shown := displayPath(given)
	sum, seen := tb.seenSum(rel)
	if !seen {
		if fi, err := tb.root.Lstat(rel); err == nil && fi.Size() > maxReadSize {
			return fmt.Sprintf("%s: the file exists and is too large to read (%d bytes), so write_file cannot replace it; use bash if it must be replaced", shown, fi.Size())
		}
		return shown + ": the file exists and you have not read it; read it with read_file before replacing it, or use edit_file to change part of it"
	}
	// Content the model saw was at most maxReadSize bytes, so a file
	// that is now larger has changed.
	data, _, err := tb.readRegular(rel, maxReadSize)
	switch {
	case errors.Is(err, errTooLarge):
	case err != nil:
		return describe(given, err)
	case sha256.Sum256(data) == sum:
		return ""
	}
	return shown + ": the file changed on disk since you last read or wrote it; read it again before replacing it"
}
