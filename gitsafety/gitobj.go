package gitsafety

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// This file reads and writes the two object kinds the package creates,
// trees and commits, directly in git's format. go-git's object package
// would do it too, but it pulls in OpenPGP for signature checks, which
// safe-coder has no use for.

// treeEntry is one entry of a tree object.
type treeEntry struct {
	name string
	mode filemode.FileMode
	hash plumbing.Hash
}

// readObject returns the content of object h, which must be of type typ.
func (r *Repo) readObject(typ plumbing.ObjectType, h plumbing.Hash) ([]byte, error) {
	obj, err := r.st.EncodedObject(plumbing.AnyObject, h)
	if err != nil {
		return nil, fmt.Errorf("read object %s: %w", h, err)
	}
	if obj.Type() != typ {
		return nil, fmt.Errorf("read object %s: it is a %s, not a %s", h, obj.Type(), typ)
	}
	rd, err := obj.Reader()
	if err != nil {
		return nil, fmt.Errorf("read object %s: %w", h, err)
	}
	defer func() { _ = rd.Close() }()
	b, err := io.ReadAll(rd)
	if err != nil {
		return nil, fmt.Errorf("read object %s: %w", h, err)
	}
	return b, nil
}

// readObjectAtMost returns at most limit bytes (all when negative) of the
// content of object h, which must be of type typ, and its full size.
func (r *Repo) readObjectAtMost(typ plumbing.ObjectType, h plumbing.Hash, limit int64) ([]byte, int64, error) {
	if limit < 0 {
		b, err := r.readObject(typ, h)
		return b, int64(len(b)), err
	}
	obj, err := r.st.EncodedObject(plumbing.AnyObject, h)
	if err != nil {
		return nil, 0, fmt.Errorf("read object %s: %w", h, err)
	}
	if obj.Type() != typ {
		return nil, 0, fmt.Errorf("read object %s: it is a %s, not a %s", h, obj.Type(), typ)
	}
	rd, err := obj.Reader()
	if err != nil {
		return nil, 0, fmt.Errorf("read object %s: %w", h, err)
	}
	defer func() { _ = rd.Close() }()
	b, err := io.ReadAll(io.LimitReader(rd, limit))
	if err != nil {
		return nil, 0, fmt.Errorf("read object %s: %w", h, err)
	}
	return b, max(obj.Size(), int64(len(b))), nil
}

// emptyTree is the hash of the tree without entries, which git knows
// without necessarily storing it.
var emptyTree = plumbing.NewHash("4b825dc642cb6eb9a060e54bf8d69288fbee4904")

// readTree decodes tree h; the zero hash is the empty tree too.
func (r *Repo) readTree(h plumbing.Hash) ([]treeEntry, error) {
	if h.IsZero() || h == emptyTree {
		return nil, nil
	}
	b, err := r.readObject(plumbing.TreeObject, h)
	if err != nil {
		return nil, err
	}
	entries, err := parseTree(b)
	if err != nil {
		return nil, fmt.Errorf("tree %s: %w", h, err)
	}
	return entries, nil
}

// parseTree decodes "<octal mode> <name>\0<20-byte hash>" entries.
func parseTree(b []byte) ([]treeEntry, error) {
	var entries []treeEntry
	for len(b) > 0 {
		sp := bytes.IndexByte(b, ' ')
		if sp < 0 {
			return nil, errors.New("malformed tree entry: no mode")
		}
		mode, err := filemode.New(string(b[:sp]))
		if err != nil {
			return nil, fmt.Errorf("malformed tree entry mode %q: %w", b[:sp], err)
		}
		b = b[sp+1:]
		nul := bytes.IndexByte(b, 0)
		if nul < 0 || len(b) < nul+1+20 {
			return nil, errors.New("malformed tree entry: truncated")
		}
		var h plumbing.Hash
		copy(h[:], b[nul+1:nul+21])
		entries = append(entries, treeEntry{name: string(b[:nul]), mode: mode, hash: h})
		b = b[nul+21:]
	}
	return entries, nil
}

// encodeTree sorts entries in place, in git's order (a directory sorts as if
// its name ended in "/"), and encodes them.
func encodeTree(entries []treeEntry) []byte {
	sort.Slice(entries, func(i, j int) bool { return treeSortKey(entries[i]) < treeSortKey(entries[j]) })
	var b bytes.Buffer
	for _, e := range entries {
		b.WriteString(strconv.FormatUint(uint64(e.mode), 8))
		b.WriteByte(' ')
		b.WriteString(e.name)
		b.WriteByte(0)
		b.Write(e.hash[:])
	}
	return b.Bytes()
}

func treeSortKey(e treeEntry) string {
	if e.mode == filemode.Dir {
		return e.name + "/"
	}
	return e.name
}

// commitTree returns the tree of commit h.
func (r *Repo) commitTree(h plumbing.Hash) (plumbing.Hash, error) {
	b, err := r.readObject(plumbing.CommitObject, h)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	hex, ok := strings.CutPrefix(line, "tree ")
	if !ok || !plumbing.IsHash(hex) {
		return plumbing.ZeroHash, fmt.Errorf("commit %s: malformed tree line %q", h, line)
	}
	return plumbing.NewHash(hex), nil
}

// peelToCommit follows annotated tags from h down to a commit.
func (r *Repo) peelToCommit(h plumbing.Hash) (plumbing.Hash, error) {
	for range 10 {
		obj, err := r.st.EncodedObject(plumbing.AnyObject, h)
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("read object %s: %w", h, err)
		}
		switch obj.Type() {
		case plumbing.CommitObject:
			return h, nil
		case plumbing.TagObject:
			b, err := r.readObject(plumbing.TagObject, h)
			if err != nil {
				return plumbing.ZeroHash, err
			}
			line, _, _ := strings.Cut(string(b), "\n")
			hex, ok := strings.CutPrefix(line, "object ")
			if !ok || !plumbing.IsHash(hex) {
				return plumbing.ZeroHash, fmt.Errorf("tag %s: malformed object line %q", h, line)
			}
			h = plumbing.NewHash(hex)
		default:
			return plumbing.ZeroHash, fmt.Errorf("object %s is a %s, not a commit", h, obj.Type())
		}
	}
	return plumbing.ZeroHash, fmt.Errorf("object %s: too many nested tags", h)
}

// encodeCommit writes a commit object's content. Names and emails were
// validated not to contain <, > or line breaks.
func encodeCommit(tree plumbing.Hash, parents []plumbing.Hash, author Signature, when time.Time, message string) []byte {
	sig := fmt.Sprintf("%s <%s> %d %s", author.Name, author.Email, when.Unix(), when.Format("-0700"))
	var b strings.Builder
	b.WriteString("tree " + tree.String() + "\n")
	for _, p := range parents {
		b.WriteString("parent " + p.String() + "\n")
	}
	b.WriteString("author " + sig + "\n")
	b.WriteString("committer " + sig + "\n")
	b.WriteString("\n")
	b.WriteString(message)
	return []byte(b.String())
}
