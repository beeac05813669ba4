//go:build !linux

package gitsafety

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// lstatPath stats p without following a final symlink. Nothing there
// (including a parent that is no longer a directory) is exists == false
// with a nil error.
func lstatPath(p string) (st fileStat, exists bool, err error) {
	fi, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return fileStat{}, false, nil
	}
	if err != nil {
		return fileStat{}, false, fmt.Errorf("stat %s: %w", p, err)
	}
	return statOfInfo(fi), true, nil
}

// fileStatOf converts what os.Stat and friends return. Beyond Linux only
// the portable fields are read: entries lack ctime, inode and device, and
// git re-reads those files once to confirm they are unchanged.
func fileStatOf(fi fs.FileInfo) fileStat { return statOfInfo(fi) }

// preallocate does nothing where fallocate(2) is not available.
func preallocate(*os.File, int64) {}
