package gitsafety

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// filterAttrs answers one question: does a path have a filter attribute
// (filter=lfs and the like)? Such content has to pass the filter's clean
// step before it is stored, which only git can run, so these paths are
// never staged by this package.
//
// Rules are read lazily, one directory's .gitattributes at a time, since
// most steps never ask.
type filterAttrs struct {
	root   string
	macros map[string][]attrSetting
	info   []attrRule // .git/info/attributes: highest priority
	global []attrRule // core.attributesFile, then the system file: lowest
	dirs   map[string][]attrRule
}

// attrSetting is one attribute of a rule: set ("text"), unset ("-text"),
// unspecified ("!text") or set to a value ("filter=lfs").
type attrSetting struct {
	name  string
	state attrState
	value string
}

type attrState int

const (
	attrSet attrState = iota
	attrUnset
	attrUnspecified
	attrValue
)

// attrRule is one line of an attributes file.
type attrRule struct {
	pattern pathPattern
	attrs   []attrSetting
}

// maxMacroDepth bounds macro expansion; git rejects cycles too.
const maxMacroDepth = 16

func (r *Repo) loadFilterAttrs(cfg *gitConfig) (*filterAttrs, error) {
	a := &filterAttrs{
		root: r.root,
		dirs: map[string][]attrRule{},
		// git's only built-in macro.
		macros: map[string][]attrSetting{"binary": {{name: "diff", state: attrUnset}, {name: "merge", state: attrUnset}, {name: "text", state: attrUnset}}},
	}
	// Macros may be defined in the top-level files only; later files win.
	var files []string
	if !envTrue(os.Getenv("GIT_ATTR_NOSYSTEM")) {
		files = append(files, "/etc/gitattributes")
	}
	if p := cfg.userFile("attributesfile", "attributes", r.root); p != "" {
		files = append(files, p)
	}
	for _, file := range files {
		rules, err := a.readFile(attrFile{path: file, macros: true})
		if err != nil {
			return nil, err
		}
		// One layer, scanned from its end: the global file's rules come
		// after the system file's and so win.
		a.global = append(a.global, rules...)
	}
	// The top-level .gitattributes may define macros the info file uses.
	if _, err := a.dir(""); err != nil {
		return nil, err
	}
	info, err := a.readFile(attrFile{path: filepath.Join(r.commonDir, "info", "attributes"), macros: true})
	if err != nil {
		return nil, err
	}
	a.info = info
	return a, nil
}

// filter returns the value of the filter attribute of the repo-relative
// slash path p, "" when it has none.
func (a *filterAttrs) filter(p string) (string, error) {
	// Highest priority first: info/attributes, then the deepest
	// .gitattributes up to the top one, then the global and system files.
	layers := [][]attrRule{a.info}
	dir := path.Dir(p)
	for {
		if dir == "." {
			dir = ""
		}
		rules, err := a.dir(dir)
		if err != nil {
			return "", err
		}
		layers = append(layers, rules)
		if dir == "" {
			break
		}
		dir = path.Dir(dir)
	}
	layers = append(layers, a.global)
	for _, rules := range layers {
		// Within one file a later line wins.
		for i := len(rules) - 1; i >= 0; i-- {
			rule := &rules[i]
			if !rule.pattern.match(p, false) {
				continue
			}
			if s, ok := a.lookup(rule.attrs, "filter", 0); ok {
				if s.state == attrValue {
					return s.value, nil
				}
				// Set without a driver, unset or unspecified: no filter,
				// and lower layers do not get a say.
				return "", nil
			}
		}
	}
	return "", nil
}

// lookup finds the setting of name among attrs, expanding the macros that
// are set, last setting first as git applies them.
func (a *filterAttrs) lookup(attrs []attrSetting, name string, depth int) (attrSetting, bool) {
	for i := len(attrs) - 1; i >= 0; i-- {
		s := attrs[i]
		if s.name == name {
			return s, true
		}
		if def, ok := a.macros[s.name]; ok && s.state == attrSet && depth < maxMacroDepth {
			if found, ok := a.lookup(def, name, depth+1); ok {
				return found, true
			}
		}
	}
	return attrSetting{}, false
}

