package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"unicode"

	"github.com/urfave/cli/v3"

	"github.com/safe-coder/safe-coder/gitsafety"
	"github.com/safe-coder/safe-coder/tasks"
)

func commandsCommand(s Streams) *cli.Command {
	return &cli.Command{
		Name:        "commands",
		Description: commandsExamples,
		Usage:       "list the repository's custom commands (" + tasks.CommandsDir + "/*.md) with their arguments and descriptions",
		Flags: []cli.Flag{
			repoFlag(),
			&cli.StringFlag{Name: "format", Usage: "text (aligned columns) or json", Value: "text"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Args().Len() > 0 {
				return usageErrorf("commands takes no arguments; the repository is --repo DIR")
			}
			format := cmd.String("format")
			if format != "text" && format != "json" {
				return usageErrorf("--format %s: expected text or json%s", strconv.Quote(format), didYouMean(format, "text", "json"))
			}
			return listCommands(ctx, s, cmd.String("repo"), format)
		},
	}
}

// commandInfo is one command as `commands --format json` prints it.
type commandInfo struct {
	Name        string   `json:"name"`
	Args        []string `json:"args"`
	Description string   `json:"description"`
	Path        string   `json:"path"`
	Approval    string   `json:"approval,omitempty"`
	Tools       []string `json:"tools,omitempty"`
}

func listCommands(ctx context.Context, s Streams, dir, format string) error {
	root, err := commandsRoot(ctx, dir)
	if err != nil {
		return err
	}
	commands, err := tasks.LoadCommands(root)
	if err != nil {
		return exitWith(exitUsage, positionCommandError(root, err))
	}
	names := tasks.CommandNames(commands)
	if format == "json" {
		out := make([]commandInfo, 0, len(names))
		for _, n := range names {
			c := commands[n]
			args := c.Args
			if args == nil {
				args = []string{}
			}
			out = append(out, commandInfo{Name: c.Name, Args: args, Description: c.Description, Path: c.Path, Approval: string(c.Approval), Tools: c.Tools})
		}
		enc := json.NewEncoder(s.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(names) == 0 {
		fmt.Fprintf(s.Out, "no custom commands in %s; add one Markdown file per command there (%s/review.md is /review), with optional front matter: description, args, approval, tools\n",
			filepath.Join(root, filepath.FromSlash(tasks.CommandsDir)), tasks.CommandsDir)
		return nil
	}
	tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COMMAND\tARGS\tDESCRIPTION")
	for _, n := range names {
		c := commands[n]
		args := make([]string, len(c.Args))
		for i, a := range c.Args {
			args[i] = "<" + a + ">"
		}
		desc := printable(summaryLine(c.Description))
		if desc == "" {
			desc = "(no description; add one in the front matter)"
		}
		fmt.Fprintf(tw, "/%s\t%s\t%s\n", printable(c.Name), strings.Join(args, " "), desc)
	}
	return tw.Flush()
}

// commandsRoot returns the root of the repository around dir, whose
// commands a run there would use; a directory outside any repository is
// taken as it is.
func commandsRoot(ctx context.Context, dir string) (string, error) {
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return "", usageErrorf("--repo %s is not a directory", dir)
	}
	repo, err := gitsafety.Open(ctx, dir)
	switch {
	case errors.Is(err, gitsafety.ErrNotRepo):
		return dir, nil
	case err != nil:
		return "", exitWith(exitRepo, err)
	}
	return repo.Root(), nil
}

// summaryLine is the first line of a description, for one row per
// command.
func summaryLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(line)
}

// printable replaces control characters: command files come from the
// repository, and a terminal must not run escape sequences from them.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s)
}

// Patterns in tasks.LoadCommands's messages that tell where in a command
// file the problem is.
var (
	commandFileRef    = regexp.MustCompile(`^(` + regexp.QuoteMeta(tasks.CommandsDir) + `/[^:]+\.md): (.*)$`)
	yamlErrorLine     = regexp.MustCompile(`yaml: line (\d+):`)
	yamlParserProblem = regexp.MustCompile(`yaml: line \d+: (did not find expected|found (duplicate|incompatible|undefined))`)
	unknownArgument   = regexp.MustCompile(`^\{\{(\w+)\}\} is not an argument`)
	frontMatterValue  = regexp.MustCompile(`^front matter: (?:approval|unknown tool|argument)`)
)

// positionCommandError turns tasks.LoadCommands's "file: message" into
// "file:line: message", the form editors jump to. The line is found from
// the message: a front matter YAML error has its own line (counted from
// the line after the opening ---), a bad front matter value is on its
// key's line, an unknown {{placeholder}} where it is first used.
func positionCommandError(root string, err error) error {
	m := commandFileRef.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	rel, msg := m[1], m[2]
	line := 1
	data, readErr := readCommandText(filepath.Join(root, filepath.FromSlash(rel)))
	if readErr == nil {
		line = problemLine(string(data), msg)
		// The file's own line replaces the front matter's.
		msg = yamlErrorLine.ReplaceAllLiteralString(msg, "")
		msg = strings.Replace(msg, "front matter:  ", "front matter: ", 1)
	}
	return fmt.Errorf("%s:%d: %s", filepath.Join(root, filepath.FromSlash(rel)), line, msg)
}

// readCommandText reads a command file for its line numbers the way
// tasks.LoadCommands does: never through a symlink (one to /dev/zero would
// never end), never a FIFO (it would block), never past the cap.
func readCommandText(path string) ([]byte, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() > tasks.MaxCommandBytes {
		return nil, fmt.Errorf("%s: not a regular file of at most %d bytes", path, tasks.MaxCommandBytes)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, tasks.MaxCommandBytes))
}

func problemLine(text, msg string) int {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	find := func(match func(string) bool) int {
		for i, l := range lines {
			if match(l) {
				return i + 1
			}
		}
		return 1
	}
	switch {
	case yamlErrorLine.MatchString(msg):
		m := yamlErrorLine.FindStringSubmatch(msg)
		n, _ := strconv.Atoi(m[1])
		// yaml.v3's parser (unlike its scanner) prints a 0-based line
		// as if it were 1-based (see tasks/parse.go).
		if yamlParserProblem.MatchString(msg) {
			n++
		}
		// The front matter starts on the file's second line.
		return n + 1
	case unknownArgument.MatchString(msg):
		name := unknownArgument.FindStringSubmatch(msg)[1]
		use := regexp.MustCompile(`\{\{\s*` + regexp.QuoteMeta(name) + `\s*\}\}`)
		return find(use.MatchString)
	case frontMatterValue.MatchString(msg):
		key := "args:"
		switch {
		case strings.HasPrefix(msg, "front matter: approval"):
			key = "approval:"
		case strings.HasPrefix(msg, "front matter: unknown tool"):
			key = "tools:"
		}
		return find(func(l string) bool { return strings.HasPrefix(l, key) })
	}
	return 1
}
