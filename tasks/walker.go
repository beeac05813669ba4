package tasks

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// maxVisits bounds the values the walker reads, counting a value reached
// through an alias once per use. Real task files need a few thousand; the
// bound stops a small file of nested aliases from expanding into billions.
const maxVisits = 1_000_000

// walker reads one YAML document and collects every problem it finds.
type walker struct {
	file    string    // as given to Parse, for Error.File
	dir     string    // the task file's directory, for relative transcripts
	base    ModelBase // the lowest-priority model layer (ParseWith)
	errs    Errors
	visits  int
	stopped bool // the visit budget ran out; nothing more is read
	// keyEnvs are the api_key_env names written anywhere in the file,
	// and passed the env.pass items, checked against them once the whole
	// file is read.
	keyEnvs map[string]bool
	// tokenEnvs are the pr.token_env names written anywhere in the file,
	// which env.pass may never name either.
	tokenEnvs map[string]bool
	passed    []opt[string]
}

// errorf records a problem at n, the node it is about.
func (w *walker) errorf(n *yaml.Node, field, format string, args ...any) {
	line, col := 1, 1
	if n != nil {
		line, col = max(n.Line, 1), max(n.Column, 1)
	}
	w.errs = append(w.errs, &Error{
		File:  w.file,
		Line:  line,
		Col:   col,
		Field: field,
		Msg:   fmt.Sprintf(format, args...),
	})
}

// resolve follows an alias to the node it names and counts the visit. It
// returns nil once the visit budget has run out; callers then stop.
func (w *walker) resolve(n *yaml.Node) *yaml.Node {
	if w.stopped || n == nil {
		return nil
	}
	w.visits++
	if w.visits > maxVisits {
		w.stopped = true
		w.errorf(n, "", "the file expands to more than %d YAML values (every use of an alias counts); make it smaller", maxVisits)
		return nil
	}
	if n.Kind == yaml.AliasNode {
		// yaml.v3 links every alias to its anchored node, which is never
		// an alias itself; anything else is a malformed tree.
		if n.Alias == nil || n.Alias.Kind == yaml.AliasNode {
			w.errorf(n, "", "alias *%s cannot be resolved", clip(n.Value))
			return nil
		}
		n = n.Alias
	}
	return n
}

// YAML tags as yaml.v3 resolves them.
const (
	tagStr       = "!!str"
	tagInt       = "!!int"
	tagFloat     = "!!float"
	tagBool      = "!!bool"
	tagNull      = "!!null"
	tagTimestamp = "!!timestamp"
	tagBinary    = "!!binary"
	tagMerge     = "!!merge"
)

// describe names what a node is, for "expected X, got Y" messages:
// `sequence`, `integer 40`, `string "40"`, `null`.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "sequence"
	case yaml.DocumentNode:
		return "document"
	case yaml.AliasNode:
		return "alias *" + n.Value
	}
	switch n.Tag {
	case tagStr:
		return "string " + quote(n.Value)
	case tagInt:
		return "integer " + clip(n.Value)
	case tagFloat:
		return "float " + clip(n.Value)
	case tagBool:
		return "boolean " + clip(n.Value)
	case tagNull:
		return "null"
	case tagTimestamp:
		return "timestamp " + clip(n.Value)
	case tagBinary:
		return "binary data"
	}
	return "a value tagged " + clip(n.Tag)
}

// maxQuoted is how many runes of a found value a message repeats.
const maxQuoted = 40

// clip shortens s for a message, quoting it when it holds control
// characters so a message stays on one line.
func clip(s string) string {
	if strings.ContainsFunc(s, unicode.IsControl) {
		return quote(s)
	}
	if utf8.RuneCountInString(s) <= maxQuoted {
		return s
	}
	return string([]rune(s)[:maxQuoted]) + "..."
}

// oneLine returns s, quoted when it holds control characters, without
// shortening it: for paths, which are useless cut.
func oneLine(s string) string {
	if strings.ContainsFunc(s, unicode.IsControl) {
		return strconv.Quote(s)
	}
	return s
}

// quote quotes s Go-style, shortened for a message.
func quote(s string) string {
	if utf8.RuneCountInString(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	return strconv.Quote(string([]rune(s)[:maxQuoted])) + "..."
}

// isPlain reports whether n is an untagged, unquoted scalar: the only kind
// YAML reads as a boolean, number or null.
func isPlain(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Style == 0
}

// yaml11Bools are the words YAML 1.1 reads as booleans. yaml.v3 only treats
// true and false as booleans, but users (and other tools reading the same
// file) often mean the others as booleans too, so none of them is accepted
// silently where a word from a fixed set is expected.
func isYAML11Bool(s string) bool {
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
		"true", "True", "TRUE", "false", "False", "FALSE",
		"on", "On", "ON", "off", "Off", "OFF":
		return true
	}
	return false
}

// yaml11True reports whether a YAML 1.1 boolean word means true.
func yaml11True(s string) bool {
	switch strings.ToLower(s) {
	case "y", "yes", "true", "on":
		return true
	}
	return false
}