func (a *filterAttrs) dir(dir string) ([]attrRule, error) {
	if rules, ok := a.dirs[dir]; ok {
		return rules, nil
	}
	file := filepath.Join(a.root, filepath.FromSlash(dir), ".gitattributes")
	rules, err := a.readFile(attrFile{path: file, base: dir, macros: dir == "", origin: inWorkTree})
	if err != nil {
		return nil, err
	}
	a.dirs[dir] = rules
	return rules, nil
}

// attrFile is one attributes file to read.
type attrFile struct {
	path   string
	base   string // the directory its patterns apply below; "" for the top
	macros bool   // it may define macros: only the top-level files may
	origin fileOrigin
}

// readFile parses one attributes file. A missing file is empty; so is a
// symlinked one inside the work tree, which git does not follow. Macro
// definitions are recorded where allowed and skipped elsewhere, as git
// skips them; lines git would reject are skipped too.
func (a *filterAttrs) readFile(af attrFile) ([]attrRule, error) {
	data, err := readSmallFile(af.path, af.origin)
	if err != nil {
		return nil, fmt.Errorf("read attributes %s: %w", af.path, err)
	}
	var rules []attrRule
	for _, line := range bytes.Split(bytes.TrimPrefix(data, []byte("\ufeff")), []byte("\n")) {
		pattern, attrs, ok := parseAttrLine(string(bytes.TrimSuffix(line, []byte("\r"))))
		if !ok {
			continue
		}
		if macro, isMacro := strings.CutPrefix(pattern, "[attr]"); isMacro {
			if af.macros && macro != "" {
				a.macros[macro] = attrs
			}
			continue
		}
		// Negative patterns are forbidden in attributes files.
		if strings.HasPrefix(pattern, "!") {
			continue
		}
		rules = append(rules, attrRule{pattern: newPathPattern(pattern, af.base), attrs: attrs})
	}
	return rules, nil
}

// parseAttrLine splits "pattern attr1 -attr2 !attr3 attr4=value" into its
// parts. The pattern may be a C-style quoted string. ok is false for
// blank lines, comments and lines without a valid pattern.
func parseAttrLine(line string) (pattern string, attrs []attrSetting, ok bool) {
	line = strings.TrimLeft(line, " \t")
	if line == "" || line[0] == '#' {
		return "", nil, false
	}
	var rest string
	if line[0] == '"' {
		end := quotedEnd(line)
		if end < 0 {
			return "", nil, false
		}
		unq, err := strconv.Unquote(line[:end+1])
		if err != nil {
			return "", nil, false
		}
		pattern, rest = unq, line[end+1:]
	} else {
		i := strings.IndexAny(line, " \t")
		if i < 0 {
			i = len(line)
		}
		pattern, rest = line[:i], line[i:]
	}
	if pattern == "" {
		return "", nil, false
	}
	for _, field := range strings.Fields(rest) {
		s := attrSetting{name: field, state: attrSet}
		switch field[0] {
		case '-':
			s.state, s.name = attrUnset, field[1:]
		case '!':
			s.state, s.name = attrUnspecified, field[1:]
		default:
			if name, value, found := strings.Cut(field, "="); found {
				s = attrSetting{name: name, state: attrValue, value: value}
			}
		}
		if !validAttrName(s.name) {
			continue
		}
		attrs = append(attrs, s)
	}
	return pattern, attrs, true
}

// quotedEnd returns the index of the quote closing the string that starts
// at s[0], or -1.
func quotedEnd(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// validAttrName is git's rule: letters, digits, '-', '_' and '.', not
// starting with '-'.
func validAttrName(name string) bool {
	if name == "" || name[0] == '-' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '-' || c == '_' || c == '.' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}
