package policy

import (
	"slices"
	"strings"
	"testing"
)

// TestAnalysePlain lists plain lines and the simple commands the shell
// would run, argument by argument.
func TestAnalysePlain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line string
		want [][]string
	}{
		{"go test ./...", [][]string{{"go", "test", "./..."}}},
		{"go test ./... && go vet ./...", [][]string{{"go", "test", "./..."}, {"go", "vet", "./..."}}},
		{"a || b | c; d & e\nf", [][]string{{"a"}, {"b"}, {"c"}, {"d"}, {"e"}, {"f"}}},
		{`echo 'a b' "c d" e\ f`, [][]string{{"echo", "a b", "c d", "e f"}}},
		{`echo 'a'"b"c`, [][]string{{"echo", "abc"}}},
		{`echo "a\"b\$c\\d\q"`, [][]string{{"echo", `a"b$c\d\q`}}},
		{`echo '$(id)' '${x}' '*'`, [][]string{{"echo", "$(id)", "${x}", "*"}}},
		{`echo \* \$x \~`, [][]string{{"echo", "*", "$x", "~"}}},
		{"echo a\\\nb", [][]string{{"echo", "ab"}}},
		{"git log HEAD~1 @{u} {} a{b", [][]string{{"git", "log", "HEAD~1", "@{u}", "{}", "a{b"}}},
		{"git commit -m 'café ünïcode'", [][]string{{"git", "commit", "-m", "café ünïcode"}}},
		{"ls # comment with $(id)", [][]string{{"ls"}}},
		{"ls 2>&1 >/dev/null 2>/dev/null &>/dev/null </dev/null 1>&2 >&2 >>/dev/null", [][]string{{"ls"}}},
		{"./gradlew build", [][]string{{"./gradlew", "build"}}},
		{"ls;", [][]string{{"ls"}}},
		{"\tls\t-a\n\n", [][]string{{"ls", "-a"}}},
		{"sed -n -e 's/a/b/p' -e '/x/d' f", [][]string{{"sed", "-n", "-e", "s/a/b/p", "-e", "/x/d", "f"}}},
		{"awk -F: -v n=1 '{print $1}' f", [][]string{{"awk", "-F:", "-v", "n=1", "{print $1}", "f"}}},
	}
	for _, tt := range tests {
		a := analyse(tt.line)
		if a.problem != nil {
			t.Errorf("%q: not plain: %s", tt.line, a.problem.what)
			continue
		}
		var got [][]string
		for _, c := range a.cmds {
			got = append(got, c.argv())
		}
		if !slices.EqualFunc(got, tt.want, slices.Equal) {
			t.Errorf("%q: commands %q, want %q", tt.line, got, tt.want)
		}
	}
}

// TestAnalyseNotPlain covers constructs beyond the attack table, and the
// position reported for each.
func TestAnalyseNotPlain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line, what, where string
	}{
		{"echo a$", `a "$" outside quotes`, " at column 7"},
		{`echo "$"`, `a '$' inside double quotes`, " at column 7"},
		{"echo a=~/x", "tilde expansion", " at column 6"},
		{"echo --dir=a:~/x", "tilde expansion", ""},
		{"echo {1..3}", "brace expansion", " at column 6"},
		{"echo a[bc]", "the glob character '['", ""},
		{"echo ?", "the glob character '?'", ""},
		{`echo $"x"`, "locale quoting", ""},
		{"ls >&-", "redirection >&-", " at column 4"},
		{"ls <> f", "redirection <> f", ""},
		{"ls > /dev/null2", "redirection > /dev/null2", ""},
		{"ls 2>&3", "redirection 2>&3", ""},
		{"cat <<'EOF'\nx\nEOF", "redirection <<'EOF'", ""},
		{"> f", "redirection > f", ""},
		{"ls\necho $(id)", "command substitution", " at line 2, column 6"},
		{"''", "an empty command name", ""},
		{"   ", "a line without any command", ""},
		{"# only a comment", "a line without any command", ""},
		{"ls &\x00", "U+0000", " at column 5"},
		{"case x in x) ls;; esac", "a case statement", ""},
		{"while true; do ls; done", "a while loop", ""},
		{"until false; do ls; done", "an until loop", ""},
		{"((x++))", "an arithmetic command", ""},
		{"declare -x A=1", "the declaration declare", ""},
		{"local a", "the declaration local", ""},
		{strings.Repeat("a", maxCommandBytes+1), "more than the 262144 the policy reads", ""},
		{"ls $(", "a line the shell parser cannot read", ""},
		{"echo 'unterminated", "a line the shell parser cannot read", ""},
		{"ls '\u00e9'x\u00e9", "U+00E9 outside quotes", ""},
		{"l\u00e9", "U+00E9 outside quotes", ""},
	}
	for _, tt := range tests {
		a := analyse(tt.line)
		if a.problem == nil {
			t.Errorf("%q: plain, want %q", tt.line, tt.what)
			continue
		}
		if len(a.cmds) != 0 {
			t.Errorf("%q: not plain but has commands %v", tt.line, a.cmds)
		}
		got := notPlain(a)
		if !strings.Contains(got, tt.what) || !strings.HasSuffix(got, tt.where) {
			t.Errorf("%q: %q, want it to contain %q and end with %q", clipQuote(tt.line), got, tt.what, tt.where)
		}
	}
}

