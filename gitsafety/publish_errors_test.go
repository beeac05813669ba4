package gitsafety

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/transport"
)

func TestExplainPushError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		err      error
		remote   []string
		hasToken bool
		wantIs   []error
		want     []string
	}{
		{
			name:   "GitHub refuses workflow files",
			err:    errors.New("command error on refs/heads/b: refusing to allow a GitHub App to create or update workflow `.github/workflows/ci.yml` without `workflows` permission"),
			wantIs: []error{ErrPushRejected, ErrWorkflowPermission},
			want:   []string{"token lacks the `workflows` permission", ".github/workflows/ci.yml"},
		},
		{
			name:   "the server finds the update is not a fast-forward",
			err:    errors.New("command error on refs/heads/b: non-fast-forward"),
			wantIs: []error{ErrPushRejected},
			want:   []string{"never force-pushes"},
		},
		{
			name:   "protected branch hook with the remote's message",
			err:    errors.New("command error on refs/heads/b: protected branch hook declined"),
			remote: []string{"error: GH006: Protected branch update failed for refs/heads/b."},
			wantIs: []error{ErrPushRejected},
			want:   []string{"branch protection rule", "remote: error: GH006"},
		},
		{
			name:   "another refusal is quoted",
			err:    errors.New("command error on refs/heads/b: funny refname"),
			wantIs: []error{ErrPushRejected},
			want:   []string{"(funny refname)"},
		},
		{
			name:   "repository not found",
			err:    fmt.Errorf("%w: ", transport.ErrRepositoryNotFound),
			wantIs: []error{ErrPushAuth},
			want:   []string{"not found", "can see the repository"},
		},
		{
			name:   "an error before the exchange keeps its cause",
			err:    context.DeadlineExceeded,
			wantIs: []error{context.DeadlineExceeded},
			want:   []string{"push b to https://example.com/r.git"},
		},
	}
	for _, tt := range tests {
		err := explainPushError(tt.err, pushFailure{branch: "b", url: "https://example.com/r.git", hasToken: tt.hasToken, remote: tt.remote})
		for _, is := range tt.wantIs {
			if !errors.Is(err, is) {
				t.Errorf("%s: %v is not %v", tt.name, err, is)
			}
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not contain %q", tt.name, err, w)
			}
		}
	}
}

func TestRedactor(t *testing.T) {
	t.Parallel()
	const token = "ghs_0123456789abcdefghijklmnopqrstuv"
	tests := []struct {
		name, url string
		err       error
		wantIs    []error
		same      bool
	}{
		{name: "token in the message", err: fmt.Errorf("push: %w: bad %s", ErrPushAuth, token), wantIs: []error{ErrPushAuth}},
		{name: "password of the URL", url: "https://u:hunter2hunter2@example.com/r.git", err: errors.New("dial https://u:hunter2hunter2@example.com failed")},
		{name: "token as URL user", url: "https://" + token + "@example.com/r.git", err: fmt.Errorf("%w: %s", context.Canceled, token), wantIs: []error{context.Canceled}},
		{name: "nothing secret keeps the error", err: fmt.Errorf("push: %w", ErrPushRejected), same: true, wantIs: []error{ErrPushRejected}},
		{name: "a short user name is no secret", url: "https://git@example.com/r.git", err: errors.New("git said no"), same: true},
	}
	for _, tt := range tests {
		got := newRedactor(token, tt.url).error(tt.err)
		if tt.same != (got == tt.err) {
			t.Errorf("%s: redacted = %v (same error: %v), want same %v", tt.name, got, got == tt.err, tt.same)
		}
		for _, secret := range []string{token, "hunter2hunter2"} {
			if strings.Contains(got.Error(), secret) {
				t.Errorf("%s: %q still shows a secret", tt.name, got)
			}
		}
		for _, is := range tt.wantIs {
			if !errors.Is(got, is) {
				t.Errorf("%s: %v is not %v", tt.name, got, is)
			}
		}
	}
}

func TestRemoteMessages(t *testing.T) {
	t.Parallel()
	var m remoteMessages
	for _, chunk := range []string{
		"Resolving deltas:  50% (1/2)\rResolving deltas: 100% (2/2), done.\n",
		"error: GH006: Protected ",
		"branch update failed.\n\n",
		"hint: ask an admin\r\n",
	} {
		if _, err := m.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"error: GH006: Protected branch update failed.", "hint: ask an admin"}
	if got := m.lines(); !slices.Equal(got, want) {
		t.Errorf("lines = %q, want %q", got, want)
	}

	var big remoteMessages
	for i := range 100 {
		fmt.Fprintf(&big, "line %d\n", i)
	}
	got := big.lines()
	if len(got) != remoteMessageLines || got[len(got)-1] != "line 99" {
		t.Errorf("lines of a long message = %q, want the last %d", got, remoteMessageLines)
	}
}
