package policy

import (
	"strings"
	"testing"
)

func TestCleanRel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want, problem string
	}{
		{"a/b", "a/b", ""},
		{"./a//b/", "a/b", ""},
		{".", ".", ""},
		{"./", ".", ""},
		{"a/..", ".", ""},
		{"a/../b/./c", "b/c", ""},
		{"docs/../.github/x", ".github/x", ""},
		{`a\b`, `a\b`, ""},
		{"", "", "the path is empty"},
		{"..", "", "climbs out"},
		{"a/../../b", "", "climbs out"},
		{"/etc/passwd", "", "absolute"},
		{"//x", "", "absolute"},
		{"a\x00b", "", "NUL byte"},
	}
	for _, tt := range tests {
		got, problem := cleanRel(tt.in)
		if got != tt.want || !strings.Contains(problem, tt.problem) || (tt.problem == "") != (problem == "") {
			t.Errorf("cleanRel(%q) = %q, %q; want %q, %q", tt.in, got, problem, tt.want, tt.problem)
		}
	}
}

func TestInsideGit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rel  string
		want bool
	}{
		{".git", true},
		{".git/config", true},
		{"sub/.git/hooks/x", true},
		{".GIT/config", true},
		{".git./x", true},
		{".git /x", true},
		{"GIT~1/config", true},
		{".g\u200cit/config", true},
		{".gitignore", false},
		{".github/workflows/ci.yml", false},
		{"git/config", false},
		{"a.git/x", false},
	}
	for _, tt := range tests {
		if got := insideGit(tt.rel); got != tt.want {
			t.Errorf("insideGit(%q) = %v, want %v", tt.rel, got, tt.want)
		}
	}
}

func TestCanRead(t *testing.T) {
	t.Parallel()
	p := mustNew(t, attackOptions(ModePlan))
	tests := []struct {
		rel  string
		want bool
	}{
		{"src/main.go", true},
		{".", true},
		{".env", false},
		{"a/b/.env.local", false},
		{"SUB/.ENV", false},
		{"config/.env.example", true},
		{"certs/tls.pem", false},
		{"private/notes.txt", false},
		{"a/private/b/c", false},
		{"docs/link", false},    // a symlink to .env
		{"docs/p", false},       // a symlink into private/
		{"docs/escape", false},  // the toolbox refuses it
		{"docs/gitlink", false}, // a symlink into .git
		{".git/config", false},
		{"../x", false},
		{"", false},
		{"docs/readme.md", true},
	}
	for _, tt := range tests {
		if got := p.CanRead(tt.rel); got != tt.want {
			t.Errorf("CanRead(%q) = %v, want %v", tt.rel, got, tt.want)
		}
	}
}

// Deny rules of read_file do not stop list_files; rules of list_files and
// grep apply to their own path.
func TestListAndGrepRules(t *testing.T) {
	t.Parallel()
	p := mustNew(t, Options{Mode: ModeDefault, Tools: toolNames(), Deny: []string{"read_file(secrets/**)", "list_files(vendor/**)", "grep(third_party/**)"}})
	tests := []struct {
		tool, path string
		allow      bool
		rule       string
	}{
		{"list_files", "secrets", true, ""},
		{"list_files", "vendor", false, "deny: list_files(vendor/**)"},
		{"list_files", "vendor/x", false, "deny: list_files(vendor/**)"},
		{"grep", "vendor", true, ""},
		{"grep", "third_party/lib", false, "deny: grep(third_party/**)"},
		{"list_files", "third_party", true, ""},
		{"grep", "secrets", false, "deny: read_file(secrets/**)"},
		{"grep", "secrets/key.txt", false, "deny: read_file(secrets/**)"},
		{"grep", ".", true, ""},
		{"read_file", "Secrets/key.txt", false, "deny: read_file(secrets/**)"},
	}
	for _, tt := range tests {
		d := p.Decide(call(t, tt.tool, tt.path))
		if d.Allow != tt.allow || d.Rule != tt.rule {
			t.Errorf("%s %q: %+v, want allow = %v, rule %q", tt.tool, tt.path, d, tt.allow, tt.rule)
		}
	}
}

