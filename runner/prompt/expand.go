package prompt

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Caps on what a prompt brings in.
const (
	MaxFileBytes   = 64 << 10  // one @file
	MaxTotalBytes  = 256 << 10 // all of a prompt's @files and commands
	MaxListEntries = 200       // one @directory listing
)

// Files reads and lists repository paths for @path.
type Files interface {
	Source
	// ReadDir lists a repository-relative directory: names, directories
	// with a trailing "/", sorted.
	ReadDir(rel string) ([]string, error)
	// CanRead reports whether the policy lets the model read rel.
	CanRead(rel string) bool
}

// Runner runs a command of the task author's, as the checks run.
type Runner interface {
	Run(ctx context.Context, command string) (output string, exitCode int, err error)
}

// CommandRun is one !`cmd` of a prompt, run.
type CommandRun struct {
	Command  string
	ExitCode int
	Output   string
	Duration time.Duration
	Err      string // it could not run
}

// Expansion is a prompt with its @paths and commands brought in.
type Expansion struct {
	Text     string
	Commands []CommandRun
	Files    []string // the @paths brought in
}

// Error is a problem with one reference of a prompt: where it is (byte
// offset) and what is wrong. The task file reports it at the prompt's line.
type Error struct {
	Offset int
	Ref    string
	Msg    string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Ref, e.Msg) }

// atRef matches @path where @ starts a word (so user@example.com is not
// one): the path runs to white space or a closing bracket; trailing
// punctuation is not part of it.
var atRef = regexp.MustCompile("(^|[\\s(\\[{'\"])@([^\\s)\\]}'\"`]+)")

// cmdRef matches !`command`.
var cmdRef = regexp.MustCompile("!`([^`\\n]+)`")

// Refs returns the @paths and commands a prompt refers to, in order, for
// checking a task file before anything runs.
func Refs(text string) (paths []string, commands []string) {
	for _, m := range atRef.FindAllStringSubmatch(text, -1) {
		paths = append(paths, trimPunct(m[2]))
	}
	for _, m := range cmdRef.FindAllStringSubmatch(text, -1) {
		commands = append(commands, m[1])
	}
	return paths, commands
}

// Expand brings a prompt's @paths and !`commands` in. A missing or
// unreadable path is an *Error (the caller reports it as a task-file
// error); a command that fails is not an error: its exit code and output
// go into the prompt, as the interactive tools do.
func Expand(ctx context.Context, text string, files Files, run Runner) (Expansion, error) {
	var exp Expansion
	budget := MaxTotalBytes
	var firstErr error
	out := atRef.ReplaceAllStringFunc(text, func(match string) string {
		m := atRef.FindStringSubmatch(match)
		lead, ref := m[1], trimPunct(m[2])
		tail := m[2][len(ref):]
		block, err := bringFile(ref, files, &budget)
		if err != nil {
			if firstErr == nil {
				firstErr = &Error{Offset: strings.Index(text, match), Ref: "@" + ref, Msg: err.Error()}
			}
			return match
		}
		exp.Files = append(exp.Files, ref)
		return lead + "@" + ref + tail + "\n\n" + block
	})
	if firstErr != nil {
		return Expansion{}, firstErr
	}
	out = cmdRef.ReplaceAllStringFunc(out, func(match string) string {
		command := cmdRef.FindStringSubmatch(match)[1]
		start := time.Now()
		output, code, err := run.Run(ctx, command)
		cr := CommandRun{Command: command, ExitCode: code, Output: output, Duration: time.Since(start)}
		if err != nil {
			cr.Err = err.Error()
		}
		exp.Commands = append(exp.Commands, cr)
		return renderCommand(cr, &budget)
	})
	exp.Text = out
	return exp, nil
}

func trimPunct(ref string) string {
	return strings.TrimRight(ref, ".,;:!?")
}

// bringFile renders @ref: a file's content fenced under its path, or a
// directory's listing.
func bringFile(ref string, files Files, budget *int) (string, error) {
	rel := path.Clean(ref)
	switch {
	case path.IsAbs(ref) || rel == ".." || strings.HasPrefix(rel, "../"):
		return "", errors.New("the path leaves the repository; @paths are relative to its root")
	case insideGit(rel):
		return "", errors.New("the path is inside .git, which is never read")
	case !files.CanRead(rel):
		return "", errors.New("the policy does not let the model read this file (a secret-looking file or a read_file deny rule)")
	}
	if entries, err := files.ReadDir(rel); err == nil {
		return renderListing(rel, entries), nil
	}
	data, err := files.ReadFile(rel)
	if errors.Is(err, fs.ErrNotExist) {
		return "", errors.New("no such file or directory in the repository")
	}
	if err != nil {
		return "", err
	}
	if !utf8.Valid(data) || strings.ContainsRune(string(data), 0) {
		return fmt.Sprintf("(%s is a binary file of %d bytes; not shown)", rel, len(data)), nil
	}
	content := string(data)
	notice := ""
	limit := min(MaxFileBytes, *budget)
	if len(content) > limit {
		content = validPrefix(content, limit)
		notice = fmt.Sprintf("[… %s has %d bytes; only the first %d are shown …]\n", rel, len(data), len(content))
	}
	*budget -= len(content)
	return fmt.Sprintf("Contents of %s:\n%s%s%s%s", rel, fence(content), ensureNL(content), fence(content), notice), nil
}

func renderListing(rel string, entries []string) string {
	sort.Strings(entries)
	var b strings.Builder
	fmt.Fprintf(&b, "Listing of %s/:\n", rel)
	for i, e := range entries {
		if i == MaxListEntries {
			fmt.Fprintf(&b, "… and %d more\n", len(entries)-MaxListEntries)
			break
		}
		b.WriteString(e + "\n")
	}
	return b.String()
}

func renderCommand(cr CommandRun, budget *int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n$ %s\n", cr.Command)
	if cr.Err != "" {
		fmt.Fprintf(&b, "(the command could not run: %s)\n", cr.Err)
		return b.String()
	}
	out := cr.Output
	if len(out) > *budget {
		out = validPrefix(out, max(*budget, 0)) + fmt.Sprintf("\n[… output cut at the prompt's %d-byte limit …]\n", MaxTotalBytes)
	}
	*budget -= len(out)
	fmt.Fprintf(&b, "%s%s%s(exit code %d)\n", fence(out), ensureNL(out), fence(out), cr.ExitCode)
	return b.String()
}

// fence returns a code fence longer than any run of backticks in s, with
// its newline.
func fence(s string) string {
	n, run := 3, 0
	for _, r := range s {
		if r == '`' {
			run++
			n = max(n, run+1)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", n) + "\n"
}

func ensureNL(s string) string {
	if strings.HasSuffix(s, "\n") || s == "" {
		return s
	}
	return s + "\n"
}

func validPrefix(s string, n int) string {
	if n >= len(s) {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
