package secrets

import (
	"strings"
	"sync"
	"testing"
)

const (
	alnum36 = "0123456789abcdefghijABCDEFGHIJklmnop"
	pemBody = "MIIEowIBAAKCAQEA7x0kQ\nZm9vYmFyYmF6cXV4\n"
)

// TestRedactShapes: every token shape is redacted, and its near-miss twin
// (one character short, wrong case, wrong prefix, inside a word) is not.
func TestRedactShapes(t *testing.T) {
	t.Parallel()
	r := NewRedactor(nil)
	tests := []struct {
		name, in, want string
	}{
		{"ghp", "token ghp_" + alnum36 + " end", "token [REDACTED] end"},
		{"ghp 35 chars", "token ghp_" + alnum36[:35] + " end", "token ghp_" + alnum36[:35] + " end"},
		{"gho", "gho_" + alnum36, "[REDACTED]"},
		{"ghu", "x=ghu_" + alnum36, "x=[REDACTED]"},
		{"ghs in a URL", "https://x-access-token:ghs_" + alnum36 + "@github.com/o/r", "https://x-access-token:[REDACTED]@github.com/o/r"},
		{"ghr", "ghr_" + alnum36 + "\n", "[REDACTED]\n"},
		{"unknown gh prefix", "ghx_" + alnum36, "ghx_" + alnum36},
		{"ghp with a symbol inside", "ghp_" + alnum36[:20] + "-" + alnum36[20:], "ghp_" + alnum36[:20] + "-" + alnum36[20:]},
		{"github_pat", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "[REDACTED]"},
		{"github_pat 21 chars", "github_pat_" + alnum36[:21] + " ", "github_pat_" + alnum36[:21] + " "},
		{"anthropic", "ANTHROPIC_API_KEY=sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv_wx-yz", "ANTHROPIC_API_KEY=[REDACTED]"},
		{"anthropic too short", "sk-ant-abc12", "sk-ant-abc12"},
		{"openai", "key: sk-" + alnum36[:20], "key: [REDACTED]"},
		{"openai project", `"sk-proj-` + alnum36 + `"`, `"[REDACTED]"`},
		{"sk- and five", "sk-abcde", "sk-abcde"},
		{"sk- and nineteen", "sk-" + alnum36[:19], "sk-" + alnum36[:19]},
		{"sk- inside a word", "task-runner-for-the-quarterly-reports and disk-usage-monitor-daemon-x",
			"task-runner-for-the-quarterly-reports and disk-usage-monitor-daemon-x"},
		{"sk- after an underscore", "my_sk-" + alnum36, "my_sk-" + alnum36},
		{"aws", "AKIAIOSFODNN7EXAMPLE", "[REDACTED]"},
		{"aws lowercase", "akiaiosfodnn7example", "akiaiosfodnn7example"},
		{"aws lowercase tail", "AKIAiosfodnn7example", "AKIAiosfodnn7example"},
		{"aws 15 chars", "AKIAIOSFODNN7EXAM ", "AKIAIOSFODNN7EXAM "},
		{"slack", "xoxb-1234567890-abcdefghij", "[REDACTED]"},
		{"slack 9 chars", "xoxb-123456789", "xoxb-123456789"},
		{"slack unknown kind", "xoxz-1234567890-abcdefghij", "xoxz-1234567890-abcdefghij"},
		{"private key block", "key:\n-----BEGIN RSA PRIVATE KEY-----\n" + pemBody + "-----END RSA PRIVATE KEY-----\nafter",
			"key:\n[REDACTED]\nafter"},
		{"pkcs8 and openssh blocks", "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbg==\n-----END OPENSSH PRIVATE KEY-----",
			"[REDACTED]\n[REDACTED]"},
		{"private key cut short", "head\n-----BEGIN EC PRIVATE KEY-----\n" + pemBody + "[… 5000 bytes omitted …]\n", "head\n[REDACTED]"},
		{"public key", "-----BEGIN PUBLIC KEY-----\n" + pemBody + "-----END PUBLIC KEY-----\n",
			"-----BEGIN PUBLIC KEY-----\n" + pemBody + "-----END PUBLIC KEY-----\n"},
		{"certificate", "-----BEGIN CERTIFICATE-----\n" + pemBody, "-----BEGIN CERTIFICATE-----\n" + pemBody},
		{"several", "a ghp_" + alnum36 + " b AKIAIOSFODNN7EXAMPLE c", "a [REDACTED] b [REDACTED] c"},
		{"adjacent tokens merge", "AKIAIOSFODNN7EXAMPLEghp_" + alnum36, "[REDACTED]"},
		{"nothing", "plain text, nothing to see", "plain text, nothing to see"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := r.Redact(tt.in); got != tt.want {
				t.Errorf("Redact(%q)\n = %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRedactKnownValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		values []string
		in     string
		want   string
	}{
		{"every occurrence", []string{"hunter2hunter2"}, "pw=hunter2hunter2; again hunter2hunter2.", "pw=[REDACTED]; again [REDACTED]."},
		{"short values ignored", []string{"1234567", "true"}, "port 1234567 is true", "port 1234567 is true"},
		{"exactly the minimum", []string{"12345678"}, "id 12345678", "id [REDACTED]"},
		{"overlapping values cover both", []string{"abcdefgh", "efghijkl"}, "xabcdefghijklx", "x[REDACTED]x"},
		{"value inside a value", []string{"secret-long-value", "long-val"}, "a secret-long-value b long-val c", "a [REDACTED] b [REDACTED] c"},
		{"repeated overlapping occurrences", []string{"aaaaaaaa"}, "aaaaaaaaaaa", "[REDACTED]"},
		{"surrounding space trimmed too", []string{"  tok-from-file\n"}, "got tok-from-file!", "got [REDACTED]!"},
		{"parts of the marker ignored", []string{"REDACTED", "[REDACTED]", "REDACTED]"}, "REDACTED is a word", "REDACTED is a word"},
		{"value next to a token", []string{"prefix-secret"}, "prefix-secretghp_" + alnum36, "[REDACTED]"},
		{"value then sk- becomes a word start", []string{"XSECRETX"}, "aXSECRETXsk-" + alnum36, "a[REDACTED]"},
		{"value with brackets across a marker", []string{"a[REDACTED]b", "SECRET12"}, "a" + "SECRET12" + "b", "[REDACTED]"},
		{"duplicates", []string{"dup-value", "dup-value"}, "dup-value", "[REDACTED]"},
		{"unicode", []string{"pässwörd-ñ"}, "the pässwörd-ñ here", "the [REDACTED] here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := NewRedactor(tt.values)
			got := r.Redact(tt.in)
			if got != tt.want {
				t.Errorf("Redact(%q)\n = %q\nwant %q", tt.in, got, tt.want)
			}
			if again := r.Redact(got); again != got {
				t.Errorf("not idempotent: %q, then %q", got, again)
			}
		})
	}
}

// TestNewRedactorCopies: changing the caller's slice afterwards changes
// nothing.
func TestNewRedactorCopies(t *testing.T) {
	t.Parallel()
	values := []string{"original-secret"}
	r := NewRedactor(values)
	values[0] = "something-else"
	if got := r.Redact("original-secret something-else"); got != "[REDACTED] something-else" {
		t.Errorf("Redact = %q", got)
	}
}

// TestRedactNoSecretsNoAllocation: text without secrets or token prefixes
// comes back as it is, without a copy, so redacting every tool result
// costs little. ("sk-" inside "task-" is rejected before any regexp runs;
// a regexp match may allocate under the race detector, which disables
// sync.Pool reuse.)
func TestRedactNoSecretsNoAllocation(t *testing.T) {
	r := NewRedactor([]string{"known-secret-value"})
	text := strings.Repeat("go test ./... ok 0.1s; task-runner disk-usage high night gh_ AKI known-secret\n", 100)
	allocs := testing.AllocsPerRun(20, func() {
		if got := r.Redact(text); got != text {
			t.Fatal("text without secrets changed")
		}
	})
	if allocs != 0 {
		t.Errorf("Redact allocated %v times on text without secrets", allocs)
	}
}

func TestFind(t *testing.T) {
	t.Parallel()
	r := NewRedactor([]string{"ghp_" + alnum36, "db-password-1", "short"})
	tests := []struct {
		name     string
		data     string
		wantDesc string
		wantOK   bool
	}{
		{"known token value", "token = \"ghp_" + alnum36 + "\"\n", "a secret value from the environment (40 bytes)", true},
		{"known plain value", "DSN=postgres://u:db-password-1@h/db", "a secret value from the environment (13 bytes)", true},
		{"other token of a known shape", "fixture: ghp_" + strings.Repeat("x", 36), "", false},
		{"short value is not known", "short", "", false},
		{"value cut in two", "db-password-\n1", "", false},
		{"binary around it", "\x00\x01db-password-1\xff", "a secret value from the environment (13 bytes)", true},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			desc, ok := r.Find([]byte(tt.data))
			if desc != tt.wantDesc || ok != tt.wantOK {
				t.Errorf("Find = %q, %v; want %q, %v", desc, ok, tt.wantDesc, tt.wantOK)
			}
			if strings.Contains(desc, "db-password") || strings.Contains(desc, "ghp_") {
				t.Errorf("description %q shows the value", desc)
			}
		})
	}
}

