package gitsafety

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// The index is read and written here rather than with go-git's
// plumbing/format/index: on a 50,000-file repository go-git takes tens of
// milliseconds each way, which a per-step commit cannot afford. Entries
// keep git's on-disk fields as they are, so an index round-trips exactly
// (the assume-unchanged bit included) and stat data compares without
// conversions.

// idxEntry is one index entry.
type idxEntry struct {
	name  string
	hash  plumbing.Hash
	mode  filemode.FileMode
	ctime statTime
	mtime statTime
	dev   uint32
	ino   uint32
	uid   uint32
	gid   uint32
	size  uint32 // truncated to 32 bits, as git stores it; 0 when smudged
	flags uint16 // assume-valid and stage bits; the name length is derived
	ext   uint16 // extended flags: skip-worktree, intent-to-add
}

// statTime is a timestamp as the index stores it.
type statTime struct{ sec, nsec uint32 }

func toStatTime(t time.Time) statTime {
	return statTime{sec: uint32(t.Unix()), nsec: uint32(t.Nanosecond())}
}

func (t statTime) before(u statTime) bool {
	return t.sec < u.sec || t.sec == u.sec && t.nsec < u.nsec
}

const (
	flagAssumeValid = 0x8000
	flagExtended    = 0x4000
	flagStageMask   = 0x3000
	flagNameMask    = 0x0fff

	extSkipWorktree = 0x4000
	extIntentToAdd  = 0x2000

	entryFixedLen = 62 // stat data, hash and flags, before the name
)

func (e *idxEntry) stage() int            { return int(e.flags&flagStageMask) >> 12 }
func (e *idxEntry) skipWorktree() bool    { return e.ext&extSkipWorktree != 0 }
func (e *idxEntry) intentToAdd() bool     { return e.ext&extIntentToAdd != 0 }
func (e *idxEntry) assumeUnchanged() bool { return e.flags&flagAssumeValid != 0 }

// fileID identifies one version of a file written by replacing it: a
// writer following git's lock protocol always produces a new inode.
type fileID struct {
	dev, ino uint64
	size     int64
	mtime    int64 // Unix nanoseconds
}

// indexState is an index as read from or written to GitDir/index.
type indexState struct {
	version uint32
	entries []*idxEntry // sorted by name, then stage
	// tree is the tree the stage-0 entries make, when known: from the
	// TREE extension git writes, or as computed by this package. Zero
	// means unknown.
	tree plumbing.Hash
	// id identifies the file; exists is false when there is none.
	id     fileID
	exists bool
}

// modTime is the index file's mtime, which decides whether an entry is
// racily clean.
func (st *indexState) modTime() statTime {
	if !st.exists {
		return statTime{}
	}
	return toStatTime(time.Unix(0, st.id.mtime))
}

// hasConflicts reports whether any path has merge stages.
func (st *indexState) hasConflicts() bool {
	for _, e := range st.entries {
		if e.stage() != 0 {
			return true
		}
	}
	return false
}

// find returns the position of the stage-0 entry for name, or where it
// would be inserted, and whether it exists.
func (st *indexState) find(name string) (int, bool) {
	i, found := slices.BinarySearchFunc(st.entries, name, func(e *idxEntry, n string) int {
		if e.name < n {
			return -1
		}
		if e.name > n {
			return 1
		}
		return e.stage()
	})
	return i, found
}

// hasBelow reports whether any entry lies below the directory dir.
func (st *indexState) hasBelow(dir string) bool {
	prefix := dir + "/"
	i, _ := slices.BinarySearchFunc(st.entries, prefix, func(e *idxEntry, n string) int {
		if e.name < n {
			return -1
		}
		if e.name > n {
			return 1
		}
		return 0
	})
	return i < len(st.entries) && len(st.entries[i].name) > len(prefix) && st.entries[i].name[:len(prefix)] == prefix
}

// readIndex reads GitDir/index; a missing index is an empty one.
func (r *Repo) readIndex() (*indexState, error) {
	file := filepath.Join(r.gitDir, "index")
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		return &indexState{version: 2}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	defer func() { _ = f.Close() }()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	data := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, fmt.Errorf("read index %s: %w", file, err)
	}
	st, err := decodeIndex(data)
	if err != nil {
		return nil, fmt.Errorf("read index %s: %w", file, err)
	}
	st.id, st.exists = fileIDOf(fi), true
	return st, nil
}

