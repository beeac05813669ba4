package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrNamedFileMissing is returned (wrapped) by Load when $SAFE_CODER_CONFIG
// names a file that does not exist: a file asked for by name is never
// silently skipped.
var ErrNamedFileMissing = errors.New("the config file named by SAFE_CODER_CONFIG does not exist")

// Error is one problem at one position of a config file.
type Error struct {
	File string // the path read
	Line int    // 1-based
	Col  int    // 1-based
	Key  string // dotted key, e.g. "llm.max_tokens"; "" for the file as a whole
	Msg  string // what was expected and how to fix it; never an api_key value
}

// Error renders the problem as "file:line:col: key: message".
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(":")
	}
	fmt.Fprintf(&b, "%d:%d: ", e.Line, e.Col)
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem of one config file, sorted by position. Parse
// and Load return it whenever the file is not valid.
type Errors []*Error

// Error renders one problem per line.
func (e Errors) Error() string {
	lines := make([]string, len(e))
	for i, err := range e {
		lines[i] = err.Error()
	}
	return strings.Join(lines, "\n")
}

// sortByPosition orders problems by line, then column, keeping the order
// of problems at the same place.
func (e Errors) sortByPosition() {
	slices.SortStableFunc(e, func(a, b *Error) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Col - b.Col
	})
}
