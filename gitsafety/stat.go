package gitsafety

import "io/fs"

// fileStat is what git compares of a file to decide, without reading it,
// that it is unchanged since its index entry was recorded.
type fileStat struct {
	kind               fileKind
	exec               bool // the owner's executable bit
	size               int64
	mtime, ctime       statTime
	dev, ino, uid, gid uint32
	// fullDev, fullIno and mtimeNs are not truncated: with the size they
	// identify one version of a file exactly.
	fullDev, fullIno uint64
	mtimeNs          int64
}

type fileKind uint8

const (
	kindOther fileKind = iota // socket, device, FIFO: git cannot track it
	kindRegular
	kindDir
	kindSymlink
)

// statOfInfo builds a fileStat from the portable part of fs.FileInfo.
func statOfInfo(fi fs.FileInfo) fileStat {
	st := fileStat{
		exec:    fi.Mode()&0o100 != 0,
		size:    fi.Size(),
		mtime:   toStatTime(fi.ModTime()),
		mtimeNs: fi.ModTime().UnixNano(),
	}
	switch {
	case fi.Mode().IsRegular():
		st.kind = kindRegular
	case fi.IsDir():
		st.kind = kindDir
	case fi.Mode()&fs.ModeSymlink != 0:
		st.kind = kindSymlink
	}
	return st
}

// id identifies one version of the file.
func (st fileStat) id() fileID {
	return fileID{dev: st.fullDev, ino: st.fullIno, size: st.size, mtime: st.mtimeNs}
}

// fileIDOf identifies the version of a file that fi describes.
func fileIDOf(fi fs.FileInfo) fileID {
	return fileStatOf(fi).id()
}