// indexChanged reports whether GitDir/index is no longer the file st was
// read from or written to.
func (r *Repo) indexChanged(st *indexState) (bool, error) {
	fi, err := os.Lstat(filepath.Join(r.gitDir, "index"))
	if errors.Is(err, fs.ErrNotExist) {
		return st.exists, nil
	}
	if err != nil {
		return false, fmt.Errorf("stat index: %w", err)
	}
	return !st.exists || fileIDOf(fi) != st.id, nil
}

var errIndexFormat = errors.New("malformed index")

// decodeIndex parses an index file of version 2, 3 or 4. Optional
// extensions are skipped (TREE is read for its root); a required one
// (split index, sparse index) is refused, as an older git would refuse it.
func decodeIndex(data []byte) (*indexState, error) {
	const headerLen, trailerLen = 12, sha1.Size
	if len(data) < headerLen+trailerLen || string(data[:4]) != "DIRC" {
		return nil, fmt.Errorf("%w: no DIRC header", errIndexFormat)
	}
	body := data[:len(data)-trailerLen]
	if sum := data[len(data)-trailerLen:]; !bytes.Equal(sum, make([]byte, trailerLen)) {
		// An all-zero trailer is index.skipHash; anything else must match.
		if got := sha1.Sum(body); !bytes.Equal(got[:], sum) {
			return nil, fmt.Errorf("%w: checksum mismatch", errIndexFormat)
		}
	}
	st := &indexState{version: binary.BigEndian.Uint32(data[4:8])}
	if st.version < 2 || st.version > 4 {
		return nil, fmt.Errorf("index version %d is not supported (2 to 4 are)", st.version)
	}
	count := int(binary.BigEndian.Uint32(data[8:12]))
	if count > len(body)/entryFixedLen {
		return nil, fmt.Errorf("%w: %d entries cannot fit", errIndexFormat, count)
	}
	// One string holds every v2/v3 name, which then costs no allocation.
	whole := string(body)
	block := make([]idxEntry, count)
	st.entries = make([]*idxEntry, count)
	off := headerLen
	prev := ""
	for i := range block {
		e := &block[i]
		if off+entryFixedLen > len(body) {
			return nil, fmt.Errorf("%w: entry %d is truncated", errIndexFormat, i)
		}
		b := body[off:]
		e.ctime = statTime{binary.BigEndian.Uint32(b[0:]), binary.BigEndian.Uint32(b[4:])}
		e.mtime = statTime{binary.BigEndian.Uint32(b[8:]), binary.BigEndian.Uint32(b[12:])}
		e.dev = binary.BigEndian.Uint32(b[16:])
		e.ino = binary.BigEndian.Uint32(b[20:])
		e.mode = filemode.FileMode(binary.BigEndian.Uint32(b[24:]))
		e.uid = binary.BigEndian.Uint32(b[28:])
		e.gid = binary.BigEndian.Uint32(b[32:])
		e.size = binary.BigEndian.Uint32(b[36:])
		copy(e.hash[:], b[40:60])
		flags := binary.BigEndian.Uint16(b[60:])
		e.flags = flags &^ (flagNameMask | flagExtended)
		nameAt := off + entryFixedLen
		if flags&flagExtended != 0 {
			if st.version < 3 {
				return nil, fmt.Errorf("%w: extended flags in a version 2 index", errIndexFormat)
			}
			if nameAt+2 > len(body) {
				return nil, fmt.Errorf("%w: entry %d is truncated", errIndexFormat, i)
			}
			e.ext = binary.BigEndian.Uint16(body[nameAt:])
			nameAt += 2
		}
		if st.version == 4 {
			strip, n := decodeVarint(body[nameAt:])
			if n == 0 || strip > uint64(len(prev)) {
				return nil, fmt.Errorf("%w: entry %d has a bad name prefix", errIndexFormat, i)
			}
			nameAt += n
			nul := bytes.IndexByte(body[nameAt:], 0)
			if nul < 0 {
				return nil, fmt.Errorf("%w: entry %d is truncated", errIndexFormat, i)
			}
			e.name = prev[:len(prev)-int(strip)] + whole[nameAt:nameAt+nul]
			off = nameAt + nul + 1
		} else {
			n := int(flags & flagNameMask)
			if n == flagNameMask {
				nul := bytes.IndexByte(body[nameAt:], 0)
				if nul < 0 {
					return nil, fmt.Errorf("%w: entry %d is truncated", errIndexFormat, i)
				}
				n = nul
			}
			if nameAt+n > len(body) {
				return nil, fmt.Errorf("%w: entry %d is truncated", errIndexFormat, i)
			}
			e.name = whole[nameAt : nameAt+n]
			// Padding: one to eight NULs up to a multiple of eight.
			off += (nameAt - off + n + 8) &^ 7
		}
		if !validEntryName(e.name) {
			// git itself refuses such paths; staging them would read or
			// write outside the work tree, or inside .git.
			return nil, fmt.Errorf("%w: entry %q is not a path inside the work tree", errIndexFormat, e.name)
		}
		if i > 0 && !entryLess(&block[i-1], e) {
			return nil, fmt.Errorf("%w: entries out of order at %q", errIndexFormat, e.name)
		}
		prev = e.name
		st.entries[i] = e
	}
	if off > len(body) {
		return nil, fmt.Errorf("%w: entries overrun the file", errIndexFormat)
	}
	for off < len(body) {
		if off+8 > len(body) {
			return nil, fmt.Errorf("%w: truncated extension header", errIndexFormat)
		}
		sig := string(body[off : off+4])
		size := int(binary.BigEndian.Uint32(body[off+4:]))
		off += 8
		if size > len(body)-off {
			return nil, fmt.Errorf("%w: extension %q overruns the file", errIndexFormat, sig)
		}
		ext := body[off : off+size]
		off += size
		switch {
		case sig == "TREE":
			st.tree = cacheTreeRoot(ext, st.entries)
		case sig[0] < 'A' || sig[0] > 'Z':
			// Lower-case signatures must be understood to read the index.
			return nil, fmt.Errorf("the index uses the %q extension (a split or sparse index), which safe-coder cannot read; "+
				"git update-index --no-split-index or git sparse-checkout disable turns it off", sig)
		}
	}
	return st, nil
}

