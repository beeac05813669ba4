package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// TestEveryCommandHasExamples walks the whole command tree, so a command
// added later without examples fails here.
func TestEveryCommandHasExamples(t *testing.T) {
	t.Parallel()
	var paths [][]string
	examples := regexp.MustCompile(`Examples:\n\s+safe-coder `)
	var walk func(prefix []string)
	walk = func(prefix []string) {
		var out bytes.Buffer
		code := Main(t.Context(), append(append([]string{"safe-coder"}, prefix...), "--help"), Streams{In: strings.NewReader(""), Out: &out, Err: &out})
		if code != 0 {
			t.Errorf("safe-coder %s --help: exit %d\n%s", strings.Join(prefix, " "), code, out.String())
			return
		}
		paths = append(paths, prefix)
		help := out.String()
		if !examples.MatchString(help) {
			t.Errorf("safe-coder %s --help has no examples:\n%s", strings.Join(prefix, " "), help)
		}
		_, cmds, ok := strings.Cut(help, "\nCOMMANDS:\n")
		if !ok {
			return
		}
		cmds, _, _ = strings.Cut(cmds, "\n\n")
		for line := range strings.SplitSeq(cmds, "\n") {
			if f := strings.Fields(line); len(f) > 0 {
				walk(append(append([]string{}, prefix...), strings.TrimSuffix(f[0], ",")))
			}
		}
	}
	walk(nil)
	if len(paths) < 12 {
		t.Errorf("walked %d commands, want every one of them: %q", len(paths), paths)
	}
}
