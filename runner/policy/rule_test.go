package policy

import (
	"errors"
	"strings"
	"testing"
)

func TestParseRule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text          string
		tool, pattern string
	}{
		{"bash", "bash", ""},
		{"read_file", "read_file", ""},
		{"bash(go test ./...)", "bash", "go test ./..."},
		{"bash(gofmt -l *)", "bash", "gofmt -l *"},
		{"bash( go  test )", "bash", " go  test "},
		{`bash(echo ")")`, "bash", `echo ")"`},
		{`bash(git commit -m 'fix (x)')`, "bash", `git commit -m 'fix (x)'`},
		{`bash(echo \$HOME)`, "bash", `echo \$HOME`},
		{"bash(./gradlew build)", "bash", "./gradlew build"},
		{"write_file(docs/**)", "write_file", "docs/**"},
		{"read_file(**/.env)", "read_file", "**/.env"},
		{"edit_file(src/*.go)", "edit_file", "src/*.go"},
		{"list_files(vendor/**)", "list_files", "vendor/**"},
		{"grep(my docs/**)", "grep", "my docs/**"},
	}
	for _, tt := range tests {
		r, err := ParseRule(tt.text)
		if err != nil {
			t.Errorf("ParseRule(%q): %v", tt.text, err)
			continue
		}
		if r != (Rule{Tool: tt.tool, Pattern: tt.pattern, Text: tt.text}) {
			t.Errorf("ParseRule(%q) = %+v", tt.text, r)
		}
	}
}

func TestParseRuleErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text, msg, example string
	}{
		{"", "the rule is empty", "bash(go test ./...)"},
		{" bash(ls)", "leading or trailing spaces", "bash(go test ./...)"},
		{"bash(ls)\n", "leading or trailing spaces", "bash(go test ./...)"},
		{"bash(l\u200bs)", "U+200B", "bash(go test ./...)"},
		{"bash(ls\tx)", "U+0009", "bash(go test ./...)"},
		{"bash(ls \xff)", "an invalid UTF-8 byte", "bash(go test ./...)"},
		{"shell(ls)", `unknown tool "shell"; a rule starts with one of read_file, list_files, grep, write_file, edit_file, bash`, "bash(go test ./...)"},
		{"Bash(ls)", `unknown tool "Bash"`, "bash(go test ./...)"},
		{"bash (ls)", `no space may stand between the tool name and "("`, "bash(go test ./...)"},
		{"bash(ls", `no closing ")"`, "bash(go test ./...)"},
		{"bash(ls) x", `text after the closing ")"`, "bash(go test ./...)"},
		{"bash()", "the pattern between the parentheses is empty; write the bare tool name (bash)", "bash(go test ./...)"},
		{"write_file( )", "the pattern between the parentheses is empty", "write_file(docs/**)"},
		{"bash(ls | sh)", `unquoted "|" is shell syntax`, "bash(go test ./...)"},
		{"bash(go test && go vet)", `unquoted "&" is shell syntax`, "bash(go test ./...)"},
		{"bash(ls; rm x)", `unquoted ";" is shell syntax`, "bash(go test ./...)"},
		{"bash(echo > f)", `unquoted ">" is shell syntax`, "bash(go test ./...)"},
		{"bash(echo $HOME)", `unquoted "$" would be expanded`, "bash(go test ./...)"},
		{"bash(echo `id`)", "unquoted \"`\" would be expanded", "bash(go test ./...)"},
		{`bash(echo "$x")`, `"$" inside double quotes would be expanded`, "bash(go test ./...)"},
		{"bash(echo 'x)", "unclosed single quote", "bash(go test ./...)"},
		{`bash(echo "x)`, "unclosed double quote", "bash(go test ./...)"},
		{`bash(echo x\)`, "a trailing backslash escapes nothing", "bash(go test ./...)"},
		{"bash(ls #x)", `an unquoted "#" starting a word begins a comment`, "bash(go test ./...)"},
		{"bash(* -rf)", `the command name "*" must be written out`, "bash(go test ./...)"},
		{"bash(g?t status)", `the command name "g?t" must be written out`, "bash(go test ./...)"},
		{"bash('' x)", "the command name is empty", "bash(go test ./...)"},
		{"bash(FOO=1 go test)", `"FOO=1" is a variable assignment`, "bash(go test ./...)"},
		{"write_file(/etc/**)", "must not start with '/'", "write_file(docs/**)"},
		{"read_file(../x)", `segment ".." never matches`, "read_file(**/.env)"},
		{"edit_file(docs/)", "trailing '/'", "edit_file(docs/**)"},
		{"grep([)", "unclosed or empty '[' class", "grep(vendor/**)"},
		{"list_files( docs/** )", "the path pattern has leading or trailing spaces", "list_files(vendor/**)"},
	}
	for _, tt := range tests {
		_, err := ParseRule(tt.text)
		if err == nil {
			t.Errorf("ParseRule(%q) succeeded", tt.text)
			continue
		}
		msg := err.Error()
		if !errors.Is(err, ErrBadRule) || !strings.Contains(msg, tt.msg) || !strings.HasSuffix(msg, "a correct rule looks like "+tt.example) {
			t.Errorf("ParseRule(%q) = %q; want ErrBadRule saying %q and showing %s", tt.text, msg, tt.msg, tt.example)
		}
		if strings.ContainsAny(msg, "\n\t") {
			t.Errorf("ParseRule(%q): message spans lines: %q", tt.text, msg)
		}
	}
}

