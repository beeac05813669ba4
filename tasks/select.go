package tasks

import (
	"fmt"
	"slices"
	"strings"
)

// Select returns the tasks named in names, in file order, each once. Empty
// names selects every task. A name the file does not define is an error
// wrapping ErrUnknownTask that lists the names it does define, with the
// closest one to each misspelled name.
func (f *File) Select(names []string) ([]Task, error) {
	if len(names) == 0 {
		return slices.Clone(f.Tasks), nil
	}
	defined := make([]string, len(f.Tasks))
	for i, t := range f.Tasks {
		defined[i] = t.Name
	}
	var unknown []string
	for _, n := range names {
		if !slices.Contains(defined, n) && !slices.Contains(unknown, n) {
			unknown = append(unknown, n)
		}
	}
	if len(unknown) > 0 {
		quoted := make([]string, len(unknown))
		for i, n := range unknown {
			quoted[i] = fmt.Sprintf("%q", n)
			if s, ok := suggest(n, defined); ok {
				quoted[i] += fmt.Sprintf(" (did you mean %q?)", s)
			}
		}
		return nil, fmt.Errorf("%w %s; %s defines %s", ErrUnknownTask, strings.Join(quoted, ", "), f.Path, strings.Join(defined, ", "))
	}
	var out []Task
	for _, t := range f.Tasks {
		if slices.Contains(names, t.Name) {
			out = append(out, t)
		}
	}
	return out, nil
}
