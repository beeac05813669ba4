package gitsafety

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v66/github"
)

// defaultAPIURL is GitHub.com's REST API.
const defaultAPIURL = "https://api.github.com/"

// PROptions says which pull request OpenOrUpdatePR opens or updates.
type PROptions struct {
	APIURL      string // GITHUB_API_URL; "" → https://api.github.com/ (a path prefix such as https://ghe.example.com/api/v3/ is kept)
	Token       string // sent as "Authorization: Bearer"; "" → none
	Owner, Repo string
	Head        string // branch name
	Base        string // "" → the repository's default branch (GET /repos/{o}/{r})
	Title, Body string
	Draft       bool // for a new pull request; GitHub's REST API cannot change it later
	Labels      []string
	Reviewers   []string     // user logins; "org/team" requests a team
	HTTPClient  *http.Client // nil → a default client
	// Clock waits out rate limits; nil → real time (tests inject).
	Clock interface {
		Sleep(ctx context.Context, d time.Duration) error
	}
}

// PRResult is the pull request OpenOrUpdatePR left open.
type PRResult struct {
	Number  int
	URL     string // html_url
	State   string // "open"
	Created bool   // false when an existing PR was updated
}

// Bounds of retrying the GitHub API.
const (
	// githubAttempts bounds every call, and the list-then-create round.
	githubAttempts = 3
	// maxRateLimitWait is the longest rate-limit wait honoured; a longer
	// one fails at once, as a run should not sit idle for an hour.
	maxRateLimitWait = 60 * time.Second
	// secondaryLimitWait is GitHub's advice for a secondary rate limit
	// answered without a retry-after: wait at least a minute.
	secondaryLimitWait = 60 * time.Second
	// defaultHTTPTimeout bounds one API request of the default client.
	defaultHTTPTimeout = 60 * time.Second
)

// OpenOrUpdatePR makes sure an open pull request proposes Head for Base
// with the given title, body, labels and reviewers, and returns it.
//
// It is idempotent: an open pull request for Head and Base is updated
// rather than a second one created. The list comes first, every time: a
// create answered "A pull request already exists", or whose answer was
// lost, is followed by a new list and an update, never by a second create
// that could make two. Rate limits (403 or 429 with retry-after, or with
// x-ratelimit-remaining: 0) are waited out through Clock, up to a minute
// and never past ctx's deadline, and the call retried, three attempts in
// all. When labels or reviewers cannot be added after the pull request was
// opened, the result describes it and the error says what failed.
func OpenOrUpdatePR(ctx context.Context, opts PROptions) (PRResult, error) {
	if opts.Owner == "" || opts.Repo == "" || opts.Head == "" {
		return PRResult{}, errors.New("open pull request: owner, repository and head branch are required")
	}
	api, err := newGitHubAPI(opts)
	if err != nil {
		return PRResult{}, err
	}
	base := opts.Base
	if base == "" {
		var repo *github.Repository
		err := api.call(ctx, "read repository "+api.slug(), func(c *github.Client) (*github.Response, error) {
			var resp *github.Response
			var err error
			repo, resp, err = c.Repositories.Get(ctx, opts.Owner, opts.Repo)
			return resp, err
		})
		if err != nil {
			return PRResult{}, err
		}
		base = repo.GetDefaultBranch()
		if base == "" {
			return PRResult{}, fmt.Errorf("open pull request on %s: the repository has no default branch; set pr.base", api.slug())
		}
	}

	for round := 1; ; round++ {
		pr, err := api.findOpen(ctx, base)
		if err != nil {
			return PRResult{}, err
		}
		if pr != nil {
			return api.update(ctx, pr)
		}
		pr, retry, err := api.create(ctx, base)
		if err == nil {
			return api.decorate(ctx, pr, true)
		}
		if !retry || round >= githubAttempts {
			return PRResult{}, err
		}
	}
}

// githubAPI calls GitHub for one OpenOrUpdatePR.
type githubAPI struct {
	opts    PROptions
	baseURL *url.URL
	hc      *http.Client
	clock   interface {
		Sleep(ctx context.Context, d time.Duration) error
	}
}

