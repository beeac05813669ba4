package config

import (
	"errors"

	"github.com/safe-coder/safe-coder/tasks"
)

// ErrNamedFileMissing is returned (wrapped) by Load when $SAFE_CODER_CONFIG
// names a file that does not exist: a file asked for by name is never
// silently skipped.
var ErrNamedFileMissing = errors.New("the config file named by SAFE_CODER_CONFIG does not exist")

// Error is one problem at one position of a config file, rendered as
// "file:line:col: key: message" like a task file's: it is the same type.
// Its Field is the dotted key, e.g. "llm.max_tokens" ("" for the file as a
// whole), and its Msg says what was expected and how to fix it, never
// quoting an api_key value.
type Error = tasks.Error

// Errors is every problem of one config file, sorted by position, one per
// line. Parse and Load return it whenever the file is not valid.
type Errors = tasks.Errors
