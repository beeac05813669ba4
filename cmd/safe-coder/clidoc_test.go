package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestCLIDocNamesEveryFlag keeps the synopsis at the top of docs/cli.md
// true to --help: every flag a command's help lists appears on that
// command's synopsis line, and every flag the synopsis names exists.
func TestCLIDocNamesEveryFlag(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../docs/cli.md")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(data), "```\n")
	if !ok {
		t.Fatal("docs/cli.md has no synopsis block")
	}
	block, _, _ = strings.Cut(block, "```")
	// Continuation lines (indented) belong to the command above them.
	synopsis := map[string]string{}
	var last string
	for line := range strings.SplitSeq(block, "\n") {
		if rest, ok := strings.CutPrefix(line, "safe-coder "); ok {
			f := strings.Fields(rest)
			last = f[0]
			if len(f) > 1 && f[1] == "merge" {
				last += " merge"
			}
			synopsis[last] += " " + rest
		} else if last != "" {
			synopsis[last] += " " + line
		}
	}
	helpFlag := regexp.MustCompile(`(?m)^\s+(--[a-z-]+)(?:, (-[a-z]))?`)
	docFlag := regexp.MustCompile(`[[|](--?[a-z-]+)`)
	for _, name := range []string{"run", "pr", "validate", "init", "commands", "report", "report merge", "runs", "resume", "rollback", "restore", "version"} {
		line, ok := synopsis[name]
		if !ok {
			t.Errorf("docs/cli.md's synopsis has no line for safe-coder %s", name)
			continue
		}
		shown := map[string]bool{}
		for _, m := range docFlag.FindAllStringSubmatch(line, -1) {
			shown[m[1]] = true
		}
		var out bytes.Buffer
		args := append([]string{"safe-coder"}, strings.Fields(name)...)
		if code := Main(t.Context(), append(args, "--help"), Streams{In: strings.NewReader(""), Out: &out, Err: &out}); code != 0 {
			t.Fatalf("safe-coder %s --help: exit %d", name, code)
		}
		help, _, _ := strings.Cut(out.String(), "\nGLOBAL OPTIONS:")
		_, help, _ = strings.Cut(help, "\nOPTIONS:\n")
		listed := map[string]bool{}
		for _, m := range helpFlag.FindAllStringSubmatch(help, -1) {
			if m[1] == "--help" {
				continue
			}
			listed[m[1]], listed[m[2]] = true, true
			if !shown[m[1]] && (m[2] == "" || !shown[m[2]]) {
				t.Errorf("docs/cli.md: safe-coder %s does not show %s, which its --help lists", name, m[1])
			}
		}
		for flag := range shown {
			if !listed[flag] {
				t.Errorf("docs/cli.md: safe-coder %s shows %s, which its --help does not list", name, flag)
			}
		}
	}
}
