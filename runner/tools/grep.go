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
		cut     bool
	)
	_, err = tb.walk(ctx, start, func(rel string, typ fs.FileMode) bool {
		// Symlinks are not searched: a target inside the repository is
		// searched under its own path, one outside must not be read.
		if typ&fs.ModeSymlink != 0 || !match(rel) {
			return true
		}
		if ctx.Err() != nil {
			return false
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
	if skipped > 0 {
		fmt.Fprintf(&b, "(%d binary or larger than 1 MiB files skipped)\n", skipped)
	}
	return Result{
		Content: strings.ToValidUTF8(b.String(), "\uFFFD"),
		Summary: fmt.Sprintf("%s %q in %s: %d matches", Grep, in.Pattern, displayPath(p), matches),
	}
}
