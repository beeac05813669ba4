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
)

// Defaults of AnthropicOptions.
const (
	defaultAnthropicBaseURL = "https://api.anthropic.com"
	defaultUserAgent        = "safe-coder"
)

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
	// go-cleanhttp. Retries are layered on top of it. It should have no
	// overall Timeout, which would cut long streams: bound a call with its
	// context instead.
	HTTPClient *http.Client
	// MaxAttempts is the number of HTTP attempts per Complete call,
	// counting the first; 0 means 5.
	MaxAttempts int
	// RetryWaitMin and RetryWaitMax bound the wait between attempts; 0
	// means 1s and 60s. A server's retry-after hint is capped at
	// RetryWaitMax.
	RetryWaitMin, RetryWaitMax time.Duration
	// Log receives one line per retry; nil discards them. Concurrent
	// Complete calls write to it concurrently, one Write per line.
	Log io.Writer
	// UserAgent is sent as the User-Agent header; "" means "safe-coder".
	UserAgent string
	// Clock measures and waits between attempts; nil means real time.
	Clock Clock
	// IdleTimeout is how long an answer's connection may stay silent
	// before the attempt is abandoned and retried; 0 means 5 minutes.
	IdleTimeout time.Duration
	// NoStream asks for whole JSON answers instead of the default
	// server-sent event stream. Both give the same Response; a stream
	// keeps a long answer from hitting idle timeouts of proxies on the way.
	NoStream bool
}

// Anthropic is a Client for the Anthropic Messages API, streaming by
// default. It marks prompt-cache breakpoints on every request (see
// Complete). It is safe for concurrent use.
type Anthropic struct {
	opts        AnthropicOptions
	endpoint    string
	endpointErr error
	transport   *transport
}

var _ Client = (*Anthropic)(nil)

// NewAnthropic returns a client configured by opts. A malformed BaseURL is
// reported by the first Complete call, so that a constructor used while
// wiring dependencies cannot fail.
func NewAnthropic(opts AnthropicOptions) *Anthropic {
	if opts.BaseURL == "" {
		opts.BaseURL = defaultAnthropicBaseURL
	}
	if opts.UserAgent == "" {
		opts.UserAgent = defaultUserAgent
	}
	a := &Anthropic{
		opts: opts,
		transport: newTransport(transportOptions{
			Provider:     "anthropic",
			HTTPClient:   opts.HTTPClient,
			MaxAttempts:  opts.MaxAttempts,
			RetryWaitMin: opts.RetryWaitMin,
			RetryWaitMax: opts.RetryWaitMax,
			Log:          opts.Log,
			Clock:        opts.Clock,
			IdleTimeout:  opts.IdleTimeout,
		}),
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

// Complete sends req to the Messages API and returns the model's complete
// answer, with Attempts set to the HTTP attempts it took.
//
// The request marks prompt-cache breakpoints (cache_control ephemeral) on
// the system prompt, the last tool definition and the last content block of
// the last message, so that each turn reads the prefix the previous turn
// wrote.
//
// Transient failures are retried up to MaxAttempts (see transport for the
// policy): connection errors, 408, 409, 429, 5xx, 529, x-should-retry:
// true, and answers that arrive broken (cut off, a stream without
// message_stop, a body that does not parse, an overloaded error event). A
// broken answer is thrown away, never returned in part. The errors are:
//   - *APIError when the API's last answer was an error status or an
//     error event (possibly wrapped with why it was not retried);
//   - ctx's error (wrapped) when ctx ends first;
//   - an error wrapping ErrBrokenAnswer, naming the request id, when the
//     last answer was broken;
//   - a wrapped transport error, naming the number of attempts, when no
//     answer came;
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
	stream := !a.opts.NoStream
	body, err := encodeAnthropicRequest(req, stream)
	if err != nil {
		return nil, fmt.Errorf("anthropic: encode request: %w", err)
	}
	header := http.Header{}
	if a.opts.APIKey != "" {
		header.Set("x-api-key", a.opts.APIKey)
	}
	header.Set("anthropic-version", anthropicVersion)
	header.Set("content-type", "application/json")
	header.Set("accept", "application/json")
	if stream {
		header.Set("accept", "text/event-stream")
	}
	header.Set("user-agent", a.opts.UserAgent)
	return a.transport.post(ctx, a.endpoint, header, body, anthropicWire{stream: stream})
}
