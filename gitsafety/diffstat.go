package gitsafety

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// Bounds of the line diff behind Commit.Insertions and Commit.Deletions.
// A step's diffstat must stay cheap next to the commit it describes, so a
// file past diffMaxBytes or diffMaxLines on either side counts as replaced
// whole (every old line deleted, every new line inserted) without being
// diffed, and a diff whose edit distance passes diffMaxCost stops searching
// and counts what it has not matched as replaced. Both only ever overcount,
// the way git's own diff gives up on minimality for costly inputs.
const (
	diffMaxBytes = 1 << 20
	diffMaxLines = 20_000
	diffMaxCost  = 2_000
	// binarySniff is how much of a blob git looks at for a NUL byte to
	// call it binary (xdiff's FIRST_FEW_BYTES).
	binarySniff = 8000
)

// lineStat counts the lines a change added and removed.
type lineStat struct{ ins, del int }

// diffStat sums, over the files that differ between trees a and b, the
// lines added and removed, as `git diff --numstat a b` would count them:
// lines compare with their line ending, so a last line that gains a newline
// is one deleted and one inserted; a binary file (a NUL byte in its first
// 8000 bytes) counts 0 and 0; a symlink is the one line of its target; a
// submodule is the line "Subproject commit <hash>"; a change of file type
// (file to symlink, say) deletes every old line and inserts every new one;
// a change of mode alone counts nothing. Git attributes that mark files
// binary (-diff) are not read: such a text file is counted by its lines.
func (r *Repo) diffStat(ctx context.Context, a, b plumbing.Hash) (lineStat, error) {
	changes, err := r.diffTrees(ctx, a, b)
	if err != nil {
		return lineStat{}, err
	}
	var total lineStat
	for _, ch := range changes {
		if err := ctx.Err(); err != nil {
			return lineStat{}, err
		}
		st, err := r.fileLineStat(ch.from, ch.to)
		if err != nil {
			return lineStat{}, fmt.Errorf("diffstat of %s: %w", ch.name, err)
		}
		total.ins += st.ins
		total.del += st.del
	}
	return total, nil
}

// fileLineStat counts the lines added and removed between two versions of
// one path; nil is the side where the path does not exist.
func (r *Repo) fileLineStat(from, to *treeFile) (lineStat, error) {
	if from != nil && to != nil && from.hash == to.hash {
		return lineStat{}, nil
	}
	old, err := r.sideContent(from)
	if err != nil {
		return lineStat{}, err
	}
	cur, err := r.sideContent(to)
	if err != nil {
		return lineStat{}, err
	}
	switch {
	case old.binary || cur.binary:
		return lineStat{}, nil
	case from != nil && to != nil && diffKind(from.mode) != diffKind(to.mode),
		old.data == nil || cur.data == nil:
		// A type change is a deletion and an addition to git; a side too
		// big to diff, or absent, is replaced whole.
		return lineStat{ins: cur.lines, del: old.lines}, nil
	}
	return diffLines(old.data, cur.data), nil
}

// diffKind groups modes the way git decides whether two sides of a path
// can be diffed against each other: regular files (executable or not),
// symlinks and submodules are three different things.
func diffKind(m filemode.FileMode) filemode.FileMode {
	if m == filemode.Executable || m == filemode.Deprecated {
		return filemode.Regular
	}
	return m
}

// content is one side of a file's diff. data is nil when the side is
// absent or too big to diff; lines is counted either way.
type content struct {
	data   []byte
	lines  int
	binary bool
}

// sideContent reads one side of a change: the blob of a file or symlink,
// or the line git shows for a submodule.
func (r *Repo) sideContent(f *treeFile) (content, error) {
	if f == nil {
		return content{}, nil
	}
	if f.mode == filemode.Submodule {
		line := []byte("Subproject commit " + f.hash.String() + "\n")
		return content{data: line, lines: 1}, nil
	}
	obj, err := r.st.EncodedObject(plumbing.BlobObject, f.hash)
	if err != nil {
		return content{}, fmt.Errorf("read blob %s: %w", f.hash, err)
	}
	rd, err := obj.Reader()
	if err != nil {
		return content{}, fmt.Errorf("read blob %s: %w", f.hash, err)
	}
	defer func() { _ = rd.Close() }()
	if obj.Size() > diffMaxBytes {
		c, err := countLines(rd)
		if err != nil {
			return content{}, fmt.Errorf("read blob %s: %w", f.hash, err)
		}
		return c, nil
	}
	data, err := io.ReadAll(rd)
	if err != nil {
		return content{}, fmt.Errorf("read blob %s: %w", f.hash, err)
	}
	c := content{data: data, lines: lineCount(data), binary: isBinary(data)}
	if c.lines > diffMaxLines {
		c.data = nil
	}
	return c, nil
}

