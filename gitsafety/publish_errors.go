package gitsafety

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
)

// pushFailure is what explainPushError needs to know about a failed push.
type pushFailure struct {
	branch   string
	url      string // credentials stripped
	hasToken bool
	remote   []string // the remote's messages (sideband), last lines
}

// explainPushError turns go-git's push error into one that says why the
// remote refused and what to do, wrapping ErrPushAuth or ErrPushRejected.
// go-git reports a refused ref update as a plain formatted error ("command
// error on <ref>: <status>", "non-fast-forward update: <ref>"), so its text
// is what is matched.
func explainPushError(err error, f pushFailure) error {
	msg := err.Error()
	quoted := f.quoteRemote()
	switch {
	case errors.Is(err, transport.ErrAuthenticationRequired):
		if !f.hasToken {
			return fmt.Errorf("push %s to %s: %w: the remote asks for credentials and no token was given; set GITHUB_TOKEN (or the variable pr.token_env names) to a token that may write to the repository (`contents: write`)%s",
				f.branch, f.url, ErrPushAuth, quoted)
		}
		return fmt.Errorf("push %s to %s: %w: the remote did not accept the token (expired, revoked, or for another host); give a valid token with the `contents: write` permission%s",
			f.branch, f.url, ErrPushAuth, quoted)
	case errors.Is(err, transport.ErrAuthorizationFailed):
		return fmt.Errorf("push %s to %s: %w: the token may not push to this repository: it lacks the `contents: write` permission (in a workflow: `permissions: contents: write`; for a fine-grained token: Contents: Read and write) (remote said: %s)%s",
			f.branch, f.url, ErrPushAuth, remoteReason(err, transport.ErrAuthorizationFailed), quoted)
	case errors.Is(err, transport.ErrRepositoryNotFound):
		return fmt.Errorf("push %s to %s: %w: the repository was not found; check the remote URL, and that the token can see the repository (a token without access to a private repository gets \"not found\")%s",
			f.branch, f.url, ErrPushAuth, quoted)
	case strings.HasPrefix(msg, "non-fast-forward update"):
		return f.nonFastForward(quoted)
	}
	status, ok := strings.CutPrefix(msg, "command error on ")
	if !ok {
		return fmt.Errorf("push %s to %s: %w%s", f.branch, f.url, err, quoted)
	}
	if _, s, found := strings.Cut(status, ": "); found {
		status = s
	}
	lower := strings.ToLower(status + "\n" + strings.Join(f.remote, "\n"))
	switch {
	case strings.Contains(lower, "without `workflows` permission") || strings.Contains(lower, "without `workflow` scope"):
		return fmt.Errorf("push %s to %s: %w: the remote refused it (%s): the commits change files under %s and the token lacks the `workflows` permission; use a token that has it or keep the run away from those files (%w)%s",
			f.branch, f.url, ErrPushRejected, status, workflowDir, ErrWorkflowPermission, quoted)
	case strings.Contains(status, "non-fast-forward") || strings.Contains(status, "fetch first"):
		return f.nonFastForward(quoted)
	case strings.Contains(lower, "protected branch") || strings.Contains(lower, "gh006") || strings.Contains(lower, "gh013"):
		return fmt.Errorf("push %s to %s: %w: a branch protection rule or ruleset of the repository refused the update (%s); push to a branch name no rule covers (safe-coder's run branches are normally unprotected) or change the rule%s",
			f.branch, f.url, ErrPushRejected, status, quoted)
	case strings.Contains(status, "hook declined"):
		return fmt.Errorf("push %s to %s: %w: a hook of the remote repository declined the update (%s); read its message and change the run or the hook%s",
			f.branch, f.url, ErrPushRejected, status, quoted)
	}
	return fmt.Errorf("push %s to %s: %w: the remote refused the update (%s)%s", f.branch, f.url, ErrPushRejected, status, quoted)
}

func (f pushFailure) nonFastForward(quoted string) error {
	return fmt.Errorf("push %s to %s: %w: the remote branch has commits this run does not; safe-coder never force-pushes: someone else pushed to %s, or the run was rolled back after an earlier push. Use another branch name, or delete the remote branch if its commits are not needed%s",
		f.branch, f.url, ErrPushRejected, f.branch, quoted)
}

// quoteRemote renders the remote's messages as git shows them.
func (f pushFailure) quoteRemote() string {
	if len(f.remote) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n")
	for _, l := range f.remote {
		b.WriteString("remote: ")
		b.WriteString(l)
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// remoteReason is the text go-git appended to sentinel (the response body
// of the failed HTTP request), trimmed.
func remoteReason(err, sentinel error) string {
	_, reason, _ := strings.Cut(err.Error(), sentinel.Error())
	reason = strings.TrimSpace(strings.TrimPrefix(reason, ":"))
	if reason == "" {
		return "nothing"
	}
	const max = 500
	if len(reason) > max {
		reason = reason[:max] + "…"
	}
	return reason
}

// Bounds of the remote's messages kept for an error.
const (
	remoteMessageBytes = 64 << 10
	remoteMessageLines = 20
)

// remoteMessages collects what the remote writes on the progress channel
// (hook output, protection-rule messages), up to remoteMessageBytes.
type remoteMessages struct{ buf bytes.Buffer }

func (m *remoteMessages) Write(p []byte) (int, error) {
	if room := remoteMessageBytes - m.buf.Len(); room > 0 {
		m.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// lines returns the last non-empty lines, without the progress meters
// that git redraws with carriage returns.
func (m *remoteMessages) lines() []string {
	var out []string
	for _, l := range strings.Split(m.buf.String(), "\n") {
		if i := strings.LastIndexByte(strings.TrimRight(l, "\r"), '\r'); i >= 0 {
			l = l[i+1:]
		}
		l = strings.TrimSpace(l)
		if l == "" || isProgressLine(l) {
			continue
		}
		out = append(out, l)
	}
	if len(out) > remoteMessageLines {
		out = out[len(out)-remoteMessageLines:]
	}
	return out
}

// isProgressLine recognizes git's own counters ("Resolving deltas: 100%
// (3/3), done."), which say nothing about why a push failed.
func isProgressLine(l string) bool {
	for _, p := range []string{"Resolving deltas:", "Counting objects:", "Compressing objects:", "Writing objects:", "Total "} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}
