package llm_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/safe-coder/safe-coder/llm"
)

// documentedDir holds exchanges written from the providers' documentation
// (see its README.md). They are not recordings: recordings live in
// testdata/anthropic and testdata/openai.
const documentedDir = "testdata/documented"

// loadDocumented reads an exchange written from the providers' docs.
func loadDocumented(t *testing.T, name string) exchange {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(documentedDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var ex exchange
	if err := json.Unmarshal(data, &ex); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return ex
}

// withHeaders returns a copy of s whose headers are s's with kv (name,
// value pairs) set; an empty value removes the header. The fixture's own
// map is never modified, so variants of one exchange can run in parallel.
func withHeaders(s step, kv ...string) step {
	s.header = maps.Clone(s.header)
	if s.header == nil {
		s.header = map[string]string{}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(s.header, kv[i])
			continue
		}
		s.header[kv[i]] = kv[i+1]
	}
	return s
}

// withBody returns s with its body replaced through edit, which must change
// it: a variant that silently equals the fixture would test nothing new.
func withBody(t *testing.T, s step, edit func(string) string) step {
	t.Helper()
	body := edit(s.body)
	if body == s.body {
		t.Fatal("the edit left the fixture's body unchanged")
	}
	s.body = body
	return s
}

// checkWaits compares the clock's waits with want.
func checkWaits(t *testing.T, clock *fakeClock, want []waitRange) {
	t.Helper()
	waits := clock.Waits()
	if len(waits) != len(want) {
		t.Errorf("waits = %v, want %d of them", waits, len(want))
		return
	}
	for i, w := range waits {
		if !want[i].holds(w) {
			t.Errorf("wait %d = %v, want within [%v, %v]", i+1, w, want[i].lo, want[i].hi)
		}
	}
}

// checkLog requires one log line per pattern, each matching its pattern.
func checkLog(t *testing.T, log string, patterns []string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(log, "\n"), "\n")
	if log == "" {
		lines = nil
	}
	if len(lines) != len(patterns) {
		t.Errorf("log has %d lines, want %d:\n%s", len(lines), len(patterns), log)
		return
	}
	for i, p := range patterns {
		if !regexp.MustCompile(p).MatchString(lines[i]) {
			t.Errorf("log line %d = %q, want a match for %s", i+1, lines[i], p)
		}
	}
}

// checkAPIError requires err to be (or wrap) an *APIError equal to want,
// whose text names the status, the type, the request id and the number of
// attempts, so that an operator reading only the message can act on it.
func checkAPIError(t *testing.T, err error, want llm.APIError) {
	t.Helper()
	apiErr, ok := errors.AsType[*llm.APIError](err)
	if !ok {
		t.Fatalf("err = %v, want an *APIError", err)
	}
	if *apiErr != want {
		t.Errorf("APIError = %+v\n     want %+v", *apiErr, want)
	}
	attempts := fmt.Sprintf("%d attempts", want.Attempts)
	if want.Attempts == 1 {
		attempts = "1 attempt"
	}
	text := err.Error()
	for _, part := range []string{want.Provider + ":", fmt.Sprintf("HTTP %d", want.Status), want.Type, orNoRequestID(want.RequestID), attempts + ")"} {
		if !strings.Contains(text, part) {
			t.Errorf("error %q does not name %q", text, part)
		}
	}
}

// afterAttempts returns a copy of e that took n attempts.
func afterAttempts(e llm.APIError, n int) *llm.APIError {
	e.Attempts = n
	return &e
}

func orNoRequestID(id string) string {
	if id == "" {
		return "no request id"
	}
	return "request id " + id
}

// TestDocumentedFixturesFormat checks every written exchange: it is listed
// in the README, has the recorded exchanges' shape, lower-case header names,
// exactly one of body and body_text (the latter only for event streams), and
// no credential header.
func TestDocumentedFixturesFormat(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join(documentedDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(documentedDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	listed := regexp.MustCompile("`([a-z0-9_]+\\.json)`").FindAllStringSubmatch(string(readme), -1)
	for _, m := range listed {
		if !slices.Contains(names, m[1]) {
			t.Errorf("README lists %s, which does not exist", m[1])
		}
	}
	if len(names) == 0 {
		t.Fatal("no fixtures")
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(string(readme), "**`"+name+"`**") {
				t.Errorf("%s has no entry in README.md", name)
			}
			data, err := os.ReadFile(filepath.Join(documentedDir, name))
			if err != nil {
				t.Fatal(err)
			}
			var ex struct {
				Request struct {
					Method  string            `json:"method"`
					URL     string            `json:"url"`
					Headers map[string]string `json:"headers"`
					Body    map[string]any    `json:"body"`
				} `json:"request"`
				Response struct {
					Status   int               `json:"status"`
					Headers  map[string]string `json:"headers"`
					Body     json.RawMessage   `json:"body"`
					BodyText *string           `json:"body_text"`
				} `json:"response"`
			}
			dec := json.NewDecoder(strings.NewReader(string(data)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&ex); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if u, err := url.Parse(ex.Request.URL); ex.Request.Method != "POST" || err != nil || (u.Scheme != "http" && u.Scheme != "https") {
				t.Errorf("request %s %q, want a POST to an http(s) URL", ex.Request.Method, ex.Request.URL)
			}
			if ex.Request.Body["model"] == nil || ex.Request.Body["messages"] == nil {
				t.Errorf("request body has no model or messages: %v", ex.Request.Body)
			}
			for _, h := range []map[string]string{ex.Request.Headers, ex.Response.Headers} {
				for k := range h {
					if k != strings.ToLower(k) {
						t.Errorf("header %q is not lower case", k)
					}
					if k == "authorization" || k == "x-api-key" || k == "cookie" {
						t.Errorf("credential header %q in a fixture", k)
					}
				}
			}
			if ex.Response.Status < 200 || ex.Response.Status > 599 {
				t.Errorf("status %d", ex.Response.Status)
			}
			hasBody, hasText := len(ex.Response.Body) > 0, ex.Response.BodyText != nil
			if hasBody == hasText {
				t.Fatalf("response has body %v and body_text %v, want exactly one", hasBody, hasText)
			}
			stream := strings.HasPrefix(ex.Response.Headers["content-type"], "text/event-stream")
			if hasText != stream {
				t.Errorf("body_text %v with content type %q", hasText, ex.Response.Headers["content-type"])
			}
			if hasText && !strings.HasSuffix(*ex.Response.BodyText, "\n\n") {
				t.Error("the event stream does not end with a blank line")
			}
		})
	}
}
