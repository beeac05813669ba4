package report

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// MaxStepSummaryBytes is what GitHub Actions accepts in one step's
// $GITHUB_STEP_SUMMARY file: 1 MiB. A larger file is not shown at all, so
// AppendStepSummary cuts the report to fit.
const MaxStepSummaryBytes = 1 << 20

// Output is one output of a GitHub Actions step, as later steps read it
// through steps.<id>.outputs.<Name>.
type Output struct {
	Name, Value string
}

// WriteOutputs writes outputs in the format of the $GITHUB_OUTPUT file,
// each with the multi-line syntax:
//
//	name<<DELIMITER
//	value
//	DELIMITER
//
// Each delimiter is random and checked against the value, so no value (a
// branch name, a URL, an error the model caused) can end its own output
// early and set another one.
func WriteOutputs(w io.Writer, outputs []Output) error {
	var b strings.Builder
	for _, o := range outputs {
		if o.Name == "" || strings.ContainsAny(o.Name, "<=\r\n") {
			return fmt.Errorf("write output %q: %w: a name is one line without < or =", o.Name, ErrBadOutput)
		}
		delim, err := delimiterFor(o.Value)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s<<%s\n%s\n%s\n", o.Name, delim, o.Value, delim)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write outputs: %w", err)
	}
	return nil
}

// delimiterFor returns a random heredoc delimiter that value does not
// contain.
func delimiterFor(value string) (string, error) {
	for {
		var b [12]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", fmt.Errorf("make output delimiter: %w", err)
		}
		d := "safe_coder_" + hex.EncodeToString(b[:])
		if !strings.Contains(value, d) {
			return d, nil
		}
	}
}

// AppendOutputs appends outputs to the $GITHUB_OUTPUT file at path, which
// the runner creates for each step; other steps' outputs in it are kept.
func AppendOutputs(ctx context.Context, path string, outputs []Output) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return appendTo(path, func(f *os.File) error { return WriteOutputs(f, outputs) })
}

// SummaryOptions say how AppendStepSummary cuts a report that does not fit.
type SummaryOptions struct {
	// Limit is the most the summary file may hold, in bytes; 0 means
	// MaxStepSummaryBytes.
	Limit int64
	// FullReport names where the whole report can be read (a file, a
	// command); the notice of a cut report points there.
	FullReport string
}

// AppendStepSummary appends the Markdown report md to the
// $GITHUB_STEP_SUMMARY file at path. The file, with what earlier commands
// of the step wrote to it, stays within the limit: a report that does not
// fit is cut at a line boundary and ends with a notice saying so. It
// reports whether md was cut.
func AppendStepSummary(ctx context.Context, path, md string, opts SummaryOptions) (cut bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	limit := opts.Limit
	if limit <= 0 {
		limit = MaxStepSummaryBytes
	}
	var used int64
	if fi, err := os.Stat(path); err == nil {
		used = fi.Size()
	}
	text, cut := fitSummary(md, limit-used, opts.FullReport)
	if text == "" {
		return cut, nil
	}
	return cut, appendTo(path, func(f *os.File) error {
		_, err := f.WriteString(text)
		return err
	})
}

// fitSummary returns md when it fits in room bytes, else its longest
// prefix that ends a line and leaves room for the notice, followed by the
// notice; "" when not even the notice fits.
func fitSummary(md string, room int64, fullReport string) (string, bool) {
	if int64(len(md)) <= room {
		return md, false
	}
	where := "the JSON or Markdown report of the run"
	if fullReport != "" {
		where = fullReport
	}
	notice := fmt.Sprintf("\n\n> [!WARNING]\n> This report was cut to fit GitHub's %d KiB limit on a step summary; the whole report is in %s.\n",
		MaxStepSummaryBytes>>10, where)
	keep := room - int64(len(notice))
	if keep < 0 {
		return "", true
	}
	head := md[:keep]
	if i := strings.LastIndexByte(head, '\n'); i >= 0 {
		head = head[:i+1]
	} else {
		// One long line: cut it where a character starts, not in one.
		for keep > 0 && !utf8.RuneStart(md[keep]) {
			keep--
		}
		head = md[:keep]
	}
	return head + notice, true
}

// appendTo opens path for appending, creating it, and runs write on it.
func appendTo(path string, write func(*os.File) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("append to %s: %w", path, err)
	}
	return nil
}
