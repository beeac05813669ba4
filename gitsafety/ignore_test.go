package gitsafety

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestCommitStepIgnoreRules(t *testing.T) {
	t.Parallel()
	r := newTestRepo(t, map[string]string{
		".gitignore":         "*.log\n!keep.log\n/root-only.txt\nbuild/\n**/gen/\ndocs/**/*.tmp\n\\#hash.txt\n",
		"sub/.gitignore":     "*.secret\n!public.secret\nlocal/\n",
		"sub/deeper/x.txt":   "x\n",
		"tracked.log":        "tracked before the rule\n",
		"docs/guide/a.md":    "a\n",
		"README.md":          "readme\n",
		"sub/deeper/keep.md": "keep\n",
	})
	// tracked.log matches *.log: forcing it in makes it a tracked file
	// that an ignore rule matches, which git keeps committing.
	r.git("add", "-f", "tracked.log")
	r.git("commit", "-q", "-m", "force-track a log")
	r.write(".git/info/exclude", "# local excludes\nexcluded-locally.txt\n*.bak\n")
	s := r.begin(testOptions("safe-coder/ignore"))

	created := map[string]bool{ // path -> must be committed
		"debug.log":                false,
		"keep.log":                 true,
		"sub/keep.log":             true,
		"root-only.txt":            false,
		"sub/root-only.txt":        true,
		"build/out.o":              false,
		"sub/build/out.o":          false,
		"a/b/gen/code.go":          false,
		"gen.go":                   true,
		"docs/guide/draft.tmp":     false,
		"other/draft.tmp":          true,
		"#hash.txt":                false,
		"sub/key.secret":           false,
		"sub/public.secret":        true,
		"sub/deeper/nested.secret": false,
		"key.secret":               true,
		"sub/local/cache.txt":      false,
		"local/cache.txt":          true,
		"excluded-locally.txt":     false,
		"sub/excluded-locally.txt": false,
		"notes.bak":                false,
		"new.txt":                  true,
	}
	for name := range created {
		r.write(name, "content of "+name+"\n")
	}
	r.write("tracked.log", "a tracked file is committed even when ignored\n")
	// A symlinked .gitignore is not followed, as git does not follow it.
	r.write("outside-rules", "*.txt\n")
	r.write("linked/.placeholder", "")
	r.symlink("../outside-rules", "linked/.gitignore")
	r.write("linked/visible.txt", "visible\n")
	wantTree := r.addAllTree()

	c, err := s.CommitStep(t.Context(), StepCommit{Step: 1, Tools: []string{"bash"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.git("rev-parse", c.SHA+"^{tree}"); got != wantTree {
		t.Errorf("tree %s, want %s (what git add -A makes); committed:\n%s", got, wantTree, r.git("show", "--name-status", "--format=", c.SHA))
	}
	committed := lines(r.git("ls-tree", "-r", "--name-only", c.SHA))
	for name, want := range created {
		if got := slices.Contains(committed, name); got != want {
			t.Errorf("%s committed = %v, want %v", name, got, want)
		}
	}
	if !slices.Contains(c.Files, "tracked.log") {
		t.Errorf("tracked, ignored file not committed: %v", c.Files)
	}
	if !slices.Contains(committed, "linked/visible.txt") {
		t.Error("rules of a symlinked .gitignore were applied")
	}
	r.assertSound()
}

// core.excludesFile comes from the user's global config, so these tests set
// HOME and cannot run in parallel.
func TestCommitStepGlobalExcludes(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, home string, r *testRepo)
	}{
		{
			name: "core.excludesFile in ~/.gitconfig",
			setup: func(t *testing.T, home string, r *testRepo) {
				writeFile(t, filepath.Join(home, ".gitconfig"), "[core]\n\texcludesFile = ~/my-ignore\n")
				writeFile(t, filepath.Join(home, "my-ignore"), "*.secret\n.env\n")
			},
		},
		{
			name: "default XDG ignore file",
			setup: func(t *testing.T, home string, r *testRepo) {
				writeFile(t, filepath.Join(home, ".config", "git", "ignore"), "*.secret\n.env\n")
			},
		},
		{
			name: "XDG_CONFIG_HOME",
			setup: func(t *testing.T, home string, r *testRepo) {
				xdg := filepath.Join(home, "xdg")
				t.Setenv("XDG_CONFIG_HOME", xdg)
				writeFile(t, filepath.Join(xdg, "git", "ignore"), "*.secret\n.env\n")
			},
		},
		{
			name: "repository config overrides the global one",
			setup: func(t *testing.T, home string, r *testRepo) {
				writeFile(t, filepath.Join(home, ".gitconfig"), "[core]\n\texcludesFile = ~/unused\n")
				writeFile(t, filepath.Join(home, "unused"), "*.txt\n")
				writeFile(t, filepath.Join(home, "repo-ignore"), "*.secret\n.env\n")
				r.git("config", "core.excludesFile", filepath.Join(home, "repo-ignore"))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			t.Setenv("HOME", home)
			t.Setenv("XDG_CONFIG_HOME", "")
			r := newTestRepo(t, map[string]string{"a.txt": "a\n"})
			tt.setup(t, home, r)
			s := r.begin(testOptions("safe-coder/global"))
			r.write("api.secret", "token\n")
			r.write("sub/.env", "KEY=value\n")
			r.write("b.txt", "b\n")
			wantTree := r.addAllTree()

			c, err := s.CommitStep(t.Context(), StepCommit{Step: 1, Tools: []string{"write_file"}})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(c.Files, []string{"b.txt"}) {
				t.Errorf("Files = %v, want [b.txt]", c.Files)
			}
			if got := r.git("rev-parse", c.SHA+"^{tree}"); got != wantTree {
				t.Errorf("tree %s, want %s (what git add -A makes)", got, wantTree)
			}
			if st := r.git("status", "--porcelain", "--ignored"); !strings.Contains(st, "!! api.secret") {
				t.Errorf("api.secret not ignored by git either:\n%s", st)
			}
			r.assertSound()
		})
	}
}
