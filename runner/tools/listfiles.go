package tools

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/safe-coder/safe-coder/runner/glob"
)

// maxListEntries bounds the paths list_files returns.
const maxListEntries = 1000

func (tb *Toolbox) listFiles(ctx context.Context, in listFilesInput) Result {
	p := in.Path
	if p == "" {
		p = "."
	}
	fail := func(msg string) Result { return failure(ListFiles+" "+msg, msg) }
	match, err := pathMatcher(in.Pattern)
	if err != nil {
		return fail(err.Error())
	}
	start, err := tb.resolve(p, followFinal)
	if err != nil {
		return fail(err.Error())
	}
	found := smallest{n: maxListEntries}
	stats, err := tb.walk(ctx, start, func(rel string, _ fs.FileMode) bool {
		if match(rel) {
			found.add(rel)
		}
		return true
	})
	if err != nil {
		return fail(walkError(p, err))
	}
	paths, more := found.result()
	shown := displayPath(p)
	var b strings.Builder
	for _, rel := range paths {
		b.WriteString(rel)
		b.WriteByte('\n')
	}
	if more > 0 {
		fmt.Fprintf(&b, "… and %d more; narrow path or pattern to see them\n", more)
	}
	if found.total == 0 && !stats.timedOut {
		fmt.Fprintf(&b, "no files found under %s", shown)
		var why []string
		if in.Pattern != "" {
			why = append(why, fmt.Sprintf("matching %q", in.Pattern))
		}
		if stats.ignored > 0 {
			why = append(why, fmt.Sprintf("%d entries ignored by .gitignore", stats.ignored))
		}
		if len(why) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(why, "; "))
		}
		b.WriteByte('\n')
	}
	if stats.timedOut {
		fmt.Fprintf(&b, "… listing stopped after %v before the whole tree was seen; narrow path or pattern\n", tb.walkMax)
	}
	if stats.unreadable > 0 {
		fmt.Fprintf(&b, "(%d directories could not be read)\n", stats.unreadable)
	}
	summary := fmt.Sprintf("%s %s: %d files", ListFiles, shown, found.total)
	if stats.timedOut {
		summary += " (stopped at the time limit)"
	}
	return Result{
		Content: strings.ToValidUTF8(b.String(), "\uFFFD"),
		Summary: summary,
	}
}

// pathMatcher returns the filter of a list_files pattern or grep glob,
// which matches the whole repo-relative path when it holds a '/' and the
// base name otherwise ("*.go" finds Go files at any depth). An empty
// pattern matches everything.
func pathMatcher(pattern string) (func(rel string) bool, error) {
	if pattern == "" {
		return func(string) bool { return true }, nil
	}
	if err := glob.Valid(pattern); err != nil {
		return nil, err
	}
	if strings.Contains(pattern, "/") {
		return func(rel string) bool { return glob.Match(pattern, rel) }, nil
	}
	return func(rel string) bool { return glob.Match(pattern, path.Base(rel)) }, nil
}
