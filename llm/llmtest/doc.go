// Package llmtest is a fake model API for tests: an httptest server that
// answers a script of turns (model answers, error answers and faults) and
// refuses the requests the real API would refuse, in the API's words. One
// server speaks both the Anthropic Messages API (BasePath+"/v1/messages")
// and the OpenAI Chat Completions API (BasePath+"/chat/completions"),
// whole JSON answers and event streams alike, and answers each request in
// the format it came in; the script, the faults and the checks are
// independent of the wire format, which sits behind a small interface (see
// wireFormat).
//
// Invariants:
//   - Each scripted turn acts on exactly one HTTP attempt: the n-th valid
//     request gets the n-th turn. Invalid requests (wrong path, key,
//     version header or body) do not consume a turn; they get the API's 4xx
//     envelope and make Verify fail.
//   - A fault that cuts or resets an answer renders the next scripted
//     answer in part and does not consume it, so a client that accepts a
//     partial answer returns something visibly incomplete and leaves that
//     answer unserved.
//   - Verify fails when a turn was never requested, a request came after the
//     script ran out, a request was invalid, or a Turn's Check failed, so a
//     test notices the calls that never came as well as the extra ones.
//   - A Messages request that repeats the tool calls of an answer the fake
//     gave with thinking blocks must carry those blocks unchanged, in their
//     original position, or it is refused as the API refuses it.
//   - Generated ids (msg_…, toolu_…, chatcmpl-…, call_…, req_…) and
//     thinking signatures depend only on the script and the order of
//     requests to one server, so golden files stay stable.
//   - The fake never writes an API key into an error, a log line or Verify's
//     message.
package llmtest
