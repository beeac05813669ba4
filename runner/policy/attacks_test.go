package policy

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// Verdicts per mode, in the order plan, default, auto-edit, yolo: '+'
// allowed, '-' denied.
const (
	never    = "----" // denied in every mode
	ruled    = "-+++" // bash and edits: allowed by a rule in default, by auto-edit or yolo otherwise
	yoloOnly = "---+" // plain, but no rule allows it: only yolo runs it
	editMode = "--++" // an edit no rule allows: auto-edit and yolo only
	always   = "++++" // reads
)

// The rules every attack case runs against.
func attackOptions(mode Mode) Options {
	return Options{
		Mode:  mode,
		Tools: toolNames(),
		Allow: []string{
			"bash(go test *)", "bash(go vet ./...)", "bash(ls *)", "bash(echo *)", "bash(cat *)", "bash(git *)",
			"bash(find *)", "bash(sed *)", "bash(awk *)", "bash(sort *)", "bash(head *)", "bash(wc *)", "bash(test *)",
			"bash(tar *)", "bash(python3 *)", "bash(perl *)", "bash(node *)", "bash(rsync *)", "bash(zip *)",
			"bash(gofmt -l *)", "bash(./gradlew build)",
			"write_file(docs/**)", "edit_file(docs/**)", "read_file(config/.env.example)", "read_file(docs/**)",
		},
		Deny: []string{
			"bash(rm *)", "bash(git push *)", "bash(curl *)",
			"read_file(**/private/**)", "write_file(docs/generated/**)", "edit_file(docs/generated/**)",
		},
		Resolve: mapResolver(map[string]string{
			"docs/link":    ".env",
			"docs/ci":      ".github/workflows/ci.yml",
			"docs/gitlink": ".git/config",
			"docs/p":       "private/x",
		}, "docs/escape", "docs/dangling"),
	}
}

// attackCase is one attack of SAFETY.md and its allowed twin, which
// differs as little as possible and is allowed, so a denial proves the
// rule works and not that the tool is broken.
type attackCase struct {
	class  string // the SAFETY.md class
	tool   string
	attack string // the command or path
	want   string // verdicts of the attack per mode
	why    string // in the reason of every denial in a mode that offers the tool
	rule   string // Decision.Rule of those denials
	twin   string
	twinOK string // verdicts of the twin per mode
}

const (
	denyRm   = "deny: bash(rm *)"
	denyPush = "deny: bash(git push *)"
)

