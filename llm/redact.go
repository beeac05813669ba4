package llm

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
)

// redacted replaces a secret wherever it would be printed.
const redacted = "[redacted]"

// secretHeaders are the request headers whose values are credentials. A
// proxy that echoes a request back puts them in its error page, so their
// values are scrubbed from every error and log line.
func secretHeaders() []string {
	return []string{"Authorization", "Proxy-Authorization", "X-Api-Key", "Api-Key"}
}

// redactor scrubs secrets out of text meant for people: errors and log
// lines. The zero value scrubs nothing.
type redactor struct {
	secrets []string // longest first, so a header value is hidden whole before the key inside it
}

// newRedactor collects the secrets to scrub: the given values and the
// values of the credential headers of h, with and without their auth
// scheme ("Bearer sk-…" hides "sk-…" too).
func newRedactor(h http.Header, extra ...string) redactor {
	var r redactor
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(r.secrets, s) {
			r.secrets = append(r.secrets, s)
		}
	}
	for _, s := range extra {
		add(s)
	}
	for _, name := range secretHeaders() {
		for _, v := range h.Values(name) {
			add(v)
			if _, token, ok := strings.Cut(strings.TrimSpace(v), " "); ok {
				add(token)
			}
		}
	}
	slices.SortStableFunc(r.secrets, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	return r
}

// redact returns s with every secret replaced by "[redacted]".
func (r redactor) redact(s string) string {
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, redacted)
	}
	return s
}

// redactedError carries a message with the secrets scrubbed and keeps the
// cause for errors.Is and errors.As (context cancellation, net errors).
// Only Error() is scrubbed: code that prints an unwrapped cause itself
// takes that responsibility.
type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }
