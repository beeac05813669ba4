package gitsafety

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// ignoreCandidates are the untracked files every ignore-parity case
// creates; the rules decide which of them git adds.
var ignoreCandidates = []string{
	"a.txt", "a.log", "keep.log", "x.o", "x.a", "x.c", "x1.c", "xa.c", "1.txt", "ab.txt", "b.txt",
	"build", "buildx/out.o", "build-dir/build/out.o", "sub/build/out.o",
	"root.txt", "sub/root.txt", "sub/x.txt", "sub/a.txt", "sub/deeper/a.txt", "sub/deeper/k.log",
	"docs/a/b.tmp", "docs/b.tmp", "other/c.tmp", "keep.tmp",
	"gen/code.go", "a/gen/code.go", "a/c/gen/deep/code.go", "main.go", "pkg/lib.go", "pkg/README.md",
	"foo/keep.txt", "foo/drop.txt", "foo/bar/baz.txt",
	"logs/keep.txt", "logs/x.log",
	"#hash.txt", "!important.txt", "spaced.txt", "trail ", "trail",
	"a/b", "a/x/b", "a/x/y/b", "ab/b",
	"d1/x.txt", "d2/y/x.txt", "e/x.txt",
	"src/keep/k.txt", "src/drop/d.txt", "src/top.txt", "top.md",
	"api.secret", "public.secret", "sub/api.secret",
	"CRLF.bin", "[x].txt", "x.txt",
}

// ignoreParityCases are tricky rule sets; each is checked against what the
// git CLI adds. Keys are files to write: ".gitignore" files anywhere, and
// "@exclude" for .git/info/exclude, "@global" for core.excludesFile.
var ignoreParityCases = []struct {
	name  string
	rules map[string]string
}{
	{"negation", map[string]string{".gitignore": "*.log\n!keep.log\n"}},
	{"directory only", map[string]string{".gitignore": "build/\n"}},
	{"double star prefix", map[string]string{".gitignore": "**/gen/\n"}},
	{"double star middle", map[string]string{".gitignore": "docs/**/*.tmp\na/**/b\n"}},
	{"double star suffix and re-include", map[string]string{".gitignore": "foo/**\n!foo/keep.txt\n"}},
	{"double star glued to a name", map[string]string{".gitignore": "a**\n"}},
	{"anchored", map[string]string{".gitignore": "/root.txt\nsub/x.txt\n/src/\n"}},
	{"escaped hash and bang", map[string]string{".gitignore": "\\#hash.txt\n\\!important.txt\n"}},
	{"trailing spaces", map[string]string{".gitignore": "spaced.txt   \ntrail\\ \n"}},
	{"comments and blanks", map[string]string{".gitignore": "# a.txt\n\n   \n  # b.txt\n"}},
	{"nested override", map[string]string{".gitignore": "*.txt\n", "sub/.gitignore": "!*.txt\n", "sub/deeper/.gitignore": "a.txt\n"}},
	{"excluded parent cannot be re-included", map[string]string{".gitignore": "logs/\n!logs/keep.txt\n"}},
	{"whitelist", map[string]string{".gitignore": "*\n!*/\n!*.go\n"}},
	{"re-included directory", map[string]string{".gitignore": "/*\n!/src/\n/src/*\n!/src/keep/\n"}},
	{"bracket negation", map[string]string{".gitignore": "x[!0-9].c\n[^a]b.txt\n"}},
	{"character classes", map[string]string{".gitignore": "[[:digit:]].txt\n*.[oa]\n?.txt\n"}},
	{"literal brackets", map[string]string{".gitignore": "\\[x\\].txt\n"}},
	{"info exclude under gitignore", map[string]string{"@exclude": "*.tmp\n", ".gitignore": "!keep.tmp\n"}},
	{"global excludes under gitignore", map[string]string{"@global": "*.secret\n", ".gitignore": "!public.secret\n"}},
	{"info exclude over global", map[string]string{"@global": "*.txt\n", "@exclude": "!a.txt\n"}},
	{"crlf and bom", map[string]string{".gitignore": "\ufeff*.log\r\nCRLF.bin\r\n"}},
	{"wildcard directory component", map[string]string{".gitignore": "d*/x.txt\n"}},
	{"every directory", map[string]string{".gitignore": "*/\n"}},
	{"anchored directory path", map[string]string{".gitignore": "a/b/\na/x/\n"}},
	{"gitignore ignores itself", map[string]string{".gitignore": ".gitignore\n*.md\n", "pkg/.gitignore": "!README.md\n"}},
	{"pattern in subdirectory file is relative", map[string]string{"sub/.gitignore": "/a.txt\ndeeper/*.log\n"}},
}

