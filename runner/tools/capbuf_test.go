package tools

import (
	"fmt"
	"strings"
	"testing"
)

func TestCapBuffer(t *testing.T) {
	t.Parallel()
	data := make([]byte, 10000)
	for i := range data {
		data[i] = "abcdefghijklmnopqrstuvwxyz\n"[i%27]
	}
	tests := []struct {
		limit, total int
		chunks       []int // sizes of successive writes, cycled
	}{
		{limit: 100, total: 50, chunks: []int{7}},
		{limit: 100, total: 100, chunks: []int{100}},
		{limit: 100, total: 101, chunks: []int{1}},
		{limit: 100, total: 10000, chunks: []int{1}},
		{limit: 100, total: 10000, chunks: []int{37, 3, 64}},
		{limit: 100, total: 10000, chunks: []int{10000}},
		{limit: 101, total: 5000, chunks: []int{49, 51, 50}},
		{limit: 2, total: 9, chunks: []int{4}},
		{limit: 1, total: 9, chunks: []int{2}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d/%d/%v", tt.limit, tt.total, tt.chunks), func(t *testing.T) {
			t.Parallel()
			c := newCapBuffer(tt.limit)
			in := data[:tt.total]
			for i := 0; len(in) > 0; i++ {
				n := min(tt.chunks[i%len(tt.chunks)], len(in))
				if w, err := c.Write(in[:n]); w != n || err != nil {
					t.Fatalf("Write = %d, %v", w, err)
				}
				in = in[n:]
			}
			full := string(data[:tt.total])
			want := full
			if tt.total > tt.limit {
				head, tail := full[:tt.limit/2], full[tt.total-(tt.limit-tt.limit/2):]
				sep := ""
				if head != "" && !strings.HasSuffix(head, "\n") {
					sep = "\n"
				}
				want = fmt.Sprintf("%s%s[… %d bytes omitted …]\n%s", head, sep, tt.total-tt.limit, tail)
			}
			if got := c.String(); got != want {
				t.Errorf("String() = %q, want %q", got, want)
			}
			if c.total != int64(tt.total) {
				t.Errorf("total = %d", c.total)
			}
		})
	}
}

func TestCapBufferInvalidUTF8(t *testing.T) {
	t.Parallel()
	c := newCapBuffer(100)
	_, _ = c.Write([]byte("ok \xff\xfe é"))
	if got := c.String(); got != "ok \uFFFD é" {
		t.Errorf("String() = %q", got)
	}
}