// Only an allow rule of the same tool that names a protected path lifts
// its protection, in every mode, and only for what it matches.
func TestProtectedNeedsNamingRule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		allow string
		path  string
		want  bool
	}{
		{"write_file(.github/workflows/**)", ".github/workflows/ci.yml", true},
		{"write_file(.github/workflows/ci.yml)", ".github/workflows/ci.yml", true},
		{"write_file(.github/workflows/ci.yml)", ".github/workflows/release.yml", false},
		{"write_file(.github/workflows/*.yml)", ".github/workflows/ci.yml", true},
		{"write_file(.github/**)", ".github/workflows/ci.yml", false},
		{"write_file(**)", ".github/workflows/ci.yml", false},
		{"write_file", ".github/workflows/ci.yml", false},
		{"edit_file(.github/workflows/**)", ".github/workflows/ci.yml", false},
		{"write_file(.gitmodules)", ".gitmodules", true},
		{"write_file(*)", ".gitmodules", false},
		{"write_file(.git*)", ".gitattributes", false},
		{"write_file(.gitattributes)", ".gitattributes", true},
		{"write_file(.gitattributes)", "sub/.gitattributes", false},
	}
	for _, tt := range tests {
		p := mustNew(t, Options{Mode: ModeYolo, Tools: toolNames(), Allow: []string{tt.allow}})
		d := p.Decide(call(t, "write_file", tt.path))
		if tt.path == "sub/.gitattributes" {
			// Not a protected path at all: yolo writes it.
			if !d.Allow {
				t.Errorf("%s, %q: %+v", tt.allow, tt.path, d)
			}
			continue
		}
		if d.Allow != tt.want {
			t.Errorf("allow %s, write %q: %+v, want allow = %v", tt.allow, tt.path, d, tt.want)
		}
		// The rule that lifted the protection, not the mode, decided.
		if d.Allow && d.Rule != "allow: "+tt.allow {
			t.Errorf("allow %s, write %q: rule %q, want the naming rule", tt.allow, tt.path, d.Rule)
		}
	}
}

// Only a read_file allow rule that names a secret file lifts its denial,
// and a deny rule still wins over it.
func TestSecretNeedsNamingRule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		allow, deny, path string
		want              bool
	}{
		{"read_file(**/.env)", "", ".env", true},
		{"read_file(**/.env)", "", "a/b/.env", true},
		{"read_file(**/.env)", "", "a/.env.local", false},
		{"read_file(.env*)", "", ".env.local", true},
		{"read_file(**)", "", ".env", false},
		{"read_file(config/*)", "", "config/.env", false},
		{"read_file", "", ".env", false},
		{"read_file(*.pem)", "", "ca.pem", true},
		{"read_file(certs/*.pem)", "", "ca.pem", false},
		{"read_file(**/id_rsa.pub)", "", "keys/id_rsa.pub", true},
		{"read_file(.ENV)", "", ".env", false},
		// A file that looks like two kinds of secret needs a rule naming both.
		{"read_file(.env.pem)", "", ".env.pem", true},
		{"read_file(**/.env*)", "", "x/.env.pem", false},
		{"grep(**/.env)", "", ".env", false},
		{"read_file(.env)", "read_file(.env)", ".env", false},
		{"read_file(.env)", "", "docs/link", true}, // the link's target is named
	}
	for _, tt := range tests {
		opts := Options{Mode: ModeDefault, Tools: toolNames(), Allow: []string{tt.allow}, Resolve: mapResolver(map[string]string{"docs/link": ".env"})}
		if tt.deny != "" {
			opts.Deny = []string{tt.deny}
		}
		p := mustNew(t, opts)
		d := p.Decide(call(t, "read_file", tt.path))
		if d.Allow != tt.want {
			t.Errorf("allow %s, deny %q, read %q: %+v, want allow = %v", tt.allow, tt.deny, tt.path, d, tt.want)
		}
		if d.Allow && d.Rule != "allow: "+tt.allow {
			t.Errorf("allow %s, read %q: rule %q, want the naming rule", tt.allow, tt.path, d.Rule)
		}
		if got := p.CanRead(tt.path); got != tt.want {
			t.Errorf("allow %s, deny %q: CanRead(%q) = %v, want %v", tt.allow, tt.deny, tt.path, got, tt.want)
		}
	}
}

// A resolver that returns something other than a clean relative path is
// not trusted.
func TestResolverOutputChecked(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"/etc/passwd", "../x", "a//b", "./a", ""} {
		p := mustNew(t, Options{Mode: ModeYolo, Tools: toolNames(), Resolve: func(string) (string, error) { return bad, nil }})
		if d := p.Decide(call(t, "read_file", "x")); d.Allow || !strings.Contains(d.Reason, "not a clean path inside the repository") {
			t.Errorf("resolver returning %q: %+v", bad, d)
		}
	}
}
