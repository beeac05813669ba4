package gitsafety

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// lockFile is git's lock-file protocol for one file: path.lock is created
// exclusively, the new content is written to it, and commit renames it over
// path. Any git command that wants to write the same file fails while the
// lock exists, and a reader sees either the old or the new file.
type lockFile struct {
	path     string
	lockPath string
	f        *os.File
	created  time.Time // the lock file's mtime right after creation
	done     bool
	// noSync skips the fsync before the rename, for the index only: it
	// is derived state that git reset rebuilds, git does not fsync it
	// either (core.fsync's default), and on a large repository the fsync
	// would cost more than the rest of a step's commit. A killed process
	// still leaves the old or the new file, never a torn one: the rename
	// only happens after the last write.
	noSync bool
}

// createLockFile takes the lock for path. The parent directory is created
// when missing (a new ref under refs/heads/safe-coder/).
func createLockFile(path string) (*lockFile, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		return nil, fmt.Errorf("create directory for %s: %w", path, err)
	}
	lockPath := path + ".lock"
	// 0o666 like git: the umask decides the final permissions.
	f, err := os.OpenFile(lockPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("%w: %s exists: another git command may be running; if none is, remove the file", ErrLocked, lockPath)
	}
	if err != nil {
		return nil, fmt.Errorf("create lock %s: %w", lockPath, err)
	}
	st, err := f.Stat()
	if err != nil {
		return nil, errors.Join(fmt.Errorf("stat lock %s: %w", lockPath, err), f.Close(), os.Remove(lockPath))
	}
	return &lockFile{path: path, lockPath: lockPath, f: f, created: st.ModTime()}, nil
}

// identity is the identity the file will have once committed: renaming
// keeps the inode, the size and the mtime of what was written.
func (l *lockFile) identity() (fileID, error) {
	fi, err := l.f.Stat()
	if err != nil {
		return fileID{}, fmt.Errorf("stat %s: %w", l.lockPath, err)
	}
	return fileIDOf(fi), nil
}

// preallocate reserves room for size bytes of new content.
func (l *lockFile) preallocate(size int64) { preallocate(l.f, size) }

// Write appends to the new content of the locked file.
func (l *lockFile) Write(p []byte) (int, error) {
	return l.f.Write(p)
}

// commit makes the written content durable and renames it over the file,
// which also releases the lock.
func (l *lockFile) commit() error {
	if l.done {
		return fmt.Errorf("commit lock %s: already released", l.lockPath)
	}
	l.done = true
	if !l.noSync {
		if err := l.f.Sync(); err != nil {
			return errors.Join(fmt.Errorf("sync %s: %w", l.lockPath, err), l.f.Close(), os.Remove(l.lockPath))
		}
	}
	if err := l.f.Close(); err != nil {
		return errors.Join(fmt.Errorf("close %s: %w", l.lockPath, err), os.Remove(l.lockPath))
	}
	if err := os.Rename(l.lockPath, l.path); err != nil {
		return errors.Join(fmt.Errorf("rename %s: %w", l.lockPath, err), os.Remove(l.lockPath))
	}
	return nil
}

// rollback drops the lock and whatever was written; the file keeps its old
// content. It is a no-op after commit, so it can be deferred.
func (l *lockFile) rollback() error {
	if l.done {
		return nil
	}
	l.done = true
	closeErr := l.f.Close()
	if err := os.Remove(l.lockPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return errors.Join(fmt.Errorf("remove lock %s: %w", l.lockPath, err), closeErr)
	}
	return nil
}
