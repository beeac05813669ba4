package gitsafety

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
)

// Pushing is the one place this package talks to another repository. It
// goes through go-git's remote and transport packages; pushing to a remote
// that is a local path runs git-receive-pack, as git itself does, so that
// the remote's hooks run.

// defaultRemote is the remote pushed to when PushOptions.Remote is empty.
const defaultRemote = "origin"

// tokenUser is the user name GitHub expects next to a token in HTTP basic
// authentication; any non-empty name works, this one is what Actions uses.
const tokenUser = "x-access-token"

// PushOptions says which branch Push sends where, with which credentials,
// and how its content is vetted first.
type PushOptions struct {
	Remote string // remote name; "" → "origin"
	Branch string // the run branch, without refs/heads/
	Base   string // commit the run started from: the commits Base..Branch are checked
	Token  string // HTTP credentials (user "x-access-token", password Token); "" → none

	// AllowWorkflows pushes even when those commits change .github/workflows/**, which
	// GitHub refuses unless the token has the `workflows` permission (a GITHUB_TOKEN never
	// has it). Without it such a push fails BEFORE contacting the remote with
	// ErrWorkflowPermission naming the files.
	AllowWorkflows bool

	// Check is called with the content of every file added or modified by those commits
	// and with each commit message; an error refuses the push (ErrRefused wrapped) before
	// anything leaves the machine. The CLI passes its secret finder. For a file, what is
	// its repo-relative slash path (a symlink's content is its target); for a message it
	// is "message of commit <sha>".
	Check func(what string, data []byte) error
}

// PushResult is what Push did.
type PushResult struct {
	Result string // "pushed" | "up_to_date"
	URL    string // the remote's URL with credentials stripped
	Commit string // the branch tip pushed
}

// Push results.
const (
	PushPushed   = "pushed"
	PushUpToDate = "up_to_date"
)

// Push sends the run branch to the remote as refs/heads/<Branch> there,
// never forcing: a remote branch that is not an ancestor of the local one
// stays as it is and the push fails with ErrPushRejected.
//
// Before the remote is contacted, every commit in Base..Branch is checked:
// its message and the content of every file it adds or modifies go through
// opts.Check (a refusal wraps ErrRefused), and a change under
// .github/workflows/ fails with ErrWorkflowPermission unless
// opts.AllowWorkflows is set. Each commit is checked, not only the tip, as a
// file added by one commit and removed by the next is still sent.
//
// Errors the remote causes wrap ErrPushRejected (the remote refused the
// update; its message is quoted) or ErrPushAuth (credentials missing, not
// accepted, or without write access). The token never appears in a result
// or an error. Push writes no ref of the local repository.
func (r *Repo) Push(ctx context.Context, opts PushOptions) (PushResult, error) {
	if err := ctx.Err(); err != nil {
		return PushResult{}, err
	}
	name := opts.Remote
	if name == "" {
		name = defaultRemote
	}
	if opts.Branch == "" {
		return PushResult{}, errors.New("push: no branch given")
	}
	rc, err := r.remoteConfig(name)
	if err != nil {
		return PushResult{}, fmt.Errorf("push %s: %w", opts.Branch, err)
	}
	// git pushes to the last of url and pushurl values; go-git does too.
	rawURL := rc.URLs[len(rc.URLs)-1]
	red := newRedactor(opts.Token, rawURL)
	shownURL := stripCredentials(rawURL)
	result := PushResult{URL: shownURL}

	branchRef := plumbing.NewBranchReferenceName(opts.Branch)
	tipRef, err := r.st.Reference(branchRef)
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return result, fmt.Errorf("push %s: the branch does not exist in this repository: %w", opts.Branch, ErrNotFound)
	}
	if err != nil {
		return result, fmt.Errorf("push %s: read branch: %w", opts.Branch, err)
	}
	if tipRef.Type() != plumbing.HashReference {
		return result, fmt.Errorf("push %s: the branch is a symbolic ref to %s; push the branch it names", opts.Branch, tipRef.Target())
	}
	tip := tipRef.Hash()
	result.Commit = tip.String()

	if err := r.vetPush(ctx, opts, tip); err != nil {
		return result, fmt.Errorf("push %s to %s: %w", opts.Branch, shownURL, err)
	}

	progress := &remoteMessages{}
	spec := config.RefSpec(branchRef.String() + ":" + branchRef.String())
	remote := git.NewRemote(r.st, &config.RemoteConfig{Name: name, URLs: []string{rawURL}})
	err = remote.PushContext(ctx, &git.PushOptions{
		RemoteName: name,
		RefSpecs:   []config.RefSpec{spec},
		Auth:       pushAuth(rawURL, opts.Token),
		Progress:   progress,
	})
	switch {
	case err == nil:
		result.Result = PushPushed
		return result, nil
	case errors.Is(err, git.NoErrAlreadyUpToDate):
		result.Result = PushUpToDate
		return result, nil
	case ctx.Err() != nil:
		return result, fmt.Errorf("push %s to %s: %w", opts.Branch, shownURL, ctx.Err())
	}
	return result, red.error(explainPushError(err, pushFailure{
		branch:   opts.Branch,
		url:      shownURL,
		hasToken: opts.Token != "",
		remote:   progress.lines(),
	}))
}

