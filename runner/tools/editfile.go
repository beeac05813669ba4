package tools

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// Bounds of what edit_file reports back.
const (
	editContext      = 3   // lines shown around each edited region
	maxEditShowLines = 200 // lines of edited regions shown in all
	maxMatchLines    = 20  // line numbers listed for an ambiguous old_string
)

func (tb *Toolbox) editFile(in editFileInput) Result {
	shown := displayPath(in.Path)
	fail := func(msg string) Result { return failure(EditFile+" "+msg, msg) }
	switch {
	case in.OldString == "":
		return fail(shown + ": old_string is empty; to create or overwrite a whole file use write_file")
	case in.OldString == in.NewString:
		return fail(shown + ": old_string and new_string are the same; nothing to change")
	}
	rel, err := tb.resolve(in.Path, followFinal)
	if err != nil {
		return fail(err.Error())
	}
	if msg := tb.guarded(rel); msg != "" {
		return failure(EditFile+" "+shown+": guarded", msg)
	}
	data, fi, err := tb.readRegular(rel, maxReadSize)
	switch {
	case errors.Is(err, errIsDirectory):
		return fail(shown + ": is a directory")
	case errors.Is(err, errTooLarge):
		return fail(fmt.Sprintf("%s: file is too large to edit (%d bytes, the limit is %d)", shown, fi.Size(), maxReadSize))
	case errors.Is(err, errNotRegular):
		return fail(shown + ": is not a regular file")
	case err != nil:
		msg := describe(in.Path, err)
		if errors.Is(err, fs.ErrNotExist) {
			msg += "; use write_file to create a new file"
		}
		return fail(msg)
	case isBinary(data):
		return fail(fmt.Sprintf("%s: binary file, %d bytes; edit_file only edits text", shown, len(data)))
	case tb.stale(rel, data):
		return fail(shown + ": the file changed on disk since you last read or wrote it; read it again before editing")
	}
	content := string(data)
	n := strings.Count(content, in.OldString)
	switch {
	case n == 0:
		return fail(shown + ": old_string not found. " + noMatchHint(content, in.OldString))
	case n > 1 && !in.ReplaceAll:
		return fail(fmt.Sprintf("%s: old_string occurs %d times (at lines %s); include more surrounding text to make it unique, or set replace_all to replace every occurrence",
			shown, n, matchLines(content, in.OldString)))
	}
	updated, regions := replace(content, in.OldString, in.NewString, in.ReplaceAll)
	newData := []byte(updated)
	if err := tb.writeAtomic(rel, newData, fi.Mode().Perm()); err != nil {
		return fail(fmt.Sprintf("%s: %v", shown, err))
	}
	tb.remember(rel, newData)
	noun := "occurrence"
	if len(regions) != 1 {
		noun += "s"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "edited %s: replaced %d %s\n", rel, len(regions), noun)
	b.WriteString(showRegions(updated, regions))
	return Result{
		Content: strings.ToValidUTF8(b.String(), "\uFFFD"),
		Touched: []string{rel},
		Summary: fmt.Sprintf("%s %s (%d %s)", EditFile, rel, len(regions), noun),
	}
}

// lineSpan is a range of 1-based line numbers, first and last included.
type lineSpan struct{ first, last int }

// replace replaces the first occurrence of old in content, or all of them,
// and returns the result with the lines each replacement occupies in it.
func replace(content, old, repl string, all bool) (string, []lineSpan) {
	var b strings.Builder
	var spans []lineSpan
	line := 1 // line number in the output at the end of b
	rest := content
	for {
		i := strings.Index(rest, old)
		if i < 0 {
			break
		}
		b.WriteString(rest[:i])
		line += strings.Count(rest[:i], "\n")
		first := line
		b.WriteString(repl)
		line += strings.Count(repl, "\n")
		last := line
		if strings.HasSuffix(repl, "\n") && last > first {
			last-- // the replacement ends a line; the next one is context
		}
		spans = append(spans, lineSpan{first, last})
		rest = rest[i+len(old):]
		if !all {
			break
		}
	}
	b.WriteString(rest)
	return b.String(), spans
}