// bashWords parses a bash pattern for tests.
func bashWords(t *testing.T, pattern string) []patWord {
	t.Helper()
	words, problem := parseBashPattern(pattern)
	if problem != "" {
		t.Fatalf("parseBashPattern(%q): %s", pattern, problem)
	}
	return words
}

func TestPatWordMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, word string
		want          bool
	}{
		{"./...", "./...", true},
		{"./...", "./x/...", false},
		{"*", "", true},
		{"*", "a/b/c", true},
		{"*.go", "cmd/main.go", true},
		{"*.go", "main.go.bak", false},
		{"-run=*", "-run=TestX", true},
		{"a*b*c", "abbbc", true},
		{"a*b*c", "acb", false},
		{"?", "é", true},
		{"?", "ab", false},
		{"'*'", "*", true},
		{"'*'", "x", false},
		{`\*`, "*", true},
		{`\*`, "ab", false},
		{`"a b"`, "a b", true},
		{`"a\"b"`, `a"b`, true},
		{`"a\xb"`, `a\xb`, true},
		{`''`, "", true},
		{`''`, "x", false},
	}
	for _, tt := range tests {
		words := bashWords(t, "cmd "+tt.pattern)
		if len(words) != 2 {
			t.Fatalf("pattern %q gives %d words", tt.pattern, len(words))
		}
		if got := words[1].match(tt.word); got != tt.want {
			t.Errorf("%q matches %q = %v, want %v", tt.pattern, tt.word, got, tt.want)
		}
	}
}

// literalWords builds the words of a plain command for matching tests.
func literalWords(argv ...string) []word {
	ws := make([]word, len(argv))
	for i, a := range argv {
		ws[i] = word{value: a, text: a}
	}
	return ws
}

func TestAllowMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern string
		argv    []string
		want    bool
	}{
		{"go test ./...", []string{"go", "test", "./..."}, true},
		{"go test ./...", []string{"go", "test", "./...", "-v"}, false},
		{"go test ./...", []string{"go", "test"}, false},
		{"go test *", []string{"go", "test"}, true},
		{"go test *", []string{"go", "test", "./x", "-run", "Y"}, true},
		{"go test *", []string{"go", "vet"}, false},
		{"go * ./...", []string{"go", "vet", "./..."}, true},
		{"go * ./...", []string{"go", "./..."}, false},
		{"gofmt -l *", []string{"gofmt", "-l", "."}, true},
		{"gofmt -l *", []string{"gofmt", "-w", "."}, false},
		{"ls", []string{"ls"}, true},
		{"ls", []string{"ls", "-a"}, false},
		// The command name is exact: no base name, no case folding.
		{"rm *", []string{"/bin/rm", "x"}, false},
		{"./gradlew build", []string{"./gradlew", "build"}, true},
		{"./gradlew build", []string{"gradlew", "build"}, false},
		{"git log *", []string{"GIT", "log"}, false},
	}
	for _, tt := range tests {
		r := compiledRule{Rule: Rule{Tool: "bash", Pattern: tt.pattern}, words: bashWords(t, tt.pattern)}
		ok, _ := allowMatchExplained(r, simpleCmd{words: literalWords(tt.argv...)})
		if ok != tt.want {
			t.Errorf("allow bash(%s) vs %q = %v, want %v", tt.pattern, tt.argv, ok, tt.want)
		}
	}
}