// TestCheckProgram covers the option lists beyond the attack table.
func TestCheckProgram(t *testing.T) {
	t.Parallel()
	tests := []struct {
		argv     []string
		never    string // "" when the command may be plain
		explicit []int
	}{
		{[]string{"/usr/bin/ENV", "x"}, "ENV (it runs the command", nil},
		{[]string{"python3.12", "-c", "x"}, "python3.12 -c (it runs program text", nil},
		{[]string{"python3", "-m", "pytest", "-k", "x"}, "", nil},
		{[]string{"python3", "-Bc", "x"}, "python3 -Bc", nil},
		{[]string{"perl", "-ne", "print"}, "perl -ne", nil},
		{[]string{"perl", "-MPOSIX", "x.pl"}, "perl -MPOSIX", nil},
		{[]string{"node", "--eval=1"}, "node --eval=1", nil},
		{[]string{"deno", "eval", "1"}, "deno eval", nil},
		{[]string{"node", "--inspect", "app.js"}, "", nil},
		{[]string{"find", ".", "-name", "x", "-delete"}, "", []int{4}},
		{[]string{"find", ".", "-fprintf", "f", "%p"}, "", []int{2}},
		{[]string{"find", ".", "-okdir", "x"}, "find -okdir", nil},
		{[]string{"git", "--exec-path"}, "", nil},
		{[]string{"git", "--exec-path=/tmp", "log"}, "git --exec-path=/tmp", nil},
		{[]string{"git", "-cuser.name=x", "log"}, "git -cuser.name=x", nil},
		{[]string{"git", "-C", "config", "log"}, "", nil},
		{[]string{"git", "--no-pager", "config", "--get", "x"}, "git config", nil},
		{[]string{"git", "bisect", "run", "make"}, "git bisect run", nil},
		{[]string{"git", "bisect", "start"}, "", nil},
		{[]string{"git", "clone", "-u", "x", "src"}, "git clone -u", nil},
		{[]string{"git", "log", "-u"}, "", nil},
		{[]string{"git", "grep", "-O", "x"}, "git grep -O", nil},
		{[]string{"git", "grep", "-n", "x"}, "", nil},
		{[]string{"git", "push", "--receive-pack=x"}, "git push --receive-pack=x", nil},
		{[]string{"git", "archive", "--remote=x", "--exec=y"}, "git archive --exec=y", nil},
		{[]string{"git", "init", "--template=t"}, "git init --template=t", nil},
		{[]string{"git", "difftool"}, "git difftool", nil},
		{[]string{"git", "format-patch", "--output=x.patch"}, "", []int{2}},
		{[]string{"sed", "--quiet", "--regexp-extended", "-e", "s/a/b/", "f"}, "", nil},
		{[]string{"sed", "-es/a/b/e", "f"}, "the sed command or flag e runs", nil},
		{[]string{"sed", "--in-place=.bak", "s/a/b/", "f"}, "", []int{1}},
		{[]string{"sed", "-ni", "p", "f"}, "", []int{1}},
		{[]string{"sed", "-i", "", "s/a/b/w f", "x"}, "the sed command or flag w writes", nil},
		{[]string{"sed", "-i", ".bak", "s/a/b/", "x"}, "", []int{1}},
		{[]string{"sed", "-i", "p", "s/a/b/w f"}, "the sed command or flag w writes", nil},
		{[]string{"sed", "-i", "s/a/b/", "main.go"}, "", []int{1}},
		{[]string{"sed", "--posixx", "p"}, "an option the policy does not know", nil},
		{[]string{"sed", "-k", "p"}, "sed -k (an option the policy does not know", nil},
		{[]string{"sed", "-f", "s.sed"}, "sed -f (it reads its script from a file", nil},
		{[]string{"sed", "--", "p", "-e"}, "", nil},
		{[]string{"gawk", "--load=x", "1"}, "gawk --load", nil},
		{[]string{"awk", "-e", "BEGIN{system(1)}"}, "calls system()", nil},
		{[]string{"awk", "--source", "BEGIN{print}", "-e", "@load \"x\""}, "@load", nil},
		{[]string{"awk", "NR > 1 {print $2}", "f"}, "", nil},
		{[]string{"mawk", "-W", "x"}, "an option the policy does not know", nil},
		{[]string{"tar", "-cf", "a.tar", "--checkpoint-action=exec=sh", "."}, "tar --checkpoint-action", nil},
		{[]string{"tar", "cf", "a.tar", "."}, "", nil},
		{[]string{"bsdtar", "xIf", "zstd", "a.tar"}, "bsdtar xIf (it runs a program to compress or decompress (-I))", nil},
		{[]string{"rsync", "-avz", "--rsync-path=x", "a", "b"}, "rsync --rsync-path=x", nil},
		{[]string{"rsync", "-avze", "ssh", "a", "b"}, "rsync -avze", nil},
		{[]string{"ncat", "--sh-exec", "id", "host"}, "ncat --sh-exec", nil},
		{[]string{"ls", "-exec"}, "", nil},
	}
	for _, tt := range tests {
		pc := checkProgram(literalWords(tt.argv...))
		switch {
		case tt.never == "" && pc.never != nil:
			t.Errorf("%q: never plain (%s), want plain", tt.argv, pc.never.what)
		case tt.never != "" && (pc.never == nil || !strings.Contains(pc.never.what, tt.never)):
			t.Errorf("%q: %+v, want never plain containing %q", tt.argv, pc.never, tt.never)
		}
		var explicit []int
		for i := range pc.explicit {
			explicit = append(explicit, i)
		}
		slices.Sort(explicit)
		if tt.never == "" && !slices.Equal(explicit, tt.explicit) {
			t.Errorf("%q: words to name %v, want %v", tt.argv, explicit, tt.explicit)
		}
	}
}

