package gitsafety

import (
	"path/filepath"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// emptyBlob is the hash of the empty blob. An entry recorded with size 0
// only vouches for a file when it holds this blob: otherwise the size was
// smudged and the file must be re-read.
var emptyBlob = plumbing.NewHash("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391")

// lockIndex takes index.lock for the whole of a staging pass, as git does
// for `git commit`: a git command that starts meanwhile fails instead of
// writing an index that this pass would then overwrite.
func (r *Repo) lockIndex() (*lockFile, error) {
	lf, err := createLockFile(filepath.Join(r.gitDir, "index"))
	if err != nil {
		return nil, err
	}
	lf.noSync = true
	return lf, nil
}

// newEntry builds an index entry for a file just hashed, with the stat data
// git compares on its next `git status`.
func newEntry(name string, h plumbing.Hash, mode filemode.FileMode, st fileStat) *idxEntry {
	return &idxEntry{
		name:  name,
		hash:  h,
		mode:  mode,
		mtime: st.mtime,
		ctime: st.ctime,
		dev:   st.dev,
		ino:   st.ino,
		uid:   st.uid,
		gid:   st.gid,
		size:  uint32(st.size),
	}
}

// statMatches is git's "stat clean" test: the entry may be trusted without
// reading the file. An entry whose mtime is not older than the index file
// is racily clean and never trusted, and neither is a smudged one.
func statMatches(e *idxEntry, st fileStat, indexTime statTime) bool {
	if indexTime == (statTime{}) || !st.mtime.before(indexTime) {
		return false
	}
	if e.size == 0 && e.hash != emptyBlob {
		return false
	}
	return e.size == uint32(st.size) &&
		e.mtime == st.mtime &&
		e.ctime == st.ctime &&
		e.ino == st.ino &&
		e.dev == st.dev
}

// modeOf is the git mode for st; ok is false for what git cannot track
// (directories, sockets, devices). Without trustExec (core.fileMode
// false) a tracked file keeps its recorded executable bit.
func modeOf(st fileStat, old *idxEntry, trustExec bool) (filemode.FileMode, bool) {
	switch st.kind {
	case kindSymlink:
		return filemode.Symlink, true
	case kindRegular:
		if !trustExec && old != nil && (old.mode == filemode.Regular || old.mode == filemode.Executable) {
			return old.mode, true
		}
		if st.exec {
			return filemode.Executable, true
		}
		return filemode.Regular, true
	}
	return 0, false
}