// Words that must be named are allowed only by a literal pattern word.
func TestAllowMatchExplicitWords(t *testing.T) {
	t.Parallel()
	cmd := simpleCmd{words: literalWords("sed", "-i", "s/a/b/", "f"), explicit: map[int]string{1: "sed -i edits files in place"}}
	tests := []struct {
		pattern string
		want    bool
		why     string
	}{
		{"sed -i *", true, ""},
		{"sed -i s/a/b/ f", true, ""},
		{"sed *", false, "sed -i edits files in place, so a rule must name -i literally, as in bash(sed -i)"},
		{"sed -* *", false, "must name -i literally"},
		{"sed * * *", false, "must name -i literally"},
		{"sed -n *", false, ""},
	}
	for _, tt := range tests {
		r := compiledRule{Rule: Rule{Tool: "bash", Pattern: tt.pattern}, words: bashWords(t, tt.pattern)}
		ok, why := allowMatchExplained(r, cmd)
		if ok != tt.want || !strings.Contains(why, tt.why) || (tt.why == "" && why != "") {
			t.Errorf("bash(%s): ok = %v, why %q; want %v, %q", tt.pattern, ok, why, tt.want, tt.why)
		}
	}
}

func TestDenyMatch(t *testing.T) {
	t.Parallel()
	unknown := word{text: "$x", unknown: true, exp: &finding{what: "parameter expansion $x"}}
	tests := []struct {
		name    string
		pattern string
		cmd     []word
		want    bool
	}{
		{"exact", "git push *", literalWords("git", "push", "origin"), true},
		{"without the star", "git push", literalWords("git", "push", "origin", "main"), true},
		{"options in front", "git push *", literalWords("git", "-C", ".", "push"), true},
		{"words in order", "git push origin main", literalWords("git", "push", "-f", "origin", "main"), true},
		{"words out of order", "git push origin main", literalWords("git", "push", "main", "origin"), false},
		{"other subcommand", "git push *", literalWords("git", "pull", "origin"), false},
		{"quoted word is one word", "git push *", literalWords("git", "commit", "-m", "push it"), false},
		{"base name", "rm *", literalWords("/usr/bin/rm", "-rf", "x"), true},
		{"case", "rm *", literalWords("/BIN/RM", "x"), true},
		{"other program", "rm *", literalWords("echo", "rm", "x"), false},
		{"look-alike", "rm *", []word{{value: "ｒｍ", text: "ｒｍ"}, {value: "x"}}, true},
		{"invisible character", "rm *", []word{{value: "r\u200bm", text: "r\u200bm"}}, true},
		{"unknown name", "rm *", []word{unknown, {value: "x"}}, true},
		{"unknown argument", "git push *", append(literalWords("git"), unknown), true},
		{"unknown argument after the match", "git push *", append(literalWords("git", "status"), unknown), true},
		{"glob in a rule word", "git push -f*", literalWords("git", "push", "-force"), true},
		{"empty command", "rm *", nil, false},
	}
	for _, tt := range tests {
		if got := denyMatch(bashWords(t, tt.pattern), tt.cmd); got != tt.want {
			t.Errorf("%s: deny bash(%s) = %v, want %v", tt.name, tt.pattern, got, tt.want)
		}
	}
}
