package report

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestHumanDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ms   int64
		want string
	}{
		{0, "0ms"},
		{-5, "0ms"},
		{12, "12ms"},
		{999, "999ms"},
		{1000, "1.0s"},
		{1234, "1.2s"},
		{1250, "1.3s"},
		{59_949, "59.9s"},
		{59_950, "1m00s"},
		{184_000, "3m04s"},
		{3_599_499, "59m59s"},
		{3_599_500, "1h00m00s"},
		{3_723_000, "1h02m03s"},
		{90_000_000, "25h00m00s"},
	}
	for _, tt := range tests {
		if got := humanDuration(tt.ms); got != tt.want {
			t.Errorf("humanDuration(%d) = %q, want %q", tt.ms, got, tt.want)
		}
	}
}

// cells splits a Markdown table row at its unescaped pipes.
func cells(line string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line) && line[i+1] == '|':
			cur.WriteString(`\|`)
			i++
		case line[i] == '|':
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(line[i])
		}
	}
	return append(out, cur.String())
}

func TestMarkdownTableCellsStayInPlace(t *testing.T) {
	t.Parallel()
	r := &Report{
		Run: RunInfo{ID: "r", Status: "succeeded", FinishedAt: "2026-01-01T00:00:00Z"},
		Tasks: []TaskReport{{
			Name: "a|b\nc", Status: "succeeded", StartedAt: "2026-01-01T00:00:00Z", FinishedAt: "2026-01-01T00:00:01Z",
			Steps: []StepReport{{Step: 1, Tools: []string{"weird|tool", "x\r\ny", "weird|tool"}, Commit: "abc`|def"}},
			Stats: Stats{ToolCalls: map[string]int{"weird|tool": 2, "x\r\ny": 1}, ToolCallsTotal: 3},
		}},
	}
	md := r.Markdown()
	tables := 0
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			continue
		}
		got := len(cells(line))
		switch {
		case strings.HasPrefix(line, "| task") || strings.HasPrefix(line, "| a"):
			tables++
			if got != 14 { // 12 cells between 13 pipes, plus the empty ends
				t.Errorf("summary row has %d parts, want 14: %q", got, line)
			}
		case strings.HasPrefix(line, "| step") || strings.HasPrefix(line, "| 1 "):
			tables++
			if got != 10 {
				t.Errorf("step row has %d parts, want 10: %q", got, line)
			}
		}
	}
	if tables != 4 {
		t.Errorf("found %d header and data rows, want 4:\n%s", tables, md)
	}
	for _, want := range []string{
		"## a|b c\n",
		"| 1 | weird\\|tool ×2, x y | ``abc`\\|def`` |",
		"Tool calls: weird|tool ×2, x y (3 calls)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestMarkdownFinalMessageTruncated(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", finalMessageLimit+500)
	r := &Report{Tasks: []TaskReport{{Name: "t", StartedAt: "x", FinalMessage: long}}}
	md := r.Markdown()
	i := strings.Index(md, "> ")
	if i < 0 {
		t.Fatalf("no blockquote in:\n%s", md)
	}
	quoted, _, _ := strings.Cut(md[i+2:], "\n")
	if n := utf8.RuneCountInString(quoted); n != finalMessageLimit+1 {
		t.Errorf("quoted %d characters, want %d and a mark", n, finalMessageLimit+1)
	}
	if !strings.HasSuffix(quoted, "é…") {
		t.Errorf("truncated message does not end with a mark: %q", quoted[len(quoted)-10:])
	}
}

func TestMarkdownText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, got, want string
	}{
		{"code plain", code("main"), "`main`"},
		{"code with backtick", code("a`b"), "``a`b``"},
		{"code starting with backtick", code("`a"), "`` `a ``"},
		{"fenced plain", fenced("boom\n"), "```\nboom\n```\n"},
		{"fenced with fence inside", fenced("a\n````\nb"), "`````\na\n````\nb\n`````\n"},
		{"blockquote", blockquote("a\n\nb\r\n"), "> a\n>\n> b\n"},
		{"short sha", short("0123456789abcdef"), "0123456789ab"},
		{"short sha already short", short("abc"), "abc"},
		{"tool list keeps first-use order", toolList([]string{"write_file", "read_file", "write_file"}), "write_file ×2, read_file"},
		{"inline collapses breaks", inline("a\n  b\tc"), "a b c"},
		{"cell escapes", escapeCell("a|b\r\nc\nd\re"), `a\|b c d e`},
		{"unknown cost", cost(nil), "—"},
		{"free", cost(usd(0)), "$0.0000"},
		{"cost too small to show", cost(usd(0.00001)), "<$0.0001"},
		{"cost", cost(usd(0.0123)), "$0.0123"},
		{"cost rounded", cost(usd(12.34567)), "$12.3457"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}
