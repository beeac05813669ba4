// Package llm holds the provider-neutral conversation types (messages, tool
// definitions, tool calls, tool results, usage), the Client interface the
// runner talks to, and the adapters that speak real wire formats: the
// Anthropic Messages API and the replay provider that answers from a recorded
// transcript.
//
// Invariants:
//   - A Client never returns a partial answer: either a complete Response or
//     an error. A truncated turn is reported through StopReason, never by
//     dropping content silently.
//   - API keys are only ever sent in request headers; they never appear in
//     errors, logs or Responses.
//   - Request bodies are byte slices, so a retried request sends the same
//     bytes as the first attempt.
package llm
