package safefile

import (
	"errors"
	"io"
	"os"
	"syscall"
)

// ErrNotRegular is returned by Read for a FIFO, a device, a socket or a
// directory: reading one could block forever or never end. Callers word
// the refusal for their reader.
var ErrNotRegular = errors.New("not a regular file")

// ErrSymlink is returned by Read when name is a symbolic link, or was
// replaced (by a link or another file) between the check on its name and
// the open: what was opened is not what was checked.
var ErrSymlink = errors.New("a symbolic link, or replaced while it was opened")

// Read returns at most limit bytes of the regular file name below root,
// and the file's size as the descriptor reported it when it was opened
// (which may be smaller than what was read from a file still growing).
// The last component of name must not be a symbolic link (ErrSymlink):
// os.Root would follow it within root, even with O_NOFOLLOW, so the name
// is checked with Lstat first and the opened descriptor must be that very
// file, which closes the race of a link swapped in between. Directories
// on the way are followed within root, as os.Root does; a caller that must
// refuse them checks before. Errors from opening, e.g. fs.ErrNotExist,
// come back unwrapped; a file that is not regular is ErrNotRegular.
func Read(root *os.Root, name string, limit int64) (data []byte, size int64, err error) {
	checked, err := root.Lstat(name)
	if err != nil {
		return nil, 0, err
	}
	if checked.Mode()&os.ModeSymlink != 0 {
		return nil, 0, ErrSymlink
	}
	f, err := root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		return nil, 0, ErrNotRegular
	}
	if !os.SameFile(checked, fi) {
		return nil, 0, ErrSymlink
	}
	data, err = io.ReadAll(io.LimitReader(f, max(limit, 0)))
	if err != nil {
		return nil, 0, err
	}
	return data, fi.Size(), nil
}
