package gitsafety

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// readIndex decodes GitDir/index; a missing index is an empty one. ModTime
// is the index file's mtime, which decides whether an entry is racily clean.
func (r *Repo) readIndex() (*index.Index, error) {
	path := filepath.Join(r.gitDir, "index")
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &index.Index{Version: 2}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	defer func() { _ = f.Close() }()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	idx := &index.Index{ModTime: st.ModTime()}
	if err := index.NewDecoder(bufio.NewReader(f)).Decode(idx); err != nil {
		return nil, fmt.Errorf("read index %s: %w (index versions 2 to 4 are supported, without split or sparse index)", path, err)
	}
	return idx, nil
}

// lockIndex takes index.lock for the whole of a staging pass, as git does
// for `git commit`: a git command that starts meanwhile fails instead of
// writing an index that this pass would then overwrite.
func (r *Repo) lockIndex() (*lockFile, error) {
	return createLockFile(filepath.Join(r.gitDir, "index"))
}

// encodeIndex writes entries into the held index lock; the caller commits or
// rolls the lock back. Extensions are not written: the cache tree would be
// stale and git rebuilds what it needs.
//
// Entries whose mtime is not older than the lock file are "racily clean":
// the file may change again within the same timestamp tick, and a later
// stat comparison could not tell. Their size is zeroed (git calls this
// smudging) so that git and the next staging pass re-read them.
func encodeIndex(l *lockFile, version uint32, entries []*index.Entry) error {
	out := make([]*index.Entry, len(entries))
	extended := false
	for i, e := range entries {
		c := *e
		if !c.ModifiedAt.IsZero() && !c.ModifiedAt.Before(l.created) && c.Size != 0 {
			c.Size = 0
		}
		extended = extended || c.IntentToAdd || c.SkipWorktree
		out[i] = &c
	}
	if version < 2 || version > 4 {
		version = 2
	}
	// Extended flags do not exist in version 2.
	if extended && version == 2 {
		version = 3
	}
	bw := bufio.NewWriter(l)
	if err := index.NewEncoder(bw).Encode(&index.Index{Version: version, Entries: out}); err != nil {
		return fmt.Errorf("encode index: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write index: %w", err)
	}
	return nil
}

// newEntry builds an index entry for a file just hashed, with the stat data
// git compares on its next `git status`.
func newEntry(name string, h plumbing.Hash, mode filemode.FileMode, fi fs.FileInfo) *index.Entry {
	sd := sysStat(fi)
	return &index.Entry{
		Name:       name,
		Hash:       h,
		Mode:       mode,
		ModifiedAt: fi.ModTime(),
		CreatedAt:  sd.ctime,
		Dev:        sd.dev,
		Inode:      sd.ino,
		UID:        sd.uid,
		GID:        sd.gid,
		Size:       uint32(fi.Size()),
	}
}

// statMatches is git's "stat clean" test: the entry may be trusted without
// reading the file. An entry whose mtime is not older than the index file
// is racily clean and never trusted.
func statMatches(e *index.Entry, fi fs.FileInfo, indexTime time.Time) bool {
	if indexTime.IsZero() || !fi.ModTime().Before(indexTime) {
		return false
	}
	sd := sysStat(fi)
	return e.Size == uint32(fi.Size()) &&
		e.ModifiedAt.Equal(fi.ModTime()) &&
		e.CreatedAt.Equal(sd.ctime) &&
		e.Inode == sd.ino &&
		e.Dev == sd.dev
}
