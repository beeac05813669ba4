package gitsafety

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/safe-coder/safe-coder/gitsafety/githubtest"
)

// fakeToken is the token the fake GitHub API accepts.
const fakeToken = "ghs_fake_0123456789abcdefghijklmnopq"

// fakeGitHub starts githubtest's fake API under /api/v3/ for octo/demo,
// requiring fakeToken, and returns PROptions aimed at it, with a clock that
// records waits instead of sleeping.
func fakeGitHub(t *testing.T, opts githubtest.Options) (*githubtest.Server, PROptions, *fakeClock) {
	t.Helper()
	opts.Owner, opts.Repo, opts.Token = "octo", "demo", fakeToken
	srv := githubtest.New(t, opts)
	clock := &fakeClock{}
	return srv, PROptions{
		APIURL:     srv.URL(),
		Token:      fakeToken,
		Owner:      "octo",
		Repo:       "demo",
		Head:       runBranch,
		Title:      "safe-coder: fix vet",
		Body:       "## Report\n\nall green\n",
		HTTPClient: srv.Client(),
		Clock:      clock,
	}, clock
}

// fakeClock records the waits asked of it and returns at once.
type fakeClock struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	return ctx.Err()
}

func (c *fakeClock) slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}
