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

// Defaults of OpenAIOptions.
const (
	defaultOpenAIBaseURL  = "https://api.openai.com/v1"
	defaultOpenAIProvider = "openai"
)

// The request fields that can carry Request.MaxTokens (OpenAIOptions.MaxTokensField).
const (
	// FieldMaxTokens is the field every OpenAI-compatible server accepts
	// (Ollama, vLLM, llama.cpp, LM Studio, OpenRouter, Together).
	FieldMaxTokens = "max_tokens"
	// FieldMaxCompletionTokens is the field api.openai.com wants: its
	// reasoning models refuse max_tokens.
	FieldMaxCompletionTokens = "max_completion_tokens"
)

// OpenAIOptions configures a client for the OpenAI Chat Completions API or
// a server that speaks it. The zero value of every field selects a default.
type OpenAIOptions struct {
	// BaseURL is the API root as the official SDKs take it, version
	// included; requests go to BaseURL + "/chat/completions". A path
	// prefix is kept and a trailing slash is tolerated. "" means
	// https://api.openai.com/v1; Ollama's is http://localhost:11434/v1.
	BaseURL string
	// APIKey is sent as "Authorization: Bearer <key>". "" sends no
	// Authorization header, as a local Ollama or vLLM server wants. It
	// never appears in logs or errors.
	APIKey string
	// Provider names the provider in errors and log lines ("ollama: HTTP
	// 500 …"); "" means "openai". Use "ollama" for Ollama.
	Provider string
	// HTTPClient sends the requests; nil means a pooled client from
	// go-cleanhttp. It should have no overall Timeout, which would cut
	// long streams: bound a call with its context instead.
	HTTPClient *http.Client
	// MaxAttempts is the number of HTTP attempts per Complete call,
	// counting the first; 0 means 5.
	MaxAttempts int
	// RetryWaitMin and RetryWaitMax bound the wait between attempts; 0
	// means 1s and 60s. A server's retry-after hint is capped at
	// RetryWaitMax.
	RetryWaitMin, RetryWaitMax time.Duration
	// Clock measures and waits between attempts; nil means real time.
	Clock Clock
	// IdleTimeout is how long an answer's connection may stay silent
	// before the attempt is abandoned and retried; 0 means 5 minutes.
	IdleTimeout time.Duration
	// Log receives one line per retry; nil discards them.
	Log io.Writer
	// UserAgent is sent as the User-Agent header; "" means "safe-coder".
	UserAgent string
	// NoStream asks for whole JSON answers instead of the default
	// server-sent event stream. Both give the same Response.
	NoStream bool
	// MaxTokensField is the request field that carries Request.MaxTokens:
	// FieldMaxTokens or FieldMaxCompletionTokens. "" chooses by host:
	// max_completion_tokens for api.openai.com, max_tokens for every
	// other server. Set it for a proxy in front of api.openai.com, or a
	// server that wants the other one.
	MaxTokensField string
}

// OpenAI is a Client for the OpenAI Chat Completions API and the servers
// that speak it (Ollama, vLLM, llama.cpp, LM Studio, OpenRouter), streaming
// by default. It is safe for concurrent use.
type OpenAI struct {
	opts      OpenAIOptions
	endpoint  string
	configErr error
	transport *transport
}

var _ Client = (*OpenAI)(nil)

// NewOpenAI returns a client configured by opts. A malformed BaseURL or an
// unknown MaxTokensField is reported by the first Complete call, so that a
// constructor used while wiring dependencies cannot fail.
func NewOpenAI(opts OpenAIOptions) *OpenAI {
	if opts.BaseURL == "" {
		opts.BaseURL = defaultOpenAIBaseURL
	}
	if opts.Provider == "" {
		opts.Provider = defaultOpenAIProvider
	}
	if opts.UserAgent == "" {
		opts.UserAgent = defaultUserAgent
	}
	c := &OpenAI{
		opts: opts,
		transport: newTransport(transportOptions{
			Provider:     opts.Provider,
			HTTPClient:   opts.HTTPClient,
			MaxAttempts:  opts.MaxAttempts,
			RetryWaitMin: opts.RetryWaitMin,
			RetryWaitMax: opts.RetryWaitMax,
			Log:          opts.Log,
			Clock:        opts.Clock,
			IdleTimeout:  opts.IdleTimeout,
		}),
	}
	var u *url.URL
	c.endpoint, u, c.configErr = chatEndpoint(opts.Provider, opts.BaseURL)
	if c.configErr == nil {
		c.opts.MaxTokensField, c.configErr = maxTokensField(opts.Provider, opts.MaxTokensField, u)
	}
	return c
}

