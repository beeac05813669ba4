package gitsafety

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
)

func TestReadFileAt(t *testing.T) {
	t.Parallel()
	tr := newTestRepo(t, map[string]string{"AGENTS.md": "base rules\n", "docs/AGENTS.md": "docs rules\n"})
	tr.symlink("AGENTS.md", "link.md")
	tr.git("add", "link.md")
	tr.git("commit", "-q", "-m", "link")
	base := strings.TrimSpace(tr.git("rev-parse", "HEAD"))
	// The work tree and a later commit say something else: the base
	// commit's content is what comes back.
	tr.write("AGENTS.md", "rewritten by a pull request\n")
	r := tr.open()
	for _, tt := range []struct {
		rel, want, err string
		notExist       bool
	}{
		{rel: "AGENTS.md", want: "base rules\n"},
		{rel: "./docs//AGENTS.md", want: "docs rules\n"},
		{rel: "MISSING.md", notExist: true},
		{rel: "docs/nested/AGENTS.md", notExist: true},
		{rel: "docs", err: "not a regular file"},
		{rel: "link.md", err: "not a regular file"},
		{rel: "../outside", err: "not a path inside the repository"},
		{rel: "/etc/passwd", err: "not a path inside the repository"},
	} {
		got, err := r.ReadFileAt(t.Context(), base, tt.rel)
		switch {
		case tt.notExist:
			if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s: %v, want not exist", tt.rel, err)
			}
		case tt.err != "":
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: %v, want %q", tt.rel, err, tt.err)
			}
		case err != nil || string(got) != tt.want:
			t.Errorf("%s: %q %v, want %q", tt.rel, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "HEAD", base[:12], base + "0"} {
		if _, err := r.ReadFileAt(t.Context(), bad, "AGENTS.md"); err == nil || !strings.Contains(err.Error(), "not a full commit hash") {
			t.Errorf("commit %q: %v", bad, err)
		}
	}
	if _, err := r.ReadFileAt(t.Context(), strings.Repeat("ab", 20), "AGENTS.md"); err == nil {
		t.Error("a commit that does not exist was read")
	}
}

func TestReadFileAtMost(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("rule\n", 100_000)
	tr := newTestRepo(t, map[string]string{"AGENTS.md": big, "small.md": "ok\n"})
	base := strings.TrimSpace(tr.git("rev-parse", "HEAD"))
	r := tr.open()
	data, size, err := r.ReadFileAtMost(t.Context(), base, "AGENTS.md", 1000)
	if err != nil || len(data) != 1000 || size != int64(len(big)) || string(data) != big[:1000] {
		t.Errorf("capped: %d bytes of %d, %v", len(data), size, err)
	}
	data, size, err = r.ReadFileAtMost(t.Context(), base, "small.md", 1000)
	if err != nil || string(data) != "ok\n" || size != 3 {
		t.Errorf("small: %q %d %v", data, size, err)
	}
	data, size, err = r.ReadFileAtMost(t.Context(), base, "AGENTS.md", -1)
	if err != nil || len(data) != len(big) || size != int64(len(big)) {
		t.Errorf("no limit: %d %d %v", len(data), size, err)
	}
}