// RemoteURL returns the URL of the named remote ("" → origin) with any
// credentials in it stripped; it is the remote's first url value, the one
// `git remote get-url` prints. A remote that is not configured wraps
// ErrNotFound.
func (r *Repo) RemoteURL(name string) (string, error) {
	if name == "" {
		name = defaultRemote
	}
	rc, err := r.remoteConfig(name)
	if err != nil {
		return "", err
	}
	return stripCredentials(rc.URLs[0]), nil
}

// remoteConfig reads remote.<name> from the repository's config, with its
// url.<base>.insteadOf rules applied.
func (r *Repo) remoteConfig(name string) (*config.RemoteConfig, error) {
	cfg, err := r.st.Config()
	if err != nil {
		return nil, fmt.Errorf("read git config: %w", err)
	}
	rc, ok := cfg.Remotes[name]
	if !ok || len(rc.URLs) == 0 {
		return nil, fmt.Errorf("remote %q is not configured in this repository; add it with `git remote add %s <url>` or name another one (pr.remote) (%w)", name, name, ErrNotFound)
	}
	return rc, nil
}

// pushAuth is the HTTP basic authentication carrying the token, for http
// and https remotes only: a token is never offered to another transport,
// and a local path needs none.
func pushAuth(rawURL, token string) transport.AuthMethod {
	if token == "" {
		return nil
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil
	}
	return &githttp.BasicAuth{Username: tokenUser, Password: token}
}

// stripCredentials removes the user information from a URL; other forms
// (a path, user@host:path) are returned as they are, since they carry no
// password.
func stripCredentials(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}

// minTokenLen is the shortest user name in a URL taken for a token.
const minTokenLen = 20

// redactor replaces secrets in error messages.
type redactor struct{ secrets []string }

func newRedactor(token, rawURL string) redactor {
	var secrets []string
	if token != "" {
		secrets = append(secrets, token)
	}
	if u, err := url.Parse(rawURL); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			secrets = append(secrets, p, url.QueryEscape(p), url.PathEscape(p))
		} else if n := u.User.Username(); len(n) >= minTokenLen && (u.Scheme == "http" || u.Scheme == "https") {
			// A token alone in the user part is how some tools embed
			// it; a short name (git, x-access-token) is not a secret.
			secrets = append(secrets, n, url.QueryEscape(n))
		}
	}
	return redactor{secrets: secrets}
}

// error returns err with every secret replaced. When that changed the
// message, the original error is no longer reachable through Unwrap (only
// the sentinels it wrapped and a context error are), so that no caller
// can print the secret by unwrapping.
func (rd redactor) error(err error) error {
	msg := err.Error()
	clean := msg
	for _, s := range rd.secrets {
		clean = strings.ReplaceAll(clean, s, "[redacted]")
	}
	if clean == msg {
		return err
	}
	var keep []error
	for _, sentinel := range []error{ErrPushRejected, ErrPushAuth, ErrWorkflowPermission, ErrRefused, ErrNotFound, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, sentinel) {
			keep = append(keep, sentinel)
		}
	}
	return &redactedError{msg: clean, sentinels: keep}
}

// redactedError is an error whose message had a secret removed.
type redactedError struct {
	msg       string
	sentinels []error
}

func (e *redactedError) Error() string   { return e.msg }
func (e *redactedError) Unwrap() []error { return e.sentinels }
