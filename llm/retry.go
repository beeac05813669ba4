package llm

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxErrorBody bounds how much of an error answer is kept: the envelope is
// small, and a misbehaving proxy must not make us buffer megabytes.
const maxErrorBody = 64 << 10

// call is the retry state of one post. A fresh one per post keeps
// concurrent posts from sharing counters. Its methods are the hooks given
// to go-retryablehttp (checkRetry, backoff, errorHandler) and the pieces
// of the outer loop that retries broken answers.
type call struct {
	t      *transport
	ctx    context.Context
	wire   wireFormat
	redact redactor

	attempts int // HTTP attempts started so far, across both loops

	// Set by plan for the next pause.
	reason string
	wait   time.Duration
	// sleepErr is set when a wait ended early because ctx ended; the
	// PrepareRetry hook hands it to go-retryablehttp to stop its loop.
	sleepErr error
	// note says why a retryable failure was not retried; it ends the
	// final error.
	note string
}

// checkRetry decides whether an attempt is retried; err is a transport
// error. A "no" for a retryable failure (budget spent, deadline too close)
// is (false, nil), so the last answer or error comes back to post.
func (c *call) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	if err != nil {
		if !retryableTransportError(err) {
			return false, nil
		}
		return c.plan("connection error: "+err.Error(), c.jitter()), nil
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return false, nil
	}
	retry := retryableStatus(resp.StatusCode)
	// The server knows better than a status table whether an answer is
	// transient, so its header overrides the table both ways.
	switch strings.ToLower(strings.TrimSpace(resp.Header.Get("x-should-retry"))) {
	case "true":
		retry = true
	case "false":
		retry = false
	}
	if !retry {
		return false, nil
	}
	perr := c.wire.parseError(resp.Header, bufferBody(resp, maxErrorBody))
	if perr.SpendLimit {
		return false, nil
	}
	reason := fmt.Sprintf("HTTP %d", resp.StatusCode)
	if perr.Type != "" {
		reason += " " + perr.Type
	}
	wait, ok := serverWait(resp, c.t.opts.RetryWaitMax, c.t.opts.Clock.Now())
	if !ok && resp.StatusCode == http.StatusTooManyRequests {
		// Without Retry-After, the time until the limit resets is the
		// next best hint (OpenAI's x-ratelimit-reset-*).
		if wait, ok = c.wire.rateLimitWait(resp.Header); ok {
			wait = min(wait, c.t.opts.RetryWaitMax)
		}
	}
	if !ok {
		wait = c.jitter()
	}
	return c.plan(reason, wait), nil
}

// retryBroken decides whether a broken 2xx answer is retried.
func (c *call) retryBroken(err error) bool {
	if ae, ok := errors.AsType[*answerError](err); ok {
		if !retryableStatus(ae.Status) || ae.Err.SpendLimit {
			return false
		}
		return c.plan(fmt.Sprintf("%s in the answer", orNone(ae.Err.Type)), c.jitter())
	}
	if errors.Is(err, errAnswerTooLarge) {
		return false
	}
	return c.plan("broken answer: "+err.Error(), c.jitter())
}

// plan schedules a retry after wait, unless the budget is spent or the wait
// would outlast ctx's deadline; then it says no (and why, in c.note).
func (c *call) plan(reason string, wait time.Duration) bool {
	if c.attempts >= c.t.opts.MaxAttempts {
		return false
	}
	if deadline, ok := c.ctx.Deadline(); ok {
		now := c.t.opts.Clock.Now()
		if now.Add(wait).After(deadline) {
			c.note = fmt.Sprintf("not retried: the task's time runs out in %s, before the %s wait would end",
				formatWait(max(deadline.Sub(now), 0)), formatWait(wait))
			return false
		}
	}
	c.reason, c.wait = reason, wait
	return true
}

// pause logs the planned retry and waits for it through the clock.
func (c *call) pause() error {
	line := fmt.Sprintf("%s: %s, retrying in %s (attempt %d of %d)\n",
		c.t.opts.Provider, c.reason, formatWait(c.wait), c.attempts+1, c.t.opts.MaxAttempts)
	// One Write per line, so concurrent calls do not interleave mid-line.
	_, _ = io.WriteString(c.t.opts.Log, c.redact.redact(line))
	return c.t.opts.Clock.Sleep(c.ctx, c.wait)
}

// backoff is go-retryablehttp's Backoff hook. The wait was chosen by
// checkRetry; backoff does it through the clock and returns 0, so the
// library adds no wait of its own and tests need not sleep.
func (c *call) backoff(_, _ time.Duration, _ int, _ *http.Response) time.Duration {
	c.sleepErr = c.pause()
	return 0
}

