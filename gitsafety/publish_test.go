package gitsafety

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestPushOverFileAndHTTP(t *testing.T) {
	t.Parallel()
	const token = "ghs_0123456789abcdefghijklmnopqrstuv"
	for _, transport := range []string{"file", "http"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			r := newPushRepo(t)
			r.commit("step 1", map[string]string{"a.go": "package a\n"})
			tip := r.commit("step 2", map[string]string{"b.go": "package b\n"})
			remotes := t.TempDir()
			bare := newBareRepo(t, remotes, "demo.git")
			url := bare.path
			if transport == "http" {
				url = newGitServer(t, remotes, serverAuth{token: token}).url("demo.git")
			}
			r.git("remote", "add", "origin", url)

			res, err := r.push(PushOptions{Token: token})
			if err != nil {
				t.Fatalf("Push: %v", err)
			}
			want := PushResult{Result: PushPushed, URL: url, Commit: tip}
			if res != want {
				t.Errorf("Push = %+v, want %+v", res, want)
			}
			// Exactly the branch arrived, with exactly the run's history.
			if got, want := bare.refs(), "refs/heads/"+runBranch+" "+tip; got != want {
				t.Errorf("remote refs = %q, want %q", got, want)
			}
			if got, want := bare.git("log", "--format=%H", runBranch), r.git("log", "--format=%H", runBranch); got != want {
				t.Errorf("remote history = %q, want %q", got, want)
			}
			bare.git("fsck", "--strict")
			// Push writes no ref of the local repository, not even a
			// remote-tracking one.
			if got := r.git("for-each-ref", "--format=%(refname)", "refs/remotes"); got != "" {
				t.Errorf("local remote-tracking refs = %q, want none", got)
			}

			res, err = r.push(PushOptions{Token: token})
			if err != nil {
				t.Fatalf("second Push: %v", err)
			}
			if res.Result != PushUpToDate || res.Commit != tip {
				t.Errorf("second Push = %+v, want up_to_date at %s", res, tip)
			}
		})
	}
}

func TestPushAuthErrors(t *testing.T) {
	t.Parallel()
	const token = "ghs_right_token_0123456789abcdefghij"
	tests := []struct {
		name     string
		token    string
		readOnly bool
		wantMsg  string
	}{
		{name: "no token", token: "", wantMsg: "no token was given"},
		{name: "wrong token", token: "ghs_wrong_token_abcdefghijklmnopqrst", wantMsg: "did not accept the token"},
		{name: "read-only token", token: token, readOnly: true, wantMsg: "`contents: write`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newPushRepo(t)
			r.commit("step 1", map[string]string{"a.go": "package a\n"})
			remotes := t.TempDir()
			bare := newBareRepo(t, remotes, "demo.git")
			srv := newGitServer(t, remotes, serverAuth{token: token, readOnly: tt.readOnly})
			r.git("remote", "add", "origin", srv.url("demo.git"))

			_, err := r.push(PushOptions{Token: tt.token})
			if !errors.Is(err, ErrPushAuth) {
				t.Fatalf("Push error = %v, want ErrPushAuth", err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Push error = %q, want it to say %q", err, tt.wantMsg)
			}
			if tt.token != "" && strings.Contains(err.Error(), tt.token) {
				t.Errorf("Push error shows the token: %q", err)
			}
			if got := bare.refs(); got != "" {
				t.Errorf("remote refs = %q, want none", got)
			}
		})
	}
}

func TestPushRejectedByHook(t *testing.T) {
	t.Parallel()
	const token = "ghs_hook_token_0123456789abcdefghijk"
	tests := []struct {
		name, transport, script string
		want                    []string
	}{
		{
			name: "protected branch over file", transport: "file",
			script: `echo "error: GH006: Protected branch update failed for refs/heads/` + runBranch + `." >&2; exit 1`,
			want:   []string{"remote: error: GH006: Protected branch update failed", "branch protection rule"},
		},
		{
			name: "custom hook over http", transport: "http",
			script: `echo "policy: commits must be signed" >&2; exit 1`,
			want:   []string{"remote: policy: commits must be signed", "hook of the remote repository declined"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newPushRepo(t)
			r.commit("step 1", map[string]string{"a.go": "package a\n"})
			remotes := t.TempDir()
			bare := newBareRepo(t, remotes, "demo.git")
			bare.hook(tt.script)
			url := bare.path
			if tt.transport == "http" {
				url = newGitServer(t, remotes, serverAuth{token: token}).url("demo.git")
			}
			r.git("remote", "add", "origin", url)

			_, err := r.push(PushOptions{Token: token})
			if !errors.Is(err, ErrPushRejected) {
				t.Fatalf("Push error = %v, want ErrPushRejected", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Push error = %q, want it to contain %q", err, w)
				}
			}
			if got := bare.refs(); got != "" {
				t.Errorf("remote refs = %q, want none", got)
			}
		})
	}
}

