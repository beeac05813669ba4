package tools

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"unicode/utf8"
)

// Limits of read_file.
const (
	maxReadSize     = 10 << 20 // bytes; larger files are refused
	maxReadLines    = 2000     // lines per call, also the default
	maxLineChars    = 2000     // characters per shown line
	lineNumberWidth = 6        // as cat -n
)

func (tb *Toolbox) readFile(in readFileInput) Result {
	rel, err := tb.resolve(in.Path, followFinal)
	if err != nil {
		return failure(ReadFile+" "+err.Error(), err.Error())
	}
	offset, limit := 1, maxReadLines
	if in.Offset != nil {
		offset = *in.Offset
	}
	if in.Limit != nil {
		limit = min(*in.Limit, maxReadLines)
	}
	data, fi, err := tb.readRegular(rel, maxReadSize)
	shown := displayPath(in.Path)
	switch {
	case errors.Is(err, errIsDirectory):
		return failure(ReadFile+" "+shown+": is a directory",
			fmt.Sprintf("%s: is a directory; use list_files to see its files", shown))
	case errors.Is(err, errTooLarge):
		return failure(fmt.Sprintf("%s %s: too large (%d bytes)", ReadFile, shown, fi.Size()),
			fmt.Sprintf("%s: file is too large to read (%d bytes, the limit is %d); use grep to find the lines you need, or bash with head, tail or sed -n", shown, fi.Size(), maxReadSize))
	case errors.Is(err, errNotRegular):
		return failure(ReadFile+" "+shown+": not a regular file",
			fmt.Sprintf("%s: is not a regular file but a %s", shown, fileKind(fi.Mode())))
	case err != nil:
		msg := describe(in.Path, err)
		return failure(ReadFile+" "+msg, msg)
	}
	tb.remember(rel, data)
	switch {
	case len(data) == 0:
		return Result{Content: fmt.Sprintf("%s is empty (0 bytes)", shown), Summary: ReadFile + " " + shown + " (empty)"}
	case isBinary(data):
		return Result{Content: fmt.Sprintf("%s: binary file, %d bytes; not shown", shown, len(data)),
			Summary: fmt.Sprintf("%s %s (binary, %d bytes)", ReadFile, shown, len(data))}
	}
	lines := splitLines(string(data))
	if offset > len(lines) {
		return failure(fmt.Sprintf("%s %s: offset %d past end", ReadFile, shown, offset),
			fmt.Sprintf("%s: offset %d is past the end of the file, which has %d lines", shown, offset, len(lines)))
	}
	end := min(offset-1+limit, len(lines))
	var b strings.Builder
	for i := offset - 1; i < end; i++ {
		fmt.Fprintf(&b, "%*d\t%s\n", lineNumberWidth, i+1, cutLine(lines[i], maxLineChars))
	}
	if end < len(lines) || offset > 1 {
		fmt.Fprintf(&b, "… file has %d lines; showing %d-%d", len(lines), offset, end)
		if end < len(lines) {
			b.WriteString("; use offset to read more")
		}
		b.WriteString("\n")
	}
	return Result{
		Content: strings.ToValidUTF8(b.String(), "\uFFFD"),
		Summary: fmt.Sprintf("%s %s (lines %d-%d of %d)", ReadFile, shown, offset, end, len(lines)),
	}
}

// fileKind names the type of a file that is not regular or a directory.
func fileKind(mode fs.FileMode) string {
	switch {
	case mode&fs.ModeNamedPipe != 0:
		return "named pipe"
	case mode&fs.ModeSocket != 0:
		return "socket"
	case mode&fs.ModeCharDevice != 0:
		return "character device"
	case mode&fs.ModeDevice != 0:
		return "block device"
	}
	return "special file"
}

// splitLines splits text into lines without their terminators; a final
// newline ends the last line rather than starting an empty one.
func splitLines(text string) []string {
	text = strings.TrimSuffix(text, "\n")
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// cutLine shortens a line to limit characters, saying how much was cut.
func cutLine(line string, limit int) string {
	if len(line) <= limit || utf8.RuneCountInString(line) <= limit {
		return line
	}
	n := 0
	for i := range line {
		if n == limit {
			return fmt.Sprintf("%s… [line cut: %d more characters]", line[:i], utf8.RuneCountInString(line[i:]))
		}
		n++
	}
	return line
}