// errorHandler runs when go-retryablehttp ends without a usable answer: a
// transport error, ctx ending, or (as a fence only) a retried status when
// the library's own attempt limit is reached first.
func (c *call) errorHandler(resp *http.Response, err error, _ int) (*http.Response, error) {
	if err == nil && resp != nil {
		bufferBody(resp, maxErrorBody)
		return resp, nil
	}
	if resp != nil {
		resp.Body.Close()
	}
	return nil, err
}

// jitter is the backoff wait before the retry of the attempt just made.
func (c *call) jitter() time.Duration {
	return jitterBackoff(c.t.opts.RetryWaitMin, c.t.opts.RetryWaitMax, c.attempts-1)
}

// retryableStatus reports whether an HTTP status is transient: timeouts,
// conflicts, rate limits, server errors and Anthropic's 529 overloaded.
func retryableStatus(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusConflict, http.StatusTooManyRequests,
		http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable,
		http.StatusGatewayTimeout, 529:
		return true
	}
	return false
}

// retryableTransportError reports whether a transport error may go away on
// a new attempt. Certificate failures will not, and retrying them would only
// delay a message the operator has to act on.
func retryableTransportError(err error) bool {
	var (
		verifyErr    *tls.CertificateVerificationError
		authorityErr x509.UnknownAuthorityError
		hostErr      x509.HostnameError
		invalidErr   x509.CertificateInvalidError
	)
	return !errors.As(err, &verifyErr) && !errors.As(err, &authorityErr) &&
		!errors.As(err, &hostErr) && !errors.As(err, &invalidErr)
}

// serverWait returns the wait the server asked for on a 429, 503 or 529,
// capped at maxWait. Other statuses carry no trustworthy hint. A hint that
// does not parse is ignored (ok is false).
func serverWait(resp *http.Response, maxWait time.Duration, now time.Time) (time.Duration, bool) {
	if resp == nil {
		return 0, false
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable, 529:
	default:
		return 0, false
	}
	capped := func(d float64) time.Duration {
		if d >= float64(maxWait) {
			return maxWait
		}
		return time.Duration(d)
	}
	if v := strings.TrimSpace(resp.Header.Get("retry-after-ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 && !math.IsInf(ms, 0) {
			return capped(ms * float64(time.Millisecond)), true
		}
	}
	if v := strings.TrimSpace(resp.Header.Get("retry-after")); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 && !math.IsInf(s, 0) {
			return capped(s * float64(time.Second)), true
		}
		if t, err := http.ParseTime(v); err == nil {
			return capped(max(float64(t.Sub(now)), 0)), true
		}
	}
	return 0, false
}

// jitterBackoff is full-jitter exponential backoff: a uniform wait between
// minWait and a ceiling that doubles with every retry, up to maxWait.
// retry is the 0-based index of the retry. Jitter keeps many runners that
// failed together from retrying together.
func jitterBackoff(minWait, maxWait time.Duration, retry int) time.Duration {
	ceiling := minWait
	for range max(retry, 0) + 1 {
		if ceiling > maxWait/2 {
			ceiling = maxWait
			break
		}
		ceiling *= 2
	}
	ceiling = min(ceiling, maxWait)
	if ceiling <= minWait {
		return minWait
	}
	return minWait + rand.N(ceiling-minWait+1)
}

// formatWait prints waits the way people read them: "1.2s", "250ms".
func formatWait(d time.Duration) string {
	if d >= time.Second {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Millisecond).String()
}

// bufferedBody is a response body already read into memory.
type bufferedBody struct {
	*bytes.Reader
	data []byte
}

func newBufferedBody(data []byte) bufferedBody {
	return bufferedBody{Reader: bytes.NewReader(data), data: data}
}

func (bufferedBody) Close() error { return nil }

// bufferBody reads up to limit bytes of resp's body, closes the connection's
// body and puts the bytes back as resp.Body, so that the body can be read
// again by whoever comes next (the retry loop's drain, or the final error).
// It is idempotent and returns the bytes.
func bufferBody(resp *http.Response, limit int64) []byte {
	if b, ok := resp.Body.(bufferedBody); ok {
		return b.data
	}
	// A read error leaves a truncated body, which is still the best
	// evidence of what the server said.
	data, _ := io.ReadAll(io.LimitReader(resp.Body, limit))
	resp.Body.Close()
	resp.Body = newBufferedBody(data)
	return data
}