// validEntryName is git's verify_path in short: a relative slash path
// without empty, "." or ".." components, and no ".git" component.
func validEntryName(name string) bool {
	if name == "" || name[0] == '/' || name[len(name)-1] == '/' {
		return false
	}
	for start := 0; start <= len(name); {
		end := strings.IndexByte(name[start:], '/')
		if end < 0 {
			end = len(name)
		} else {
			end += start
		}
		c := name[start:end]
		if c == "" || c == "." || c == ".." || strings.EqualFold(c, ".git") {
			return false
		}
		start = end + 1
	}
	return true
}

func entryLess(a, b *idxEntry) bool {
	if a.name != b.name {
		return a.name < b.name
	}
	return a.stage() < b.stage()
}

// cacheTreeRoot returns the root tree recorded by git's TREE extension
// when it is valid for every entry, the zero hash otherwise. Its first
// record is the root: "" NUL, entry count, ' ', subtree count, '\n', hash
// (the hash is absent when the count is -1, meaning invalidated).
func cacheTreeRoot(ext []byte, entries []*idxEntry) plumbing.Hash {
	if len(ext) == 0 || ext[0] != 0 {
		return plumbing.ZeroHash
	}
	ext = ext[1:]
	sp := bytes.IndexByte(ext, ' ')
	nl := bytes.IndexByte(ext, '\n')
	if sp < 0 || nl < sp || len(ext) < nl+1+sha1.Size {
		return plumbing.ZeroHash
	}
	n, err := strconv.Atoi(string(ext[:sp]))
	if err != nil || n != len(entries) {
		return plumbing.ZeroHash
	}
	for _, e := range entries {
		// Trees leave these out, so the count alone cannot vouch.
		if e.stage() != 0 || e.intentToAdd() {
			return plumbing.ZeroHash
		}
	}
	var h plumbing.Hash
	copy(h[:], ext[nl+1:nl+1+sha1.Size])
	return h
}

// decodeVarint reads git's offset varint (not LEB128: each continuation
// adds one before shifting), returning the value and the bytes used; 0
// bytes means malformed.
func decodeVarint(b []byte) (uint64, int) {
	if len(b) == 0 {
		return 0, 0
	}
	c := b[0]
	v := uint64(c & 0x7f)
	n := 1
	for c&0x80 != 0 {
		if n >= len(b) || n > 9 {
			return 0, 0
		}
		v++
		c = b[n]
		v = v<<7 + uint64(c&0x7f)
		n++
	}
	return v, n
}
