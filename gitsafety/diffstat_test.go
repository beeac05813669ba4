package gitsafety

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// lcsLen is the textbook dynamic program, the reference diffLines must
// agree with.
func lcsLen(a, b []string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			switch {
			case a[i] == b[j]:
				cur[j+1] = prev[j] + 1
			default:
				cur[j+1] = max(prev[j+1], cur[j])
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// naiveStat counts insertions and deletions from the LCS of the lines.
func naiveStat(old, cur string) lineStat {
	a, b := strLines(old), strLines(cur)
	common := lcsLen(a, b)
	return lineStat{ins: len(b) - common, del: len(a) - common}
}

func strLines(s string) []string {
	var out []string
	for _, l := range splitLines([]byte(s)) {
		out = append(out, string(l))
	}
	return out
}

func TestDiffLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		old, cur string
		want     lineStat
	}{
		{"equal", "a\nb\n", "a\nb\n", lineStat{}},
		{"both empty", "", "", lineStat{}},
		{"from empty", "", "a\nb\n", lineStat{ins: 2}},
		{"to empty", "a\nb\nc\n", "", lineStat{del: 3}},
		{"one line changed", "a\nb\nc\n", "a\nB\nc\n", lineStat{ins: 1, del: 1}},
		{"line inserted in the middle", "a\nc\n", "a\nb\nc\n", lineStat{ins: 1}},
		{"newline added at the end", "a\nb", "a\nb\n", lineStat{ins: 1, del: 1}},
		{"newline removed at the end", "a\n", "a", lineStat{ins: 1, del: 1}},
		{"unrelated", "a\nb\nc\n", "x\ny\n", lineStat{ins: 2, del: 3}},
		{"moved block", "a\nb\nc\nd\n", "c\nd\na\nb\n", lineStat{ins: 2, del: 2}},
		{"repeated lines", "x\nx\nx\n", "x\nx\n", lineStat{del: 1}},
		{"crlf is part of the line", "a\r\nb\r\n", "a\nb\r\n", lineStat{ins: 1, del: 1}},
	}
	for _, tt := range tests {
		if got := diffLines([]byte(tt.old), []byte(tt.cur)); got != tt.want {
			t.Errorf("%s: diffLines = %+v, want %+v", tt.name, got, tt.want)
		}
		if got := naiveStat(tt.old, tt.cur); got != tt.want {
			t.Errorf("%s: the reference itself says %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// TestDiffLinesIsMinimal compares the diff with the LCS reference on many
// random pairs over a small alphabet, where lines repeat and the search has
// many equally short paths to choose from.
func TestDiffLinesIsMinimal(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	text := func() string {
		var b strings.Builder
		for range rng.IntN(30) {
			b.WriteString(string(rune('a' + rng.IntN(4))))
			if rng.IntN(10) > 0 {
				b.WriteByte('\n')
			}
		}
		return b.String()
	}
	for i := range 2000 {
		old, cur := text(), text()
		if got, want := diffLines([]byte(old), []byte(cur)), naiveStat(old, cur); got != want {
			t.Fatalf("pair %d: diffLines(%q, %q) = %+v, want %+v", i, old, cur, got, want)
		}
	}
}

// TestEditDistanceGivesUp checks the bound: past maxCost the search stops
// with a distance that is never below the true one, never above a whole
// replacement, and of the true one's parity, so the counts stay whole.
func TestEditDistanceGivesUp(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 300 {
		a := make([]int, rng.IntN(60))
		b := make([]int, rng.IntN(60))
		for j := range a {
			a[j] = rng.IntN(5)
		}
		for j := range b {
			b[j] = rng.IntN(5)
		}
		exact := editDistance(a, b, len(a)+len(b))
		for _, maxCost := range []int{0, 1, 3, 10} {
			got := editDistance(a, b, maxCost)
			if got < exact || got > len(a)+len(b) || (got-exact)%2 != 0 {
				t.Fatalf("case %d, maxCost %d: distance %d; exact %d, whole replacement %d", i, maxCost, got, exact, len(a)+len(b))
			}
		}
	}
}

// numstat sums `git diff --numstat --no-renames` between two commits, as
// safe-coder counts: a binary file ("-") counts 0.
func (r *testRepo) numstat(from, to string) lineStat {
	r.t.Helper()
	var st lineStat
	for _, line := range lines(r.git("diff", "--numstat", "--no-renames", from, to)) {
		f := strings.SplitN(line, "\t", 3)
		if len(f) != 3 {
			r.t.Fatalf("numstat line %q", line)
		}
		if f[0] == "-" {
			continue
		}
		ins, err1 := strconv.Atoi(f[0])
		del, err2 := strconv.Atoi(f[1])
		if err1 != nil || err2 != nil {
			r.t.Fatalf("numstat line %q", line)
		}
		st.ins += ins
		st.del += del
	}
	return st
}

// numbered returns n lines "line 0\n" … with every line divisible by
// every'th replaced by "changed".
func numbered(n, every int) string {
	var b strings.Builder
	for i := range n {
		if every > 0 && i%every == 0 {
			fmt.Fprintf(&b, "changed %d\n", i)
			continue
		}
		fmt.Fprintf(&b, "line %d\n", i)
	}
	return b.String()
}

// TestCommitStepDiffStatMatchesGit commits each kind of change through both
// ways CommitStep stages (named paths and a full scan) and compares the
// counts with git's own.
func TestCommitStepDiffStatMatchesGit(t *testing.T) {
	t.Parallel()
	base := map[string]string{
		"main.go":   "package main\n\nfunc main() {\n\tprintln(\"hi\")\n}\n",
		"notes.txt": "one\ntwo\nthree",
		"old.txt":   "old\nlines\n",
		"run.sh":    "#!/bin/sh\necho hi\n",
		"data.bin":  "\x00\x01\x02binary\n",
		"mid.txt":   numbered(500, 0),
	}
	tests := []struct {
		name   string
		change func(r *testRepo)
		paths  []string // touched, for the named-paths commit; nil: only the scan
	}{
		{"modify lines", func(r *testRepo) {
			r.write("main.go", "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"hi\")\n}\n")
		}, []string{"main.go"}},
		{"add a newline at the end", func(r *testRepo) { r.write("notes.txt", "one\ntwo\nthree\n") }, []string{"notes.txt"}},
		{"add and delete files", func(r *testRepo) {
			r.remove("old.txt")
			r.write("new/a.txt", "a\nb\nc\n")
		}, []string{"old.txt", "new/a.txt"}},
		{"binary file changed", func(r *testRepo) { r.write("data.bin", "\x00\x09other\n") }, []string{"data.bin"}},
		{"text becomes binary", func(r *testRepo) { r.write("notes.txt", "one\x00two\n") }, []string{"notes.txt"}},
		{"mode change only", func(r *testRepo) { r.chmod("run.sh", 0o755) }, nil},
		{"file replaced by a symlink", func(r *testRepo) { r.remove("old.txt"); r.symlink("main.go", "old.txt") }, nil},
		{"symlink added", func(r *testRepo) { r.symlink("../elsewhere", "link") }, nil},
		{"scattered edits in a long file", func(r *testRepo) { r.write("mid.txt", numbered(500, 7)) }, []string{"mid.txt"}},
		{"a rename is a deletion and an addition", func(r *testRepo) {
			r.remove("mid.txt")
			r.write("moved.txt", numbered(500, 0))
		}, []string{"mid.txt", "moved.txt"}},
	}
	for _, tt := range tests {
		for _, named := range []bool{false, true} {
			if named && tt.paths == nil {
				continue
			}
			t.Run(fmt.Sprintf("%s/named=%v", tt.name, named), func(t *testing.T) {
				t.Parallel()
				r := newTestRepo(t, base)
				s := r.begin(testOptions("safe-coder/stat"))
				before := s.Head()
				tt.change(r)
				sc := StepCommit{Step: 1, Tools: []string{"write_file"}}
				if named {
					sc.Paths = tt.paths
				}
				c, err := s.CommitStep(t.Context(), sc)
				if err != nil {
					t.Fatal(err)
				}
				if c.SHA == "" {
					t.Fatal("no commit made")
				}
				want := r.numstat(before, c.SHA)
				if got := (lineStat{ins: c.Insertions, del: c.Deletions}); got != want {
					t.Errorf("Insertions, Deletions = %d, %d; git diff --numstat says %d, %d", got.ins, got.del, want.ins, want.del)
				}
				r.assertSound()
			})
		}
	}
}

// TestCommitStepDiffStatBounds checks that files past the bounds count as
// replaced whole, without a diff: every old line deleted, every new one
// inserted.
func TestCommitStepDiffStatBounds(t *testing.T) {
	t.Parallel()
	bigLine := strings.Repeat("x", 200) + "\n"
	tests := []struct {
		name     string
		old, cur string
		want     lineStat
	}{
		{"too many lines", numbered(diffMaxLines+1, 0), numbered(diffMaxLines+1, 1000),
			lineStat{ins: diffMaxLines + 1, del: diffMaxLines + 1}},
		{"too many bytes", strings.Repeat(bigLine, 6000), strings.Repeat(bigLine, 6000) + "tail",
			lineStat{ins: 6001, del: 6000}},
		{"under both bounds: diffed", numbered(diffMaxLines, 0), numbered(diffMaxLines, 5000),
			lineStat{ins: 4, del: 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newTestRepo(t, map[string]string{"big.txt": tt.old})
			s := r.begin(testOptions("safe-coder/big"))
			r.write("big.txt", tt.cur)
			c, err := s.CommitStep(t.Context(), StepCommit{Step: 1, Paths: []string{"big.txt"}})
			if err != nil {
				t.Fatal(err)
			}
			if got := (lineStat{ins: c.Insertions, del: c.Deletions}); got != tt.want {
				t.Errorf("Insertions, Deletions = %d, %d; want %d, %d", got.ins, got.del, tt.want.ins, tt.want.del)
			}
		})
	}
}

func TestCommitStepDiffStatNoCommit(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{"a.txt": "a\n"})
	s := r.begin(testOptions("safe-coder/none"))
	c, err := s.CommitStep(t.Context(), StepCommit{Step: 1})
	if err != nil {
		t.Fatal(err)
	}
	if c.SHA != "" || c.Insertions != 0 || c.Deletions != 0 {
		t.Errorf("CommitStep = %+v, want no commit and no lines", c)
	}
}
