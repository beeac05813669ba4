package llm

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// rateLimitWait reads the rate-limit headers that OpenAI and the servers
// copying it send with every answer, and often as the only hint on a 429:
// x-ratelimit-reset-requests and x-ratelimit-reset-tokens, the time until
// each limit is full again as a Go-style duration ("1s", "6m0s", "20ms",
// "2.5s"), and x-ratelimit-remaining-requests and -tokens.
//
// The wait is the reset of the limit that was hit: the one whose remaining
// count is 0, the larger reset when both are. When the counts do not tell
// (absent, or both above 0, as when a request needs more tokens than
// remain), it is the larger of the two resets. A reset that does not
// parse, or is negative, is ignored; with no usable reset for the limit
// that was hit, ok is false and the transport falls back to backoff.
func (openAIWire) rateLimitWait(h http.Header) (time.Duration, bool) {
	requests := readRateLimit(h, "requests")
	tokens := readRateLimit(h, "tokens")
	hit := []rateLimit{requests, tokens}
	switch {
	case requests.exhausted && !tokens.exhausted:
		hit = hit[:1]
	case tokens.exhausted && !requests.exhausted:
		hit = hit[1:]
	}
	var wait time.Duration
	ok := false
	for _, l := range hit {
		if l.resetOK {
			wait, ok = max(wait, l.reset), true
		}
	}
	return wait, ok
}

// rateLimit is one limit (requests or tokens) as its headers describe it.
type rateLimit struct {
	reset     time.Duration
	resetOK   bool // reset was sent and parsed
	exhausted bool // remaining was sent and is 0
}

func readRateLimit(h http.Header, kind string) rateLimit {
	var l rateLimit
	if v := strings.TrimSpace(h.Get("x-ratelimit-reset-" + kind)); v != "" {
		if d, err := time.ParseDuration(v); err == nil && d >= 0 {
			l.reset, l.resetOK = d, true
		}
	}
	if n, err := strconv.ParseInt(strings.TrimSpace(h.Get("x-ratelimit-remaining-"+kind)), 10, 64); err == nil {
		l.exhausted = n <= 0
	}
	return l
}
