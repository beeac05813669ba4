//go:build !linux

package gitsafety

import (
	"io/fs"
	"time"
)

// statData is the part of a file's stat that git keeps in the index beyond
// size, mode and mtime. Where it is not read, entries lack it and git
// re-reads those files once to confirm they are unchanged.
type statData struct {
	ctime              time.Time
	dev, ino, uid, gid uint32
}

func sysStat(fs.FileInfo) statData { return statData{} }