// countLines streams a blob too big to diff: it counts its lines and
// sniffs its start for binary content, without holding it in memory.
func countLines(rd io.Reader) (content, error) {
	br := bufio.NewReaderSize(rd, 64<<10)
	head, err := br.Peek(binarySniff)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return content{}, err
	}
	c := content{binary: isBinary(head)}
	buf := make([]byte, 64<<10)
	last := byte('\n')
	for {
		n, err := br.Read(buf)
		if n > 0 {
			c.lines += bytes.Count(buf[:n], []byte{'\n'})
			last = buf[n-1]
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return content{}, err
		}
	}
	if last != '\n' {
		c.lines++
	}
	return c, nil
}

func isBinary(data []byte) bool {
	return bytes.IndexByte(data[:min(len(data), binarySniff)], 0) >= 0
}

// lineCount counts lines, a last line without a newline included.
func lineCount(data []byte) int {
	n := bytes.Count(data, []byte{'\n'})
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return n
}

// splitLines cuts data into lines that keep their newline, so that "x" and
// "x\n" differ, as they do to git.
func splitLines(data []byte) [][]byte {
	out := make([][]byte, 0, lineCount(data))
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			out = append(out, data)
			break
		}
		out = append(out, data[:i+1])
		data = data[i+1:]
	}
	return out
}

// diffLines counts the lines a minimal line diff from old to cur inserts
// and deletes. The edit distance D (insertions plus deletions) of a
// minimal diff is unique even when the diff is not, and the longest common
// subsequence is (len(old)+len(cur)-D)/2, so only D is searched for.
func diffLines(old, cur []byte) lineStat {
	a, b := internLines(splitLines(old), splitLines(cur))
	// A common head and tail match in every minimal diff.
	for len(a) > 0 && len(b) > 0 && a[0] == b[0] {
		a, b = a[1:], b[1:]
	}
	for len(a) > 0 && len(b) > 0 && a[len(a)-1] == b[len(b)-1] {
		a, b = a[:len(a)-1], b[:len(b)-1]
	}
	// A line that never occurs on the other side cannot be matched, so
	// dropping it changes no common subsequence. This makes unrelated
	// contents cheap, where the search below would be at its slowest.
	na, nb := len(a), len(b)
	a, b = dropUnmatched(a, b)
	unmatched := (na - len(a)) + (nb - len(b))
	d := editDistance(a, b, diffMaxCost)
	common := (na + nb - unmatched - d) / 2
	return lineStat{ins: nb - common, del: na - common}
}

// internLines numbers distinct lines, so the diff compares integers.
func internLines(a, b [][]byte) ([]int, []int) {
	ids := make(map[string]int, len(a)+len(b))
	intern := func(lines [][]byte) []int {
		out := make([]int, len(lines))
		for i, l := range lines {
			id, ok := ids[string(l)]
			if !ok {
				id = len(ids)
				ids[string(l)] = id
			}
			out[i] = id
		}
		return out
	}
	return intern(a), intern(b)
}

// dropUnmatched removes from each side the lines that the other side does
// not have.
func dropUnmatched(a, b []int) ([]int, []int) {
	inA := make(map[int]bool, len(a))
	for _, x := range a {
		inA[x] = true
	}
	inB := make(map[int]bool, len(b))
	for _, x := range b {
		inB[x] = true
	}
	keep := func(s []int, other map[int]bool) []int {
		out := s[:0:0]
		for _, x := range s {
			if other[x] {
				out = append(out, x)
			}
		}
		return out
	}
	return keep(a, inB), keep(b, inA)
}

// editDistance returns the number of insertions and deletions of a
// shortest edit script from a to b: Myers's greedy forward search, which
// takes O((N+M)·D) time and O(N+M) space. When the distance passes
// maxCost, the search stops and returns the cost of its furthest-reaching
// path plus a whole replacement of what that path has not reached: an
// upper bound, never below the true distance.
func editDistance(a, b []int, maxCost int) int {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return n + m
	}
	limit := min(n+m, maxCost)
	off := limit + 1
	v := make([]int, 2*limit+3)
	for d := 0; d <= limit; d++ {
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1] // down: an insertion
			} else {
				x = v[off+k-1] + 1 // right: a deletion
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[off+k] = x
			if x >= n && y >= m {
				return d
			}
		}
	}
	// Give up: from the furthest point any path of cost limit reached,
	// replace the rest.
	best := n + m
	for k := -limit; k <= limit; k += 2 {
		x := v[off+k]
		y := x - k
		if x > n || y < 0 || y > m {
			continue // off the edit graph
		}
		best = min(best, limit+(n-x)+(m-y))
	}
	return best
}
