package main

import "testing"

func TestProblemLine(t *testing.T) {
	t.Parallel()
	file := "---\ndescription: x\nargs: [a]\napproval: plan\ntools: [bash]\n---\nfirst\nuse {{ b }} here\n"
	tests := []struct {
		name string
		msg  string
		want int
	}{
		{"scanner error keeps its line", "front matter: yaml: line 2: mapping values are not allowed in this context (known keys: description, args, approval, tools)", 3},
		{"parser error is 0-based", "front matter: yaml: line 2: did not find expected ',' or ']' (known keys: description, args, approval, tools)", 4},
		{"bad approval", `front matter: approval "always": expected one of plan, default, auto-edit, yolo`, 4},
		{"unknown tool", `front matter: unknown tool "rm"; tools are read_file`, 5},
		{"bad argument name", `front matter: argument name "a-b": use letters, digits and _`, 3},
		{"unknown placeholder", "{{b}} is not an argument of the command; list it under args: in the front matter", 8},
		{"anything else", "the front matter that starts with --- on line 1 never ends", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := problemLine(file, tt.msg); got != tt.want {
				t.Errorf("problemLine = %d; want %d", got, tt.want)
			}
		})
	}
}

func TestPrintable(t *testing.T) {
	t.Parallel()
	if got := printable("ok\x1b[31mred\x07"); got != "ok?[31mred?" {
		t.Errorf("printable = %q; want control characters replaced", got)
	}
}
