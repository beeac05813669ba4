// Package llm holds the provider-neutral conversation types (messages, tool
// definitions, tool calls, tool results, thinking, usage), the Client
// interface the runner talks to, and the adapters that speak real wire
// formats: the Anthropic Messages API (streamed by default, with
// prompt-cache breakpoints and thinking blocks sent back), the OpenAI Chat
// Completions API and the servers that speak it (Ollama, vLLM, llama.cpp,
// LM Studio, OpenRouter; streamed by default), and the replay provider that
// answers from a recorded transcript.
//
// Every HTTP provider sends its requests through one retrying POST, the
// transport (transport.go, retry.go), over go-retryablehttp with our own
// retry decision, waits and error handling, and reads streamed answers with
// one server-sent event reader (sse.go). A provider plugs in its request
// encoding and a wireFormat (wire.go) that parses its error envelope and
// decodes its answers; see wireFormat for how to add one.
//
// Invariants:
//   - A Client never returns a partial answer: either a complete Response or
//     an error. An answer cut off in transit (a connection reset mid-body, a
//     stream without its final event, a body that does not parse) is thrown
//     away and retried. A turn the model itself did not finish is reported
//     through StopReason (max_tokens); a tool call whose input the model
//     did not finish is left out of it, so it can never be executed.
//   - Retries are bounded: MaxAttempts counts every HTTP attempt, whether
//     it failed with a status, a connection error or a broken answer, and
//     Response.Attempts and APIError.Attempts report the count. No wait
//     outlasts the context's deadline; no wait exceeds RetryWaitMax. The
//     wait is the server's when it gives one that parses: retry-after-ms
//     or Retry-After, or, on a 429 of the Chat Completions format without
//     them, the x-ratelimit-reset-* of the limit that ran out; backoff
//     otherwise.
//   - Final errors and Responses name the provider's id of the request
//     when it sent one: request-id, OpenRouter's x-generation-id (the id
//     its support asks for), x-request-id, in that order; failing those,
//     an OpenRouter generation id ("gen-…") from the answer's body, even
//     one that broke after its 200.
//   - API keys are only ever sent in request headers; neither they nor any
//     other credential header value appear in errors, logs or Responses,
//     even when a proxy echoes them back.
//   - Request bodies are byte slices encoded once, so a retried request sends
//     the same bytes as the first attempt.
//   - Thinking parts are opaque: an adapter returns its provider's thinking
//     in the order the answer had it, sends it back byte for byte in the
//     same place, and never sends another provider's.
package llm