// TestRedactConcurrent: one Redactor serves every tool call at once.
func TestRedactConcurrent(t *testing.T) {
	t.Parallel()
	r := NewRedactor([]string{"shared-secret-1"})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			in := strings.Repeat("x shared-secret-1 AKIAIOSFODNN7EXAMPLE ", i+1)
			want := strings.Repeat("x [REDACTED] [REDACTED] ", i+1)
			for range 50 {
				if got := r.Redact(in); got != want {
					t.Errorf("Redact = %q", got)
					return
				}
			}
		})
	}
	wg.Wait()
}

// FuzzRedact checks the promises on any text: no known value and no
// token survives, and a second Redact changes nothing.
func FuzzRedact(f *testing.F) {
	values := []string{"hunter2hunter2", "ab[cd]ef", "XSECRETX", "sk-known-1"}
	r := NewRedactor(values)
	for _, seed := range []string{
		"", "hunter2hunter2", "aXSECRETXsk-" + alnum36, "ab[cd]ef[REDACTED]", "ghp_" + alnum36,
		"-----BEGIN RSA PRIVATE KEY-----\nabc", "task-" + alnum36, "[REDACTED]sk-" + alnum36, "xoxb-0123456789",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := r.Redact(s)
		if again := r.Redact(out); again != out {
			t.Fatalf("Redact(%q) = %q, but Redact of that = %q", s, out, again)
		}
		for _, v := range values {
			if strings.Contains(out, v) {
				t.Fatalf("Redact(%q) = %q still holds %q", s, out, v)
			}
		}
		for _, sh := range r.shapes {
			if spans := sh.find(out, nil); len(spans) > 0 {
				t.Fatalf("Redact(%q) = %q still holds a token at %v", s, out, spans)
			}
		}
	})
}
