package policy

import "strings"

// builtinPath is a path the policy denies by default: writes to protected
// paths, reads of secret-looking files. Only an allow rule that names it
// explicitly lifts the denial.
type builtinPath struct {
	glob  string // matched like a deny rule (matchGenerous)
	label string // as the task-file documentation spells it
	why   string
	// named reports whether an allow rule's pattern names this path
	// explicitly enough to lift the denial: a pattern that merely happens
	// to match (a bare rule, "**", "docs/*") does not.
	named func(pattern string) bool
}

// namesDir reports whether a pattern names everything under dir by its
// literal name.
func namesDir(dir string) func(string) bool {
	return func(pattern string) bool {
		p := fold(pattern)
		return p == dir || strings.HasPrefix(p, dir+"/")
	}
}

// namesInLastSegment reports whether the last segment of a pattern holds
// marker literally (".env" in "config/.env.example", ".pem" in "*.pem").
func namesInLastSegment(marker string) func(string) bool {
	return func(pattern string) bool {
		return strings.Contains(fold(lastSegment(pattern)), marker)
	}
}

// protectedPaths are written only through an allow rule of the writing
// tool that names them. They are root paths: that is where git and CI
// read them.
func protectedPaths() []builtinPath {
	return []builtinPath{
		{glob: ".github/workflows/**", label: ".github/workflows/**", why: "CI workflows run with the repository's secrets and permissions", named: namesDir(".github/workflows")},
		{glob: ".gitmodules", label: ".gitmodules", why: "submodule URLs decide what code git fetches", named: namesInLastSegment(".gitmodules")},
		{glob: ".gitattributes", label: ".gitattributes", why: "attributes choose the filters and diff drivers git runs", named: namesInLastSegment(".gitattributes")},
	}
}

// secretPaths are read by read_file (and searched by grep) only through a
// read_file allow rule that names them, at any depth.
func secretPaths() []builtinPath {
	return []builtinPath{
		{glob: "**/.env*", label: ".env*", why: "environment files hold keys and passwords", named: namesInLastSegment(".env")},
		{glob: "**/*.pem", label: "*.pem", why: "PEM files hold private keys", named: namesInLastSegment(".pem")},
		{glob: "**/*.key", label: "*.key", why: "key files hold private keys", named: namesInLastSegment(".key")},
		{glob: "**/id_rsa*", label: "id_rsa*", why: "id_rsa files are SSH private keys", named: namesInLastSegment("id_rsa")},
		{glob: "**/.npmrc", label: ".npmrc", why: ".npmrc holds registry tokens", named: namesInLastSegment(".npmrc")},
		{glob: "**/.netrc", label: ".netrc", why: ".netrc holds machine passwords", named: namesInLastSegment(".netrc")},
		{glob: "**/.git-credentials", label: ".git-credentials", why: ".git-credentials holds git passwords and tokens", named: namesInLastSegment(".git-credentials")},
	}
}

// ProtectedPaths returns the globs of the paths that are writable only
// through an explicit allow rule. No command may change them unseen: the
// runner fingerprints them around every bash call.
func ProtectedPaths() []string {
	var globs []string
	for _, p := range protectedPaths() {
		globs = append(globs, p.glob)
	}
	return globs
}
