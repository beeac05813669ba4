package gitsafety

import (
	"os/exec"
	"strings"
	"testing"
)

// TestFilterAttrParityWithGit compares the filter each path gets with what
// `git check-attr filter` says, for attribute files that exercise
// priorities, macros, negation and patterns.
func TestFilterAttrParityWithGit(t *testing.T) {
	t.Parallel()
	paths := []string{
		"model.bin", "plain.bin", "sub/model.bin", "sub/deep/x.bin", "assets/logo.png", "assets/raw/logo.png",
		"data/a.csv", "data/nested/b.csv", "notes.txt", "sub/notes.txt", "quoted name.dat", "Makefile",
	}
	tests := []struct {
		name  string
		files map[string]string // "@info" is .git/info/attributes
	}{
		{"lfs by extension", map[string]string{".gitattributes": "*.bin filter=lfs diff=lfs merge=lfs -text\n"}},
		{"later line wins", map[string]string{".gitattributes": "*.bin filter=lfs\nplain.bin -filter\n"}},
		{"unspecified stops lower layers", map[string]string{".gitattributes": "*.bin filter=lfs\n", "sub/.gitattributes": "*.bin !filter\n"}},
		{"deeper file wins", map[string]string{".gitattributes": "*.png filter=lfs\n", "assets/raw/.gitattributes": "*.png filter=crypt\n"}},
		{"info attributes win", map[string]string{".gitattributes": "*.bin filter=lfs\n", "@info": "model.bin -filter\n"}},
		{"macro", map[string]string{".gitattributes": "[attr]big filter=lfs -text\n*.csv big\n"}},
		{"unset macro does not expand", map[string]string{".gitattributes": "[attr]big filter=lfs\n*.csv -big\n"}},
		{"macro below the top level is ignored", map[string]string{"data/.gitattributes": "[attr]big filter=lfs\n*.csv big\n"}},
		{"anchored and double star", map[string]string{".gitattributes": "/data/** filter=lfs\nsub/**/*.bin filter=other\n"}},
		{"pattern relative to its directory", map[string]string{"data/.gitattributes": "nested/*.csv filter=lfs\n/a.csv filter=top\n"}},
		{"quoted pattern", map[string]string{".gitattributes": "\"quoted name.dat\" filter=lfs\n"}},
		{"set without a driver", map[string]string{".gitattributes": "*.txt filter\n"}},
		{"negative pattern is rejected", map[string]string{".gitattributes": "*.bin filter=lfs\n!model.bin -filter\n"}},
		{"binary macro leaves filter alone", map[string]string{".gitattributes": "*.bin filter=lfs\n*.bin binary\n"}},
		{"comments and blank lines", map[string]string{".gitattributes": "# *.bin filter=lfs\n\n   \nMakefile filter=make\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newTestRepo(t, map[string]string{"README": "x\n"})
			for name, content := range tt.files {
				if name == "@info" {
					r.write(".git/info/attributes", content)
					continue
				}
				r.write(name, content)
			}
			repo := r.open()
			cfg, err := repo.loadConfig()
			if err != nil {
				t.Fatal(err)
			}
			attrs, err := repo.loadFilterAttrs(cfg)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("git", "-C", r.dir, "check-attr", "--stdin", "filter")
			cmd.Env = append(cmd.Environ(), "GIT_ATTR_NOSYSTEM=1")
			cmd.Stdin = strings.NewReader(strings.Join(paths, "\n") + "\n")
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("git check-attr: %v", err)
			}
			for _, line := range lines(string(out)) {
				p, value, ok := strings.Cut(line, ": filter: ")
				if !ok {
					t.Fatalf("unexpected check-attr line %q", line)
				}
				p = strings.Trim(p, `"`)
				want := value
				if value == "unspecified" || value == "unset" || value == "set" {
					want = ""
				}
				got, err := attrs.filter(p)
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("filter of %s = %q, git says %q", p, got, value)
				}
			}
		})
	}
}
