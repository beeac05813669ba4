package tools

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
)

// Limits of grep.
const (
	maxGrepFileSize = 1 << 20 // bytes; larger files are skipped
	maxGrepMatches  = 200
	maxGrepLineLen  = 300 // characters of a matching line shown
)

func (tb *Toolbox) grep(ctx context.Context, in grepInput) Result {
	p := in.Path
	if p == "" {
		p = "."
	}
	fail := func(msg string) Result { return failure(Grep+" "+msg, msg) }
	re, err := regexp.Compile(in.Pattern)
	if err != nil {
		return fail(fmt.Sprintf("bad regular expression (RE2 syntax): %v", err))
	}
	match, err := pathMatcher(in.Glob)
	if err != nil {
		return fail(err.Error())
	}
	start, err := tb.resolve(p, followFinal)
	if err != nil {
		return fail(err.Error())
	}
	var (
		b       strings.Builder
		matches int
		skipped int
		denied  int
		cut     bool
	)
	stats, err := tb.walk(ctx, start, func(rel string, typ fs.FileMode) bool {
		// Symlinks are not searched: a target inside the repository is
		// searched under its own path, one outside must not be read.
		if typ&fs.ModeSymlink != 0 || !match(rel) {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		if tb.canRead != nil && !tb.canRead(rel) {
			// grep would otherwise read, line by line, what a
			// read_file deny rule keeps from the model.
			denied++
			return true
		}
		data, _, err := tb.readRegular(rel, maxGrepFileSize)
		if err != nil || isBinary(data) {
			if err == nil || errors.Is(err, errTooLarge) {
				skipped++
			}
			return true
		}
		for i, line := range splitLines(string(data)) {
			if !re.MatchString(line) {
				continue
			}
			if matches == maxGrepMatches {
				cut = true
				return false
			}
			matches++
			fmt.Fprintf(&b, "%s:%d: %s\n", rel, i+1, cutLine(line, maxGrepLineLen))
		}
		return true
	})
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return fail(walkError(p, err))
	}
	if cut {
		fmt.Fprintf(&b, "… stopped at %d matches; narrow the pattern, path or glob\n", maxGrepMatches)
	}
	if matches == 0 {
		b.WriteString("no matches\n")
	}
	if stats.timedOut {
		fmt.Fprintf(&b, "… search stopped after %v before every file was searched; narrow the path or glob\n", tb.walkMax)
	}
	if skipped > 0 {
		fmt.Fprintf(&b, "(%d binary or larger than 1 MiB files skipped)\n", skipped)
	}
	if denied > 0 {
		fmt.Fprintf(&b, "(%s skipped: the policy does not allow reading them)\n", plural(denied, "file"))
	}
	summary := fmt.Sprintf("%s %q in %s: %d matches", Grep, in.Pattern, displayPath(p), matches)
	if stats.timedOut {
		summary += " (stopped at the time limit)"
	}
	return Result{
		Content: strings.ToValidUTF8(b.String(), "\uFFFD"),
		Summary: summary,
	}
}

// plural counts n things named by a regular English noun: "1 file", "2 files".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