func TestPushNeverForces(t *testing.T) {
	t.Parallel()
	r := newPushRepo(t)
	r.commit("step 1", map[string]string{"a.go": "package a\n"})
	remotes := t.TempDir()
	bare := newBareRepo(t, remotes, "demo.git")
	r.git("remote", "add", "origin", bare.path)

	// Someone else pushes their own commit to the branch first.
	other := newTestRepo(t, map[string]string{"README.md": "hello\n"})
	other.git("checkout", "-q", "-b", runBranch)
	other.write("theirs.txt", "theirs\n")
	other.git("add", "-A")
	other.git("commit", "-q", "-m", "their work")
	other.git("push", "-q", bare.path, runBranch)
	before := bare.refs()

	_, err := r.push(PushOptions{})
	if !errors.Is(err, ErrPushRejected) {
		t.Fatalf("Push error = %v, want ErrPushRejected", err)
	}
	if !strings.Contains(err.Error(), "never force-pushes") {
		t.Errorf("Push error = %q, want the non-fast-forward explanation", err)
	}
	if got := bare.refs(); got != before {
		t.Errorf("remote refs = %q, want them unchanged: %q", got, before)
	}
}

func TestPushWorkflowFiles(t *testing.T) {
	t.Parallel()
	const token = "ghs_wf_token_0123456789abcdefghijklm"
	tests := []struct {
		name  string
		allow bool
	}{
		{name: "refused before contacting the remote"},
		{name: "allowed", allow: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newPushRepo(t)
			r.commit("step 1", map[string]string{"a.go": "package a\n"})
			// Added in a middle commit and removed again: it still
			// travels with the push.
			r.commit("step 2", map[string]string{".github/workflows/ci.yml": "on: push\n"})
			tip := r.commit("step 3", map[string]string{".github/workflows/ci.yml": ""})
			remotes := t.TempDir()
			bare := newBareRepo(t, remotes, "demo.git")
			srv := newGitServer(t, remotes, serverAuth{token: token})
			r.git("remote", "add", "origin", srv.url("demo.git"))

			res, err := r.push(PushOptions{Token: token, AllowWorkflows: tt.allow})
			if tt.allow {
				if err != nil || res.Result != PushPushed {
					t.Fatalf("Push = %+v, %v; want pushed", res, err)
				}
				if got, want := bare.refs(), "refs/heads/"+runBranch+" "+tip; got != want {
					t.Errorf("remote refs = %q, want %q", got, want)
				}
				return
			}
			if !errors.Is(err, ErrWorkflowPermission) {
				t.Fatalf("Push error = %v, want ErrWorkflowPermission", err)
			}
			for _, w := range []string{".github/workflows/ci.yml", "`workflows` permission", "pr.workflows"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Push error = %q, want it to contain %q", err, w)
				}
			}
			if n := srv.requests.Load(); n != 0 {
				t.Errorf("the server got %d requests, want none", n)
			}
		})
	}
}

func TestPushRefusesSecrets(t *testing.T) {
	t.Parallel()
	const secret = "sk-live-0123456789"
	tests := []struct {
		name     string
		commits  []map[string]string // files per commit; "" deletes
		messages []string            // one per commit
		wantWhat string
	}{
		{
			name:     "in a file removed by a later commit",
			messages: []string{"step 1", "step 2", "step 3"},
			commits: []map[string]string{
				{"a.go": "package a\n"},
				{"config.env": "KEY=" + secret + "\n"},
				{"config.env": ""},
			},
			wantWhat: "config.env",
		},
		{
			name:     "in a commit message",
			messages: []string{"step 1", "use key " + secret},
			commits:  []map[string]string{{"a.go": "package a\n"}, {"b.go": "package b\n"}},
			wantWhat: "message of commit",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newPushRepo(t)
			for i, files := range tt.commits {
				r.commit(tt.messages[i], files)
			}
			bare := newBareRepo(t, t.TempDir(), "demo.git")
			r.git("remote", "add", "origin", bare.path)

			var seen []string
			check := func(what string, data []byte) error {
				seen = append(seen, what)
				if strings.Contains(string(data), secret) {
					return fmt.Errorf("contains a secret value")
				}
				return nil
			}
			_, err := r.push(PushOptions{Check: check})
			if !errors.Is(err, ErrRefused) {
				t.Fatalf("Push error = %v, want ErrRefused", err)
			}
			if !strings.Contains(err.Error(), tt.wantWhat) || !strings.Contains(err.Error(), "nothing was pushed") {
				t.Errorf("Push error = %q, want it to name %q", err, tt.wantWhat)
			}
			if got := bare.refs(); got != "" {
				t.Errorf("remote refs = %q, want none", got)
			}
			if len(seen) == 0 {
				t.Error("Check was never called")
			}
		})
	}
}

