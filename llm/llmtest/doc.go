// Package llmtest is a fake Anthropic Messages API for tests: an httptest
// server that answers a script of turns (model responses or error answers)
// and refuses the requests the real API would refuse, in the API's words.
//
// Invariants:
//   - The n-th valid request is answered by the n-th turn. Invalid requests
//     (wrong path, key, version header or body) do not consume a turn; they
//     get the API's 4xx envelope and make Verify fail.
//   - Verify fails when a turn was never requested, a request came after the
//     script ran out, a request was invalid, or a Turn's Check failed, so a
//     test notices the calls that never came as well as the extra ones.
//   - Generated ids (msg_…, toolu_…, req_…) depend only on the order of
//     requests to one server, so golden files stay stable.
//   - The fake never writes an API key into an error, a log line or Verify's
//     message.
package llmtest
