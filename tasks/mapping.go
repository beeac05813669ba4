package tasks

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// keySet is the schema of one mapping: which keys it takes, which keys of
// the design it rejects as not implemented yet, and keys that belong in
// another mapping, with a message saying where.
type keySet struct {
	known    []string
	notYet   []string
	misplace map[string]string
}

// field is one key of a mapping and its value, as written.
type field struct {
	key   *yaml.Node // resolved
	value *yaml.Node // as written; typed readers resolve it
	path  string     // dotted path of the value
}

// fields are the known keys of one mapping.
type fields map[string]field

// mapping checks that n is a mapping whose keys are all in keys and
// returns its known fields. It reports wrong kinds, merge keys, duplicate
// keys (at the second occurrence), keys not supported yet and unknown keys
// (at the key), and keeps going past each one. ok is false when n is not a
// mapping at all.
func (w *walker) mapping(n *yaml.Node, path string, keys keySet) (fs fields, node *yaml.Node, ok bool) {
	n = w.resolve(n)
	if n == nil {
		return nil, nil, false
	}
	if n.Kind != yaml.MappingNode {
		w.errorf(n, path, "expected a mapping, got %s", describe(n))
		return nil, n, false
	}
	fs = fields{}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := w.resolve(n.Content[i])
		if k == nil {
			return nil, n, false
		}
		if k.Kind != yaml.ScalarNode {
			w.errorf(k, path, "expected a key, got %s", describe(k))
			continue
		}
		if k.Tag == tagMerge {
			w.errorf(k, path, "merge keys (<<) are not supported; use defaults: for settings that tasks share")
			continue
		}
		name := k.Value
		kpath := joinPath(path, name)
		if first, dup := seen[name]; dup {
			w.errorf(k, kpath, "duplicate key %s (first at line %d); keep one", quote(name), first.Line)
			continue
		}
		seen[name] = k
		switch {
		case slices.Contains(keys.known, name):
			fs[name] = field{key: k, value: n.Content[i+1], path: kpath}
		case slices.Contains(keys.notYet, name):
			w.errorf(k, kpath, "%q is not supported yet by this version of safe-coder; remove it", name)
		case keys.misplace[name] != "":
			w.errorf(k, kpath, "%s", keys.misplace[name])
		default:
			w.errorf(k, kpath, "%s", unknownKey(name, keys.known))
		}
	}
	return fs, n, true
}

// unknownKey explains an unknown key, suggesting the closest known one.
func unknownKey(name string, known []string) string {
	if s, ok := suggest(name, known); ok {
		return fmt.Sprintf("unknown key %s; did you mean %q?", quote(name), s)
	}
	return fmt.Sprintf("unknown key %s; valid keys are %s", quote(name), strings.Join(known, ", "))
}

// plainKey is a key that can appear in a dotted path as it is.
var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// joinPath appends key to a dotted field path. Keys that are not plain
// words (a typo with a space, a newline) are quoted in brackets so the
// path stays on one line and unambiguous.
func joinPath(path, key string) string {
	if !plainKey.MatchString(key) {
		return path + "[" + quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// indexPath appends a sequence index to a field path.
func indexPath(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}
