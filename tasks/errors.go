package tasks

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrUnknownTask is returned (wrapped) by File.Select when a requested task
// name is not defined in the file.
var ErrUnknownTask = errors.New("unknown task")

// Error is one problem at one position of a task file (or of the config
// file, whose package reuses this type).
type Error struct {
	File  string // the path given to Load or Parse
	Line  int    // 1-based
	Col   int    // 1-based
	Field string // dotted path, e.g. "tasks[1].model.provider"; "" for the file as a whole
	Msg   string // what was expected, what was found and how to fix it
}

// Error renders the problem as "file:line:col: field: message", the form
// editors and CI log viewers turn into links.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(":")
	}
	fmt.Fprintf(&b, "%d:%d: ", e.Line, e.Col)
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem of one task file, sorted by line, then column.
// Load and Parse return it whenever the file is not valid.
type Errors []*Error

// Error renders one problem per line.
func (e Errors) Error() string {
	lines := make([]string, len(e))
	for i, err := range e {
		lines[i] = err.Error()
	}
	return strings.Join(lines, "\n")
}

// SortByPosition orders problems by line, then column; problems at the same
// position keep the order in which they were found. The config file's
// parser sorts its problems with it too.
func (e Errors) SortByPosition() {
	slices.SortStableFunc(e, func(a, b *Error) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Col - b.Col
	})
}

// ErrBadShard is returned (wrapped) by ParseShard for a shard that is not
// written as I/N with 1 ≤ I ≤ N.
var ErrBadShard = errors.New("invalid shard")

// ErrBadOverride is returned (wrapped) by Override.Apply for a value that
// is not valid, or that leaves a task unable to run.
var ErrBadOverride = errors.New("invalid command-line override")
