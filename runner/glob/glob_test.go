package glob

import (
	"errors"
	"path"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, name string
		want          bool
	}{
		// Whole-path matching: a pattern without '/' is not a base-name pattern.
		{"*.go", "main.go", true},
		{"*.go", "cmd/main.go", false},
		{"main.go", "main.go", true},
		{"main.go", "cmd/main.go", false},
		{"cmd", "cmd/main.go", false},
		{"*", ".env", true},
		{"*", "a/b", false},
		{"?", "a", true},
		{"?", "ab", false},
		{"a?c", "a/c", false},
		{"a*c", "a/c", false},
		{"[abc].txt", "b.txt", true},
		{"[abc].txt", "d.txt", false},
		{"[^abc].txt", "d.txt", true},
		{"[^abc].txt", "a.txt", false},
		{"[a-c]x", "bx", true},
		{`\*.go`, "*.go", true},
		{`\*.go`, "main.go", false},
		{"a**", "abc", true},
		{"a**", "a/bc", false},
		// "**" as a whole segment.
		{"**", "a", true},
		{"**", "a/b/c", true},
		{"**/.env", ".env", true},
		{"**/.env", "a/.env", true},
		{"**/.env", "a/b/.env", true},
		{"**/.env", "a/.env.example", false},
		{"**/.env", "a/x.env", false},
		{"docs/**", "docs", true},
		{"docs/**", "docs/a", true},
		{"docs/**", "docs/a/b.md", true},
		{"docs/**", "docsx/a", false},
		{"docs/**", "src/docs/a", false},
		{"a/**/b", "a/b", true},
		{"a/**/b", "a/x/b", true},
		{"a/**/b", "a/x/y/b", true},
		{"a/**/b", "a/x/y/c", false},
		{"a/**/b", "a/b/c", false},
		{"a/**/b/**/c", "a/b/x/b/c", true},
		{"**/**/x", "x", true},
		{"**/*.pem", "certs/server.pem", true},
		{".github/workflows/**", ".github/workflows/ci.yml", true},
		{".github/workflows/**", ".github/ci.yml", false},
		{"**/b/**", "a/b/c", true},
		{"**/b/**", "a/c", false},
		// Invalid patterns match nothing, even names that look like them.
		{"[", "[", false},
		{"a//b", "a//b", false},
		{"/etc/passwd", "/etc/passwd", false},
		{"docs/", "docs/", false},
		{"./a", "./a", false},
		{"", "", false},
	}
	for _, tt := range tests {
		if got := Match(tt.pattern, tt.name); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}

func TestValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern string
		ok      bool
	}{
		{"*.go", true},
		{"**", true},
		{"**/.env", true},
		{"a/**/b", true},
		{"[a-z]*", true},
		{"[^.]*", true},
		{`\[literal\]`, true},
		{"", false},
		{"[", false},
		{"[]", false},
		{"[a-", false},
		{"a[", false},
		{`a\`, false},
		{"/abs", false},
		{"dir/", false},
		{"a//b", false},
		{"./a", false},
		{"a/../b", false},
		{"..", false},
		{"[a/b]", false},
	}
	for _, tt := range tests {
		err := Valid(tt.pattern)
		if tt.ok && err != nil {
			t.Errorf("Valid(%q) = %v, want nil", tt.pattern, err)
		}
		if !tt.ok {
			if err == nil {
				t.Errorf("Valid(%q) = nil, want an error", tt.pattern)
			} else if !errors.Is(err, ErrBadPattern) {
				t.Errorf("Valid(%q) = %v, does not wrap ErrBadPattern", tt.pattern, err)
			}
		}
	}
}

// referenceMatch is the obvious exponential recursion, kept independent of
// the greedy algorithm Match uses so the fuzzer can compare the two.
func referenceMatch(ps, ns []string) bool {
	if len(ps) == 0 {
		return len(ns) == 0
	}
	if ps[0] == anySegments {
		for i := 0; i <= len(ns); i++ {
			if referenceMatch(ps[1:], ns[i:]) {
				return true
			}
		}
		return false
	}
	return len(ns) > 0 && matchSegment(ps[0], ns[0]) && referenceMatch(ps[1:], ns[1:])
}

func FuzzMatch(f *testing.F) {
	seeds := [][2]string{
		{"**/.env", "a/b/.env"},
		{"docs/**", "docs"},
		{"a/**/b", "a/x/y/b"},
		{"[^a]?c*", "xbcdd"},
		{`\**`, "*x"},
		{"[", "["},
		{"**/**/a/**", "a"},
		{"a//b", "a//b"},
		{"\xff*", "\xff\xfe"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, name string) {
		got := Match(pattern, name)
		if Valid(pattern) != nil {
			if got {
				t.Fatalf("invalid pattern %q matched %q", pattern, name)
			}
			return
		}
		ps, ns := strings.Split(pattern, "/"), strings.Split(name, "/")
		// Bound the exponential reference; the inputs that matter are short.
		if len(ps) <= 8 && len(ns) <= 8 {
			if want := referenceMatch(ps, ns); got != want {
				t.Fatalf("Match(%q, %q) = %v, reference says %v", pattern, name, got, want)
			}
		}
		hasDoubleStar := false
		for _, p := range ps {
			if p == anySegments {
				hasDoubleStar = true
			}
		}
		if hasDoubleStar {
			return
		}
		// Without "**", Match is path.Match, except that a negated class in
		// path.Match may match '/', which here never happens.
		pm, err := path.Match(pattern, name)
		if err != nil {
			t.Fatalf("Valid accepted %q but path.Match says %v", pattern, err)
		}
		if got && !pm {
			t.Fatalf("Match(%q, %q) = true, path.Match = false", pattern, name)
		}
		if !strings.Contains(pattern, "[") && got != pm {
			t.Fatalf("Match(%q, %q) = %v, path.Match = %v", pattern, name, got, pm)
		}
	})
}
