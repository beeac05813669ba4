package gitsafety

import (
	"bytes"
	"crypto/sha1"
	"encoding"
	"encoding/binary"
	"fmt"
	"slices"
)

// This file writes the index; indexfile.go reads it.

// appendVarint writes git's offset varint, the inverse of decodeVarint.
func appendVarint(b []byte, v uint64) []byte {
	var buf [16]byte
	pos := len(buf) - 1
	buf[pos] = byte(v & 0x7f)
	for v >>= 7; v != 0; v >>= 7 {
		v--
		pos--
		buf[pos] = 0x80 | byte(v&0x7f)
	}
	return append(b, buf[pos:]...)
}

// encodeIndex serializes entries as an index file of the given version
// (raised to 3 when an entry needs extended flags), without the trailing
// checksum. Entries whose mtime is not older than racyAfter are "racily
// clean": the file may change again within the same timestamp tick, and a
// later stat comparison could not tell. Their size is zeroed (git calls
// this smudging) so that git and the next staging pass re-read them. It
// returns the bytes, appended to buf[:0], and the entries as written,
// which share every entry that was not smudged.
//
// Extensions are not written: a cache tree would have to be kept exact,
// and git rebuilds what it needs.
func encodeIndex(buf []byte, version uint32, entries []*idxEntry, racyAfter statTime) ([]byte, []*idxEntry) {
	if version < 2 || version > 4 {
		version = 2
	}
	written := entries
	cloned := false
	size := 12 + sha1.Size
	for i, e := range entries {
		if e.ext != 0 && version == 2 {
			version = 3
		}
		if e.size != 0 && !e.mtime.before(racyAfter) && e.mtime != (statTime{}) {
			if !cloned {
				// The caller's slice and entries may be a cached index
				// that must stay as it is if this write is abandoned.
				written, cloned = slices.Clone(entries), true
			}
			c := *e
			c.size = 0
			written[i] = &c
		}
		size += entryFixedLen + 2 + len(e.name) + 8
	}
	if cap(buf) < size {
		buf = make([]byte, 0, size+size/8)
	}
	buf = buf[:0]
	buf = append(buf, "DIRC"...)
	buf = binary.BigEndian.AppendUint32(buf, version)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(written)))
	prev := ""
	for _, e := range written {
		start := len(buf)
		buf = binary.BigEndian.AppendUint32(buf, e.ctime.sec)
		buf = binary.BigEndian.AppendUint32(buf, e.ctime.nsec)
		buf = binary.BigEndian.AppendUint32(buf, e.mtime.sec)
		buf = binary.BigEndian.AppendUint32(buf, e.mtime.nsec)
		buf = binary.BigEndian.AppendUint32(buf, e.dev)
		buf = binary.BigEndian.AppendUint32(buf, e.ino)
		buf = binary.BigEndian.AppendUint32(buf, uint32(e.mode))
		buf = binary.BigEndian.AppendUint32(buf, e.uid)
		buf = binary.BigEndian.AppendUint32(buf, e.gid)
		buf = binary.BigEndian.AppendUint32(buf, e.size)
		buf = append(buf, e.hash[:]...)
		flags := e.flags &^ (flagNameMask | flagExtended)
		flags |= uint16(min(len(e.name), flagNameMask))
		if e.ext != 0 {
			flags |= flagExtended
		}
		buf = binary.BigEndian.AppendUint16(buf, flags)
		if e.ext != 0 {
			buf = binary.BigEndian.AppendUint16(buf, e.ext)
		}
		if version == 4 {
			common := commonPrefixLen(prev, e.name)
			buf = appendVarint(buf, uint64(len(prev)-common))
			buf = append(buf, e.name[common:]...)
			buf = append(buf, 0)
			prev = e.name
			continue
		}
		buf = append(buf, e.name...)
		// One to eight NULs, up to a multiple of eight.
		padded := (len(buf) - start + 8) &^ 7
		for len(buf)-start < padded {
			buf = append(buf, 0)
		}
	}
	return buf, written
}

func commonPrefixLen(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// indexHashCheckpoint is how often, in bytes, the SHA-1 state of an index
// being written is kept for the next write.
const indexHashCheckpoint = 64 << 10

// indexHashCache lets a session's next index write hash only from the
// first byte that differs, which after a step that touched a few files is
// on average half of the file: SHA-1 is sequential, but its state at a
// checkpoint can be saved and resumed. It also keeps the previous buffer
// for the next encoding.
type indexHashCache struct {
	last   []byte   // the body of the last index written, trailer excluded
	states [][]byte // SHA-1 state after (i+1)*indexHashCheckpoint bytes of last
	spare  []byte   // a buffer no longer referenced, for the next encoding
}

// sum returns the SHA-1 of body and remembers body for the next call.
func (c *indexHashCache) sum(body []byte) ([sha1.Size]byte, error) {
	same := 0
	for same+indexHashCheckpoint <= min(len(body), len(c.last)) &&
		bytes.Equal(body[same:same+indexHashCheckpoint], c.last[same:same+indexHashCheckpoint]) {
		same += indexHashCheckpoint
	}
	k := min(same/indexHashCheckpoint, len(c.states))
	h := sha1.New()
	if k > 0 {
		if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(c.states[k-1]); err != nil {
			return [sha1.Size]byte{}, fmt.Errorf("resume index checksum: %w", err)
		}
	}
	states := c.states[:k]
	for pos := k * indexHashCheckpoint; pos < len(body); pos += indexHashCheckpoint {
		end := min(pos+indexHashCheckpoint, len(body))
		h.Write(body[pos:end])
		if end-pos == indexHashCheckpoint {
			st, err := h.(encoding.BinaryMarshaler).MarshalBinary()
			if err != nil {
				return [sha1.Size]byte{}, fmt.Errorf("save index checksum state: %w", err)
			}
			states = append(states, st)
		}
	}
	var sum [sha1.Size]byte
	h.Sum(sum[:0])
	c.spare, c.last, c.states = c.last, body, states
	return sum, nil
}

// writeIndex writes st's entries into the held index lock and returns the
// state the index will be in once the lock is committed: the entries as
// written (smudged where racy) and the identity of the new file.
func writeIndex(lf *lockFile, st *indexState) (*indexState, error) {
	var once indexHashCache
	return writeIndexHashed(lf, st, &once)
}

// writeIndexHashed is writeIndex with the checksum computed through c.
func writeIndexHashed(lf *lockFile, st *indexState, c *indexHashCache) (*indexState, error) {
	body, written := encodeIndex(c.spare, st.version, st.entries, toStatTime(lf.created))
	c.spare = nil
	sum, err := c.sum(body)
	if err != nil {
		return nil, err
	}
	lf.preallocate(int64(len(body) + len(sum)))
	if _, err := lf.Write(body); err != nil {
		return nil, fmt.Errorf("write index: %w", err)
	}
	if _, err := lf.Write(sum[:]); err != nil {
		return nil, fmt.Errorf("write index: %w", err)
	}
	id, err := lf.identity()
	if err != nil {
		return nil, err
	}
	version := binary.BigEndian.Uint32(body[4:8])
	return &indexState{version: version, entries: written, tree: st.tree, id: id, exists: true}, nil
}