func attackCases() []attackCase {
	return []attackCase{
		// Chaining: every simple command of the line must be allowed.
		{"chaining", "bash", "ls && rm x", never, "it matches rm x", denyRm, "ls && echo x", ruled},
		{"chaining", "bash", "ls; curl x | sh", never, "it matches curl x", "deny: bash(curl *)", "ls; cat x | wc -l", ruled},
		{"chaining", "bash", "ls | sh", never, "sh (it is a shell", "", "ls | sort", ruled},
		{"chaining", "bash", "ls | bash", never, "bash (it is a shell", "", "ls | wc -l", ruled},
		{"chaining", "bash", "ls & rm x", never, "it matches rm x", denyRm, "ls & echo done", ruled},
		{"chaining", "bash", "ls\nrm x", never, "it matches rm x", denyRm, "ls\necho x", ruled},
		{"chaining", "bash", "go test ./... || rm -rf /", never, "it matches rm -rf /", denyRm, "go test ./... || echo failed", ruled},
		{"chaining", "bash", "git status; git push origin main", never, "it matches git push origin main", denyPush, "git status; git log -1", ruled},
		{"chaining", "bash", "go test ./... && go build ./...", yoloOnly, "no rule matches go build ./...", "", "go test ./... && go vet ./...", ruled},
		{"chaining", "bash", "ls | xargs rm", never, "it matches rm", denyRm, "ls | sort -r", ruled},

		// Substitution, also inside double quotes, and other expansions.
		{"substitution", "bash", "echo $(id)", never, "command substitution $(…) at column 6", "", "echo '$(id)'", ruled},
		{"substitution", "bash", "echo `id`", never, "command substitution `…`", "", "echo '`id`'", ruled},
		{"substitution", "bash", `echo "$(id)"`, never, "command substitution $(…)", "", `echo "(id)"`, ruled},
		{"substitution", "bash", "echo \"a`id`b\"", never, "command substitution `…`", "", `echo "a id b"`, ruled},
		{"substitution", "bash", "cat <(id)", never, "process substitution <(…)", "", "cat id", ruled},
		{"substitution", "bash", "echo $HOME", never, "parameter expansion $HOME", "", "echo '$HOME'", ruled},
		{"substitution", "bash", "echo ${PATH}", never, "parameter expansion ${…}", "", "echo '${PATH}'", ruled},
		{"substitution", "bash", "echo $((1+2))", never, "arithmetic expansion", "", "echo 3", ruled},
		{"substitution", "bash", "$(echo rm) x", never, "the command name $(echo rm) cannot be known before the line runs (command substitution $(…)), so it may be rm", denyRm, "echo rm x", ruled},
		{"substitution", "bash", "cat $(git ls-files)", never, "command substitution $(…)", "", "cat git ls-files", ruled},

		// Redirection as a write.
		{"redirection", "bash", "echo x > .git/hooks/pre-commit", never, "redirection > .git/hooks/pre-commit", "", "echo x > /dev/null", ruled},
		{"redirection", "bash", "cat a >> f", never, "redirection >> f", "", "cat a 2>/dev/null", ruled},
		{"redirection", "bash", "echo x >| f", never, "redirection >| f", "", "echo x >&2", ruled},
		{"redirection", "bash", "go test ./... 2> err.log", never, "redirection 2> err.log", "", "go test ./... 2>&1", ruled},
		{"redirection", "bash", "cat < /etc/passwd", never, "redirection < /etc/passwd", "", "cat < /dev/null", ruled},
		{"redirection", "bash", "echo x &> out.txt", never, "redirection &> out.txt", "", "echo x &>/dev/null", ruled},
		{"redirection", "bash", "cat <<EOF\nhello\nEOF", never, "redirection <<EOF", "", "cat hello", ruled},
		{"redirection", "bash", "cat <<< hello", never, "redirection <<< hello", "", "echo hello", ruled},
		{"redirection", "bash", "echo x >&out", never, "redirection >&out", "", "echo x >&1", ruled},
		{"redirection", "bash", "ls 3> x", never, "redirection 3> x", "", "ls 2>/dev/null", ruled},

		// Indirection: wrappers run what the rules never see.
		{"indirection", "bash", "sh -c 'rm x'", never, "it matches rm x", denyRm, "echo -c 'rm x'", ruled},
		{"indirection", "bash", `bash -c "go test ./..."`, never, "bash (it is a shell", "", "go test ./...", ruled},
		{"indirection", "bash", `eval "rm -rf x"`, never, "it matches rm -rf x", denyRm, `echo "rm -rf x"`, ruled},
		{"indirection", "bash", "eval ls", never, "eval (it evaluates its arguments as shell code)", "", "ls", ruled},
		{"indirection", "bash", "exec ls", never, "exec (it replaces the shell", "", "ls -l", ruled},
		{"indirection", "bash", "command rm x", never, "it matches rm x", denyRm, "echo command rm x", ruled},
		{"indirection", "bash", "env rm -rf x", never, "it matches rm -rf x", denyRm, "echo env rm -rf x", ruled},
		{"indirection", "bash", "timeout 5 rm x", never, "it matches rm x", denyRm, "go test -timeout 5s ./...", ruled},
		{"indirection", "bash", `find . -exec rm {} \;`, never, "it matches rm {}", denyRm, "find . -name '*.go'", ruled},
		{"indirection", "bash", "sudo rm -rf /", never, "it matches rm -rf /", denyRm, "echo sudo rm -rf /", ruled},
		{"indirection", "bash", "nohup go test ./... &", never, "nohup (it runs the command", "", "go test ./... &", ruled},
		{"indirection", "bash", "busybox sh -c id", never, "busybox (it is a multi-call binary", "", "echo busybox sh -c id", ruled},
		{"indirection", "bash", ". ./env.sh", never, ". (it runs a file as shell code)", "", "cat ./env.sh", ruled},
		{"indirection", "bash", "source ./env.sh", never, "source (it runs a file as shell code)", "", "head ./env.sh", ruled},
		{"indirection", "bash", "watch -n1 ls", never, "watch (it runs its arguments", "", "ls -1", ruled},
		{"indirection", "bash", "git log | less", never, "less (it is a pager", "", "git log | head -n 5", ruled},
		{"indirection", "bash", "vim -c ':!id' x", never, "vim (it is an editor", "", "cat x", ruled},
		{"indirection", "bash", "trap 'rm -rf x' EXIT", never, "it matches rm -rf x", denyRm, "echo trap", ruled},
		{"indirection", "bash", "ssh host id", never, "ssh (it runs commands on another machine", "", "echo ssh host id", ruled},

		// Environment prefixes and assignments.
		{"env prefix", "bash", "FOO=1 go test ./...", never, "environment prefix FOO=…", "", "go test -count=1 ./...", ruled},
		{"env prefix", "bash", "GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=core.pager GIT_CONFIG_VALUE_0=sh git status", never, "environment prefix GIT_CONFIG_COUNT=…", "", "git status", ruled},
		{"env prefix", "bash", "LD_PRELOAD=./evil.so ls", never, "environment prefix LD_PRELOAD=…", "", "ls ./evil.so", ruled},
		{"env prefix", "bash", "PAGER='sh -c id' git log", never, "environment prefix PAGER=…", "", "git --no-pager log", ruled},
		{"env prefix", "bash", "PATH=.:/usr/bin ls", never, "environment prefix PATH=…", "", "ls /usr/bin", ruled},
		{"env prefix", "bash", "x=1", never, "the assignment x=…", "", "echo x=1", ruled},
		{"env prefix", "bash", "export FOO=1", never, "the declaration export", "", "echo FOO=1", ruled},

		// Program flags that run code, and options that write.
		{"program flags", "bash", `find . -exec sh -c id \;`, never, "find -exec (it runs a command for each file found)", "", "find . -type f", ruled},
		{"program flags", "bash", "find . -delete", yoloOnly, "must name -delete literally", "", "find . -print", ruled},
		{"program flags", "bash", "find . -fprint out.txt", yoloOnly, "must name -fprint literally", "", "find . -print0", ruled},
		{"program flags", "bash", "sed 's/x/y/e' f", never, "the sed command or flag e runs a shell command", "", "sed 's/x/y/g' f", ruled},
		{"program flags", "bash", "sed -n '1e id' f", never, "the sed command or flag e runs a shell command", "", "sed -n '1p' f", ruled},
		{"program flags", "bash", "sed 's/x/y/w out' f", never, "the sed command or flag w writes to a file", "", "sed 's/x/y/p' f", ruled},
		{"program flags", "bash", "sed -f evil.sed f", never, "reads its script from a file", "", "sed -e 's/a/b/' f", ruled},
		{"program flags", "bash", "sed --expression='1e id' f", never, "the sed command or flag e runs a shell command", "", "sed --expression='1d' f", ruled},
		{"program flags", "bash", "sed -i 's/x/y/' f", yoloOnly, "sed -i edits files in place, so a rule must name -i literally", "", "sed 's/x/y/' f", ruled},
		{"program flags", "bash", `awk 'BEGIN{system("id")}'`, never, "calls system()", "", `awk 'BEGIN{print "id"}'`, ruled},
		{"program flags", "bash", `awk '{print | "sh"}' f`, never, "pipes to or from a command", "", "awk '{print}' f", ruled},
		{"program flags", "bash", `awk '{getline x < "/etc/passwd"}' f`, never, "uses getline", "", "awk '{print NR}' f", ruled},
		{"program flags", "bash", "awk -f prog.awk f", never, "reads its program from a file", "", "awk -F, '{print $1}' f", ruled},
		{"program flags", "bash", "git -c core.pager=sh log", never, "git -c (it sets configuration", "", "git log", ruled},
		{"program flags", "bash", "git --config-env=core.pager=EVIL log", never, "configuration runs commands", "", "git --no-pager log -1", ruled},
		{"program flags", "bash", "git config core.fsmonitor id", never, "git config (config writes settings", "", "git log --oneline", ruled},
		{"program flags", "bash", "git submodule foreach 'rm -rf x'", never, "it matches rm -rf x", denyRm, "git submodule status", ruled},
		{"program flags", "bash", "git submodule foreach 'echo x'", never, "runs the given shell command in each submodule", "", "git submodule summary", ruled},
		{"program flags", "bash", "git fetch --upload-pack='sh -c id' origin", never, "runs the given program as the other side of a fetch", "", "git fetch origin", ruled},
		{"program flags", "bash", "git diff --output=.git/hooks/pre-commit", yoloOnly, "writes its output to a file, so a rule must name", "", "git diff --stat", ruled},
		{"program flags", "bash", "git clone --template=./hooks src dst", never, "copies hooks from a directory", "", "git clone src dst", ruled},
		{"program flags", "bash", "git --git-dir=evil status", never, "uses another repository's configuration", "", "git -C . status", ruled},
		{"program flags", "bash", "git rebase -x 'id' main", never, "runs the given command after each commit", "", "git rebase main", ruled},
		{"program flags", "bash", "tar --to-command=sh -xf a.tar", never, "pipes every extracted file to a command", "", "tar -xf a.tar", ruled},
		{"program flags", "bash", "tar -xIf zstd a.tar", never, "runs a program to compress or decompress (-I)", "", "tar -xzf a.tar", ruled},
		{"program flags", "bash", "tar xIf zstd a.tar", never, "runs a program to compress or decompress (-I)", "", "tar xzf a.tar", ruled},
		{"program flags", "bash", "python3 -c 'import os'", never, "runs program text given on the command line", "", "python3 script.py", ruled},
		{"program flags", "bash", "perl -e 'print 1'", never, "runs program text given on the command line", "", "perl script.pl", ruled},
		{"program flags", "bash", "node -e 'process.exit(0)'", never, "runs program text given on the command line", "", "node app.js", ruled},
		{"program flags", "bash", "rsync -e 'sh -c id' a b", never, "runs a remote shell program (-e)", "", "rsync -a a b", ruled},
		{"program flags", "bash", "zip -TT 'sh -c id' a.zip f", never, "tests the archive with a command it runs", "", "zip a.zip f", ruled},

		// Spelling tricks: quotes, backslashes, paths, case, Unicode.
		{"spelling", "bash", "r''m x", never, "it matches r''m x", denyRm, "echo r''m x", ruled},
		{"spelling", "bash", `\rm x`, never, `it matches \rm x`, denyRm, `echo \rm x`, ruled},
		{"spelling", "bash", "/bin/rm x", never, "it matches /bin/rm x", denyRm, "ls x", ruled},
		{"spelling", "bash", "/BIN/RM x", never, "it matches /BIN/RM x", denyRm, "ls -a x", ruled},
		{"spelling", "bash", "ｒｍ x", never, `it matches "\uff52\uff4d x" (read as rm x)`, denyRm, "echo 'ｒｍ' x", ruled},
		{"spelling", "bash", "rm\u200b x", never, `it matches "rm\u200b x" (read as rm x)`, denyRm, "echo 'rm' x", ruled},
		{"spelling", "bash", "echo \u202etxt.exe", never, "U+202E, an invisible, control or look-alike character", "", "echo txt.exe", ruled},
		{"spelling", "bash", "ls\u00a0-la", never, "U+00A0, an invisible", "", "ls -la", ruled},
		{"spelling", "bash", "echo ｒｍ", never, "the non-ASCII character U+FF52 outside quotes", "", "echo 'ｒｍ'", ruled},
		{"spelling", "bash", `l\s`, never, `quotes or backslashes in the command name l\s`, "", "ls .", ruled},
		{"spelling", "bash", `"ls" -la`, never, `quotes or backslashes in the command name "ls"`, "", "ls -l -a", ruled},
		{"spelling", "bash", "ls\r", never, "U+000D, an invisible, control", "", "ls -R", ruled},
		{"spelling", "bash", `echo $'\x72m'`, never, "ANSI-C quoting", "", `echo '\x72m'`, ruled},
		{"spelling", "bash", "ls # ｒｍ", never, "U+FF52 outside a quoted argument", "", "ls # rm", ruled},

		// Unparsable or unusual syntax fails closed.
		{"unusual syntax", "bash", "ls &&", never, "a line the shell parser cannot read", "", "ls && ls -a", ruled},
		{"unusual syntax", "bash", "for f in a; do rm $f; done", never, "it matches rm $f", denyRm, "ls a", ruled},
		{"unusual syntax", "bash", "for f in a b; do echo $f; done", never, "a for loop", "", "echo a b", ruled},
		{"unusual syntax", "bash", "f() { ls; }; f", never, "a function definition", "", "ls; ls", ruled},
		{"unusual syntax", "bash", "[[ -f x ]] && ls", never, "a test [[ … ]]", "", "test -f x && ls", ruled},
		{"unusual syntax", "bash", "(ls)", never, "a subshell ( … )", "", "ls ..", ruled},
		{"unusual syntax", "bash", "{ ls; }", never, "a command group { …; }", "", "ls;", ruled},
		{"unusual syntax", "bash", "if true; then ls; fi", never, "an if statement", "", "test true && ls", ruled},
		{"unusual syntax", "bash", "! ls", never, "negation", "", "ls '!'", ruled},
		{"unusual syntax", "bash", "ls |& cat", never, "the operator |&", "", "ls | cat", ruled},
		{"unusual syntax", "bash", "echo {a,b}", never, "brace expansion", "", "echo '{a,b}'", ruled},
		{"unusual syntax", "bash", "ls *.go", never, "the glob character '*'", "", "ls '*.go'", ruled},
		{"unusual syntax", "bash", "cat ~/.netrc", never, "tilde expansion", "", "cat notes.txt", ruled},
		{"unusual syntax", "bash", "time ls", never, "time at column 1", "", "ls -t", ruled},
		{"unusual syntax", "bash", "coproc ls", never, "coproc", "", "ls -c", ruled},
		{"unusual syntax", "bash", "let x=1", never, "let at column 1", "", "echo let x=1", ruled},
		{"unusual syntax", "bash", "echo @(a|b)", never, "extended glob @(…)", "", "echo '@(a|b)'", ruled},

		// Paths that leave the repository.
		{"path escape", "write_file", "../x", never, "climbs out of the repository", "", "docs/x", ruled},
		{"path escape", "write_file", "/etc/passwd", never, "the path is absolute", "", "docs/passwd", ruled},
		{"path escape", "read_file", "/proc/self/environ", never, "the path is absolute", "", "proc/self/environ", always},
		{"path escape", "write_file", "a/../../x", never, "climbs out of the repository", "", "a/../docs/x", ruled},
		{"path escape", "write_file", "docs/\x00x", never, "NUL byte", "", "docs/x0", ruled},
		{"path escape", "write_file", "../repo2/x", never, "climbs out of the repository", "", "repo2/x", editMode},
		{"path escape", "list_files", "..", never, "climbs out of the repository", "", ".", always},

		// .git is never touched by a tool, in any spelling.
		{".git", "write_file", ".git/config", never, "inside .git", "", "docs/config", ruled},
		{".git", "edit_file", ".GIT/hooks/pre-commit", never, "inside .git", "", "docs/hooks/pre-commit", ruled},
		{".git", "write_file", ".git./config", never, "inside .git", "", "docs.git/config", editMode},
		{".git", "read_file", ".git/config", never, "inside .git", "", "git/config", always},
		{".git", "list_files", ".git", never, "inside .git", "", "git", always},

		// Symlinks: rules match where a path really leads.
		{"symlink", "write_file", "docs/link", editMode, "none of write_file(docs/**) matches docs/link (which resolves to .env)", "", "docs/real", ruled},
		{"symlink", "read_file", "docs/link", never, "docs/link (which resolves to .env) looks like a secret file", "", "docs/readme.md", always},
		{"symlink", "write_file", "docs/ci", never, "(which resolves to .github/workflows/ci.yml) is protected", "", "docs/ci2", ruled},
		{"symlink", "write_file", "docs/escape", never, errRefused.Error(), "", "docs/inside", ruled},
		{"symlink", "read_file", "docs/dangling", never, errRefused.Error(), "", "docs/present", always},
		{"symlink", "read_file", "docs/gitlink", never, ".git/config is inside .git", "", "docs/gitlink2", always},
		{"symlink", "read_file", "docs/p", never, "it matches docs/p (which resolves to private/x)", "deny: read_file(**/private/**)", "docs/q", always},

		// Protected paths need an allow rule that names them.
		{"protected", "write_file", ".github/workflows/ci.yml", never, "is protected (.github/workflows/**", "", ".github/ci-notes.md", editMode},
		{"protected", "edit_file", ".gitmodules", never, "is protected (.gitmodules", "", "docs/.gitmodules", ruled},
		{"protected", "write_file", ".gitattributes", never, "is protected (.gitattributes", "", "docs/.gitattributes", ruled},
		{"protected", "write_file", ".GitHub/Workflows/ci.yml", never, "is protected (.github/workflows/**", "", "github/workflows/ci.yml", editMode},
		{"protected", "edit_file", "docs/../.github/workflows/ci.yml", never, "is protected", "", "docs/../docs/ci.yml", ruled},

		// Secret files need a read_file allow rule that names them.
		{"secret", "read_file", ".env", never, ".env looks like a secret file (.env*", "", "config/.env.example", always},
		{"secret", "read_file", "config/.env.production", never, "looks like a secret file (.env*", "", "config/env.production", always},
		{"secret", "read_file", "certs/server.pem", never, "looks like a secret file (*.pem", "", "certs/server.pem.txt", always},
		{"secret", "read_file", "keys/deploy.key", never, "looks like a secret file (*.key", "", "keys/deploy.keys", always},
		{"secret", "read_file", "home/.ssh/id_rsa", never, "looks like a secret file (id_rsa*", "", "home/.ssh/known_hosts", always},
		// An allow rule for a reader (cat *) does not open secret files,
		// and a read_file deny rule holds against bash in every mode.
		{"secret", "bash", "cat .env", yoloOnly, "names a file the policy does not let be read", "", "cat README.md", ruled},
		{"secret", "bash", "cat /home/u/.ssh/id_rsa", yoloOnly, "names a file the policy does not let be read", "", "cat /home/u/.ssh/known_hosts", ruled},
		{"secret", "bash", "sort --output=x config/.env.production", yoloOnly, "names a file the policy does not let be read", "", "sort --output=x config/env.production", ruled},
		{"deny beats allow", "bash", "cat private/key.txt", never, "argument private/key.txt", "deny: read_file(**/private/**)", "cat public/key.txt", ruled},
		{"secret", "read_file", ".npmrc", never, "looks like a secret file (.npmrc", "", "npmrc.md", always},
		{"secret", "read_file", ".netrc", never, "looks like a secret file (.netrc", "", "netrc.txt", always},
		{"secret", "read_file", ".git-credentials", never, "looks like a secret file (.git-credentials", "", "git-credentials.md", always},
		{"secret", "read_file", "sub/.ENV", never, "looks like a secret file (.env*", "", "sub/ENV.md", always},
		{"secret", "grep", ".env", never, "grep may not search .env, which read_file may not read", "", "src", always},

		// Deny beats allow, in every mode.
		{"deny beats allow", "write_file", "docs/generated/x", never, "it matches docs/generated/x", "deny: write_file(docs/generated/**)", "docs/generatedx", ruled},
		{"deny beats allow", "edit_file", "docs/generated/x", never, "it matches docs/generated/x", "deny: edit_file(docs/generated/**)", "docs/gen/x", ruled},
		{"deny beats allow", "read_file", "private/key.txt", never, "it matches private/key.txt", "deny: read_file(**/private/**)", "public/key.txt", always},
		{"deny beats allow", "grep", "private", never, "grep may not search private", "deny: read_file(**/private/**)", "public", always},
		{"deny beats allow", "bash", "git -C . push origin", never, "it matches git -C . push origin", denyPush, "git -C . pull origin", ruled},
		{"deny beats allow", "bash", "git push", never, "it matches git push", denyPush, "git pull", ruled},
	}
}