// showRegions prints the lines of spans with editContext lines around each,
// numbered as read_file numbers them, merging regions that touch and
// stopping after maxEditShowLines lines.
func showRegions(content string, spans []lineSpan) string {
	lines := splitLines(content)
	var merged []lineSpan
	for _, s := range spans {
		s.first = max(1, s.first-editContext)
		s.last = min(len(lines), s.last+editContext)
		if n := len(merged); n > 0 && s.first <= merged[n-1].last+1 {
			merged[n-1].last = max(merged[n-1].last, s.last)
			continue
		}
		merged = append(merged, s)
	}
	var b strings.Builder
	shownLines := 0
	for i, s := range merged {
		if i > 0 {
			b.WriteString("     …\n")
		}
		for n := s.first; n <= s.last; n++ {
			if shownLines == maxEditShowLines {
				fmt.Fprintf(&b, "… more edited lines not shown; use read_file to see them\n")
				return b.String()
			}
			fmt.Fprintf(&b, "%*d\t%s\n", lineNumberWidth, n, cutLine(lines[n-1], maxLineChars))
			shownLines++
		}
	}
	return b.String()
}

// matchLines lists the line numbers where old starts in content.
func matchLines(content, old string) string {
	var nums []string
	line, offset := 1, 0
	for {
		i := strings.Index(content[offset:], old)
		if i < 0 {
			break
		}
		line += strings.Count(content[offset:offset+i], "\n")
		if len(nums) == maxMatchLines {
			nums = append(nums, "…")
			break
		}
		nums = append(nums, fmt.Sprint(line))
		// Count the newlines of the match itself, as the next search
		// starts after it.
		line += strings.Count(old, "\n")
		offset += i + len(old)
	}
	return strings.Join(nums, ", ")
}

// noMatchHint guesses why old_string did not match, from the mistakes
// models make most: line-number prefixes copied from read_file, CRLF line
// endings, and indentation or trailing whitespace that differ.
func noMatchHint(content, old string) string {
	if hasLineNumberPrefix(old) {
		return "old_string seems to include the line-number prefix of read_file output; leave it out."
	}
	if strings.Contains(content, "\r\n") && !strings.Contains(old, "\r\n") && strings.Contains(old, "\n") &&
		strings.Contains(content, strings.ReplaceAll(old, "\n", "\r\n")) {
		return "the file has CRLF (\\r\\n) line endings; use \\r\\n in old_string."
	}
	if line, ok := looseMatch(content, old); ok {
		return fmt.Sprintf("old_string matches at line %d when leading and trailing whitespace is ignored; copy the exact indentation (tabs or spaces) from read_file.", line)
	}
	return "check whitespace, indentation and the exact text with read_file."
}

// hasLineNumberPrefix reports whether every line of s starts like a
// read_file line: spaces, digits, a tab.
func hasLineNumberPrefix(s string) bool {
	for l := range strings.SplitSeq(strings.TrimSuffix(s, "\n"), "\n") {
		num, _, ok := strings.Cut(strings.TrimLeft(l, " "), "\t")
		if !ok || num == "" || strings.Trim(num, "0123456789") != "" {
			return false
		}
	}
	return true
}

// looseMatch looks for the lines of old in content with each line's
// surrounding whitespace ignored and returns the first line of the match.
func looseMatch(content, old string) (int, bool) {
	want := splitLines(old)
	for i := range want {
		want[i] = strings.TrimSpace(want[i])
	}
	if strings.Join(want, "") == "" {
		return 0, false
	}
	have := splitLines(content)
outer:
	for start := 0; start+len(want) <= len(have); start++ {
		for j, w := range want {
			if strings.TrimSpace(have[start+j]) != w {
				continue outer
			}
		}
		return start + 1, true
	}
	return 0, false
}

// guarded returns why a path must not be written by a file tool, or "".
func (tb *Toolbox) guarded(rel string) string {
	if tb.guard == nil {
		return ""
	}
	if reason, bad := tb.guard(rel); bad {
		return reason
	}
	return ""
}
