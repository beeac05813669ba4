package llm

import (
	"net/http"
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
