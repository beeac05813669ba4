package tasks

import "testing"

func TestEditDistance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"model", "model", 0},
		{"modle", "model", 1},
		{"mdoel", "model", 1},
		{"mode", "model", 1},
		{"promt", "prompt", 1},
		{"", "git", 3},
		{"kitten", "sitting", 3},
		{"é", "e", 1},
	}
	for _, tc := range tests {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d; want %d", tc.a, tc.b, got, tc.want)
		}
		if got := editDistance(tc.b, tc.a); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d; want %d", tc.b, tc.a, got, tc.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	keys := []string{"name", "prompt", "prompts", "model", "approval", "tools", "limits", "git"}
	tests := []struct {
		word string
		want string // "" for no suggestion
	}{
		{"modle", "model"},
		{"MODEL", "model"},
		{"promts", "prompts"},
		{"promt", "prompt"},
		{"tool", "tools"},
		{"limit", "limits"},
		{"id", ""},
		{"gt", "git"},
		{"checks", ""},
		{"x", ""},
	}
	for _, tc := range tests {
		got, ok := suggest(tc.word, keys)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("suggest(%q) = %q, %v; want %q", tc.word, got, ok, tc.want)
		}
	}
}