func TestSedScriptProblem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		script    string
		problem   string // "" for a script that only edits text
		forbidden bool
	}{
		{"s/a/b/g", "", false},
		{"s|a/b|c|2p", "", false},
		{`s/a\/e/b\/w/I`, "", false},
		{"1,10p", "", false},
		{"$d", "", false},
		{"/re/,+3{s/x/y/;p}", "", false},
		{`\,re,Id`, "", false},
		{"0~2d;1~3!p", "", false},
		{":a;N;$!ba;s/\\n/ /g", "", false},
		{"y/abc/xyz/", "", false},
		{"1i\\\nheader", "", false},
		{"$a footer text", "", false},
		{"r other.txt", "", false},
		{"# comment e w\np", "", false},
		{"l 20;q 1", "", false},
		{"", "", false},
		{"e id", "the sed command or flag e runs a shell command", true},
		{"1e", "the sed command or flag e runs a shell command", true},
		{"s/x/y/e", "the sed command or flag e runs a shell command", true},
		{"s/x/y/ge", "the sed command or flag e runs a shell command", true},
		{"s/x/y/w out", "the sed command or flag w writes to a file", true},
		{"w out", "the sed command or flag w writes to a file", true},
		{"/x/W out", "the sed command W writes to a file", true},
		{"p;e", "the sed command or flag e runs a shell command", true},
		{"{p};w f", "the sed command or flag w writes to a file", true},
		{"s/[/]/x/w f", "the s flag 'x', which the policy does not know", false},
		{"s/x/y", "an s command the policy cannot read", false},
		{"s/x\n/y/", "an s command the policy cannot read", false},
		{"s/x/y/k", "the s flag 'k'", false},
		{"main.go", "the sed command 'm', which the policy does not know", false},
		{"1,", "an address range without its end", false},
		{"/x", "an address regex the policy cannot read", false},
		{"1", "an address without a command", false},
		{"y/ab/c", "a y command the policy cannot read", false},
	}
	for _, tt := range tests {
		problem, forbidden := sedScriptProblem(tt.script)
		if !strings.Contains(problem, tt.problem) || (tt.problem == "") != (problem == "") || forbidden != tt.forbidden {
			t.Errorf("sed %q: problem %q, forbidden %v; want %q, %v", tt.script, problem, forbidden, tt.problem, tt.forbidden)
		}
	}
}

