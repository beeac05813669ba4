//go:build linux

package gitsafety

import (
	"io/fs"
	"syscall"
	"time"
)

// statData is the part of a file's stat that git keeps in the index beyond
// size, mode and mtime. Recording it is what lets `git status` trust an
// entry without re-reading the file.
type statData struct {
	ctime              time.Time
	dev, ino, uid, gid uint32
}

func sysStat(fi fs.FileInfo) statData {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return statData{}
	}
	// Truncation to 32 bits matches what git itself stores.
	return statData{
		ctime: time.Unix(st.Ctim.Unix()),
		dev:   uint32(st.Dev),
		ino:   uint32(st.Ino),
		uid:   st.Uid,
		gid:   st.Gid,
	}
}
