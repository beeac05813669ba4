package policy

import "errors"

// Sentinel errors of New and ParseRule; callers compare with errors.Is.
var (
	// ErrBadRule is wrapped by every error about an allow or deny rule.
	ErrBadRule = errors.New("bad rule")
	// ErrUnknownMode is wrapped when Options.Mode is not an approval mode.
	ErrUnknownMode = errors.New("unknown approval mode")
	// ErrUnknownTool is wrapped when Options.Tools names a tool that does
	// not exist.
	ErrUnknownTool = errors.New("unknown tool")
)
