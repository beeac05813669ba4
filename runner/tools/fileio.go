package tools

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"syscall"
)

// binarySniffLen is how much of a file is searched for a NUL byte to call
// it binary, as git and grep do.
const binarySniffLen = 8 << 10

// isBinary reports whether data looks binary.
func isBinary(data []byte) bool {
	return bytes.IndexByte(data[:min(len(data), binarySniffLen)], 0) >= 0
}

// readRegular reads the regular file at the resolved path rel, refusing
// directories, special files and files over maxSize bytes. For a file that
// is too large it returns its info and errTooLarge, without reading it.
//
// The file is opened non-blocking and checked on the open descriptor: a
// FIFO or device swapped in after a check on the name would otherwise
// block the run forever or read from hardware.
func (tb *Toolbox) readRegular(rel string, maxSize int64) ([]byte, fs.FileInfo, error) {
	f, err := tb.root.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	switch {
	case fi.IsDir():
		return nil, fi, errIsDirectory
	case !fi.Mode().IsRegular():
		return nil, fi, errNotRegular
	case fi.Size() > maxSize:
		return nil, fi, errTooLarge
	}
	// The file may grow between Stat and Read; never read past the cap.
	data, err := io.ReadAll(io.LimitReader(f, maxSize+1))
	if err != nil {
		return nil, fi, err
	}
	if int64(len(data)) > maxSize {
		return nil, fi, errTooLarge
	}
	return data, fi, nil
}

// writeAtomic replaces the file at the resolved path rel with data, with the
// permission bits perm: a temporary file in the same directory is written,
// synced, closed and renamed over rel, so readers (and a crash) see either
// the old content or the new, never a mix. rename replaces a final symlink
// rather than following it; callers refuse symlinks before calling.
func (tb *Toolbox) writeAtomic(rel string, data []byte, perm fs.FileMode) (err error) {
	dir := path.Dir(rel)
	tmp := path.Join(dir, "."+path.Base(rel)+".safe-coder-"+rand.Text()+".tmp")
	f, err := tb.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create temporary file: %w", err)
	}
	defer func() {
		if err != nil {
			// Best effort: the temporary name is unique, so a leftover
			// harms nothing but tidiness, and the original error matters.
			_ = f.Close()
			_ = tb.root.Remove(tmp)
			if isNoSpace(err) {
				// Not "write temporary file: write /abs/.x.tmp: file too
				// large", which reads like a tool limit on the content.
				err = fmt.Errorf("%w (%s)", errNoSpace, fsReason(err))
			}
		}
	}()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write temporary file: %w", err)
	}
	// Chmod on the descriptor, because the mode given to OpenFile is
	// filtered through the umask and the kept mode must be exact.
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("set mode of temporary file: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync temporary file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close temporary file: %w", err)
	}
	if err := tb.root.Rename(tmp, rel); err != nil {
		return fmt.Errorf("rename temporary file into place: %w", err)
	}
	tb.syncDir(dir)
	return nil
}

// syncDir makes a rename in dir durable. It is best effort: the data itself
// is already synced, and some file systems refuse fsync on directories.
func (tb *Toolbox) syncDir(dir string) {
	d, err := tb.root.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}

// describe turns an error from readRegular or writeAtomic on the path the
// model gave into a message for the model.
func describe(p string, err error) string {
	var pe *pathError
	if errors.As(err, &pe) {
		return pe.Error()
	}
	return fsError(p, err).Error()
}
