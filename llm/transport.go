package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"
)

// Defaults of the retry options shared by every HTTP provider.
const (
	defaultMaxAttempts  = 5
	defaultRetryWaitMin = time.Second
	defaultRetryWaitMax = 60 * time.Second
	defaultIdleTimeout  = 5 * time.Minute
)

// maxResponseBody bounds a successful answer, streamed or not. A model turn
// is at most a few hundred kilobytes of text and tool input; anything far
// larger is a broken server, not a model turn.
const maxResponseBody = 32 << 20

// transportOptions configure a transport. Provider adapters fill them from
// their own options; zero values select the defaults.
type transportOptions struct {
	Provider                   string       // names the provider in errors and log lines: "anthropic"
	HTTPClient                 *http.Client // nil: a pooled client from go-cleanhttp
	MaxAttempts                int          // HTTP attempts per post, counting the first; 0: 5
	RetryWaitMin, RetryWaitMax time.Duration
	Log                        io.Writer // one line per retry; nil discards them
	Clock                      Clock     // nil: real time
	// IdleTimeout bounds the silence inside an answer's body: a stream
	// that sends nothing (not even a ping) for this long is a dead
	// connection, and the attempt is retried as a broken answer. 0: 5m.
	IdleTimeout time.Duration
}

// transport is the retrying POST under every HTTP provider. It is safe for
// concurrent use: each post keeps its own retry state.
//
// # Retry policy
//
// An attempt is retried when it failed with a connection error (but not a
// certificate error), with status 408, 409, 429, 500, 502, 503, 504 or 529,
// or with a 2xx answer that wireFormat.decode found broken. The answer's
// x-should-retry header (true or false) overrides the status table both
// ways. An error that the provider's envelope marks as a spend limit is
// never retried. All retries, of both kinds, share one budget of
// MaxAttempts HTTP attempts.
//
// The wait before a retry is the server's retry-after-ms or Retry-After
// (seconds or an HTTP date) on a 429, 503 or 529; on a 429 without them,
// the reset time of the rate limit that was hit, when the wireFormat reads
// one from the headers (OpenAI's x-ratelimit-reset-*); full-jitter
// exponential backoff between RetryWaitMin and RetryWaitMax otherwise.
// Either way it is at most RetryWaitMax. A retry whose wait would end
// after the context's deadline is not made: the last failure is returned
// at once, saying so.
type transport struct {
	opts transportOptions
}

func newTransport(opts transportOptions) *transport {
	if opts.HTTPClient == nil {
		opts.HTTPClient = cleanhttp.DefaultPooledClient()
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = defaultMaxAttempts
	}
	if opts.RetryWaitMin <= 0 {
		opts.RetryWaitMin = defaultRetryWaitMin
	}
	if opts.RetryWaitMax <= 0 {
		opts.RetryWaitMax = defaultRetryWaitMax
	}
	opts.RetryWaitMax = max(opts.RetryWaitMax, opts.RetryWaitMin)
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if opts.Clock == nil {
		opts.Clock = realClock{}
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = defaultIdleTimeout
	}
	return &transport{opts: opts}
}

// post sends body to url with header on every attempt, retries as the
// transport's policy says, and returns the answer decoded by wire, with
// RequestID and Attempts set. A broken answer is never returned, not even
// in part.
//
// The errors are:
//   - ctx's error, wrapped, when ctx ends first;
//   - *APIError (possibly wrapped with why it was not retried) when the
//     last attempt got an error status or an error inside the answer;
//   - an error wrapping ErrBrokenAnswer when the last answer was broken;
//   - otherwise the last transport error, wrapped, naming the number of
//     attempts.
//
// No error text contains the values of the credential headers in header.
func (t *transport) post(ctx context.Context, url string, header http.Header, body []byte, wire wireFormat) (*Response, error) {
	c := &call{t: t, ctx: ctx, wire: wire, redact: newRedactor(header)}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", t.opts.Provider, err)
	}
	for {
		resp, err := c.send(url, header, body)
		if err != nil {
			return nil, c.sendError(err)
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return nil, c.apiError(resp)
		}
		out, err := c.decode(resp)
		if err == nil {
			if id := requestID(resp.Header); id != "" || out.RequestID == "" {
				out.RequestID = id
			}
			out.Attempts = c.attempts
			return out, nil
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("%s: %w", t.opts.Provider, ctxErr)
		}
		if !c.retryBroken(err) {
			return nil, c.brokenError(resp.Header, err)
		}
		if err := c.pause(); err != nil {
			return nil, fmt.Errorf("%s: %w", t.opts.Provider, err)
		}
	}
}

// send makes HTTP attempts through go-retryablehttp until one gets an
// answer that is not retried, or the budget left is spent.
func (c *call) send(url string, header http.Header, body []byte) (*http.Response, error) {
	req, err := retryablehttp.NewRequestWithContext(c.ctx, http.MethodPost, url, body)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header = header.Clone()
	client := &retryablehttp.Client{
		HTTPClient:   c.t.opts.HTTPClient,
		RetryWaitMin: c.t.opts.RetryWaitMin,
		RetryWaitMax: c.t.opts.RetryWaitMax,
		// checkRetry enforces the budget itself; this is a second fence.
		RetryMax: c.t.opts.MaxAttempts - c.attempts - 1,
		// Logger stays nil: the library's default logger prints request
		// lines to stderr; our own line is written by pause.
		RequestLogHook: func(retryablehttp.Logger, *http.Request, int) { c.attempts++ },
		CheckRetry:     c.checkRetry,
		Backoff:        c.backoff,
		PrepareRetry:   func(*http.Request) error { return c.sleepErr },
		ErrorHandler:   c.errorHandler,
	}
	return client.Do(req)
}

