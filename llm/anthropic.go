package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"
)

// Defaults of AnthropicOptions.
const (
	defaultAnthropicBaseURL = "https://api.anthropic.com"
	defaultMaxAttempts      = 5
	defaultRetryWaitMin     = time.Second
	defaultRetryWaitMax     = 30 * time.Second
	defaultUserAgent        = "safe-coder"
)

// maxResponseBody bounds a successful answer. A Messages response is at most
// a few hundred kilobytes of text and tool input; anything far larger is a
// broken server, not a model turn.
const maxResponseBody = 32 << 20

// AnthropicOptions configures an Anthropic client. The zero value of every
// field selects a default.
type AnthropicOptions struct {
	// BaseURL is the API root as the official SDKs take it; requests go to
	// BaseURL + "/v1/messages". A path prefix (a proxy mount) is kept and a
	// trailing slash is tolerated. "" means https://api.anthropic.com.
	BaseURL string
	// APIKey is sent in the x-api-key header. It never appears in logs or
	// errors, even when a proxy echoes it back in an error page.
	APIKey string
	// HTTPClient sends the requests; nil means a pooled client from
	// go-cleanhttp. Retries are layered on top of it.
	HTTPClient *http.Client
	// MaxAttempts is the number of HTTP attempts per Complete call,
	// counting the first; 0 means 5.
	MaxAttempts int
	// RetryWaitMin and RetryWaitMax bound the wait between attempts; 0
	// means 1s and 30s. A server's retry-after hint is capped at
	// RetryWaitMax.
	RetryWaitMin, RetryWaitMax time.Duration
	// Log receives one line per retry; nil discards them. Concurrent
	// Complete calls write to it concurrently, one Write per line.
	Log io.Writer
	// UserAgent is sent as the User-Agent header; "" means "safe-coder".
	UserAgent string
}

// Anthropic is a Client for the Anthropic Messages API (non-streaming). It
// is safe for concurrent use.
type Anthropic struct {
	opts        AnthropicOptions
	endpoint    string
	endpointErr error
	httpClient  *http.Client
}

var _ Client = (*Anthropic)(nil)

// NewAnthropic returns a client configured by opts. A malformed BaseURL is
// reported by the first Complete call, so that a constructor used while
// wiring dependencies cannot fail.
func NewAnthropic(opts AnthropicOptions) *Anthropic {
	if opts.BaseURL == "" {
		opts.BaseURL = defaultAnthropicBaseURL
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
	if opts.UserAgent == "" {
		opts.UserAgent = defaultUserAgent
	}
	a := &Anthropic{opts: opts, httpClient: opts.HTTPClient}
	if a.httpClient == nil {
		a.httpClient = cleanhttp.DefaultPooledClient()
	}
	a.endpoint, a.endpointErr = messagesEndpoint(opts.BaseURL)
	return a
}

// messagesEndpoint appends /v1/messages to base, keeping any path prefix.
func messagesEndpoint(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("anthropic: base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("anthropic: base URL %q is not an http(s) URL with a host", u.Redacted())
	}
	return u.JoinPath("v1", "messages").String(), nil
}

// Complete sends req to the Messages API and returns the model's answer.
//
// Transient failures (connection errors, 408, 409, 429, 5xx, 529, or any
// answer with x-should-retry: true) are retried up to MaxAttempts. The
// errors are:
//   - *APIError when the API's last answer was an error status;
//   - ctx's error (wrapped) when ctx ends first;
//   - a wrapped transport error, naming the number of attempts, when no
//     answer came;
//   - an error naming the request id when a 2xx body is not a valid message;
//   - an error without any HTTP attempt when req cannot be encoded.
func (a *Anthropic) Complete(ctx context.Context, req *Request) (*Response, error) {
	if a.endpointErr != nil {
		return nil, a.endpointErr
	}
	if req == nil {
		return nil, errors.New("anthropic: nil request")
	}
	if strings.ContainsAny(a.opts.APIKey, "\r\n\x00") {
		// net/http would refuse the header anyway; saying so here keeps
		// the key itself out of any error text.
		return nil, errors.New("anthropic: API key contains a control character")
	}
	body, err := encodeAnthropicRequest(req)
	if err != nil {
		return nil, fmt.Errorf("anthropic: encode request: %w", err)
	}
	hreq, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, a.endpoint, body)
	if err != nil {
		return nil, fmt.Errorf("anthropic: build request: %w", err)
	}
	if a.opts.APIKey != "" {
		hreq.Header.Set("x-api-key", a.opts.APIKey)
	}
	hreq.Header.Set("anthropic-version", anthropicVersion)
	hreq.Header.Set("content-type", "application/json")
	hreq.Header.Set("accept", "application/json")
	hreq.Header.Set("user-agent", a.opts.UserAgent)
	// Reading a successful body inside the retry loop lets a connection cut
	// mid-answer be retried like any other connection error.
	hreq.SetResponseHandler(readSuccessBody)

	call := &retryCall{opts: &a.opts}
	resp, err := call.client(a.httpClient).Do(hreq)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("anthropic: %w", ctxErr)
		}
		return nil, fmt.Errorf("anthropic: giving up after %s: %w", plural(call.attempts, "attempt"), err)
	}
	defer resp.Body.Close()
	requestID := resp.Header.Get("request-id")

	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return nil, a.apiError(resp, call.attempts)
	}
	data := bufferBody(resp, maxResponseBody+1)
	if len(data) > maxResponseBody {
		return nil, fmt.Errorf("anthropic: response body exceeds %d bytes (request id %s)", maxResponseBody, orNone(requestID))
	}
	out, err := decodeAnthropicResponse(data)
	if err != nil {
		return nil, fmt.Errorf("anthropic: invalid response (request id %s): %w", orNone(requestID), err)
	}
	out.RequestID = requestID
	return out, nil
}

// readSuccessBody buffers a 2xx body while the retry loop can still act on a
// read error; error answers are left for checkRetry and Complete.
func readSuccessBody(resp *http.Response) error {
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody+1))
	resp.Body.Close()
	if err != nil {
		resp.Body = http.NoBody
		return fmt.Errorf("read response body: %w", err)
	}
	resp.Body = newBufferedBody(data)
	return nil
}

// apiError builds the final error for an error answer.
func (a *Anthropic) apiError(resp *http.Response, attempts int) *APIError {
	body := bufferBody(resp, maxErrorBody)
	errType, message, envelopeID := parseAnthropicError(resp.Header.Get("content-type"), body)
	requestID := resp.Header.Get("request-id")
	if requestID == "" {
		requestID = envelopeID
	}
	if a.opts.APIKey != "" {
		// Proxies have been seen echoing request headers in error pages.
		message = strings.ReplaceAll(message, a.opts.APIKey, "[redacted]")
	}
	return &APIError{
		Provider:  "anthropic",
		Status:    resp.StatusCode,
		Type:      errType,
		Message:   message,
		RequestID: requestID,
		Attempts:  attempts,
	}
}

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
