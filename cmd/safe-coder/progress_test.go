package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/safe-coder/safe-coder/report"
)

// jsonlines stdout|stderr checks that every line of the last command's
// output is a JSON object with a non-empty "event" name.
func cmdJSONLines(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 || (args[0] != "stdout" && args[0] != "stderr") {
		ts.Fatalf("usage: jsonlines stdout|stderr")
	}
	out := ts.ReadFile(args[0])
	if strings.TrimSpace(out) == "" {
		ts.Fatalf("jsonlines: %s is empty", args[0])
	}
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var obj map[string]any
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			ts.Fatalf("jsonlines: line %d is not a JSON object: %v\n%s", i+1, err, line)
		}
		if name, _ := obj["event"].(string); name == "" {
			ts.Fatalf("jsonlines: line %d has no event name: %s", i+1, line)
		}
	}
}

func TestProgressMode(t *testing.T) {
	t.Parallel()
	tty := openPTY(t)
	null, err := os.Open(os.DevNull) // a character device, but no terminal
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { null.Close() })
	file, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { file.Close() })
	tests := []struct {
		name   string
		format string
		term   *os.File
		env    map[string]string
		want   report.ProgressMode
		err    bool
	}{
		{name: "auto on a terminal", format: "auto", term: tty, want: report.ProgressLive},
		{name: "auto to a file", format: "auto", term: file, want: report.ProgressPlain},
		{name: "auto to /dev/null", format: "auto", term: null, want: report.ProgressPlain},
		{name: "auto in CI", format: "auto", term: tty, env: map[string]string{"CI": "true"}, want: report.ProgressPlain},
		{name: "auto in Actions", format: "auto", term: tty, env: map[string]string{"GITHUB_ACTIONS": "true"}, want: report.ProgressPlain},
		{name: "auto on a dumb terminal", format: "auto", term: tty, env: map[string]string{"TERM": "dumb"}, want: report.ProgressPlain},
		{name: "live asked for", format: "live", term: file, want: report.ProgressLive},
		{name: "json", format: "json", term: tty, want: report.ProgressJSON},
		{name: "unknown", format: "fancy", term: tty, err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := progressMode(tt.format, tt.term, func(k string) string { return tt.env[k] })
			if got != tt.want || (err != nil) != tt.err {
				t.Errorf("progressMode(%q) = %q, %v; want %q, error %v", tt.format, got, err, tt.want, tt.err)
			}
		})
	}
}

func TestTerminalWidth(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{"": 0, "120": 120, "wide": 0, "-3": 0} {
		if got := terminalWidth(in); got != want {
			t.Errorf("terminalWidth(%q) = %d, want %d", in, got, want)
		}
	}
}
