package gitsafety

import (
	"bytes"
	"crypto/sha1"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// neverRacy makes encodeIndex leave every entry's size as it is.
var neverRacy = statTime{sec: ^uint32(0)}

// Indexes written by git in each format decode, and encode back to the
// same bytes up to where git's extensions start; git then reads ours as
// the same index.
func TestIndexRoundTripWithGit(t *testing.T) {
	t.Parallel()
	longName := strings.Repeat(strings.Repeat("n", 200)+"/", 25) + "leaf.txt" // above the 12-bit length field
	tests := []struct {
		name    string
		setup   func(r *testRepo)
		version uint32
	}{
		{name: "version 2", version: 2, setup: func(*testRepo) {}},
		{name: "version 3: intent to add and skip-worktree", version: 3, setup: func(r *testRepo) {
			r.write("later.txt", "later\n")
			r.git("add", "-N", "later.txt")
			r.git("update-index", "--skip-worktree", "dir/b.txt")
		}},
		{name: "version 4", version: 4, setup: func(r *testRepo) { r.git("update-index", "--index-version", "4") }},
		{name: "assume unchanged", version: 2, setup: func(r *testRepo) { r.git("update-index", "--assume-unchanged", "a.txt") }},
		{name: "untracked cache extension", version: 2, setup: func(r *testRepo) {
			r.git("config", "core.untrackedCache", "true")
			r.git("update-index", "--untracked-cache")
			r.git("status")
		}},
		{name: "name longer than 4095 bytes", version: 2, setup: func(r *testRepo) {
			blob := r.git("hash-object", "-w", "a.txt")
			r.git("update-index", "--add", "--cacheinfo", "100644,"+blob+","+longName)
		}},
		{name: "conflict stages", version: 2, setup: func(r *testRepo) {
			blob := r.git("hash-object", "-w", "a.txt")
			r.git("update-index", "--force-remove", "a.txt")
			info := "100644 " + blob + " 1\ta.txt\n100644 " + blob + " 2\ta.txt\n100644 " + blob + " 3\ta.txt\n"
			cmd := r.gitCmd("update-index", "--index-info")
			cmd.Stdin = strings.NewReader(info)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("update-index --index-info: %v\n%s", err, out)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newTestRepo(t, map[string]string{"a.txt": "a\n", "dir/b.txt": "b\n", "dir/sub/c.txt": "c\n", "z": "z\n"})
			tt.setup(r)
			stageBefore := r.git("ls-files", "--stage", "--debug")
			orig := []byte(r.read(".git/index"))
			st, err := decodeIndex(orig)
			if err != nil {
				t.Fatalf("decode git's index: %v", err)
			}
			if st.version != tt.version {
				t.Errorf("version %d, want %d", st.version, tt.version)
			}
			body, written := encodeIndex(nil, st.version, st.entries, neverRacy)
			if len(written) != len(st.entries) {
				t.Fatalf("encoded %d entries, decoded %d", len(written), len(st.entries))
			}
			if len(body) > len(orig) || !bytes.Equal(body, orig[:len(body)]) {
				t.Fatalf("entries encode differently from git's (first difference at byte %d of %d)", commonPrefixLen(string(body), string(orig)), len(body))
			}
			sum := sha1.Sum(body)
			if err := os.WriteFile(r.path(".git/index"), append(body, sum[:]...), 0o644); err != nil {
				t.Fatal(err)
			}
			if got := r.git("ls-files", "--stage", "--debug"); got != stageBefore {
				t.Errorf("git reads our index differently:\n%s\nwant:\n%s", got, stageBefore)
			}
			again, err := decodeIndex(append(body, sum[:]...))
			if err != nil {
				t.Fatalf("decode our index: %v", err)
			}
			for i, e := range again.entries {
				if *e != *st.entries[i] {
					t.Errorf("entry %d round-trips as %+v, want %+v", i, *e, *st.entries[i])
				}
			}
		})
	}
}

func TestIndexCacheTreeRoot(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"a.txt": "a\n", "dir/b.txt": "b\n"})
	st, err := r.open().readIndex()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := st.tree.String(), r.git("rev-parse", "HEAD^{tree}"); got != want {
		t.Errorf("tree from the TREE extension = %s, want %s", got, want)
	}
	// An invalidated cache tree (git add) no longer vouches for the root.
	r.write("a.txt", "changed\n")
	r.git("add", "a.txt")
	if st, err = r.open().readIndex(); err != nil {
		t.Fatal(err)
	}
	if !st.tree.IsZero() {
		t.Errorf("tree %s taken from an invalidated TREE extension", st.tree)
	}
}

