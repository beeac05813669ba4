package gitsafety

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v66/github"
)

// rateLimitWait reports whether err is a rate-limit answer and how long to
// wait before the next attempt. go-github types the 403 answers it
// recognizes (*RateLimitError, *AbuseRateLimitError); a 429, or a 403 whose
// documentation link it does not know, carries the same headers and is read
// from them.
func rateLimitWait(err error, now time.Time) (time.Duration, bool) {
	var abuse *github.AbuseRateLimitError
	if errors.As(err, &abuse) {
		if abuse.RetryAfter != nil {
			return max(*abuse.RetryAfter, time.Second), true
		}
		return secondaryLimitWait, true
	}
	var primary *github.RateLimitError
	if errors.As(err, &primary) {
		return max(primary.Rate.Reset.Sub(now), time.Second), true
	}
	var er *github.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil {
		return 0, false
	}
	code := er.Response.StatusCode
	if code != http.StatusForbidden && code != http.StatusTooManyRequests {
		return 0, false
	}
	h := er.Response.Header
	if v := h.Get("Retry-After"); v != "" {
		if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && secs >= 0 {
			return max(time.Duration(secs)*time.Second, time.Second), true
		}
	}
	if h.Get("X-RateLimit-Remaining") == "0" {
		if reset, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			return max(time.Unix(reset, 0).Sub(now), time.Second), true
		}
	}
	if code == http.StatusTooManyRequests {
		return secondaryLimitWait, true
	}
	return 0, false
}

// alreadyExists recognizes GitHub's 422 answer to a second pull request
// for the same head and base.
func alreadyExists(err error) bool {
	var er *github.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil || er.Response.StatusCode != http.StatusUnprocessableEntity {
		return false
	}
	for _, e := range er.Errors {
		if strings.Contains(strings.ToLower(e.Message), "already exists") {
			return true
		}
	}
	return strings.Contains(strings.ToLower(er.Message), "already exists")
}

// outcomeUnknown reports whether a request may have taken effect without
// its answer arriving: the connection failed, or the server failed.
func outcomeUnknown(err error) bool {
	var ue *url.Error
	if errors.As(err, &ue) {
		return true
	}
	var er *github.ErrorResponse
	return errors.As(err, &er) && er.Response != nil && er.Response.StatusCode >= http.StatusInternalServerError
}

// explainGitHubError adds what a CI user must change to an API error.
func explainGitHubError(err error) error {
	var er *github.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil {
		return err
	}
	msg := strings.ToLower(er.Message)
	switch code := er.Response.StatusCode; {
	case code == http.StatusUnauthorized:
		return fmt.Errorf("GitHub did not accept the token (expired, revoked, or for another host); set GITHUB_TOKEN (or the variable pr.token_env names) to a valid token: %w", err)
	case code == http.StatusForbidden && strings.Contains(msg, "not permitted to create or approve pull requests"):
		return fmt.Errorf("the repository does not let GitHub Actions open pull requests; enable Settings → Actions → General → \"Allow GitHub Actions to create and approve pull requests\", or use another token: %w", err)
	case code == http.StatusForbidden:
		return fmt.Errorf("the token may not open or edit pull requests here: it lacks the `pull-requests: write` permission (in a workflow: `permissions: pull-requests: write`; for a fine-grained token: Pull requests: Read and write): %w", err)
	case code == http.StatusNotFound:
		return fmt.Errorf("the repository or pull request was not found; check GITHUB_REPOSITORY or the remote URL, GITHUB_API_URL, and that the token can see the repository: %w", err)
	case code == http.StatusUnprocessableEntity:
		return fmt.Errorf("GitHub refused the request (for a new pull request: is the branch pushed, does it differ from the base, do the reviewers exist and have access?): %w", err)
	}
	return err
}
