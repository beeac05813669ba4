package tools

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/safe-coder/safe-coder/llm"
)

// Defaults applied by New to zero Options fields.
const (
	DefaultBashTimeout = 2 * time.Minute
	DefaultMaxOutput   = 30000
	DefaultWalkTimeout = 10 * time.Second
)

// Options configures a Toolbox.
type Options struct {
	// Root is the repository root, an absolute path. Every path a tool
	// touches is confined to it.
	Root string
	// BashTimeout is both the default and the maximum run time of a bash
	// call; 0 means DefaultBashTimeout.
	BashTimeout time.Duration
	// Env is the complete environment of commands, to which each call
	// adds only its marker (SAFE_CODER_CALL, see markerVar). Build it with
	// CommandEnv; nil means an empty environment, never the runner's own.
	Env []string
	// MaxOutput is how many bytes of bash output are kept: the first half
	// and the last half; 0 means DefaultMaxOutput.
	MaxOutput int
	// WalkTimeout bounds the time list_files and grep spend walking and
	// searching the tree; when it passes they return what they found so
	// far with a notice. 0 means DefaultWalkTimeout.
	WalkTimeout time.Duration
	// CanRead reports whether the policy lets the model read the file at a
	// resolved repo-relative slash path. grep does not search files for
	// which it returns false and says how many it skipped. read_file does
	// not consult it: the policy decides on a read_file call before Exec.
	// nil allows everything.
	CanRead func(rel string) bool
	// Guarded reports whether write_file and edit_file must not write a
	// repository-relative path, and why (inside a submodule, tracked by
	// Git LFS: paths git itself must handle); nil guards nothing.
	Guarded func(rel string) (reason string, guarded bool)
}

// Toolbox runs tool calls against one repository checkout. Its methods are
// safe for concurrent use.
type Toolbox struct {
	root     *os.Root
	rootPath string
	timeout  time.Duration
	env      []string
	maxOut   int
	walkMax  time.Duration
	canRead  func(rel string) bool
	guard    func(rel string) (string, bool)
	// shell is the absolute path of bash, or of sh when bash is missing,
	// resolved once in New; empty when neither is on PATH.
	shell string

	closed atomic.Bool
	mu     sync.Mutex
	// seen maps a resolved repo-relative path to the hash of the content
	// the model last saw there (through read_file, write_file or
	// edit_file), so edit_file and write_file can refuse to act on a
	// stale view, and write_file on a file the model never saw.
	seen map[string][sha256.Size]byte
}

// New opens the repository root and returns a Toolbox confined to it.
// The shell for bash is looked up on the runner's PATH here, once.
func New(opts Options) (*Toolbox, error) {
	if !filepath.IsAbs(opts.Root) {
		return nil, fmt.Errorf("open toolbox: root %q is not an absolute path", opts.Root)
	}
	if opts.BashTimeout < 0 {
		return nil, fmt.Errorf("open toolbox: negative bash timeout %v", opts.BashTimeout)
	}
	if opts.MaxOutput < 0 {
		return nil, fmt.Errorf("open toolbox: negative output cap %d", opts.MaxOutput)
	}
	if opts.WalkTimeout < 0 {
		return nil, fmt.Errorf("open toolbox: negative walk timeout %v", opts.WalkTimeout)
	}
	if opts.BashTimeout == 0 {
		opts.BashTimeout = DefaultBashTimeout
	}
	if opts.MaxOutput == 0 {
		opts.MaxOutput = DefaultMaxOutput
	}
	if opts.WalkTimeout == 0 {
		opts.WalkTimeout = DefaultWalkTimeout
	}
	root, err := os.OpenRoot(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("open repository root: %w", err)
	}
	env := make([]string, len(opts.Env))
	copy(env, opts.Env)
	return &Toolbox{
		root:     root,
		rootPath: filepath.Clean(opts.Root),
		timeout:  opts.BashTimeout,
		env:      env,
		maxOut:   opts.MaxOutput,
		walkMax:  opts.WalkTimeout,
		canRead:  opts.CanRead,
		guard:    opts.Guarded,
		shell:    findShell(),
		seen:     make(map[string][sha256.Size]byte),
	}, nil
}

