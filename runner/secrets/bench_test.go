package secrets

import (
	"fmt"
	"strings"
	"testing"
)

// benchText is 1 MB of command output as the model sees it: test and
// build logs with the near misses that make a redactor work (task-,
// disk-, "gh" in words, a PEM header that is not a key), and one real
// token and one known value at the end.
func benchText() string {
	var b strings.Builder
	for i := 0; b.Len() < 1<<20; i++ {
		fmt.Fprintf(&b, "=== RUN   TestHandler/case_%d\n--- PASS: TestHandler/case_%d (0.00s)\n", i, i)
		fmt.Fprintf(&b, "ok  \tgithub.com/example/task-runner/internal/disk-usage\t0.%03ds\tthrough the night, high enough\n", i%1000)
		if i%500 == 0 {
			b.WriteString("-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n")
		}
	}
	b.WriteString("token ghp_0123456789abcdefghijABCDEFGHIJklmnop and db-password-value-1\n")
	return b.String()
}

// benchValues are known values of the size and number a CI environment
// has: a provider key, GitHub tokens, a few service credentials.
func benchValues() []string {
	values := []string{"sk-ant-api03-bench-key-0123456789", "ghs_benchbenchbenchbenchbenchbenchbe", "db-password-value-1"}
	for i := range 7 {
		values = append(values, fmt.Sprintf("service-credential-%02d-abcdef", i))
	}
	return values
}

// BenchmarkRedact compares Redact over 1 MB with the least a redactor must
// do: one strings.Contains scan of the same text per known value and per
// token prefix, which finds nothing to replace and proves nothing about
// shapes. The ratio is the price of finding and replacing every secret.
func BenchmarkRedact(b *testing.B) {
	text := benchText()
	values := benchValues()
	b.Run("ours", func(b *testing.B) {
		r := NewRedactor(values)
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			if out := r.Redact(text); len(out) >= len(text) {
				b.Fatal("nothing redacted")
			}
		}
	})
	b.Run("baseline", func(b *testing.B) {
		needles := append(append([]string{}, values...),
			"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "sk-", "AKIA", "xox", "-----BEGIN ")
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			found := 0
			for _, n := range needles {
				if strings.Contains(text, n) {
					found++
				}
			}
			if found == 0 {
				b.Fatal("nothing found")
			}
		}
	})
}
