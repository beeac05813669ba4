package tools

import (
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
	perm, err := tb.writableMode(rel)
	if err != nil {
		msg := fmt.Sprintf("%s: %v", shown, err)
		if errors.Is(err, errIsSymlink) {
			msg += "; write_file does not follow symlinks: write the file the link points to"
		}
		return failure(WriteFile+" "+msg, msg)
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
// regular file already there, or newFileMode. A directory, a symlink or a
// special file at rel is an error: replacing it would lose something that
// is not a file's content.
func (tb *Toolbox) writableMode(rel string) (fs.FileMode, error) {
	fi, err := tb.root.Lstat(rel)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return newFileMode, nil
	case err != nil:
		return 0, errors.New(fsReason(err))
	case fi.Mode()&fs.ModeSymlink != 0:
		return 0, errIsSymlink
	case fi.IsDir():
		return 0, errIsDirectory
	case !fi.Mode().IsRegular():
		return 0, errNotRegular
	}
	return fi.Mode().Perm(), nil
}
