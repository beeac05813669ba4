package report

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// parseOutputs reads a $GITHUB_OUTPUT file the way the Actions runner
// does: name=value lines and name<<DELIMITER blocks.
func parseOutputs(t *testing.T, data string) map[string]string {
	t.Helper()
	out := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if name, delim, ok := strings.Cut(line, "<<"); ok {
			var value []string
			closed := false
			for sc.Scan() {
				if sc.Text() == delim {
					closed = true
					break
				}
				value = append(value, sc.Text())
			}
			if !closed {
				t.Fatalf("output %s: delimiter %s never closes", name, delim)
			}
			out[name] = strings.Join(value, "\n")
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("bad output line %q", line)
		}
		out[name] = value
	}
	return out
}

func TestAppendOutputs(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "output")
	// An earlier step's output stays.
	if err := os.WriteFile(path, []byte("earlier=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	outputs := []Output{
		{"run-id", "20261127-010203-abcd"},
		{"error", "line one\nEOF\nsafe_coder_x\npr-url<<EOF\nevil"},
		{"empty", ""},
	}
	if err := AppendOutputs(t.Context(), path, outputs); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := parseOutputs(t, string(data))
	want := map[string]string{"earlier": "1", "run-id": "20261127-010203-abcd", "error": outputs[1].Value, "empty": ""}
	if len(got) != len(want) {
		t.Errorf("outputs %q; want %q", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("output %s = %q; want %q", k, got[k], v)
		}
	}
}

func TestWriteOutputsBadName(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"", "a=b", "a<<b", "a\nb"} {
		var b strings.Builder
		if err := WriteOutputs(&b, []Output{{name, "v"}}); !errors.Is(err, ErrBadOutput) || b.Len() != 0 {
			t.Errorf("name %q: error %v, wrote %q; want ErrBadOutput and nothing written", name, err, b.String())
		}
	}
}

func TestAppendStepSummary(t *testing.T) {
	t.Parallel()
	lines := strings.Repeat("| a | b |\n", 50) // 500 bytes
	tests := []struct {
		name     string
		before   string
		md       string
		limit    int64
		wantCut  bool
		wantFull bool
	}{
		{name: "fits", md: lines, limit: 1000, wantFull: true},
		{name: "fits exactly", before: strings.Repeat("x", 500), md: lines, limit: 1000, wantFull: true},
		{name: "cut at a line", md: lines + lines + lines, limit: 1000, wantCut: true},
		{name: "cut after earlier content", before: strings.Repeat("x", 600), md: lines, limit: 1000, wantCut: true},
		{name: "one long line", md: strings.Repeat("é", 600), limit: 1000, wantCut: true},
		{name: "no room even for the notice", before: strings.Repeat("x", 990), md: lines, limit: 1000, wantCut: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "summary.md")
			if tc.before != "" {
				if err := os.WriteFile(path, []byte(tc.before), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cut, err := AppendStepSummary(t.Context(), path, tc.md, SummaryOptions{Limit: tc.limit, FullReport: "report.json"})
			if err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(path)
			got := string(data)
			if cut != tc.wantCut {
				t.Errorf("cut = %v; want %v", cut, tc.wantCut)
			}
			if int64(len(got)) > tc.limit {
				t.Errorf("summary holds %d bytes; limit %d", len(got), tc.limit)
			}
			if !strings.HasPrefix(got, tc.before) || !utf8.ValidString(got) {
				t.Errorf("summary lost earlier content or holds broken UTF-8")
			}
			added := got[len(tc.before):]
			switch {
			case tc.wantFull && added != tc.md:
				t.Errorf("summary %q; want the whole report", added)
			case tc.wantCut && added != "" && !strings.Contains(added, "the whole report is in report.json"):
				t.Errorf("cut summary has no notice: %q", added)
			case tc.wantCut && added != "" && !strings.HasPrefix(tc.md, added[:strings.Index(added, "\n\n> [!WARNING]")]):
				t.Errorf("cut summary is not a prefix of the report")
			}
		})
	}
}
