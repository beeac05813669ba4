// Package secrets keeps secret values out of what the model, the state
// database, the logs and the commits see. A Redactor knows two kinds of
// secret: the values of the variables the runner keeps from commands (its
// known values, from tools.SecretValues) and strings shaped like the
// tokens of common providers (GitHub, Anthropic, OpenAI, AWS, Slack,
// PEM private keys), which a command may find somewhere else.
//
// Invariants:
//
//   - Redact replaces every occurrence of a known value and every
//     token-shaped string with "[REDACTED]". Overlapping and adjacent
//     matches are merged into one marker, so no part of a secret survives
//     because another one overlapped it, and Redact is idempotent:
//     Redact(Redact(s)) == Redact(s).
//   - Known values shorter than MinValueLen bytes are ignored: short strings
//     ("true", a port, a user name) occur everywhere, and replacing them
//     would garble output without protecting anything. So are values that
//     are part of the marker itself.
//   - Find reports known values only, never token shapes: a repository may
//     legitimately hold token-shaped test fixtures, but never the runner's
//     own secrets. Its description never contains the value.
//   - A Redactor is immutable once made and safe for concurrent use.
package secrets