func newGitHubAPI(opts PROptions) (*githubAPI, error) {
	raw := opts.APIURL
	if raw == "" {
		raw = defaultAPIURL
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("GitHub API URL %q is not an http(s) URL; set GITHUB_API_URL to the REST API's base, such as https://api.github.com/ or https://ghe.example.com/api/v3/", stripCredentials(raw))
	}
	if !strings.HasSuffix(u.Path, "/") {
		// go-github resolves relative paths against BaseURL: without the
		// slash, the last segment of an Enterprise prefix would be lost.
		u.Path += "/"
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: defaultHTTPTimeout}
	}
	var clock interface {
		Sleep(ctx context.Context, d time.Duration) error
	} = realClock{}
	if opts.Clock != nil {
		clock = opts.Clock
	}
	return &githubAPI{opts: opts, baseURL: u, hc: hc, clock: clock}, nil
}

// client makes a client for one attempt. go-github remembers a rate limit's
// reset in real time and refuses further requests on its own until then;
// the wait is Clock's to make, so each attempt starts from a fresh client.
func (a *githubAPI) client() *github.Client {
	c := github.NewClient(a.hc)
	if a.opts.Token != "" {
		c = c.WithAuthToken(a.opts.Token)
	}
	base := *a.baseURL
	c.BaseURL = &base
	return c
}

func (a *githubAPI) slug() string { return a.opts.Owner + "/" + a.opts.Repo }

// call runs fn, waiting out rate limits and retrying, githubAttempts in
// all. Other errors are returned explained, at once.
func (a *githubAPI) call(ctx context.Context, what string, fn func(*github.Client) (*github.Response, error)) error {
	for attempt := 1; ; attempt++ {
		_, err := fn(a.client())
		if err == nil {
			return nil
		}
		if waitErr := a.waitRateLimit(ctx, err, attempt); waitErr != nil {
			return fmt.Errorf("%s: %w", what, waitErr)
		}
	}
}

// waitRateLimit returns nil after waiting out err's rate limit when another
// attempt may follow, and otherwise the error to return.
func (a *githubAPI) waitRateLimit(ctx context.Context, err error, attempt int) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	wait, limited := rateLimitWait(err, time.Now())
	if !limited {
		return explainGitHubError(err)
	}
	if attempt >= githubAttempts {
		return fmt.Errorf("GitHub's rate limit still applies after %d attempts; run again later: %w", attempt, err)
	}
	if wait > maxRateLimitWait {
		return fmt.Errorf("GitHub's rate limit applies for %s more, longer than safe-coder waits (%s); run again later: %w", wait.Round(time.Second), maxRateLimitWait, err)
	}
	if dl, ok := ctx.Deadline(); ok && time.Now().Add(wait).After(dl) {
		return fmt.Errorf("GitHub's rate limit applies for %s more, past the run's deadline: %w", wait.Round(time.Second), err)
	}
	if err := a.clock.Sleep(ctx, wait); err != nil {
		return fmt.Errorf("wait for GitHub's rate limit: %w", err)
	}
	return nil
}

// findOpen returns the open pull request of Head into base, or nil.
func (a *githubAPI) findOpen(ctx context.Context, base string) (*github.PullRequest, error) {
	var prs []*github.PullRequest
	err := a.call(ctx, "list pull requests of "+a.slug(), func(c *github.Client) (*github.Response, error) {
		var resp *github.Response
		var err error
		prs, resp, err = c.PullRequests.List(ctx, a.opts.Owner, a.opts.Repo, &github.PullRequestListOptions{
			State: "open",
			Head:  a.opts.Owner + ":" + a.opts.Head,
			Base:  base,
		})
		return resp, err
	})
	if err != nil {
		return nil, err
	}
	for _, pr := range prs {
		// The filters are the server's; checking again costs nothing
		// and keeps a lax server from having another PR edited.
		if pr.GetState() == "open" && pr.GetHead().GetRef() == a.opts.Head && pr.GetBase().GetRef() == base {
			return pr, nil
		}
	}
	return nil, nil
}