// seenCommands returns the commands deny rules see in a line, rendered.
func seenCommands(line string) []string {
	var out []string
	for _, ws := range analyse(line).seen {
		parts := make([]string, len(ws))
		for i, w := range ws {
			parts[i] = w.value
			if w.opaque() {
				parts[i] = "?"
			}
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

// TestSeen covers what deny rules are checked against: the words of
// wrappers and shell code are read, the arguments of plain programs are
// not, so a plain command never matches a rule by accident.
func TestSeen(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line         string
		seen, unseen []string
	}{
		{"timeout 5 sh -c 'rm x'", []string{"rm x", "sh -c rm x", "5 sh -c rm x"}, nil},
		{"echo $(rm x) `rm y` <(rm z)", []string{"rm x", "rm y", "rm z"}, nil},
		{"f() { rm x; }", []string{"rm x"}, nil},
		{"X=$(rm x) ls", []string{"rm x", "ls"}, nil},
		{"eval rm x", []string{"rm x"}, nil},
		{"git -c alias.x='!rm -rf y' x", []string{"rm -rf y"}, nil},
		{"git submodule foreach rm y", []string{"rm y"}, nil},
		{`find . -exec rm {} \;`, []string{"rm {} ;"}, nil},
		{"find . -name rm", nil, []string{"rm"}},
		{"find . -name '*.go'", nil, []string{"?"}},
		{"git commit -m 'rm old files'", nil, []string{"rm old files"}},
		{"echo 'rm x; rm y'", nil, []string{"rm x", "rm y"}},
		{"$x y", []string{"? y"}, nil},
	}
	for _, tt := range tests {
		seen := seenCommands(tt.line)
		for _, want := range tt.seen {
			if !slices.Contains(seen, want) {
				t.Errorf("%q: deny rules do not see %q among %q", tt.line, want, seen)
			}
		}
		for _, not := range tt.unseen {
			if slices.Contains(seen, not) {
				t.Errorf("%q: deny rules see %q among %q", tt.line, not, seen)
			}
		}
	}
}

// Nesting and size bounds end in a command no one could read, which every
// deny rule matches.
func TestSeenBounds(t *testing.T) {
	t.Parallel()
	nested := "rm x"
	for range maxNesting + 2 {
		nested = "sh -c " + shellQuote(nested)
	}
	many := strings.Repeat("timeout ", 80) + "ls"
	for _, line := range []string{nested, many} {
		seen := seenCommands(line)
		if !slices.Contains(seen, "?") {
			t.Errorf("%s: no unread command among %d seen", clipQuote(line), len(seen))
		}
		p := mustNew(t, Options{Mode: ModeYolo, Tools: toolNames(), Deny: []string{"bash(shred *)"}})
		if d := p.Decide(call(t, "bash", line)); d.Allow || d.Rule != "deny: bash(shred *)" {
			t.Errorf("%s: %+v, want the deny rule to match the unread command", clipQuote(line), d)
		}
	}
}

// shellQuote quotes s in single quotes for the shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
