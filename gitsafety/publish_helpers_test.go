package gitsafety

import (
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// runBranch is the branch the push tests make and push.
const runBranch = "safe-coder/fix-vet"

// pushRepo is a repository with a run branch: main holds one commit (the
// base), the run branch the commits the test adds on top of it.
type pushRepo struct {
	*testRepo
	base string
}

func newPushRepo(t *testing.T) *pushRepo {
	t.Helper()
	r := newTestRepo(t, map[string]string{"README.md": "hello\n"})
	base := r.git("rev-parse", "HEAD")
	r.git("checkout", "-q", "-b", runBranch)
	return &pushRepo{testRepo: r, base: base}
}

// commit writes files ("" content deletes) and commits them with message.
func (r *pushRepo) commit(message string, files map[string]string) string {
	r.t.Helper()
	for name, content := range files {
		if content == "" {
			r.git("rm", "-q", name)
			continue
		}
		r.write(name, content)
	}
	r.git("add", "-A")
	r.git("commit", "-q", "--allow-empty", "-m", message)
	return r.git("rev-parse", "HEAD")
}

func (r *pushRepo) push(opts PushOptions) (PushResult, error) {
	r.t.Helper()
	if opts.Branch == "" {
		opts.Branch = runBranch
	}
	if opts.Base == "" {
		opts.Base = r.base
	}
	return r.open().Push(r.t.Context(), opts)
}

// bareRepo is a bare repository standing for the remote.
type bareRepo struct {
	t    *testing.T
	path string
}

func newBareRepo(t *testing.T, dir, name string) *bareRepo {
	t.Helper()
	path := filepath.Join(dir, name)
	runGit(t, "", "init", "-q", "--bare", "-b", "main", path)
	// git http-backend lets anonymous users push only when told to; the
	// tests' HTTP handler does the authentication.
	runGit(t, "", "--git-dir", path, "config", "http.receivepack", "true")
	return &bareRepo{t: t, path: path}
}

func (b *bareRepo) git(args ...string) string {
	b.t.Helper()
	return runGit(b.t, "", append([]string{"--git-dir", b.path}, args...)...)
}

// refs lists every ref of the bare repository with its commit.
func (b *bareRepo) refs() string {
	b.t.Helper()
	return b.git("for-each-ref", "--format=%(refname) %(objectname)")
}

// hook installs a pre-receive hook.
func (b *bareRepo) hook(script string) {
	b.t.Helper()
	p := filepath.Join(b.path, "hooks", "pre-receive")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		b.t.Fatal(err)
	}
}

func runGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimRight(string(out), "\n")
}

// gitServer serves the bare repositories of a directory over HTTP with
// git http-backend, behind basic authentication.
type gitServer struct {
	srv      *httptest.Server
	requests atomic.Int64
}

// serverAuth is what the HTTP server wants: the token to accept, and the
// status it answers a valid token with when that token may only read.
type serverAuth struct {
	token    string
	readOnly bool
}

func newGitServer(t *testing.T, root string, auth serverAuth) *gitServer {
	t.Helper()
	execPath := runGit(t, "", "--exec-path")
	backend := &cgi.Handler{
		Path: filepath.Join(execPath, "git-http-backend"),
		Root: "/git",
		Env:  []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"},
	}
	s := &gitServer{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		s.requests.Add(1)
		user, pass, ok := req.BasicAuth()
		if !ok || user != tokenUser || pass != auth.token {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		if auth.readOnly && (strings.HasSuffix(req.URL.Path, "/git-receive-pack") || req.URL.Query().Get("service") == "git-receive-pack") {
			http.Error(w, "Permission to octo/demo.git denied to github-actions[bot].", http.StatusForbidden)
			return
		}
		backend.ServeHTTP(w, req)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// url is the HTTP URL of the bare repository named name.
func (s *gitServer) url(name string) string { return s.srv.URL + "/git/" + name }
