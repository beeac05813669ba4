package gitsafety

import "testing"

// The cases follow git's own wildmatch semantics (t3070): with pathname
// set, '*' stops at '/' and "**" as a whole component spans directories;
// without it '/' is an ordinary character.
func TestWildmatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, text      string
		pathname, anywhere bool // expected with and without pathname
	}{
		{"foo", "foo", true, true},
		{"foo", "bar", false, false},
		{"", "", true, true},
		{"???", "foo", true, true},
		{"??", "foo", false, false},
		{"*", "foo", true, true},
		{"f*", "foo", true, true},
		{"*f", "foo", false, false},
		{"*foo*", "foo", true, true},
		{"*ob*a*r*", "foobar", true, true},
		{"*ab", "aaaaaaabababab", true, true},
		{`foo\*`, "foo*", true, true},
		{`foo\*bar`, "foobar", false, false},
		{`f\\oo`, `f\oo`, true, true},
		{`\`, `\`, false, false},
		{"*[al]?", "ball", true, true},
		{"[ten]", "ten", false, false},
		{"**[!te]", "ten", true, true},
		{"**[!ten]", "ten", false, false},
		{"t[a-g]n", "ten", true, true},
		{"t[!a-g]n", "ten", false, false},
		{"t[!a-g]n", "ton", true, true},
		{"t[^a-g]n", "ton", true, true},
		{"a[]]b", "a]b", true, true},
		{"a[]-]b", "a-b", true, true},
		{"a[]-]b", "a]b", true, true},
		{"a[]-]b", "aab", false, false},
		{"a[]a-]b", "aab", true, true},
		{"]", "]", true, true},
		{`[\]]`, "]", true, true},
		{`[\-_]`, "-", true, true},
		{"[!]-]", "]", false, false},
		{"[!]-]", "a", true, true},
		{"[", "[", false, false},
		{"a[", "a[", false, false},
		{"[!", "[!", false, false},
		{"foo*bar", "foo/baz/bar", false, true},
		{"foo**bar", "foo/baz/bar", false, true},
		{"foo/*/bar", "foo/baz/bar", true, true},
		{"foo/**/bar", "foo/baz/bar", true, true},
		{"foo/**/bar", "foo/b/a/z/bar", true, true},
		{"foo/**/bar", "foo/bar", true, false},
		{"foo/**/**/bar", "foo/b/a/z/bar", true, true},
		{"foo?bar", "foo/bar", false, true},
		{"foo[/]bar", "foo/bar", false, true},
		{"f[^eiu][^eiu][^eiu][^eiu][^eiu]r", "foo-bar", true, true},
		{"**/foo", "foo", true, false},
		{"**/foo", "XXX/foo", true, true},
		{"**/foo", "bar/baz/foo", true, true},
		{"*/foo", "bar/baz/foo", false, true},
		{"**/bar*", "foo/bar/baz", false, true},
		{"**/bar/*", "deep/foo/bar/baz", true, true},
		{"**/bar/*", "deep/foo/bar/baz/", false, true},
		{"**/bar/**", "deep/foo/bar/baz/", true, true},
		{"**/bar/*", "deep/foo/bar", false, false},
		{"**/bar/**", "deep/foo/bar/", true, true},
		{"*/bar/**", "deep/foo/bar/baz/x", false, true},
		{"*/*/*", "foo/bba/arr", true, true},
		{"*/*/*", "foo/bb/aa/rr", false, true},
		{"**/**/**", "foo/bb/aa/rr", true, true},
		{"*X*i", "abcXdefXghi", true, true},
		{"*/*X*/*/*i", "ab/cXd/efXg/hi", true, true},
		{"**/*X*/**/*i", "ab/cXd/efXg/hi", true, true},
		{"[[:alpha:]][[:digit:]][[:upper:]]", "a1B", true, true},
		{"[[:digit:][:upper:][:space:]]", "a", false, false},
		{"[[:digit:][:upper:][:space:]]", "A", true, true},
		{"[[:digit:][:upper:][:space:]]", "1", true, true},
		{"[[:digit:][:upper:][:spaci:]]", "1", false, false},
		{"[[:space:]]", " ", true, true},
		{"[[:xdigit:]]", "D", true, true},
		{"[[:xdigit:]]", "g", false, false},
		{"[[:punct:]]", ",", true, true},
		{"[[:punct:]]", "a", false, false},
		{"[a-c[:digit:]x-z]", "5", true, true},
		{"[a-c[:digit:]x-z]", "y", true, true},
		{"[a-c[:digit:]x-z]", "q", false, false},
		{"[[:]", "[", true, true}, // no ":]": a set of "[" and ":"
		{"[[:]", "x", false, false},
		{"-*-*-*-*-*-*-12-*-*-*-m-*-*-*", "-adobe-courier-bold-o-normal--12-120-75-75-m-70-iso8859-1", true, true},
		{"XXX/*/*/*/*/*/*/12/*/*/*/m/*/*/*", "XXX/adobe/courier/bold/o/normal//12/120/75/75/m/70/iso8859/1", true, true},
		{"XXX/*/*/*/*/*/*/12/*/*/*/m/*/*/*", "XXX/adobe/courier/bold/o/normal//12/120/75/75/X/70/iso8859/1", false, false},
		{"*a*b*c*d*e*f*g*h*i*j*k*l*m*n*o*p*q*r*s*t*u*v*w*x*y*z*", "abcdefghijklmnopqrstuvwxyz", true, true},
	}
	for _, tt := range tests {
		if got := wildmatch(tt.pattern, tt.text, true); got != tt.pathname {
			t.Errorf("wildmatch(%q, %q, pathname) = %v, want %v", tt.pattern, tt.text, got, tt.pathname)
		}
		if got := wildmatch(tt.pattern, tt.text, false); got != tt.anywhere {
			t.Errorf("wildmatch(%q, %q) = %v, want %v", tt.pattern, tt.text, got, tt.anywhere)
		}
	}
}

func FuzzWildmatch(f *testing.F) {
	for _, seed := range []string{"**/a/*", "[!a-z]*", `\[x]`, "[[:alpha:]", "a/**"} {
		f.Add(seed, "a/b/c")
	}
	f.Fuzz(func(t *testing.T, pattern, text string) {
		// Matching must terminate without panicking on any input; a
		// pattern without wildcards matches exactly itself.
		wildmatch(pattern, text, true)
		wildmatch(pattern, text, false)
		if !hasWildcard(pattern) && wildmatch(pattern, text, true) != (pattern == text) {
			t.Errorf("literal %q against %q", pattern, text)
		}
	})
}