// TestIgnoreParityWithGit stages a tree full of candidates under each
// rule set, both by scanning (a step that ran a command) and by the paths
// themselves (a file-tool step), and requires exactly the files `git add
// -A` adds in a copy of the same repository.
func TestIgnoreParityWithGit(t *testing.T) {
	t.Parallel()
	for _, tt := range ignoreParityCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newTestRepo(t, map[string]string{"README": "readme\n"})
			global := filepath.Join(t.TempDir(), "global-ignore")
			writeFile(t, global, "")
			r.write(".git/config", r.read(".git/config")+"[core]\n\texcludesFile = "+global+"\n")
			base := r.git("rev-parse", "HEAD")

			// The files are written by file tools after the run began:
			// the rules are checked for each path alone.
			named := r.begin(testOptions("safe-coder/ignore-paths"))
			var created []string
			for name, content := range tt.rules {
				switch name {
				case "@exclude":
					r.write(".git/info/exclude", content)
				case "@global":
					writeFile(t, global, content)
				default:
					r.write(name, content)
					created = append(created, name)
				}
			}
			for _, name := range ignoreCandidates {
				r.write(name, "content of "+name+"\n")
				created = append(created, name)
			}
			// What git add -A would have: the tracked README and every
			// untracked file no rule excludes.
			want := lines(r.git("ls-files", "--cached", "--others", "--exclude-standard"))
			slices.Sort(want)
			c, err := named.CommitStep(t.Context(), StepCommit{Step: 1, Tools: []string{"write_file"}, Paths: created})
			if err != nil {
				t.Fatal(err)
			}
			if got := lines(r.git("ls-tree", "-r", "--name-only", c.SHA)); !slices.Equal(got, want) {
				t.Errorf("paths committed (-) vs git add -A (+):\n%s", listDiff(got, want))
			}

			// The same files found by the scan of a second run's snapshot,
			// once they are untracked again.
			r.git("reset", "-q", base)
			scanned := r.begin(testOptions("safe-coder/ignore-scan"))
			if got := lines(r.git("ls-tree", "-r", "--name-only", scanned.Snapshot())); !slices.Equal(got, want) {
				t.Errorf("scan committed (-) vs git add -A (+):\n%s", listDiff(got, want))
			}
			r.assertSound()
		})
	}
}

// copyRepo copies the repository, work tree and all, to a new temp dir.
func (r *testRepo) copyRepo() *testRepo {
	r.t.Helper()
	cp := filepath.Join(r.t.TempDir(), "copy")
	if out, err := exec.Command("cp", "-a", r.dir, cp).CombinedOutput(); err != nil {
		r.t.Fatalf("copy repository: %v\n%s", err, out)
	}
	return &testRepo{t: r.t, dir: cp}
}

// listDiff shows the lines only in got (-) and only in want (+).
func listDiff(got, want []string) string {
	var b strings.Builder
	for _, g := range got {
		if !slices.Contains(want, g) {
			b.WriteString("- " + g + "\n")
		}
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			b.WriteString("+ " + w + "\n")
		}
	}
	return b.String()
}
