package tasks

import (
	"errors"
	"strings"
	"testing"
)

// lines joins lines into a file, so a test's line numbers are its indexes
// plus one.
func lines(ls ...string) string {
	return strings.Join(ls, "\n") + "\n"
}

// header is a minimal valid file up to its first task's prompt (line 6);
// cases append lines to it.
func header(more ...string) string {
	return lines(append([]string{
		"version: 1",
		"defaults:",
		"  model: {name: claude}",
		"tasks:",
		"  - name: t",
		"    prompt: p",
	}, more...)...)
}

// errorLines parses input as tasks.yaml and returns the rendered problems,
// failing the test when parsing succeeds or the error is not an Errors.
func errorLines(t *testing.T, input string) []string {
	t.Helper()
	f, err := Parse("tasks.yaml", []byte(input))
	if err == nil {
		t.Fatalf("Parse succeeded with %d tasks; want errors", len(f.Tasks))
	}
	if f != nil {
		t.Errorf("Parse returned a File along with an error")
	}
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Parse error is %T (%v); want Errors", err, err)
	}
	if len(errs) == 0 {
		t.Fatalf("Parse returned an empty Errors")
	}
	if got := err.Error(); got != strings.Join(renderEach(errs), "\n") {
		t.Errorf("Errors.Error() = %q; want the problems joined by newlines", got)
	}
	return renderEach(errs)
}

func renderEach(errs Errors) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = e.Error()
	}
	return out
}

// checkLines compares rendered problems with the wanted ones.
func checkLines(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") == strings.Join(want, "\n") {
		return
	}
	t.Errorf("problems differ\ngot:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
}

// mustParse parses input, failing the test on any problem.
func mustParse(t *testing.T, path, input string) *File {
	t.Helper()
	f, err := Parse(path, []byte(input))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return f
}
