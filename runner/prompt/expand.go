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
	// Interrupted says the command was started before the process was
	// stopped and its outcome is unknown: it is not run again, and the
	// prompt says so in its place.
	Interrupted bool
}

// Journal is told of each command before it runs and after, so that a
// command is never run twice across a crash (a resumed task's commands).
// Seq counts the commands of all the task's prompts from 1; the caller
// keeps that count.
type Journal interface {
	// Start is called before a command runs. A non-nil prior means the
	// command is not run: prior stands for it (taken from the record, or
	// Interrupted). An error means it must not run (its intent could not
	// be recorded); Expand returns it.
	Start(ctx context.Context, command string) (prior *CommandRun, err error)
	// Finish is called after the command ran, with its run.
	Finish(ctx context.Context, cr CommandRun) error
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
	for _, r := range findRefs(text) {
		if r.command {
			commands = append(commands, r.target)
		} else {
			paths = append(paths, r.target)
		}
	}
	return paths, commands
}

// Expand brings a prompt's @paths and !`commands` in. A missing or
// unreadable path is an *Error (the caller reports it as a task-file
// error), and then no command runs; a command that fails is not an error:
// its exit code and output go into the prompt, as the interactive tools
// do. Only what the author wrote is expanded: an @path or !`command`
// inside a file brought in, or in a command's output, stays text, so a
// file cannot make the runner run anything.
//
// journal, when not nil, sees every command before and after it runs (see
// Journal).
func Expand(ctx context.Context, text string, files Files, run Runner, journal Journal) (Expansion, error) {
	refs := findRefs(text)
	budget := MaxTotalBytes
	blocks := make([]string, len(refs))
	var exp Expansion
	for i, r := range refs {
		if r.command {
			continue
		}
		block, err := bringFile(r.target, files, &budget)
		if err != nil {
			return Expansion{}, &Error{Offset: r.start, Ref: "@" + r.target, Msg: err.Error()}
		}
		exp.Files = append(exp.Files, r.target)
		blocks[i] = text[r.start:r.end] + "\n\n" + block
	}
	for i, r := range refs {
		if !r.command {
			continue
		}
		cr, err := runCommand(ctx, r.target, run, journal)
		if err != nil {
			return Expansion{}, err
		}
		exp.Commands = append(exp.Commands, cr)
		blocks[i] = renderCommand(cr, &budget)
	}
	var b strings.Builder
	last := 0
	for i, r := range refs {
		b.WriteString(text[last:r.start])
		b.WriteString(blocks[i])
		last = r.end
	}
	b.WriteString(text[last:])
	exp.Text = b.String()
	return exp, nil
}

// runCommand runs one command through journal.
func runCommand(ctx context.Context, command string, run Runner, journal Journal) (CommandRun, error) {
	if journal != nil {
		prior, err := journal.Start(ctx, command)
		if err != nil {
			return CommandRun{}, err
		}
		if prior != nil {
			return *prior, nil
		}
	}
	start := time.Now()
	output, code, err := run.Run(ctx, command)
	cr := CommandRun{Command: command, ExitCode: code, Output: output, Duration: time.Since(start)}
	if err != nil {
		cr.Err = err.Error()
	}
	if journal != nil {
		if err := journal.Finish(ctx, cr); err != nil {
			return CommandRun{}, err
		}
	}
	return cr, nil
}

// ref is one @path or !`command` of a prompt: where it is in the text
// (the @ or ! to the end of the path or the closing backtick) and its
// path or command.
type ref struct {
	start, end int
	target     string
	command    bool
}

// findRefs returns a prompt's references in text order. A command's text
// is not searched for @paths.
func findRefs(text string) []ref {
	var out []ref
	for _, m := range cmdRef.FindAllStringSubmatchIndex(text, -1) {
		out = append(out, ref{start: m[0], end: m[1], target: text[m[2]:m[3]], command: true})
	}
	for _, m := range atRef.FindAllStringSubmatchIndex(text, -1) {
		raw := text[m[4]:m[5]]
		target := trimPunct(raw)
		start := m[4] - 1 // the @
		if insideAny(out, start) || target == "" {
			continue
		}
		// Trailing punctuation is not part of the path, but stays before
		// the block that is brought in, where the sentence ends.
		out = append(out, ref{start: start, end: m[5], target: target})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out
}

func insideAny(refs []ref, at int) bool {
	for _, r := range refs {
		if r.command && at >= r.start && at < r.end {
			return true
		}
	}
	return false
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
		if r, ok := files.(interface{ refusal(string) string }); ok {
			if why := r.refusal(rel); why != "" {
				return "", errors.New(why)
			}
		}
		return "", errors.New("the policy does not let the model read this file (a secret-looking file or a read_file deny rule)")
	}
	if entries, err := files.ReadDir(rel); err == nil {
		return renderListing(rel, entries), nil
	}
	data, size, err := readSource(files, rel)
	if errors.Is(err, fs.ErrNotExist) {
		return "", errors.New("no such file or directory in the repository")
	}
	if err != nil {
		return "", err
	}
	if !utf8.Valid(data) || strings.ContainsRune(string(data), 0) {
		return fmt.Sprintf("(%s is a binary file of %d bytes; not shown)", rel, size), nil
	}
	content := string(data)
	notice := ""
	limit := min(MaxFileBytes, max(*budget, 0))
	if len(content) > limit || size > len(content) {
		content = validPrefix(content, limit)
		notice = fmt.Sprintf("[… %s has %d bytes; only the first %d are shown …]\n", rel, size, len(content))
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
	if cr.Interrupted {
		b.WriteString(InterruptedNotice + "\n")
		return b.String()
	}
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

// InterruptedNotice stands in a prompt for a command whose run was under
// way when safe-coder was stopped: it is not run again.
const InterruptedNotice = "(safe-coder) interrupted, outcome unknown: safe-coder was stopped while this command ran, so it may or may not have taken effect, and it is not run again. Its output was not kept; look at the repository before you rely on it."

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
