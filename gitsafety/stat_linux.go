//go:build linux

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
	var raw syscall.Stat_t
	for {
		err = syscall.Lstat(p, &raw)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ENOTDIR) {
		return fileStat{}, false, nil
	}
	if err != nil {
		return fileStat{}, false, fmt.Errorf("stat %s: %w", p, err)
	}
	return statOfRaw(&raw), true, nil
}

// fileStatOf converts what os.Stat and friends return.
func fileStatOf(fi fs.FileInfo) fileStat {
	if raw, ok := fi.Sys().(*syscall.Stat_t); ok {
		return statOfRaw(raw)
	}
	return statOfInfo(fi)
}

func statOfRaw(raw *syscall.Stat_t) fileStat {
	st := fileStat{
		exec: raw.Mode&0o100 != 0,
		size: raw.Size,
		// Truncation to 32 bits matches what git itself stores.
		mtime:   statTime{sec: uint32(raw.Mtim.Sec), nsec: uint32(raw.Mtim.Nsec)},
		ctime:   statTime{sec: uint32(raw.Ctim.Sec), nsec: uint32(raw.Ctim.Nsec)},
		dev:     uint32(raw.Dev),
		ino:     uint32(raw.Ino),
		uid:     raw.Uid,
		gid:     raw.Gid,
		fullDev: raw.Dev,
		fullIno: raw.Ino,
		mtimeNs: raw.Mtim.Sec*1e9 + raw.Mtim.Nsec,
	}
	switch raw.Mode & syscall.S_IFMT {
	case syscall.S_IFREG:
		st.kind = kindRegular
	case syscall.S_IFDIR:
		st.kind = kindDir
	case syscall.S_IFLNK:
		st.kind = kindSymlink
	default:
		st.kind = kindOther
	}
	return st
}

// preallocate reserves size bytes for a file about to be written whole.
// On ext4 a file written with delayed allocation and then renamed over
// another is forced to disk by the rename (auto_da_alloc), which costs
// more than the write; blocks allocated up front are not. The size is
// kept (FALLOC_FL_KEEP_SIZE): only what is written counts. Failure only
// loses the optimization.
func preallocate(f *os.File, size int64) {
	const keepSize = 0x01
	_ = syscall.Fallocate(int(f.Fd()), keepSize, 0, size)
}