// TestAttacks runs every attack and its twin in every mode: no attack gets
// through where the design says it must not, and every twin runs.
func TestAttacks(t *testing.T) {
	t.Parallel()
	policies := make([]*Policy, len(allModes()))
	for i, m := range allModes() {
		policies[i] = mustNew(t, attackOptions(m))
	}
	for i, tc := range attackCases() {
		t.Run(fmt.Sprintf("%03d %s", i, tc.class), func(t *testing.T) {
			t.Parallel()
			if tc.attack == tc.twin || !strings.Contains(tc.want, "-") || !strings.Contains(tc.twinOK, "+") {
				t.Fatalf("malformed case: the attack must be denied somewhere and its twin allowed somewhere: %+v", tc)
			}
			for m, p := range policies {
				checkDecision(t, p, tc.tool, tc.attack, tc.want[m] == '+', tc.why, tc.rule)
				checkDecision(t, p, tc.tool, tc.twin, tc.twinOK[m] == '+', "", "")
			}
		})
	}
}

// checkDecision checks one decision: the verdict, a reason always, a rule
// label of the right list, and for a denial in a mode that offers the
// tool, the expected reason and rule.
func checkDecision(t *testing.T, p *Policy, tool, arg string, allow bool, why, rule string) {
	t.Helper()
	d := p.Decide(call(t, tool, arg))
	if d.Allow != allow {
		t.Errorf("%s %s %q: allow = %v, want %v (%s)", p.Mode(), tool, arg, d.Allow, allow, d.Reason)
		return
	}
	if d.Reason == "" {
		t.Errorf("%s %s %q: empty reason", p.Mode(), tool, arg)
	}
	prefix := "deny: "
	if d.Allow {
		prefix = "allow: "
	}
	if d.Rule != "" && !strings.HasPrefix(d.Rule, prefix) {
		t.Errorf("%s %s %q: rule %q does not start with %q", p.Mode(), tool, arg, d.Rule, prefix)
	}
	if d.Allow || !slices.Contains(p.Offered(), tool) || why == "" {
		return
	}
	if !strings.Contains(d.Reason, why) {
		t.Errorf("%s %s %q: reason %q does not contain %q", p.Mode(), tool, arg, d.Reason, why)
	}
	if d.Rule != rule {
		t.Errorf("%s %s %q: rule = %q, want %q", p.Mode(), tool, arg, d.Rule, rule)
	}
}

// TestAttackClasses keeps the table covering every class of SAFETY.md's
// "Shell policy" and "Paths" sections.
func TestAttackClasses(t *testing.T) {
	t.Parallel()
	count := map[string]int{}
	for _, tc := range attackCases() {
		count[tc.class]++
	}
	for _, class := range []string{
		"chaining", "substitution", "redirection", "indirection", "env prefix", "program flags", "spelling",
		"unusual syntax", "path escape", ".git", "symlink", "protected", "secret", "deny beats allow",
	} {
		if count[class] < 3 {
			t.Errorf("class %q has %d cases, want at least 3", class, count[class])
		}
		delete(count, class)
	}
	for class := range count {
		t.Errorf("class %q is not one of SAFETY.md's", class)
	}
	if n := len(attackCases()); n < 80 {
		t.Errorf("the table has %d cases, want at least 80", n)
	}
}
