package tasks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeCommands(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, filepath.FromSlash(CommandsDir))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestLoadCommands(t *testing.T) {
	t.Parallel()
	root := writeCommands(t, map[string]string{
		"review.md": "---\ndescription: Review a file\nargs: [file]\napproval: plan\ntools: [read_file, grep]\n---\nReview @{{file}} for bugs. Notes: {{args}}\n",
		"plain.md":  "Tidy the README.\n",
		"notes.txt": "not a command",
	})
	cmds, err := LoadCommands(root)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(CommandNames(cmds), ","); got != "plain,review" {
		t.Fatalf("commands %s", got)
	}
	r := cmds["review"]
	if r.Description != "Review a file" || r.Approval != ApprovalPlan || strings.Join(r.Tools, ",") != "read_file,grep" || r.Path != ".safe-coder/commands/review.md" {
		t.Errorf("review %+v", r)
	}
	got, err := r.Expand(`src/main.go "be strict"`)
	if err != nil || got != "Review @src/main.go for bugs. Notes: src/main.go \"be strict\"\n" {
		t.Errorf("expand %q %v", got, err)
	}
	if _, err := r.Expand(""); err == nil || !strings.Contains(err.Error(), "/review needs 1 argument(s) (file) and got 0") {
		t.Errorf("missing argument: %v", err)
	}
	if got, err := cmds["plain"].Expand("ignored"); err != nil || got != "Tidy the README.\n" {
		t.Errorf("plain %q %v", got, err)
	}
	// No directory: no commands.
	if cmds, err := LoadCommands(t.TempDir()); err != nil || len(cmds) != 0 {
		t.Errorf("empty: %v %v", cmds, err)
	}
}

func TestLoadCommandsErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ content, want string }{
		{"---\ndescription: x\n", "never ends"},
		{"---\ndescripton: x\n---\nbody", "descripton"},
		{"---\napproval: yes\n---\nbody", `approval "yes"`},
		{"---\ntools: [rm]\n---\nbody", `unknown tool "rm"`},
		{"---\nargs: [a, a]\n---\n{{a}}", "listed twice"},
		{"Fix {{file}}", "{{file}} is not an argument"},
	} {
		root := writeCommands(t, map[string]string{"bad.md": tt.content})
		if _, err := LoadCommands(root); err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "bad.md") {
			t.Errorf("%q: %v, want %q", tt.content, err, tt.want)
		}
	}
}

func TestSlashCommand(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		prompt, name, args string
		ok                 bool
	}{
		{"/review @src/main.go", "review", "@src/main.go", true},
		{"  /tidy\n", "tidy", "", true},
		{"Fix /etc/hosts parsing", "", "", false},
		{"/ spaced", "", "", false},
	} {
		name, args, ok := SlashCommand(tt.prompt)
		if name != tt.name || args != tt.args || ok != tt.ok {
			t.Errorf("%q: %q %q %v", tt.prompt, name, args, ok)
		}
	}
}
