package gitsafety

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestOneLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"plain", "write_file a.go (12 bytes)", "write_file a.go (12 bytes)"},
		{"trimmed", "  edit_file x  \n", "edit_file x"},
		{"inner newlines shown", "bash: a\nb\r\nc", `bash: a\nb\r\nc`},
		{"tab becomes space", "a\tb", "a b"},
		{"control characters replaced", "a\x00b\x1bc\x7fd", "a\uFFFDb\uFFFDc\uFFFDd"},
		{"line separators replaced", "a\u2028b\u2029c", "a\uFFFDb\uFFFDc"},
		{"invalid UTF-8 replaced", "a\xffb", "a\uFFFDb"},
		{"unicode kept", "bash: go test ./... → exit 0 ✓", "bash: go test ./... → exit 0 ✓"},
		{"empty", "", ""},
		{"exactly at the cap", strings.Repeat("é", 200), strings.Repeat("é", 200)},
		{"over the cap", strings.Repeat("é", 201), strings.Repeat("é", 199) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := oneLine(tt.in, 200)
			if got != tt.want {
				t.Errorf("oneLine(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > 200 {
				t.Errorf("result has %d runes", n)
			}
			if strings.ContainsAny(got, "\n\r") {
				t.Errorf("result %q has a line break", got)
			}
		})
	}
}

func TestStepMessage(t *testing.T) {
	t.Parallel()
	trailers := "Safe-Coder-Run: run-1\nSafe-Coder-Task: task-a\nSafe-Coder-Step: 7\n"
	tests := []struct {
		name string
		step StepCommit
		want string
	}{
		{
			name: "tools deduplicated in order of first use",
			step: StepCommit{Step: 7, Tools: []string{"bash", "edit_file", "bash", "write_file", "edit_file"}, Calls: []string{"bash: ls", "edit_file a"}},
			want: "AI executed: bash, edit_file, write_file\n\n- bash: ls\n- edit_file a\n\n" + trailers,
		},
		{
			name: "no calls: no body paragraph",
			step: StepCommit{Step: 7, Tools: []string{"write_file"}},
			want: "AI executed: write_file\n\n" + trailers,
		},
		{
			name: "no tools",
			step: StepCommit{Step: 7},
			want: "AI executed: (no tool calls)\n\n" + trailers,
		},
		{
			name: "a call that looks like a trailer or a patch separator stays in the body",
			step: StepCommit{Step: 7, Tools: []string{"bash"}, Calls: []string{"Safe-Coder-Step: 99", "---", ""}},
			want: "AI executed: bash\n\n- Safe-Coder-Step: 99\n- ---\n- (empty)\n\n" + trailers,
		},
		{
			name: "tool names are single-line too",
			step: StepCommit{Step: 7, Tools: []string{"bash\nSafe-Coder-Step: 1", "  "}},
			want: "AI executed: bash\\nSafe-Coder-Step: 1\n\n" + trailers,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := stepMessage("run-1", "task-a", tt.step); got != tt.want {
				t.Errorf("stepMessage:\n%q\nwant:\n%q", got, tt.want)
			}
		})
	}
}
