package glob

import "errors"

// ErrBadPattern is wrapped by every error Valid returns.
var ErrBadPattern = errors.New("bad glob pattern")