// findShell prefers bash, which the model expects, and falls back to sh.
func findShell() string {
	for _, name := range []string{"bash", "sh"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Close releases the repository root. Calls after Close fail with an error
// result.
func (tb *Toolbox) Close() error {
	tb.closed.Store(true)
	if err := tb.root.Close(); err != nil {
		return fmt.Errorf("close repository root: %w", err)
	}
	return nil
}

// Result is the outcome of one tool call.
type Result struct {
	// Content is what the model sees.
	Content string
	// IsError tells the model to treat the call as a failure.
	IsError bool
	// Touched lists the repo-relative slash paths the call wrote
	// (write_file, edit_file), after symlinks in their directories were
	// resolved: the paths git sees as changed.
	Touched []string
	// Summary is one line for commit bodies and logs.
	Summary string
}

// failure is a Result the model should treat as an error.
func failure(summary, content string) Result {
	return Result{Content: content, IsError: true, Summary: summary}
}

// Exec runs one tool call. Every problem the model can fix, including an
// unknown tool or malformed input, comes back as a Result with IsError set.
func (tb *Toolbox) Exec(ctx context.Context, call llm.ToolCall) Result {
	spec, ok := specByName(call.Name)
	if !ok {
		msg := fmt.Sprintf("unknown tool %q; the tools are %s", call.Name, joinNames())
		return failure(fmt.Sprintf("%s: unknown tool", call.Name), msg)
	}
	if tb.closed.Load() {
		return failure(call.Name+": toolbox closed", "the toolbox is closed; no tool can run")
	}
	switch call.Name {
	case ReadFile:
		return decodeAndRun(spec, call.Input, tb.readFile)
	case WriteFile:
		return decodeAndRun(spec, call.Input, tb.writeFile)
	case EditFile:
		return decodeAndRun(spec, call.Input, tb.editFile)
	case ListFiles:
		return decodeAndRun(spec, call.Input, func(in listFilesInput) Result { return tb.listFiles(ctx, in) })
	case Grep:
		return decodeAndRun(spec, call.Input, func(in grepInput) Result { return tb.grep(ctx, in) })
	default: // Bash: specByName knows no other names.
		return decodeAndRun(spec, call.Input, func(in bashInput) Result { return tb.bash(ctx, in) })
	}
}

// decodeAndRun decodes a tool's input strictly and runs the tool on it; bad
// input is an error result naming what is wrong.
func decodeAndRun[In any](spec toolSpec, raw json.RawMessage, run func(In) Result) Result {
	var in In
	if err := decodeInput(spec, raw, &in); err != nil {
		msg := fmt.Sprintf("%s: bad input: %v", spec.name, err)
		return failure(msg, msg)
	}
	return run(in)
}

// Resolve turns a path as the model writes it into the clean repo-relative
// slash path the tools would act on ("." for the root), following symlinks
// inside the repository, the final component included, as read_file and
// edit_file do. The policy matches its rules against this path, so a rule
// on a file also covers every symlink spelling of it. The error, for a path
// that is empty, absolute, escapes the repository or names .git in any
// spelling, is the message the model would see from the tool.
func (tb *Toolbox) Resolve(path string) (string, error) {
	return tb.resolve(path, followFinal)
}

// remember records the content the model has seen at a resolved path.
func (tb *Toolbox) remember(rel string, content []byte) {
	sum := sha256.Sum256(content)
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.seen[rel] = sum
}

// stale reports whether the model saw content at rel that differs from
// content. A path the model never saw is not stale: old_string must still
// match exactly, which proves the model knows the part it edits.
func (tb *Toolbox) stale(rel string, content []byte) bool {
	sum, ok := tb.seenSum(rel)
	return ok && sum != sha256.Sum256(content)
}

// seenSum returns the hash of the content the model last saw at rel, and
// whether it saw any.
func (tb *Toolbox) seenSum(rel string) ([sha256.Size]byte, bool) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	sum, ok := tb.seen[rel]
	return sum, ok
}
