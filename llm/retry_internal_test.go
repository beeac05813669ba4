package llm

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestServerWait(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	const maxWait = 30 * time.Second
	tests := []struct {
		name   string
		status int
		header map[string]string
		want   time.Duration
		wantOK bool
	}{
		{"retry-after seconds", 429, map[string]string{"retry-after": "2"}, 2 * time.Second, true},
		{"retry-after fractional", 529, map[string]string{"retry-after": "1.5"}, 1500 * time.Millisecond, true},
		{"retry-after zero", 503, map[string]string{"retry-after": "0"}, 0, true},
		{"retry-after capped", 429, map[string]string{"retry-after": "3600"}, maxWait, true},
		{"retry-after huge", 429, map[string]string{"retry-after": "1e300"}, maxWait, true},
		{"retry-after-ms first", 429, map[string]string{"retry-after-ms": "250", "retry-after": "9"}, 250 * time.Millisecond, true},
		{"retry-after-ms bad falls back", 429, map[string]string{"retry-after-ms": "soon", "retry-after": "9"}, 9 * time.Second, true},
		{"http date", 503, map[string]string{"retry-after": now.Add(10 * time.Second).Format(http.TimeFormat)}, 10 * time.Second, true},
		{"http date past", 503, map[string]string{"retry-after": now.Add(-time.Hour).Format(http.TimeFormat)}, 0, true},
		{"negative", 429, map[string]string{"retry-after": "-1"}, 0, false},
		{"garbage", 429, map[string]string{"retry-after": "later"}, 0, false},
		{"no header", 529, nil, 0, false},
		{"ignored on 500", 500, map[string]string{"retry-after": "2"}, 0, false},
		{"ignored on 408", 408, map[string]string{"retry-after-ms": "2"}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := &http.Response{StatusCode: tt.status, Header: http.Header{}}
			for k, v := range tt.header {
				resp.Header.Set(k, v)
			}
			got, ok := serverWait(resp, maxWait, now)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("serverWait = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
	if _, ok := serverWait(nil, maxWait, now); ok {
		t.Error("serverWait(nil) reported a wait")
	}
}

func TestOpenAIRateLimitWait(t *testing.T) {
	t.Parallel()
	const ms = time.Millisecond
	tests := []struct {
		name   string
		header map[string]string // without the x-ratelimit- prefix
		want   time.Duration
		wantOK bool
	}{
		{"tokens out", map[string]string{"remaining-tokens": "0", "remaining-requests": "5", "reset-tokens": "2.5s", "reset-requests": "6m0s"}, 2500 * ms, true},
		{"requests out", map[string]string{"remaining-requests": "0", "remaining-tokens": "9", "reset-requests": "20ms", "reset-tokens": "1s"}, 20 * ms, true},
		{"both out: the later", map[string]string{"remaining-requests": "0", "remaining-tokens": "0", "reset-requests": "1m30.5s", "reset-tokens": "1s"}, 90500 * ms, true},
		{"neither out: the later", map[string]string{"remaining-requests": "499", "remaining-tokens": "2051", "reset-requests": "120ms", "reset-tokens": "1.146s"}, 1146 * ms, true},
		{"no counts: the later", map[string]string{"reset-requests": "6m0s", "reset-tokens": "1s"}, 6 * time.Minute, true},
		{"one reset only", map[string]string{"reset-tokens": " 17ms "}, 17 * ms, true},
		{"zero reset", map[string]string{"remaining-tokens": "0", "reset-tokens": "0s"}, 0, true},
		{"garbage count is unclear", map[string]string{"remaining-requests": "none", "remaining-tokens": "0", "reset-requests": "1s", "reset-tokens": "2s"}, 2 * time.Second, true},
		{"negative count is out", map[string]string{"remaining-requests": "-1", "reset-requests": "1s", "reset-tokens": "2s"}, time.Second, true},
		{"the limit hit has no reset", map[string]string{"remaining-tokens": "0", "reset-requests": "1s"}, 0, false},
		{"the limit hit has a garbage reset", map[string]string{"remaining-tokens": "0", "reset-tokens": "soon", "reset-requests": "1s"}, 0, false},
		{"seconds without a unit", map[string]string{"reset-tokens": "30"}, 0, false},
		{"negative", map[string]string{"reset-tokens": "-1s"}, 0, false},
		{"overflow", map[string]string{"reset-tokens": "9999999999h"}, 0, false},
		{"HTTP date", map[string]string{"reset-tokens": "Mon, 02 Feb 2026 10:15:30 GMT"}, 0, false},
		{"nothing", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			for k, v := range tt.header {
				h.Set("x-ratelimit-"+k, v)
			}
			got, ok := openAIWire{}.rateLimitWait(h)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("rateLimitWait = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
			if _, ok := (anthropicWire{}).rateLimitWait(h); ok {
				t.Error("the Anthropic wire read OpenAI's rate-limit headers")
			}
		})
	}
}

func TestGenerationID(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]string{
		"gen-1754667632-NNYO7FUAFP6cwNW8jL7x":    "gen-1754667632-NNYO7FUAFP6cwNW8jL7x",
		"gen-abc_DEF-123":                        "gen-abc_DEF-123",
		"chatcmpl-BleDgMAC9enGPAhCO3TUZ3frOoyG2": "",
		"cmpl-abc123":                            "",
		"gen-":                                   "",
		"":                                       "",
		"gen-x\nrequest id forged":               "",
		"gen-" + strings.Repeat("a", maxGenerationID): "",
	} {
		if got := generationID(id); got != want {
			t.Errorf("generationID(%q) = %q, want %q", id, got, want)
		}
	}
}

func TestJitterBackoff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		minWait, maxWait time.Duration
		retry            int
		lo, hi           time.Duration
	}{
		{"first retry", time.Second, 30 * time.Second, 0, time.Second, 2 * time.Second},
		{"third retry", time.Second, 30 * time.Second, 2, time.Second, 8 * time.Second},
		{"capped", time.Second, 30 * time.Second, 20, time.Second, 30 * time.Second},
		{"no overflow", time.Second, time.Duration(1<<62 + 1<<61), 100, time.Second, time.Duration(1<<62 + 1<<61)},
		{"min equals max", 5 * time.Millisecond, 5 * time.Millisecond, 3, 5 * time.Millisecond, 5 * time.Millisecond},
		{"zero min", 0, time.Millisecond, 4, 0, time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			distinct := map[time.Duration]bool{}
			for range 200 {
				d := jitterBackoff(tt.minWait, tt.maxWait, tt.retry)
				if d < tt.lo || d > tt.hi {
					t.Fatalf("jitterBackoff = %v, want within [%v, %v]", d, tt.lo, tt.hi)
				}
				distinct[d] = true
			}
			if tt.hi-tt.lo > time.Millisecond && len(distinct) < 10 {
				t.Errorf("only %d distinct waits in 200 draws: no jitter", len(distinct))
			}
		})
	}
}

func TestFormatWait(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{1234567 * time.Microsecond, "1.2s"},
		{250 * time.Millisecond, "250ms"},
		{1500 * time.Microsecond, "2ms"},
		{30 * time.Second, "30s"},
	}
	for _, tt := range tests {
		if got := formatWait(tt.d); got != tt.want {
			t.Errorf("formatWait(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