func TestPushChecksEveryChangedFileAndMessage(t *testing.T) {
	t.Parallel()
	r := newPushRepo(t)
	c1 := r.commit("step 1", map[string]string{"a.go": "package a\n", "dir/b.txt": "b\n"})
	c2 := r.commit("step 2", map[string]string{"a.go": "package a // changed\n", "README.md": ""})
	r.git("update-index", "--chmod=+x", "dir/b.txt")
	r.git("commit", "-q", "-m", "step 3")
	c3 := r.git("rev-parse", "HEAD")
	bare := newBareRepo(t, t.TempDir(), "demo.git")
	r.git("remote", "add", "origin", bare.path)

	var seen []string
	_, err := r.push(PushOptions{Check: func(what string, data []byte) error {
		seen = append(seen, what+"="+string(data))
		return nil
	}})
	if err != nil {
		t.Fatalf("Push: %v", err)
	}
	slices.Sort(seen)
	want := []string{
		"a.go=package a // changed\n",
		"a.go=package a\n",
		"dir/b.txt=b\n",
		"message of commit " + c1 + "=step 1\n",
		"message of commit " + c2 + "=step 2\n",
		"message of commit " + c3 + "=step 3\n",
	}
	slices.Sort(want)
	if !slices.Equal(seen, want) {
		t.Errorf("checked:\n%q\nwant:\n%q", seen, want)
	}
}

func TestPushInputErrors(t *testing.T) {
	t.Parallel()
	r := newPushRepo(t)
	r.commit("step 1", map[string]string{"a.go": "package a\n"})
	bare := newBareRepo(t, t.TempDir(), "demo.git")
	r.git("remote", "add", "origin", bare.path)
	unrelated := newTestRepo(t, map[string]string{"x": "y\n"}).git("rev-parse", "HEAD")

	tests := []struct {
		name    string
		opts    PushOptions
		wantIs  error
		wantMsg string
	}{
		{name: "no such remote", opts: PushOptions{Remote: "upstream"}, wantIs: ErrNotFound, wantMsg: "git remote add upstream"},
		{name: "no such branch", opts: PushOptions{Branch: "nope"}, wantIs: ErrNotFound, wantMsg: "nope"},
		{name: "base not a hash", opts: PushOptions{Base: "main"}, wantMsg: "not a full commit hash"},
		{name: "base not an ancestor", opts: PushOptions{Base: unrelated}, wantMsg: "not an ancestor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.push(tt.opts)
			if err == nil {
				t.Fatal("Push succeeded")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("Push error = %v, want %v", err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Push error = %q, want it to contain %q", err, tt.wantMsg)
			}
		})
	}
	if got := bare.refs(); got != "" {
		t.Errorf("remote refs = %q, want none", got)
	}
}

func TestRemoteURL(t *testing.T) {
	t.Parallel()
	r := newPushRepo(t)
	r.git("remote", "add", "origin", "https://x-access-token:ghs_secret@github.com/octo/demo.git")
	r.git("remote", "add", "fork", "git@github.com:me/demo.git")
	tests := []struct{ name, want string }{
		{"", "https://github.com/octo/demo.git"},
		{"origin", "https://github.com/octo/demo.git"},
		{"fork", "git@github.com:me/demo.git"},
	}
	repo := r.open()
	for _, tt := range tests {
		got, err := repo.RemoteURL(tt.name)
		if err != nil || got != tt.want {
			t.Errorf("RemoteURL(%q) = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	if _, err := repo.RemoteURL("missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("RemoteURL(missing) error = %v, want ErrNotFound", err)
	}
}
