package main

import (
	"strings"
	"testing"
)

// TestGroupWriterDefusesCommands: text in the progress log that the model
// chose never acts as a workflow command, while the group writer's own
// commands and ordinary lines with colons pass unchanged.
func TestGroupWriterDefusesCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"command at a line's start", "::add-mask::x\n", "> ::add-mask::x\n"},
		{"after white space", "  \t::stop-commands::tok\n", ">   \t::stop-commands::tok\n"},
		{"after Unicode white space", "\u00a0\u2003::warning::x\n", "> \u00a0\u2003::warning::x\n"},
		{"after a carriage return", "[a] step 1: write_file a\r::error::pwned\n", "::group::[a] step 1\n[a] step 1: write_file a\r> ::error::pwned\n"},
		{"old syntax anywhere", "[a] note: ##[set-output name=pr-url;]evil\n", "[a] note: # #[set-output name=pr-url;]evil\n"},
		{"partial last line", "::error::x", "> ::error::x\n"},
		// The allowed twins: colons elsewhere are plain text.
		{"colons inside a line", "[a] step 1: bash echo a::b\n", "::group::[a] step 1\n[a] step 1: bash echo a::b\n"},
		{"a single colon first", ":x\n", ":x\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var b strings.Builder
			g := newGroupWriter(&b)
			if _, err := g.Write([]byte(tc.in)); err != nil {
				t.Fatal(err)
			}
			if err := g.Close(); err != nil {
				t.Fatal(err)
			}
			got := strings.TrimSuffix(b.String(), "::endgroup::\n")
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			// Only the writer's own commands start a line.
			for _, line := range strings.FieldsFunc(b.String(), func(r rune) bool { return r == '\n' || r == '\r' }) {
				if strings.HasPrefix(strings.TrimSpace(line), "::") && !strings.HasPrefix(line, "::group::") && line != "::endgroup::" {
					t.Errorf("line %q would be a workflow command", line)
				}
			}
		})
	}
}

// TestMainDefusesErrorInActions: the error Main prints last may quote the
// model's choices; in a GitHub Actions job no line of it acts as a
// workflow command, while outside Actions it is printed as it is.
func TestMainDefusesErrorInActions(t *testing.T) {
	for _, actions := range []string{"true", ""} {
		t.Run("GITHUB_ACTIONS="+actions, func(t *testing.T) {
			t.Setenv("GITHUB_ACTIONS", actions)
			var out, errs strings.Builder
			code := Main(t.Context(), []string{"safe-coder", "run", "no-such\n::add-mask::x.yaml"}, Streams{In: strings.NewReader(""), Out: &out, Err: &errs})
			if code != exitUsage {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitUsage, errs.String())
			}
			injected := strings.Contains("\n"+errs.String(), "\n::add-mask::")
			if actions == "true" && injected {
				t.Errorf("stderr holds a workflow command:\n%s", errs.String())
			}
			if actions == "" && !injected {
				t.Errorf("outside Actions the error should be printed as it is:\n%s", errs.String())
			}
		})
	}
}