// decode reads a 2xx answer through the provider's decoder, bounded in
// size, and closes the body. Nothing after a stream's final event is read:
// a server that keeps the stream open must not hold the answer back.
func (c *call) decode(resp *http.Response) (*Response, error) {
	defer resp.Body.Close()
	idle := newIdleReader(resp.Body, c.t.opts.IdleTimeout)
	defer idle.stop()
	out, err := c.wire.decode(resp.Header, &limitedReader{r: idle, left: maxResponseBody})
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, errors.New("the decoder returned no answer")
	}
	return out, nil
}

// sendError is the final error when no answer came back.
func (c *call) sendError(err error) error {
	if ctxErr := c.ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%s: %w", c.t.opts.Provider, ctxErr)
	}
	msg := fmt.Sprintf("%s: giving up after %s: %v", c.t.opts.Provider, plural(c.attempts, "attempt"), err)
	if c.note != "" {
		msg += "; " + c.note
	}
	return &redactedError{msg: c.redact.redact(msg), cause: err}
}

// apiError is the final error for an error status.
func (c *call) apiError(resp *http.Response) error {
	body := bufferBody(resp, maxErrorBody)
	perr := c.wire.parseError(resp.Header, body)
	return c.finalAPIError(resp.StatusCode, resp.Header, perr)
}

// brokenError is the final error for a 2xx answer that was not usable.
// It names the id from the headers or, failing that, the one the body gave
// before it broke.
func (c *call) brokenError(header http.Header, err error) error {
	var bodyID string
	if ie, ok := errors.AsType[*answerIDError](err); ok {
		bodyID = ie.ID
	}
	if ae, ok := errors.AsType[*answerError](err); ok {
		perr := ae.Err
		if perr.RequestID == "" {
			perr.RequestID = bodyID
		}
		return c.finalAPIError(ae.Status, header, perr)
	}
	id := requestID(header)
	if id == "" {
		id = bodyID
	}
	msg := fmt.Sprintf("%s: broken answer after %s (request id %s): %v", c.t.opts.Provider, plural(c.attempts, "attempt"), orNone(id), err)
	if c.note != "" {
		msg += "; " + c.note
	}
	return &redactedError{msg: c.redact.redact(msg), cause: fmt.Errorf("%w: %w", ErrBrokenAnswer, err)}
}

func (c *call) finalAPIError(status int, header http.Header, perr providerError) error {
	id := requestID(header)
	if id == "" {
		id = perr.RequestID
	}
	apiErr := &APIError{
		Provider:  c.t.opts.Provider,
		Status:    status,
		Type:      c.redact.redact(perr.Type),
		Message:   c.redact.redact(perr.Message),
		RequestID: c.redact.redact(id),
		Attempts:  c.attempts,
	}
	if c.note != "" {
		return fmt.Errorf("%w; %s", apiErr, c.note)
	}
	return apiErr
}

// requestID is the provider's id of the HTTP request: Anthropic sends
// request-id, OpenAI and most compatible servers x-request-id. OpenRouter
// sends x-generation-id, the id its support asks for, so it wins over an
// x-request-id (from a proxy or an upstream) in the same answer.
func requestID(h http.Header) string {
	for _, name := range []string{"request-id", "x-generation-id", "x-request-id"} {
		if id := strings.TrimSpace(h.Get(name)); id != "" {
			return id
		}
	}
	return ""
}

// limitedReader reads at most left bytes and fails with errAnswerTooLarge
// when the body holds more, so an oversized answer is an error rather than
// a silently truncated one.
type limitedReader struct {
	r    io.Reader
	left int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		var probe [1]byte
		n, err := l.r.Read(probe[:])
		if n > 0 {
			return 0, errAnswerTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// idleReader closes the body when no Read has returned for d, so a
// connection that went silent (a half-open TCP connection, a stalled proxy)
// fails the attempt instead of hanging the run until its timeout. Real time,
// not the injectable clock: it guards against the network, not the backoff.
type idleReader struct {
	r     io.ReadCloser
	d     time.Duration
	timer *time.Timer
	fired atomic.Bool
}

func newIdleReader(r io.ReadCloser, d time.Duration) *idleReader {
	ir := &idleReader{r: r, d: d}
	ir.timer = time.AfterFunc(d, func() {
		ir.fired.Store(true)
		r.Close()
	})
	return ir
}

func (ir *idleReader) Read(p []byte) (int, error) {
	n, err := ir.r.Read(p)
	if ir.fired.Load() {
		return n, fmt.Errorf("%w: no data for %s", errIdle, ir.d)
	}
	ir.timer.Reset(ir.d)
	return n, err
}

func (ir *idleReader) stop() { ir.timer.Stop() }

// errIdle marks an answer abandoned because its connection went silent.
var errIdle = errors.New("the connection went silent")

func orNone(id string) string {
	if id == "" {
		return "none"
	}
	return id
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