// chatEndpoint appends /chat/completions to base, keeping any path prefix.
func chatEndpoint(provider, base string) (string, *url.URL, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, fmt.Errorf("%s: base URL: %w", provider, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", nil, fmt.Errorf("%s: base URL %q is not an http(s) URL with a host", provider, u.Redacted())
	}
	return u.JoinPath("chat", "completions").String(), u, nil
}

// maxTokensField resolves OpenAIOptions.MaxTokensField for the server at u.
func maxTokensField(provider, field string, u *url.URL) (string, error) {
	switch field {
	case FieldMaxTokens, FieldMaxCompletionTokens:
		return field, nil
	case "":
		if strings.EqualFold(u.Hostname(), "api.openai.com") {
			return FieldMaxCompletionTokens, nil
		}
		return FieldMaxTokens, nil
	}
	return "", fmt.Errorf("%s: max tokens field %q is neither %s nor %s", provider, field, FieldMaxTokens, FieldMaxCompletionTokens)
}

// Complete sends req to the Chat Completions endpoint and returns the
// model's complete answer, with Attempts set to the HTTP attempts it took.
//
// The request carries the system prompt as the first message, tool calls
// and results as the format has them (see encodeOpenAIRequest); thinking
// parts are not sent. Request.MaxTokens goes in the configured max tokens
// field; 0 leaves the limit to the server.
//
// Transient failures are retried as for every HTTP provider (see transport
// for the policy), including answers that arrive broken: cut off, a stream
// that ends before its finish_reason or its end, a body or tool call
// arguments that do not parse, an error chunk of a retryable kind. The
// errors are:
//   - *APIError when the server's last answer was an error status or an
//     error chunk (possibly wrapped with why it was not retried); Auth()
//     tells a refused key; a spent quota (insufficient_quota) is never
//     retried;
//   - ctx's error (wrapped) when ctx ends first;
//   - an error wrapping ErrBrokenAnswer when the last answer was broken;
//   - a wrapped transport error, naming the number of attempts, when no
//     answer came;
//   - an error without any HTTP attempt when the options are invalid or
//     req cannot be encoded.
func (c *OpenAI) Complete(ctx context.Context, req *Request) (*Response, error) {
	if c.configErr != nil {
		return nil, c.configErr
	}
	if req == nil {
		return nil, fmt.Errorf("%s: nil request", c.opts.Provider)
	}
	if strings.ContainsAny(c.opts.APIKey, "\r\n\x00") {
		// net/http would refuse the header anyway; saying so here keeps
		// the key itself out of any error text.
		return nil, errors.New(c.opts.Provider + ": API key contains a control character")
	}
	stream := !c.opts.NoStream
	body, err := encodeOpenAIRequest(req, openAIEncoding{stream: stream, maxTokensField: c.opts.MaxTokensField})
	if err != nil {
		return nil, fmt.Errorf("%s: encode request: %w", c.opts.Provider, err)
	}
	header := http.Header{}
	if c.opts.APIKey != "" {
		header.Set("authorization", "Bearer "+c.opts.APIKey)
	}
	header.Set("content-type", "application/json")
	header.Set("accept", "application/json")
	if stream {
		header.Set("accept", "text/event-stream")
	}
	header.Set("user-agent", c.opts.UserAgent)
	return c.transport.post(ctx, c.endpoint, header, body, openAIWire{stream: stream})
}
