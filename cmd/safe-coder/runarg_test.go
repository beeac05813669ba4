package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestOneRunArg pins the usage errors of the commands that take exactly
// one run (pr, resume, rollback): neither RUN nor --last, two runs, and
// RUN with --last are exit 2, worded for the command, before anything is
// opened.
func TestOneRunArg(t *testing.T) {
	t.Parallel()
	synopsis := map[string]string{
		"pr":       "safe-coder pr RUN [--task NAME]…",
		"resume":   "safe-coder resume RUN",
		"rollback": "safe-coder rollback RUN [--task NAME] [--to-step N]",
	}
	for name, syn := range synopsis {
		tests := []struct {
			args []string
			want string
		}{
			{nil, "safe-coder: " + name + " needs the run id: safe-coder " + name + " RUN, or --last for the last run (safe-coder runs lists them)\n"},
			{[]string{"r1", "r2"}, "safe-coder: " + name + " takes one run id, got 2 arguments: " + syn + "\n"},
			{[]string{"--last", "r1"}, "safe-coder: " + name + " takes a run id or --last, not both\n"},
		}
		for _, tt := range tests {
			args := append([]string{"safe-coder", name, "--repo", t.TempDir()}, tt.args...)
			var out, errb bytes.Buffer
			code := Main(t.Context(), args, Streams{In: strings.NewReader(""), Out: &out, Err: &errb})
			if code != 2 || out.Len() != 0 || !strings.HasSuffix(errb.String(), tt.want) {
				t.Errorf("%v: code %d, stdout %q, stderr %q; want code 2, no stdout, stderr ending %q",
					args, code, out.String(), errb.String(), tt.want)
			}
		}
	}
}
