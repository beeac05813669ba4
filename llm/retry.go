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

	"github.com/hashicorp/go-retryablehttp"
)

// maxErrorBody bounds how much of an error answer is kept: the envelope is
// small, and a misbehaving proxy must not make us buffer megabytes.
const maxErrorBody = 64 << 10

// retryCall is the retry state of one Complete call. A fresh one per call
// keeps concurrent calls from sharing counters.
type retryCall struct {
	opts     *AnthropicOptions // normalized: no zero values left
	attempts int               // HTTP attempts started so far
	reason   string            // why the last attempt is retried, for the log line
}

// client returns a retryablehttp client whose hooks report to c. Its Logger
// stays nil: the library's default logger prints request lines to stderr,
// and our own log line is written by backoff.
func (c *retryCall) client(httpClient *http.Client) *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient:   httpClient,
		RetryWaitMin: c.opts.RetryWaitMin,
		RetryWaitMax: c.opts.RetryWaitMax,
		RetryMax:     c.opts.MaxAttempts - 1,
		RequestLogHook: func(retryablehttp.Logger, *http.Request, int) {
			c.attempts++
		},
		CheckRetry:   c.checkRetry,
		Backoff:      c.backoff,
		ErrorHandler: c.errorHandler,
	}
}

// checkRetry decides whether an attempt is retried. err is a transport
// error, or the error of reading a 2xx body (a connection cut mid-answer).
func (c *retryCall) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	if err != nil {
		if !retryableTransportError(err) {
			return false, err
		}
		c.reason = "connection error: " + err.Error()
		return true, nil
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return false, nil
	}
	retry := retryableStatus(resp.StatusCode)
	// The API says better than a status table whether an answer is
	// transient, so its header overrides the table both ways.
	switch strings.ToLower(resp.Header.Get("x-should-retry")) {
	case "true":
		retry = true
	case "false":
		retry = false
	}
	if !retry {
		return false, nil
	}
	body := bufferBody(resp, maxErrorBody)
	errType, _, _ := parseAnthropicError(resp.Header.Get("content-type"), body)
	c.reason = fmt.Sprintf("HTTP %d", resp.StatusCode)
	if errType != "" {
		c.reason += " " + errType
	}
	return true, nil
}

// backoff chooses the wait before the next attempt and logs the retry.
// retry is the 0-based index of the attempt that just failed.
func (c *retryCall) backoff(minWait, maxWait time.Duration, retry int, resp *http.Response) time.Duration {
	wait, ok := serverWait(resp, maxWait, time.Now())
	if !ok {
		wait = jitterBackoff(minWait, maxWait, retry)
	}
	fmt.Fprintf(c.opts.Log, "anthropic: %s, retrying in %s (attempt %d of %d)\n",
		c.reason, formatWait(wait), c.attempts+1, c.opts.MaxAttempts)
	return wait
}

// errorHandler runs when retries end without a usable answer. It hands back
// the last error response with its body buffered (and the connection's body
// closed) so Complete can parse the envelope; on a transport error it
// returns the error.
func (c *retryCall) errorHandler(resp *http.Response, err error, _ int) (*http.Response, error) {
	if resp == nil {
		return nil, err
	}
	if err != nil {
		resp.Body.Close()
		return nil, err
	}
	bufferBody(resp, maxErrorBody)
	return resp, nil
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
// capped at maxWait. Other statuses carry no trustworthy hint.
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
	if v := resp.Header.Get("retry-after-ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 && !math.IsInf(ms, 0) {
			return capped(ms * float64(time.Millisecond)), true
		}
	}
	if v := resp.Header.Get("retry-after"); v != "" {
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
// Jitter keeps many runners that failed together from retrying together.
func jitterBackoff(minWait, maxWait time.Duration, retry int) time.Duration {
	ceiling := minWait
	for range retry + 1 {
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
// again by whoever comes next (the retry loop's drain, or Complete). It is
// idempotent and returns the bytes.
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
