package llm_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/safe-coder/safe-coder/llm"
)

// A stream that goes silent after its first event is a dead connection:
// the attempt is abandoned after the idle timeout and retried, and the
// half-received answer is thrown away.
func TestStreamIdleTimeoutRetries(t *testing.T) {
	t.Parallel()
	const full = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-test\",\"content\":[],\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}\n\n" +
		"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n" +
		"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"%s\"}}\n\n" +
		"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n" +
		"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":3}}\n\n" +
		"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"
	var attempts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("content-type", "text/event-stream")
		w.Header().Set("request-id", fmt.Sprintf("req_%d", attempts.Add(1)))
		if attempts.Load() == 1 {
			// Headers and the first event, then silence until the
			// client gives up.
			first, _, _ := strings.Cut(fmt.Sprintf(full, "stale"), "\n\n")
			fmt.Fprint(w, first+"\n\n")
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			return
		}
		fmt.Fprintf(w, full, "fresh")
	}))
	defer srv.Close()

	opts := fastOptions(srv.URL)
	opts.NoStream = false
	opts.IdleTimeout = 50 * time.Millisecond
	start := time.Now()
	resp, err := llm.NewAnthropic(opts).Complete(t.Context(), simpleRequest())
	if err != nil {
		t.Fatal(err)
	}
	if resp.Attempts != 2 || resp.Message().Text() != "fresh" || resp.RequestID != "req_2" {
		t.Errorf("answer %+v", resp)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s; the idle timeout did not cut the silent stream", d)
	}
}