// create opens the pull request once. retry reports whether the outcome
// is unknown or a pull request may exist now (already exists, a lost
// answer, a server error, a rate limit waited out), so the caller lists
// again rather than creating again.
func (a *githubAPI) create(ctx context.Context, base string) (*github.PullRequest, bool, error) {
	pr, _, err := a.client().PullRequests.Create(ctx, a.opts.Owner, a.opts.Repo, &github.NewPullRequest{
		Title: github.String(a.opts.Title),
		Head:  github.String(a.opts.Head),
		Base:  github.String(base),
		Body:  github.String(a.opts.Body),
		Draft: github.Bool(a.opts.Draft),
	})
	if err == nil {
		return pr, false, nil
	}
	what := fmt.Sprintf("create pull request %s → %s on %s", a.opts.Head, base, a.slug())
	if ctx.Err() != nil {
		return nil, false, fmt.Errorf("%s: %w", what, ctx.Err())
	}
	if alreadyExists(err) {
		return nil, true, fmt.Errorf("%s: GitHub says one exists, yet it is not listed: %w", what, err)
	}
	if _, limited := rateLimitWait(err, time.Now()); limited {
		// The create counts as the attempt; the list that follows starts
		// its own.
		if waitErr := a.waitRateLimit(ctx, err, 1); waitErr != nil {
			return nil, false, fmt.Errorf("%s: %w", what, waitErr)
		}
		return nil, true, fmt.Errorf("%s: %w", what, err)
	}
	if outcomeUnknown(err) {
		return nil, true, fmt.Errorf("%s: %w", what, err)
	}
	return nil, false, fmt.Errorf("%s: %w", what, explainGitHubError(err))
}

// update brings an existing pull request up to date. The draft flag is
// left as it is: the REST API cannot change it.
func (a *githubAPI) update(ctx context.Context, pr *github.PullRequest) (PRResult, error) {
	var edited *github.PullRequest
	err := a.call(ctx, fmt.Sprintf("update pull request #%d of %s", pr.GetNumber(), a.slug()), func(c *github.Client) (*github.Response, error) {
		var resp *github.Response
		var err error
		edited, resp, err = c.PullRequests.Edit(ctx, a.opts.Owner, a.opts.Repo, pr.GetNumber(), &github.PullRequest{
			Title: github.String(a.opts.Title),
			Body:  github.String(a.opts.Body),
		})
		return resp, err
	})
	if err != nil {
		return PRResult{}, err
	}
	return a.decorate(ctx, edited, false)
}

// decorate adds the labels and requests the reviewers.
func (a *githubAPI) decorate(ctx context.Context, pr *github.PullRequest, created bool) (PRResult, error) {
	res := PRResult{Number: pr.GetNumber(), URL: pr.GetHTMLURL(), State: pr.GetState(), Created: created}
	n := pr.GetNumber()
	if len(a.opts.Labels) > 0 {
		err := a.call(ctx, fmt.Sprintf("add labels to pull request #%d of %s", n, a.slug()), func(c *github.Client) (*github.Response, error) {
			_, resp, err := c.Issues.AddLabelsToIssue(ctx, a.opts.Owner, a.opts.Repo, n, a.opts.Labels)
			return resp, err
		})
		if err != nil {
			return res, err
		}
	}
	if len(a.opts.Reviewers) > 0 {
		req := reviewersRequest(a.opts.Reviewers)
		err := a.call(ctx, fmt.Sprintf("request reviewers for pull request #%d of %s", n, a.slug()), func(c *github.Client) (*github.Response, error) {
			_, resp, err := c.PullRequests.RequestReviewers(ctx, a.opts.Owner, a.opts.Repo, n, req)
			return resp, err
		})
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// reviewersRequest splits "org/team" names, which GitHub takes by slug,
// from user logins.
func reviewersRequest(names []string) github.ReviewersRequest {
	var req github.ReviewersRequest
	for _, n := range names {
		if _, team, ok := strings.Cut(n, "/"); ok {
			req.TeamReviewers = append(req.TeamReviewers, team)
		} else {
			req.Reviewers = append(req.Reviewers, n)
		}
	}
	return req
}

// realClock waits in real time.
type realClock struct{}

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