func TestDecodeIndexRefuses(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"a.txt": "a\n", "b.txt": "b\n"})
	good := []byte(r.read(".git/index"))
	body, _ := encodeIndex(nil, 2, mustDecode(t, good).entries, neverRacy)
	withExt := func(sig string) []byte {
		b := append([]byte(nil), body...)
		b = append(b, sig...)
		b = append(b, 0, 0, 0, 4, 1, 2, 3, 4)
		sum := sha1.Sum(b)
		return append(b, sum[:]...)
	}
	corrupt := append([]byte(nil), good...)
	corrupt[20] ^= 0xff
	unsorted := append([]byte(nil), body...)
	// Swap the two names: "a.txt" and "b.txt" have the same length.
	i, j := bytes.Index(unsorted, []byte("a.txt")), bytes.Index(unsorted, []byte("b.txt"))
	unsorted[i], unsorted[j] = 'b', 'a'
	unsortedSum := sha1.Sum(unsorted)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"checksum mismatch", corrupt, "checksum"},
		{"truncated", good[:40], "malformed index"},
		{"fewer entries than counted", resum(body[:12+70]), "cannot fit"},
		{"not an index", []byte("hello, world, this is not an index at all"), "DIRC"},
		{"split index", withExt("link"), "split or sparse"},
		{"sparse index", withExt("sdir"), "split or sparse"},
		{"entries out of order", append(unsorted, unsortedSum[:]...), "out of order"},
		{"entry outside the work tree", resum(bytes.Replace(body, []byte("a.txt"), []byte("../ab"), 1)), "not a path inside"},
		{"entry inside .git", resum(encodeNamed("sub/.Git/config")), "not a path inside"},
		{"absolute entry", resum(encodeNamed("/etc/passwd")), "not a path inside"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := decodeIndex(tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("decodeIndex = %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
	// An optional extension git does not know is skipped.
	if _, err := decodeIndex(withExt("ZZZZ")); err != nil {
		t.Errorf("optional extension: %v", err)
	}
}

// encodeNamed is an index body with one entry of the given name.
func encodeNamed(name string) []byte {
	body, _ := encodeIndex(nil, 2, []*idxEntry{{name: name, mode: 0o100644, hash: emptyBlob}}, neverRacy)
	return body
}

// resum appends a valid checksum to a (damaged) index body.
func resum(body []byte) []byte {
	sum := sha1.Sum(body)
	return append(append([]byte(nil), body...), sum[:]...)
}

func mustDecode(t *testing.T, data []byte) *indexState {
	t.Helper()
	st, err := decodeIndex(data)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestVarint(t *testing.T) {
	t.Parallel()
	known := map[uint64][]byte{0: {0}, 127: {0x7f}, 128: {0x80, 0x00}, 255: {0x80, 0x7f}, 16511: {0xff, 0x7f}, 16512: {0x80, 0x80, 0x00}}
	for v, want := range known {
		if got := appendVarint(nil, v); !bytes.Equal(got, want) {
			t.Errorf("appendVarint(%d) = %x, want %x", v, got, want)
		}
	}
	for _, v := range []uint64{0, 1, 127, 128, 300, 16511, 16512, 1 << 20, 1<<32 + 7} {
		got, n := decodeVarint(appendVarint(nil, v))
		if got != v || n != len(appendVarint(nil, v)) {
			t.Errorf("varint %d decodes as %d (%d bytes)", v, got, n)
		}
	}
	if _, n := decodeVarint([]byte{0x80}); n != 0 {
		t.Error("a truncated varint decoded")
	}
}

// The checkpointed checksum equals a plain SHA-1 whatever changed between
// two writes: the start, the middle, the end, the length.
func TestIndexHashCache(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	body := make([]byte, 5*indexHashCheckpoint+123)
	for i := range body {
		body[i] = byte(rng.IntN(256))
	}
	var c indexHashCache
	edits := []func([]byte) []byte{
		func(b []byte) []byte { return b },
		func(b []byte) []byte { b[0]++; return b },
		func(b []byte) []byte { b[3*indexHashCheckpoint+5]++; return b },
		func(b []byte) []byte { b[len(b)-1]++; return b },
		func(b []byte) []byte { return append(b, 1, 2, 3) },
		func(b []byte) []byte { return b[:indexHashCheckpoint] },
		func(b []byte) []byte { return b[:10] },
		func(b []byte) []byte { return append(b, body...) },
	}
	cur := append([]byte(nil), body...)
	for i, edit := range edits {
		next := edit(append([]byte(nil), cur...))
		got, err := c.sum(next)
		if err != nil {
			t.Fatal(err)
		}
		if want := sha1.Sum(next); got != want {
			t.Errorf("edit %d: checksum %x, want %x", i, got, want)
		}
		cur = next
	}
}
